//! The sandbox fills moto's gaps the way AWS behaves, as the stacks rely on it.

use aws_sdk_rdsdata::types::{Field, SqlParameter};
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rds_and_the_data_api_behave_like_aws() {
    let env = Env::start("behaviour", Delays::default()).await;
    let (rds, data) = (&env.cx.rds, &env.cx.rdsdata);
    let create = || {
        rds.create_db_cluster()
            .db_cluster_identifier("probe")
            .engine("aurora-postgresql")
            .master_username("postgres")
            .master_user_password("probe-password")
            .enable_http_endpoint(true)
    };
    let cluster = create().send().await.unwrap().db_cluster.unwrap();
    let arn = cluster.db_cluster_arn.unwrap();

    // A duplicate identifier is refused, not silently replaced.
    let dup = create().send().await.unwrap_err();
    assert!(dup.as_service_error().is_some_and(|e| e.is_db_cluster_already_exists_fault()), "{dup:?}");

    // The Data API flag is kept.
    let d = rds.describe_db_clusters().db_cluster_identifier("probe").send().await.unwrap();
    assert_eq!(d.db_clusters()[0].http_endpoint_enabled, Some(true));

    let secret = env.cx.secrets.create_secret().name("probe").secret_string(r#"{"username":"postgres","password":"p"}"#).send().await.unwrap();
    let secret = secret.arn.unwrap();
    let exec = |sql: &str| data.execute_statement().resource_arn(&arn).secret_arn(&secret).sql(sql);

    // Without a running instance the Data API refuses, as on AWS.
    let err = exec("SELECT 1").send().await.unwrap_err();
    assert!(format!("{err:?}").contains("no available instance"), "{err:?}");

    rds.create_db_instance()
        .db_instance_identifier("probe-1")
        .db_cluster_identifier("probe")
        .db_instance_class("db.serverless")
        .engine("aurora-postgresql")
        .send()
        .await
        .unwrap();

    // Real SQL, with parameters.
    let out = exec("SELECT :a::int + 1 AS n, 'x' AS s").parameters(SqlParameter::builder().name("a").value(Field::LongValue(41)).build()).send().await.unwrap();
    assert_eq!(out.records()[0][0], Field::LongValue(42));
    assert_eq!(out.records()[0][1], Field::StringValue("x".into()));
    let err = exec("SELEKT nonsense").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_database_error_exception()), "{err:?}");
    assert!(format!("{err:?}").contains("syntax error"), "{err:?}");

    // Transactions: a rollback leaves nothing, a commit keeps it.
    let begin = || data.begin_transaction().resource_arn(&arn).secret_arn(&secret);
    let t = begin().send().await.unwrap().transaction_id.unwrap();
    exec("CREATE TABLE rolled (x int)").transaction_id(&t).send().await.unwrap();
    data.rollback_transaction().resource_arn(&arn).secret_arn(&secret).transaction_id(&t).send().await.unwrap();
    let t = begin().send().await.unwrap().transaction_id.unwrap();
    exec("CREATE TABLE kept (x int)").transaction_id(&t).send().await.unwrap();
    data.commit_transaction().resource_arn(&arn).secret_arn(&secret).transaction_id(&t).send().await.unwrap();
    let tables = exec("SELECT to_regclass('rolled') IS NULL, to_regclass('kept') IS NOT NULL").send().await.unwrap();
    assert_eq!(tables.records()[0], vec![Field::BooleanValue(true), Field::BooleanValue(true)]);

    // The codes the rds-data model declares: an unknown cluster, a secret that is not
    // there, a transaction that is not open.
    let err = data.execute_statement().resource_arn("arn:aws:rds:us-east-1:123456789012:cluster:nope").secret_arn(&secret).sql("SELECT 1").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_database_not_found_exception()), "{err:?}");
    let err = data.execute_statement().resource_arn(&arn).secret_arn(format!("{secret}-gone")).sql("SELECT 1").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_secrets_error_exception()), "{err:?}");
    let err = data.commit_transaction().resource_arn(&arn).secret_arn(&secret).transaction_id("none").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_transaction_not_found_exception()), "{err:?}");

    // A cluster resuming from auto-pause answers DatabaseResumingException; the
    // executors and the Data API state store ask again.
    env.sandbox.configure(r#"{"data_api_resuming": 2}"#).unwrap();
    let err = exec("SELECT 1").send().await.unwrap_err();
    assert!(err.as_service_error().is_some_and(|e| e.is_database_resuming_exception()), "{err:?}");
    let database = formae_runtime::aws::rdsdata::Database {
        cluster_arn: formae_runtime::Value::Lit(formae_runtime::ids::DbClusterArn(arn.clone())),
        secret_arn: formae_runtime::Value::Lit(formae_runtime::ids::SecretArn(secret.clone())),
        name: formae_runtime::Value::Lit("resumed".to_owned()),
    };
    let executors = formae_runtime::exec::registry();
    let props = serde_json::to_value(&database).unwrap();
    executors.get("Formae::RDSData::Database").expect("the Data API database's executor").create(&env.cx, "db", props).await.expect("created once the cluster resumed");
    assert_eq!(env.sandbox.faults().unwrap()["DatabaseResuming"], 2);
    env.sandbox.assert_conformant();

    // A deleted cluster takes its automated snapshots with it, so the same identifier can
    // be created again at once (a destroy, then a deploy, within one minute).
    rds.delete_db_instance().db_instance_identifier("probe-1").send().await.unwrap();
    rds.delete_db_cluster().db_cluster_identifier("probe").skip_final_snapshot(true).send().await.unwrap();
    let snaps = rds.describe_db_cluster_snapshots().db_cluster_identifier("probe").send().await.unwrap();
    assert!(snaps.db_cluster_snapshots().is_empty(), "{snaps:?}");
    create().send().await.expect("the same cluster is created again right after its deletion");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_keep_resources_creating_for_a_while() {
    let env = Env::start("delays", Delays::default()).await;
    env.sandbox.set_delays(Delays { cluster: 1.5, instance: 0.0, service: 0.0 }).unwrap();
    env.cx
        .rds
        .create_db_cluster()
        .db_cluster_identifier("slow")
        .engine("aurora-postgresql")
        .master_username("postgres")
        .master_user_password("slow-password")
        .send()
        .await
        .unwrap();
    let status = || async {
        let d = env.cx.rds.describe_db_clusters().db_cluster_identifier("slow").send().await.unwrap();
        d.db_clusters()[0].status.clone().unwrap()
    };
    assert_eq!(status().await, "creating");
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    assert_eq!(status().await, "available");
}

/// ECS says "not found" as AWS does: a cluster that Express Mode has not created yet
/// (ClusterNotFoundException, until a region's first create), a missing service
/// (ResourceNotFoundException on describe, ServiceNotFoundException on update and
/// delete), and a service already deleted (ServiceNotActiveException). The executor
/// takes each as gone: a first lookup in a fresh region and a second delete succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ecs_not_found_comes_in_every_form_aws_uses_and_each_counts_as_gone() {
    use formae_runtime::exec::registry;
    let env = Env::start("ecs-not-found", Delays::default()).await;
    let ecs = &env.cx.ecs;
    let account = "123456789012";
    let missing = format!("arn:aws:ecs:us-east-1:{account}:service/default/nothing");
    fn code(e: &impl aws_sdk_ecs::error::ProvideErrorMetadata) -> Option<String> {
        e.code().map(str::to_owned)
    }

    // No cluster yet in this region.
    let e = ecs.describe_express_gateway_service().service_arn(&missing).send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("ClusterNotFoundException"), "{e:?}");
    let executors = registry();
    let service = executors.get("AWS::ECS::ExpressGatewayService").expect("the express service's executor");
    assert!(!service.exists(&env.cx, &missing, &serde_json::json!({})).await.unwrap());

    // A first create makes the default cluster; then a missing service is a missing resource.
    let (_, report) = env.deploy(&formae_runtime::testing::build(&formae_stacks::BillingApi::ENTRY, &[]), formae_runtime::Mode::Reconcile).await;
    let arn = report.state.resources["api"].cloud_id.clone();
    let e = ecs.describe_express_gateway_service().service_arn(&missing).send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("ResourceNotFoundException"), "{e:?}");
    let e = ecs.delete_express_gateway_service().service_arn(&missing).send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("ServiceNotFoundException"), "{e:?}");

    // Deleted twice: the second is refused as not active, and the executor's delete is done.
    ecs.delete_express_gateway_service().service_arn(&arn).send().await.unwrap();
    let e = ecs.delete_express_gateway_service().service_arn(&arn).send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("ServiceNotActiveException"), "{e:?}");
    service.delete(&env.cx, &arn, &serde_json::json!({})).await.unwrap();
    assert!(!service.exists(&env.cx, &arn, &serde_json::json!({})).await.unwrap());
    env.sandbox.assert_conformant();
}

/// DescribeExpressGatewayService returns tags only when asked with include=["TAGS"], and
/// the update call takes none: a service adopted by a deploy gets its ownership tags
/// through TagResource.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adopted_service_gets_its_ownership_tags() {
    use aws_sdk_ecs::types::ExpressGatewayServiceInclude;
    use formae_runtime::deploy::{Refresh, Session};
    use formae_runtime::engine::ApplyOptions;
    use formae_runtime::store::SqliteStore;
    let env = Env::start("ecs-tags", Delays::default()).await;
    let stack = formae_runtime::testing::build(&formae_stacks::BillingApi::ENTRY, &[]);
    let (_, report) = env.deploy(&stack, formae_runtime::Mode::Reconcile).await;
    let arn = report.state.resources["api"].cloud_id.clone();
    let ecs = &env.cx.ecs;
    let tags = |include: bool| {
        let arn = arn.clone();
        async move {
        let req = ecs.describe_express_gateway_service().service_arn(&arn);
        let req = if include { req.include(ExpressGatewayServiceInclude::Tags) } else { req };
        let svc = req.send().await.unwrap().service.unwrap();
        svc.tags().iter().map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned())).collect::<Vec<_>>()
        }
    };
    assert!(tags(false).await.is_empty(), "tags came back without being asked for");
    assert!(tags(true).await.contains(&("formae:stack".into(), "billing-api".into())));

    // As if made by hand: no tags, and no record of it.
    let arn = report.state.resources["api"].cloud_id.clone();
    ecs.untag_resource().resource_arn(&arn).tag_keys("formae:stack").tag_keys("formae:resource").send().await.unwrap();
    assert!(tags(true).await.is_empty());
    let fresh = SqliteStore::open(&env.sandbox.dir.join("fresh.db")).await.unwrap();
    let cx = env.cx.for_stack("billing-api");
    let session = Session { store: &fresh, cx: &cx, ..env.session() };
    let (state, plan) = session.plan(&stack, formae_runtime::Mode::Reconcile, Refresh::Cloud).await.unwrap();
    let opts = ApplyOptions { adopt: true, ..Default::default() };
    let report = session.apply(state, &plan, opts, &formae_tests::e2e::Recorder::default()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failed);
    let after = tags(true).await;
    assert!(after.contains(&("formae:stack".into(), "billing-api".into())) && after.contains(&("formae:resource".into(), "api".into())), "{after:?}");
    env.sandbox.assert_conformant();
}

/// A cluster whose creation ends in `failed` ends the wait at once with that state,
/// rather than after the whole timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_fails_is_reported_as_failed_not_as_a_timeout() {
    let mut env = Env::start("cluster-fails", Delays { cluster: 0.5, ..Delays::default() }).await;
    env.sandbox.configure(r#"{"clusters_fail": 1}"#).unwrap();
    env.cx.timing.database = std::time::Duration::from_secs(60);
    let started = std::time::Instant::now();
    let (_, report) = env.try_deploy(&formae_stacks::EcsExpressAgent::ENTRY.instance(&[]).unwrap(), formae_runtime::Mode::Reconcile, Default::default()).await;
    let failed = report.failed.iter().find(|f| f.0 == "db_cluster").expect("the cluster's create failed");
    // Cloud Control's handler ends the request FAILED with RDS's word for it.
    assert!(failed.2.contains("NotStabilized") && failed.2.contains("DB cluster formae-db is in the failed state"), "{}", failed.2);
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "waited {:?} for a failed cluster", started.elapsed());
}

/// Aurora's own minor upgrades (16.4 running as 16.6) are not drift, and a later update
/// does not ask for the older version back, which RDS refuses as a downgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_minor_upgrade_by_aws_is_not_fought() {
    let env = Env::start("minor-upgrade", Delays::default()).await;
    let flagship = |p: &[&str]| formae_runtime::testing::build(&formae_stacks::EcsExpressAgent::ENTRY, p);
    env.deploy(&flagship(&[]), formae_runtime::Mode::Reconcile).await;
    let rds = &env.cx.rds;
    // What AWS does in a maintenance window.
    rds.modify_db_cluster().db_cluster_identifier("formae-db").engine_version("16.6").apply_immediately(true).send().await.unwrap();
    let downgrade = rds.modify_db_cluster().db_cluster_identifier("formae-db").engine_version("16.4").apply_immediately(true).send().await.unwrap_err();
    assert_eq!(aws_sdk_rds::error::ProvideErrorMetadata::code(&downgrade), Some("InvalidParameterCombination"), "{downgrade:?}");

    let plan = env.plan(&flagship(&[]), formae_runtime::Mode::Reconcile).await;
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);
    assert!(!plan.has_changes());
    // A capacity change updates the cluster without asking for 16.4.
    let (plan, _) = env.deploy(&flagship(&["max_capacity=4"]), formae_runtime::Mode::Reconcile).await;
    assert_eq!(plan.change("db_cluster").unwrap().action, formae_runtime::Action::Update);
    let c = rds.describe_db_clusters().db_cluster_identifier("formae-db").send().await.unwrap();
    assert_eq!(c.db_clusters()[0].engine_version(), Some("16.6"));
    assert_eq!(c.db_clusters()[0].serverless_v2_scaling_configuration().and_then(|s| s.max_capacity()), Some(4.0));
}

/// On Serverless v2 the Data API is switched with EnableHttpEndpoint and
/// DisableHttpEndpoint; ModifyDBCluster's EnableHttpEndpoint is taken and ignored. A Data
/// API turned off by hand is turned back on by the next deploy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_api_switch_is_its_own_call() {
    let env = Env::start("data-api-switch", Delays::default()).await;
    let stack = formae_runtime::testing::build(&formae_stacks::EcsExpressAgent::ENTRY, &[]);
    let (_, report) = env.deploy(&stack, formae_runtime::Mode::Reconcile).await;
    let arn = report.state.resources["db_cluster"].outputs["DBClusterArn"].as_str().unwrap().to_owned();
    let rds = &env.cx.rds;
    let enabled = || async { rds.describe_db_clusters().db_cluster_identifier("formae-db").send().await.unwrap().db_clusters()[0].http_endpoint_enabled };
    rds.disable_http_endpoint().resource_arn(&arn).send().await.unwrap();
    assert_eq!(enabled().await, Some(false));
    rds.modify_db_cluster().db_cluster_identifier("formae-db").enable_http_endpoint(true).send().await.unwrap();
    assert_eq!(enabled().await, Some(false), "ModifyDBCluster's EnableHttpEndpoint turned the Data API on, as AWS does not on Serverless v2");

    let (plan, _) = env.deploy(&stack, formae_runtime::Mode::Reconcile).await;
    assert_eq!(plan.change("db_cluster").unwrap().action, formae_runtime::Action::Update, "{:?}", plan.drift);
    assert_eq!(enabled().await, Some(true));
    env.sandbox.assert_conformant();
}

/// A cluster and an instance still creating refuse Modify, as on AWS; adopting them (a
/// rerun after a crash right after their create) waits until they are available.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_still_creating_is_waited_for_before_it_is_modified() {
    let env = Env::start("adopt-creating", Delays { cluster: 1.5, instance: 1.5, service: 0.0 }).await;
    let rds = &env.cx.rds;
    rds.create_db_cluster()
        .db_cluster_identifier("formae-db")
        .engine("aurora-postgresql")
        .engine_version("16.4")
        .master_username("postgres")
        .master_user_password("a-password-1")
        .tags(aws_sdk_rds::types::Tag::builder().key("formae:stack").value("ecs-express-agent").build())
        .tags(aws_sdk_rds::types::Tag::builder().key("formae:resource").value("db_cluster").build())
        .send()
        .await
        .unwrap();
    let e = rds.modify_db_cluster().db_cluster_identifier("formae-db").deletion_protection(false).send().await.unwrap_err();
    assert!(e.as_service_error().is_some_and(|s| s.is_invalid_db_cluster_state_fault()), "{e:?}");

    let stack = formae_runtime::testing::build(&formae_stacks::EcsExpressAgent::ENTRY, &[]);
    let cx = env.cx.for_stack("ecs-express-agent");
    let session = formae_runtime::deploy::Session { cx: &cx, ..env.session() };
    let (state, plan) = session.plan(&stack, formae_runtime::Mode::Reconcile, formae_runtime::deploy::Refresh::Cloud).await.unwrap();
    let report = session.apply(state, &plan, Default::default(), &formae_tests::e2e::Recorder::default()).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(env.sandbox.inventory().unwrap()["clusters"], serde_json::json!(["formae-db"]));
}

/// A secret's name stays taken while AWS carries out its deletion: a forced deletion is
/// asynchronous, and one with a recovery window keeps the secret scheduled. A deploy right
/// after a destroy waits the first out; a secret deleted by hand with a recovery window is
/// restored and brought to the declaration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_name_held_by_a_deletion_is_waited_for_or_restored() {
    let env = Env::start("secret-deletion", Delays::default()).await;
    let stack = formae_runtime::testing::build(&formae_stacks::BillingApi::ENTRY, &[]);
    let sm = &env.cx.secrets;
    env.deploy(&stack, formae_runtime::Mode::Reconcile).await;
    env.destroy("billing-api").await;
    let e = sm.create_secret().name("billing-api-config").secret_string("x").send().await.unwrap_err();
    assert!(e.as_service_error().is_some_and(|s| s.is_invalid_request_exception()), "the name was free at once: {e:?}");
    env.deploy(&stack, formae_runtime::Mode::Reconcile).await;

    let (_, report) = env.deploy(&stack, formae_runtime::Mode::Reconcile).await;
    let arn = report.state.resources["config"].cloud_id.clone();
    sm.delete_secret().secret_id(&arn).recovery_window_in_days(7).send().await.unwrap();
    let (plan, report) = env.deploy(&stack, formae_runtime::Mode::Reconcile).await;
    assert_eq!(plan.change("config").unwrap().action, formae_runtime::Action::Create, "{:?}", plan.drift);
    assert_eq!(report.state.resources["config"].cloud_id, arn, "the scheduled secret was not restored");
    let d = sm.describe_secret().secret_id(&arn).send().await.unwrap();
    assert!(d.deleted_date.is_none(), "{d:?}");
}
