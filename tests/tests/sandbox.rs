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

    // An unknown cluster is not found.
    let err = data.execute_statement().resource_arn("arn:aws:rds:us-east-1:123456789012:cluster:nope").secret_arn(&secret).sql("SELECT 1").send().await.unwrap_err();
    assert!(format!("{err:?}").contains("NotFoundException"), "{err:?}");

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
