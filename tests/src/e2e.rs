//! The end-to-end harness: a sandbox of its own per test, and the same session the
//! command line uses (real SDK clients, the embedded state store, the apply engine).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use formae_runtime::deploy::{Refresh, Session};
use formae_runtime::engine::{ApplyOptions, ApplyReport, Event, Observer};
use formae_runtime::exec::{registry, Cx, Executors, Target, Timing};
use formae_runtime::store::{SqliteStore, StateStore};
use formae_runtime::{Mode, Plan, StackInstance};

use crate::sandbox::{free_port, repo_root, Delays, Sandbox, SandboxSecrets};

/// A sandbox for one test, stopped when dropped.
pub struct Env {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// Clients pointed at it.
    pub cx: Cx,
    /// The state store: the embedded one in the sandbox's directory, unless a test puts
    /// another in its place.
    pub store: Arc<dyn StateStore>,
    /// Secrets, generated per sandbox.
    pub secrets: SandboxSecrets,
    executors: Arc<Executors>,
}

/// Records engine events, for tests that look at order and progress.
#[derive(Default)]
pub struct Recorder(pub std::sync::Mutex<Vec<Event>>);

impl Observer for Recorder {
    fn event(&self, e: &Event) {
        if let Ok(mut v) = self.0.lock() {
            v.push(e.clone());
        }
    }
}

impl Env {
    /// Starts a fresh sandbox named after the test.
    pub async fn start(test: &str, delays: Delays) -> Env {
        let dir: PathBuf = repo_root().join(format!("target/sandbox/test-{test}"));
        let _ = Sandbox::stop(&dir);
        // A port found free can be taken by another test's sandbox (its PostgreSQL, say)
        // before this one binds it: then another port.
        let mut attempt = 0;
        let sandbox = loop {
            let port = free_port().expect("a free port on 127.0.0.1");
            match Sandbox::start(&dir, port, delays) {
                Ok(s) => break s,
                Err(e) if attempt < 4 && e.to_string().contains("Address already in use") => {
                    attempt += 1;
                    let _ = Sandbox::stop(&dir);
                }
                Err(e) => panic!("the sandbox did not start: {e}"),
            }
        };
        let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(sandbox.endpoint.clone()), dummy_credentials: true };
        let timing = Timing { poll: Duration::from_millis(100), database: Duration::from_secs(60), service: Duration::from_secs(60), sdk_waiters: false, iam_propagation: Duration::from_secs(20) };
        let cx = Cx::new("under-test", &target, timing).await;
        let store = Arc::new(SqliteStore::open(&dir.join("state.db")).await.expect("the state store opens"));
        let secrets = sandbox.secrets();
        Env { sandbox, cx, store, secrets, executors: Arc::new(registry()) }
    }

    /// The session a command would use.
    pub fn session(&self) -> Session<'_> {
        Session { cx: &self.cx, store: self.store.as_ref(), secrets: &self.secrets, executors: Arc::clone(&self.executors) }
    }

    /// Plans `instance` against the state refreshed from the sandbox.
    pub async fn plan(&self, instance: &StackInstance, mode: Mode) -> Plan {
        self.plan_with(instance, mode, Refresh::Cloud).await
    }

    /// Plans `instance`, refreshing or not.
    pub async fn plan_with(&self, instance: &StackInstance, mode: Mode, refresh: Refresh) -> Plan {
        let cx = self.cx.for_stack(instance.name);
        Session { cx: &cx, ..self.session() }.plan(instance, mode, refresh).await.expect("planning works").1
    }

    /// Plans and applies `instance`; panics with the failures if the apply fails.
    pub async fn deploy(&self, instance: &StackInstance, mode: Mode) -> (Plan, ApplyReport) {
        let (plan, report) = self.try_deploy(instance, mode, ApplyOptions::default()).await;
        assert!(report.succeeded(), "deploy failed: {:?} / not started: {:?}", report.failed, report.not_started);
        (plan, report)
    }

    /// Plans (refreshing) and applies `instance` with `opts`, whatever the outcome.
    pub async fn try_deploy(&self, instance: &StackInstance, mode: Mode, opts: ApplyOptions) -> (Plan, ApplyReport) {
        self.try_deploy_with(instance, mode, Refresh::Cloud, opts).await
    }

    /// Plans (refreshing or not) and applies `instance` with `opts`, whatever the outcome.
    pub async fn try_deploy_with(&self, instance: &StackInstance, mode: Mode, refresh: Refresh, opts: ApplyOptions) -> (Plan, ApplyReport) {
        // Ownership tags name the stack being deployed, as the command line's clients do.
        let cx = self.cx.for_stack(instance.name);
        let session = Session { cx: &cx, ..self.session() };
        let (state, plan) = session.plan(instance, mode, refresh).await.expect("planning works");
        let report = session.apply(state, &plan, opts, &Recorder::default()).await.expect("the engine runs");
        (plan, report)
    }

    /// Destroys everything recorded for `stack`.
    pub async fn destroy(&self, stack: &'static str) -> (Plan, ApplyReport) {
        let session = self.session();
        let (state, plan) = session.destroy_plan(stack, Refresh::Cloud).await.expect("planning works");
        let report = session
            .apply(state, &plan, ApplyOptions::default(), &Recorder::default())
            .await
            .expect("the engine runs");
        assert!(report.succeeded(), "destroy failed: {:?}", report.failed);
        (plan, report)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = Sandbox::stop(&self.sandbox.dir);
    }
}
