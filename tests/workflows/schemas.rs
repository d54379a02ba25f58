//! The JSON Schemas under docs/schemas/: the checked-in files are the ones
//! generated from `schema_types.rs` (regenerate with
//! `UPDATE_SCHEMAS=1 cargo test --test workflows schemas`), and every JSON
//! document the test suites emit validates: the plan and check JSON golden
//! snapshots of tests/plan and tests/check, and fresh `plan --json`,
//! `check --json` and `apply --json` output of the binary against the
//! emulator (a create, a failed create, planning errors, a stale saved plan),
//! and the configuration diagnostics of the whole invalid-config corpus and
//! of `validate --json` / `plan --json` on valid and invalid configurations.
//! The schemas are strict enough to fail: an unknown or missing field is
//! rejected.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_efs::config::{BehaviorVersion, Credentials, Region};
use serde_json::Value;

use crate::schema_types::{
    ApplyEvent, CheckDocument, DiagnosticsDocument, PlanDocument, PlanErrorsDocument,
    ValidateDocument,
};
use crate::{binary, root, text};

/// The schema of `T` as written (the serialize contract: a field is required
/// unless it is left out when empty).
fn schema<T: schemars::JsonSchema>() -> Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema).unwrap()
}

/// (file name under docs/schemas, generated schema).
fn generated() -> Vec<(&'static str, Value)> {
    vec![
        ("plan.schema.json", schema::<PlanDocument>()),
        ("plan-errors.schema.json", schema::<PlanErrorsDocument>()),
        ("check.schema.json", schema::<CheckDocument>()),
        ("apply-event.schema.json", schema::<ApplyEvent>()),
        (
            "config-diagnostics.schema.json",
            schema::<DiagnosticsDocument>(),
        ),
        ("validate.schema.json", schema::<ValidateDocument>()),
    ]
}

fn schema_dir() -> PathBuf {
    root().join("docs/schemas")
}

fn validator(name: &str) -> jsonschema::Validator {
    let path = schema_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

/// Panics with every validation error of `doc` against `schema`.
#[track_caller]
fn assert_valid(schema: &str, doc: &Value, origin: &str) {
    let v = validator(schema);
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{origin} does not validate against {schema}:\n{}\n{doc:#}",
        errors.join("\n")
    );
}

/// Which schema a document of `plan`, `check` or `apply` output follows.
fn schema_of(doc: &Value) -> &'static str {
    if doc.get("valid").is_some() {
        "validate.schema.json"
    } else if doc.get("diagnostics").is_some() {
        "config-diagnostics.schema.json"
    } else if doc.get("type").is_some() {
        "apply-event.schema.json"
    } else if doc.get("errors").is_some() {
        "plan-errors.schema.json"
    } else if doc.get("checked_at").is_some() {
        "check.schema.json"
    } else {
        "plan.schema.json"
    }
}

#[test]
fn checked_in_schemas_are_the_generated_ones() {
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    for (name, schema) in generated() {
        let path = schema_dir().join(name);
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if update {
            std::fs::create_dir_all(schema_dir()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == text,
            "docs/schemas/{name} is out of date: run `UPDATE_SCHEMAS=1 cargo test --test workflows schemas`"
        );
    }
}

#[test]
fn the_schemas_reject_unknown_and_missing_fields() {
    let plan = serde_json::json!({
        "format_version": "1", "changes": [], "unmanaged": [],
        "summary": {"create": 0, "replace": 0, "delete": 0, "no_op": 0, "overwrite": 0}
    });
    assert_valid("plan.schema.json", &plan, "an empty plan");
    let v = validator("plan.schema.json");
    let mut extra = plan.clone();
    extra["surprise"] = 1.into();
    assert!(!v.is_valid(&extra), "an unknown field is rejected");
    let mut missing = plan.clone();
    missing.as_object_mut().unwrap().remove("summary");
    assert!(!v.is_valid(&missing), "a missing field is rejected");
    let mut version = plan;
    version["format_version"] = "2".into();
    assert!(!v.is_valid(&version), "another format_version is rejected");
    let event = serde_json::json!({"type": "apply_start", "time": "t", "address": "a", "action": "explode"});
    assert!(!validator("apply-event.schema.json").is_valid(&event));
}

/// The JSON body of an insta snapshot file, when it is JSON.
fn snapshot_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    let body = text.strip_prefix("---\n")?.split_once("\n---\n")?.1;
    serde_json::from_str(body).ok()
}

#[test]
fn every_json_golden_snapshot_of_plan_and_check_validates() {
    let mut seen = Vec::new();
    for dir in ["tests/plan/snapshots", "tests/check/snapshots"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            if let Some(doc) = snapshot_json(&f) {
                let schema = schema_of(&doc);
                assert_valid(schema, &doc, &f.display().to_string());
                seen.push(schema);
            }
        }
    }
    assert!(
        seen.iter().filter(|s| **s == "plan.schema.json").count() >= 4,
        "{seen:?}"
    );
    assert!(seen.contains(&"check.schema.json"), "{seen:?}");
}

const KEY: &str = "AKIASCHEMACHECK00001";

/// Runs the binary against `endpoint`; returns the exit code and stdout.
async fn run(args: Vec<String>, endpoint: String) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = binary(&a)
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_EFS", &endpoint)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout))
    })
    .await
    .unwrap()
}

/// Validates a whole document (plan, check, errors) or every line (apply).
fn validate_output(what: &str, stdout: &str, lines: bool) -> Vec<Value> {
    let docs: Vec<Value> = if lines {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{what}: {e}: {l}")))
            .collect()
    } else {
        vec![serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{what}: {e}: {stdout}"))]
    };
    assert!(!docs.is_empty(), "{what} printed nothing");
    for d in &docs {
        assert_valid(schema_of(d), d, what);
    }
    docs
}

async fn fault(emu: &efs_emulator::Emulator, body: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = emu.local_addr();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /_emulator/faults HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 20"), "{resp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_plan_check_and_apply_output_validates() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::copy(root().join("examples/quickstart/seed-state.json"), &state).unwrap();
    let emu = efs_emulator::start(efs_emulator::Config {
        state_file: Some(state),
        create_delay: Duration::ZERO,
        enable_delay: Duration::ZERO,
        delete_delay: Duration::ZERO,
        initial_sync_delay: Duration::ZERO,
        ..efs_emulator::Config::default()
    })
    .await
    .unwrap();
    let url = emu.base_url().to_owned();
    let cfg = root().join("examples/quickstart").display().to_string();
    let args = |a: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        v.insert(1, cfg.clone());
        v
    };

    let (code, out) = run(args(&["plan", "--json"]), url.clone()).await;
    assert_eq!(code, Some(0), "{out}");
    let plan = validate_output("plan --json", &out, false);
    assert_eq!(plan[0]["summary"]["create"], 2);

    let (code, out) = run(args(&["check", "--json"]), url.clone()).await;
    assert_eq!(code, Some(2), "{out}");
    validate_output("check --json", &out, false);

    let (code, out) = run(
        args(&["plan", "--json", "--target", "replication.nope"]),
        url.clone(),
    )
    .await;
    assert_eq!(code, Some(1), "{out}");
    validate_output("plan --json with planning errors", &out, false);

    // One create fails: apply_errored and a summary with a failed address.
    fault(
        &emu,
        r#"{"operation": "CreateReplicationConfiguration", "error": "AccessDeniedException", "count": 1}"#,
    )
    .await;
    let (code, out) = run(args(&["apply", "--json", "--auto-approve"]), url.clone()).await;
    assert_eq!(code, Some(1), "{out}");
    let events = validate_output("apply --json (a create fails)", &out, true);
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(types.contains(&"apply_errored"), "{types:?}");
    assert_eq!(types.last(), Some(&"summary"));

    let (code, out) = run(args(&["apply", "--json", "--auto-approve"]), url.clone()).await;
    assert_eq!(code, Some(0), "{out}");
    let events = validate_output("apply --json", &out, true);
    assert!(
        events.iter().any(|e| e["type"] == "apply_complete"),
        "{out}"
    );

    let (code, out) = run(args(&["check", "--json"]), url.clone()).await;
    assert_eq!(code, Some(0), "{out}");
    validate_output("check --json in sync", &out, false);

    // A saved plan made stale by a change outside the tool.
    let saved = dir.path().join("saved.json").display().to_string();
    let (code, out) = run(args(&["plan", "--out", &saved]), url.clone()).await;
    assert_eq!(code, Some(0), "{out}");
    let client = aws_sdk_efs::Client::from_conf(
        aws_sdk_efs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(KEY, "secret", None, None, "test"))
            .endpoint_url(&url)
            .build(),
    );
    let source = plan[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["after"]["source_region"] == "us-east-1")
        .map(|c| {
            c["after"]["source_file_system_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .expect("a source in us-east-1");
    client
        .delete_replication_configuration()
        .source_file_system_id(source)
        .send()
        .await
        .unwrap();
    let (code, out) = run(
        vec!["apply".into(), "--plan".into(), saved, "--json".into()],
        url.clone(),
    )
    .await;
    assert_eq!(code, Some(1), "{out}");
    let events = validate_output("apply --plan --json (stale)", &out, true);
    assert_eq!(events[0]["type"], "stale_plan");
    emu.shutdown().await;
}

#[test]
fn configuration_diagnostics_and_validate_output_validate() {
    let dir = root().join("testdata/config/invalid");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "hcl") {
            continue;
        }
        let diags = efs_replicator::config::load(&path, &Default::default()).expect_err("invalid");
        let mut buf = Vec::new();
        diags.render_json(&mut buf).unwrap();
        let doc: Value = serde_json::from_slice(&buf).unwrap();
        assert_valid(
            "config-diagnostics.schema.json",
            &doc,
            &path.display().to_string(),
        );
        assert_valid("validate.schema.json", &doc, &path.display().to_string());
        n += 1;
    }
    assert!(n >= 30, "{n} corpus files");

    let bad = "testdata/config/invalid/04-unknown-attribute.hcl";
    let state = tempfile::tempdir().unwrap();
    let state = state.path().join("state.json");
    for args in [
        vec!["validate", "--json", "examples/quickstart"],
        vec!["validate", "--json", bad],
        vec!["plan", "--json", bad, "--emulator", state.to_str().unwrap()],
        vec![
            "check",
            "--json",
            bad,
            "--emulator",
            state.to_str().unwrap(),
        ],
    ] {
        let out = binary(&args).output().unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out.stdout)));
        assert_valid(schema_of(&doc), &doc, &format!("{args:?}"));
    }
}
