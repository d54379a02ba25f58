//! Issue 9, item 6: a saved plan is bound to what was shown. Apply plans
//! again from the configuration and observed state the file records and
//! refuses it when anything differs (an edited step, a dropped dependency,
//! a change's destination, the scope, the fingerprint); values read from it
//! go through the model's validating constructors. Every refusal happens
//! before any mutating call.

use serde_json::json;

use super::failback::failing_back;
use super::*;

/// The step of `kind` in a saved plan's JSON.
fn step_mut<'a>(doc: &'a mut Value, kind: &str) -> &'a mut Value {
    doc["plan"]["steps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} step"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_saved_plan_is_refused_before_any_mutating_call() {
    let (k, _) = failing_back(seeded(&[(1, "us-east-1")])).await;
    let saved = k.dir.path().join("plan.json");
    let out = run_bin(
        &k,
        &["plan", path_str(&k.config_dir()), "--out", path_str(&saved)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let original: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    let before = mutations(&k).await.len();

    type Tamper = fn(&mut Value);
    let cases: Vec<(&str, Tamper, &str)> = vec![
        (
            "an edited step",
            |d| step_mut(d, "create")["destination"]["region"] = json!("eu-west-1"),
            "step 4: destination.region is \"eu-west-1\" but the plan gives \"us-east-1\"",
        ),
        (
            "a dropped dependency",
            |d| step_mut(d, "create")["depends_on"] = json!([]),
            "step 4: depends_on is [] but the plan gives [3]",
        ),
        (
            "a change's destination",
            |d| {
                let c = d["plan"]["changes"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|c| c["address"] == "replication.back")
                    .unwrap();
                c["after"]["destination_file_system_id"] = json!("fs-00000055");
            },
            "change replication.back: after.destination_file_system_id is \"fs-00000055\"",
        ),
        (
            "the scope",
            |d| {
                let regions = d["plan"]["scope"]["regions"].as_array_mut().unwrap();
                regions.retain(|r| r != "us-west-2");
            },
            "scope: regions is [\"us-east-1\"] but the plan gives [\"us-east-1\",\"us-west-2\"]",
        ),
        (
            "the fingerprint",
            |d| {
                let f = json!(format!("sha256:{}", "0".repeat(64)));
                d["fingerprint"] = f.clone();
                d["plan"]["fingerprint"] = f;
            },
            "fingerprint",
        ),
        (
            "a compensation removed",
            |d| {
                d["plan"]["steps"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|s| s["kind"] != "restore-protection");
            },
            "step 5 is missing",
        ),
    ];
    for (what, tamper, says) in cases {
        let mut doc = original.clone();
        tamper(&mut doc);
        std::fs::write(&saved, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        let out = run_bin(&k, &["apply", "--plan", path_str(&saved)]).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {stdout}\n{stderr}");
        assert!(
            stderr.contains("saved plan was changed after it was written"),
            "{what}: {stderr}"
        );
        assert!(stderr.contains(says), "{what}: {stderr}");
        assert_eq!(mutations(&k).await.len(), before, "{what}");
    }

    // An invalid file system id is refused by the id's own constructor.
    let mut doc = original.clone();
    step_mut(&mut doc, "delete")["source_file_system_id"] = json!("fs-XYZ");
    std::fs::write(&saved, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = run_bin(&k, &["apply", "--plan", path_str(&saved)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("\"fs-XYZ\" is not a valid file system id"),
        "{stderr}"
    );
    assert_eq!(mutations(&k).await.len(), before);

    // Untouched, the same file applies: a saved plan that showed the
    // overwrite is its approval.
    std::fs::write(&saved, serde_json::to_vec_pretty(&original).unwrap()).unwrap();
    let out = run_bin(&k, &["apply", "--plan", path_str(&saved)]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(mutations(&k).await.len(), before + 3);
}
