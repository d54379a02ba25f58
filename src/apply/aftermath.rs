//! What an unfinished apply leaves behind: the file systems now in no
//! replication ("no DR") because a deletion happened and the create that was
//! to follow it did not, and what a re-run will do for each such address.
//! Pure: reads the plan and how each step ended.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::report::StepEnd;
use crate::plan::{ChangeAddress, Plan, StepId, StepKind};

/// A file system left without replication by this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoDr {
    /// The file system id.
    pub file_system_id: String,
    /// Its Region.
    pub region: String,
    /// The address whose create did not happen.
    pub address: ChangeAddress,
    /// Why it has no replication now.
    pub reason: String,
}

impl NoDr {
    /// `no DR: fs-... (us-east-1)`.
    pub fn label(&self) -> String {
        format!("no DR: {} ({})", self.file_system_id, self.region)
    }
}

/// Every step `id` waits for, directly or not.
fn ancestors(plan: &Plan, id: StepId) -> BTreeSet<StepId> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![id];
    while let Some(s) = todo.pop() {
        if let Some(step) = plan.step(s) {
            for d in &step.depends_on {
                if seen.insert(*d) {
                    todo.push(*d);
                }
            }
        }
    }
    seen
}

/// The file systems this run left in no replication, and one sentence per
/// unfinished address saying what a re-run does.
pub(crate) fn no_dr(plan: &Plan, ends: &BTreeMap<StepId, StepEnd>) -> (Vec<NoDr>, Vec<String>) {
    let owner = |id: StepId| plan.changes.iter().find(|c| c.steps.contains(&id));
    let done = |id: &StepId| matches!(ends.get(id), Some(StepEnd::Done(_)));
    // Sources that have a replication created by this run.
    let replicated: BTreeSet<(String, String)> = plan
        .steps
        .iter()
        .filter(|s| done(&s.id))
        .filter_map(|s| match &s.kind {
            StepKind::Create {
                source_file_system_id,
                region,
                ..
            } => Some((source_file_system_id.to_string(), region.to_string())),
            _ => None,
        })
        .collect();
    let mut out: Vec<NoDr> = Vec::new();
    let mut rerun = Vec::new();
    let mut push = |n: NoDr| {
        if !replicated.contains(&(n.file_system_id.clone(), n.region.clone()))
            && !out
                .iter()
                .any(|o| o.file_system_id == n.file_system_id && o.region == n.region)
        {
            out.push(n);
        }
    };
    for step in &plan.steps {
        let StepKind::Create {
            source_file_system_id: source,
            region,
            destination,
        } = &step.kind
        else {
            continue;
        };
        if done(&step.id) {
            continue;
        }
        let Some(change) = owner(step.id) else {
            continue;
        };
        // The deletions this create waited for (its own, or another
        // change's) that did happen.
        let mut before: BTreeSet<StepId> = ancestors(plan, step.id);
        before.extend(change.steps.iter().copied());
        let deleted: Vec<StepId> = before
            .into_iter()
            .filter(|d| {
                done(d)
                    && matches!(
                        plan.step(*d).map(|s| &s.kind),
                        Some(StepKind::Delete { .. })
                    )
            })
            .collect();
        if deleted.is_empty() {
            continue;
        }
        let dest = match &destination.file_system_id {
            Some(f) => format!("{f} ({})", destination.region),
            None => format!("a new file system in {}", destination.region),
        };
        push(NoDr {
            file_system_id: source.to_string(),
            region: region.to_string(),
            address: change.address.clone(),
            reason: format!(
                "{}: the replication {source} ({region}) -> {dest} was not created",
                change.address
            ),
        });
        for d in deleted {
            let Some(o) = owner(d) else { continue };
            let Some(b) = &o.before else { continue };
            let Some(StepKind::Delete { region: r, .. }) = plan.step(d).map(|s| &s.kind) else {
                continue;
            };
            // An orphan's deletion (in the destination Region) took no DR away.
            if r != &b.source_region {
                continue;
            }
            push(NoDr {
                file_system_id: b.source_file_system_id.to_string(),
                region: b.source_region.to_string(),
                address: change.address.clone(),
                reason: format!(
                    "{}: its replication to {} ({}) was deleted, for {} that was not created",
                    o.address,
                    b.destination_file_system_id
                        .as_ref()
                        .map_or_else(|| "?".to_owned(), |f| f.to_string()),
                    b.destination_region,
                    change.address
                ),
            });
        }
        let lift = change.steps.iter().find_map(|s| match plan.step(*s).map(|s| &s.kind) {
            Some(StepKind::UpdateProtection {
                file_system_id,
                region,
                ..
            }) => Some(format!(
                ", after disabling the overwrite protection of {file_system_id} ({region}) again (overwriting it needs approval for that run: an interactive yes, a saved plan that shows it, or --allow-overwrite {file_system_id})"
            )),
            _ => None,
        });
        rerun.push(format!(
            "{}: a re-run creates {source} ({region}) -> {dest}{}; nothing is left to delete for it. Fix the cause of the failure first, or it fails the same way.",
            change.address,
            lift.unwrap_or_default()
        ));
    }
    (out, rerun)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::apply::report::build;
    use crate::apply::Outcome;
    use crate::model::{FileSystemId, Region};
    use crate::plan::{Action, Attributes, Change, DestinationSpec, Scope, Step};

    /// Issue 9: a replace interrupted between its delete and its create
    /// leaves its source without replication, and the summary says so.
    #[test]
    fn a_replace_stopped_after_its_delete_names_its_source_as_without_dr() {
        let fs = FileSystemId::parse("fs-00000001").unwrap();
        let east = Region::parse("us-east-1").unwrap();
        let step = |id, kind, depends_on| Step {
            id,
            kind,
            depends_on,
            expect: None,
        };
        let plan = Plan {
            changes: vec![Change {
                address: crate::plan::ChangeAddress::parse("replication.a").unwrap(),
                action: Action::Replace,
                reason: String::new(),
                notes: vec![],
                before: Some(Attributes {
                    source_file_system_id: fs.clone(),
                    source_region: east.clone(),
                    destination_region: Region::parse("us-west-2").unwrap(),
                    destination_file_system_id: Some(
                        crate::model::FileSystemRef::parse("fs-00000002").unwrap(),
                    ),
                    destination_availability_zone: None,
                    destination_kms_key_id: None,
                    role_arn: None,
                    status: Some(crate::model::ReplicationStatus::Enabled),
                }),
                after: None,
                steps: vec![1, 2, 3],
            }],
            steps: vec![
                step(
                    1,
                    StepKind::Delete {
                        source_file_system_id: fs.clone(),
                        region: east.clone(),
                        orphan: None,
                    },
                    vec![],
                ),
                step(
                    2,
                    StepKind::WaitDeleted {
                        source_file_system_id: fs.clone(),
                        region: east.clone(),
                        destination: None,
                    },
                    vec![1],
                ),
                step(
                    3,
                    StepKind::Create {
                        source_file_system_id: fs.clone(),
                        region: east.clone(),
                        destination: DestinationSpec {
                            region: Region::parse("eu-west-1").unwrap(),
                            availability_zone_name: None,
                            kms_key_id: None,
                            file_system_id: None,
                            role_arn: None,
                        },
                    },
                    vec![2],
                ),
            ],
            unmanaged: vec![],
            scope: Scope::default(),
            fingerprint: String::new(),
        };
        let why = "interrupted while waiting; run apply again to finish".to_owned();
        let ends = BTreeMap::from([
            (1, StepEnd::Done(None)),
            (2, StepEnd::Skipped(why.clone())),
            (
                3,
                StepEnd::Skipped("not started: apply was interrupted".into()),
            ),
        ]);
        let report = build(&plan, &ends, true, Duration::from_secs(1), &[None]);
        let a = report.address("replication.a").unwrap();
        assert_eq!(a.outcome, Outcome::Skipped);
        assert!(
            a.detail
                .as_deref()
                .unwrap()
                .starts_with("the old replication was deleted, the new one not created"),
            "{a:?}"
        );
        assert_eq!(report.no_dr.len(), 1, "{:?}", report.no_dr);
        assert_eq!(report.no_dr[0].label(), "no DR: fs-00000001 (us-east-1)");
        assert!(
            report.rerun[0].contains(
                "a re-run creates fs-00000001 (us-east-1) -> a new file system in eu-west-1"
            ),
            "{:?}",
            report.rerun
        );

        // Once the create is done, nothing is without replication.
        let ends = BTreeMap::from([
            (1, StepEnd::Done(None)),
            (2, StepEnd::Done(None)),
            (3, StepEnd::Done(None)),
        ]);
        assert!(no_dr(&plan, &ends).0.is_empty());
    }
}
