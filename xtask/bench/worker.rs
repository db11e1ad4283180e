//! The benchmark worker: each binary of the generated benchmark project holds one stack
//! and calls [`run`], which plans or deploys it as one whole process and prints one JSON
//! line of measurements. Compiled only by `cargo xtask bench`, never by the normal build.

use std::time::{Duration, Instant};

use formae_runtime::engine::{ApplyOptions, Quiet};
use formae_runtime::exec::{registry, Cx, Target, Timing};
use formae_runtime::store::{SqliteStore, StateStore};
use formae_runtime::{plan, Mode, StackEntry, StackState};

fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn fail(msg: String) -> ! {
    eprintln!("bench worker: {msg}");
    std::process::exit(2)
}

/// `plan [STATE_DB]`, `prepare STATE_DB`, `deploy ENDPOINT STATE_DB PARALLELISM`.
pub fn run(entry: StackEntry) {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_env("FORMAE_LOG")).with_writer(std::io::stderr).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let instance = entry.instance(&[]).unwrap_or_else(|e| fail(e.to_string()));
    // One thread is enough for a plan; deploys get the multi-threaded runtime the CLI uses.
    let current = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| fail(e.to_string()));
    match args.first().map(String::as_str) {
        Some("plan") => {
            let state = match args.get(1) {
                Some(db) => current()
                    .block_on(async { SqliteStore::open(db.as_ref()).await?.load(entry.name).await })
                    .unwrap_or_else(|e| fail(e.to_string())),
                None => StackState::empty(entry.name),
            };
            let p = plan(&instance, &state, Mode::Reconcile, &formae_runtime::testing::FixedSecrets).unwrap_or_else(|e| fail(e.to_string()));
            let changes = p.changes.iter().filter(|c| c.action != formae_runtime::Action::NoOp).count();
            println!("{{\"changes\": {changes}, \"resources\": {}, \"peak_kb\": {}}}", instance.resources.len(), peak_kb());
            // As the command line does: a process about to end does not free its memory
            // piece by piece.
            std::process::exit(0);
        }
        Some("prepare") => {
            let db = args.get(1).unwrap_or_else(|| fail("prepare needs a state file".into()));
            let state = formae_runtime::testing::deployed_state(&instance);
            current().block_on(async { SqliteStore::open(db.as_ref()).await?.put_state(&state).await }).unwrap_or_else(|e| fail(e.to_string()));
        }
        Some("deploy") => {
            let (Some(endpoint), Some(db), Some(par)) = (args.get(1), args.get(2), args.get(3).and_then(|p| p.parse().ok())) else {
                fail("deploy needs ENDPOINT STATE_DB PARALLELISM".into())
            };
            let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(e.to_string()));
            rt.block_on(async {
                let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(endpoint.clone()), dummy_credentials: true };
                let timing = Timing { poll: Duration::from_millis(50), database: Duration::from_secs(120), service: Duration::from_secs(120), sdk_waiters: false, iam_propagation: Duration::from_secs(60) };
                let cx = Cx::new(entry.name, &target, timing).await;
                let store = SqliteStore::open(db.as_ref()).await.unwrap_or_else(|e| fail(e.to_string()));
                let secrets = formae_runtime::testing::FixedSecrets;
                let session = formae_runtime::deploy::Session { cx: &cx, store: &store, secrets: &secrets, executors: std::sync::Arc::new(registry()) };
                let start = Instant::now();
                let (state, p) = session.plan(&instance, Mode::Reconcile, formae_runtime::deploy::Refresh::Cloud).await.unwrap_or_else(|e| fail(e.to_string()));
                let report = session.apply(state, &p, ApplyOptions { parallelism: par, ..Default::default() }, &Quiet).await.unwrap_or_else(|e| fail(e.to_string()));
                let wall = start.elapsed();
                if !report.succeeded() {
                    fail(format!("deploy failed: {:?}", report.failed));
                }
                println!("{{\"wall_ms\": {:.1}, \"operations\": {}, \"peak_kb\": {}}}", wall.as_secs_f64() * 1000.0, report.done.len(), peak_kb());
            });
        }
        _ => fail("usage: plan [STATE_DB] | prepare STATE_DB | deploy ENDPOINT STATE_DB PARALLELISM".into()),
    }
}
