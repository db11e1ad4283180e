//! TLS to the PostgreSQL state store, and the connection settings that choose it:
//! `sslmode` and `sslrootcert` taken out of the URL, libpq's defaults, and what a refusal
//! says to do.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::Host;
use tokio_postgres::Config;
/// How the connection is protected: `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SslMode {
    /// No TLS.
    Disable,
    /// TLS; the certificate is not checked.
    Require,
    /// TLS; the certificate is checked against the roots and the host name.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, TlsError> {
        match value {
            "disable" => Ok(SslMode::Disable),
            "require" => Ok(SslMode::Require),
            "verify-full" => Ok(SslMode::VerifyFull),
            other => Err(TlsError::UnknownMode(other.to_owned())),
        }
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// Why the PostgreSQL state store cannot be reached as its URL says.
#[derive(Debug, thiserror::Error)]
pub(super) enum TlsError {
    #[error("the PostgreSQL state URL does not parse ({0}); write it as postgresql://USER@HOST:PORT/DATABASE")]
    Parse(String),
    #[error("the PostgreSQL state URL holds a password; remove it and set FORMAE_STATE_PASSWORD (or PGPASSWORD) instead")]
    Password,
    #[error("sslmode `{0}` in the PostgreSQL state URL is not supported; use disable, require or verify-full")]
    UnknownMode(String),
    #[error("the PostgreSQL state URL sets sslrootcert, but sslmode={0} does not check the server's certificate; use sslmode=verify-full, or remove sslrootcert")]
    RootCertUnused(SslMode),
    #[error("the PostgreSQL state URL asks for sslmode={mode}, but {socket} is a Unix socket, which never carries TLS; a socket is local: remove sslmode, or connect over TCP")]
    Socket { mode: SslMode, socket: String },
    #[error("sslmode={0} needs the server's name: the PostgreSQL state URL gives only hostaddr; add host=NAME, the name on the server's certificate")]
    NoHostName(SslMode),
    #[error("cannot read sslrootcert {path}: {source}; set sslrootcert to the path of the CA bundle (for RDS, global-bundle.pem)")]
    RootCertRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("sslrootcert {path} holds no usable certificate ({detail}); it should be a PEM bundle of CA certificates, such as RDS's global-bundle.pem")]
    RootCertEmpty { path: String, detail: String },
    #[error("cannot set up TLS for the state database: {0}")]
    Setup(rustls::Error),
    #[error("the state database {shown} does not offer TLS, which sslmode={mode} requires; turn TLS on at the server (ssl = on), or, on a network you trust, set sslmode=disable in the PostgreSQL state URL")]
    NoTlsOffered { shown: String, mode: SslMode },
    #[error("the certificate of the state database {shown} is not signed by {roots}; set sslrootcert in the PostgreSQL state URL to the bundle of the CA that signed it (for RDS, the RDS CA bundle, global-bundle.pem)")]
    UnknownIssuer { shown: String, roots: String },
    #[error("the certificate of the state database {shown} is not for `{host}`{presented}; connect with a name the certificate holds (for RDS, the endpoint of the instance or cluster, not an IP address or another DNS name)")]
    WrongName { shown: String, host: String, presented: String },
    #[error("the certificate of the state database {shown} was refused: {reason}")]
    BadCertificate { shown: String, reason: String },
    #[error("TLS with the state database {shown} failed ({reason}); check that the server and sslmode={mode} agree")]
    Handshake { shown: String, mode: SslMode, reason: String },
    #[error("cannot connect to the state database {shown}: {reason}; check the URL in formae.toml and that the server is reachable")]
    Connect { shown: String, reason: String },
}

/// What a state URL asks for: the settings tokio-postgres takes, and TLS.
#[derive(Debug)]
pub(super) struct Settings {
    pub(super) config: Config,
    pub(super) mode: SslMode,
    pub(super) root_cert: Option<PathBuf>,
}

impl Settings {
    pub(super) fn parse(url: &str) -> Result<Settings, TlsError> {
        let split = split_tls(url).map_err(TlsError::Parse)?;
        let config: Config = split.rest.parse().map_err(|e: tokio_postgres::Error| TlsError::Parse(e.to_string()))?;
        if config.get_password().is_some() {
            return Err(TlsError::Password);
        }
        let root_cert = split.root_cert.filter(|p| !p.is_empty()).map(PathBuf::from);
        let mode = match split.mode.as_deref() {
            Some(m) => SslMode::parse(m)?,
            None if root_cert.is_some() || !is_local(&config) => SslMode::VerifyFull,
            None => SslMode::Disable,
        };
        if root_cert.is_some() && mode != SslMode::VerifyFull {
            return Err(TlsError::RootCertUnused(mode));
        }
        if mode != SslMode::Disable {
            if let Some(Host::Unix(p)) = config.get_hosts().iter().find(|h| matches!(h, Host::Unix(_))) {
                return Err(TlsError::Socket { mode, socket: p.display().to_string() });
            }
            if config.get_hosts().is_empty() && !config.get_hostaddrs().is_empty() {
                return Err(TlsError::NoHostName(mode));
            }
        }
        Ok(Settings { config, mode, root_cert })
    }
}

/// Every host is on this machine: a Unix socket, or a loopback name or address.
fn is_local(config: &Config) -> bool {
    let loopback = |name: &str| name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|a| a.is_loopback());
    config.get_hosts().iter().all(|h| match h {
        Host::Tcp(name) => loopback(name),
        Host::Unix(_) => true,
    }) && config.get_hostaddrs().iter().all(IpAddr::is_loopback)
}

/// A state URL with its `sslmode` and `sslrootcert` taken out (tokio-postgres knows
/// neither `verify-full` nor `sslrootcert`), and their values, the last of each.
#[derive(Debug, PartialEq, Eq)]
struct Split {
    rest: String,
    mode: Option<String>,
    root_cert: Option<String>,
}

const TLS_KEYS: [&str; 2] = ["sslmode", "sslrootcert"];

fn split_tls(url: &str) -> Result<Split, String> {
    let mut split = Split { rest: String::new(), mode: None, root_cert: None };
    let mut take = |key: &str, value: String| match key {
        "sslmode" => split.mode = Some(value),
        _ => split.root_cert = Some(value),
    };
    let after_scheme = ["postgres://", "postgresql://"].iter().find_map(|p| url.strip_prefix(p));
    let rest = match after_scheme {
        // As tokio-postgres reads a URL: the credentials run to the first `@`, the
        // parameters start at the next `?`.
        Some(tail) => {
            let from = url.len() - tail.len() + tail.find('@').map_or(0, |i| i + 1);
            match url[from..].find('?') {
                None => url.to_owned(),
                Some(q) => {
                    let (head, query) = (&url[..from + q], &url[from + q + 1..]);
                    let mut kept = Vec::new();
                    for piece in query.split('&').filter(|p| !p.is_empty()) {
                        let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
                        let key = percent_decode(key)?;
                        if TLS_KEYS.contains(&key.as_str()) {
                            take(&key, percent_decode(value)?);
                        } else {
                            kept.push(piece);
                        }
                    }
                    if kept.is_empty() {
                        head.to_owned()
                    } else {
                        format!("{head}?{}", kept.join("&"))
                    }
                }
            }
        }
        None => {
            let mut rest = String::new();
            let mut last = 0;
            for (start, end, key, value) in key_values(url)? {
                if TLS_KEYS.contains(&key) {
                    rest.push_str(&url[last..start]);
                    last = end;
                    take(key, value);
                }
            }
            rest.push_str(&url[last..]);
            rest
        }
    };
    split.rest = rest;
    Ok(split)
}

/// `%XX` decoded, as tokio-postgres decodes a URL's parts.
fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{s}` is not UTF-8 once percent-decoded"))
}

/// The `key=value` pairs of libpq's other form, each with the span it takes (values may
/// be quoted with `'` and escape with `\`), as tokio-postgres reads them.
fn key_values(s: &str) -> Result<Vec<(usize, usize, &str, String)>, String> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    let skip_ws = |it: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_ws(&mut it);
        let Some(&(start, _)) = it.peek() else { break };
        let mut key_end = start;
        while let Some((i, c)) = it.next_if(|(_, c)| !c.is_whitespace() && *c != '=') {
            key_end = i + c.len_utf8();
        }
        let key = &s[start..key_end];
        if key.is_empty() {
            // tokio-postgres stops here too; it reports what is wrong.
            break;
        }
        skip_ws(&mut it);
        if it.next_if(|(_, c)| *c == '=').is_none() {
            return Err(format!("`{key}` has no `=`"));
        }
        skip_ws(&mut it);
        let mut value = String::new();
        let mut end = s.len();
        if it.next_if(|(_, c)| *c == '\'').is_some() {
            let mut closed = false;
            while let Some((i, c)) = it.next() {
                match c {
                    '\\' => value.extend(it.next().map(|(_, c)| c)),
                    '\'' => {
                        end = i + 1;
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(format!("the quoted value of `{key}` is not closed"));
            }
        } else {
            while let Some((i, c)) = it.peek().copied() {
                if c.is_whitespace() {
                    end = i;
                    break;
                }
                it.next();
                if c == '\\' {
                    value.extend(it.next().map(|(_, c)| c));
                } else {
                    value.push(c);
                }
            }
            if value.is_empty() {
                return Err(format!("`{key}` has no value"));
            }
        }
        out.push((start, end, key, value));
    }
    Ok(out)
}

/// rustls with *ring*, named rather than the process default: the AWS SDK brings rustls
/// in with a second provider, and with two rustls picks neither on its own.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(super) fn tls_config(mode: SslMode, root_cert: Option<&Path>) -> Result<ClientConfig, TlsError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider)).with_safe_default_protocol_versions().map_err(TlsError::Setup)?;
    let mut config = match mode {
        SslMode::VerifyFull => builder.with_root_certificates(roots(root_cert)?).with_no_client_auth(),
        SslMode::Require | SslMode::Disable => builder.dangerous().with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))).with_no_client_auth(),
    };
    // As libpq does since PostgreSQL 17; servers before it ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

/// `sslrootcert`'s certificates, else the well-known public CAs.
fn roots(root_cert: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let Some(path) = root_cert else {
        return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    };
    let shown = path.display().to_string();
    let pem = std::fs::read(path).map_err(|source| TlsError::RootCertRead { path: shown.clone(), source })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::RootCertEmpty { path: shown.clone(), detail: format!("its PEM does not parse: {e}") })?;
    let found = certs.len();
    let mut store = RootCertStore::empty();
    let (added, ignored) = store.add_parsable_certificates(certs);
    if added == 0 {
        let detail = if found == 0 { "no CERTIFICATE section".to_owned() } else { format!("none of its {found} certificates parses") };
        return Err(TlsError::RootCertEmpty { path: shown, detail });
    }
    if ignored > 0 {
        tracing::warn!(sslrootcert = %shown, ignored, "certificates in sslrootcert that do not parse are ignored");
    }
    Ok(store)
}

/// `sslmode=require`: any certificate is taken, but the handshake's signatures are
/// still checked against it.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(&self, _: &CertificateDer<'_>, _: &[CertificateDer<'_>], _: &ServerName<'_>, _: &[u8], _: UnixTime) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Why connecting failed, in the user's terms when TLS is why.
pub(super) fn refused(e: &tokio_postgres::Error, shown: &str, hosts: &[String], mode: SslMode, root_cert: Option<&Path>) -> TlsError {
    let shown = shown.to_owned();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        // tokio-rustls hands rustls's error over inside an io::Error, whose source()
        // skips it.
        let tls = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|inner| inner.downcast_ref::<rustls::Error>());
        match tls {
            Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature)) => {
                let roots = match root_cert {
                    Some(p) => format!("a CA in sslrootcert ({})", p.display()),
                    None => "any of the well-known public CAs (sslrootcert is not set)".to_owned(),
                };
                return TlsError::UnknownIssuer { shown, roots };
            }
            Some(rustls::Error::InvalidCertificate(c @ (CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }))) => {
                let presented = match c {
                    CertificateError::NotValidForNameContext { presented, .. } if !presented.is_empty() => {
                        // rustls gives them as `DnsName("db.example")` and `IpAddress(10.0.0.5)`.
                        let names: Vec<&str> = presented
                            .iter()
                            .map(|p| p.strip_prefix("DnsName(\"").and_then(|n| n.strip_suffix("\")")).or_else(|| p.strip_prefix("IpAddress(").and_then(|n| n.strip_suffix(')'))).unwrap_or(p))
                            .collect();
                        format!(" (it is for {})", names.join(", "))
                    }
                    _ => String::new(),
                };
                return TlsError::WrongName { shown, host: hosts.join(","), presented };
            }
            Some(rustls::Error::InvalidCertificate(c)) => return TlsError::BadCertificate { shown, reason: c.to_string() },
            Some(other) => return TlsError::Handshake { shown, mode, reason: other.to_string() },
            None => {}
        }
        if mode != SslMode::Disable && err.to_string() == "server does not support TLS" {
            return TlsError::NoTlsOffered { shown, mode };
        }
        source = err.source();
    }
    TlsError::Connect { shown, reason: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::super::PostgresStore;
    use super::*;

    fn settings(url: &str) -> Settings {
        Settings::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn refusal(url: &str) -> String {
        Settings::parse(url).map(|s| format!("{s:?}")).expect_err(url).to_string()
    }

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_both_forms() {
        let s = split_tls("postgresql://formae@db.example:5432/formae?sslmode=verify-full&sslrootcert=%2Fetc%2Frds%2Fglobal-bundle.pem&application_name=formae").unwrap();
        assert_eq!(s.rest, "postgresql://formae@db.example:5432/formae?application_name=formae");
        assert_eq!(s.mode.as_deref(), Some("verify-full"));
        assert_eq!(s.root_cert.as_deref(), Some("/etc/rds/global-bundle.pem"));
        let s = split_tls("postgres://db.example/formae?sslrootcert=ca.pem&sslmode=require").unwrap();
        assert_eq!((s.rest.as_str(), s.mode.as_deref(), s.root_cert.as_deref()), ("postgres://db.example/formae", Some("require"), Some("ca.pem")));
        let s = split_tls("host=db.example  sslmode = verify-full user=formae sslrootcert='/path with space/it\\'s.pem' dbname=formae").unwrap();
        assert_eq!(s.mode.as_deref(), Some("verify-full"));
        assert_eq!(s.root_cert.as_deref(), Some("/path with space/it's.pem"));
        assert_eq!(s.rest.split_whitespace().collect::<Vec<_>>(), ["host=db.example", "user=formae", "dbname=formae"]);
        // Nothing to take: the URL is left as it is.
        for url in ["postgresql://formae@db/formae", "host=/tmp user=postgres", "postgresql://db/x?connect_timeout=5"] {
            assert_eq!(split_tls(url).unwrap(), Split { rest: url.to_owned(), mode: None, root_cert: None });
        }
        // The last one counts, as in libpq.
        assert_eq!(split_tls("host=db sslmode=disable sslmode=require").unwrap().mode.as_deref(), Some("require"));
        assert!(split_tls("host=db sslrootcert='open").unwrap_err().contains("not closed"));
        assert!(split_tls("host=db sslmode").unwrap_err().contains("no `=`"));
    }

    #[test]
    fn the_default_is_verify_full_except_on_this_machine() {
        for url in [
            "host=/var/run/postgresql user=formae",
            "postgresql://formae@localhost/formae",
            "postgresql://formae@127.0.0.1:5433/formae",
            "postgresql://formae@[::1]:5432/formae",
            "host=LocalHost user=formae",
            "hostaddr=127.0.0.1 user=formae",
        ] {
            assert_eq!(settings(url).mode, SslMode::Disable, "{url}");
        }
        for url in [
            "postgresql://formae@db.internal:5432/formae",
            "postgresql://formae@formae.abc123.us-east-1.rds.amazonaws.com/formae",
            "host=10.0.0.5 user=formae",
            "host=localhost,db.internal user=formae",
            // A tunnel: the name is the server's, the address this machine's.
            "host=db.internal hostaddr=127.0.0.1 user=formae",
            "host=localhost hostaddr=10.0.0.5 user=formae",
            // A root given asks for verification, even on this machine.
            "postgresql://formae@localhost/formae?sslrootcert=ca.pem",
        ] {
            assert_eq!(settings(url).mode, SslMode::VerifyFull, "{url}");
        }
        let s = settings("postgresql://formae@db.internal/formae?sslmode=disable");
        assert_eq!((s.mode, s.root_cert), (SslMode::Disable, None));
        let s = settings("host=localhost sslmode=require");
        assert_eq!(s.mode, SslMode::Require);
        let s = settings("host=db.internal sslmode=verify-full sslrootcert=/etc/rds/global-bundle.pem dbname=formae");
        assert_eq!((s.mode, s.root_cert.as_deref()), (SslMode::VerifyFull, Some(Path::new("/etc/rds/global-bundle.pem"))));
        assert_eq!(s.config.get_dbname(), Some("formae"));
        assert_eq!(s.config.get_ssl_mode(), tokio_postgres::config::SslMode::Prefer, "tokio-postgres's mode is set at connect");
    }

    #[test]
    fn other_modes_and_contradictions_are_refused_with_what_to_do() {
        for mode in ["prefer", "allow", "verify-ca", "VERIFY-FULL", ""] {
            let e = refusal(&format!("postgresql://formae@db/formae?sslmode={mode}"));
            assert!(e.contains(&format!("sslmode `{mode}`")) && e.contains("disable, require or verify-full"), "{e}");
        }
        let e = refusal("host=db sslmode=require sslrootcert=ca.pem");
        assert!(e.contains("sslmode=require does not check") && e.contains("verify-full"), "{e}");
        let e = refusal("host=/var/run/postgresql sslmode=verify-full");
        assert!(e.contains("/var/run/postgresql is a Unix socket"), "{e}");
        let e = refusal("hostaddr=10.0.0.5 sslmode=require");
        assert!(e.contains("add host=NAME"), "{e}");
        let e = refusal("postgresql://formae:hunter2@db/formae?sslmode=require");
        assert!(e.contains("holds a password") && !e.contains("hunter2"), "{e}");
        let e = refusal("postgresql://db/formae?sslmode=%FF");
        assert!(e.contains("does not parse") && e.contains("UTF-8"), "{e}");
        assert!(PostgresStore::check_url("host=db sslmode=verify-full").is_ok());
        assert!(PostgresStore::check_url("host=db sslmode=prefer").is_err());
    }

    #[test]
    fn the_root_bundle_is_read_with_clear_errors() {
        let dir = std::env::temp_dir().join(format!("formae-pg-roots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let e = roots(Some(&missing)).unwrap_err().to_string();
        assert!(e.contains("cannot read sslrootcert") && e.contains("missing.pem") && e.contains("global-bundle.pem"), "{e}");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = roots(Some(&empty)).unwrap_err().to_string();
        assert!(e.contains("no usable certificate") && e.contains("no CERTIFICATE section"), "{e}");
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
        let e = roots(Some(&junk)).unwrap_err().to_string();
        assert!(e.contains("no usable certificate"), "{e}");
        assert!(!roots(None).unwrap().is_empty(), "the public roots are there without sslrootcert");
        let _ = std::fs::remove_dir_all(&dir);
        for mode in [SslMode::Require, SslMode::VerifyFull] {
            assert_eq!(tls_config(mode, None).unwrap().alpn_protocols, vec![b"postgresql".to_vec()]);
        }
    }
}
