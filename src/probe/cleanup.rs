//! Cleanup comes first: the [`Ledger`] records every resource the probe
//! created the moment EFS acknowledges it, [`cleanup`] removes whatever it
//! still holds (replications first, then, once both of their sides are
//! gone, the file systems), and [`Ledger::leftovers`] turns what could not
//! be removed into the exact AWS CLI commands to remove it by hand.
//! [`find_leftovers`] rebuilds a ledger from the probe's tag for
//! `probe --cleanup`.
//!
//! It only ever deletes what the ledger holds: file systems the probe
//! created (or tagged as its own) and replications between them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::efs::ProbeEfs;
use crate::model::Region;

#[derive(Debug, Clone)]
struct OwnedFileSystem {
    region: Region,
    id: String,
    /// DeleteFileSystem was accepted (or it was already gone).
    deleted: bool,
}

#[derive(Debug, Clone)]
struct OwnedReplication {
    source_region: Region,
    source_id: String,
    destination_region: Region,
    destination_id: String,
    /// DeleteReplicationConfiguration was accepted.
    delete_requested: bool,
    /// Both sides were seen gone.
    gone: bool,
}

#[derive(Debug, Default)]
struct Inner {
    file_systems: Vec<OwnedFileSystem>,
    replications: Vec<OwnedReplication>,
}

/// What the probe created and has not removed yet; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct Ledger(Arc<Mutex<Inner>>);

/// Something that could not be removed, and how to remove it by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leftover {
    /// What it is.
    pub resource: String,
    /// The AWS CLI commands that remove it, in order.
    pub commands: Vec<String>,
}

/// Flags every printed command carries (the profile and endpoint in use).
#[derive(Debug, Clone, Default)]
pub struct CommandStyle {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
}

impl CommandStyle {
    fn command(&self, body: String) -> String {
        let mut c = format!("aws efs {body}");
        if let Some(p) = &self.profile {
            c.push_str(&format!(" --profile {}", shell_word(p)));
        }
        if let Some(u) = &self.endpoint_url {
            c.push_str(&format!(" --endpoint-url {}", shell_word(u)));
        }
        c
    }
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@=".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

impl Ledger {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a file system the probe owns.
    pub fn add_file_system(&self, region: &Region, id: &str) {
        let mut l = self.lock();
        if !l.file_systems.iter().any(|f| f.id == id) {
            l.file_systems.push(OwnedFileSystem {
                region: region.clone(),
                id: id.to_owned(),
                deleted: false,
            });
        }
    }

    /// Records a replication between file systems the probe owns.
    pub fn add_replication(
        &self,
        source_region: &Region,
        source_id: &str,
        destination_region: &Region,
        destination_id: &str,
    ) {
        let mut l = self.lock();
        if !l.replications.iter().any(|r| r.source_id == source_id) {
            l.replications.push(OwnedReplication {
                source_region: source_region.clone(),
                source_id: source_id.to_owned(),
                destination_region: destination_region.clone(),
                destination_id: destination_id.to_owned(),
                delete_requested: false,
                gone: false,
            });
        }
    }

    /// Marks a file system deleted (DeleteFileSystem accepted, or not found).
    pub fn file_system_deleted(&self, id: &str) {
        for f in self.lock().file_systems.iter_mut().filter(|f| f.id == id) {
            f.deleted = true;
        }
    }

    /// Marks the replication of `source_id` as being deleted.
    pub fn replication_delete_requested(&self, source_id: &str) {
        for r in self
            .lock()
            .replications
            .iter_mut()
            .filter(|r| r.source_id == source_id)
        {
            r.delete_requested = true;
        }
    }

    /// Marks the replication of `source_id` gone on both sides.
    pub fn replication_gone(&self, source_id: &str) {
        for r in self
            .lock()
            .replications
            .iter_mut()
            .filter(|r| r.source_id == source_id)
        {
            r.gone = true;
        }
    }

    /// File systems not yet deleted, as (Region, id).
    pub fn live_file_systems(&self) -> Vec<(Region, String)> {
        self.lock()
            .file_systems
            .iter()
            .filter(|f| !f.deleted)
            .map(|f| (f.region.clone(), f.id.clone()))
            .collect()
    }

    /// Replications not yet gone, as (source Region, source id, destination
    /// Region, destination id).
    pub fn live_replications(&self) -> Vec<(Region, String, Region, String)> {
        self.lock()
            .replications
            .iter()
            .filter(|r| !r.gone)
            .map(|r| {
                (
                    r.source_region.clone(),
                    r.source_id.clone(),
                    r.destination_region.clone(),
                    r.destination_id.clone(),
                )
            })
            .collect()
    }

    /// Replications not yet gone whose delete was not asked for.
    pub fn replications_to_delete(&self) -> Vec<(Region, String, Region, String)> {
        self.lock()
            .replications
            .iter()
            .filter(|r| !r.gone && !r.delete_requested)
            .map(|r| {
                (
                    r.source_region.clone(),
                    r.source_id.clone(),
                    r.destination_region.clone(),
                    r.destination_id.clone(),
                )
            })
            .collect()
    }

    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.live_file_systems().is_empty() && self.live_replications().is_empty()
    }

    /// Everything not removed, replications first, with the commands that
    /// remove it by hand.
    pub fn leftovers(&self, style: &CommandStyle) -> Vec<Leftover> {
        let mut out = Vec::new();
        let replications: Vec<OwnedReplication> = self
            .lock()
            .replications
            .iter()
            .filter(|r| !r.gone)
            .cloned()
            .collect();
        for r in replications {
            let (sr, sid, dr, did) = (
                &r.source_region,
                &r.source_id,
                &r.destination_region,
                &r.destination_id,
            );
            out.push(if r.delete_requested {
                Leftover {
                    resource: format!(
                        "replication {sid} ({sr}) -> {did} ({dr}): being deleted (DELETING); wait until both sides answer ReplicationNotFound"
                    ),
                    commands: vec![
                        style.command(format!(
                            "describe-replication-configurations --region {sr} --file-system-id {sid}"
                        )),
                        style.command(format!(
                            "describe-replication-configurations --region {dr} --file-system-id {did}"
                        )),
                    ],
                }
            } else {
                Leftover {
                    resource: format!("replication {sid} ({sr}) -> {did} ({dr})"),
                    commands: vec![style.command(format!(
                        "delete-replication-configuration --region {sr} --source-file-system-id {sid}"
                    ))],
                }
            });
        }
        for (region, id) in self.live_file_systems() {
            out.push(Leftover {
                resource: format!("file system {id} ({region})"),
                commands: vec![style.command(format!(
                    "delete-file-system --region {region} --file-system-id {id}"
                ))],
            });
        }
        out
    }
}

/// The leftovers as text: each resource and its commands, with the order
/// that matters spelled out.
pub fn leftovers_text(leftovers: &[Leftover]) -> String {
    let mut s = String::from(
        "Not removed (run these by hand; delete file systems only after their replication is gone, \
         i.e. describe-replication-configurations answers ReplicationNotFound, which takes minutes):\n",
    );
    for l in leftovers {
        s.push_str(&format!("  {}\n", l.resource));
        for c in &l.commands {
            s.push_str(&format!("    {c}\n"));
        }
    }
    s
}

/// How cleanup went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// What was removed (deletes accepted), in order.
    pub removed: Vec<String>,
    /// What is left, with the commands to remove it.
    pub leftovers: Vec<Leftover>,
    /// Errors met on the way.
    pub errors: Vec<String>,
}

/// Removes what `ledger` holds: deletes its replications, waits (up to
/// `timeout`, polling every `poll`) until both sides of each are gone, then
/// deletes its file systems, retrying those still in use until `timeout`.
/// Never stopped by an interrupt: this is what an interrupt leads to.
pub async fn cleanup(
    efs: &ProbeEfs<'_>,
    ledger: &Ledger,
    timeout: Duration,
    poll: Duration,
    style: &CommandStyle,
    progress: &(dyn Fn(&str) + Sync),
) -> CleanupReport {
    let mut report = CleanupReport::default();
    let start = Instant::now();
    for (sr, sid, dr, did) in ledger.replications_to_delete() {
        progress(&format!(
            "deleting replication {sid} ({sr}) -> {did} ({dr})"
        ));
        match efs.delete_replication(&sr, &sid).await {
            Ok(()) => {
                ledger.replication_delete_requested(&sid);
                report.removed.push(format!("replication {sid} -> {did}"));
            }
            Err(e) if e.is("ReplicationNotFound") || e.is("FileSystemNotFound") => {
                ledger.replication_delete_requested(&sid)
            }
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    // Wait for both sides of every replication to be gone.
    loop {
        let mut pending = 0;
        for (sr, sid, dr, did) in ledger.live_replications() {
            let src = efs.describe_replication(&sr, &sid).await;
            let dst = efs.describe_replication(&dr, &did).await;
            match (src, dst) {
                (Ok(None), Ok(None)) => ledger.replication_gone(&sid),
                (Ok(_), Ok(_)) => pending += 1,
                (Err(e), _) | (_, Err(e)) => {
                    pending += 1;
                    if !report.errors.contains(&e.to_string()) {
                        report.errors.push(e.to_string());
                    }
                }
            }
        }
        if pending == 0 || start.elapsed() >= timeout {
            break;
        }
        progress(&format!(
            "waiting for {pending} replication(s) to be gone on both sides"
        ));
        tokio::time::sleep(poll).await;
    }
    // Delete the file systems; one still in a replication is retried.
    loop {
        let mut in_use = 0;
        for (region, id) in ledger.live_file_systems() {
            match efs.delete_file_system(&region, &id).await {
                Ok(()) => {
                    ledger.file_system_deleted(&id);
                    progress(&format!("deleted file system {id} ({region})"));
                    report.removed.push(format!("file system {id}"));
                }
                Err(e) if e.is("FileSystemNotFound") => ledger.file_system_deleted(&id),
                Err(e)
                    if e.is("FileSystemInUse")
                        || e.is("IncorrectFileSystemLifeCycleState")
                        || e.is_transient() =>
                {
                    in_use += 1;
                    if start.elapsed() >= timeout && !report.errors.contains(&e.to_string()) {
                        report.errors.push(e.to_string());
                    }
                }
                Err(e) => {
                    if !report.errors.contains(&e.to_string()) {
                        report.errors.push(e.to_string());
                    }
                }
            }
        }
        if in_use == 0 || start.elapsed() >= timeout {
            break;
        }
        tokio::time::sleep(poll).await;
    }
    report.leftovers = ledger.leftovers(style);
    report
}

/// A ledger of everything in `regions` carrying the probe's tag (any probe
/// id), plus the replications those file systems are in and their
/// destinations (which EFS created without the tag).
pub async fn find_leftovers(
    efs: &ProbeEfs<'_>,
    regions: &[Region],
) -> Result<Ledger, super::efs::CallError> {
    let ledger = Ledger::default();
    for region in regions {
        for fs in efs.list_probe_file_systems(region).await? {
            if fs.state == "deleting" || fs.state == "deleted" {
                continue;
            }
            ledger.add_file_system(region, &fs.id);
            if let Some(r) = efs.describe_replication(region, &fs.id).await? {
                let (Ok(sr), Ok(dr)) = (
                    Region::parse(&r.source_region),
                    Region::parse(&r.destination_region),
                ) else {
                    continue;
                };
                ledger.add_replication(&sr, &r.source_id, &dr, &r.destination_id);
                ledger.add_file_system(&sr, &r.source_id);
                ledger.add_file_system(&dr, &r.destination_id);
            }
        }
    }
    Ok(ledger)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_replications_first_with_exact_commands() {
        let l = Ledger::default();
        let east = Region::parse("us-east-1").unwrap();
        let west = Region::parse("us-west-2").unwrap();
        l.add_file_system(&east, "fs-00000001");
        l.add_file_system(&west, "fs-00000002");
        l.add_replication(&east, "fs-00000001", &west, "fs-00000002");
        l.file_system_deleted("fs-00000002");
        let style = CommandStyle {
            profile: Some("my profile".into()),
            endpoint_url: None,
        };
        let left = l.leftovers(&style);
        assert_eq!(left.len(), 2);
        assert_eq!(
            left[0].commands,
            ["aws efs delete-replication-configuration --region us-east-1 --source-file-system-id fs-00000001 --profile 'my profile'"]
        );
        assert_eq!(
            left[1].commands,
            ["aws efs delete-file-system --region us-east-1 --file-system-id fs-00000001 --profile 'my profile'"]
        );
        l.replication_delete_requested("fs-00000001");
        let left = l.leftovers(&CommandStyle::default());
        assert!(left[0].resource.ends_with(
            "being deleted (DELETING); wait until both sides answer ReplicationNotFound"
        ));
        assert_eq!(
            left[0].commands,
            [
                "aws efs describe-replication-configurations --region us-east-1 --file-system-id fs-00000001",
                "aws efs describe-replication-configurations --region us-west-2 --file-system-id fs-00000002",
            ]
        );
        l.replication_gone("fs-00000001");
        l.file_system_deleted("fs-00000001");
        assert!(l.is_empty());
        assert!(l.leftovers(&CommandStyle::default()).is_empty());
    }
}
