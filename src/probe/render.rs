//! The probe's report: a [`ProbeReport`] built from a run and its
//! conclusions, written as text ([`render_human`]) or JSON (serde, the same
//! value; never derived from the text). Pure: writes to the given writer.

use std::io::{self, Write};

use serde::Serialize;

use super::cleanup::{leftovers_text, CleanupReport};
use super::observe::Observations;
use super::reason::{conclude, Conclusion, Finding};
use super::run::{ProbeOptions, ProbeRun};

/// Everything the probe reports.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// The probe id in names and tags.
    pub probe_id: String,
    /// Region A.
    pub source_region: String,
    /// Region B.
    pub destination_region: String,
    /// Every step ran (no error, no interrupt).
    pub completed: bool,
    /// Stopped by Ctrl-C / SIGTERM.
    pub interrupted: bool,
    /// The error that stopped it early.
    pub error: Option<String>,
    /// One per behaviour.
    pub findings: Vec<Finding>,
    /// The emulator variant flags that reproduce the account, one string.
    pub emulator_flags: String,
    /// Timing flags measured on the way, one string.
    pub timing_flags: String,
    /// The raw observations.
    pub observations: Observations,
    /// What was removed and what is left.
    pub cleanup: CleanupReport,
}

impl ProbeReport {
    /// The report of `run`.
    pub fn new(opts: &ProbeOptions, run: &ProbeRun) -> ProbeReport {
        let c = conclude(&run.observations);
        ProbeReport {
            probe_id: opts.probe_id.clone(),
            source_region: opts.source_region.to_string(),
            destination_region: opts.destination_region.to_string(),
            completed: run.error.is_none() && !run.interrupted,
            interrupted: run.interrupted,
            error: run.error.clone(),
            findings: c.findings,
            emulator_flags: c.emulator_flags.join(" "),
            timing_flags: c.timing_flags.join(" "),
            observations: run.observations.clone(),
            cleanup: run.cleanup.clone(),
        }
    }
}

/// Writes the report as text.
pub fn render_human(r: &ProbeReport, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "EFS probe {} ({} -> {}){}",
        r.probe_id,
        r.source_region,
        r.destination_region,
        if r.interrupted {
            ": interrupted"
        } else if r.error.is_some() {
            ": stopped at an error"
        } else {
            ""
        }
    )?;
    if let Some(e) = &r.error {
        writeln!(w, "  error: {e}")?;
    }
    writeln!(w)?;
    let nothing = r
        .findings
        .iter()
        .all(|f| matches!(f.conclusion, Conclusion::NotObserved(_)));
    if nothing {
        writeln!(w, "Nothing was observed.")?;
    }
    for f in r.findings.iter().filter(|_| !nothing) {
        writeln!(w, "{}", f.behaviour.title())?;
        if !f.observed.is_empty() {
            writeln!(w, "  observed: {}", f.observed)?;
        }
        let line = match &f.conclusion {
            Conclusion::Flag(flag) => format!("emulator: {flag}"),
            Conclusion::Matches(m) => format!("emulator: same ({m})"),
            Conclusion::Differs(d) => format!("emulator: DIFFERS ({d})"),
            Conclusion::Recorded => "emulator: timing only (see below)".to_owned(),
            Conclusion::NotObserved(why) => format!("not observed: {why}"),
        };
        writeln!(w, "  {line}")?;
    }
    if !nothing {
        writeln!(w)?;
    }
    if r.emulator_flags.is_empty() {
        if !nothing {
            writeln!(w, "No emulator variant was observed.")?;
        }
    } else {
        writeln!(w, "Emulator flags that reproduce this account:")?;
        writeln!(w, "  {}", r.emulator_flags)?;
    }
    let unseen: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| matches!(f.conclusion, Conclusion::NotObserved(_)))
        .map(|f| f.behaviour.key())
        .collect();
    if !unseen.is_empty() && !nothing {
        writeln!(
            w,
            "  (not observed, so not in that line: {})",
            unseen.join(", ")
        )?;
    }
    if !r.timing_flags.is_empty() {
        writeln!(w, "Timings seen (emulator flags): {}", r.timing_flags)?;
    }
    writeln!(w)?;
    if r.cleanup.leftovers.is_empty() {
        writeln!(w, "Cleanup: everything the probe created is deleted.")?;
        if !r.cleanup.removed.is_empty() {
            writeln!(
                w,
                "  removed after the probe stopped: {}",
                r.cleanup.removed.join(", ")
            )?;
        }
    } else {
        write!(w, "Cleanup: {}", leftovers_text(&r.cleanup.leftovers))?;
    }
    for e in &r.cleanup.errors {
        writeln!(w, "  cleanup error: {e}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::cleanup::Leftover;
    use crate::probe::observe::sample::like_defaults;

    fn report(obs: Observations, cleanup: CleanupReport) -> ProbeReport {
        let c = conclude(&obs);
        ProbeReport {
            probe_id: "0123abcd".into(),
            source_region: "us-east-1".into(),
            destination_region: "us-west-2".into(),
            completed: true,
            interrupted: false,
            error: None,
            findings: c.findings,
            emulator_flags: c.emulator_flags.join(" "),
            timing_flags: c.timing_flags.join(" "),
            observations: obs,
            cleanup,
        }
    }

    #[test]
    fn the_text_report() {
        let mut obs = like_defaults();
        obs.throttle = None;
        obs.skip("throttle_status", "not run: add --throttle-probe");
        let mut out = Vec::new();
        render_human(&report(obs, CleanupReport::default()), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn leftovers_are_listed_with_their_commands() {
        let cleanup = CleanupReport {
            removed: vec![],
            leftovers: vec![Leftover {
                resource: "file system fs-00000001 (us-east-1)".into(),
                commands: vec![
                    "aws efs delete-file-system --region us-east-1 --file-system-id fs-00000001"
                        .into(),
                ],
            }],
            errors: vec!["DeleteFileSystem in us-east-1 failed".into()],
        };
        let mut out = Vec::new();
        render_human(&report(like_defaults(), cleanup), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("Cleanup: Not removed (run these by hand"),
            "{text}"
        );
        assert!(text.contains(
            "    aws efs delete-file-system --region us-east-1 --file-system-id fs-00000001\n"
        ));
        assert!(text.contains("  cleanup error: DeleteFileSystem in us-east-1 failed"));
    }

    #[test]
    fn the_json_report_carries_findings_and_flags() {
        let v = serde_json::to_value(report(like_defaults(), CleanupReport::default())).unwrap();
        assert_eq!(v["findings"][0]["behaviour"], "listing_scope");
        assert_eq!(v["findings"][0]["conclusion"]["kind"], "flag");
        assert_eq!(
            v["findings"][0]["conclusion"]["detail"],
            "--listing-scope both"
        );
        assert_eq!(v["findings"][3]["conclusion"]["kind"], "recorded");
        assert!(v["emulator_flags"]
            .as_str()
            .unwrap()
            .ends_with("--throttle-status 400"));
        assert_eq!(v["observations"]["throttle"]["status"], 400);
    }
}
