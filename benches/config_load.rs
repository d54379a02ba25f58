//! Benchmark: load and validate 10,000 replication blocks (target: at most
//! 300 ms in a release build), written out and through for_each. Prints
//! figures; asserts nothing about time.
//!
//! Run: `cargo bench --bench config_load`

use std::fmt::Write;
use std::time::{Duration, Instant};

use efs_replicator::config::{load_str, LoadOptions};

const N: usize = 10_000;
const RUNS: usize = 7;

fn written_out() -> String {
    let mut s =
        String::from("settings {\n  region = \"us-east-1\"\n  max_replication_lag = \"1h\"\n}\n\n");
    for i in 0..N {
        let dest = match i % 3 {
            0 => "    region = \"us-west-2\"\n".to_owned(),
            1 => "    availability_zone_name = \"eu-west-1b\"\n".to_owned(),
            _ => format!(
                "    region         = \"eu-central-1\"\n    file_system_id = \"fs-{:017x}\"\n    allow_overwrite = true\n",
                0x1000_0000_0000u64 + i as u64
            ),
        };
        writeln!(
            s,
            "# block {i}\nreplication \"r{i}\" {{\n  source_file_system_id = \"fs-{i:017x}\"\n  prevent_destroy       = {}\n  destination {{\n{dest}    kms_key_id = \"alias/dr\"\n  }}\n}}\n",
            i % 2 == 0
        )
        .unwrap();
        if i % 3 == 2 {
            // kms_key_id does not go with an existing destination.
            let cut = s.rfind("    kms_key_id = \"alias/dr\"\n").unwrap();
            s.replace_range(cut..cut + "    kms_key_id = \"alias/dr\"\n".len(), "");
        }
    }
    s
}

/// `for_each` over a local; `as_map` writes the local as one object literal
/// (slow to parse: see docs/config.md), else as a list turned into a map by
/// a `for` expression.
fn for_each(as_map: bool) -> String {
    let mut s = String::from("variable \"dr\" {\n  default = \"us-west-2\"\n}\n\nlocals {\n");
    s.push_str(if as_map { "  fs = {\n" } else { "  fs = [\n" });
    for i in 0..N {
        let zone = i % 4 == 0;
        if as_map {
            writeln!(s, "    t{i} = {{ id = \"fs-{i:017x}\", zone = {zone} }}").unwrap();
        } else {
            writeln!(s, "    {{ id = \"fs-{i:017x}\", zone = {zone} }},").unwrap();
        }
    }
    s.push_str(if as_map { "  }\n}\n" } else { "  ]\n}\n" });
    s.push_str(if as_map {
        "\nreplication \"team\" {\n  for_each              = local.fs\n"
    } else {
        "\nreplication \"team\" {\n  for_each              = { for f in local.fs : f.id => f }\n"
    });
    s.push_str(
        "  source_file_system_id = each.value.id\n  source_region         = \"us-east-1\"\n  destination {\n    region                 = var.dr\n    availability_zone_name = each.value.zone ? \"${var.dr}a\" : null\n  }\n}\n",
    );
    s
}

fn measure(name: &str, text: &str) {
    let opts = LoadOptions::default();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let d = load_str("bench.hcl", text, &opts).unwrap_or_else(|d| {
            let mut out = Vec::new();
            d.render_human(&mut out, false).unwrap();
            panic!("{}", String::from_utf8_lossy(&out[..out.len().min(4000)]));
        });
        times.push(t.elapsed());
        assert_eq!(d.replications.len(), N);
    }
    times.sort();
    println!(
        "{name}: {N} replications, {} KiB: min {:.1} ms, median {:.1} ms, max {:.1} ms ({RUNS} runs)",
        text.len() / 1024,
        times[0].as_secs_f64() * 1e3,
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    measure("10,000 replication blocks", &written_out());
    measure("for_each over a 10,000-element list", &for_each(false));
    measure(
        "for_each over a 10,000-entry object literal",
        &for_each(true),
    );
}
