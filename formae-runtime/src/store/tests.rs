//! The embedded store's own cases; what every backend must do is the conformance suite in
//! the tests crate.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::Connection;

use super::*;

fn rec() -> RecordedResource {
    RecordedResource {
        type_name: "AWS::IAM::Role".into(),
        cloud_id: "r".into(),
        props: crate::state::RecordedProps::plain(serde_json::json!({"role_name": "r"})),
        outputs: BTreeMap::from([("arn".to_owned(), serde_json::json!("arn:aws:iam::1:role/r"))]),
        deps: vec!["x".into()],
        status: ResourceStatus::Ready,
    }
}

fn tempdir() -> PathBuf {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let d = std::env::temp_dir().join(format!("formae-store-{}-{t}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

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
    store.backend().execute("UPDATE resources SET props = '{not json'", vec![]).await.unwrap();
    let err = store.load("s").await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { ref resource, .. } if resource == "r"), "{err}");
}

/// A file written by the first schema (resources and outputs only) is migrated in place
/// and keeps what it recorded.
#[tokio::test]
async fn a_first_schema_file_is_migrated_keeping_its_records() {
    let path = tempdir().join("state.db");
    {
        let c = Connection::open(&path).unwrap();
        for sql in &migrations(Dialect::Sqlite)[0] {
            c.execute_batch(sql).unwrap();
        }
        c.execute(
            "INSERT INTO resources (stack, name, type, cloud_id, props, outputs, deps, status) VALUES ('s', 'r', 'AWS::IAM::Role', 'r', '{\"role_name\":\"r\"}', '{\"arn\":\"arn:aws:iam::1:role/r\"}', '[\"x\"]', 'ready')",
            [],
        )
        .unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.load("s").await.unwrap().resources["r"], rec());
    let v: i64 = Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, SCHEMA_VERSION);
}
