//! The command line, as people run it: a failure to reach AWS (no credentials, a
//! mistyped region) fails fast with a hint and writes nothing; Ctrl-C during a deploy
//! lets what is in flight finish and be recorded, releases the lock, and the next
//! deploy finishes the job.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// The command line in `dir`, with an environment of only what is given (no profile,
/// no credentials, no instance metadata).
fn xtask(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(XTASK);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-aws-credentials"))
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    c
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = formae_tests::sandbox::repo_root().join(format!("target/cli-tests/{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[test]
fn a_deploy_without_credentials_fails_fast_with_a_hint_and_writes_nothing() {
    let dir = scratch("no-credentials");
    let started = Instant::now();
    let out = xtask(&dir, &[]).args(["deploy", "ecs-express-agent", "--yes", "--region", "us-east-1"]).output().expect("xtask runs");
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("no AWS credentials were found") && said.contains("AWS_PROFILE") && said.contains("nothing was changed"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert!(!dir.join(".formae").exists(), "state was written");
}

#[test]
fn a_mistyped_region_fails_fast_naming_the_region_it_meant() {
    let dir = scratch("wrong-region");
    let creds = [("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "example")];
    let started = Instant::now();
    let out = xtask(&dir, &creds).args(["deploy", "ecs-express-agent", "--yes", "--region", "us-eest-1"]).output().expect("xtask runs");
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("`us-eest-1` is not an AWS region: did you mean `us-east-1`?") && said.contains("nothing was changed"), "{said}");
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    assert!(!dir.join(".formae").exists(), "state was written");
}

/// SIGINT while the cluster is being created: nothing new starts, the cluster's create
/// finishes and is recorded, the lock is released, the command exits non-zero naming
/// what was interrupted; the next deploy creates the rest and nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_what_is_in_flight_records_it_and_releases_the_lock() {
    let env = Env::start("cli-interrupt", Delays { cluster: 3.0, instance: 1.0, service: 1.0 }).await;
    let dir = scratch("interrupt");
    let sandbox = [
        ("AWS_ACCESS_KEY_ID", "sandbox"),
        ("AWS_SECRET_ACCESS_KEY", "sandbox"),
        ("FORMAE_DB_PASSWORD", "cli-test-password-1"),
    ];
    let deploy = |dir: &Path| {
        let mut c = xtask(dir, &sandbox);
        c.args(["deploy", "ecs-express-agent", "--yes", "--region", "us-east-1", "--endpoint-url", &env.sandbox.endpoint]);
        c
    };
    let child = deploy(&dir).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("xtask starts");
    // Interrupt once the cluster is being created (it takes 3 s in this sandbox).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let calls = env.sandbox.calls().unwrap();
        if calls.get("rds:CreateDBCluster").is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the deploy never created the cluster: {calls}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SAFETY: signalling a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().expect("xtask exits");
    let said = text(&out);
    assert!(!out.status.success(), "an interrupted deploy reported success: {said}");
    assert!(said.contains("Interrupted: starting nothing new"), "{said}");
    assert!(said.contains("interrupted"), "{said}");

    let status = xtask(&dir, &sandbox).args(["status", "ecs-express-agent", "--region", "us-east-1", "--endpoint-url", &env.sandbox.endpoint]).output().unwrap();
    let status = text(&status);
    assert!(!status.contains("Lock:"), "the lock was not released: {status}");
    assert!(!status.contains("Started and not finished"), "an operation was left pending: {status}");
    assert!(status.contains("db_cluster") && status.contains("formae-db"), "the cluster's create was not recorded: {status}");
    let inventory = env.sandbox.inventory().unwrap();
    assert!(inventory["express_services"].as_array().is_some_and(Vec::is_empty), "work started after the interrupt: {inventory}");

    let out = deploy(&dir).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let inventory = env.sandbox.inventory().unwrap();
    assert_eq!(inventory["clusters"], serde_json::json!(["formae-db"]));
    assert_eq!(inventory["express_services"].as_array().map(Vec::len), Some(1));
}
