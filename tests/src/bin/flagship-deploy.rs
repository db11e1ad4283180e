//! Deploys the flagship into a sandbox as a process of its own, so a crash drill can kill
//! it: `flagship-deploy ENDPOINT SANDBOX_DIR STATE_DB [--wait]`. With `--wait` it reads
//! one line from stdin before its first AWS call (the drill arms the kill in between).
//! Exits 0 when the deploy succeeded.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use formae_runtime::deploy::Session;
use formae_runtime::engine::{ApplyOptions, Quiet};
use formae_runtime::exec::{registry, Cx, Target, Timing};
use formae_runtime::store::SqliteStore;
use formae_runtime::Mode;
use formae_stacks::EcsExpressAgent;
use formae_tests::sandbox::Sandbox;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(endpoint), Some(dir), Some(db)) = (args.first(), args.get(1), args.get(2)) else {
        eprintln!("usage: flagship-deploy ENDPOINT SANDBOX_DIR STATE_DB [--wait]");
        return ExitCode::from(2);
    };
    let instance = match (EcsExpressAgent::ENTRY.build)(&[]) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(endpoint.clone()), dummy_credentials: true };
    let timing = Timing { poll: Duration::from_millis(50), database: Duration::from_secs(60), service: Duration::from_secs(60), sdk_waiters: false, iam_propagation: Duration::from_secs(60) };
    let cx = Cx::new(instance.name, &target, timing).await;
    let store = match SqliteStore::open(db.as_ref()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let secrets = Sandbox { dir: dir.into(), endpoint: endpoint.clone() }.secrets();
    let session = Session { cx: &cx, store: &store, secrets: &secrets, executors: Arc::new(registry()) };
    if args.iter().any(|a| a == "--wait") {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    }
    let report = async {
        let (state, plan) = session.plan(&instance, Mode::Reconcile, formae_runtime::deploy::Refresh::Cloud).await.map_err(|e| e.to_string())?;
        session.apply(state, &plan, ApplyOptions::default(), &Quiet).await.map_err(|e| e.to_string())
    }
    .await;
    match report {
        Ok(r) if r.succeeded() => ExitCode::SUCCESS,
        Ok(r) => {
            eprintln!("deploy failed: {:?}; not started: {:?}", r.failed, r.not_started);
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
