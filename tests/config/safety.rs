//! Issue 9, the configuration half: lifecycle arguments are literal
//! booleans, `availability_zone_name` never comes with `file_system_id`,
//! `removed` blocks stay inside the Regions the file writes when `prune` is
//! on, and files, `for_each` and `for` expansions have bounds. Each problem
//! is an error at `file:line:col` from `validate` (exit 1), never a panic.

use std::process::Output;

use efs_replicator::config::{load_str, LoadOptions};
use efs_replicator::model::Region;

use super::cli::run;

fn validate(text: &str, env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), text).unwrap();
    let out: Output = run(&["validate", "main.hcl"], dir.path(), env);
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

const REPLICATION: &str = r#"variable "keep" {
  default = true
}

locals {
  on = true
}

replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  prevent_destroy       = PREVENT
  destination {
    region          = "us-west-2"
    file_system_id  = "fs-0000000b"
    allow_overwrite = OVERWRITE
  }
}
"#;

/// Issue 9 item 8: a variable, local, function or conditional in a
/// lifecycle argument is an error at its place, as Terraform does.
#[test]
fn lifecycle_arguments_take_literal_booleans_only() {
    for (prevent, overwrite, at) in [
        ("var.keep", "true", "main.hcl:12:27"),
        ("local.on", "true", "main.hcl:12:27"),
        ("tobool(\"true\")", "true", "main.hcl:12:27"),
        ("true", "var.keep ? true : false", "main.hcl:16:23"),
        ("true", "!false", "main.hcl:16:23"),
    ] {
        let text = REPLICATION
            .replace("PREVENT", prevent)
            .replace("OVERWRITE", overwrite);
        let (code, out) = validate(&text, &[("EFS_REPLICATOR_VAR_keep", "false")]);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains(&format!("{at}: error:")),
            "{prevent}/{overwrite}: {out}"
        );
        assert!(out.contains("must be a literal true or false"), "{out}");
    }
    let text = REPLICATION
        .replace("PREVENT", "true")
        .replace("OVERWRITE", "false");
    let (code, out) = validate(&text, &[]);
    assert_eq!(code, 0, "{out}");

    let prune = "settings {\n  region = \"us-east-1\"\n  prune  = var.p\n}\nvariable \"p\" {\n  default = true\n}\n";
    let (code, out) = validate(prune, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("main.hcl:3:12: error: settings: prune must be a literal true or false"),
        "{out}"
    );
}

/// Issue 9 item 1: EFS refuses an Availability Zone together with an
/// existing destination; a replacement used to delete first and fail later.
#[test]
fn availability_zone_with_file_system_id_is_refused_at_validate() {
    let text = r#"replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    availability_zone_name = "us-west-2a"
    file_system_id         = "fs-0000000b"
    allow_overwrite        = true
  }
}
"#;
    let (code, out) = validate(text, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("main.hcl:5:30: error: destination.availability_zone_name applies only to a destination the replication creates"),
        "{out}"
    );
}

/// Issue 9 item 5: with prune on, a removed block must write its Region;
/// without prune the default Region still resolves it, and in no case does
/// a Region from --region or the AWS config count as written.
#[test]
fn removed_blocks_write_their_region_when_prune_is_on() {
    let text = "settings {\n  prune = true\n}\n\nremoved {\n  source_file_system_id = \"fs-0000000a\"\n}\n";
    let (code, out) = validate(text, &[("AWS_REGION", "us-east-1")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "main.hcl:5:1: error: removed: source_region is required when settings.prune = true"
        ),
        "{out}"
    );

    let opts = LoadOptions {
        default_region: Some(Region::parse("us-east-1").unwrap()),
        ..LoadOptions::default()
    };
    let d = load_str(
        "x.hcl",
        "removed {\n  source_file_system_id = \"fs-0000000a\"\n  destination_file_system_id = \"fs-0000000b\"\n}\nreplication \"a\" {\n  source_file_system_id = \"fs-0000000c\"\n  destination {\n    region = \"eu-west-1\"\n  }\n}\n",
        &opts,
    )
    .unwrap();
    assert_eq!(d.removed[0].source_region.as_str(), "us-east-1");
    assert_eq!(
        d.removed[0].destination.as_ref().unwrap().as_str(),
        "fs-0000000b"
    );
    // The default Region is read (discovery scope) but is not written.
    assert!(d.regions().contains(&Region::parse("us-east-1").unwrap()));
    let written: Vec<&str> = d.written_regions.iter().map(|r| r.as_str()).collect();
    assert_eq!(written, ["eu-west-1"]);
}

/// Issue 9 item 10: bounds with clear errors instead of exhausting memory.
#[test]
fn files_for_each_and_for_expansions_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![b'#'; 16 * 1024 * 1024 + 1];
    std::fs::write(dir.path().join("big.hcl"), big).unwrap();
    let out = run(&["validate", "big.hcl"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read big.hcl: the file is larger than 16 MiB"),
        "{err}"
    );

    let keys: Vec<String> = (0..10_001).map(|i| format!("\"k{i}\"")).collect();
    let text = format!(
        "replication \"a\" {{\n  for_each = [{}]\n  source_file_system_id = \"fs-0000000a\"\n  source_region = \"us-east-1\"\n  destination {{\n    region = \"us-west-2\"\n  }}\n}}\n",
        keys.join(",")
    );
    let (code, out) = validate(&text, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("main.hcl:2:14: error: for_each makes 10001 instances; at most 10000 are allowed per block"), "{}", &out[..out.len().min(2000)]);

    let items: Vec<String> = (0..400).map(|i| i.to_string()).collect();
    let text = format!(
        "locals {{\n  l = [{}]\n  x = [for a in local.l : [for b in local.l : [for c in local.l : c]]]\n}}\n",
        items.join(", ")
    );
    let (code, out) = validate(&text, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("main.hcl:3:7: error: this expression's 3 nested for expressions could expand to more than 100000 elements"), "{out}");
    // A short list of a long string: refused by the text it could build.
    let text = format!(
        "locals {{\n  s = \"{}\"\n  l = [{}]\n  x = [for a in local.l : local.s]\n}}\n",
        "x".repeat(1024 * 1024),
        items[..100].join(", ")
    );
    let (code, out) = validate(&text, &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("main.hcl:4:7: error: this expression could build more than 64 MiB of text"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    // One level over the same list is fine.
    let text = format!(
        "locals {{\n  l = [{}]\n  x = [for a in local.l : a]\n}}\n",
        items.join(", ")
    );
    assert_eq!(validate(&text, &[]).0, 0);
}

/// Issue 9 item 1: a KMS key ARN of another Region than the destination
/// would make the create fail (after the delete of a replacement): refused
/// at validate.
#[test]
fn a_kms_key_of_another_region_is_refused_at_validate() {
    let text = r#"replication "a" {
  source_file_system_id = "fs-0000000a"
  source_region         = "us-east-1"
  destination {
    region     = "us-west-2"
    kms_key_id = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}
"#;
    let (code, out) = validate(text, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("main.hcl:6:18: error: destination.kms_key_id is a key of eu-west-1, but the destination is in us-west-2"),
        "{out}"
    );
    let (code, out) = validate(&text.replace("eu-west-1", "us-west-2"), &[]);
    assert_eq!(code, 0, "{out}");
}
