//! `probe`: settles the EFS behaviours no documentation states, on a real
//! account, and names the emulator flags that reproduce them.
//!
//! It creates two small file systems tagged and named
//! `efs-replicator-probe-<id>` and a replication between two Regions,
//! watches how EFS answers (`run`), and always removes what it created
//! (`cleanup`). What it saw is plain data (`observe`); what that means for
//! the emulator is a pure function of it (`reason`), unit-tested apart from
//! any call; `render` writes the report as text or JSON.
//!
//! Only this module creates and deletes file systems, and only those it
//! created itself or that carry its tag.

pub mod cleanup;
pub mod efs;
pub mod observe;
pub mod reason;
pub mod render;
pub mod run;

pub use cleanup::{
    cleanup, find_leftovers, leftovers_text, CleanupReport, CommandStyle, Ledger, Leftover,
};
pub use efs::{CallError, ProbeEfs};
pub use observe::Observations;
pub use reason::{conclude, Behaviour, Conclusion, Conclusions, Finding};
pub use render::{render_human, ProbeReport};
pub use run::{run_probe, ProbeOptions, ProbeRun};

/// The tag every probe file system carries; its value is the probe id.
pub const TAG_KEY: &str = "efs-replicator-probe";
/// Names are `efs-replicator-probe-<id>`.
pub const NAME_PREFIX: &str = "efs-replicator-probe";

/// A fresh probe id: 8 hex digits from the clock and the process id.
pub fn new_probe_id() -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{nanos}-{}", std::process::id()).as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}
