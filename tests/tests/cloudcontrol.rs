//! End-to-end: a type with no executor of its own (`AWS::SQS::Queue`, written here by hand
//! the way the generator writes types) deployed through Cloud Control into the sandbox,
//! where moto carries it out: created with the ownership tags, updated by a patch, drift
//! seen and undone, deleted; a failed request reported with its code and token; and a
//! create killed right after its call recovered by the next run without a second queue.

use std::io::{BufRead, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use formae_macros::stack;
use formae_runtime::deploy::{Refresh, Session};
use formae_runtime::engine::{ApplyOptions, Quiet};
use formae_runtime::exec::{registry, Cx, Target, Timing};
use formae_runtime::plan::DriftKind;
use formae_runtime::store::SqliteStore;
use formae_runtime::testing::build;
use formae_runtime::{Action, Mode};
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::{json, Value as Json};

/// `AWS::SQS::Queue`, as the generator emits a Cloud Control type.
mod sqs {
    use formae_runtime::resource::{CloudControlMeta, Props, Required, Resource, ResourceMeta, Tagging};
    use formae_runtime::{Output, Value};

    /// An SQS queue.
    #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
    pub struct Queue {
        /// The queue's name; the service makes one up when it is not given.
        #[serde(rename = "QueueName", default, skip_serializing_if = "Option::is_none")]
        pub queue_name: Option<Value<String>>,
        /// Seconds a received message stays hidden.
        #[serde(rename = "VisibilityTimeout", default, skip_serializing_if = "Option::is_none")]
        pub visibility_timeout: Option<Value<i64>>,
        /// Seconds every message is delayed.
        #[serde(rename = "DelaySeconds", default, skip_serializing_if = "Option::is_none")]
        pub delay_seconds: Option<Value<i64>>,
        /// Tags.
        #[serde(rename = "Tags", default, skip_serializing_if = "Vec::is_empty")]
        pub tags: Vec<Tag>,
    }

    impl Props for Queue {
        const REQUIRED: &'static [Required] = &[];
    }

    /// A tag.
    #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
    pub struct Tag {
        /// Its key.
        #[serde(rename = "Key", default)]
        pub key: Value<String>,
        /// Its value.
        #[serde(rename = "Value", default)]
        pub value: Value<String>,
    }

    impl Props for Tag {
        const REQUIRED: &'static [Required] = &[
            Required { field: "key", message: "missing required property `key` of `Tag`" },
            Required { field: "value", message: "missing required property `value` of `Tag`" },
        ];
    }

    /// Outputs of a [`Queue`].
    #[derive(Debug, Clone, Copy)]
    pub struct QueueOutputs {
        /// Its ARN.
        pub arn: Output<String>,
        /// Its URL, which Cloud Control knows it by.
        pub queue_url: Output<String>,
    }

    impl Resource for Queue {
        const META: ResourceMeta = ResourceMeta {
            type_name: "AWS::SQS::Queue",
            create_only: &["QueueName"],
            write_only: &[],
            identity: &["QueueName"],
            outputs: &["Arn", "QueueUrl"],
            reruns_when_dependencies_change: false,
            is_check: false,
            unordered: &["Tags"],
            cloud_control: Some(&CloudControlMeta {
                primary_identifier: &["QueueUrl"],
                read_only: &["QueueUrl", "Arn"],
                tagging: Tagging::List("Tags"),
                can_update: true,
                can_list: true,
                timeout_minutes: 5,
                sent_on_update: &[],
            }),
        };
        type Outputs = QueueOutputs;
        fn outputs(name: &'static str) -> QueueOutputs {
            QueueOutputs { arn: Output::new(name, "Arn"), queue_url: Output::new(name, "QueueUrl") }
        }
    }
}

stack! {
    /// One named queue.
    pub stack Jobs = "cc-jobs" {
        /// Seconds a received job stays hidden.
        param visibility: i64 = 30;
        /// The jobs.
        resource jobs = sqs::Queue {
            queue_name: "cc-jobs",
            visibility_timeout: visibility,
            tags: [sqs::Tag { key: "team", value: "platform" }],
        };
        /// Where jobs are sent.
        output jobs_url: String = jobs.queue_url;
        /// What policies name.
        output jobs_arn: String = jobs.arn;
    }
}

stack! {
    /// One queue the service names: nothing but the request's token tells a retry of its
    /// create from a second create.
    pub stack Unnamed = "cc-unnamed" {
        /// The work.
        resource work = sqs::Queue { delay_seconds: 2 };
    }
}

/// The queue Cloud Control knows by `url`, as it reads it; `None` once it is gone.
async fn read(cx: &Cx, url: &str) -> Option<Json> {
    formae_tests::cloud::read(cx, "AWS::SQS::Queue", url).await
}

fn tag(model: &Json, key: &str) -> Option<String> {
    model["Tags"].as_array()?.iter().find(|t| t["Key"] == key).and_then(|t| t["Value"].as_str()).map(str::to_owned)
}

/// Every queue in the sandbox, by URL, with its model.
async fn queues(cx: &Cx) -> Vec<(String, Json)> {
    let out = cx.cloudcontrol.list_resources().type_name("AWS::SQS::Queue").send().await.expect("ListResources");
    out.resource_descriptions()
        .iter()
        .map(|d| (d.identifier().unwrap_or_default().to_owned(), serde_json::from_str(d.properties().unwrap_or("{}")).expect("a model is JSON")))
        .collect()
}

/// Cloud Control calls the sandbox counted that change something.
fn writes(calls: &Json, op: &str) -> u64 {
    calls[format!("cloudcontrolapi:{op}")].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_control_type_is_created_updated_drift_checked_and_deleted() {
    let env = Env::start("cloudcontrol", Delays::default()).await;
    // Requests take a moment, as on AWS: the executor follows them.
    env.sandbox.configure(r#"{"cloudcontrol_delay": 0.3}"#).unwrap();
    let stack = build(&Jobs::ENTRY, &[]);
    let (plan, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 1);
    let rec = &report.state.resources["jobs"];
    let url = rec.cloud_id.clone();
    assert!(url.ends_with("/123456789012/cc-jobs"), "the identifier Cloud Control returns: {url}");
    assert_eq!(rec.outputs["QueueUrl"], url.as_str());
    assert_eq!(rec.outputs["Arn"], "arn:aws:sqs:us-east-1:123456789012:cc-jobs");
    assert_eq!((report.outputs["jobs_url"].as_str(), report.outputs["jobs_arn"].as_str()), (Some(url.as_str()), rec.outputs["Arn"].as_str()));

    // As the cloud has it: the properties, the stack's tag and the ownership tags.
    let model = read(&env.cx, &url).await.expect("the queue exists");
    assert_eq!((model["QueueName"].as_str(), model["VisibilityTimeout"].as_i64()), (Some("cc-jobs"), Some(30)));
    assert_eq!(tag(&model, "team").as_deref(), Some("platform"));
    assert_eq!(tag(&model, "formae:stack").as_deref(), Some("cc-jobs"));
    assert_eq!(tag(&model, "formae:resource").as_deref(), Some("jobs"));

    // Again: the refresh sees no drift (defaults and ownership tags are not changes), and
    // nothing is changed.
    env.sandbox.clear_calls().unwrap();
    let (plan, _) = env.deploy(&stack, Mode::Reconcile).await;
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);
    assert_eq!(plan.change("jobs").map(|c| c.action), Some(Action::NoOp));
    let calls = env.sandbox.calls().unwrap();
    assert_eq!(["CreateResource", "UpdateResource", "DeleteResource"].map(|op| writes(&calls, op)), [0, 0, 0], "{calls}");

    // One property changed: one UpdateResource, in place.
    let changed = build(&Jobs::ENTRY, &["visibility=45"]);
    env.sandbox.clear_calls().unwrap();
    let (plan, report) = env.deploy(&changed, Mode::Reconcile).await;
    assert_eq!(plan.change("jobs").map(|c| c.action), Some(Action::Update));
    assert_eq!(writes(&env.sandbox.calls().unwrap(), "UpdateResource"), 1);
    assert_eq!(report.state.resources["jobs"].cloud_id, url, "updated in place");
    let model = read(&env.cx, &url).await.expect("the queue exists");
    assert_eq!(model["VisibilityTimeout"].as_i64(), Some(45));
    assert_eq!(tag(&model, "formae:resource").as_deref(), Some("jobs"), "the patch left the tags alone");

    // Changed outside formae: the refresh shows it, and a deploy undoes it.
    let patch = json!([{"op": "replace", "path": "/VisibilityTimeout", "value": 99}]).to_string();
    let out = env.cx.cloudcontrol.update_resource().type_name("AWS::SQS::Queue").identifier(&url).patch_document(patch).send().await.unwrap();
    let token = out.progress_event.and_then(|e| e.request_token).unwrap();
    for _ in 0..50 {
        let ev = env.cx.cloudcontrol.get_resource_request_status().request_token(&token).send().await.unwrap().progress_event.unwrap();
        if ev.operation_status().map(|s| s.as_str()) == Some("SUCCESS") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(read(&env.cx, &url).await.unwrap()["VisibilityTimeout"].as_i64(), Some(99));
    let plan = env.plan(&changed, Mode::Reconcile).await;
    let drift: Vec<(&str, &DriftKind)> = plan.drift.iter().map(|d| (d.resource.as_str(), &d.kind)).collect();
    assert!(
        matches!(drift.as_slice(), [("jobs", DriftKind::Changed(fields))] if fields.iter().map(|f| f.path.as_str()).eq(["VisibilityTimeout"])),
        "{drift:?}"
    );
    assert_eq!(plan.change("jobs").map(|c| c.action), Some(Action::Update));
    env.deploy(&changed, Mode::Reconcile).await;
    assert_eq!(read(&env.cx, &url).await.unwrap()["VisibilityTimeout"].as_i64(), Some(45));

    // Deleted: gone from the cloud and from the record.
    let (plan, report) = env.destroy("cc-jobs").await;
    assert_eq!(plan.summary.destroy, 1);
    assert!(report.state.resources.is_empty());
    assert!(read(&env.cx, &url).await.is_none(), "the queue is still there");
    // Deleting what is gone is done: Cloud Control's FAILED NotFound counts as deleted.
    let bare = registry().get("AWS::SQS::Queue").expect("a bare executor for a registry type");
    bare.delete(&env.cx, &url, &json!({})).await.expect("a delete of what is gone succeeds");
    assert!(!bare.exists(&env.cx, &url, &json!({})).await.unwrap());
    env.sandbox.assert_conformant();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_is_reported_with_its_code_and_token_and_the_next_run_starts_afresh() {
    let env = Env::start("cloudcontrol-failed", Delays::default()).await;
    // The next mutating request ends FAILED (Throttling or ServiceInternalError).
    env.sandbox.configure(r#"{"cloudcontrol_fail": 1}"#).unwrap();
    let stack = build(&Jobs::ENTRY, &[]);
    let (_, report) = env.try_deploy(&stack, Mode::Reconcile, ApplyOptions::default()).await;
    let [(name, _, error)] = report.failed.as_slice() else { panic!("one failure expected: {:?}", report.failed) };
    assert_eq!(name, "jobs");
    assert!(error.starts_with("Cloud Control CREATE of AWS::SQS::Queue"), "{error}");
    assert!(error.contains("ended FAILED: Throttling: ") || error.contains("ended FAILED: ServiceInternalError: "), "{error}");
    assert!(error.contains("(request token "), "{error}");
    // The failed request's token is spent: the journal keeps the create, without it.
    let state = env.store.load("cc-jobs").await.unwrap();
    assert_eq!(state.pending["jobs"].client_token, None);
    // So the next run sends a new request (the old token would only replay the failure).
    let (_, report) = env.deploy(&stack, Mode::Reconcile).await;
    let url = &report.state.resources["jobs"].cloud_id;
    assert!(read(&env.cx, url).await.is_some());
    assert!(env.store.load("cc-jobs").await.unwrap().pending.is_empty());
}

/// The deploy the drill kills, run as a process of its own: this test binary again, told
/// by `FORMAE_CC_DRILL` (`ENDPOINT|STATE_DB`) what to deploy into; it reads a line from
/// stdin first, so the drill can arm the kill with its pid. Without the variable it is
/// not part of a drill and does nothing.
#[tokio::test]
#[ignore = "run by a_create_killed_after_its_call_is_recovered_by_the_next_run_without_a_second_resource"]
async fn drill_child() {
    let Ok(spec) = std::env::var("FORMAE_CC_DRILL") else { return };
    let (endpoint, db) = spec.split_once('|').expect("ENDPOINT|STATE_DB");
    let instance = build(&Unnamed::ENTRY, &[]);
    let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(endpoint.to_owned()), dummy_credentials: true };
    let timing = Timing { poll: Duration::from_millis(50), ..Timing::default() };
    let cx = Cx::new(instance.name, &target, timing).await;
    let store = SqliteStore::open(db.as_ref()).await.expect("the state store opens");
    let secrets = formae_runtime::plan::EnvSecrets;
    let session = Session { cx: &cx, store: &store, secrets: &secrets, executors: Arc::new(registry()) };
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    let (state, plan) = session.plan(&instance, Mode::Reconcile, Refresh::Cloud).await.expect("planning works");
    let report = session.apply(state, &plan, ApplyOptions::default(), &Quiet).await.expect("the engine runs");
    assert!(report.succeeded(), "{:?}", report.failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_killed_after_its_call_is_recovered_by_the_next_run_without_a_second_resource() {
    let env = Env::start("cloudcontrol-crash", Delays::default()).await;
    // The create is still under way when the next run starts.
    env.sandbox.configure(r#"{"cloudcontrol_delay": 2}"#).unwrap();
    let db = env.sandbox.dir.join("state.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "drill_child", "--ignored", "--nocapture"])
        .env("FORMAE_CC_DRILL", format!("{}|{}", env.sandbox.endpoint, db.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the deploy process starts");
    // Killed once CreateResource is carried out, before its answer arrives.
    env.sandbox.arm_kill(1, child.id()).unwrap();
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "the deploy was not killed ({status})");
    assert_eq!(writes(&env.sandbox.calls().unwrap(), "CreateResource"), 1);

    // The journal holds the create with the token it sent; nothing is recorded.
    let state = env.store.load("cc-unnamed").await.unwrap();
    assert!(state.resources.is_empty());
    let token = state.pending["work"].client_token.clone().expect("the create's token was journaled before the call");

    // The next run sends the same token, and Cloud Control answers with the first request.
    let (_, report) = env.deploy(&build(&Unnamed::ENTRY, &[]), Mode::Reconcile).await;
    assert_eq!(writes(&env.sandbox.calls().unwrap(), "CreateResource"), 2, "the create was sent again");
    let ours: Vec<(String, Json)> = queues(&env.cx).await.into_iter().filter(|(_, m)| tag(m, "formae:stack").as_deref() == Some("cc-unnamed")).collect();
    assert_eq!(ours.len(), 1, "one queue, not two: {ours:?}");
    let (url, model) = &ours[0];
    assert_eq!(&report.state.resources["work"].cloud_id, url);
    assert_eq!(tag(model, "formae:resource").as_deref(), Some("work"));
    assert_eq!(model["DelaySeconds"].as_i64(), Some(2));
    let requests = env.cx.cloudcontrol.list_resource_requests().send().await.unwrap();
    let creates: Vec<_> = requests.resource_request_status_summaries().iter().filter(|r| r.operation().map(|o| o.as_str()) == Some("CREATE")).collect();
    assert_eq!(creates.len(), 1, "one request, answered twice: {creates:?}");
    assert!(env.store.load("cc-unnamed").await.unwrap().pending.is_empty(), "the journal was not cleared");
    assert!(!token.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_made_outside_formae_is_found_by_its_name_refused_and_adopted_when_asked() {
    let env = Env::start("cloudcontrol-adopt", Delays::default()).await;
    // Made by hand: the name the stack declares, another visibility, no tags.
    let desired = json!({"QueueName": "cc-jobs", "VisibilityTimeout": 10}).to_string();
    let out = env.cx.cloudcontrol.create_resource().type_name("AWS::SQS::Queue").desired_state(desired).send().await.unwrap();
    let token = out.progress_event.and_then(|e| e.request_token).unwrap();
    let mut url = None;
    for _ in 0..50 {
        let ev = env.cx.cloudcontrol.get_resource_request_status().request_token(&token).send().await.unwrap().progress_event.unwrap();
        if ev.operation_status().map(|s| s.as_str()) == Some("SUCCESS") {
            url = ev.identifier;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = url.expect("the hand-made queue was created");

    // The service names it by URL; the lookup lists the queues and matches the name.
    let stack = build(&Jobs::ENTRY, &[]);
    let (_, report) = env.try_deploy(&stack, Mode::Reconcile, ApplyOptions::default()).await;
    let [(name, _, error)] = report.failed.as_slice() else { panic!("one refusal expected: {:?}", report.failed) };
    assert_eq!(name, "jobs");
    assert!(error.contains(&format!("AWS::SQS::Queue `{url}` already exists and was not created by this stack")), "{error}");
    assert_eq!(read(&env.cx, &url).await.unwrap()["VisibilityTimeout"].as_i64(), Some(10), "a refusal changes nothing");

    // Adopted when asked: brought to the declaration in place, with the ownership tags.
    let (_, report) = env.try_deploy(&stack, Mode::Reconcile, ApplyOptions { adopt: true, ..Default::default() }).await;
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(report.state.resources["jobs"].cloud_id, url);
    let model = read(&env.cx, &url).await.unwrap();
    assert_eq!(model["VisibilityTimeout"].as_i64(), Some(30));
    assert_eq!((tag(&model, "formae:resource").as_deref(), tag(&model, "team").as_deref()), (Some("jobs"), Some("platform")));
    assert_eq!(queues(&env.cx).await.len(), 1, "adopted, not made again");
    // From now on it is ours: nothing to do.
    let plan = env.plan(&stack, Mode::Reconcile).await;
    assert!(!plan.has_changes() && plan.drift.is_empty(), "{:?} {:?}", plan.changes, plan.drift);
}
