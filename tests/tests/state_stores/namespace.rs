//! Our namespace in a database the formae agent shares: its tables beside ours, and a
//! store an earlier build left in the default schema moved into ours, on PostgreSQL and
//! through the Data API.

use std::time::Duration;

use formae_runtime::state::PendingOp;
use formae_runtime::store::SCHEMA_VERSION;
use formae_runtime::StackState;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use formae_tests::stores::{agent_schema, aurora_state_cluster, legacy_schema, postgres_database, RawSql, StoreSpec, AGENT_TABLES};
use serde_json::json;

use super::{holder, pending, resource};
/// Our tables as the namespace has them (PostgreSQL's schema).
const OUR_TABLES: [&str; 6] = ["locks", "pending", "resources", "schema_version", "stack_outputs", "stack_readers"];

fn small_state(stack: &str) -> StackState {
    let mut st = StackState::empty(stack);
    for i in 0..3 {
        st.resources.insert(format!("r{i:05}"), resource(i, stack));
    }
    st.pending.insert("half-made".into(), PendingOp { started_at: "2026-11-28T10:00:00.000Z".into(), ..pending("create", "half-made") });
    st.outputs.insert("url".into(), json!(format!("https://{stack}.example")));
    st
}

/// The agent's row in each of its tables, as it wrote them.
async fn agent_rows(raw: &RawSql) -> Vec<Vec<String>> {
    let mut rows = raw.rows("SELECT uri, stack, type, label, data::text FROM public.resources ORDER BY uri").await;
    for t in &AGENT_TABLES[1..] {
        rows.extend(raw.rows(&format!("SELECT COUNT(*)::text FROM public.{t}")).await);
    }
    rows
}

/// The agent's tables come first; our store opens in the same database, writes and reads
/// its state in its namespace, and both keep working: the agent's rows untouched, its
/// `resources` still its own.
async fn beside_the_agent(name: &str, raw: &RawSql, spec: &StoreSpec) {
    raw.exec(&agent_schema()).await;
    let agent_before = agent_rows(raw).await;
    assert_eq!(agent_before[0][3], "agent-bucket", "{name}: the agent's row");

    let store = spec.open().await.unwrap_or_else(|e| panic!("{name}: our store does not open beside the agent's tables: {e}"));
    let st = small_state("beside");
    store.put_state(&st).await.unwrap();
    store.put_resource("beside", "r00003", &resource(3, "beside")).await.unwrap();
    let lock = store.lock("beside", &holder("deploy"), Duration::from_secs(30)).await.unwrap();
    let loaded = store.load("beside").await.unwrap();
    assert_eq!(loaded.resources.len(), 4, "{name}");
    assert_eq!(loaded.resources["r00001"], resource(1, "beside"), "{name}");
    assert_eq!(loaded.outputs, st.outputs, "{name}");

    assert_eq!(agent_rows(raw).await, agent_before, "{name}: the agent's rows changed");
    let mut public = AGENT_TABLES.map(str::to_owned).to_vec();
    public.sort();
    assert_eq!(raw.tables("public").await, public, "{name}: the default schema holds the agent's tables and nothing of ours");
    assert_eq!(raw.tables("formae_rs").await, OUR_TABLES, "{name}: our namespace");
    let ours = raw.rows("SELECT name FROM formae_rs.resources WHERE stack = 'beside' ORDER BY name").await;
    assert_eq!(ours, [["r00000"], ["r00001"], ["r00002"], ["r00003"]], "{name}: our rows are in our namespace");
    assert_eq!(raw.rows("SELECT lock_id FROM formae_rs.locks WHERE stack = 'beside'").await, [[lock.id.clone()]], "{name}");

    // The agent goes on with its unqualified names, and meets only its own tables.
    raw.exec(&["INSERT INTO resources (uri, stack, type, label, data) VALUES ('formae://agent/queue', 'agent-stack', 'AWS::SQS::Queue', 'agent-queue', '{}')"]).await;
    assert_eq!(raw.rows("SELECT label FROM resources ORDER BY uri").await, [["agent-bucket"], ["agent-queue"]], "{name}");
    assert_eq!(store.load("beside").await.unwrap(), loaded, "{name}: the agent's write reached our state");
    // Opened again: nothing moves.
    let again = spec.open().await.unwrap();
    assert_eq!(again.load("beside").await.unwrap(), loaded, "{name}");
    assert_eq!(raw.tables("public").await, public, "{name}");
}

/// A store an earlier build left in the default schema is moved into the namespace when
/// opened, every row with it (resources, outputs, the journal, the lock); the default
/// schema keeps only the version row, at this build's version, so that an earlier build
/// refuses the database rather than start an empty state; the agent then has its names.
async fn earlier_store_moves_into_the_namespace(name: &str, raw: &RawSql, spec: &StoreSpec) {
    let st = small_state("earlier");
    raw.exec(&legacy_schema(&st, "earlier-lock", true)).await;
    let mut before = raw.tables("public").await;
    before.sort();
    assert_eq!(before, ["formae_schema", "locks", "pending", "resources", "stack_outputs"], "{name}");

    let store = spec.open().await.unwrap_or_else(|e| panic!("{name}: the earlier store does not open: {e}"));
    assert_eq!(store.load("earlier").await.unwrap(), st, "{name}: rows were lost in the move");
    let lock = store.lock_info("earlier").await.unwrap().expect("the lock moved too");
    assert_eq!((lock.id.as_str(), lock.holder.command.as_str()), ("earlier-lock", "deploy"), "{name}");
    assert_eq!(raw.tables("public").await, ["formae_schema"], "{name}: our tables are still in the default schema");
    assert_eq!(raw.rows("SELECT version FROM public.formae_schema").await, [[SCHEMA_VERSION.to_string()]], "{name}: an earlier build would not refuse");
    assert_eq!(raw.tables("formae_rs").await, OUR_TABLES, "{name}");
    assert_eq!(raw.rows("SELECT version FROM formae_rs.schema_version").await, [[SCHEMA_VERSION.to_string()]], "{name}");

    // The agent can now make its tables, and our state stays as it was.
    raw.exec(&agent_schema()).await;
    assert_eq!(agent_rows(raw).await[0][3], "agent-bucket", "{name}");
    store.put_resource("earlier", "r00003", &resource(3, "earlier")).await.unwrap();
    assert_eq!(store.load("earlier").await.unwrap().resources.len(), 4, "{name}");
    let again = spec.open().await.unwrap();
    assert_eq!(again.load("earlier").await.unwrap().resources.len(), 4, "{name}: opened again");
}

/// An earlier build's tables beside the agent's `resources` (a name taken by someone
/// else's table): ours are recognised by their columns and moved, the agent's is left
/// where it is with its row, and ours is made in the namespace.
async fn the_agents_resources_are_never_moved(name: &str, raw: &RawSql, spec: &StoreSpec) {
    raw.exec(&agent_schema()).await;
    let agent_before = agent_rows(raw).await;
    let st = small_state("half");
    raw.exec(&legacy_schema(&st, "half-lock", false)).await;

    let store = spec.open().await.unwrap_or_else(|e| panic!("{name}: the store does not open: {e}"));
    let loaded = store.load("half").await.unwrap();
    assert!(loaded.resources.is_empty(), "{name}: the agent's rows were read as ours");
    assert_eq!((loaded.pending, loaded.outputs), (st.pending.clone(), st.outputs.clone()), "{name}: our rows were lost in the move");
    assert_eq!(agent_rows(raw).await, agent_before, "{name}: the agent's rows changed");
    let mut public = AGENT_TABLES.map(str::to_owned).to_vec();
    public.push("formae_schema".into());
    public.sort();
    assert_eq!(raw.tables("public").await, public, "{name}: the agent's resources was moved, or ours left behind");
    assert_eq!(raw.tables("formae_rs").await, OUR_TABLES, "{name}");
    store.put_resource("half", "r00000", &resource(0, "half")).await.unwrap();
    assert_eq!(raw.rows("SELECT name FROM formae_rs.resources").await, [["r00000"]], "{name}");
}

#[tokio::test]
async fn namespace_postgres() {
    let env = Env::start("store-namespace-postgres", Delays::default()).await;
    for (case, db) in [("beside the agent", "formae_ns_beside"), ("earlier store", "formae_ns_earlier"), ("the agent's resources", "formae_ns_half")] {
        let url = postgres_database(&env.sandbox, db).await;
        let raw = RawSql::postgres(&url).await;
        let spec = StoreSpec::Postgres(url);
        let name = format!("postgres, {case}");
        match case {
            "beside the agent" => beside_the_agent(&name, &raw, &spec).await,
            "earlier store" => earlier_store_moves_into_the_namespace(&name, &raw, &spec).await,
            _ => the_agents_resources_are_never_moved(&name, &raw, &spec).await,
        }
    }
}

/// The same through the Data API, on the sandbox's Aurora cluster (real PostgreSQL
/// behind it): the agent's statements and ours both go through it.
#[tokio::test]
async fn namespace_aurora_data_api() {
    let env = Env::start("store-namespace-aurora", Delays::default()).await;
    let aurora = aurora_state_cluster(&env).await;
    for (case, db) in [("beside the agent", "formae_ns_beside"), ("earlier store", "formae_ns_earlier"), ("the agent's resources", "formae_ns_half")] {
        // A database of the cluster: the sandbox's clusters share its PostgreSQL server.
        postgres_database(&env.sandbox, db).await;
        let raw = RawSql::data_api(&env.sandbox.endpoint, &aurora.cluster_arn, &aurora.secret_arn, db).await;
        let spec = StoreSpec::Aurora {
            endpoint: env.sandbox.endpoint.clone(),
            cluster_arn: aurora.cluster_arn.clone(),
            secret_arn: aurora.secret_arn.clone(),
            database: db.into(),
        };
        let name = format!("aurora, {case}");
        match case {
            "beside the agent" => beside_the_agent(&name, &raw, &spec).await,
            "earlier store" => earlier_store_moves_into_the_namespace(&name, &raw, &spec).await,
            _ => the_agents_resources_are_never_moved(&name, &raw, &spec).await,
        }
    }
}
