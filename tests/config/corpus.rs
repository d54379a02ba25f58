//! The invalid-config corpus: every file under testdata/config/invalid/ must
//! fail to load, and its diagnostics (human and JSON) must match the golden
//! snapshot in testdata/config/snapshots/ (insta; review changes like code).

use std::path::PathBuf;

use efs_replicator::config::{self, LoadOptions};

use super::root;

#[test]
fn every_invalid_config_matches_its_golden_diagnostics() {
    let dir = PathBuf::from("testdata/config/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(&dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hcl"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "the corpus has only {} files",
        files.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../testdata/config/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for f in files {
            let name = f.file_stem().unwrap().to_string_lossy().into_owned();
            // A path relative to the package root keeps snapshots machine-independent.
            let rel = dir.join(f.file_name().unwrap());
            // cargo runs integration tests in the package root.
            let diags = match config::load(&rel, &LoadOptions::default()) {
                Ok(_) => panic!("{name} loaded without errors"),
                Err(d) => d,
            };
            assert!(!diags.is_empty());
            let mut human = Vec::new();
            diags.render_human(&mut human, false).unwrap();
            let mut json = Vec::new();
            diags.render_json(&mut json).unwrap();
            let shown = format!(
                "{}\n----- json -----\n{}",
                String::from_utf8(human).unwrap(),
                String::from_utf8(json).unwrap()
            );
            insta::assert_snapshot!(name, shown);
        }
    });
}
