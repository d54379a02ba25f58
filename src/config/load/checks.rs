//! Checks across blocks, run once every block is read: a file system is
//! the source of at most one replication and the destination of at most
//! one, never both, and never its own destination; a `removed` block does
//! not name a source still declared, and no source has two of them; every
//! Region name read is a known Region (unless the check is skipped), each
//! reported once per place even when `for_each` read it many times.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::Loader;
use crate::model::{DesiredReplication, FileSystemId, Removed};

/// Spans of one replication instance, for the cross checks.
pub(super) struct Placed {
    pub(super) file: usize,
    pub(super) source_span: Option<Range<usize>>,
    pub(super) dest_fs_span: Option<Range<usize>>,
}

impl Loader {
    /// Reports every Region name read that is not a known Region, once per
    /// place (an attribute shared by `for_each` instances is read for each).
    pub(super) fn check_regions(&mut self) {
        let mut seen = HashSet::new();
        for (fi, span, r, what) in std::mem::take(&mut self.regions_read) {
            if !seen.insert((fi, span.clone(), r.clone())) {
                continue;
            }
            if let Some((msg, help)) = crate::config::regions::unknown(
                r.as_str(),
                "set skip_region_validation = true in the settings block (or pass --skip-region-validation)",
            ) {
                self.at_help(fi, span, format!("{what}: {msg}"), help);
            }
        }
    }

    pub(super) fn cross_checks(
        &mut self,
        reps: &[DesiredReplication],
        placed: &[Placed],
        removed: &[(Removed, usize, Option<Range<usize>>)],
    ) {
        let mut sources: HashMap<&FileSystemId, usize> = HashMap::new();
        for (i, r) in reps.iter().enumerate() {
            if let Some(&first) = sources.get(&r.source) {
                let p = &placed[i];
                self.at_help(
                    p.file,
                    p.source_span.clone(),
                    format!(
                        "{} is the source of both {} and {}",
                        r.source, reps[first].address, r.address
                    ),
                    "a file system has at most one replication configuration; remove one of them",
                );
            } else {
                sources.insert(&r.source, i);
            }
        }
        let mut dests: HashMap<&FileSystemId, usize> = HashMap::new();
        for (i, r) in reps.iter().enumerate() {
            let Some(fs) = &r.destination.file_system else {
                continue;
            };
            let p = &placed[i];
            if fs.id == r.source {
                self.at_help(
                    p.file,
                    p.dest_fs_span.clone(),
                    format!(
                        "{}: the destination is the source file system {}",
                        r.address, r.source
                    ),
                    "replicate to another file system, or omit file_system_id to create a new one",
                );
                continue;
            }
            if let Some(&s) = sources.get(&fs.id) {
                self.at_help(
                    p.file,
                    p.dest_fs_span.clone(),
                    format!(
                        "{} is the destination of {} and the source of {}",
                        fs.id, r.address, reps[s].address
                    ),
                    "EFS does not chain replications: a destination cannot also be a source",
                );
            }
            if let Some(&first) = dests.get(&fs.id) {
                self.at_help(
                    p.file,
                    p.dest_fs_span.clone(),
                    format!(
                        "{} is the destination of both {} and {}",
                        fs.id, reps[first].address, r.address
                    ),
                    "a file system can be the destination of only one replication",
                );
            } else {
                dests.insert(&fs.id, i);
            }
        }
        let mut seen: HashSet<&FileSystemId> = HashSet::new();
        for (rm, fi, span) in removed {
            if let Some(&i) = sources.get(&rm.source) {
                self.at_help(
                    *fi,
                    span.clone(),
                    format!("removed block for {}, which {} still declares as a source", rm.source, reps[i].address),
                    "delete the replication block to keep the removal, or delete the removed block to keep the replication",
                );
            }
            if !seen.insert(&rm.source) {
                self.at_help(
                    *fi,
                    span.clone(),
                    format!("{} has two removed blocks", rm.source),
                    "remove one of them",
                );
            }
        }
    }
}
