//! The HTTP check against the sandbox: it shows each new answer while it waits, requests
//! the path the service declares (which the sandbox serves, and no other), and runs again
//! whenever the service it checks changes.

use formae_runtime::engine::{ApplyOptions, Event, Op};
use formae_runtime::testing::build;
use formae_runtime::{Action, Mode};
use formae_stacks::BillingApi;
use formae_tests::e2e::{Env, Recorder};
use formae_tests::sandbox::Delays;

formae_macros::stack! {
    /// One check of a URL given as a parameter.
    pub stack Probe = "probe" {
        /// What to GET.
        param url: String = "http://127.0.0.1:9/";
        /// How long to try, in seconds.
        param timeout: u32 = 2;
        resource probe = formae_runtime::prelude::HttpCheck { url: url, timeout_seconds: timeout };
    }
}

/// A check of a path nothing serves shows the 404 while it waits, and fails naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_shows_what_its_url_last_answered_while_it_waits() {
    let env = Env::start("check-answers", Delays::default()).await;
    let url = format!("{}/_express/nothing-here", env.sandbox.endpoint);
    let stack = build(&Probe::ENTRY, &[&format!("url={url}"), "timeout=2"]);
    let session = env.session();
    let (state, plan) = session.plan(&stack, Mode::Reconcile, formae_runtime::deploy::Refresh::Cloud).await.unwrap();
    let events = Recorder::default();
    let report = session.apply(state, &plan, ApplyOptions::default(), &events).await.unwrap();
    assert!(!report.succeeded());
    let (_, _, error) = &report.failed[0];
    assert!(error.contains(&format!("GET {url} did not answer 200 within 2 s; it answered 404")), "{error}");
    let seen = events.0.lock().unwrap().clone();
    let notes: Vec<&String> = seen.iter().filter_map(|e| match e { Event::Waiting { resource, note } if resource == "probe" => Some(note), _ => None }).collect();
    // Shown once, on the first try, not once per poll.
    assert_eq!(notes, [&format!("GET {url}: it answered 404 Not Found")], "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_requests_the_declared_path_shows_its_answers_and_reruns_after_the_service_changes() {
    let env = Env::start("checks", Delays::default()).await;
    let stack = build(&BillingApi::ENTRY, &["check_timeout=30"]);
    let (_, report) = env.deploy(&stack, Mode::Reconcile).await;
    let check = &report.state.resources["health"];
    assert!(check.cloud_id.ends_with("/healthz"), "{}", check.cloud_id);
    assert_eq!(check.outputs["status"], 200);

    // The sandbox serves the declared path and nothing else.
    let url = report.outputs["service_url"].as_str().unwrap().to_owned();
    assert_eq!(env.cx.http.get(format!("{url}/healthz")).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(env.cx.http.get(format!("{url}/api/v1/health")).send().await.unwrap().status().as_u16(), 404);

    // The service changes: the check runs again, after it.
    let bigger = build(&BillingApi::ENTRY, &["check_timeout=30", "cpu=1024", "memory=2048"]);
    let (plan, report) = env.deploy(&bigger, Mode::Reconcile).await;
    assert_eq!(plan.change("api").unwrap().action, Action::Update);
    let health = plan.change("health").unwrap();
    assert_eq!(health.action, Action::Update);
    assert_eq!(health.reason.as_deref(), Some("`api` changes, so it runs again"));
    let done: Vec<(&str, Op)> = report.done.iter().map(|(n, op, _)| (n.as_str(), *op)).collect();
    let api = done.iter().position(|d| *d == ("api", Op::Update)).expect("the service was updated");
    let check = done.iter().position(|d| *d == ("health", Op::Update)).expect("the check ran again");
    assert!(api < check, "{done:?}");

    // Nothing changed: the check does not run.
    let (plan, _) = env.deploy(&bigger, Mode::Reconcile).await;
    assert!(!plan.has_changes(), "{:?}", plan.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| &c.resource).collect::<Vec<_>>());
    env.sandbox.assert_conformant();
}

/// An update is a canary: the old revision answers until the new one is promoted, and a
/// deployment that rolls back leaves the old one answering. A deploy follows the
/// deployment, not the service's ACTIVE, and fails on the rollback naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_waits_for_its_deployment_and_fails_when_it_rolls_back() {
    let env = Env::start("deployments", Delays { service: 1.0, ..Delays::default() }).await;
    let (_, report) = env.deploy(&build(&BillingApi::ENTRY, &["check_timeout=30"]), Mode::Reconcile).await;
    let url = report.outputs["service_url"].as_str().unwrap().to_owned();
    let get = |path: &'static str| {
        let url = format!("{url}{path}");
        let http = env.cx.http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };

    // A new health path: while the deployment rolls out, the old revision answers.
    env.sandbox.configure(r#"{"deployments_roll_back": 1}"#).unwrap();
    let moved = build(&BillingApi::ENTRY, &["check_timeout=30", "health_path=/ready"]);
    let (_, report) = env.try_deploy(&moved, Mode::Reconcile, ApplyOptions::default()).await;
    assert_eq!(get("/ready").await, 404, "the new revision answered though its deployment rolled back");
    assert_eq!(get("/healthz").await, 200);
    let (_, op, error) = report.failed.iter().find(|f| f.0 == "api").expect("the update failed");
    assert_eq!(*op, Op::Update);
    assert!(error.contains("failed: it is `ROLLBACK_SUCCESSFUL`"), "{error}");

    // Again, without the fault: the check passes only once the new revision answers.
    let (_, report) = env.deploy(&moved, Mode::Reconcile).await;
    assert!(report.done.iter().any(|(n, op, _)| n == "health" && *op == Op::Update));
    assert_eq!(get("/ready").await, 200);
    assert_eq!(get("/healthz").await, 404);
    env.sandbox.assert_conformant();
}
