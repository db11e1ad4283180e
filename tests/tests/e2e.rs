//! End-to-end: the flagship deployed into the sandbox through the real SDK, checked with
//! independent SDK reads; redeployed without a single AWS call; changed in place and by
//! replacement; trimmed in reconcile and patch mode; destroyed without a trace.

use formae_macros::stack;
use formae_runtime::prelude::*;
use formae_runtime::resource::split_params;
use formae_runtime::deploy::Refresh;
use formae_runtime::plan::DriftKind;
use formae_runtime::{Action, Mode, StackInstance};
use formae_stacks::EcsExpressAgent;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::Value as Json;

fn flagship(params: &[&str]) -> StackInstance {
    let args: Vec<String> = params.iter().map(|s| (*s).to_owned()).collect();
    (EcsExpressAgent::ENTRY.build)(&split_params(&args).unwrap()).unwrap()
}

fn output(report: &formae_runtime::engine::ApplyReport, resource: &str, attr: &str) -> String {
    report.state.resources[resource].outputs[attr].as_str().unwrap_or_default().to_owned()
}

/// IAM hands policy documents back URL-encoded.
fn policy(doc: &str) -> Json {
    formae_tests::cloud::iam_policy(doc)
}

fn mutating(calls: &Json) -> Vec<String> {
    calls
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !["Describe", "Get", "List", "Execute"].iter().any(|p| k.split(':').nth(1).unwrap_or("").starts_with(p)))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flagship_deploys_completely_and_redeploys_without_a_call() {
    let env = Env::start("deploy", Delays { cluster: 1.0, instance: 1.0, service: 1.0 }).await;
    let stack = flagship(&[]);
    let (plan, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 10);
    let cluster_arn = output(&report, "db_cluster", "DBClusterArn");
    let creds_arn = output(&report, "db_creds", "Id");
    let config_arn = output(&report, "config", "Id");
    assert!(cluster_arn.starts_with("arn:aws:rds:us-east-1:123456789012:cluster:formae-db"), "{cluster_arn}");

    // The cluster: Serverless v2 scaling, Data API, the engine.
    let c = env.cx.rds.describe_db_clusters().db_cluster_identifier("formae-db").send().await.unwrap();
    let c = &c.db_clusters.unwrap()[0];
    assert_eq!(c.engine.as_deref(), Some("aurora-postgresql"));
    assert_eq!(c.engine_version.as_deref(), Some("16.4"));
    assert_eq!(c.http_endpoint_enabled, Some(true));
    let scaling = c.serverless_v2_scaling_configuration.as_ref().unwrap();
    assert_eq!((scaling.min_capacity, scaling.max_capacity), (Some(0.5), Some(2.0)));
    assert_eq!(c.master_username.as_deref(), Some("postgres"));

    // The instance, in the cluster.
    let i = env.cx.rds.describe_db_instances().db_instance_identifier("formae-db-instance").send().await.unwrap();
    let i = &i.db_instances.unwrap()[0];
    assert_eq!(i.db_cluster_identifier.as_deref(), Some("formae-db"));
    assert_eq!(i.db_instance_class.as_deref(), Some("db.serverless"));

    // The database, in the real PostgreSQL behind the Data API.
    assert_eq!(env.sandbox.inventory().unwrap()["databases"], serde_json::json!(["formae"]));

    // The credentials secret and the config secret, holding the real ARNs.
    let creds = env.cx.secrets.get_secret_value().secret_id("formae-db-creds").send().await.unwrap();
    let creds: Json = serde_json::from_str(creds.secret_string().unwrap()).unwrap();
    assert_eq!(creds["username"], "postgres");
    let password = creds["password"].as_str().unwrap().to_owned();
    assert!(password.len() >= 16);
    let config = env.cx.secrets.get_secret_value().secret_id("formae-config").send().await.unwrap();
    let config = config.secret_string().unwrap();
    assert!(config.contains(r#"datastoreType = "auroradataapi""#), "{config}");
    assert!(config.contains(&format!(r#"clusterArn = "{cluster_arn}""#)), "{config}");
    assert!(config.contains(&format!(r#"secretArn = "{creds_arn}""#)), "{config}");
    assert!(config.contains(r#"database = "formae""#) && config.contains(r#"region = "us-east-1""#), "{config}");

    // The three roles: trust policies, attachments, inline policies naming the real ARNs.
    let mut role_arns = Vec::new();
    for (role, principal, managed) in [
        ("ecsTaskExecutionRole", "ecs-tasks.amazonaws.com", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
        ("ecsInfrastructureRoleForExpressServices", "ecs.amazonaws.com", "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices"),
        ("formae-ecs-task-role", "ecs-tasks.amazonaws.com", "arn:aws:iam::aws:policy/PowerUserAccess"),
    ] {
        let r = env.cx.iam.get_role().role_name(role).send().await.unwrap().role.unwrap();
        let trust = policy(r.assume_role_policy_document().unwrap());
        assert_eq!(trust["Statement"][0]["Principal"]["Service"], principal, "{role}");
        assert_eq!(trust["Statement"][0]["Action"], "sts:AssumeRole", "{role}");
        let attached = env.cx.iam.list_attached_role_policies().role_name(role).send().await.unwrap();
        let attached: Vec<String> = attached.attached_policies().iter().filter_map(|p| p.policy_arn.clone()).collect();
        assert_eq!(attached, vec![managed.to_owned()], "{role}");
        role_arns.push(r.arn);
    }
    let exec_policy = env.cx.iam.get_role_policy().role_name("ecsTaskExecutionRole").policy_name("formae-secrets-access").send().await.unwrap();
    let exec_policy = policy(&exec_policy.policy_document);
    assert_eq!(exec_policy["Statement"][0]["Action"], "secretsmanager:GetSecretValue");
    assert_eq!(exec_policy["Statement"][0]["Resource"], config_arn.as_str());
    let task_policy = env.cx.iam.get_role_policy().role_name("formae-ecs-task-role").policy_name("formae-data-api").send().await.unwrap();
    let task_policy = policy(&task_policy.policy_document);
    assert_eq!(task_policy["Statement"][0]["Resource"], cluster_arn.as_str());
    assert_eq!(task_policy["Statement"][0]["Action"].as_array().unwrap().len(), 4);
    assert_eq!(task_policy["Statement"][1]["Resource"], creds_arn.as_str());

    // The express service: its roles, container, secret, command, health path, size.
    let svc_arn = output(&report, "agent", "ServiceArn");
    // Tags come back only when asked for, as on AWS.
    let tags = aws_sdk_ecs::types::ExpressGatewayServiceInclude::Tags;
    let svc = env.cx.ecs.describe_express_gateway_service().service_arn(&svc_arn).include(tags).send().await.unwrap().service.unwrap();
    assert_eq!(svc.infrastructure_role_arn.as_deref(), Some(role_arns[1].as_str()));
    let active = &svc.active_configurations()[0];
    assert_eq!(active.execution_role_arn.as_deref(), Some(role_arns[0].as_str()));
    assert_eq!(active.task_role_arn.as_deref(), Some(role_arns[2].as_str()));
    assert_eq!(active.health_check_path.as_deref(), Some("/api/v1/health"));
    assert_eq!((active.cpu.as_deref(), active.memory.as_deref()), (Some("1024"), Some("2048")));
    let c = active.primary_container.as_ref().unwrap();
    assert_eq!(c.image, "ghcr.io/platform-engineering-labs/formae:latest");
    assert_eq!(c.container_port, Some(49684));
    assert_eq!(c.secrets()[0].name, "FORMAE_CONFIG");
    assert_eq!(c.secrets()[0].value_from, config_arn);
    assert_eq!(c.command()[2], "printenv FORMAE_CONFIG > /tmp/formae.conf.pkl && formae agent start --config /tmp/formae.conf.pkl");

    // The verify step passed, and the URL answers.
    assert_eq!(report.state.resources["health"].outputs["status"], 200);
    let url = report.outputs["service_url"].as_str().unwrap().to_owned();
    let health = env.cx.http.get(format!("{url}/api/v1/health")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);

    // Every taggable resource carries ownership tags: the stack and the resource's name.
    let owned = |tags: Vec<(String, String)>, resource: &str| {
        assert!(tags.contains(&("formae:stack".into(), "ecs-express-agent".into())), "{resource}: {tags:?}");
        assert!(tags.contains(&("formae:resource".into(), resource.into())), "{resource}: {tags:?}");
    };
    let secret = env.cx.secrets.describe_secret().secret_id("formae-db-creds").send().await.unwrap();
    owned(secret.tags().iter().map(|t| (t.key().unwrap_or("").into(), t.value().unwrap_or("").into())).collect(), "db_creds");
    let role = env.cx.iam.list_role_tags().role_name("formae-ecs-task-role").send().await.unwrap();
    owned(role.tags().iter().map(|t| (t.key().into(), t.value().into())).collect(), "task_role");
    let cluster_tags = env.cx.rds.list_tags_for_resource().resource_name(&cluster_arn).send().await.unwrap();
    owned(cluster_tags.tag_list().iter().map(|t| (t.key().unwrap_or("").into(), t.value().unwrap_or("").into())).collect(), "db_cluster");
    owned(svc.tags().iter().map(|t| (t.key().unwrap_or("").into(), t.value().unwrap_or("").into())).collect(), "agent");

    // No secret in recorded state.
    let state_file = std::fs::read(env.sandbox.dir.join("state.db")).unwrap();
    assert!(!String::from_utf8_lossy(&state_file).contains(&password), "the password is in the state file");

    // Again: from the record alone, an empty plan and not one AWS call; refreshed, an
    // empty plan, no drift, and reads only.
    env.sandbox.clear_calls().unwrap();
    let again = env.plan_with(&stack, Mode::Reconcile, Refresh::RecordOnly).await;
    assert!(!again.has_changes() && !again.refreshed);
    assert_eq!(env.sandbox.calls().unwrap(), serde_json::json!({}));
    let (plan2, report2) = env.deploy(&stack, Mode::Reconcile).await;
    assert!(plan2.refreshed && plan2.drift.is_empty() && !plan2.has_changes(), "{:?}", plan2.drift);
    assert!(report2.done.is_empty());
    let calls = env.sandbox.calls().unwrap();
    assert!(mutating(&calls).is_empty(), "a no-op redeploy wrote: {calls}");
    assert!(calls.as_object().is_some_and(|c| !c.is_empty()), "the refresh read nothing");
    // Every answer of the sandbox's own operations was one AWS could give.
    env.sandbox.assert_conformant();
}

/// Changes made by hand in the cloud (a secret deleted, a value edited, a policy
/// detached, a capacity changed) are shown apart from changes in the code, and a deploy
/// in reconcile mode restores the declaration and recreates what is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_made_drift_is_shown_and_repaired() {
    let env = Env::start("drift", Delays::default()).await;
    let stack = flagship(&[]);
    env.deploy(&stack, Mode::Reconcile).await;

    env.cx.secrets.delete_secret().secret_id("formae-config").force_delete_without_recovery(true).send().await.unwrap();
    env.cx.secrets.put_secret_value().secret_id("formae-db-creds").secret_string(r#"{"username":"postgres","password":"typed-by-hand"}"#).send().await.unwrap();
    env.cx.iam.detach_role_policy().role_name("formae-ecs-task-role").policy_arn("arn:aws:iam::aws:policy/PowerUserAccess").send().await.unwrap();
    let scaling = |min: f64, max: f64| aws_sdk_rds::types::ServerlessV2ScalingConfiguration::builder().min_capacity(min).max_capacity(max).build();
    env.cx.rds.modify_db_cluster().db_cluster_identifier("formae-db").serverless_v2_scaling_configuration(scaling(0.5, 8.0)).apply_immediately(true).send().await.unwrap();

    // From the record alone nothing shows.
    assert!(!env.plan_with(&stack, Mode::Reconcile, Refresh::RecordOnly).await.has_changes());

    let plan = env.plan(&stack, Mode::Reconcile).await;
    let drift: Vec<(String, String)> = plan
        .drift
        .iter()
        .map(|d| match &d.kind {
            DriftKind::Deleted => (d.resource.clone(), "deleted".to_owned()),
            DriftKind::Changed(f) => (d.resource.clone(), f.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(",")),
        })
        .collect();
    let expected = [("config", "deleted"), ("db_cluster", "ServerlessV2ScalingConfiguration"), ("db_creds", "SecretString"), ("task_role", "ManagedPolicyArns")];
    assert_eq!(drift, expected.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec());
    assert_eq!(plan.change("config").unwrap().action, Action::Create);
    assert_eq!(plan.change("config").unwrap().reason.as_deref(), Some("it was deleted outside formae"));
    for r in ["db_cluster", "db_creds", "task_role"] {
        assert_eq!(plan.change(r).unwrap().action, Action::Update, "{r}");
        assert_eq!(plan.change(r).unwrap().reason.as_deref(), Some("it was changed outside formae"), "{r}");
    }
    // The new config secret has a new ARN: what refers to it follows in place.
    assert_eq!(plan.change("execution_role").unwrap().action, Action::Update);
    assert_eq!(plan.change("agent").unwrap().action, Action::Update);
    let text = formae_runtime::plan::render_text(&plan, Default::default());
    for line in ["Note: objects have changed outside of formae", "# config has been deleted", "# task_role has changed", "# db_creds has changed", "+ \"arn:aws:iam::aws:policy/PowerUserAccess\""] {
        assert!(text.contains(line), "`{line}` missing from:\n{text}");
    }
    let json = serde_json::to_string(&plan).unwrap();
    assert!(!text.contains("typed-by-hand") && !json.contains("typed-by-hand") && !json.contains("sha256:"), "a secret or its hash is in the plan");

    let (_, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert!(report.succeeded());
    let after = env.plan(&stack, Mode::Reconcile).await;
    assert!(after.drift.is_empty() && !after.has_changes(), "{:?} {:?}", after.drift, after.summary);
    assert!(env.cx.secrets.describe_secret().secret_id("formae-config").send().await.is_ok());
    let creds = env.cx.secrets.get_secret_value().secret_id("formae-db-creds").send().await.unwrap();
    assert!(!creds.secret_string().unwrap().contains("typed-by-hand"));
    let attached = env.cx.iam.list_attached_role_policies().role_name("formae-ecs-task-role").send().await.unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    let cluster = env.cx.rds.describe_db_clusters().db_cluster_identifier("formae-db").send().await.unwrap();
    let s = cluster.db_clusters()[0].serverless_v2_scaling_configuration().unwrap();
    assert_eq!((s.min_capacity(), s.max_capacity()), (Some(0.5), Some(2.0)));
    let inventory = env.sandbox.inventory().unwrap();
    assert_eq!(inventory["secrets"], serde_json::json!(["formae-config", "formae-db-creds"]));
}

/// A change made in the cloud that no plan has shown is not overwritten: an update
/// planned from the record alone re-reads the cluster, finds a capacity edited by hand,
/// and refuses; `--force` overwrites it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unseen_change_is_not_overwritten_without_force() {
    let env = Env::start("unseen", Delays::default()).await;
    env.deploy(&flagship(&[]), Mode::Reconcile).await;
    let scaling = aws_sdk_rds::types::ServerlessV2ScalingConfiguration::builder().min_capacity(1.0).max_capacity(2.0).build();
    env.cx.rds.modify_db_cluster().db_cluster_identifier("formae-db").serverless_v2_scaling_configuration(scaling).apply_immediately(true).send().await.unwrap();
    let live = |env: &Env| {
        let rds = env.cx.rds.clone();
        async move {
            let c = rds.describe_db_clusters().db_cluster_identifier("formae-db").send().await.unwrap();
            let s = c.db_clusters()[0].serverless_v2_scaling_configuration().unwrap().clone();
            (s.min_capacity(), s.max_capacity())
        }
    };

    let bigger = flagship(&["max_capacity=4"]);
    let (_, report) = env.try_deploy_with(&bigger, Mode::Reconcile, Refresh::RecordOnly, Default::default()).await;
    let refused = report.failed.iter().find(|f| f.0 == "db_cluster").expect("the cluster's update was refused");
    assert!(refused.2.contains("ServerlessV2ScalingConfiguration changed outside formae") && refused.2.contains("--force"), "{}", refused.2);
    assert_eq!(live(&env).await, (Some(1.0), Some(2.0)), "the hand-made change was overwritten");

    let force = formae_runtime::engine::ApplyOptions { force: true, ..Default::default() };
    let (_, report) = env.try_deploy_with(&bigger, Mode::Reconcile, Refresh::RecordOnly, force).await;
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(live(&env).await, (Some(0.5), Some(4.0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updatable_change_updates_in_place_and_create_only_change_replaces() {
    let env = Env::start("change", Delays::default()).await;
    let (_, first) = env.deploy(&flagship(&[]), Mode::Reconcile).await;
    let svc_arn = output(&first, "agent", "ServiceArn");

    // cpu and memory: the service is updated in place, same ARN.
    env.sandbox.clear_calls().unwrap();
    let (plan, report) = env.deploy(&flagship(&["cpu=2048", "memory=4096"]), Mode::Reconcile).await;
    assert_eq!(plan.change("agent").unwrap().action, Action::Update);
    // The health check runs again against the updated service (it calls no AWS API).
    assert_eq!(plan.change("health").unwrap().action, Action::Update);
    assert_eq!((plan.summary.add, plan.summary.change, plan.summary.destroy), (0, 2, 0));
    assert_eq!(output(&report, "agent", "ServiceArn"), svc_arn);
    let svc = env.cx.ecs.describe_express_gateway_service().service_arn(&svc_arn).send().await.unwrap().service.unwrap();
    assert_eq!(svc.active_configurations()[0].cpu.as_deref(), Some("2048"));
    // One request to Cloud Control, which carries it out as ECS's update.
    assert_eq!(mutating(&env.sandbox.calls().unwrap()), vec!["cloudcontrolapi:UpdateResource".to_owned()]);

    // The cluster identifier is create-only: cluster, instance and database are replaced,
    // the config and the task role follow the new ARN in place.
    let (plan, report) = env.deploy(&flagship(&["cpu=2048", "memory=4096", "db_cluster_id=formae-db-2"]), Mode::Reconcile).await;
    for r in ["db_cluster", "db_instance", "database"] {
        assert_eq!(plan.change(r).unwrap().action, Action::Replace, "{r}");
    }
    assert_eq!(plan.change("config").unwrap().action, Action::Update);
    let new_arn = output(&report, "db_cluster", "DBClusterArn");
    assert!(new_arn.ends_with(":cluster:formae-db-2"), "{new_arn}");
    let clusters = env.cx.rds.describe_db_clusters().send().await.unwrap();
    let ids: Vec<String> = clusters.db_clusters().iter().filter_map(|c| c.db_cluster_identifier.clone()).collect();
    assert_eq!(ids, vec!["formae-db-2".to_owned()]);
    let config = env.cx.secrets.get_secret_value().secret_id("formae-config").send().await.unwrap();
    assert!(config.secret_string().unwrap().contains(&new_arn));
    assert!(!env.plan(&flagship(&["cpu=2048", "memory=4096", "db_cluster_id=formae-db-2"]), Mode::Reconcile).await.has_changes());
}

stack! {
    /// Two secrets; the edited version below drops the second.
    pub stack Pair = "pair" {
        resource keep = Secret { name: "pair-keep", secret_string: SecretSource::env("PAIR_SECRET") };
        resource extra = Secret { name: "pair-extra", secret_string: template!("after {keep.name}") };
    }
}

stack! {
    /// The same stack with `extra` removed.
    pub stack PairTrimmed = "pair" {
        resource keep = Secret { name: "pair-keep", secret_string: SecretSource::env("PAIR_SECRET") };
    }
}

async fn secret_names(env: &Env) -> Vec<String> {
    let list = env.cx.secrets.list_secrets().send().await.unwrap();
    let mut names: Vec<String> = list.secret_list().iter().filter_map(|s| s.name.clone()).collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_resource_is_deleted_by_reconcile_and_kept_by_patch() {
    let env = Env::start("modes", Delays::default()).await;
    env.deploy(&Pair::new(PairParams::default()).instance(), Mode::Reconcile).await;
    let trimmed = PairTrimmed::new(PairTrimmedParams::default()).instance();

    let (plan, _) = env.deploy(&trimmed, Mode::Patch).await;
    assert_eq!(plan.kept, vec!["extra".to_owned()]);
    assert_eq!(secret_names(&env).await, vec!["pair-extra", "pair-keep"]);

    let (plan, _) = env.deploy(&trimmed, Mode::Reconcile).await;
    assert_eq!(plan.change("extra").unwrap().action, Action::Delete);
    assert_eq!(secret_names(&env).await, vec!["pair-keep"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_leaves_nothing_of_the_stack() {
    let env = Env::start("destroy", Delays { cluster: 0.5, instance: 0.5, service: 0.5 }).await;
    env.deploy(&flagship(&[]), Mode::Reconcile).await;
    let (plan, report) = env.destroy("ecs-express-agent").await;
    assert_eq!(plan.summary.destroy, 10);
    assert!(report.state.resources.is_empty());
    assert!(env.store_is_empty("ecs-express-agent").await);

    let inv = env.sandbox.inventory().unwrap();
    assert_eq!(inv["clusters"], serde_json::json!([]));
    assert_eq!(inv["instances"], serde_json::json!([]));
    assert_eq!(inv["databases"], serde_json::json!([]));
    assert!(inv["express_services"].as_array().unwrap().iter().all(|s| s["status"] == "INACTIVE"), "{inv}");
    assert!(env.cx.rds.describe_db_clusters().send().await.unwrap().db_clusters().is_empty());
    assert!(env.cx.rds.describe_db_instances().send().await.unwrap().db_instances().is_empty());
    assert!(secret_names(&env).await.is_empty());
    let roles = env.cx.iam.list_roles().send().await.unwrap();
    let ours: Vec<&str> = roles.roles().iter().map(|r| r.role_name()).filter(|n| n.starts_with("ecs") || n.starts_with("formae")).collect();
    assert!(ours.is_empty(), "{ours:?}");
}

trait StoreCheck {
    async fn store_is_empty(&self, stack: &str) -> bool;
}

impl StoreCheck for Env {
    async fn store_is_empty(&self, stack: &str) -> bool {
        self.store.load(stack).await.unwrap().resources.is_empty()
    }
}

/// A quarter of all AWS calls answered with a throttle or a 500 (chosen by a fixed seed):
/// the SDK's retries carry the flagship through, and nothing is made twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flagship_deploys_while_aws_throttles_and_fails_a_share_of_calls() {
    let env = Env::start("faults", Delays::default()).await;
    env.sandbox.set_faults(0.25, 7).unwrap();
    let (_, report) = env.deploy(&flagship(&[]), Mode::Reconcile).await;
    assert_eq!(report.done.len(), 10);
    let faults = env.sandbox.faults().unwrap();
    let injected: u64 = faults.as_object().unwrap().values().map(|v| v.as_u64().unwrap_or(0)).sum();
    assert!(injected >= 5, "too few faults were injected to prove anything: {faults}");
    assert!(faults["ThrottlingException"].as_u64().unwrap_or(0) > 0 && faults["InternalFailure"].as_u64().unwrap_or(0) > 0, "{faults}");
    env.sandbox.set_faults(0.0, 0).unwrap();
    let inv = env.sandbox.inventory().unwrap();
    assert_eq!(inv["clusters"], serde_json::json!(["formae-db"]));
    assert_eq!(inv["secrets"], serde_json::json!(["formae-config", "formae-db-creds"]));
    assert_eq!(inv["express_services"].as_array().map(Vec::len), Some(1));
}

/// A role the guide's commands made by hand is not taken over by a deploy: the create
/// is refused naming it, and the role is left as it was. `--adopt` brings it under
/// management, updated to the declaration and tagged as this stack's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_resource_is_not_taken_over_without_adopt() {
    let env = Env::start("adopt", Delays::default()).await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    env.cx.iam.create_role().role_name("ecsTaskExecutionRole").assume_role_policy_document(trust).send().await.unwrap();

    // The plan shows it, with where it differs from the declaration.
    let plan = env.plan(&flagship(&[]), Mode::Reconcile).await;
    let found = plan.found.iter().find(|f| f.resource == "execution_role").expect("the plan shows the existing role");
    assert!(!found.owned && found.cloud_id == "ecsTaskExecutionRole");
    let differs: Vec<&str> = found.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(differs, ["ManagedPolicyArns", "Policies"]);
    let text = formae_runtime::plan::render_text(&plan, Default::default());
    assert!(text.contains("execution_role exists as ecsTaskExecutionRole, and this stack did not make it") && text.contains("cargo xtask import ecs-express-agent"), "{text}");

    let (_, report) = env.try_deploy(&flagship(&[]), Mode::Reconcile, Default::default()).await;
    assert!(!report.succeeded());
    let refused = report.failed.iter().find(|f| f.0 == "execution_role").expect("the execution role's create was refused");
    assert!(refused.2.contains("`ecsTaskExecutionRole` already exists and was not created by this stack") && refused.2.contains("--adopt"), "{}", refused.2);
    let role = env.cx.iam.get_role().role_name("ecsTaskExecutionRole").send().await.unwrap().role.unwrap();
    assert!(role.tags().is_empty(), "the hand-made role was tagged: {:?}", role.tags());
    let attached = env.cx.iam.list_attached_role_policies().role_name("ecsTaskExecutionRole").send().await.unwrap();
    assert!(attached.attached_policies().is_empty(), "the hand-made role was changed");
    // Running again does not change that: the refusal is not mistaken for a create that
    // was interrupted.
    let (_, report) = env.try_deploy(&flagship(&[]), Mode::Reconcile, Default::default()).await;
    assert!(report.failed.iter().any(|f| f.0 == "execution_role"), "the second run took the role over: {:?}", report.failed);

    let opts = formae_runtime::engine::ApplyOptions { adopt: true, ..Default::default() };
    let (_, report) = env.try_deploy(&flagship(&[]), Mode::Reconcile, opts).await;
    assert!(report.succeeded(), "{:?}", report.failed);
    let role = env.cx.iam.get_role().role_name("ecsTaskExecutionRole").send().await.unwrap().role.unwrap();
    assert!(role.tags().iter().any(|t| t.key() == "formae:stack" && t.value() == "ecs-express-agent"), "{:?}", role.tags());
    let attached = env.cx.iam.list_attached_role_policies().role_name("ecsTaskExecutionRole").send().await.unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
}

/// IAM is eventually consistent: for a while after a role is created, ECS refuses it
/// (with one of three codes and messages). The sandbox does the same for two seconds; the deploy
/// retries within its window and succeeds. When the role stays unusable past the
/// window, the deploy stops with ECS's own error instead of waiting forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_ecs_cannot_assume_yet_is_retried_within_a_bounded_window() {
    let mut env = Env::start("iam-propagation", Delays::default()).await;
    env.sandbox.set_iam_propagation(2.0).unwrap();
    env.deploy(&flagship(&[]), Mode::Reconcile).await;
    let refusals = env.sandbox.faults().unwrap()["IamPropagation"].as_u64().unwrap_or(0);
    assert!(refusals >= 1, "the sandbox never refused a young role");
    env.destroy("ecs-express-agent").await;

    env.sandbox.set_iam_propagation(3600.0).unwrap();
    env.cx.timing.iam_propagation = std::time::Duration::from_secs(3);
    let (_, report) = env.try_deploy(&flagship(&[]), Mode::Reconcile, Default::default()).await;
    let failed = report.failed.iter().find(|f| f.0 == "agent").unwrap_or_else(|| panic!("the service's create did not fail: {:?}", report.failed));
    // One of the three answers ECS gives (the sandbox picks at random), passed on as it is.
    let ecs_said = ["Cannot assume role", "not able to validate the provided access credentials", "not authorized to perform: sts:AssumeRole"];
    assert!(ecs_said.iter().any(|m| failed.2.contains(m)), "{}", failed.2);
    // Within 3 s, backing off from 0.5 s: a handful of tries, not an endless loop.
    let tries = env.sandbox.faults().unwrap()["IamPropagation"].as_u64().unwrap_or(0) - refusals;
    assert!((1..=5).contains(&tries), "{tries} tries within a 3 s window");
}

stack! {
    /// JSON Schema documents, full of `$` keys, as the data they are.
    pub stack Schemas = "schemas" {
        resource probe = Secret { name: "probe", secret_string: json!({ "$ref": "x" }) };
        resource schema = Secret {
            name: "schema",
            description: json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "$id": "order",
                "properties": { "item": { "$ref": "#/definitions/item" }, "$secret_source": "env:HOME", "$unknown": [1, 2] }
            }),
            secret_string: template!("{probe.arn}"),
        };
    }
}

/// A document whose keys start with `$` reaches AWS byte for byte, and plans no change
/// once applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_json_with_dollar_keys_is_data_end_to_end() {
    let env = Env::start("schemas", Delays::default()).await;
    let stack = Schemas::new(SchemasParams::default()).instance();
    let (plan, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(plan.summary.add, 2);
    let probe = env.cx.secrets.get_secret_value().secret_id("probe").send().await.unwrap();
    assert_eq!(probe.secret_string(), Some(r#"{"$ref":"x"}"#));
    let schema = env.cx.secrets.describe_secret().secret_id("schema").send().await.unwrap();
    assert_eq!(
        schema.description(),
        Some(r##"{"$schema":"http://json-schema.org/draft-07/schema#","$id":"order","properties":{"item":{"$ref":"#/definitions/item"},"$secret_source":"env:HOME","$unknown":[1,2]}}"##)
    );
    assert!(!env.plan(&stack, Mode::Reconcile).await.has_changes());
}
