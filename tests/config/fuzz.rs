//! Property test standing in for a fuzz target: arbitrary bytes and mutated
//! valid configurations go through the loader and the formatter. No input may
//! panic or hang (each case runs on a thread with a deadline), and formatting
//! must keep the meaning of a file, change nothing but whitespace (so every
//! comment survives) and be idempotent.
//!
//! Longer runs: `PROPTEST_CASES=20000 cargo test --release --test config fuzz`.

use std::sync::mpsc;
use std::time::Duration;

use efs_replicator::config::{format::format_source, load_str, LoadOptions};
use efs_replicator::model::Region;
use proptest::prelude::*;

const DEADLINE: Duration = Duration::from_secs(20);

/// Runs `f` on its own thread; Err when it panics or misses the deadline.
fn guarded(input: String, f: fn(&str)) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    let shown = input.chars().take(300).collect::<String>();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(|| f(&input));
        let _ = tx.send(r.is_ok());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("panicked on {shown:?}")),
        Err(_) => Err(format!("no answer within {DEADLINE:?} on {shown:?}")),
    }
}

fn load_and_format(text: &str) {
    let opts = LoadOptions {
        default_region: Region::parse("us-east-1").ok(),
        vars: vec![("dr_region".into(), "eu-west-1".into())],
        ..LoadOptions::default()
    };
    if let Err(d) = load_str("fuzz.hcl", text, &opts) {
        let mut sink = Vec::new();
        d.render_human(&mut sink, true).unwrap();
        d.render_json(&mut sink).unwrap();
    }
    if let Ok(once) = format_source("fuzz.hcl", text) {
        let twice = format_source("fuzz.hcl", &once).expect("formatted text parses");
        assert_eq!(once, twice, "fmt is not idempotent");
        let before = hcl::parse(text).expect("parsed once");
        let after = hcl::parse(&once).expect("formatted text parses");
        assert_eq!(before, after, "fmt changed the meaning");
        // fmt only moves whitespace: every other character, comments
        // included, survives in order.
        let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(
            visible(text),
            visible(&once),
            "fmt changed more than whitespace"
        );
    }
}

fn seeds() -> Vec<String> {
    let mut out = Vec::new();
    for dir in super::example_dirs() {
        for f in efs_replicator::config::config_files(&dir).unwrap() {
            out.push(std::fs::read_to_string(f).unwrap());
        }
    }
    let corpus = super::root().join("testdata/config/invalid");
    let mut files: Vec<_> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        out.push(std::fs::read_to_string(f).unwrap());
    }
    out
}

const SNIPPETS: &[&str] = &[
    "{",
    "}",
    "\"",
    "=",
    "\n",
    "${",
    "%{",
    "#",
    "//",
    "/*",
    "*/",
    "<<EOT\n",
    "EOT",
    "[",
    "]",
    "(",
    ")",
    ",",
    "for_each",
    "each.key",
    "each.value",
    "var.",
    "local.",
    "null",
    "true",
    "replication \"x\" {",
    "destination {",
    "removed {",
    "settings {",
    "variable \"v\" {",
    "locals {",
    "for x in",
    ":",
    "?",
    "...",
    "é",
    "\t",
    "\\",
    "\"fs-0000000a\"",
    "1e999",
    "-",
    "!",
    "&&",
    "[*]",
    ".*",
    "upper(",
    "format(\"%s\",",
    "substr(",
    "lookup(",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
    Swap(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), 0..SNIPPETS.len()).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

fn boundary(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut s: String, m: &Mutation) -> String {
    match *m {
        Mutation::Delete(a, n) => {
            let a = boundary(&s, a);
            let b = boundary(&s, a + n);
            s.replace_range(a..b.max(a), "");
        }
        Mutation::Insert(a, k) => {
            let a = boundary(&s, a);
            s.insert_str(a, SNIPPETS[k]);
        }
        Mutation::Duplicate(a, n) => {
            let a = boundary(&s, a);
            let b = boundary(&s, a + n).max(a);
            let piece = s[a..b].to_owned();
            s.insert_str(b, &piece);
        }
        Mutation::Swap(a, b) => {
            let (a, b) = (boundary(&s, a), boundary(&s, b));
            let (a, b) = (a.min(b), a.max(b));
            let piece = s[a..b].to_owned();
            s.replace_range(a..b, &piece.chars().rev().collect::<String>());
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic_or_hang(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert_eq!(guarded(text, load_and_format), Ok(()));
    }

    #[test]
    fn mutated_configs_never_panic_or_hang(
        seed in any::<prop::sample::Index>(),
        muts in proptest::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let mut text = seeds[seed.index(seeds.len())].clone();
        for m in &muts {
            text = apply(text, m);
        }
        prop_assert_eq!(guarded(text, load_and_format), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Deep nesting must be refused, not overflow the stack (which would
    /// abort the whole test binary).
    #[test]
    fn deep_nesting_is_refused_not_fatal(
        opens in proptest::collection::vec(prop::sample::select(vec!["(", "[", "{a = ", "\"${", "f("]), 0..4000),
    ) {
        let closes: String = opens
            .iter()
            .rev()
            .map(|o| match *o {
                "(" | "f(" => ")",
                "[" => "]",
                "{a = " => "}",
                _ => "}\"",
            })
            .collect();
        let text = format!("locals {{\n  x = {}1{}\n}}\n", opens.concat(), closes);
        prop_assert_eq!(guarded(text, load_and_format), Ok(()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Issue 9: unary, binary and conditional chains, mixed with brackets,
    /// are refused, not fatal, whatever their length.
    #[test]
    fn operator_chains_are_refused_not_fatal(
        parts in proptest::collection::vec(
            prop::sample::select(vec!["!", "-", "- ", "1-", "true ? 1 : ", "1 + ", "2 * ", "x == ", "a && ", "(", "[", "\"${"]),
            0..4000,
        ),
    ) {
        let closes: String = parts
            .iter()
            .rev()
            .filter_map(|o| match *o {
                "(" => Some(")"),
                "[" => Some("]"),
                "\"${" => Some("}\""),
                _ => None,
            })
            .collect();
        let text = format!("locals {{\n  x = {}1{}\n}}\n", parts.concat(), closes);
        prop_assert_eq!(guarded(text, load_and_format), Ok(()));
    }

    /// Issue 9: any Availability Zone name, multi-byte characters included,
    /// is an error or a destination, never a panic.
    #[test]
    fn any_availability_zone_name_is_handled(az in "\\PC{1,12}") {
        let text = format!(
            "replication \"a\" {{\n  source_file_system_id = \"fs-0123456789abcdef0\"\n  destination {{\n    availability_zone_name = {az:?}\n  }}\n}}\n"
        );
        prop_assert_eq!(guarded(text, load_and_format), Ok(()));
    }
}

/// Operator chains just under the limit load on a 2 MiB thread stack.
#[test]
fn operator_chains_at_the_limit_fit_a_small_stack() {
    for (op, n) in [("!", 60), ("-", 60), ("true ? 1 : ", 60), ("1 + ", 60)] {
        let text = format!("locals {{\n  x = {}1\n}}\n", op.repeat(n));
        assert_eq!(guarded(text, load_and_format), Ok(()), "{op}");
    }
    // Template directives nest too.
    let text = format!(
        "locals {{\n  x = <<EOT\n{}a{}\nEOT\n}}\n",
        "%{ if true }".repeat(60),
        "%{ endif }".repeat(60)
    );
    assert_eq!(guarded(text, load_and_format), Ok(()));
    let text = format!(
        "locals {{\n  x = <<EOT\n{}a\nEOT\n}}\n",
        "%{ if true }".repeat(5000)
    );
    assert_eq!(guarded(text, load_and_format), Ok(()));
}

/// Nesting just under the limit loads on a 2 MiB thread stack (the size of
/// spawned and Tokio worker threads) in a debug build.
#[test]
fn nesting_at_the_limit_fits_a_small_stack() {
    for (open, close, frames) in [
        ("(", ")", 1),
        ("[", "]", 1),
        ("{a = ", "}", 1),
        ("\"${", "}\"", 2),
        ("upper(", ")", 1),
        ("[for x in ", ": x]", 1),
    ] {
        // `locals {` and `["a"]` take two of the 64 levels.
        let n = 62 / frames;
        let text = format!(
            "locals {{\n  x = {}[\"a\"]{}\n}}\n",
            open.repeat(n),
            close.repeat(n)
        );
        assert_eq!(guarded(text, load_and_format), Ok(()), "{open}");
    }
}
