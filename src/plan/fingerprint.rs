//! The fingerprint of an observed state: a SHA-256 digest of the parts of
//! [`Actual`] a plan depends on, within a [`Scope`]. A saved plan carries it;
//! apply re-reads the same scope and refuses the plan when the digest differs.
//!
//! Values that change on their own without changing what a plan would do
//! (`LastReplicatedTimestamp`, status messages, ENABLING vs ENABLED, file
//! system names) are left out, so a plan does not go stale by itself. This
//! module never does I/O.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::types::Scope;
use super::{protection_str, status_str};
use crate::model::{Actual, FileSystemId, Region, ReplicationStatus};

/// `sha256:<hex>` of the observed state within `scope`.
pub fn fingerprint(actual: &Actual, scope: &Scope) -> String {
    // The text is hashed line by line as it is written (never held whole),
    // and the scope's lists, sorted already when a plan made them, are
    // sorted here by reference rather than cloned.
    let mut hasher = Sha256::new();
    let mut text = String::new();
    let mut regions: Vec<&Region> = scope.regions.iter().collect();
    regions.sort_unstable();
    regions.dedup();
    for r in &regions {
        let _ = writeln!(text, "region {r}");
    }
    let orphans = actual.orphans.iter().map(|o| {
        format!(
            "orphan {} {} -> {} {} status={}",
            o.source_region,
            o.source,
            o.destination.region,
            o.destination.file_system_id,
            status_str(&o.destination.status)
        )
    });
    let mut reps: Vec<String> = actual
        .replications
        .iter()
        .filter(|r| regions.contains(&&r.source_region) || regions.contains(&&r.destination.region))
        .map(|r| {
            let status = match &r.destination.status {
                // ENABLING becomes ENABLED on its own; both mean "in place".
                ReplicationStatus::Enabling | ReplicationStatus::Enabled => "ACTIVE".to_owned(),
                other => status_str(other),
            };
            let created = r
                .creation_time
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            format!(
                "replication {} {} -> {} {} role={} status={} created={}",
                r.source_region,
                r.source,
                r.destination.region,
                r.destination.file_system_id,
                r.destination.role_arn.as_deref().unwrap_or("-"),
                status,
                created
            )
        })
        .chain(orphans)
        .collect();
    reps.sort_unstable();
    reps.dedup();
    for line in reps {
        text.push_str(&line);
        text.push('\n');
        flush(&mut hasher, &mut text);
    }
    flush(&mut hasher, &mut text);
    let mut fss: Vec<&(Region, FileSystemId)> = scope.file_systems.iter().collect();
    if !fss.is_sorted() {
        fss.sort_unstable();
    }
    fss.dedup();
    for key in fss {
        match actual.file_systems.get(key) {
            None => {
                let _ = writeln!(text, "fs {} {} absent", key.0, key.1);
            }
            Some(f) => {
                let _ = writeln!(
                    text,
                    "fs {} {} owner={} state={} encrypted={} kms={} az={} protection={}",
                    key.0,
                    key.1,
                    f.owner,
                    f.life_cycle_state,
                    f.encrypted,
                    f.kms_key_id.as_deref().unwrap_or("-"),
                    f.availability_zone
                        .as_ref()
                        .map(|a| a.as_str())
                        .unwrap_or("-"),
                    f.protection
                        .as_ref()
                        .map(protection_str)
                        .unwrap_or_else(|| "-".to_owned()),
                );
            }
        }
        flush(&mut hasher, &mut text);
    }
    hasher.update(text.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Hashes the text written so far once it is large enough, and empties it.
fn flush(hasher: &mut Sha256, text: &mut String) {
    if text.len() >= HASH_CHUNK {
        hasher.update(text.as_bytes());
        text.clear();
    }
}

/// How much text is gathered before it is hashed.
const HASH_CHUNK: usize = 16 * 1024;
