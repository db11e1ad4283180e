//! The embedded store's own cases; what every backend must do is the conformance suite in
//! the tests crate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use super::*;
use crate::state::ResourceStatus;

fn rec() -> RecordedResource {
    RecordedResource {
        type_name: "AWS::IAM::Role".into(),
        cloud_id: "r".into(),
        props: crate::state::RecordedProps::plain(serde_json::json!({"role_name": "r"})),
        outputs: [("arn".to_owned(), serde_json::json!("arn:aws:iam::1:role/r"))].into_iter().collect(),
        deps: vec!["x".into()],
        status: ResourceStatus::Ready, protected: false, region: None
    }
}

fn tempdir() -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let d = std::env::temp_dir().join(format!("formae-store-{}-{t}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tables(path: &Path) -> Vec<String> {
    let c = Connection::open(path).unwrap();
    let mut st = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
    let names = st.query_map([], |r| r.get::<_, String>(0)).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    names
}

fn user_version(path: &Path) -> i64 {
    Connection::open(path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

/// The first schema, as builds before the namespace wrote it.
const FIRST_SCHEMA: &str = "
    CREATE TABLE resources (
        stack TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, cloud_id TEXT NOT NULL,
        props TEXT NOT NULL, outputs TEXT NOT NULL, deps TEXT NOT NULL, status TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (stack, name));
    CREATE TABLE stack_outputs (
        stack TEXT PRIMARY KEY, outputs TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
    INSERT INTO resources (stack, name, type, cloud_id, props, outputs, deps, status) VALUES ('s', 'r', 'AWS::IAM::Role', 'r', '{\"role_name\":\"r\"}', '{\"arn\":\"arn:aws:iam::1:role/r\"}', '[\"x\"]', 'ready');
    INSERT INTO stack_outputs (stack, outputs) VALUES ('s', '{\"url\":\"https://x.example\"}');
    PRAGMA user_version = 1;
";

/// What the second schema added, as builds before the namespace wrote it.
const SECOND_SCHEMA: &str = "
    CREATE TABLE pending (
        stack TEXT NOT NULL, name TEXT NOT NULL, op TEXT NOT NULL, type TEXT NOT NULL,
        cloud_id TEXT, identity TEXT NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (stack, name));
    CREATE TABLE locks (
        stack TEXT PRIMARY KEY, lock_id TEXT NOT NULL, holder TEXT NOT NULL,
        acquired_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL);
    INSERT INTO pending VALUES ('s', 'half', 'create', 'AWS::IAM::Role', NULL, '{\"role_name\":\"half\"}', '2026-01-02T03:04:05.000Z');
    INSERT INTO locks VALUES ('s', 'abc', '{\"user\":\"u\",\"host\":\"h\",\"pid\":1,\"command\":\"deploy\"}', 1, 9999999999999);
    PRAGMA user_version = 2;
";

#[tokio::test]
async fn a_newer_schema_is_refused_and_left_alone() {
    let path = tempdir().join("state.db");
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Newer { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade formae"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file was changed");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let path = tempdir().join("state.db");
    std::fs::write(&path, b"this is not a state file, it is a shopping list\n").unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file was changed");
}

#[tokio::test]
async fn a_corrupt_row_is_reported_not_loaded() {
    let path = tempdir().join("state.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.put_resource("s", "r", &rec()).await.unwrap();
    store.backend().execute("UPDATE formae_rs_resources SET props = '{not json'", vec![]).await.unwrap();
    let err = store.load("s").await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { ref resource, .. } if resource == "r"), "{err}");
}

#[tokio::test]
async fn text_is_read_as_written_and_bytes_that_are_not_utf8_are_replaced() {
    let path = tempdir().join("state.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let mut r = rec();
    r.cloud_id = "arn:aws:s3:::bücket-ß-雪".into();
    store.put_resource("s", "r", &r).await.unwrap();
    assert_eq!(store.load("s").await.unwrap().resources["r"].cloud_id, r.cloud_id);
    store.backend().execute("UPDATE formae_rs_resources SET cloud_id = CAST(X'61FF62' AS TEXT)", vec![]).await.unwrap();
    assert_eq!(store.load("s").await.unwrap().resources["r"].cloud_id, "a\u{FFFD}b");
}

/// A new file has our tables under our prefix and nothing else.
#[tokio::test]
async fn a_new_file_keeps_its_tables_under_the_prefix() {
    let path = tempdir().join("state.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.put_resource("s", "r", &rec()).await.unwrap();
    assert_eq!(tables(&path), ["formae_rs_locks", "formae_rs_pending", "formae_rs_resources", "formae_rs_stack_outputs", "formae_rs_stack_readers"]);
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_eq!(store.location(), StateLocation::Sqlite { path: path.clone() });
}

/// A file written by the first schema (resources and outputs only) is migrated in place,
/// into the prefix, and keeps what it recorded.
#[tokio::test]
async fn a_first_schema_file_is_migrated_keeping_its_records() {
    let path = tempdir().join("state.db");
    Connection::open(&path).unwrap().execute_batch(FIRST_SCHEMA).unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    let state = store.load("s").await.unwrap();
    assert_eq!(state.resources["r"], rec());
    assert_eq!(state.outputs["url"], "https://x.example");
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_eq!(tables(&path), ["formae_rs_locks", "formae_rs_pending", "formae_rs_resources", "formae_rs_stack_outputs", "formae_rs_stack_readers"]);
    // The journal and the lock the second schema added work.
    store.put_pending("s", "p", &PendingOp { op: crate::state::Op::Create, type_name: "t".into(), cloud_id: None, identity: serde_json::json!({}), started_at: String::new(), client_token: None }).await.unwrap();
    let lock = store.lock("s", &Holder::this_process("test"), Duration::from_secs(30)).await.unwrap();
    store.unlock("s", &lock.id).await.unwrap();
}

/// A file written by the second schema moves into the prefix keeping every row of every
/// table: resources, outputs, the journal and the lock.
#[tokio::test]
async fn a_second_schema_file_moves_into_the_prefix_keeping_every_row() {
    let path = tempdir().join("state.db");
    Connection::open(&path).unwrap().execute_batch(&format!("{FIRST_SCHEMA}{SECOND_SCHEMA}")).unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(tables(&path), ["formae_rs_locks", "formae_rs_pending", "formae_rs_resources", "formae_rs_stack_outputs", "formae_rs_stack_readers"]);
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let state = store.load("s").await.unwrap();
    assert_eq!(state.resources["r"], rec());
    assert_eq!(state.outputs["url"], "https://x.example");
    assert_eq!(state.pending["half"].started_at, "2026-01-02T03:04:05.000Z");
    let lock = store.lock_info("s").await.unwrap().expect("the lock moved too");
    assert_eq!((lock.id.as_str(), lock.holder.command.as_str()), ("abc", "deploy"));
    // Opening again changes nothing.
    drop(store);
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.load("s").await.unwrap(), state);
}

fn other() -> Holder {
    Holder { user: "other".into(), host: "elsewhere".into(), pid: 2, command: "deploy".into() }
}

async fn locked(path: &Path) -> (Arc<dyn StateStore>, StackLock) {
    let store: Arc<dyn StateStore> = Arc::new(SqliteStore::open(path).await.unwrap());
    let lock = StackLock::acquire(Arc::clone(&store), "s", &Holder::this_process("test"), Duration::from_secs(60)).await.unwrap();
    assert_eq!(store.lock_info("s").await.unwrap().map(|i| i.id), Some(lock.id().to_owned()), "the lock is taken");
    assert!(matches!(store.lock("s", &other(), Duration::from_secs(60)).await, Err(StoreError::Locked { .. })), "another run is refused");
    (store, lock)
}

/// On a multi-threaded runtime the drop releases the lock before it returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_lock_is_released_at_once_on_a_multi_threaded_runtime() {
    let (store, lock) = locked(&tempdir().join("state.db")).await;
    drop(lock);
    assert!(store.lock_info("s").await.unwrap().is_none(), "the dropped lock is still held");
    let taken = store.lock("s", &other(), Duration::from_secs(60)).await.expect("another run takes it");
    store.unlock("s", &taken.id).await.unwrap();
}

/// On a current-thread runtime a task releases it at the next await.
#[tokio::test]
async fn a_dropped_lock_is_released_at_the_next_await_on_a_current_thread_runtime() {
    let (store, lock) = locked(&tempdir().join("state.db")).await;
    drop(lock);
    tokio::task::yield_now().await;
    assert!(store.lock_info("s").await.unwrap().is_none(), "the dropped lock is still held");
    store.lock("s", &other(), Duration::from_secs(60)).await.expect("another run takes it");
}

/// Outside any runtime the drop releases it before it returns.
#[test]
fn a_lock_dropped_outside_a_runtime_is_released() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (store, lock) = rt.block_on(locked(&tempdir().join("state.db")));
    drop(lock);
    rt.block_on(async {
        assert!(store.lock_info("s").await.unwrap().is_none(), "the dropped lock is still held");
        store.lock("s", &other(), Duration::from_secs(60)).await.expect("another run takes it");
    });
}

/// A lock released explicitly reports how that went, and nothing of it touches the lock
/// another run takes next.
#[tokio::test]
async fn release_reports_and_the_drop_then_does_nothing() {
    let (store, lock) = locked(&tempdir().join("state.db")).await;
    lock.release().await.unwrap();
    let taken = store.lock("s", &other(), Duration::from_secs(60)).await.expect("another run takes it");
    tokio::task::yield_now().await;
    assert_eq!(store.lock_info("s").await.unwrap().map(|i| i.id), Some(taken.id));
}

/// A file of the third schema (the namespace, a journal without tokens) gains the token
/// column, keeps its journal, and records a create's token from then on.
#[tokio::test]
async fn a_third_schema_file_gains_the_journal_token_keeping_its_rows() {
    let path = tempdir().join("state.db");
    Connection::open(&path).unwrap().execute_batch(&format!("{FIRST_SCHEMA}{SECOND_SCHEMA}")).unwrap();
    // What a build of the third schema leaves: the tables moved, the version at 3.
    for t in ["resources", "stack_outputs", "pending", "locks"] {
        Connection::open(&path).unwrap().execute_batch(&format!("ALTER TABLE {t} RENAME TO formae_rs_{t}")).unwrap();
    }
    Connection::open(&path).unwrap().pragma_update(None, "user_version", 3).unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let state = store.load("s").await.unwrap();
    assert_eq!(state.pending["half"].client_token, None);
    assert_eq!(state.pending["half"].started_at, "2026-01-02T03:04:05.000Z");
    let token = crate::state::new_client_token();
    let op = PendingOp { client_token: Some(token.clone()), ..state.pending["half"].clone() };
    store.put_pending("s", "half", &op).await.unwrap();
    assert_eq!(store.load("s").await.unwrap().pending["half"].client_token, Some(token));
}

/// A large state's records are made on another thread while its pages are read: every
/// one comes back, and a corrupt one on a later page is still reported by name.
#[tokio::test]
async fn a_large_state_loads_whole_and_a_corrupt_row_on_a_later_page_is_reported() {
    let path = tempdir().join("state.db");
    let store = SqliteStore::open(&path).await.unwrap();
    let mut state = StackState::empty("s");
    for i in 0..5_000 {
        state.resources.insert(format!("r{i:04}"), rec());
    }
    store.put_state(&state).await.unwrap();
    let loaded = store.load("s").await.unwrap();
    assert_eq!(loaded.resources.keys().collect::<Vec<_>>(), state.resources.keys().collect::<Vec<_>>());
    assert_eq!(loaded.resources["r4999"].outputs, rec().outputs);
    store.backend().execute("UPDATE formae_rs_resources SET outputs = '[1' WHERE name = 'r4321'", vec![]).await.unwrap();
    let err = store.load("s").await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { ref resource, .. } if resource == "r4321"), "{err}");
}
