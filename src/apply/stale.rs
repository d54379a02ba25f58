//! Is a plan still valid? [`read_scope`] re-reads exactly the scope a plan
//! observed (its Regions' replications and its file systems) so that
//! [`crate::plan::fingerprint`] can be recomputed, and [`what_changed`] says
//! in words how the state now differs from what the plan saw.
//!
//! Reads only; never writes.

use std::collections::BTreeSet;

use futures::stream::{self, StreamExt};

use crate::discover::{reconcile_views, DiscoverErrors, StateReader};
use crate::model::{Actual, ActualReplication, Protection, ReplicationStatus};
use crate::plan::{protection_str, Plan, Scope, StepKind};

/// How many file systems are described at once.
const CONCURRENT_DESCRIBES: usize = 16;

/// Reads the replications of every Region of `scope` and each of its file systems.
pub async fn read_scope<R: StateReader>(
    reader: &R,
    scope: &Scope,
) -> Result<Actual, DiscoverErrors> {
    let mut actual = Actual {
        regions: scope.regions.iter().cloned().collect(),
        ..Actual::default()
    };
    let lists =
        futures::future::join_all(scope.regions.iter().map(|r| reader.list_replications(r)));
    let describes = stream::iter(scope.file_systems.iter())
        .map(|(r, id)| reader.describe_file_system(r, id))
        .buffer_unordered(CONCURRENT_DESCRIBES)
        .collect::<Vec<_>>();
    let (lists, describes) = futures::join!(lists, describes);
    let mut errors = Vec::new();
    let mut views = Vec::new();
    for (region, l) in scope.regions.iter().zip(lists) {
        match l {
            Ok(reps) => views.extend(reps.into_iter().map(|r| (region.clone(), r))),
            Err(e) => errors.push(e),
        }
    }
    // The same reading of the views as discovery, so fingerprints agree.
    let (replications, orphans) = reconcile_views(&actual.regions, views);
    actual.replications = replications;
    actual.orphans = orphans;
    for d in describes {
        match d {
            Ok(Some(f)) => {
                actual
                    .file_systems
                    .insert((f.region.clone(), f.id.clone()), f);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(DiscoverErrors(errors));
    }
    actual
        .replications
        .sort_by(|a, b| (&a.source_region, &a.source).cmp(&(&b.source_region, &b.source)));
    Ok(actual)
}

fn status(s: &ReplicationStatus) -> &str {
    match s {
        ReplicationStatus::Enabling => "ENABLING",
        ReplicationStatus::Enabled => "ENABLED",
        ReplicationStatus::Deleting => "DELETING",
        ReplicationStatus::Error => "ERROR",
        ReplicationStatus::Paused => "PAUSED",
        ReplicationStatus::Pausing => "PAUSING",
        ReplicationStatus::Other(o) => o,
    }
}

fn describe(r: &ActualReplication) -> String {
    format!(
        "{} ({}) -> {} ({}), {}",
        r.source,
        r.source_region,
        r.destination.file_system_id,
        r.destination.region,
        status(&r.destination.status)
    )
}

/// How `actual` differs from what `plan` observed, one sentence per
/// difference found; a general sentence when only the fingerprint tells.
pub fn what_changed(plan: &Plan, actual: &Actual) -> Vec<String> {
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
                } else if b.status.as_deref() != Some(status(&r.destination.status))
                    && !(matches!(b.status.as_deref(), Some("ENABLING" | "ENABLED"))
                        && matches!(
                            r.destination.status,
                            ReplicationStatus::Enabling | ReplicationStatus::Enabled
                        ))
                {
                    out.push(format!(
                        "{}: the replication is now {} (was {})",
                        c.address,
                        status(&r.destination.status),
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
        if involved && !known.contains(&(r.source_region.to_string(), r.source.to_string())) {
            out.push(format!(
                "a new replication involves a file system of the plan: {}",
                describe(r)
            ));
        }
    }
    for (region, id) in &plan.scope.file_systems {
        match actual.file_systems.get(&(region.clone(), id.clone())) {
            None => out.push(format!("file system {id} ({region}) no longer exists")),
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
    if out.is_empty() {
        out.push("a file system or replication the plan depends on changed (life cycle state, encryption, KMS key, overwrite protection or creation time)".to_owned());
    }
    out
}
