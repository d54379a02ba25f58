//! What a plan observed, as one value: an [`Observation`] of the parts of
//! [`Actual`] a plan depends on within its [`Scope`]. It is both the plan's
//! fingerprint (a SHA-256 of its canonical form, see
//! [`Observation::fingerprint`]) and the stale-plan diff (the named
//! differences between two observations, see [`Observation::differences`]),
//! so the two cannot disagree: every change that alters the fingerprint is a
//! named difference, and the other way round.
//!
//! Observed are: each file system of the scope (owner, life cycle state,
//! encryption, KMS key, AZ, overwrite protection), each replication whose
//! source or destination Region was read (destination, role, status,
//! creation time) and each orphaned destination side in those Regions.
//! Values that change on their own without changing what a plan would do
//! (`LastReplicatedTimestamp`, status messages, ENABLING becoming ENABLED,
//! file system names) are left out, so a plan does not go stale by itself.
//! This module never does I/O.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::types::Scope;
use crate::model::{Actual, ActualReplication, FileSystemId, Region, ReplicationStatus};

/// Something observed: a file system, a replication (by its source) or an
/// orphaned destination side.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// A file system of the scope.
    FileSystem {
        /// Its Region.
        region: Region,
        /// Its id.
        id: FileSystemId,
    },
    /// A replication, identified by its source.
    Replication {
        /// Source Region.
        source_region: Region,
        /// Source file system.
        source: FileSystemId,
    },
    /// A destination side whose source side is gone.
    Orphan {
        /// The destination file system, in `region`.
        destination: FileSystemId,
        /// The destination Region, where the side is listed.
        region: Region,
        /// The source file system it names.
        source: FileSystemId,
        /// The source Region.
        source_region: Region,
    },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::FileSystem { region, id } => write!(f, "file system {id} ({region})"),
            Subject::Replication {
                source_region,
                source,
            } => write!(f, "replication of {source} ({source_region})"),
            Subject::Orphan {
                destination,
                region,
                source,
                source_region,
            } => write!(
                f,
                "orphaned destination side in {destination} ({region}) of {source} ({source_region})"
            ),
        }
    }
}

/// One observed attribute: its name, its value as shown, and the form the
/// fingerprint hashes and comparisons use (the same except where two shown
/// values mean the same thing, as ENABLING and ENABLED do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Its name, in words (`overwrite protection`).
    pub name: &'static str,
    /// Its value as shown.
    pub shown: String,
    /// Its value as compared and hashed.
    pub canonical: String,
}

fn attr(name: &'static str, shown: impl Into<String>) -> Attribute {
    let shown = shown.into();
    Attribute {
        name,
        canonical: shown.clone(),
        shown,
    }
}

/// A replication status as compared: ENABLING becomes ENABLED on its own;
/// both mean "in place".
fn status_attr(s: &ReplicationStatus) -> Attribute {
    Attribute {
        name: "status",
        shown: s.as_str().to_owned(),
        canonical: match s {
            ReplicationStatus::Enabling | ReplicationStatus::Enabled => "ACTIVE".to_owned(),
            other => other.as_str().to_owned(),
        },
    }
}

fn replication_attributes(r: &ActualReplication) -> Vec<Attribute> {
    vec![
        attr(
            "destination",
            format!(
                "{} ({})",
                r.destination.file_system_id, r.destination.region
            ),
        ),
        attr(
            "role",
            r.destination
                .role_arn
                .as_deref()
                .unwrap_or("none")
                .to_owned(),
        ),
        status_attr(&r.destination.status),
        attr(
            "creation time",
            humantime::format_rfc3339_millis(r.creation_time).to_string(),
        ),
    ]
}

/// A difference between two observations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Observed now, not then, with its attributes now.
    Appeared(Subject, Vec<Attribute>),
    /// Observed then, not now.
    Disappeared(Subject),
    /// An attribute of something observed both times differs.
    Changed {
        /// What it is an attribute of.
        subject: Subject,
        /// The attribute's name.
        attribute: &'static str,
        /// Its value then.
        before: String,
        /// Its value now.
        after: String,
    },
}

impl Difference {
    /// What the difference is about.
    pub fn subject(&self) -> &Subject {
        match self {
            Difference::Appeared(s, _) | Difference::Disappeared(s) => s,
            Difference::Changed { subject, .. } => subject,
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Appeared(s, attributes) => {
                write!(f, "{s} now exists (it did not when planned):")?;
                for (i, a) in attributes.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "," };
                    write!(f, "{sep} {} {}", a.name, a.shown)?;
                }
                Ok(())
            }
            Difference::Disappeared(s) => write!(f, "{s} no longer exists"),
            Difference::Changed {
                subject,
                attribute,
                before,
                after,
            } => write!(f, "{subject}: {attribute} changed from {before} to {after}"),
        }
    }
}

/// The parts of an observed state a plan depends on, within its scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observation {
    /// The Regions whose replications were listed, sorted.
    pub regions: Vec<Region>,
    /// Everything observed in them, with its attributes.
    pub subjects: BTreeMap<Subject, Vec<Attribute>>,
}

impl Observation {
    /// What `actual` holds within `scope`.
    pub fn of(actual: &Actual, scope: &Scope) -> Self {
        let mut regions = scope.regions.clone();
        regions.sort();
        regions.dedup();
        let in_scope = |r: &Region| regions.binary_search(r).is_ok();
        let mut subjects = BTreeMap::new();
        for r in &actual.replications {
            if in_scope(&r.source_region) || in_scope(&r.destination.region) {
                subjects.insert(
                    Subject::Replication {
                        source_region: r.source_region.clone(),
                        source: r.source.clone(),
                    },
                    replication_attributes(r),
                );
            }
        }
        for o in &actual.orphans {
            if in_scope(&o.destination.region) {
                subjects.insert(
                    Subject::Orphan {
                        destination: o.destination.file_system_id.clone(),
                        region: o.destination.region.clone(),
                        source: o.source.clone(),
                        source_region: o.source_region.clone(),
                    },
                    replication_attributes(o),
                );
            }
        }
        for key in &scope.file_systems {
            let Some(f) = actual.file_systems.get(key) else {
                continue;
            };
            subjects.insert(
                Subject::FileSystem {
                    region: key.0.clone(),
                    id: key.1.clone(),
                },
                vec![
                    attr("owner", f.owner.to_string()),
                    attr("life cycle state", f.life_cycle_state.clone()),
                    attr(
                        "encryption",
                        if f.encrypted {
                            "encrypted"
                        } else {
                            "not encrypted"
                        },
                    ),
                    attr("KMS key", f.kms_key_id.as_deref().unwrap_or("none")),
                    attr(
                        "availability zone",
                        f.availability_zone
                            .as_ref()
                            .map(|a| a.as_str())
                            .unwrap_or("none (Regional)"),
                    ),
                    attr(
                        "overwrite protection",
                        f.protection
                            .as_ref()
                            .map(|p| p.as_str())
                            .unwrap_or("unknown"),
                    ),
                ],
            );
        }
        Observation { regions, subjects }
    }

    /// The canonical form: one line per Region, then one line per attribute
    /// of each subject (in subject order), canonical values.
    pub fn canonical(&self) -> String {
        let mut text = String::new();
        self.write_canonical(|part| text.push_str(part));
        text
    }

    /// `sha256:<hex>` of [`Observation::canonical`], hashed as it is
    /// written (the text of a large scope is never held whole).
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        self.write_canonical(|part| hasher.update(part.as_bytes()));
        let digest = hasher.finalize();
        let mut out = String::with_capacity(7 + 64);
        out.push_str("sha256:");
        for b in digest.iter() {
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// Writes [`Observation::canonical`] to `emit` in parts: a Region's
    /// line, then each subject's lines together (the subject is shown once
    /// and repeated on each of its lines).
    fn write_canonical(&self, mut emit: impl FnMut(&str)) {
        let mut buf = String::new();
        for r in &self.regions {
            buf.clear();
            let _ = writeln!(buf, "region {r}");
            emit(&buf);
        }
        let mut shown = String::new();
        for (subject, attributes) in &self.subjects {
            shown.clear();
            let _ = write!(shown, "{subject}");
            buf.clear();
            for a in attributes {
                buf.push_str(&shown);
                buf.push('\t');
                buf.push_str(a.name);
                buf.push('=');
                buf.push_str(&a.canonical);
                buf.push('\n');
            }
            emit(&buf);
        }
    }

    /// Every difference from `self` (then) to `now`, in subject order:
    /// exactly what makes the fingerprints differ, named. (The Regions are
    /// the scope's, the same on both sides.)
    pub fn differences(&self, now: &Observation) -> Vec<Difference> {
        let mut out = Vec::new();
        let mut subjects: Vec<&Subject> = self.subjects.keys().chain(now.subjects.keys()).collect();
        subjects.sort();
        subjects.dedup();
        for s in subjects {
            match (self.subjects.get(s), now.subjects.get(s)) {
                (Some(_), None) => out.push(Difference::Disappeared(s.clone())),
                (None, Some(now)) => out.push(Difference::Appeared(s.clone(), now.clone())),
                (Some(then), Some(now)) => {
                    for a in then {
                        let b = now.iter().find(|b| b.name == a.name);
                        if b.is_none_or(|b| b.canonical != a.canonical) {
                            out.push(Difference::Changed {
                                subject: s.clone(),
                                attribute: a.name,
                                before: a.shown.clone(),
                                after: b.map(|b| b.shown.clone()).unwrap_or_default(),
                            });
                        }
                    }
                }
                (None, None) => {}
            }
        }
        out
    }
}

/// `sha256:<hex>` of the observed state within `scope`: the fingerprint of
/// [`Observation::of`].
pub fn fingerprint(actual: &Actual, scope: &Scope) -> String {
    Observation::of(actual, scope).fingerprint()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(s: &str) -> Region {
        Region::parse(s).unwrap()
    }

    fn id(s: &str) -> FileSystemId {
        FileSystemId::parse(s).unwrap()
    }

    /// The fingerprint is hashed as the canonical form is written, in
    /// parts: it must stay the hash of the whole text (saved plans compare
    /// it), and the text must keep its form.
    #[test]
    fn the_fingerprint_is_the_hash_of_the_canonical_text() {
        let mut subjects = BTreeMap::new();
        subjects.insert(
            Subject::Replication {
                source_region: region("us-east-1"),
                source: id("fs-00000001"),
            },
            vec![
                attr("destination", "fs-00000002 (us-west-2)"),
                status_attr(&ReplicationStatus::Enabling),
            ],
        );
        subjects.insert(
            Subject::FileSystem {
                region: region("us-west-2"),
                id: id("fs-00000002"),
            },
            vec![attr("owner", "111122223333")],
        );
        let o = Observation {
            regions: vec![region("us-east-1"), region("us-west-2")],
            subjects,
        };
        let text = o.canonical();
        assert_eq!(
            text,
            "region us-east-1\nregion us-west-2\n\
             file system fs-00000002 (us-west-2)\towner=111122223333\n\
             replication of fs-00000001 (us-east-1)\tdestination=fs-00000002 (us-west-2)\n\
             replication of fs-00000001 (us-east-1)\tstatus=ACTIVE\n"
        );
        let whole: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(o.fingerprint(), format!("sha256:{whole}"));
        assert_ne!(o.fingerprint(), Observation::default().fingerprint());
    }
}
