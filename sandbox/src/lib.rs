//! The local AWS sandbox: installs moto, PostgreSQL and the gap-filler into a venv under
//! `target/sandbox/`, starts them on 127.0.0.1, and stops them. Test infrastructure only.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use formae_runtime::plan::SecretReader;
use formae_runtime::resolve::{read_secret, SecretError};
use formae_runtime::SecretSource;

/// The port a developer's sandbox listens on.
pub const DEFAULT_PORT: u16 = 4599;

/// The region the sandbox serves; commands aimed at it use it unless told otherwise.
pub const REGION: &str = "us-east-1";

/// A sandbox step failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A command or file operation failed.
    #[error("{0}")]
    Setup(String),
    /// The sandbox is not running.
    #[error("the sandbox in {0} is not running: start it with `cargo xtask sandbox up`")]
    NotRunning(String),
}

fn setup(what: &str) -> impl FnOnce(std::io::Error) -> SandboxError + '_ {
    move |e| SandboxError::Setup(format!("{what}: {e}"))
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The Python sandbox: `sandbox.py`, its requirements and their pins.
pub fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("py")
}

/// Delays that keep resources "creating", so waiters and progress are exercised.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delays {
    /// Seconds an Aurora cluster stays creating.
    pub cluster: f64,
    /// Seconds an instance stays creating.
    pub instance: f64,
    /// Seconds an express service takes to become active (and to drain).
    pub service: f64,
}

/// A running sandbox.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// Where it keeps PostgreSQL's data, its pid, its log and its secrets.
    pub dir: PathBuf,
    /// The endpoint every AWS client points at.
    pub endpoint: String,
}

/// The virtualenv with the pinned requirements, created or refreshed when they change.
pub fn venv() -> Result<PathBuf, SandboxError> {
    let root = repo_root();
    let dir = root.join("target/sandbox/venv");
    let reqs = py_dir().join("requirements.txt");
    let pins = py_dir().join("constraints.txt");
    let wanted = fs::read_to_string(&reqs).map_err(setup(&format!("reading {}", reqs.display())))?
        + &fs::read_to_string(&pins).map_err(setup(&format!("reading {}", pins.display())))?;
    let marker = dir.join(".formae-requirements");
    if fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(dir);
    }
    eprintln!("installing the sandbox into {} (moto, PostgreSQL; about a minute, once)", dir.display());
    run(Command::new("python3").args(["-m", "venv"]).arg(&dir), "creating the sandbox venv (is python3 with venv installed?)")?;
    let pip = dir.join("bin/pip");
    run(
        Command::new(&pip).args(["install", "--quiet", "--disable-pip-version-check", "-r"]).arg(&reqs).arg("-c").arg(&pins),
        "installing the sandbox's Python packages",
    )?;
    fs::write(&marker, wanted).map_err(setup("writing the venv marker"))?;
    Ok(dir)
}

fn run(cmd: &mut Command, what: &str) -> Result<(), SandboxError> {
    let status = cmd.status().map_err(|e| SandboxError::Setup(format!("{what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(SandboxError::Setup(format!("{what}: exited with {status}")))
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> Result<u16, SandboxError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(setup("finding a free port"))?;
    Ok(l.local_addr().map_err(setup("finding a free port"))?.port())
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
            return Err(SandboxError::Setup(format!(
                "a sandbox is already running in {} at {}: stop it with `cargo xtask sandbox down`",
                dir.display(),
                running.endpoint
            )));
        }
        let venv = venv()?;
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(setup("clearing the old sandbox directory"))?;
        }
        fs::create_dir_all(dir).map_err(setup("creating the sandbox directory"))?;
        let log = fs::File::create(dir.join("sandbox.log")).map_err(setup("creating the sandbox log"))?;
        let log2 = log.try_clone().map_err(setup("opening the sandbox log"))?;
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
        let mut child = cmd.spawn().map_err(setup("starting the sandbox"))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(90) {
            if let Ok(Some(status)) = child.try_wait() {
                let log = fs::read_to_string(dir.join("sandbox.log")).unwrap_or_default();
                return Err(SandboxError::Setup(format!("the sandbox exited ({status}) while starting:\n{log}")));
            }
            if http(&endpoint, "GET", "/moto-api/", "").is_ok_and(|(code, _)| code == 200) {
                fs::write(dir.join("endpoint"), &endpoint).map_err(setup("writing the endpoint file"))?;
                return Ok(Sandbox { dir: dir.to_owned(), endpoint });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = child.kill();
        Err(SandboxError::Setup(format!("the sandbox did not answer within 90 s; see {}/sandbox.log", dir.display())))
    }

    /// Connection settings for `database` on the sandbox's PostgreSQL (a Unix socket only,
    /// trusted, user `postgres`), in `key=value` form.
    pub fn postgres_url(&self, database: &str) -> Result<String, SandboxError> {
        let pgdata = self.dir.join("pgdata");
        let entries = fs::read_dir(&pgdata).map_err(setup("reading the PostgreSQL data directory"))?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(port) = name.strip_prefix(".s.PGSQL.").filter(|p| !p.ends_with(".lock")) {
                return Ok(format!("host={} port={port} user=postgres dbname={database}", pgdata.display()));
            }
        }
        Err(SandboxError::Setup(format!("no PostgreSQL socket in {}", pgdata.display())))
    }

    /// A `postgresql://` URL for `database` on the sandbox's PostgreSQL over TCP (host
    /// `localhost`, user `postgres`, no `sslmode`), where it serves TLS to the clients that
    /// ask and plain connections to the others; and the CA PEM that signed its
    /// certificate (for `localhost` and `127.0.0.1`), made at start. `pg-other-ca.pem`
    /// beside it is a CA that signed nothing.
    pub fn postgres_tls_url(&self, database: &str) -> Result<(String, PathBuf), SandboxError> {
        let text = fs::read_to_string(self.dir.join("pg-tls-port")).map_err(setup("reading the sandbox's PostgreSQL TLS port"))?;
        let port: u16 = text
            .trim()
            .parse()
            .map_err(|e| SandboxError::Setup(format!("{}/pg-tls-port holds `{}`, not a port: {e}", self.dir.display(), text.trim())))?;
        let ca = self.dir.join("pg-ca.pem");
        if !ca.is_file() {
            return Err(SandboxError::Setup(format!("no PostgreSQL CA at {}", ca.display())));
        }
        Ok((format!("postgresql://postgres@localhost:{port}/{database}"), ca))
    }

    /// The sandbox running in `dir`, if one answers.
    pub fn find(dir: &Path) -> Option<Sandbox> {
        let endpoint = fs::read_to_string(dir.join("endpoint")).ok()?;
        http(&endpoint, "GET", "/moto-api/", "").ok().filter(|(c, _)| *c == 200)?;
        Some(Sandbox { dir: dir.to_owned(), endpoint })
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
        Ok(true)
    }

    /// Wipes every resource: moto's, the gap-filler's and PostgreSQL's databases.
    pub fn reset(&self) -> Result<(), SandboxError> {
        self.post("/moto-api/reset", "").map(|_| ())
    }

    /// Sets delays on a running sandbox.
    pub fn set_delays(&self, d: Delays) -> Result<(), SandboxError> {
        let body = format!(
            r#"{{"cluster_delay": {}, "instance_delay": {}, "service_delay": {}}}"#,
            d.cluster, d.instance, d.service
        );
        self.post("/_sandbox/config", &body).map(|_| ())
    }

    /// For `seconds` after a role is created, ECS refuses it as AWS does while IAM
    /// propagates ("ECS was unable to assume the role").
    pub fn set_iam_propagation(&self, seconds: f64) -> Result<(), SandboxError> {
        self.post("/_sandbox/config", &format!(r#"{{"iam_propagation": {seconds}}}"#)).map(|_| ())
    }

    /// Answers `share` of the AWS calls (chosen by `seed`) with a ThrottlingException or a
    /// 500 before carrying them out.
    pub fn set_faults(&self, share: f64, seed: u64) -> Result<(), SandboxError> {
        self.post("/_sandbox/config", &format!(r#"{{"fault_share": {share}, "fault_seed": {seed}}}"#)).map(|_| ())
    }

    /// Sets any of the sandbox's settings (`/_sandbox/config`) from a JSON object.
    pub fn configure(&self, settings: &str) -> Result<(), SandboxError> {
        self.post("/_sandbox/config", settings).map(|_| ())
    }

    /// The answers of the sandbox's own operations that AWS could not give, by the
    /// botocore service models: an undeclared error code, or a response outside the
    /// operation's output shape.
    pub fn violations(&self) -> Result<Vec<String>, SandboxError> {
        let v = self.get_json("/_sandbox/violations")?;
        Ok(v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default())
    }

    /// Panics, listing them, if the sandbox answered anything AWS could not have.
    pub fn assert_conformant(&self) {
        let v = self.violations().unwrap_or_else(|e| panic!("cannot ask the sandbox for violations: {e}"));
        assert!(v.is_empty(), "the sandbox answered as AWS could not:\n{}", v.join("\n"));
    }

    /// How many faults were injected, by kind.
    pub fn faults(&self) -> Result<serde_json::Value, SandboxError> {
        self.get_json("/_sandbox/faults")
    }

    /// What exists: express services, clusters, instances and PostgreSQL databases.
    pub fn inventory(&self) -> Result<serde_json::Value, SandboxError> {
        self.get_json("/_sandbox/inventory")
    }

    /// AWS calls counted since the last [`Sandbox::clear_calls`], by `service:Operation`.
    pub fn calls(&self) -> Result<serde_json::Value, SandboxError> {
        self.get_json("/_sandbox/calls")
    }

    /// Arms a crash drill: the sandbox sends SIGKILL to `pid` once it has carried out the
    /// `after_writes`-th mutating call, before answering it.
    pub fn arm_kill(&self, after_writes: usize, pid: u32) -> Result<(), SandboxError> {
        self.post("/_sandbox/kill", &format!("{{\"after_writes\": {after_writes}, \"pid\": {pid}}}")).map(|_| ())
    }

    /// How many mutating calls the sandbox carried out since a drill was armed (arm one
    /// that never fires, `arm_kill(usize::MAX, 0)`, to count a whole deploy's).
    pub fn drill_writes(&self) -> Result<u64, SandboxError> {
        Ok(self.get_json("/_sandbox/kill")?["writes"].as_u64().unwrap_or(0))
    }

    /// Restarts the call count.
    pub fn clear_calls(&self) -> Result<(), SandboxError> {
        self.post("/_sandbox/calls", "").map(|_| ())
    }

    fn get_json(&self, path: &str) -> Result<serde_json::Value, SandboxError> {
        let (_, body) = http(&self.endpoint, "GET", path, "").map_err(setup("asking the sandbox"))?;
        serde_json::from_str(&body).map_err(|e| SandboxError::Setup(format!("the sandbox answered {path} with bad JSON: {e}")))
    }

    fn post(&self, path: &str, body: &str) -> Result<String, SandboxError> {
        let (code, text) = http(&self.endpoint, "POST", path, body).map_err(setup("asking the sandbox"))?;
        if code == 200 {
            Ok(text)
        } else {
            Err(SandboxError::Setup(format!("the sandbox answered {path} with {code}: {text}")))
        }
    }

    /// Secrets for deploys into this sandbox: the real source when it yields a value,
    /// else a value generated once and kept in the sandbox's directory.
    pub fn secrets(&self) -> SandboxSecrets {
        SandboxSecrets { dir: self.dir.join("secrets") }
    }
}

fn is_zombie(pid: &str) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}

/// Reads secrets as usual, falling back to per-sandbox generated ones.
#[derive(Debug, Clone)]
pub struct SandboxSecrets {
    dir: PathBuf,
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

/// A minimal HTTP/1.1 request to the sandbox's control endpoints on loopback.
fn http(endpoint: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut resp = String::new();
    s.read_to_string(&mut resp)?;
    let code = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((code, body))
}
