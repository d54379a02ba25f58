//! `completions SHELL` and `man` through the binary: every shell gets a
//! script naming every command and the new flags, the man pages name every
//! command and its flags, and the pages checked in under docs/man/ are the
//! ones this build generates.

use efs_replicator::cli::completions::man_pages;

use crate::{root, run, text};

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
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
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
fn checked_in_man_pages_are_up_to_date() {
    let dir = root().join("docs/man");
    let pages = man_pages().unwrap();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("docs/man exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut names: Vec<String> = pages.iter().map(|p| p.0.clone()).collect();
    names.sort();
    assert_eq!(
        on_disk, names,
        "docs/man is out of date: run `cargo run -- man --out-dir docs/man`"
    );
    for (name, page) in pages {
        let checked_in = std::fs::read(dir.join(&name)).unwrap();
        assert!(
            checked_in == page,
            "docs/man/{name} is out of date: run `cargo run -- man --out-dir docs/man`"
        );
    }
}
