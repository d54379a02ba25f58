//! `completions SHELL` and `man` through the binary: every shell gets a
//! script naming every command and the new flags, the man pages name every
//! command and its flags, and `man --out-dir` writes one page per command.

use efs_replicator::cli::completions::man_pages;

use crate::{run, text};

const COMMANDS: [&str; 6] = ["validate", "fmt", "plan", "apply", "check", "export"];

#[test]
fn every_shell_gets_a_script_with_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for c in COMMANDS.iter().chain(&["completions", "man"]) {
            assert!(script.contains(c), "{shell} script does not mention {c}");
        }
        for flag in ["format", "detailed-exitcode", "serve", "interval"] {
            assert!(
                script.contains(flag),
                "{shell} script does not mention {flag}"
            );
        }
        // PowerShell's script completes flags but not their values.
        if shell != "powershell" {
            assert!(
                script.contains("markdown"),
                "{shell} script lacks the format values"
            );
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("possible values"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn man_pages_name_every_command_and_their_flags() {
    let out = run(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    // roff as clap_mangen writes it: the quote-string prelude, then the title.
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
    assert!(page.contains("\n.TH efs-replicator 1 "), "{page}");
    for c in COMMANDS {
        assert!(
            page.contains(&format!("efs\\-replicator\\-{c}(1)")),
            "{c}:\n{page}"
        );
    }
    let check = text(&run(&["man", "check"]).stdout);
    assert!(check.contains(".TH EFS-REPLICATOR-CHECK 1"), "{check}");
    for flag in [
        "\\-\\-format",
        "\\-\\-serve",
        "\\-\\-interval",
        "prometheus",
    ] {
        assert!(check.contains(flag), "check page lacks {flag}");
    }
    let bad = run(&["man", "nope"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("man takes one of validate, fmt, plan"));
}

#[test]
fn man_out_dir_writes_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected: Vec<String> = man_pages().unwrap().into_iter().map(|p| p.0).collect();
    expected.sort();
    assert_eq!(written, expected);
    for c in COMMANDS {
        assert!(
            written.contains(&format!("efs-replicator-{c}.1")),
            "{written:?}"
        );
    }
    let plan = std::fs::read_to_string(dir.path().join("efs-replicator-plan.1")).unwrap();
    assert!(plan.contains("\\-\\-detailed\\-exitcode"), "{plan}");
}
