//! The apply engine's tests, on fake executors and an embedded store.

use super::*;
use crate::resource::StackInstance;
use formae_runtime::aws::secretsmanager::Secret;
use crate::value::{Output, Sensitive, Template, Value};

fn secret(name: &str, text: Value<Sensitive>) -> Secret {
    Secret { name: Value::Lit(name.into()), secret_string: text, ..Default::default() }
}

fn chain() -> StackInstance {
    let mut s = StackInstance::with_capacity("t", 3);
    s.add("a", &[], secret("a", Value::Lit("x".into())));
    s.add("b", &["a"], secret("b", Value::Template(Template::new().part(&Output::<String>::new("a", "arn")))));
    s.add("c", &[], secret("c", Value::Lit("y".into())));
    s
}

#[test]
fn replacement_deletes_before_creating_and_dependents_wait() {
    let s = chain();
    let mut state = StackState::empty("t");
    state.resources.insert(
        "a".into(),
        RecordedResource { type_name: "AWS::SecretsManager::Secret".into(), cloud_id: "a".into(), props: RecordedProps::default(), outputs: Default::default(), deps: vec![], status: ResourceStatus::Ready, protected: false, region: None },
    );
    let p = crate::plan::plan(&s, &state, crate::plan::Mode::Reconcile, &crate::plan::EnvSecrets).unwrap();
    assert_eq!(p.change("a").map(|c| c.action), Some(Action::Replace), "a's recorded properties differ from its declaration");
    let g = graph(&p);
    let names: Vec<(String, Op, usize)> = g.iter().map(|n| (n.resource.clone(), n.op, n.waits_for)).collect();
    assert_eq!(
        names,
        vec![("a".into(), Op::Delete, 0), ("a".into(), Op::Create, 1), ("b".into(), Op::Create, 1), ("c".into(), Op::Create, 0)]
    );
    assert_eq!(g[0].dependents, vec![1]);
    assert_eq!(g[1].dependents, vec![2]);
}

mod fake {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use crate::resource::StackInstance;
    use std::sync::Mutex;

    use super::*;
    use crate::executor::{Context, Existing, Provider};
    use crate::store::SqliteStore;

    /// A context that reaches no cloud: the fake executors call no one.
    #[derive(Debug, Clone)]
    pub struct Offline {
        pub stack: String,
    }

    impl Context for Offline {
        fn stack(&self) -> &str {
            &self.stack
        }
        fn in_region(&self, _: Option<&str>) -> Self {
            self.clone()
        }
    }

    /// A provider whose one executor serves the secrets the tests declare.
    pub struct Fakes(pub Arc<FakeExec>);

    impl Provider for Fakes {
        type Cx = Offline;
        fn for_stack(&self, _: &StackInstance) -> Self {
            Fakes(Arc::clone(&self.0))
        }
        fn for_plan(&self, _: &Plan) -> Self {
            Fakes(Arc::clone(&self.0))
        }
        fn for_resource(&self, _: &str, type_name: &str, _: &Json) -> Option<Arc<dyn Executor<Offline>>> {
            (type_name == self.0.type_name()).then(|| Arc::clone(&self.0) as Arc<dyn Executor<Offline>>)
        }
    }

    /// Records calls; fails or sleeps per resource name.
    #[derive(Default)]
    pub struct FakeExec {
        pub running: AtomicUsize,
        pub peak: AtomicUsize,
        pub received: Mutex<Vec<(String, Json)>>,
        pub fail: Vec<&'static str>,
        pub slow: Vec<(&'static str, u64)>,
        /// The client token each create was run with.
        pub tokens: Mutex<Vec<(String, Option<String>)>>,
        /// Creates whose (Cloud Control) request ends FAILED.
        pub fail_request: Vec<&'static str>,
    }

    #[async_trait::async_trait]
    impl Executor<Offline> for FakeExec {
        async fn create(&self, _cx: &Offline, name: &str, props: Json) -> Result<Applied, ExecError> {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            let ms = self.slow.iter().find(|(n, _)| *n == name).map_or(20, |(_, ms)| *ms);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            self.running.fetch_sub(1, Ordering::SeqCst);
            self.received.lock().unwrap().push((name.to_owned(), props));
            self.tokens.lock().unwrap().push((name.to_owned(), client_token()));
            if self.fail.contains(&name) {
                return Err(ExecError::Check(format!("{name} refused")));
            }
            if self.fail_request.contains(&name) {
                let failed = |s: &str| s.to_owned();
                let request = crate::RequestFailure { operation: failed("CREATE"), type_name: failed("t"), resource: failed("x"), status: failed("FAILED"), code: failed("NotStabilized"), message: failed("m"), request_token: failed("r") };
                return Err(ExecError::Request(Box::new(request)));
            }
            Ok(Applied {
                cloud_id: format!("id-{name}"),
                outputs: BTreeMap::from([("arn".to_owned(), Json::String(format!("arn:{name}"))), ("name".to_owned(), Json::String(name.to_owned()))]),
            })
        }
        async fn update(&self, cx: &Offline, name: &str, _id: &str, _prior: &Json, props: Json) -> Result<Applied, ExecError> {
            self.create(cx, name, props).await
        }
        async fn delete(&self, _cx: &Offline, _id: &str, _prior: &Json) -> Result<(), ExecError> {
            Ok(())
        }
        async fn exists(&self, _cx: &Offline, _id: &str, _prior: &Json) -> Result<bool, ExecError> {
            Ok(true)
        }
        async fn find(&self, _cx: &Offline, _props: Json) -> Result<Option<Existing>, ExecError> {
            Ok(None)
        }
        async fn read(&self, _cx: &Offline, _id: &str, prior: &Json) -> Result<Option<Json>, ExecError> {
            Ok(Some(prior.clone()))
        }
        fn type_name(&self) -> &'static str {
            "AWS::SecretsManager::Secret"
        }
    }

    pub struct Run {
        pub report: ApplyReport,
        pub events: Vec<Event>,
        pub recorded: StackState,
    }

    struct Log(Mutex<Vec<Event>>);
    impl Observer for Log {
        fn event(&self, e: &Event) {
            self.0.lock().unwrap().push(e.clone());
        }
    }

    pub async fn run(stack: &StackInstance, exec: Arc<FakeExec>, parallelism: usize) -> Run {
        run_journaled(stack, exec, parallelism, &[]).await
    }

    /// A context of `stack` that reaches no cloud, and an empty embedded store of this
    /// test's own.
    pub async fn offline(stack: &str) -> (Offline, SqliteStore) {
        let cx = Offline { stack: stack.to_owned() };
        let dir = std::env::temp_dir().join(format!("formae-engine-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&dir);
        (cx, SqliteStore::open(&dir.join("s.db")).await.unwrap())
    }

    /// [`run`] from a state whose journal holds `journal`, as a killed run leaves it.
    pub async fn run_journaled(stack: &StackInstance, exec: Arc<FakeExec>, parallelism: usize, journal: &[(&str, PendingOp)]) -> Run {
        let (cx, store) = offline(stack.name).await;
        for (name, op) in journal {
            store.put_pending(stack.name, name, op).await.unwrap();
        }
        let state = store.load(stack.name).await.unwrap();
        let plan = crate::plan::plan(stack, &state, crate::plan::Mode::Reconcile, &crate::plan::EnvSecrets).unwrap();
        apply_plan(exec, parallelism, &plan, state, &store, &cx).await
    }

    /// Applies `plan` from `state`, recorded in `store`.
    pub async fn apply_plan(exec: Arc<FakeExec>, parallelism: usize, plan: &Plan, state: StackState, store: &SqliteStore, cx: &Offline) -> Run {
        let executors = Fakes(exec);
        let log = Log(Mutex::new(Vec::new()));
        let report = apply(plan, state, cx, Arc::new(executors), store, &crate::plan::EnvSecrets, ApplyOptions { parallelism, ..Default::default() }, &log)
            .await
            .unwrap();
        let recorded = store.load(&plan.stack).await.unwrap();
        Run { report, events: log.0.into_inner().unwrap(), recorded }
    }
}

fn started(events: &[Event], name: &str) -> Option<usize> {
    events.iter().position(|e| matches!(e, Event::Started { resource, .. } if resource == name))
}
fn finished(events: &[Event], name: &str) -> Option<usize> {
    events.iter().position(|e| matches!(e, Event::Finished { resource, .. } if resource == name))
}

#[tokio::test]
async fn parallelism_is_bounded_and_used() {
    let names: Vec<&'static str> = (0..12).map(|i| &*Box::leak(format!("s{i}").into_boxed_str())).collect();
    let mut s = StackInstance::with_capacity("t", 12);
    for n in &names {
        s.add(n, &[], secret(n, Value::Lit("x".into())));
    }
    let exec = Arc::new(fake::FakeExec::default());
    let run = fake::run(&s, Arc::clone(&exec), 3).await;
    assert!(run.report.succeeded());
    assert_eq!(exec.peak.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(run.recorded.resources.len(), 12);
}

#[tokio::test]
async fn a_resource_starts_when_its_own_dependencies_are_done_not_the_whole_wave() {
    // a -> b, and c alone but slow: b must not wait for c.
    let mut s = chain();
    s.resources.retain(|r| r.name != "c");
    s.add("c", &[], secret("c", Value::Lit("y".into())));
    let exec = Arc::new(fake::FakeExec { slow: vec![("c", 400)], ..Default::default() });
    let run = fake::run(&s, Arc::clone(&exec), 10).await;
    assert!(run.report.succeeded());
    let e = &run.events;
    assert!(finished(e, "b").unwrap() < finished(e, "c").unwrap(), "b waited for c: {e:?}");
    // b got a's real output, resolved when a finished.
    let received = exec.received.lock().unwrap();
    let b = &received.iter().find(|(n, _)| n == "b").unwrap().1;
    assert_eq!(b["secret_string"], "arn:a");
}

#[tokio::test]
async fn after_a_failure_no_dependent_starts_work_in_flight_finishes_and_is_recorded() {
    // a fails; b depends on a; c is independent and still running when a fails.
    let exec = Arc::new(fake::FakeExec { fail: vec!["a"], slow: vec![("c", 300)], ..Default::default() });
    let run = fake::run(&chain(), Arc::clone(&exec), 10).await;
    assert!(!run.report.succeeded());
    assert_eq!(run.report.failed.len(), 1);
    assert_eq!(run.report.failed[0].0, "a");
    assert!(run.report.failed[0].2.contains("a refused"));
    assert_eq!(run.report.not_started.iter().map(|n| n.0.as_str()).collect::<Vec<_>>(), vec!["b"]);
    assert!(started(&run.events, "b").is_none());
    assert!(finished(&run.events, "c").is_some(), "work in flight was abandoned");
    assert_eq!(run.recorded.resources.keys().collect::<Vec<_>>(), vec!["c"]);
    // The failed create stays in the journal with what identifies it; finished work
    // left none.
    assert_eq!(run.recorded.pending.keys().collect::<Vec<_>>(), vec!["a"]);
    let a = &run.recorded.pending["a"];
    assert_eq!((a.op, a.type_name.as_str(), a.cloud_id.as_deref()), (Op::Create, "AWS::SecretsManager::Secret", None));
    assert_eq!(a.identity, serde_json::json!({"name": "a"}));
    assert!(!a.started_at.is_empty());
}

#[tokio::test]
async fn a_create_runs_with_the_token_it_journaled_first_and_a_journaled_one_is_sent_again() {
    let journaled = crate::state::new_client_token();
    let killed = PendingOp { op: Op::Create, type_name: "AWS::SecretsManager::Secret".into(), cloud_id: None, identity: serde_json::json!({"name": "a"}), started_at: String::new(), client_token: Some(journaled.clone()) };
    let exec = Arc::new(fake::FakeExec { fail_request: vec!["c"], ..Default::default() });
    let run = fake::run_journaled(&chain(), Arc::clone(&exec), 1, &[("a", killed)]).await;
    let tokens: BTreeMap<String, Option<String>> = exec.tokens.lock().unwrap().iter().cloned().collect();
    assert_eq!(tokens["a"].as_deref(), Some(journaled.as_str()), "the killed create's token is sent again");
    let fresh = tokens["c"].clone().expect("a create without a journaled token gets a new one");
    assert_ne!(fresh, journaled);
    // c's request ended FAILED: its token is spent, its create stays journaled (for a
    // lookup by identity); a's result cleared its entry.
    assert_eq!(run.recorded.pending.keys().collect::<Vec<_>>(), vec!["c"]);
    assert_eq!((run.recorded.pending["c"].op, run.recorded.pending["c"].client_token.as_deref()), (Op::Create, None));
}

#[tokio::test]
async fn an_apply_sends_what_the_plan_resolved_and_resolves_only_what_it_could_not_hold() {
    // b: a description the plan knows (a's recorded output), a secret it holds only as a
    // hash, and a reference to c, which this apply creates.
    let mut s = StackInstance::with_capacity("t", 3);
    s.add("a", &[], secret("a", Value::Lit("x".into())));
    s.add("c", &[], secret("c", Value::Lit("y".into())));
    let b = Secret {
        description: Some(Value::Template(Template::new().lit("after ").part(&Output::<String>::new("a", "arn")))),
        tags: vec![formae_runtime::aws::Tag { key: Value::Lit("peer".into()), value: Value::Template(Template::new().part(&Output::<String>::new("c", "arn"))) }],
        ..secret("b", Value::Lit("z".into()))
    };
    s.add("b", &["a", "c"], b);
    let mut state = crate::plan::testing::deployed_state(&s);
    state.resources.retain(|n, _| n == "a");
    let plan = crate::plan::plan(&s, &state, crate::plan::Mode::Reconcile, &crate::plan::EnvSecrets).unwrap();
    let after = plan.change("b").and_then(|c| c.after.clone()).unwrap();
    assert_eq!(after.value["description"], "after fake:a.arn");
    assert!(after.unknown.contains_key("/tags/0/value") && after.sensitive.contains("/secret_string"));
    // a's output reads otherwise by the time the plan is applied: what was planned is sent.
    if let Some(a) = state.resources.get_mut("a") {
        a.outputs.insert("arn".into(), Json::String("arn:changed-since".into()));
    }
    // The plan is all the apply is given: the stack it was made from is gone.
    drop(s);
    let (cx, store) = fake::offline("t").await;
    let exec = Arc::new(fake::FakeExec::default());
    let run = fake::apply_plan(Arc::clone(&exec), 1, &plan, state, &store, &cx).await;
    assert!(run.report.succeeded(), "{:?}", run.report.failed);
    let received = exec.received.lock().unwrap();
    let sent = &received.iter().find(|(n, _)| n == "b").unwrap().1;
    assert_eq!(sent["description"], "after fake:a.arn", "the plan's value, not one resolved again");
    assert_eq!(sent["secret_string"], "z", "the secret, which the plan holds only as a hash, is read now");
    assert_eq!(sent["tags"][0]["value"], "arn:c", "what this apply made is filled in");
    // What is recorded is the plan's value completed, the secret as its hash.
    let b = run.recorded.resources["b"].props.value();
    assert_eq!((b["description"].as_str(), b["tags"][0]["value"].as_str()), (Some("after fake:a.arn"), Some("arn:c")));
    assert_eq!(b["secret_string"].as_str(), Some(crate::resolve::secret_hash("z").as_str()));
}

#[tokio::test]
async fn a_plan_read_back_is_refused_until_its_stack_is_attached_then_applies_the_same() {
    // What a file holds: the plan's JSON, without the declarations (a secret's source, a
    // reference not yet known) that only the stack can give back.
    let mut s = StackInstance::with_capacity("t", 2);
    s.add("a", &[], secret("a", Value::Lit("x".into())));
    let b = Secret { description: Some(Value::Template(Template::new().part(&Output::<String>::new("a", "arn")))), ..secret("b", Value::Lit("y".into())) };
    s.add("b", &["a"], b);
    let state = StackState::empty("t");
    let planned = crate::plan::plan(&s, &state, crate::plan::Mode::Reconcile, &crate::plan::EnvSecrets).unwrap();
    let mut read: Plan = serde_json::from_value(serde_json::to_value(&planned).unwrap()).unwrap();
    read.reindex();
    assert!(read.declared.is_none() && read.changes.iter().all(|c| c.declared.is_none()));

    let (cx, store) = fake::offline("t").await;
    let exec = Arc::new(fake::FakeExec::default());
    let executors = Arc::new(fake::Fakes(Arc::clone(&exec)));
    let err = apply(&read, state.clone(), &cx, Arc::clone(&executors), &store, &crate::plan::EnvSecrets, ApplyOptions::default(), &Quiet).await.unwrap_err();
    assert!(matches!(&err, EngineError::Detached(stack) if stack == "t"), "{err}");
    assert!(exec.received.lock().unwrap().is_empty() && store.load("t").await.unwrap().pending.is_empty(), "nothing was started or journaled");

    read.attach(&s);
    // Attached, it holds what the plan made holds of its stack (its secrets, written out
    // as `null`, stay hashes only in the plan made).
    assert_eq!(read.declared, planned.declared);
    assert_eq!(read.changes.iter().map(|c| &c.declared).collect::<Vec<_>>(), planned.changes.iter().map(|c| &c.declared).collect::<Vec<_>>());
    let run = fake::apply_plan(Arc::clone(&exec), 1, &read, state, &store, &cx).await;
    assert!(run.report.succeeded(), "{:?}", run.report.failed);
    let received = exec.received.lock().unwrap();
    let sent = &received.iter().find(|(n, _)| n == "b").unwrap().1;
    assert_eq!((sent["secret_string"].as_str(), sent["description"].as_str()), (Some("y"), Some("arn:a")));
}
