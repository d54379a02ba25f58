//! `--format github` (issue 12): every file of the invalid-config corpus
//! rendered as GitHub Actions workflow commands. Each diagnostic becomes one
//! `::error` line whose `file`, `line` and `col` are those of the JSON
//! rendering, with nothing unescaped that would end the command early; a
//! sample of the corpus is an insta snapshot. Through the binary: `validate`,
//! `plan` and `check` print the commands on stdout and exit 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use efs_replicator::config::{self, LoadOptions};
use efs_replicator::render::github::render_diagnostics_github;

use super::root;

/// Corpus files whose annotations are snapshotted verbatim.
const SAMPLE: [&str; 3] = [
    "01-syntax-missing-brace.hcl",
    "04-unknown-attribute.hcl",
    "10-two-destinations.hcl",
];

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from("testdata/config/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(&dir))
        .unwrap()
        .map(|e| dir.join(e.unwrap().file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "hcl"))
        .collect();
    files.sort();
    files
}

/// Splits `::error PROPS::MESSAGE` into its properties and message.
fn parse(line: &str) -> (Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::error ").expect("an error command");
    let (props, message) = rest.split_once("::").expect("props::message");
    let props = props
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("key=value");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (props, message.to_owned())
}

#[test]
fn every_corpus_diagnostic_is_an_annotation_at_its_place() {
    let files = corpus();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut all = String::new();
    for f in files {
        let diags = config::load(&f, &LoadOptions::default()).expect_err("invalid");
        let mut buf = Vec::new();
        render_diagnostics_github(&diags, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut json = Vec::new();
        diags.render_json(&mut json).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let expected = json["diagnostics"].as_array().unwrap();
        let commands: Vec<&str> = text.lines().filter(|l| l.starts_with("::")).collect();
        assert_eq!(commands.len(), expected.len(), "{}:\n{text}", f.display());
        for (line, want) in commands.iter().zip(expected) {
            let (props, message) = parse(line);
            let get = |k: &str| props.iter().find(|p| p.0 == k).map(|p| p.1.clone());
            if let Some(path) = want["path"].as_str() {
                assert_eq!(get("file").as_deref(), Some(path), "{line}");
                assert_eq!(get("line"), Some(want["line"].to_string()), "{line}");
                assert_eq!(get("col"), Some(want["column"].to_string()), "{line}");
            }
            assert_eq!(
                get("title").as_deref(),
                Some("efs-replicator configuration")
            );
            // Nothing that would end the message or the command early.
            assert!(!message.contains('\n') && !message.contains('\r'), "{line}");
            let first = message.split("%0A").next().unwrap().replace("%25", "%");
            assert_eq!(first, want["message"].as_str().unwrap(), "{line}");
        }
        // A fixed sample is snapshotted, so new corpus files need no update here.
        if SAMPLE.iter().any(|s| f.ends_with(s)) {
            all.push_str(&format!("## {}\n{text}\n", f.display()));
        }
    }
    insta::assert_snapshot!("github_annotations", all);
}

fn run(args: &[&str], dir: &Path) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_efs-replicator"));
    c.args(args)
        .current_dir(dir)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL_EFS")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("NO_COLOR", "1");
    c.output().expect("the binary runs")
}

#[test]
fn validate_plan_and_check_print_workflow_commands_for_configuration_errors() {
    let file = "testdata/config/invalid/04-unknown-attribute.hcl";
    let state = tempfile::tempdir().unwrap();
    let state = state.path().join("state.json");
    let state = state.to_str().unwrap();
    for args in [
        vec!["validate", "--format", "github", file],
        vec!["plan", "--format", "github", file, "--emulator", state],
        vec!["check", "--format", "github", file, "--emulator", state],
    ] {
        let out = run(&args, root());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with(&format!("::error file={file},line=2,col=3,")),
            "{args:?}: {stdout}"
        );
        // The human diagnostics still go to the log on stderr.
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "{file}:2:3: error: unknown attribute \"sorce_file_system_id\""
            )),
            "{args:?}: {stderr}"
        );
    }
    let ok = run(
        &["validate", "--format", "github", "examples/quickstart"],
        root(),
    );
    assert_eq!(ok.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&ok.stdout).contains("::error"));
}
