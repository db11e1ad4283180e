//! The flagship deployed into the sandbox with its state in PostgreSQL and, separately,
//! in Aurora through the Data API, each selected by nothing but a `formae.toml`.

use std::path::Path;

use formae_cli::config::Config;
use formae_runtime::exec::Target;
use formae_runtime::resource::split_params;
use formae_runtime::{Mode, StackInstance};
use formae_stacks::EcsExpressAgent;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use formae_tests::stores::{aurora_state_cluster, postgres_database, StoreSpec};

fn flagship() -> StackInstance {
    (EcsExpressAgent::ENTRY.build)(&split_params(&[]).unwrap()).unwrap()
}

/// Opens the store `formae.toml` in `project` selects, as the command line does.
async fn store_from_toml(env: &mut Env, project: &Path, toml: &str) {
    std::fs::create_dir_all(project).unwrap();
    std::fs::write(project.join("formae.toml"), toml).unwrap();
    let config = Config::find(None, project).expect("formae.toml reads");
    let target = Target { region: Some("us-east-1".into()), endpoint_url: Some(env.sandbox.endpoint.clone()), dummy_credentials: true };
    env.store = config.state.open(None, &project.join("default.db"), &target).await.expect("the configured store opens");
}

async fn deploy_and_check(env: &Env, project: &Path, reopen: StoreSpec) {
    let (_, report) = env.deploy(&flagship(), Mode::Reconcile).await;
    assert_eq!(report.done.len(), 10);
    assert!(report.outputs["service_url"].as_str().unwrap_or_default().contains("/_express/default/formae-agent"));
    // The state is where formae.toml said: a new connection finds all of it, and no
    // embedded file was written.
    let state = reopen.open().await.unwrap().load("ecs-express-agent").await.unwrap();
    assert_eq!(state.resources.len(), 10);
    assert!(state.pending.is_empty());
    assert_eq!(state.outputs["service_url"], report.outputs["service_url"]);
    assert!(!project.join("default.db").exists());
    // And it is used: the next deploy changes nothing.
    let (plan, again) = env.deploy(&flagship(), Mode::Reconcile).await;
    assert!(!plan.has_changes() && again.done.is_empty());
    let (_, gone) = env.destroy("ecs-express-agent").await;
    assert_eq!(gone.done.len(), 10);
    assert!(reopen.open().await.unwrap().load("ecs-express-agent").await.unwrap().resources.is_empty());
}

#[tokio::test]
async fn flagship_state_in_postgres_selected_by_formae_toml() {
    let mut env = Env::start("state-in-postgres", Delays::default()).await;
    let url = postgres_database(&env.sandbox, "formae_team_state").await;
    let project = env.sandbox.dir.join("project");
    store_from_toml(&mut env, &project, &format!("[state]\nbackend = \"postgres\"\n\n[state.postgres]\nurl = \"{url}\"\n")).await;
    assert!(env.store.describe().starts_with("postgres "), "{}", env.store.describe());
    deploy_and_check(&env, &project, StoreSpec::Postgres(url)).await;
}

#[tokio::test]
async fn flagship_state_in_aurora_data_api_selected_by_formae_toml() {
    let mut env = Env::start("state-in-aurora", Delays::default()).await;
    // The state database itself, deployed by formae with the embedded store.
    let aurora = aurora_state_cluster(&env).await;
    let project = env.sandbox.dir.join("project");
    let toml = format!(
        "[state]\nbackend = \"aurora\"\n\n[state.aurora]\ncluster_arn = \"{}\"\nsecret_arn = \"{}\"\ndatabase = \"{}\"\nregion = \"us-east-1\"\n",
        aurora.cluster_arn, aurora.secret_arn, aurora.database
    );
    store_from_toml(&mut env, &project, &toml).await;
    assert!(env.store.describe().starts_with("aurora "), "{}", env.store.describe());
    let reopen = StoreSpec::Aurora { endpoint: env.sandbox.endpoint.clone(), cluster_arn: aurora.cluster_arn, secret_arn: aurora.secret_arn, database: aurora.database };
    deploy_and_check(&env, &project, reopen).await;
}
