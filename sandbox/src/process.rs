//! The sandbox's process: where it runs, starting it, finding it, stopping it and all it
//! started.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::io;
use crate::{http, py_dir, repo_root, venv, Delays, Sandbox, SandboxError, DEFAULT_PORT};

/// How long a starting sandbox may take to answer (moto imports slowly on a cold disk).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A free port on 127.0.0.1.
pub fn free_port() -> Result<u16, SandboxError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(io("finding a free port"))?;
    Ok(l.local_addr().map_err(io("finding a free port"))?.port())
}

impl Sandbox {
    /// The developer's sandbox directory: `FORMAE_SANDBOX_DIR`, else
    /// `target/sandbox/default`.
    pub fn default_dir() -> PathBuf {
        std::env::var_os("FORMAE_SANDBOX_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target/sandbox/default"))
    }

    /// The port the developer's sandbox is started on: `FORMAE_SANDBOX_PORT`, else
    /// [`DEFAULT_PORT`].
    pub fn default_port() -> u16 {
        std::env::var("FORMAE_SANDBOX_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(DEFAULT_PORT)
    }

    /// Starts a sandbox in `dir` on `port` with `delays`, wiping what a previous one left
    /// there; waits until it answers.
    pub fn start(dir: &Path, port: u16, delays: Delays) -> Result<Sandbox, SandboxError> {
        if let Some(running) = Sandbox::find(dir) {
            return Err(SandboxError::AlreadyRunning { dir: dir.to_owned(), endpoint: running.endpoint });
        }
        let venv = venv()?;
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(io("clearing the old sandbox directory"))?;
        }
        fs::create_dir_all(dir).map_err(io("creating the sandbox directory"))?;
        let log = fs::File::create(dir.join("sandbox.log")).map_err(io("creating the sandbox log"))?;
        let log2 = log.try_clone().map_err(io("opening the sandbox log"))?;
        let mut cmd = Command::new(venv.join("bin/python"));
        cmd.arg(py_dir().join("sandbox.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(dir)
            .args(["--cluster-delay", &delays.cluster.to_string()])
            .args(["--instance-delay", &delays.instance.to_string()])
            .args(["--service-delay", &delays.service.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        // Its own process group: a Ctrl-C meant for a deploy does not stop the sandbox.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(io("starting the sandbox"))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while start.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = child.try_wait() {
                let log = fs::read_to_string(dir.join("sandbox.log")).unwrap_or_default();
                return Err(SandboxError::DiedStarting { status, log });
            }
            if answers(&endpoint) {
                fs::write(dir.join("endpoint"), &endpoint).map_err(io("writing the endpoint file"))?;
                tracing::debug!(%endpoint, dir = %dir.display(), "sandbox started");
                return Ok(Sandbox { dir: dir.to_owned(), endpoint });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = child.kill();
        Err(SandboxError::NoAnswer { dir: dir.to_owned() })
    }

    /// The sandbox running in `dir`, if one answers.
    pub fn find(dir: &Path) -> Option<Sandbox> {
        let endpoint = fs::read_to_string(dir.join("endpoint")).ok()?;
        answers(&endpoint).then(|| Sandbox { dir: dir.to_owned(), endpoint })
    }

    /// Stops the sandbox in `dir` and every process it started. Whether one was running.
    pub fn stop(dir: &Path) -> Result<bool, SandboxError> {
        let Ok(pid) = fs::read_to_string(dir.join("sandbox.pid")) else { return Ok(false) };
        let pid = pid.trim().to_owned();
        let _ = fs::remove_file(dir.join("endpoint"));
        let alive = |pid: &str| Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid);
        if !alive(&pid) {
            let _ = fs::remove_file(dir.join("sandbox.pid"));
            return Ok(false);
        }
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while alive(&pid) && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(100));
        }
        if alive(&pid) {
            tracing::debug!(%pid, "the sandbox did not stop on TERM; killing its process group");
            let _ = Command::new("kill").args(["-KILL", &format!("-{pid}")]).status();
        }
        // PostgreSQL is stopped by the sandbox on its way out; make sure of it.
        let pgdata = dir.join("pgdata");
        if let Ok(pm) = fs::read_to_string(pgdata.join("postmaster.pid")) {
            if let Some(pg) = pm.lines().next() {
                let _ = Command::new("kill").args(["-TERM", pg.trim()]).status();
            }
        }
        let _ = fs::remove_file(dir.join("sandbox.pid"));
        tracing::debug!(dir = %dir.display(), "sandbox stopped");
        Ok(true)
    }
}

/// Whether a sandbox answers at `endpoint`.
fn answers(endpoint: &str) -> bool {
    http::request(endpoint, "GET", "/moto-api/", "").is_ok_and(|(code, _)| code == 200)
}

fn is_zombie(pid: &str) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}
