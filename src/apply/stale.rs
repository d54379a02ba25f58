//! Is a plan still valid? [`read_scope`] re-reads exactly the scope a plan
//! observed (its Regions' replications, its file systems and its KMS key
//! references) so that its
//! [`Observation`] (and fingerprint) can be made again, and [`what_changed`]
//! says in words how the state now differs from what the plan saw: every
//! difference between the two observations, each with its old and new value.
//!
//! Reads only; never writes.

use crate::discover::{DiscoverErrors, KeyResolver, StateReader};
use crate::model::Actual;
use crate::plan::{Observation, Plan, Scope, Subject};

/// Reads the replications of every Region of `scope` and each of its file
/// systems, and resolves its KMS key references, through discovery's read
/// path ([`crate::discover::read_scope`]).
pub async fn read_scope<R: StateReader>(
    reader: &R,
    keys: &impl KeyResolver,
    scope: &Scope,
) -> Result<Actual, DiscoverErrors> {
    crate::discover::read_scope(
        reader,
        keys,
        &scope.regions,
        &scope.file_systems,
        &scope.kms_keys,
    )
    .await
}

/// How the state now differs from what `plan` observed, one sentence per
/// [`Difference`] of the two observations (the same differences that make
/// the fingerprints differ). A replication one of the plan's changes is
/// about is named by that change's address first.
pub fn what_changed(plan: &Plan, then: &Observation, now: &Observation) -> Vec<String> {
    let address_of = |subject: &Subject| {
        let Subject::Replication {
            source_region,
            source,
        } = subject
        else {
            return None;
        };
        plan.changes.iter().find_map(|c| {
            let a = c.before.as_ref().or(c.after.as_ref())?;
            (&a.source_region == source_region && &a.source_file_system_id == source)
                .then_some(c.address.as_str())
        })
    };
    let mut out: Vec<String> = then
        .differences(now)
        .iter()
        .map(|d| match address_of(d.subject()) {
            Some(address) => format!("{address}: {d}"),
            None => d.to_string(),
        })
        .collect();
    if out.is_empty() && then.fingerprint() != now.fingerprint() {
        // Only the Regions differ: the scope itself was changed.
        out.push("the Regions the plan read differ from its scope; run plan again".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::model::{
        AccountId, ActualDestination, ActualReplication, FileSystemId, FileSystemInfo,
        KeyReference, KeyResolution, KmsKeyRef, Protection, Region, ReplicationStatus, ResolvedKey,
    };

    const KEY_A: &str =
        "arn:aws:kms:us-west-2:111122223333:key/11111111-1111-4111-8111-111111111111";
    const KEY_B: &str =
        "arn:aws:kms:us-west-2:111122223333:key/22222222-2222-4222-8222-222222222222";

    fn fs(region: &str, id: &str) -> FileSystemInfo {
        FileSystemInfo {
            id: FileSystemId::parse(id).unwrap(),
            region: Region::parse(region).unwrap(),
            owner: AccountId::parse("111122223333").unwrap(),
            life_cycle_state: "available".into(),
            encrypted: false,
            kms_key_id: None,
            availability_zone: None,
            performance_mode: "generalPurpose".into(),
            throughput_mode: None,
            protection: Some(Protection::Enabled),
            name: None,
        }
    }

    fn replication(source: &str, destination: &str) -> ActualReplication {
        ActualReplication {
            source: FileSystemId::parse(source).unwrap(),
            source_region: Region::parse("us-east-1").unwrap(),
            source_arn: String::new(),
            source_owner: None,
            creation_time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            destination: ActualDestination {
                status: ReplicationStatus::Enabled,
                file_system_id: FileSystemId::parse(destination).unwrap(),
                region: Region::parse("us-west-2").unwrap(),
                last_replicated: None,
                owner: None,
                status_message: None,
                role_arn: None,
            },
        }
    }

    fn state() -> (Actual, Scope) {
        let mut actual = Actual::default();
        let east = Region::parse("us-east-1").unwrap();
        let west = Region::parse("us-west-2").unwrap();
        for (r, id) in [("us-east-1", "fs-00000001"), ("us-west-2", "fs-00000002")] {
            let f = fs(r, id);
            actual
                .file_systems
                .insert((f.region.clone(), f.id.clone()), f);
        }
        actual
            .replications
            .push(replication("fs-00000001", "fs-00000002"));
        let alias = KmsKeyRef::parse("alias/dr").unwrap();
        actual.kms_keys.push(ResolvedKey {
            account: None,
            region: west.clone(),
            reference: alias.clone(),
            resolution: KeyResolution::Key(KEY_A.into()),
        });
        let scope = Scope {
            regions: vec![east.clone(), west.clone()],
            file_systems: actual.file_systems.keys().cloned().collect(),
            kms_keys: vec![KeyReference {
                account: None,
                region: west.clone(),
                reference: alias,
            }],
        };
        (actual, scope)
    }

    fn empty_plan(scope: &Scope) -> Plan {
        Plan {
            changes: vec![],
            steps: vec![],
            unmanaged: vec![],
            scope: scope.clone(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn every_changed_attribute_is_named_with_both_values() {
        let (mut actual, scope) = state();
        let plan = empty_plan(&scope);
        let then = Observation::of(&actual, &scope);
        let key = (
            Region::parse("us-west-2").unwrap(),
            FileSystemId::parse("fs-00000002").unwrap(),
        );
        let f = actual.file_systems.get_mut(&key).unwrap();
        f.encrypted = true;
        f.kms_key_id = Some("arn:aws:kms:us-west-2:111122223333:key/k".into());
        f.life_cycle_state = "updating".into();
        actual.replications[0].creation_time = UNIX_EPOCH + Duration::from_secs(1_700_000_060);
        let now = Observation::of(&actual, &scope);
        let changes = what_changed(&plan, &then, &now);
        assert_eq!(
            changes,
            [
                "file system fs-00000002 (us-west-2): life cycle state changed from available to updating",
                "file system fs-00000002 (us-west-2): encryption changed from not encrypted to encrypted",
                "file system fs-00000002 (us-west-2): KMS key changed from none to arn:aws:kms:us-west-2:111122223333:key/k",
                "replication of fs-00000001 (us-east-1): creation time changed from 2023-11-14T22:13:20.000Z to 2023-11-14T22:14:20.000Z",
            ]
        );
        assert_ne!(then.fingerprint(), now.fingerprint());
    }

    /// Issue 11: apply's stale check re-resolves KMS aliases and re-reads
    /// the owners of each replication: an alias moved to another key, or a
    /// side now owned by another account, makes the plan stale, named.
    #[test]
    fn a_moved_alias_and_a_changed_owner_are_named() {
        let (mut actual, scope) = state();
        let plan = empty_plan(&scope);
        let then = Observation::of(&actual, &scope);
        actual.kms_keys[0].resolution = KeyResolution::Key(KEY_B.into());
        actual.replications[0].destination.owner = Some(AccountId::parse("444455556666").unwrap());
        let now = Observation::of(&actual, &scope);
        assert_eq!(
            what_changed(&plan, &then, &now),
            [
                "replication of fs-00000001 (us-east-1): destination owner changed from unknown to 444455556666".to_owned(),
                format!("KMS key alias/dr (us-west-2): key changed from {KEY_A} to {KEY_B}"),
            ]
        );
        assert_ne!(then.fingerprint(), now.fingerprint());
        // A failure of the same kind with another message is no change.
        actual.kms_keys[0].resolution = KeyResolution::Failed("timed out".into());
        let failed = Observation::of(&actual, &scope);
        actual.kms_keys[0].resolution = KeyResolution::Failed("connection reset".into());
        let again = Observation::of(&actual, &scope);
        assert!(failed.differences(&again).is_empty());
        assert_eq!(failed.fingerprint(), again.fingerprint());
    }

    #[test]
    fn enabling_becoming_enabled_is_no_change() {
        let (mut actual, scope) = state();
        actual.replications[0].destination.status = ReplicationStatus::Enabling;
        let then = Observation::of(&actual, &scope);
        actual.replications[0].destination.status = ReplicationStatus::Enabled;
        let now = Observation::of(&actual, &scope);
        assert!(then.differences(&now).is_empty());
        assert_eq!(then.fingerprint(), now.fingerprint());
    }

    /// Issue 15: the fingerprint and the stale-plan diff are one
    /// observation, so an orphan that appears, disappears or changes is
    /// both a fingerprint change and a named difference.
    #[test]
    fn an_orphan_change_is_a_fingerprint_change_and_a_named_difference() {
        let (mut actual, scope) = state();
        let plan = empty_plan(&scope);
        let mut orphan = replication("fs-00000003", "fs-00000004");
        let then = Observation::of(&actual, &scope);

        actual.orphans.push(orphan.clone());
        let now = Observation::of(&actual, &scope);
        assert_ne!(then.fingerprint(), now.fingerprint());
        assert_eq!(
            what_changed(&plan, &then, &now),
            ["orphaned destination side in fs-00000004 (us-west-2) of fs-00000003 (us-east-1) now exists (it did not when planned): destination fs-00000004 (us-west-2), role none, status ENABLED, creation time 2023-11-14T22:13:20.000Z, source owner unknown, destination owner unknown"]
        );

        orphan.destination.status = ReplicationStatus::Error;
        let mut changed = actual.clone();
        changed.orphans = vec![orphan];
        let later = Observation::of(&changed, &scope);
        assert_ne!(now.fingerprint(), later.fingerprint());
        assert_eq!(
            what_changed(&plan, &now, &later),
            ["orphaned destination side in fs-00000004 (us-west-2) of fs-00000003 (us-east-1): status changed from ENABLED to ERROR"]
        );

        changed.orphans.clear();
        let gone = Observation::of(&changed, &scope);
        assert_ne!(later.fingerprint(), gone.fingerprint());
        assert_eq!(
            what_changed(&plan, &later, &gone),
            ["orphaned destination side in fs-00000004 (us-west-2) of fs-00000003 (us-east-1) no longer exists"]
        );
    }

    /// Every difference is a fingerprint change and every fingerprint
    /// change has a difference, whatever attribute changed.
    #[test]
    fn the_fingerprint_changes_exactly_when_a_difference_is_named() {
        let (actual, scope) = state();
        let then = Observation::of(&actual, &scope);
        let key = (
            Region::parse("us-east-1").unwrap(),
            FileSystemId::parse("fs-00000001").unwrap(),
        );
        type Edit<'a> = Box<dyn Fn(&mut Actual) + 'a>;
        let edits: Vec<Edit> = vec![
            Box::new(|a| {
                a.replications[0].destination.role_arn = Some("arn:aws:iam::1:role/r".into())
            }),
            Box::new(|a| a.replications[0].destination.status = ReplicationStatus::Paused),
            Box::new(|a| a.replications[0].destination.last_replicated = Some(UNIX_EPOCH)),
            Box::new(|a| a.replications.clear()),
            Box::new(|a| {
                a.file_systems.get_mut(&key).unwrap().protection = Some(Protection::Disabled)
            }),
            Box::new(|a| a.file_systems.get_mut(&key).unwrap().name = Some("renamed".into())),
            Box::new(|a| {
                a.file_systems.remove(&key);
            }),
            Box::new(|a| {
                a.replications[0].source_owner = Some(AccountId::parse("444455556666").unwrap())
            }),
            Box::new(|a| {
                a.replications[0].destination.owner =
                    Some(AccountId::parse("444455556666").unwrap())
            }),
            Box::new(|a| a.kms_keys[0].resolution = KeyResolution::Key(KEY_B.into())),
            Box::new(|a| a.kms_keys[0].resolution = KeyResolution::AccessDenied("denied".into())),
            Box::new(|a| a.kms_keys.clear()),
            // The same key again is no difference.
            Box::new(|a| {
                a.kms_keys[0].resolution = KeyResolution::Key(KEY_A.into());
            }),
        ];
        let mut named = 0;
        for edit in edits {
            let mut a = actual.clone();
            edit(&mut a);
            let now = Observation::of(&a, &scope);
            let differs = !then.differences(&now).is_empty();
            assert_eq!(differs, then.fingerprint() != now.fingerprint(), "{now:?}");
            named += usize::from(differs);
        }
        // Only the last-replicated time, the name and the same key again
        // are left out.
        assert_eq!(named, 10);
    }
}
