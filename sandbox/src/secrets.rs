//! Secrets for deploys into a sandbox: the real source when it has a value, else one
//! generated once per sandbox and kept in its directory.

use std::fs;
use std::io::Read;
use std::path::PathBuf;

use formae_runtime::plan::SecretReader;
use formae_runtime::resolve::{read_secret, SecretError};
use formae_runtime::SecretSource;

use crate::Sandbox;

/// Reads secrets as usual, falling back to per-sandbox generated ones.
#[derive(Debug, Clone)]
pub struct SandboxSecrets {
    dir: PathBuf,
}

impl Sandbox {
    /// Secrets for deploys into this sandbox: the real source when it yields a value,
    /// else a value generated once and kept in the sandbox's directory.
    pub fn secrets(&self) -> SandboxSecrets {
        SandboxSecrets { dir: self.dir.join("secrets") }
    }
}

impl SecretReader for SandboxSecrets {
    fn read(&self, source: &SecretSource) -> Result<String, SecretError> {
        match read_secret(source) {
            Ok(v) => Ok(v),
            Err(SecretError::EnvUnset(name)) => {
                let path = self.dir.join(&name);
                if let Ok(v) = fs::read_to_string(&path) {
                    return Ok(v);
                }
                let generated = random_hex(16).map_err(|e| SecretError::File { path: "/dev/urandom".into(), reason: e.to_string() })?;
                fs::create_dir_all(&self.dir)
                    .and_then(|_| fs::write(&path, &generated))
                    .map_err(|e| SecretError::File { path: path.display().to_string(), reason: e.to_string() })?;
                Ok(generated)
            }
            Err(e) => Err(e),
        }
    }
}

fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}
