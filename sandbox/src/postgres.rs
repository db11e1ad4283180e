//! Where the sandbox's PostgreSQL answers: its Unix socket, and its TLS front.

use std::fs;
use std::path::PathBuf;

use crate::error::io;
use crate::{Sandbox, SandboxError};

impl Sandbox {
    /// Connection settings for `database` on the sandbox's PostgreSQL (a Unix socket only,
    /// trusted, user `postgres`), in `key=value` form.
    pub fn postgres_url(&self, database: &str) -> Result<String, SandboxError> {
        let pgdata = self.dir.join("pgdata");
        let entries = fs::read_dir(&pgdata).map_err(io("reading the PostgreSQL data directory"))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(port) = name.strip_prefix(".s.PGSQL.").filter(|p| !p.ends_with(".lock")) {
                return Ok(format!("host={} port={port} user=postgres dbname={database}", pgdata.display()));
            }
        }
        Err(SandboxError::Missing(format!("no PostgreSQL socket in {}", pgdata.display())))
    }

    /// A `postgresql://` URL for `database` on the sandbox's PostgreSQL over TCP (host
    /// `localhost`, user `postgres`, no `sslmode`), where it serves TLS to the clients that
    /// ask and plain connections to the others; and the CA PEM that signed its
    /// certificate (for `localhost` and `127.0.0.1`), made at start. `pg-other-ca.pem`
    /// beside it is a CA that signed nothing.
    pub fn postgres_tls_url(&self, database: &str) -> Result<(String, PathBuf), SandboxError> {
        let text = fs::read_to_string(self.dir.join("pg-tls-port")).map_err(io("reading the sandbox's PostgreSQL TLS port"))?;
        let port: u16 = text
            .trim()
            .parse()
            .map_err(|e| SandboxError::Missing(format!("{}/pg-tls-port holds `{}`, not a port: {e}", self.dir.display(), text.trim())))?;
        let ca = self.dir.join("pg-ca.pem");
        if !ca.is_file() {
            return Err(SandboxError::Missing(format!("no PostgreSQL CA at {}", ca.display())));
        }
        Ok((format!("postgresql://postgres@localhost:{port}/{database}"), ca))
    }
}
