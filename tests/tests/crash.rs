//! Crash safety: a deploy of the flagship killed with SIGKILL right after its k-th
//! mutating AWS call (carried out by the cloud, its answer never received), for every k,
//! then run again, converges: the sandbox's whole inventory is what one clean deploy
//! leaves (no duplicate, no orphan), and the state records exactly what is there.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use formae_runtime::store::{SqliteStore, StateStore};
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::Value as Json;

const BIN: &str = env!("CARGO_BIN_EXE_flagship-deploy");

/// What the drill compares: every kind of resource, by name.
fn shape(inventory: &Json) -> Json {
    let mut inv = inventory.clone();
    if let Some(services) = inv.get_mut("express_services") {
        // Names and status; INACTIVE services are history, not resources.
        *services = Json::Array(services.as_array().into_iter().flatten().filter(|s| s["status"] != "INACTIVE").cloned().collect());
    }
    inv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_killed_after_any_mutating_call_converges_when_run_again() {
    // The cluster and instance stay "creating" a moment, as on AWS: a rerun that adopts
    // one a killed run just created meets it still creating (and Modify refused).
    let env = Env::start("crash", Delays { cluster: 0.5, instance: 0.5, service: 0.0 }).await;
    let db = env.sandbox.dir.join("drill.db");
    let deploy = |wait: bool| {
        let mut c = Command::new(BIN);
        c.arg(&env.sandbox.endpoint).arg(&env.sandbox.dir).arg(&db).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped());
        if wait {
            c.arg("--wait");
        }
        c.spawn().expect("the deploy process starts")
    };
    let fresh = || {
        env.sandbox.reset().unwrap();
        let _ = std::fs::remove_file(&db);
        let _ = std::fs::remove_file(db.with_extension("db-wal"));
        let _ = std::fs::remove_file(db.with_extension("db-shm"));
    };

    // A clean deploy: what it leaves, and how many mutating calls it makes.
    fresh();
    env.sandbox.arm_kill(usize::MAX / 2, 0).unwrap();
    let out = deploy(false).wait_with_output().unwrap();
    assert!(out.status.success(), "the clean deploy failed: {}", String::from_utf8_lossy(&out.stderr));
    let n = env.sandbox.drill_writes().unwrap();
    let want = shape(&env.sandbox.inventory().unwrap());
    // One write per resource in the cloud: eight Cloud Control requests and the
    // database's statement through the Data API.
    assert_eq!(n, 9, "mutating calls counted");
    assert_eq!(want["secrets"].as_array().map(Vec::len), Some(2), "{want}");

    for k in 1..=n {
        fresh();
        let mut child = deploy(true);
        env.sandbox.arm_kill(k as usize, child.id()).unwrap();
        child.stdin.take().unwrap().write_all(b"go\n").unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "k={k}: the deploy was not killed ({status})");

        let again = deploy(false).wait_with_output().unwrap();
        assert!(again.status.success(), "k={k}: the rerun failed: {}", String::from_utf8_lossy(&again.stderr));
        let got = shape(&env.sandbox.inventory().unwrap());
        assert_eq!(got, want, "k={k}: the sandbox holds something other than one clean deploy");

        let state = SqliteStore::open(&db).await.unwrap().load("ecs-express-agent").await.unwrap();
        assert_eq!(state.resources.len(), 10, "k={k}: {:?}", state.resources.keys());
        assert!(state.pending.is_empty(), "k={k}: operations left pending: {:?}", state.pending);
        for (name, r) in &state.resources {
            if !formae_tests::declares_check(&formae_stacks::EcsExpressAgent::ENTRY, &r.type_name) {
                let exec = formae_runtime::exec::registry().for_resource(name, &r.type_name, r.props.value()).expect("an executor for every recorded type");
                assert!(exec.exists(&env.cx, &r.cloud_id, r.props.value()).await.unwrap(), "k={k}: {name} ({}) is recorded but not there", r.cloud_id);
            }
        }
    }
    eprintln!("killed and converged after each of {n} mutating calls");
}
