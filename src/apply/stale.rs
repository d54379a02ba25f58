//! Is a plan still valid? [`read_scope`] re-reads exactly the scope a plan
//! observed (its Regions' replications and its file systems) so that
//! [`crate::plan::fingerprint`] can be recomputed, and [`what_changed`] says
//! in words how the state now differs from what the plan saw. [`observe`]
//! records, attribute by attribute, what the plan saw (a saved plan keeps
//! it), so that every change can be named with its old and new value.
//!
//! Reads only; never writes.

use std::collections::{BTreeMap, BTreeSet};

use crate::discover::{DiscoverErrors, StateReader};
use crate::model::{Actual, ActualReplication, FileSystemInfo, Protection, ReplicationStatus};
use crate::plan::{protection_str, Plan, Scope, StepKind};

/// Reads the replications of every Region of `scope` and each of its file
/// systems, through discovery's read path ([`crate::discover::read_scope`]).
pub async fn read_scope<R: StateReader>(
    reader: &R,
    scope: &Scope,
) -> Result<Actual, DiscoverErrors> {
    crate::discover::read_scope(reader, &scope.regions, &scope.file_systems).await
}

fn describe(r: &ActualReplication) -> String {
    format!(
        "{} ({}) -> {} ({}), {}",
        r.source,
        r.source_region,
        r.destination.file_system_id,
        r.destination.region,
        r.destination.status.as_str()
    )
}

/// What a plan observed: for each file system of its scope (`file system
/// fs-... (us-east-1)`) and each replication of its Regions (`replication of
/// fs-... (us-east-1)`), its attributes by name, as text.
pub type Observed = BTreeMap<String, BTreeMap<String, String>>;

fn fs_key(region: &str, id: &str) -> String {
    format!("file system {id} ({region})")
}

fn fs_attributes(f: &FileSystemInfo) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("owner".into(), f.owner.to_string());
    m.insert("life cycle state".into(), f.life_cycle_state.clone());
    m.insert(
        "encryption".into(),
        if f.encrypted {
            "encrypted"
        } else {
            "not encrypted"
        }
        .into(),
    );
    m.insert(
        "KMS key".into(),
        f.kms_key_id.clone().unwrap_or_else(|| "none".into()),
    );
    m.insert(
        "availability zone".into(),
        f.availability_zone
            .as_ref()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_else(|| "none (Regional)".into()),
    );
    m.insert(
        "overwrite protection".into(),
        f.protection
            .as_ref()
            .map(protection_str)
            .unwrap_or_else(|| "unknown".into()),
    );
    m
}

fn rep_attributes(r: &ActualReplication) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert(
        "destination".into(),
        format!(
            "{} ({})",
            r.destination.file_system_id, r.destination.region
        ),
    );
    m.insert(
        "role".into(),
        r.destination
            .role_arn
            .clone()
            .unwrap_or_else(|| "none".into()),
    );
    m.insert("status".into(), r.destination.status.as_str().to_owned());
    m.insert(
        "creation time".into(),
        humantime::format_rfc3339_millis(r.creation_time).to_string(),
    );
    m
}

/// Records what `actual` holds within `scope`, for [`what_changed`].
pub fn observe(actual: &Actual, scope: &Scope) -> Observed {
    let mut out = Observed::new();
    for (region, id) in &scope.file_systems {
        if let Some(f) = actual.file_systems.get(&(region.clone(), id.clone())) {
            out.insert(fs_key(region.as_str(), id.as_str()), fs_attributes(f));
        }
    }
    for r in &actual.replications {
        if scope.regions.contains(&r.source_region) || scope.regions.contains(&r.destination.region)
        {
            out.insert(
                format!("replication of {} ({})", r.source, r.source_region),
                rep_attributes(r),
            );
        }
    }
    out
}

/// One sentence per attribute whose value differs between `then` and `now`
/// (keys present in both; ENABLING and ENABLED count as the same status).
fn attribute_changes<'a>(then: &'a Observed, now: &Observed) -> Vec<(&'a str, &'a str, String)> {
    let mut out = Vec::new();
    for (key, old) in then {
        let Some(new) = now.get(key) else { continue };
        for (attr, before) in old {
            let Some(after) = new.get(attr) else { continue };
            let active = |s: &str| matches!(s, "ENABLING" | "ENABLED");
            if before == after || (attr == "status" && active(before) && active(after)) {
                continue;
            }
            out.push((
                key.as_str(),
                attr.as_str(),
                format!("{key}: {attr} changed from {before} to {after}"),
            ));
        }
    }
    out
}

/// How `actual` differs from what `plan` observed, one sentence per
/// difference found. With `observed` (what the plan saw, see [`observe`]),
/// every changed attribute is named with its old and new value; without it
/// (a plan saved by an older version), a general sentence when only the
/// fingerprint tells.
pub fn what_changed(plan: &Plan, actual: &Actual, observed: Option<&Observed>) -> Vec<String> {
    let mut out = Vec::new();
    let find = |region: &str, source: &str| {
        actual
            .replications
            .iter()
            .find(|r| r.source_region.as_str() == region && r.source.as_str() == source)
    };
    let mut known = BTreeSet::new();
    for c in &plan.changes {
        let (region, source) = match (&c.before, &c.after) {
            (Some(b), _) => (b.source_region.clone(), b.source_file_system_id.clone()),
            (None, Some(a)) => (a.source_region.clone(), a.source_file_system_id.clone()),
            (None, None) => continue,
        };
        known.insert((region.clone(), source.clone()));
        let now = find(&region, &source);
        match (&c.before, now) {
            (None, Some(r)) => out.push(format!(
                "{}: a replication now exists: {}",
                c.address,
                describe(r)
            )),
            (Some(_), None) => out.push(format!(
                "{}: the replication of {source} ({region}) no longer exists",
                c.address
            )),
            (Some(b), Some(r)) => {
                if b.destination_file_system_id.as_deref()
                    != Some(r.destination.file_system_id.as_str())
                    || b.destination_region != r.destination.region.as_str()
                {
                    out.push(format!(
                        "{}: the replication now goes elsewhere: {}",
                        c.address,
                        describe(r)
                    ));
                } else if b.status.as_deref() != Some(r.destination.status.as_str())
                    && !(matches!(b.status.as_deref(), Some("ENABLING" | "ENABLED"))
                        && matches!(
                            r.destination.status,
                            ReplicationStatus::Enabling | ReplicationStatus::Enabled
                        ))
                {
                    out.push(format!(
                        "{}: the replication is now {} (was {})",
                        c.address,
                        r.destination.status.as_str(),
                        b.status.as_deref().unwrap_or("unknown")
                    ));
                }
            }
            (None, None) => {}
        }
    }
    for u in &plan.unmanaged {
        known.insert((
            u.source_region.to_string(),
            u.source_file_system_id.to_string(),
        ));
        if find(u.source_region.as_str(), u.source_file_system_id.as_str()).is_none() {
            out.push(format!(
                "the unmanaged replication of {} ({}) no longer exists",
                u.source_file_system_id, u.source_region
            ));
        }
    }
    for r in &actual.replications {
        let involved = plan.scope.file_systems.iter().any(|(reg, id)| {
            (reg == &r.source_region && id == &r.source)
                || (reg == &r.destination.region && id == &r.destination.file_system_id)
        });
        let existed = observed.is_some_and(|o| {
            o.contains_key(&format!(
                "replication of {} ({})",
                r.source, r.source_region
            ))
        });
        if involved
            && !existed
            && !known.contains(&(r.source_region.to_string(), r.source.to_string()))
        {
            out.push(format!(
                "a new replication involves a file system of the plan: {}",
                describe(r)
            ));
        }
    }
    for (region, id) in &plan.scope.file_systems {
        let recorded =
            observed.is_some_and(|o| o.contains_key(&fs_key(region.as_str(), id.as_str())));
        match actual.file_systems.get(&(region.clone(), id.clone())) {
            None => out.push(format!("file system {id} ({region}) no longer exists")),
            // Named attribute by attribute below.
            Some(_) if recorded => {}
            Some(f) => {
                let planned_disable = plan.steps.iter().any(|s| {
                    matches!(&s.kind, StepKind::UpdateProtection { file_system_id, region: r, .. } if file_system_id == id && r == region)
                });
                if planned_disable && f.protection.as_ref() != Some(&Protection::Enabled) {
                    out.push(format!(
                        "file system {id} ({region}) now has overwrite protection {} (the plan disables it from ENABLED)",
                        f.protection.as_ref().map(protection_str).unwrap_or_else(|| "unknown".into())
                    ));
                }
            }
        }
    }
    if let Some(then) = observed {
        let now = observe(actual, &plan.scope);
        for (region, id) in &plan.scope.file_systems {
            let key = fs_key(region.as_str(), id.as_str());
            if !then.contains_key(&key) && now.contains_key(&key) {
                out.push(format!("{key} now exists (it did not when planned)"));
            }
        }
        let said: BTreeSet<String> = known
            .iter()
            .map(|(region, source)| format!("replication of {source} ({region})"))
            .collect();
        for (key, attr, sentence) in attribute_changes(then, &now) {
            // The destination and status of the plan's replications are
            // already said above.
            if matches!(attr, "destination" | "status") && said.contains(key) {
                continue;
            }
            out.push(sentence);
        }
    }
    if out.is_empty() {
        out.push(match observed {
            Some(_) => "the state the plan depends on changed in a way not recorded attribute by attribute; run plan again and compare".to_owned(),
            None => "a file system or replication the plan depends on changed (life cycle state, encryption, KMS key, overwrite protection or creation time); this saved plan does not record the values it saw, so run plan again to compare".to_owned(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::model::{AccountId, ActualDestination, FileSystemId, Region};

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
        actual.replications.push(ActualReplication {
            source: FileSystemId::parse("fs-00000001").unwrap(),
            source_region: east.clone(),
            source_arn: String::new(),
            source_owner: None,
            creation_time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            destination: ActualDestination {
                status: ReplicationStatus::Enabled,
                file_system_id: FileSystemId::parse("fs-00000002").unwrap(),
                region: west.clone(),
                last_replicated: None,
                owner: None,
                status_message: None,
                role_arn: None,
            },
        });
        let scope = Scope {
            regions: vec![east.clone(), west.clone()],
            file_systems: actual.file_systems.keys().cloned().collect(),
        };
        (actual, scope)
    }

    #[test]
    fn every_changed_attribute_is_named_with_both_values() {
        let (mut actual, scope) = state();
        let plan = Plan {
            changes: vec![],
            steps: vec![],
            unmanaged: vec![],
            scope: scope.clone(),
            fingerprint: String::new(),
        };
        let then = observe(&actual, &scope);
        let key = (
            Region::parse("us-west-2").unwrap(),
            FileSystemId::parse("fs-00000002").unwrap(),
        );
        let f = actual.file_systems.get_mut(&key).unwrap();
        f.encrypted = true;
        f.kms_key_id = Some("arn:aws:kms:us-west-2:111122223333:key/k".into());
        f.life_cycle_state = "updating".into();
        actual.replications[0].creation_time = UNIX_EPOCH + Duration::from_secs(1_700_000_060);
        let changes = what_changed(&plan, &actual, Some(&then));
        for want in [
            "file system fs-00000002 (us-west-2): encryption changed from not encrypted to encrypted",
            "file system fs-00000002 (us-west-2): KMS key changed from none to arn:aws:kms:us-west-2:111122223333:key/k",
            "file system fs-00000002 (us-west-2): life cycle state changed from available to updating",
            "replication of fs-00000001 (us-east-1): creation time changed from 2023-11-14T22:13:20.000Z to 2023-11-14T22:14:20.000Z",
        ] {
            assert!(changes.iter().any(|c| c == want), "{want}\n{changes:#?}");
        }
        assert_eq!(changes.len(), 4, "{changes:#?}");
    }

    #[test]
    fn enabling_becoming_enabled_is_no_change() {
        let (mut actual, scope) = state();
        actual.replications[0].destination.status = ReplicationStatus::Enabling;
        let then = observe(&actual, &scope);
        actual.replications[0].destination.status = ReplicationStatus::Enabled;
        assert!(attribute_changes(&then, &observe(&actual, &scope)).is_empty());
    }
}
