//! TLS to the PostgreSQL state store: `sslmode` (`disable`, `require`, `verify-full`) and
//! `sslrootcert`, against the sandbox's PostgreSQL, which serves TLS on 127.0.0.1 with a
//! certificate for `localhost` signed by a CA it makes at start.

use std::path::Path;

use formae_runtime::state::{RecordedResource, ResourceStatus};
use formae_runtime::store::{PostgresStore, StateStore};
use formae_runtime::StackState;
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use formae_tests::stores::postgres_database;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn stack(name: &str, resources: usize) -> StackState {
    let mut st = StackState::empty(name);
    for i in 0..resources {
        let role = format!("{name}-role-{i}");
        st.resources.insert(
            format!("r{i:05}"),
            RecordedResource {
                type_name: "AWS::IAM::Role".into(),
                cloud_id: role.clone(),
                props: formae_runtime::state::RecordedProps::new(json!({"role_name": role, "password": "sha256:00"}), ["/password".to_owned()].into()),
                outputs: [("arn".to_owned(), json!(format!("arn:aws:iam::123456789012:role/{role}")))].into_iter().collect(),
                deps: vec![],
                status: ResourceStatus::Ready, protected: false, region: None
            },
        );
    }
    st.outputs.insert("url".into(), json!("https://agent.example"));
    st
}

async fn open(url: &str) -> Result<PostgresStore, String> {
    PostgresStore::connect(url).await.map_err(|e| e.to_string())
}

fn tls(url: &str, mode: &str, root: Option<&Path>) -> String {
    match root {
        Some(r) => format!("{url}?sslmode={mode}&sslrootcert={}", r.display()),
        None => format!("{url}?sslmode={mode}"),
    }
}

#[tokio::test]
async fn the_state_store_speaks_tls_and_checks_the_certificate() {
    let env = Env::start("pg-tls", Delays::default()).await;
    let socket = postgres_database(&env.sandbox, "formae_tls").await;
    let (url, ca) = env.sandbox.postgres_tls_url("formae_tls").expect("the sandbox serves PostgreSQL over TCP");
    let other_ca = ca.with_file_name("pg-other-ca.pem");

    // verify-full with the CA that signed the server's certificate: a stack's state
    // round-trips, and is the database the socket reaches.
    let verified = open(&tls(&url, "verify-full", Some(&ca))).await.unwrap_or_else(|e| panic!("verify-full with the right CA: {e}"));
    let st = stack("over-tls", 25);
    verified.put_state(&st).await.unwrap();
    assert_eq!(verified.load("over-tls").await.unwrap(), st);
    verified.put_resource("over-tls", "r00025", &stack("x", 1).resources["r00000"]).await.unwrap();
    assert_eq!(verified.load("over-tls").await.unwrap().resources.len(), 26);

    // The default over a Unix socket is no TLS, and it still works; it sees the same state.
    let local = open(&socket).await.unwrap_or_else(|e| panic!("the Unix socket without sslmode: {e}"));
    assert_eq!(local.load("over-tls").await.unwrap().resources.len(), 26);
    local.put_state(&stack("over-socket", 3)).await.unwrap();
    assert_eq!(verified.load("over-socket").await.unwrap(), stack("over-socket", 3));

    // The key=value form, and the certificate's IP address as the host.
    let port = url.rsplit_once(':').and_then(|(_, p)| p.split('/').next()).unwrap();
    let kv = format!("host=127.0.0.1 port={port} user=postgres dbname=formae_tls sslmode=verify-full sslrootcert='{}'", ca.display());
    let by_ip = open(&kv).await.unwrap_or_else(|e| panic!("verify-full by IP address: {e}"));
    assert_eq!(by_ip.load("over-tls").await.unwrap().resources.len(), 26);

    // Another CA: refused, saying what to set.
    let e = open(&tls(&url, "verify-full", Some(&other_ca))).await.map(|_| ()).expect_err("a certificate from another CA was taken");
    assert!(e.contains("certificate") && e.contains("is not signed by a CA in sslrootcert") && e.contains("pg-other-ca.pem"), "{e}");
    assert!(e.contains("global-bundle.pem"), "{e}");
    // No sslrootcert: the public roots do not know the sandbox's CA either.
    let e = open(&tls(&url, "verify-full", None)).await.map(|_| ()).expect_err("a private CA passed the public roots");
    assert!(e.contains("is not signed by any of the well-known public CAs (sslrootcert is not set)"), "{e}");
    // The right CA, but a name the certificate does not hold.
    let wrong = format!("host=db.example hostaddr=127.0.0.1 port={port} user=postgres dbname=formae_tls sslmode=verify-full sslrootcert={}", ca.display());
    let e = open(&wrong).await.map(|_| ()).expect_err("a certificate for another name was taken");
    assert!(e.contains("is not for `db.example` (it is for localhost, 127.0.0.1)"), "{e}");

    // require: encrypted, the certificate not checked.
    let required = open(&tls(&url, "require", None)).await.unwrap_or_else(|e| panic!("require: {e}"));
    assert_eq!(required.load("over-tls").await.unwrap().resources.len(), 26);
    let e = open(&tls(&url, "require", Some(&other_ca))).await.map(|_| ()).expect_err("sslrootcert with require");
    assert!(e.contains("sslmode=require does not check"), "{e}");

    // disable on the TLS port still works, and so does localhost's default (no TLS).
    for plain in [tls(&url, "disable", None), url.clone()] {
        let store = open(&plain).await.unwrap_or_else(|e| panic!("{plain}: {e}"));
        assert_eq!(store.load("over-tls").await.unwrap().resources.len(), 26);
    }

    // TLS is never asked of a Unix socket.
    let e = open(&format!("{socket} sslmode=verify-full")).await.map(|_| ()).expect_err("verify-full over a socket");
    assert!(e.contains("is a Unix socket"), "{e}");
}

/// A server that answers "no" to TLS: refused under require and verify-full, with what
/// to do; a remote host without sslmode is verify-full.
#[tokio::test]
async fn a_server_without_tls_is_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 8];
                if s.read_exact(&mut request).await.is_ok() && request == [0, 0, 0, 8, 4, 210, 22, 47] {
                    let _ = s.write_all(b"N").await;
                }
                let _ = s.read(&mut request).await;
            });
        }
    });
    for mode in ["require", "verify-full"] {
        let url = format!("host=localhost hostaddr=127.0.0.1 port={port} user=formae dbname=formae sslmode={mode}");
        let e = open(&url).await.map(|_| ()).expect_err("a server without TLS was used");
        assert!(e.contains("does not offer TLS") && e.contains(&format!("sslmode={mode} requires")) && e.contains("sslmode=disable"), "{e}");
    }
    let e = open("postgresql://formae@db.example/formae?sslmode=prefer").await.map(|_| ()).unwrap_err();
    assert!(e.contains("sslmode `prefer`") && e.contains("disable, require or verify-full"), "{e}");
}
