//! Overwrites: a create into an existing file system replaces all its data,
//! which is destructive like a delete. `prevent_destroy` on the declaration
//! that would do it turns it into a plan error. Pure.

use super::diff::declared_destination_key;
use super::{Draft, PlanError};

/// `prevent_destroy` turns a planned overwrite into an error.
pub(super) fn prevent_overwrite(drafts: &[Draft<'_>]) -> Vec<PlanError> {
    drafts
        .iter()
        .filter(|dr| dr.create.is_some())
        .filter_map(|dr| {
            let d = dr.declared.filter(|d| d.prevent_destroy)?;
            let (region, fs) = declared_destination_key(d)?;
            Some(PlanError::PreventOverwrite {
                address: dr.address.to_string(),
                file_system: d
                    .destination
                    .file_system
                    .as_ref()
                    .map(|f| f.to_api_string())
                    .unwrap_or_else(|| fs.to_string()),
                region: region.to_string(),
            })
        })
        .collect()
}
