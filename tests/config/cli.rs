//! `validate` and `fmt` through the built binary: exit codes, stdout and
//! stderr, and what happens to files on disk.

use std::path::Path;
use std::process::{Command, Output};

use super::root;

/// Runs the binary with the AWS environment cleared.
pub(crate) fn run(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_efs-replicator"));
    c.args(args)
        .current_dir(dir)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        )
        .env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

pub(super) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const NO_REGION: &str = r#"variable "dest" {
  default = "us-west-2"
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  destination {
    region = var.dest
  }
}
"#;

#[test]
fn validate_accepts_every_example() {
    for dir in super::example_dirs() {
        let out = run(&["validate", dir.to_str().unwrap()], root(), &[]);
        assert!(
            out.status.success(),
            "{}: {}",
            dir.display(),
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains("is valid"));
    }
}

#[test]
fn validate_reports_located_errors_and_exits_1() {
    let out = run(
        &[
            "validate",
            "testdata/config/invalid/43-many-errors-at-once.hcl",
        ],
        root(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("testdata/config/invalid/43-many-errors-at-once.hcl:2:3: error: unknown attribute \"regoin\""),
        "{err}"
    );
    assert!(err.contains("  regoin = \"us-east-1\""), "{err}");
    assert!(err.contains("──────"), "underline missing: {err}");
    assert!(err.contains("did you mean \"region\"?"), "{err}");
    assert!(
        err.lines().filter(|l| l.contains(": error: ")).count() >= 5,
        "{err}"
    );
    assert!(!err.contains("\x1b["), "NO_COLOR is respected");
}

#[test]
fn validate_json_gives_the_same_diagnostics() {
    let out = run(
        &[
            "validate",
            "--json",
            "testdata/config/invalid/19-az-in-another-region.hcl",
        ],
        root(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let d = &v["diagnostics"][0];
    assert_eq!(
        d["path"],
        "testdata/config/invalid/19-az-in-another-region.hcl"
    );
    assert_eq!(d["line"], 6);
    assert_eq!(d["column"], 30);
    assert_eq!(d["end"]["line"], 6);
    assert_eq!(d["severity"], "error");
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("is in us-east-1, not in us-west-2"));
    assert!(d["help"].is_string());
    let ok = run(&["validate", "--json", "examples/for-each"], root(), &[]);
    assert!(ok.status.success());
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["replications"].as_array().unwrap().len(), 5);
}

#[test]
fn source_region_falls_back_to_region_flag_then_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), NO_REGION).unwrap();
    let out = run(&["validate"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot tell which Region fs-0000000a is in"));
    assert!(text(&out.stderr).contains("--region"));
    let out = run(&["validate", "--region", "eu-west-1"], dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["validate"], dir.path(), &[("AWS_REGION", "eu-west-1")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(
        dir.path().join("aws-config"),
        "[default]\nregion = ap-south-1\n",
    )
    .unwrap();
    let cfg = dir.path().join("aws-config");
    let out = run(
        &["validate"],
        dir.path(),
        &[("AWS_CONFIG_FILE", cfg.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["validate", "--region", "Narnia"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn variables_come_from_flags_files_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), NO_REGION).unwrap();
    std::fs::write(dir.path().join("vars.tfvars"), "dest = \"Bad Region\"\n").unwrap();
    let base = ["validate", "--region", "us-east-1"];
    // A bad value from each source is reported, proving it was used.
    let out = run(
        &[&base[..], &["--var", "dest=nowhere 1"]].concat(),
        dir.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("\"nowhere 1\" is not a valid region"));
    let out = run(
        &[&base[..], &["--var-file", "vars.tfvars"]].concat(),
        dir.path(),
        &[],
    );
    assert!(text(&out.stderr).contains("\"Bad Region\" is not a valid region"));
    let out = run(
        &base,
        dir.path(),
        &[("EFS_REPLICATOR_VAR_dest", "env region")],
    );
    assert!(text(&out.stderr).contains("\"env region\" is not a valid region"));
    // --var beats the var file, which beats the environment.
    let out = run(
        &[
            &base[..],
            &["--var-file", "vars.tfvars", "--var", "dest=eu-west-1"],
        ]
        .concat(),
        dir.path(),
        &[("EFS_REPLICATOR_VAR_dest", "env region")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&[&base[..], &["--var", "nope=1"]].concat(), dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no variable \"nope\" is declared"));
}

const UNFORMATTED: &str = "# replicate home\nreplication \"a\" {   # trailing\n    source_file_system_id = \"fs-0000000a\"\n  source_region= \"us-east-1\"\n\n\n  /* where to */\n  destination { region = \"us-west-2\" }\n}\n";

#[test]
fn fmt_check_prints_a_diff_and_leaves_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("main.hcl");
    std::fs::write(&f, UNFORMATTED).unwrap();
    let out = run(&["fmt", "--check"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let diff = text(&out.stdout);
    assert!(diff.contains("--- main.hcl\n+++ main.hcl"), "{diff}");
    assert!(diff.contains("@@"), "{diff}");
    assert!(diff.contains("-  source_region= \"us-east-1\""), "{diff}");
    assert!(
        diff.contains("+  source_region         = \"us-east-1\""),
        "{diff}"
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), UNFORMATTED);
}

#[test]
fn fmt_rewrites_keeping_comments_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("main.hcl");
    std::fs::write(&f, UNFORMATTED).unwrap();
    let out = run(&["fmt", "main.hcl"], dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "main.hcl");
    let new = std::fs::read_to_string(&f).unwrap();
    for comment in ["# replicate home", "# trailing", "/* where to */"] {
        assert!(new.contains(comment), "{comment} lost:\n{new}");
    }
    assert!(
        new.contains("\n  destination {\n    region = \"us-west-2\"\n  }\n"),
        "{new}"
    );
    let out = run(&["fmt", "--check"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty());
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // The result still means the same thing.
    let out = run(&["validate"], dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn fmt_writes_nothing_when_any_file_has_a_syntax_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.hcl"), UNFORMATTED).unwrap();
    std::fs::write(dir.path().join("b.hcl"), "replication \"b\" {\n").unwrap();
    let out = run(&["fmt"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("b.hcl:1:18: error: syntax error"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.hcl")).unwrap(),
        UNFORMATTED
    );
}

#[test]
fn missing_paths_are_reported() {
    let out = run(&["validate", "does-not-exist.hcl"], root(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("does-not-exist.hcl"));
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["validate"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no .hcl files"));
}

#[test]
fn the_cause_of_an_unreadable_path_is_printed_once() {
    let out = run(&["fmt", "--check", "no-such-dir"], root(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no-such-dir"), "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn a_directory_is_read_as_one_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.hcl"),
        "settings {\n  region = \"us-east-1\"\n}\n\nreplication \"home\" {\n  source_file_system_id = \"fs-0000000a\"\n  destination {\n    region = \"us-west-2\"\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.hcl"),
        "replication \"home\" {\n  source_file_system_id = \"fs-0000000b\"\n  destination {\n    region = \"us-west-2\"\n  }\n}\n",
    )
    .unwrap();
    // Not a configuration file: ignored.
    std::fs::write(dir.path().join("notes.txt"), "replication {").unwrap();
    let out = run(&["validate"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("b.hcl:1:1: error: duplicate address replication.home"),
        "{err}"
    );
    assert!(err.contains("first declared at a.hcl:5:1"), "{err}");
    std::fs::write(
        dir.path().join("b.hcl"),
        "replication \"other\" {\n  source_file_system_id = \"fs-0000000b\"\n  destination {\n    region = \"us-west-2\"\n  }\n}\n",
    )
    .unwrap();
    let out = run(&["validate", "--json"], dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["replications"],
        serde_json::json!(["replication.home", "replication.other"])
    );
}

#[test]
fn help_says_which_global_flags_a_command_ignores_and_what_region_means() {
    let dir = tempfile::tempdir().unwrap();
    let help = |cmd: &str| {
        let out = run(&[cmd, "--help"], dir.path(), &[]);
        assert_eq!(out.status.code(), Some(0));
        text(&out.stdout)
    };
    for cmd in ["validate", "fmt"] {
        let h = help(cmd);
        assert!(
            h.contains("--endpoint-url and --emulator are ignored"),
            "{cmd}: {h}"
        );
    }
    assert!(help("fmt").contains("--region, --profile, --endpoint-url and --emulator are ignored"));
    let export = help("export");
    assert!(
        !export.contains("default source Region"),
        "export has no source Region: {export}"
    );
    assert!(
        export.contains("--region: a Region to read replications from"),
        "{export}"
    );
    for cmd in ["validate", "plan", "apply", "check"] {
        assert!(help(cmd).contains("default source Region"), "{cmd}");
    }
    // Global flags still parse before the subcommand.
    std::fs::write(dir.path().join("a.hcl"), NO_REGION).unwrap();
    let out = run(&["--region", "eu-west-1", "validate"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
