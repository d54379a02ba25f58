//! Unit tests of the probe's reasoning: observations in, findings and
//! emulator flags out.

use super::*;
use crate::probe::observe::sample::like_defaults;
use crate::probe::observe::*;

fn failed(code: &str, status: u16) -> Option<CallOutcome> {
    Some(CallOutcome::Failed {
        code: Some(code.into()),
        status: Some(status),
        message: "m".into(),
    })
}

fn finding(c: &Conclusions, b: Behaviour) -> &Finding {
    c.findings.iter().find(|f| f.behaviour == b).unwrap()
}

#[test]
fn an_account_like_the_defaults_gives_the_default_flags() {
    let c = conclude(&like_defaults());
    assert_eq!(
        c.emulator_flags,
        [
            "--listing-scope both",
            "--owner-ids always",
            "--destination-delete-lag 0s",
            "--file-system-delete-delay 1s",
            "--throttle-status 400",
        ]
    );
    assert_eq!(
        c.timing_flags,
        [
            "--enable-delay 2100ms",
            "--initial-sync-delay 5100ms",
            "--delete-delay 2s"
        ]
    );
    for b in [
        Behaviour::DescribeByDestination,
        Behaviour::SecondReplication,
        Behaviour::ProtectedDestination,
        Behaviour::ProtectionChange,
        Behaviour::DeleteReplicatedFileSystem,
    ] {
        assert!(
            matches!(finding(&c, b).conclusion, Conclusion::Matches(_)),
            "{b:?}: {:?}",
            finding(&c, b)
        );
    }
    assert_eq!(
        finding(&c, Behaviour::Timeline).conclusion,
        Conclusion::Recorded
    );
    assert_eq!(c.findings.len(), Behaviour::ALL.len());
}

#[test]
fn an_account_unlike_the_defaults_gives_every_other_value() {
    let mut o = like_defaults();
    o.listing = Some(ListingObservation {
        incoming_listed_early: false,
        incoming_listed_later: Some(false),
        listed_in_source_region: true,
    });
    o.owner_ids = Some(OwnerIdObservation {
        create_source_owner: false,
        create_destination_owner: false,
        describe_source_owner: false,
        describe_destination_owner: false,
    });
    let d = o.delete.as_mut().unwrap();
    // Seen at 3.3 s, gone at 3.5 s; the source gone at 2.1 s (last seen 1.9 s):
    // the lag is between 1.2 s and 1.6 s.
    d.destination_last_seen_after_secs = Some(3.3);
    d.destination_gone_after_secs = Some(3.5);
    d.destination_listed_after_source_gone = true;
    o.file_system_deletes[0].last_seen_after_secs = Some(2.9);
    o.file_system_deletes[0].gone_after_secs = Some(3.1);
    o.throttle = Some(ThrottleObservation::Throttled {
        calls: 3,
        status: Some(429),
        code: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
    });
    o.errors.second_replication = failed("ReplicationAlreadyExists", 409);
    let c = conclude(&o);
    assert_eq!(
        c.emulator_flags,
        [
            "--listing-scope source",
            "--owner-ids cross-account-only",
            "--destination-delete-lag 1400ms",
            "--file-system-delete-delay 3s",
            "--throttle-status 429",
        ]
    );
    let lag = finding(&c, Behaviour::DestinationDeleteLag);
    assert!(lag.observed.contains("by 1.2s to 1.6s"), "{}", lag.observed);
    assert!(
        lag.observed.contains("listing showed it"),
        "{}",
        lag.observed
    );
    assert_eq!(
        finding(&c, Behaviour::SecondReplication).conclusion,
        Conclusion::Differs("the emulator answers BadRequest".into())
    );
    assert!(finding(&c, Behaviour::SecondReplication)
        .observed
        .starts_with("ReplicationAlreadyExists (HTTP 409)"));
}

#[test]
fn nothing_observed_is_never_guessed() {
    let mut o = Observations {
        poll_interval_secs: 15.0,
        ..Observations::default()
    };
    o.skip("throttle_status", "not run: add --throttle-probe");
    let c = conclude(&o);
    assert!(c.emulator_flags.is_empty(), "{:?}", c.emulator_flags);
    assert!(c.timing_flags.is_empty());
    for f in &c.findings {
        assert!(matches!(f.conclusion, Conclusion::NotObserved(_)), "{f:?}");
    }
    assert_eq!(
        finding(&c, Behaviour::ThrottleStatus).conclusion,
        Conclusion::NotObserved("not run: add --throttle-probe".into())
    );
}

#[test]
fn timeouts_say_what_is_known_and_give_no_flag() {
    let mut o = like_defaults();
    let d = o.delete.as_mut().unwrap();
    d.destination_gone_after_secs = None;
    d.destination_last_seen_after_secs = Some(599.0);
    d.timed_out = true;
    d.waited_secs = 600.0;
    let t = o.timeline.as_mut().unwrap();
    t.first_sync_after_secs = None;
    t.timed_out = true;
    o.file_system_deletes[0].gone_after_secs = None;
    o.file_system_deletes[0].timed_out = true;
    o.throttle = Some(ThrottleObservation::NotThrottled { calls: 200 });
    let c = conclude(&o);
    assert_eq!(
        c.emulator_flags,
        ["--listing-scope both", "--owner-ids always"]
    );
    let lag = &finding(&c, Behaviour::DestinationDeleteLag).conclusion;
    assert_eq!(
        lag,
        &Conclusion::NotObserved(
            "the destination side outlived the source side by at least 9m 58s and was still there when --timeout ran out".into()
        )
    );
    assert!(matches!(
        &finding(&c, Behaviour::Timeline).conclusion,
        Conclusion::NotObserved(m) if m.contains("no LastReplicatedTimestamp yet")
    ));
    // ENABLED was seen, so its delay is still a timing flag; the sync delay is not.
    assert_eq!(
        c.timing_flags,
        ["--enable-delay 2100ms", "--delete-delay 2s"]
    );
    assert!(matches!(
        finding(&c, Behaviour::ThrottleStatus).conclusion,
        Conclusion::NotObserved(_)
    ));
}

#[test]
fn inconsistent_answers_are_reported_not_smoothed_over() {
    let mut o = like_defaults();
    o.listing.as_mut().unwrap().incoming_listed_later = Some(false);
    o.owner_ids.as_mut().unwrap().describe_source_owner = false;
    o.errors.protected_destination = Some(CallOutcome::Accepted);
    o.throttle = Some(ThrottleObservation::Throttled {
        calls: 5,
        status: Some(503),
        code: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
    });
    let c = conclude(&o);
    for b in [
        Behaviour::ListingScope,
        Behaviour::OwnerIds,
        Behaviour::ProtectedDestination,
        Behaviour::ThrottleStatus,
    ] {
        assert!(
            matches!(finding(&c, b).conclusion, Conclusion::Differs(_)),
            "{b:?}"
        );
    }
    assert_eq!(
        c.emulator_flags,
        [
            "--destination-delete-lag 0s",
            "--file-system-delete-delay 1s"
        ]
    );
}

#[test]
fn a_file_system_never_seen_deleting_has_no_delay() {
    let mut o = like_defaults();
    o.file_system_deletes[0].first_state = None;
    o.file_system_deletes[0].last_seen_after_secs = None;
    o.file_system_deletes[0].gone_after_secs = Some(0.01);
    let c = conclude(&o);
    assert!(c
        .emulator_flags
        .contains(&"--file-system-delete-delay 0s".to_owned()));
}

#[test]
fn flag_durations_are_one_humantime_token() {
    for (secs, text) in [
        (0.0, "0s"),
        (0.04, "0s"),
        (1.46, "1500ms"),
        (2.0, "2s"),
        (9.94, "9900ms"),
        (185.2, "185s"),
        (180.4, "3m"),
    ] {
        assert_eq!(flag_duration(secs), text, "{secs}");
        let parsed = humantime::parse_duration(text).unwrap().as_secs_f64();
        assert!((parsed - secs).abs() <= 0.5, "{secs} -> {text}");
    }
    assert_eq!(secs_text(0.25), "250ms");
    assert_eq!(secs_text(12.34), "12.3s");
    assert_eq!(secs_text(185.0), "3m 5s");
}

#[test]
fn a_timeline_cut_short_is_not_observed() {
    let mut o = like_defaults();
    let t = o.timeline.as_mut().unwrap();
    t.events.clear();
    t.enabled_after_secs = None;
    t.first_sync_after_secs = None;
    o.skip("timeline", "interrupted while waiting for ENABLED");
    let c = conclude(&o);
    assert_eq!(
        finding(&c, Behaviour::Timeline).conclusion,
        Conclusion::NotObserved("interrupted while waiting for ENABLED".into())
    );
    assert!(!c.timing_flags.iter().any(|f| f.contains("enable")));
}
