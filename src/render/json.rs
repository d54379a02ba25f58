//! The machine-readable plan: `{"format_version": "1", "changes": [...],
//! "unmanaged": [...], "summary": {...}}`, documented in docs/plan-json.md.
//! The schema is part of the interface: fields are added only with a new
//! `format_version`, never renamed. Built from the plan value, never from
//! the human text.

use std::io::{self, Write};

use serde::Serialize;

use crate::plan::{Action, Attributes, Plan, PlanErrors, Step, Summary, Unmanaged};

/// The `format_version` of the JSON written by this build.
pub const JSON_FORMAT_VERSION: &str = "1";

#[derive(Serialize)]
struct JsonPlan<'a> {
    format_version: &'static str,
    changes: Vec<JsonChange<'a>>,
    unmanaged: &'a [Unmanaged],
    summary: Summary,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    address: &'a str,
    action: Action,
    reason: String,
    before: &'a Option<Attributes>,
    after: &'a Option<Attributes>,
    steps: Vec<&'a Step>,
}

/// Writes the plan as pretty-printed JSON followed by a newline.
pub fn render_json(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    let doc = JsonPlan {
        format_version: JSON_FORMAT_VERSION,
        changes: plan
            .changes
            .iter()
            .map(|c| JsonChange {
                address: c.address.as_str(),
                action: c.action,
                reason: if c.notes.is_empty() {
                    c.reason.clone()
                } else {
                    format!("{}; note: {}", c.reason, c.notes.join("; note: "))
                },
                before: &c.before,
                after: &c.after,
                steps: c.steps.iter().filter_map(|id| plan.step(*id)).collect(),
            })
            .collect(),
        unmanaged: &plan.unmanaged,
        summary: plan.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

#[derive(Serialize)]
struct JsonErrors<'a> {
    format_version: &'static str,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    address: Option<&'a str>,
    code: &'static str,
    message: String,
}

/// Writes planning errors as `{"format_version": "1", "errors": [{"address", "code", "message"}]}`.
pub fn render_errors_json(errors: &PlanErrors, out: &mut impl Write) -> io::Result<()> {
    let doc = JsonErrors {
        format_version: JSON_FORMAT_VERSION,
        errors: errors
            .0
            .iter()
            .map(|e| JsonError {
                address: e.address(),
                code: e.code(),
                message: e.to_string(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Change, PlanError, Scope};

    #[test]
    fn notes_join_the_reason_and_errors_carry_codes() {
        let plan = Plan {
            changes: vec![Change {
                address: crate::plan::ChangeAddress::parse("replication.a").unwrap(),
                action: Action::NoOp,
                reason: "in sync".into(),
                notes: vec!["KMS key alias/x could not be verified".into()],
                before: None,
                after: None,
                steps: vec![],
            }],
            steps: vec![],
            unmanaged: vec![],
            scope: Scope::default(),
            fingerprint: "sha256:0".into(),
        };
        let mut buf = Vec::new();
        render_json(&plan, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["changes"][0]["action"], "no-op");
        assert_eq!(
            v["changes"][0]["reason"],
            "in sync; note: KMS key alias/x could not be verified"
        );
        assert_eq!(v["summary"]["no_op"], 1);

        let errors = PlanErrors(vec![
            PlanError::UnknownTarget {
                target: "replication.x".into(),
                suggestion: None,
            },
            PlanError::MissingRole {
                address: "replication.y".into(),
                destination_account: "210987654321".into(),
                source_account: "123456789012".into(),
            },
        ]);
        let mut buf = Vec::new();
        render_errors_json(&errors, &mut buf).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["format_version"], "1");
        assert_eq!(v["errors"][0]["address"], serde_json::Value::Null);
        assert_eq!(v["errors"][0]["code"], "unknown_target");
        assert_eq!(v["errors"][1]["address"], "replication.y");
        assert!(v["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("role_arn"));
    }
}
