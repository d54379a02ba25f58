//! Saved plans (`plan --out FILE`): the plan, the scope it observed and the
//! fingerprint of that state, as versioned JSON (docs/plan-json.md), with
//! the validated configuration and the observed state it was made from.
//! Reading one goes through the model's validating constructors;
//! [`SavedPlan::verify`] plans again from the saved configuration and
//! observation and refuses the file when anything differs (an edited step,
//! change, scope or fingerprint). `apply` then re-reads the same scope and
//! refuses the plan when the fingerprint of its [`super::Observation`] no
//! longer matches, naming each difference.
//!
//! Pure: the caller owns the file (and writes it atomically).

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::types::Plan;
use super::ChangeAddress;
use super::{fingerprint, plan, PlanOptions};
use crate::model::{
    Actual, ActualReplication, Desired, FileSystemId, FileSystemInfo, Region, ResolvedKey,
};

/// The `kind` marker of a saved plan file.
pub const SAVED_PLAN_KIND: &str = "efs-replicator-saved-plan";
/// The `format_version` written by this build. Version 2: statuses and
/// protection as EFS spells them, file system references as their text, and
/// the fingerprint of [`super::Observation`]. Version 3: the observation
/// also holds the owners of each replication and what the declared KMS key
/// references resolved to (`scope.kms_keys`).
pub const SAVED_PLAN_FORMAT_VERSION: &str = "3";

/// A plan as written by `plan --out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always [`SAVED_PLAN_FORMAT_VERSION`] when written by this build.
    pub format_version: String,
    /// Always [`SAVED_PLAN_KIND`].
    pub kind: String,
    /// Version of efs-replicator that wrote it.
    pub efs_replicator_version: String,
    /// When it was written (RFC 3339, informational).
    pub created_at: String,
    /// The fingerprint of the observed state (same as `plan.fingerprint`).
    pub fingerprint: String,
    /// The plan, steps included.
    pub plan: Plan,
    /// The validated configuration the plan was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<Desired>,
    /// The `--target` addresses the plan was made with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// The observed state the plan was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<SavedActual>,
}

/// [`Actual`] as saved: the same values, file systems as a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedActual {
    /// The Regions that were read.
    pub regions: Vec<Region>,
    /// The replications found.
    pub replications: Vec<ActualReplication>,
    /// Orphaned destination sides found.
    pub orphans: Vec<ActualReplication>,
    /// The file systems described.
    pub file_systems: Vec<FileSystemInfo>,
    /// File systems whose replication was described by id (they are part of
    /// the plan's scope).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probed: Vec<(Region, FileSystemId)>,
    /// What KMS said about the declared keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kms_keys: Vec<ResolvedKey>,
    /// Sources of replications whose source side was not looked for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked_sources: Vec<(Region, FileSystemId)>,
}

impl From<&Actual> for SavedActual {
    fn from(a: &Actual) -> Self {
        SavedActual {
            regions: a.regions.iter().cloned().collect(),
            replications: a.replications.clone(),
            orphans: a.orphans.clone(),
            file_systems: a.file_systems.values().cloned().collect(),
            probed: a.probed.iter().cloned().collect(),
            kms_keys: a.kms_keys.clone(),
            unchecked_sources: a.unchecked_sources.iter().cloned().collect(),
        }
    }
}

impl From<&SavedActual> for Actual {
    fn from(a: &SavedActual) -> Self {
        Actual {
            regions: a.regions.iter().cloned().collect(),
            replications: a.replications.clone(),
            orphans: a.orphans.clone(),
            file_systems: a
                .file_systems
                .iter()
                .map(|f| ((f.region.clone(), f.id.clone()), f.clone()))
                .collect(),
            probed: a.probed.iter().cloned().collect(),
            kms_keys: a.kms_keys.clone(),
            unchecked_sources: a.unchecked_sources.iter().cloned().collect(),
        }
    }
}

/// Why a saved plan could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// Not JSON, or not the shape of a saved plan.
    /// The parser's message is part of this error's message; it is not
    /// also exposed as a source (that would print it twice in a chain).
    #[error("not a saved plan: {0}")]
    Malformed(serde_json::Error),
    /// Written by an incompatible version.
    #[error("saved plan has kind {kind:?} and format_version {version:?}; this build reads kind {SAVED_PLAN_KIND:?} version {SAVED_PLAN_FORMAT_VERSION:?}: run plan again with this version")]
    Unsupported {
        /// The kind found.
        kind: String,
        /// The version found.
        version: String,
    },
    /// The fingerprint at top level and in the plan disagree (edited by hand?).
    #[error("saved plan is inconsistent: its fingerprints differ; run plan again")]
    Inconsistent,
    /// It does not record the configuration and observation it was made
    /// from, so it cannot be checked (written by an older version).
    #[error("saved plan does not record the configuration and observed state it was made from (written by an older version), so it cannot be checked against what was shown; run plan --out again with this version")]
    Unverifiable,
    /// Planning again from its own configuration and observation gives
    /// something else: the file was changed after it was written.
    #[error("saved plan was changed after it was written: planning again from the configuration and observed state it records gives a different plan:\n{}\nrun plan --out again and review the new plan", .0.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    Altered(Vec<String>),
}

// The JSON error is part of the message; exposing it as the source too
// would print it twice in an error chain.
impl From<serde_json::Error> for SavedPlanError {
    fn from(e: serde_json::Error) -> Self {
        SavedPlanError::Malformed(e)
    }
}

impl SavedPlan {
    /// Wraps a plan for saving.
    pub fn new(plan: Plan, created_at: String) -> Self {
        SavedPlan {
            format_version: SAVED_PLAN_FORMAT_VERSION.to_owned(),
            kind: SAVED_PLAN_KIND.to_owned(),
            efs_replicator_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            fingerprint: plan.fingerprint.clone(),
            plan,
            desired: None,
            targets: Vec::new(),
            actual: None,
        }
    }

    /// Plans again from the saved configuration and observation and
    /// compares the result with the saved plan: every step, change, the
    /// unmanaged list, the scope and the fingerprint must be the same.
    pub fn verify(&self) -> Result<(), SavedPlanError> {
        let (Some(desired), Some(saved_actual)) = (&self.desired, &self.actual) else {
            return Err(SavedPlanError::Unverifiable);
        };
        let actual = Actual::from(saved_actual);
        let opts = PlanOptions {
            targets: self.targets.clone(),
        };
        let rebuilt = match plan(desired, &actual, &opts) {
            Ok(p) => p,
            Err(e) => {
                return Err(SavedPlanError::Altered(vec![format!(
                    "its configuration and observed state do not plan: {e}"
                )]))
            }
        };
        let mut diffs = differences(&self.plan, &rebuilt);
        let observed_fp = fingerprint(&actual, &self.plan.scope);
        if observed_fp != self.plan.fingerprint {
            diffs.push(format!(
                "fingerprint {} is not that of the observed state it records ({observed_fp})",
                self.plan.fingerprint
            ));
        }
        if diffs.is_empty() {
            Ok(())
        } else {
            Err(SavedPlanError::Altered(diffs))
        }
    }

    /// Writes it as pretty JSON.
    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    }

    /// Reads and checks one.
    pub fn read(input: impl Read) -> Result<Self, SavedPlanError> {
        // The kind and version first, so that a file of another version is
        // named as such rather than as malformed.
        let doc: serde_json::Value = serde_json::from_reader(input)?;
        let text = |k: &str| doc.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let (kind, version) = (text("kind"), text("format_version"));
        if kind != SAVED_PLAN_KIND || version != SAVED_PLAN_FORMAT_VERSION {
            return Err(SavedPlanError::Unsupported { kind, version });
        }
        let saved: SavedPlan = serde_json::from_value(doc)?;
        if saved.fingerprint != saved.plan.fingerprint {
            return Err(SavedPlanError::Inconsistent);
        }
        Ok(saved)
    }
}

/// Compact JSON of a value, for naming what differs.
fn show<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("<{e}>"))
}

/// `what: FIELD is X but the plan gives Y`, one per differing leaf field.
fn field_differences<T: Serialize>(what: &str, saved: &T, rebuilt: &T, out: &mut Vec<String>) {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let null = serde_json::Value::Null;
                    let sub = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(
                        &sub,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a == b => {}
            _ => out.push(format!("{path} is {a} but the plan gives {b}")),
        }
    }
    let (Ok(a), Ok(b)) = (serde_json::to_value(saved), serde_json::to_value(rebuilt)) else {
        out.push(format!("{what} differs"));
        return;
    };
    let mut fields = Vec::new();
    walk("", &a, &b, &mut fields);
    for f in fields {
        out.push(format!("{what}: {f}"));
    }
}

/// What differs between the saved plan and the rebuilt one, one sentence each.
fn differences(saved: &Plan, rebuilt: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let ids: std::collections::BTreeSet<_> = saved
        .steps
        .iter()
        .chain(&rebuilt.steps)
        .map(|s| s.id)
        .collect();
    for id in ids {
        match (saved.step(id), rebuilt.step(id)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => field_differences(&format!("step {id}"), a, b, &mut out),
            (Some(_), None) => out.push(format!("step {id} is not part of the plan")),
            (None, Some(b)) => out.push(format!("step {id} is missing: {}", show(b))),
            (None, None) => {}
        }
    }
    let addresses: std::collections::BTreeSet<&ChangeAddress> = saved
        .changes
        .iter()
        .chain(&rebuilt.changes)
        .map(|c| &c.address)
        .collect();
    for a in addresses {
        let find = |p: &'_ Plan| p.changes.iter().find(|c| &c.address == a).cloned();
        match (find(saved), find(rebuilt)) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) => field_differences(&format!("change {a}"), &x, &y, &mut out),
            (Some(_), None) => out.push(format!("change {a} is not part of the plan")),
            (None, Some(_)) => out.push(format!("change {a} is missing")),
            (None, None) => {}
        }
    }
    // The comparisons by id and address above see the first of a repeated
    // id or address only; apply would run the last. Whatever they missed
    // (a repeated step or change, another order) is a difference too.
    if out.is_empty() && (saved.steps != rebuilt.steps || saved.changes != rebuilt.changes) {
        out.push(
            "the steps or changes differ from the plan (a repeated id or address, or another order)"
                .to_owned(),
        );
    }
    if saved.unmanaged != rebuilt.unmanaged {
        out.push(format!(
            "unmanaged is {} but the plan gives {}",
            show(&saved.unmanaged),
            show(&rebuilt.unmanaged)
        ));
    }
    if saved.scope != rebuilt.scope {
        field_differences("scope", &saved.scope, &rebuilt.scope, &mut out);
    }
    // The fingerprint is checked against the recorded observation by the caller.
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Address, FileSystemId, FileSystemRef, InstanceKey, KmsKeyRef, Protection, ReplicationStatus,
    };

    #[test]
    fn values_are_read_through_the_validating_constructors() {
        let e = serde_json::from_str::<FileSystemId>("\"fs-XYZ\"").unwrap_err();
        assert!(
            e.to_string().contains("is not a valid file system id"),
            "{e}"
        );
        assert!(serde_json::from_str::<Region>("\"Not A Region\"").is_err());
        assert!(serde_json::from_str::<KmsKeyRef>("\"key\"").is_err());
        // Same JSON as before: the bare string.
        let id = FileSystemId::parse("fs-0123456789abcdef0").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"fs-0123456789abcdef0\""
        );
        for text in [
            "replication.a",
            "replication.a[3]",
            "replication.a[\"eu-west-1\"]",
        ] {
            let a: Address = serde_json::from_str(&serde_json::to_string(text).unwrap()).unwrap();
            assert_eq!(a.to_string(), text);
        }
        // File system references: the id or ARN text, read back through parse.
        for text in [
            "fs-0123456789abcdef0",
            "arn:aws:elasticfilesystem:us-west-2:444455556666:file-system/fs-0123456789abcdef0",
        ] {
            let json = serde_json::to_string(text).unwrap();
            let r: FileSystemRef = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&r).unwrap(), json);
        }
        assert!(serde_json::from_str::<FileSystemRef>("\"arn:aws:nope\"").is_err());
        // Statuses and protection as EFS spells them, unknown values kept.
        for (text, status) in [
            ("\"ENABLING\"", ReplicationStatus::Enabling),
            ("\"PAUSED\"", ReplicationStatus::Paused),
            ("\"NEW\"", ReplicationStatus::Other("NEW".into())),
        ] {
            assert_eq!(serde_json::to_string(&status).unwrap(), text);
            assert_eq!(
                serde_json::from_str::<ReplicationStatus>(text).unwrap(),
                status
            );
        }
        assert_eq!(
            serde_json::from_str::<Protection>("\"REPLICATING\"").unwrap(),
            Protection::Replicating
        );
        assert_eq!(
            serde_json::to_string(&Protection::Disabled).unwrap(),
            "\"DISABLED\""
        );
        let a: Address = serde_json::from_str("\"replication.b[\\\"k\\\"]\"").unwrap();
        assert_eq!(a.key, Some(InstanceKey::Str("k".into())));
        for bad in [
            "replication.",
            "removed.fs-1",
            "replication.a[x]",
            "replication.a b",
        ] {
            assert!(
                serde_json::from_str::<Address>(&serde_json::to_string(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
    }

    /// A plan saved by the previous format is named as such, not as
    /// malformed, although its values no longer read.
    #[test]
    fn a_saved_plan_of_the_previous_format_is_refused_by_version() {
        let old = r#"{"format_version": "1", "kind": "efs-replicator-saved-plan",
            "desired": {"replications": [{"destination": {"file_system": {"id": "fs-00000001", "arn": null}}}]}}"#;
        match SavedPlan::read(old.as_bytes()) {
            Err(SavedPlanError::Unsupported { version, .. }) => assert_eq!(version, "1"),
            other => panic!("{other:?}"),
        }
    }

    /// Issue 11: the KMS answers a plan was made from are saved with it, so
    /// that verifying the saved plan plans from the same resolutions.
    #[test]
    fn kms_resolutions_survive_a_saved_plan() {
        use crate::model::{KeyResolution, ResolvedKey};
        let actual = Actual {
            kms_keys: vec![ResolvedKey {
                account: None,
                region: Region::parse("us-west-2").unwrap(),
                reference: KmsKeyRef::parse("alias/dr").unwrap(),
                resolution: KeyResolution::Key(
                    "arn:aws:kms:us-west-2:111122223333:key/11111111-1111-4111-8111-111111111111"
                        .into(),
                ),
            }],
            ..Actual::default()
        };
        let json = serde_json::to_string(&SavedActual::from(&actual)).unwrap();
        assert!(json.contains("\"kms_keys\""), "{json}");
        let back: SavedActual = serde_json::from_str(&json).unwrap();
        assert_eq!(Actual::from(&back), actual);
        // A bad reference in a saved plan is refused by the constructor.
        let bad = json.replace("alias/dr", "not a key");
        assert!(serde_json::from_str::<SavedActual>(&bad).is_err());
    }

    #[test]
    fn a_saved_plan_without_what_it_was_made_from_cannot_be_verified() {
        let plan = Plan {
            changes: vec![],
            steps: vec![],
            unmanaged: vec![],
            scope: Default::default(),
            fingerprint: "sha256:0".into(),
        };
        let saved = SavedPlan::new(plan, "2026-11-29T00:00:00Z".into());
        assert!(matches!(saved.verify(), Err(SavedPlanError::Unverifiable)));
        let saved = SavedPlan {
            desired: Some(Desired::default()),
            actual: Some(SavedActual::from(&Actual::default())),
            ..saved
        };
        // The empty plan of an empty state has another fingerprint.
        match saved.verify() {
            Err(SavedPlanError::Altered(d)) => {
                assert!(d.iter().any(|d| d.contains("fingerprint")), "{d:?}")
            }
            other => panic!("{other:?}"),
        }
    }

    /// A saved plan that repeats a step id (or a change address) with
    /// another content: the comparisons by id see the first, apply would run
    /// the last, so the repetition itself must be named.
    #[test]
    fn a_repeated_step_id_is_a_difference() {
        use super::super::types::{Step, StepKind};
        let fs = FileSystemId::parse("fs-00000001").unwrap();
        let other = FileSystemId::parse("fs-00000002").unwrap();
        let region = Region::parse("us-east-1").unwrap();
        let step = |source: &FileSystemId| Step {
            id: 1,
            kind: StepKind::Delete {
                source_file_system_id: source.clone(),
                region: region.clone(),
                orphan: None,
            },
            depends_on: vec![],
            expect: None,
        };
        let plan = Plan {
            changes: vec![],
            steps: vec![step(&fs)],
            unmanaged: vec![],
            scope: Default::default(),
            fingerprint: "sha256:0".into(),
        };
        assert!(differences(&plan, &plan).is_empty());
        let mut tampered = plan.clone();
        tampered.steps.push(step(&other));
        let d = differences(&tampered, &plan);
        assert!(d.iter().any(|d| d.contains("repeated id")), "{d:?}");
    }

    /// Issue 15: a change address in a saved plan is read through the same
    /// validation as everywhere else; a tampered one is refused on reading,
    /// naming the value, before anything is compared or applied.
    #[test]
    fn a_malformed_change_address_in_a_saved_plan_is_refused() {
        use super::super::types::{Action, Change};
        let change = Change {
            address: ChangeAddress::parse("removed.fs-00000001").unwrap(),
            action: Action::Delete,
            reason: "named in a removed block".into(),
            notes: vec![],
            before: None,
            after: None,
            steps: vec![],
        };
        let plan = Plan {
            changes: vec![change],
            steps: vec![],
            unmanaged: vec![],
            scope: Default::default(),
            fingerprint: "sha256:0".into(),
        };
        let mut text = Vec::new();
        SavedPlan::new(plan.clone(), "2026-11-29T00:00:00Z".into())
            .write(&mut text)
            .unwrap();
        let text = String::from_utf8(text).unwrap();
        let back = SavedPlan::read(text.as_bytes()).unwrap();
        assert_eq!(back.plan, plan);
        for bad in ["removed.fs-1", "replication.a[x]", "web"] {
            let tampered = text.replace("\"removed.fs-00000001\"", &format!("{bad:?}"));
            match SavedPlan::read(tampered.as_bytes()) {
                Err(SavedPlanError::Malformed(e)) => assert!(
                    e.to_string().contains("is not a valid") && e.to_string().contains(bad),
                    "{bad}: {e}"
                ),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
