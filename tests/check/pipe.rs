//! Every command that writes to stdout exits quietly when the reader of
//! its stdout has gone away (`efs-replicator check --json | head -c 10`):
//! no "Broken pipe" error, no panic, and the exit code of what it did. The binary runs the bundled emulator
//! in-process (`--emulator`) on a copy of the quickstart seed state.

use std::path::Path;
use std::process::Stdio;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary with a stdout whose reading end is already closed.
fn run_with_closed_stdout(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let state = dir.join("state.json");
    std::fs::copy(root().join("examples/quickstart/seed-state.json"), &state).unwrap();
    let mut child = crate::kit::Bin::new(&["--emulator"])
        .args([&state])
        .args(args)
        .home(dir)
        .env("NO_COLOR", "1")
        .command()
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Close the only reading end of stdout before the binary writes to it.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let unformatted = dir.path().join("unformatted.hcl");
    std::fs::write(
        &unformatted,
        "replication \"a\" {\nsource_file_system_id=\"fs-0000000a\"\n  source_region = \"us-east-1\"\n  destination {\n    region = \"us-west-2\"\n  }\n}\n",
    )
    .unwrap();
    let unformatted = unformatted.display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["check", "--json", "examples/quickstart"],
        vec!["check", "examples/quickstart"],
        vec!["plan", "examples/quickstart"],
        vec!["plan", "--json", "examples/quickstart"],
        vec!["export", "--region", "us-east-1"],
        vec!["validate", "--json", "examples/quickstart"],
        vec!["fmt", "--check", &unformatted],
        vec!["apply", "--auto-approve", "--json", "examples/quickstart"],
    ];
    // A closed stdout does not change what a command reports by its exit
    // code: the quickstart's replications do not exist yet, so check says
    // drift (2) in every format.
    for format in ["--json", "--format=table", "--format=prometheus"] {
        let (code, stderr) =
            run_with_closed_stdout(&["check", format, "examples/quickstart"], dir.path());
        assert_eq!(code, Some(2), "check {format}: {stderr}");
    }
    for args in cases {
        let (code, stderr) = run_with_closed_stdout(&args, dir.path());
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("os error 32"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(code, Some(101), "{args:?}: {stderr}");
        assert_ne!(code, None, "{args:?} was killed: {stderr}");
    }
}
