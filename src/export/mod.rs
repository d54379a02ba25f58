//! `export`: turns the replications that exist into configuration. [`read`]
//! lists every replication of the given Regions and describes their source
//! and destination file systems through the [`StateReader`] trait;
//! [`to_hcl`] writes one `replication` block per replication, named after the
//! source's Name tag (sanitised to an identifier, made unique; the file
//! system id when there is no tag), in the canonical format of `fmt`.
//!
//! The output must load with `validate` and plan to `No changes.` against
//! the state it was made from: every value the planner compares (Region,
//! destination file system, role) is written as observed; the destination
//! is pinned by its file system id, so a later re-point is drift. [`to_hcl`] is pure; [`read`] only reads and never writes.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::format::format_source;
use crate::discover::{discover, read_file_systems, DiscoverErrors, StateReader};
use crate::model::{
    Account, AccountCredentials, Actual, ActualReplication, Desired, FileSystemId, Region,
    ReplicationStatus,
};

/// Why the configuration could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The generated text did not pass the canonical formatter (a bug).
    #[error("the generated configuration is not valid HCL: {0}")]
    Format(String),
}

/// Reads every replication visible in `regions`, and the source and
/// destination file systems of each (where the caller can describe them):
/// by id where a Region needs few, one paginated listing where it needs
/// more than [`crate::discover::DESCRIBE_BY_ID_LIMIT`].
pub async fn read<R: StateReader>(
    reader: &R,
    regions: &[Region],
) -> Result<Actual, DiscoverErrors> {
    let mut actual = discover(reader, &Desired::default(), regions).await?;
    let wanted: BTreeSet<(Region, FileSystemId)> = actual
        .replications
        .iter()
        .flat_map(|r| {
            [
                (r.source_region.clone(), r.source.clone()),
                (
                    r.destination.region.clone(),
                    r.destination.file_system_id.clone(),
                ),
            ]
        })
        .collect();
    read_file_systems(reader, &mut actual, &wanted).await?;
    Ok(actual)
}

/// A block name from a Name tag: lower case, runs of anything but letters,
/// digits, `_` and `-` become one `_`, trimmed; prefixed with `fs_` when it
/// would not start with a letter. `None` when nothing usable is left.
pub fn sanitize_name(tag: &str) -> Option<String> {
    let mut s = String::new();
    let mut pending_sep = false;
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            if pending_sep && !s.is_empty() {
                s.push('_');
            }
            pending_sep = false;
            s.push(c.to_ascii_lowercase());
        } else {
            pending_sep = true;
        }
    }
    let s = s.trim_matches(|c| c == '_' || c == '-').to_owned();
    if s.is_empty() {
        return None;
    }
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some(s)
    } else {
        Some(format!("fs_{s}"))
    }
}

/// The name for a file system id: `fs_0123...`.
fn id_name(id: &FileSystemId) -> String {
    id.as_str().replace('-', "_")
}

/// An HCL string literal for `s` (quotes, escapes, no interpolation).
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line safe to embed (no line breaks).
fn comment(s: &str) -> String {
    format!("# {}\n", s.replace(['\n', '\r'], " "))
}

fn status_word(s: &ReplicationStatus) -> &str {
    crate::health::status_name(s)
}

/// An `account` block.
fn account_block(a: &Account) -> String {
    let mut b = format!(
        "account {} {{\nid = {}\n",
        quote(&a.name),
        quote(a.id.as_str())
    );
    match &a.credentials {
        AccountCredentials::AssumeRole {
            role_arn,
            external_id,
            session_name,
        } => {
            b.push_str(&format!("role_arn = {}\n", quote(role_arn.as_str())));
            if let Some(e) = external_id {
                b.push_str(&format!("external_id = {}\n", quote(e)));
            }
            if let Some(s) = session_name {
                b.push_str(&format!("session_name = {}\n", quote(s)));
            }
        }
        AccountCredentials::Profile(p) => b.push_str(&format!("profile = {}\n", quote(p))),
    }
    b.push_str("}\n");
    b
}

/// The partition of an ARN (`aws`, `aws-cn`, ...), default `aws`.
fn partition(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The `destination` block's attributes for an observed replication.
fn destination_attrs(r: &ActualReplication) -> Vec<(String, String)> {
    let d = &r.destination;
    let mut attrs = vec![("region".to_owned(), quote(d.region.as_str()))];
    let cross_account = match (&r.source_owner, &d.owner) {
        (Some(s), Some(o)) => s != o,
        _ => false,
    } || d.role_arn.is_some();
    // Always pinned to the file system it replicates into (by ARN in another
    // account), so that a later re-point to another file system, even in the
    // same Region, is drift. The planner then compares the id and never the
    // zone or key, which belong to that file system. A pinned destination
    // that is still the healthy replica of its source needs no
    // `allow_overwrite`; replacing it after an ERROR or a failover does.
    let fs = match (&d.owner, cross_account) {
        (Some(owner), true) => format!(
            "arn:{}:elasticfilesystem:{}:{}:file-system/{}",
            partition(&r.source_arn),
            d.region,
            owner,
            d.file_system_id
        ),
        _ => d.file_system_id.to_string(),
    };
    attrs.push(("file_system_id".to_owned(), quote(&fs)));
    if let Some(role) = &d.role_arn {
        attrs.push(("role_arn".to_owned(), quote(role)));
    }
    attrs
}

/// Writes one `replication` block per observed replication (those being
/// deleted are listed in a comment and left out), sorted by source Region
/// and id, in canonical format.
pub fn to_hcl(actual: &Actual) -> Result<String, ExportError> {
    to_hcl_with_accounts(actual, &[])
}

/// [`to_hcl`], with the `account` blocks of `accounts` that the
/// replications found need (a source or destination in that account), and
/// `source_account` on each replication whose source is in one of them.
pub fn to_hcl_with_accounts(actual: &Actual, accounts: &[Account]) -> Result<String, ExportError> {
    let mut reps: Vec<&ActualReplication> = actual.replications.iter().collect();
    reps.sort_by(|a, b| (&a.source_region, &a.source).cmp(&(&b.source_region, &b.source)));
    let regions: Vec<&str> = actual.regions.iter().map(Region::as_str).collect();
    let mut text = comment(&format!(
        "Replications found in {} by `efs-replicator export`.",
        if regions.is_empty() {
            "no Region".to_owned()
        } else {
            regions.join(", ")
        }
    ));
    let needed: Vec<&Account> = accounts
        .iter()
        .filter(|a| {
            actual.replications.iter().any(|r| {
                r.source_owner.as_ref() == Some(&a.id)
                    || r.destination.owner.as_ref() == Some(&a.id)
            })
        })
        .collect();
    for a in &needed {
        text.push('\n');
        text.push_str(&account_block(a));
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut skipped = Vec::new();
    let mut blocks: BTreeMap<usize, String> = BTreeMap::new();
    for (i, r) in reps.iter().enumerate() {
        if r.destination.status == ReplicationStatus::Deleting {
            skipped.push(format!(
                "{} ({}) -> {} ({}) is being deleted and was left out.",
                r.source, r.source_region, r.destination.file_system_id, r.destination.region
            ));
            continue;
        }
        let source_info = actual
            .file_systems
            .get(&(r.source_region.clone(), r.source.clone()));
        let base = source_info
            .and_then(|f| f.name.as_deref())
            .and_then(sanitize_name)
            .unwrap_or_else(|| id_name(&r.source));
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let mut b = String::new();
        b.push('\n');
        b.push_str(&comment(&format!(
            "{}{} ({}) -> {} ({}), {}{}",
            source_info
                .and_then(|f| f.name.as_deref())
                .map(|n| format!("{n}: "))
                .unwrap_or_default(),
            r.source,
            r.source_region,
            r.destination.file_system_id,
            r.destination.region,
            status_word(&r.destination.status),
            r.destination
                .status_message
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        )));
        b.push_str(&format!("replication {} {{\n", quote(&name)));
        let source_arn = crate::model::FileSystemRef::parse(&r.source_arn)
            .ok()
            .filter(|f| f.arn.is_some() && f.id == r.source);
        if source_info.is_some() || source_arn.is_none() {
            b.push_str(&format!(
                "source_file_system_id = {}\n",
                quote(r.source.as_str())
            ));
            b.push_str(&format!(
                "source_region = {}\n",
                quote(r.source_region.as_str())
            ));
            if let Some(a) = needed
                .iter()
                .find(|a| r.source_owner.as_ref() == Some(&a.id))
            {
                b.push_str(&format!("source_account = {}\n", quote(&a.name)));
            }
        } else {
            // Not describable here (another account): the ARN names Region and owner.
            b.push_str(&format!(
                "source_file_system_id = {}\n",
                quote(&r.source_arn)
            ));
        }
        b.push_str("\ndestination {\n");
        for (k, v) in destination_attrs(r) {
            b.push_str(&format!("{k} = {v}\n"));
        }
        b.push_str("}\n}\n");
        blocks.insert(i, b);
    }
    for s in &skipped {
        text.push_str(&comment(s));
    }
    if blocks.is_empty() {
        text.push_str(&comment("No replication configurations were found."));
    }
    for b in blocks.values() {
        text.push_str(b);
    }
    format_source("export.hcl", &text).map_err(|d| {
        let mut buf = Vec::new();
        let _ = d.render_human(&mut buf, false);
        ExportError::Format(String::from_utf8_lossy(&buf).into_owned())
    })
}
