//! Compare-and-swap before each destructive call. Right before a delete or
//! a protection change, [`check`] re-reads its target (the replication by
//! `DescribeReplicationConfigurations`, the file system by
//! `DescribeFileSystems`, through the same read code as discovery) and
//! compares it with what the step's [`Expect`] recorded at plan time: the
//! destination and creation time of a replication, the protection of a file
//! system. Before a delete, it also re-reads each existing file system that
//! a create waiting for the delete replicates into (exists, `available`,
//! encryption, in no other replication, protection as observed): a
//! replication is not taken away for a create that can no longer succeed.
//! The step proceeds only when all agree; otherwise it fails with "changed
//! since plan" and its dependents are skipped. A delete or protection
//! change without an expectation is refused (plans made by this version
//! always carry one). A compensation (`restore-protection`) writes only
//! where the protection still reads `DISABLED`.
//!
//! Reads only; never writes. A re-read that fails fails the step: nothing
//! destructive is sent on a guess.

use crate::model::{FileSystemId, Protection, Region, ReplicationStatus};
use crate::plan::{Expect, ExpectDestination, Step, StepKind};

use super::policy::Note;
use super::{Operations, StepError};

/// What the re-read says about the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Guard {
    /// The target is as planned: make the call.
    Proceed,
    /// The call is not needed (already done, e.g. by a concurrent apply); the note says why.
    Done(Note),
    /// The target changed since the plan: the step fails without the call.
    Changed(StepError),
}

/// Re-reads the target of `step` and compares it with its expectation.
/// `creates_from` is the source of the create a protection change prepares.
pub(crate) async fn check<O: Operations>(
    ops: &O,
    step: &Step,
    creates_from: Option<&FileSystemId>,
) -> Result<Guard, StepError> {
    let Some(expect) = &step.expect else {
        return match &step.kind {
            StepKind::RestoreProtection {
                file_system_id: fs,
                region,
                ..
            } => restore_needed(ops, region, fs).await,
            StepKind::Delete { region, .. } | StepKind::UpdateProtection { region, .. } => {
                let name = step.kind.name();
                Ok(Guard::Changed(changed_error(
                    name,
                    region.as_str(),
                    format!(
                        "refused: step {} ({name}) carries no expectation of what it acts on, so it cannot be checked right before the call (plans made by this version always have one: the plan was edited or made wrongly)",
                        step.id
                    ),
                    "nothing was changed; run plan again and apply the new plan",
                )))
            }
            _ => Ok(Guard::Proceed),
        };
    };
    match (&step.kind, expect) {
        (
            StepKind::Delete {
                source_file_system_id: source,
                region,
                ..
            },
            Expect::Replication {
                destination_file_system_id,
                destination_region,
                creation_time,
                creates_into,
            },
        ) => {
            let changed = |now: String| {
                Guard::Changed(changed_error(
                    "DeleteReplicationConfiguration",
                    region.as_str(),
                    format!(
                        "changed since plan: the replication of {source} ({region}) {now}; the plan saw it going to {destination_file_system_id} ({destination_region}), created {creation_time}"
                    ),
                    "nothing was deleted; run plan again and review the new plan (another apply or a person may have changed it meanwhile)",
                ))
            };
            // Read where the call is made: by the source id in the source
            // Region, by the destination id for an orphaned destination side
            // deleted in its own Region.
            let by = if region == destination_region {
                destination_file_system_id
            } else {
                source
            };
            let found = ops
                .replication(region, by)
                .await?
                .filter(|r| &r.source == source);
            Ok(match found {
                None => confirm_gone(ops, step).await?,
                Some(r) => {
                    let created = humantime::format_rfc3339_millis(r.creation_time).to_string();
                    if &r.destination.file_system_id == destination_file_system_id
                        && &r.destination.region == destination_region
                        && &created == creation_time
                    {
                        if r.destination.status == ReplicationStatus::Deleting {
                            Guard::Done(Note::already("already being deleted"))
                        } else {
                            match destinations_changed(ops, source, creates_into).await? {
                                None => Guard::Proceed,
                                Some(what) => Guard::Changed(changed_error(
                                    "DeleteReplicationConfiguration",
                                    region.as_str(),
                                    format!(
                                        "changed since plan: {what}; the replication of {source} ({region}) was not deleted, so that it is not taken away for a create that can no longer succeed"
                                    ),
                                    "nothing was deleted; run plan again and review the new plan (another apply or a person may have changed it meanwhile)",
                                )),
                            }
                        }
                    } else {
                        changed(format!(
                            "now goes to {} ({}), created {created}",
                            r.destination.file_system_id, r.destination.region
                        ))
                    }
                }
            })
        }
        (
            StepKind::UpdateProtection {
                file_system_id: fs,
                region,
                ..
            },
            Expect::FileSystem {
                replication_overwrite_protection: want,
            },
        ) => {
            const OP: &str = "UpdateFileSystemProtection";
            let hint = "overwrite protection was not changed; run plan again and review the new plan (another apply or a person may have changed it meanwhile)";
            let Some(info) = ops.file_system(region, fs).await? else {
                return Ok(Guard::Changed(changed_error(
                    OP,
                    region.as_str(),
                    format!("changed since plan: file system {fs} ({region}) no longer exists"),
                    hint,
                )));
            };
            if info.protection.as_ref() == Some(want) {
                return Ok(Guard::Proceed);
            }
            if info.protection == Some(Protection::Replicating) {
                let r = ops.replication(region, fs).await?;
                if let (Some(r), Some(src)) = (&r, creates_from) {
                    if &r.source == src && &r.destination.file_system_id == fs {
                        return Ok(Guard::Done(Note::from(format!(
                            "{fs} is already the destination of the replication of {src}"
                        ))));
                    }
                }
                let of = r
                    .map(|r| {
                        format!(
                            " of {} ({}) -> {} ({})",
                            r.source,
                            r.source_region,
                            r.destination.file_system_id,
                            r.destination.region
                        )
                    })
                    .unwrap_or_default();
                return Ok(Guard::Changed(changed_error(
                    OP,
                    region.as_str(),
                    format!(
                        "changed since plan: file system {fs} ({region}) is now in a replication{of} (overwrite protection REPLICATING; the plan expected {want})"
                    ),
                    hint,
                )));
            }
            let now = info.protection.as_ref().map_or("unknown", |p| p.as_str());
            Ok(Guard::Changed(changed_error(
                OP,
                region.as_str(),
                format!(
                    "changed since plan: file system {fs} ({region}) now has overwrite protection {now} (the plan expected {want})"
                ),
                hint,
            )))
        }
        // An expectation that does not fit its step (a hand-edited plan
        // would be refused before this): refuse rather than guess.
        (kind, _) => Ok(Guard::Changed(changed_error(
            kind.name(),
            "",
            format!("the step's expectation does not fit a {} step", kind.name()),
            "run plan again",
        ))),
    }
}

/// Whether a delete whose replication no longer reads where the call is
/// made (the guard's re-read found nothing, or EFS answered
/// `ReplicationNotFound`) is done. That absence alone is also what a
/// source side deleted with `LOCAL_CONFIGURATION_ONLY` leaves, with the
/// destination side still in place, orphaned; and what credentials that do
/// not see the side produce. So the destination side is re-read in its own
/// Region, with the credentials of the account its file system is in (the
/// writer routes every read by file system): "already deleted" only when it
/// reads as gone and its file system can be read there; "already being
/// deleted" when it reads `DELETING`; otherwise the step fails and nothing
/// is deleted or created on the strength of it.
pub(crate) async fn confirm_gone<O: Operations>(ops: &O, step: &Step) -> Result<Guard, StepError> {
    const OP: &str = "DeleteReplicationConfiguration";
    let (
        StepKind::Delete {
            source_file_system_id: source,
            region,
            ..
        },
        Some(Expect::Replication {
            destination_file_system_id: dfs,
            destination_region: dr,
            ..
        }),
    ) = (&step.kind, &step.expect)
    else {
        return Ok(Guard::Changed(changed_error(
            OP,
            "",
            format!(
                "step {} reads as already deleted, but carries no expectation naming its destination side, so that cannot be confirmed",
                step.id
            ),
            "run plan again",
        )));
    };
    let side = ops
        .replication(dr, dfs)
        .await?
        .filter(|r| &r.source == source && &r.destination.file_system_id == dfs);
    if let Some(r) = side {
        if r.destination.status == ReplicationStatus::Deleting {
            return Ok(Guard::Done(Note::already("already being deleted")));
        }
        return Ok(Guard::Changed(changed_error(
            OP,
            region.as_str(),
            format!(
                "the replication of {source} no longer reads in {region}, but its destination side still does in {dr} ({dfs}, {}): it is orphaned, not deleted",
                r.destination.status
            ),
            "nothing was deleted and what depends on it was not started; run plan again: it removes the orphaned side where it is (LOCAL_CONFIGURATION_ONLY) before anything is created",
        )));
    }
    if ops.file_system(dr, dfs).await?.is_none() {
        return Ok(Guard::Changed(changed_error(
            OP,
            region.as_str(),
            format!(
                "the replication of {source} no longer reads in {region}, and its destination file system {dfs} ({dr}) cannot be read with the credentials in use, so that its destination side is gone cannot be confirmed"
            ),
            "nothing was deleted and what depends on it was not started; if the file system is in another account, add an account block for that account (docs/config.md) so that it is read with its credentials, then run plan again",
        )));
    }
    Ok(Guard::Done(Note::already("already deleted")))
}

/// Re-reads each existing destination that a create waiting for the
/// delete of the replication of `source` replicates into; says how the
/// first one that no longer reads as the plan observed it changed. Being
/// in the replication of `source` itself (the one about to be deleted:
/// as its destination, or as its source in a failback) is as observed.
async fn destinations_changed<O: Operations>(
    ops: &O,
    source: &FileSystemId,
    creates_into: &[ExpectDestination],
) -> Result<Option<String>, StepError> {
    for want in creates_into {
        let (fs, region) = (&want.file_system_id, &want.region);
        let it = format!(
            "{fs} ({region}), the existing destination of a create that waits for this delete,"
        );
        let Some(info) = ops.file_system(region, fs).await? else {
            return Ok(Some(format!("{it} no longer exists")));
        };
        if info.life_cycle_state != "available" {
            return Ok(Some(format!(
                "{it} is {}, not available",
                info.life_cycle_state
            )));
        }
        if info.encrypted != want.encrypted {
            let is = |e: bool| if e { "encrypted" } else { "not encrypted" };
            return Ok(Some(format!(
                "{it} is now {} (the plan saw it {})",
                is(info.encrypted),
                is(want.encrypted)
            )));
        }
        let r = ops.replication(region, fs).await?;
        let in_this = match &r {
            Some(r) if &r.source != source => {
                return Ok(Some(format!(
                    "{it} is now in the replication of {} ({}) -> {} ({})",
                    r.source, r.source_region, r.destination.file_system_id, r.destination.region
                )));
            }
            Some(r) => &r.destination.file_system_id == fs && &r.destination.region == region,
            None => false,
        };
        let now = info.protection.as_ref();
        let fits = now == Some(&want.replication_overwrite_protection)
            || (in_this && now == Some(&Protection::Replicating));
        if !fits {
            return Ok(Some(format!(
                "{it} now has overwrite protection {} (the plan saw {})",
                now.map_or("unknown", |p| p.as_str()),
                want.replication_overwrite_protection
            )));
        }
    }
    Ok(None)
}

/// A compensation sets the protection back only where it is still
/// `DISABLED`, as this run's protection change left it: a file system that
/// became a destination after all (`REPLICATING`: the create went through,
/// or it belongs to a replication this run did not lift it for), or whose
/// protection someone set meanwhile, is left as it is, with a note.
async fn restore_needed<O: Operations>(
    ops: &O,
    region: &Region,
    fs: &FileSystemId,
) -> Result<Guard, StepError> {
    Ok(match ops.file_system(region, fs).await? {
        None => Guard::Done(Note::from(format!(
            "not restored: file system {fs} ({region}) no longer exists"
        ))),
        Some(info) => match info.protection {
            Some(Protection::Disabled) => Guard::Proceed,
            p => Guard::Done(Note::from(format!(
                "not restored: overwrite protection of {fs} ({region}) reads {}, not the DISABLED this run set",
                p.as_ref().map_or("unknown", |p| p.as_str())
            ))),
        },
    })
}

fn changed_error(operation: &str, region: &str, message: String, hint: &str) -> StepError {
    StepError {
        operation: format!("check before {operation}").into(),
        region: region.to_owned(),
        code: None,
        message,
        hint: hint.to_owned(),
    }
}
