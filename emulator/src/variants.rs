//! Behaviour variants: the points where real EFS is undocumented (or only
//! weakly evidenced) and the emulator can play either way, one setting each
//! (`--listing-scope`, `--owner-ids`, `--destination-delete-lag`,
//! `--throttle-status`, `--file-system-delete-delay`). The defaults follow
//! the best public evidence (README, "Behaviour choices"); the other values
//! let a client prove it is right whichever way the real service turns out.
//!
//! [`VariantSet`] names whole sets of them, so that a test suite can be run
//! once per set (`EFS_EMULATOR_VARIANTS=all-nondefault`). This module only
//! describes choices; the behaviour itself lives in `state` and `lib`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::Config;

/// Environment variable naming the variant set test suites run under.
pub const VARIANTS_ENV: &str = "EFS_EMULATOR_VARIANTS";

/// Which replications an unfiltered `DescribeReplicationConfigurations`
/// lists in a Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListingScope {
    /// Those with a live source **or destination** side in the Region.
    #[default]
    Both,
    /// Only those whose source is in the Region (a destination side is still
    /// found by describing its file system by id).
    Source,
}

/// When `SourceFileSystemOwnerId` and `Destination.OwnerId` are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerIds {
    /// In every replication description.
    #[default]
    Always,
    /// Only when the source and destination accounts differ.
    CrossAccountOnly,
}

impl FromStr for ListingScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "both" => Ok(ListingScope::Both),
            "source" => Ok(ListingScope::Source),
            _ => Err(format!("expected `both` or `source`, got `{s}`")),
        }
    }
}

impl fmt::Display for ListingScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListingScope::Both => "both",
            ListingScope::Source => "source",
        })
    }
}

impl FromStr for OwnerIds {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "always" => Ok(OwnerIds::Always),
            "cross-account-only" => Ok(OwnerIds::CrossAccountOnly),
            _ => Err(format!(
                "expected `always` or `cross-account-only`, got `{s}`"
            )),
        }
    }
}

impl fmt::Display for OwnerIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OwnerIds::Always => "always",
            OwnerIds::CrossAccountOnly => "cross-account-only",
        })
    }
}

/// Parses `--throttle-status`: 400 (what EFS is seen answering) or 429.
pub fn parse_throttle_status(s: &str) -> Result<u16, String> {
    match s {
        "400" => Ok(400),
        "429" => Ok(429),
        _ => Err(format!("expected 400 or 429, got `{s}`")),
    }
}

/// Default `--throttle-status`: EFS answers `ThrottlingException` with 400.
pub const DEFAULT_THROTTLE_STATUS: u16 = 400;

/// Default `--file-system-delete-delay`: DeleteFileSystem returns while the
/// file system is still `deleting` (model documentation); how long it stays
/// so is not documented.
pub const DEFAULT_FILE_SYSTEM_DELETE_DELAY: Duration = Duration::from_secs(1);

/// A named set of variant values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VariantSet {
    /// The defaults (best evidence).
    #[default]
    Defaults,
    /// Every variant at a value other than its default, at once:
    /// `--listing-scope source --owner-ids cross-account-only
    /// --destination-delete-lag 1500ms --throttle-status 429
    /// --file-system-delete-delay 3s`.
    AllNondefault,
}

impl VariantSet {
    /// Every set, for listings and help texts.
    pub const ALL: [VariantSet; 2] = [VariantSet::Defaults, VariantSet::AllNondefault];

    /// The set's name (`defaults`, `all-nondefault`).
    pub fn name(self) -> &'static str {
        match self {
            VariantSet::Defaults => "defaults",
            VariantSet::AllNondefault => "all-nondefault",
        }
    }

    /// Parses a set name; empty means the defaults.
    pub fn parse(s: &str) -> Result<VariantSet, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(VariantSet::Defaults);
        }
        VariantSet::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown emulator variant set `{s}`; expected one of: {}",
                    VariantSet::ALL.map(VariantSet::name).join(", ")
                )
            })
    }

    /// The set named by `EFS_EMULATOR_VARIANTS` (unset: the defaults).
    /// Panics with the accepted names when the value is unknown: it is only
    /// read by test suites, where a typo must not silently test the defaults.
    pub fn from_env() -> VariantSet {
        match std::env::var(VARIANTS_ENV) {
            Ok(v) => VariantSet::parse(&v).unwrap_or_else(|e| panic!("{VARIANTS_ENV}: {e}")),
            Err(_) => VariantSet::Defaults,
        }
    }

    /// Sets the variant fields of `config` (and nothing else). `Defaults`
    /// leaves `config` as it is, so a test that sets a variant itself keeps
    /// it in the default run.
    pub fn apply(self, config: &mut Config) {
        match self {
            VariantSet::Defaults => {}
            VariantSet::AllNondefault => {
                config.listing_scope = ListingScope::Source;
                config.owner_ids = OwnerIds::CrossAccountOnly;
                config.destination_delete_lag = Duration::from_millis(1500);
                config.throttle_status = 429;
                config.file_system_delete_delay = Duration::from_secs(3);
            }
        }
    }

    /// `config` with this set applied.
    pub fn applied(self, mut config: Config) -> Config {
        self.apply(&mut config);
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_nondefault_changes_every_variant() {
        let d = Config::default();
        let n = VariantSet::AllNondefault.applied(Config::default());
        assert_ne!(n.listing_scope, d.listing_scope);
        assert_ne!(n.owner_ids, d.owner_ids);
        assert_ne!(n.destination_delete_lag, d.destination_delete_lag);
        assert_ne!(n.throttle_status, d.throttle_status);
        assert_ne!(n.file_system_delete_delay, d.file_system_delete_delay);
        let kept = VariantSet::Defaults.applied(n.clone());
        assert_eq!(kept.listing_scope, n.listing_scope);
        assert_eq!(kept.throttle_status, 429);
        assert_eq!(d.throttle_status, 400);
    }

    #[test]
    fn names_parse_and_typos_are_refused() {
        assert_eq!(
            VariantSet::parse("all-nondefault"),
            Ok(VariantSet::AllNondefault)
        );
        assert_eq!(VariantSet::parse(""), Ok(VariantSet::Defaults));
        assert!(VariantSet::parse("all-non-default")
            .unwrap_err()
            .contains("defaults, all-nondefault"));
        assert_eq!("source".parse(), Ok(ListingScope::Source));
        assert!("dest".parse::<ListingScope>().is_err());
        assert_eq!("cross-account-only".parse(), Ok(OwnerIds::CrossAccountOnly));
        assert_eq!(parse_throttle_status("429"), Ok(429));
        assert!(parse_throttle_status("503").is_err());
    }
}
