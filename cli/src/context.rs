//! Where a command's clients point and its state lives: the target (AWS, an endpoint, or
//! the sandbox, started when needed), the state store, the lock, and the flags to repeat
//! in hints; opened once per command by [`Opened::new`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Backend, Config};
use formae_runtime::deploy::Session;
use formae_runtime::exec::{registry, Cx, Target, Timing};
use formae_runtime::plan::{EnvSecrets, SecretReader};
use formae_runtime::store::{Holder, StackLock, StateStore};
use formae_runtime::StackEntry;
use formae_sandbox::{Delays, Sandbox, REGION as SANDBOX_REGION};

use crate::args::{StackArgs, TargetArgs};
use crate::params::{param_value, stack_params};
use crate::Failure;

/// Fails fast, before the lock or any change, when AWS cannot be reached.
async fn preflight(cx: &Cx, target: &Target) -> Result<(), Failure> {
    let account = formae_runtime::deploy::preflight(cx, target.endpoint_url.as_deref()).await?;
    tracing::info!(%account, region = %cx.region, "credentials checked");
    Ok(())
}

/// How long a lock lasts without renewal; renewed every third of it while a run is alive.
fn lock_lease() -> Duration {
    let secs = std::env::var("FORMAE_LOCK_LEASE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(secs)
}

/// What a command needs of the cloud and of state.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reach {
    /// It reads or changes the cloud: with `--sandbox`, the sandbox is started if it is
    /// not running.
    pub(crate) cloud: bool,
    /// Check first that AWS answers (credentials, endpoint, region).
    pub(crate) preflight: bool,
    /// It only reads: a state file that does not exist is not created.
    pub(crate) read_only: bool,
}

impl Reach {
    /// A command that changes the cloud and the state.
    pub(crate) const CHANGES: Reach = Reach { cloud: true, preflight: true, read_only: false };
    /// A command that changes only the state.
    pub(crate) const STATE: Reach = Reach { cloud: false, preflight: false, read_only: false };
}

/// A command's async runtime and its context, opened for one stack: what every command
/// that touches the cloud or the state starts with.
pub(crate) struct Opened {
    /// The runtime the command's async work runs on.
    rt: tokio::runtime::Runtime,
    /// Where its clients point and its state lives.
    ctx: Context,
}

impl Opened {
    /// Starts the runtime and opens the context of `entry` for a command that needs
    /// `reach`.
    pub(crate) fn new(entry: &'static StackEntry, stack: &StackArgs, target: &TargetArgs, reach: Reach) -> Result<Self, Failure> {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure::msg(format!("cannot start the async runtime: {e}")))?;
        let ctx = Context::open(entry, stack, target, reach, &rt)?;
        Ok(Opened { rt, ctx })
    }

    /// Runs `f` on the runtime with the context alone (state only, no AWS clients).
    pub(crate) fn state<R>(&self, f: impl AsyncFnOnce(&Context) -> Result<R, Failure>) -> Result<R, Failure> {
        self.rt.block_on(f(&self.ctx))
    }

    /// Runs `f` on the runtime with the context, AWS clients pointed at the target, and
    /// the session (clients, state, secrets, executors) that plans and applies.
    pub(crate) fn session<R>(&self, f: impl AsyncFnOnce(&Context, &Cx, &Session<'_>) -> Result<R, Failure>) -> Result<R, Failure> {
        self.rt.block_on(async {
            let cx = self.ctx.cx().await;
            let session = self.ctx.session(&cx);
            f(&self.ctx, &cx, &session).await
        })
    }
}

/// Where a command's clients point and its state lives.
pub(crate) struct Context {
    /// The stack's name.
    pub(crate) stack: &'static str,
    /// Where AWS calls go.
    pub(crate) target: Target,
    /// The settings (formae.toml, the environment, `--state`).
    pub(crate) config: Config,
    /// The SQLite file used when the settings name none.
    pub(crate) default_sqlite: PathBuf,
    /// The state store.
    pub(crate) store: Arc<dyn StateStore>,
    /// Where secret values are read from.
    secrets: Box<dyn SecretReader>,
    /// How long and how often to wait on the cloud.
    timing: Timing,
    /// For a read-only command: the state file that does not exist, and was not created.
    pub(crate) no_state_file: Option<PathBuf>,
    /// The flags this command was given that choose the target, the state and the
    /// parameters, to repeat in hints.
    pub(crate) flags: Vec<String>,
}

impl Context {
    /// Finds the settings, the parameters, the target and the state for `entry`; starts
    /// the sandbox or checks that AWS answers when `reach` says so.
    fn open(entry: &'static StackEntry, stack: &StackArgs, args: &TargetArgs, reach: Reach, rt: &tokio::runtime::Runtime) -> Result<Self, Failure> {
        let cwd = std::env::current_dir()?;
        let mut config = Config::find(args.state.config.as_deref(), &cwd)?;
        if let Some(b) = args.state.backend {
            config.state.backend = b;
        }
        let params = stack_params(entry, stack, &config)?;
        let region = args
            .region
            .clone()
            .or_else(|| param_value(entry, &params, "region"))
            // The sandbox serves one region: a stack without a region parameter uses it.
            .or_else(|| args.sandbox.then(|| SANDBOX_REGION.to_owned()));
        let mut timing = Timing::default();
        let (target, secrets): (Target, Box<dyn SecretReader>) = if args.sandbox {
            let dir = Sandbox::default_dir();
            let sandbox = match Sandbox::find(&dir) {
                Some(s) => s,
                None if reach.cloud => {
                    eprintln!("The sandbox is not running; starting it (cargo xtask sandbox up).");
                    Sandbox::start(&dir, Sandbox::default_port(), Delays::default())?
                }
                // Only state is read or written: where the sandbox would answer is enough.
                None => Sandbox { dir: dir.clone(), endpoint: format!("http://127.0.0.1:{}", Sandbox::default_port()) },
            };
            timing = Timing { poll: Duration::from_millis(200), database: Duration::from_secs(300), service: Duration::from_secs(300), sdk_waiters: false, iam_propagation: Duration::from_secs(60) };
            let secrets = Box::new(sandbox.secrets());
            (Target { region, endpoint_url: Some(sandbox.endpoint), dummy_credentials: true }, secrets)
        } else {
            if args.endpoint_url.is_some() {
                // An emulator: the SDK waiters' 30 s minimum delay is tuned for AWS.
                timing = Timing { poll: Duration::from_secs(1), sdk_waiters: false, ..timing };
            }
            (Target { region, endpoint_url: args.endpoint_url.clone(), dummy_credentials: false }, Box::new(EnvSecrets))
        };
        if reach.cloud && target.region.is_none() && rt.block_on(target.sdk_config()).region().is_none() {
            return Err(Failure::msg(
                "no AWS region was found: pass --region REGION, set the stack's `region` parameter if it has one, or set AWS_REGION (or `region` in your AWS profile); or use --sandbox; nothing was changed",
            ));
        }
        if reach.preflight {
            // A command that reads or changes the cloud checks first that AWS answers,
            // before it opens (or creates) any state.
            let cx = rt.block_on(Cx::new(entry.name, &target, timing));
            rt.block_on(preflight(&cx, &target))?;
        }
        // Sandbox state lives and dies with the sandbox; real state is in `.formae/`.
        let default_sqlite = if args.sandbox { Sandbox::default_dir().join("state.db") } else { PathBuf::from(".formae/state.db") };
        let sqlite_file = config.state.sqlite.path.clone().unwrap_or_else(|| default_sqlite.clone());
        let no_state_file = (reach.read_only && config.state.backend == Backend::Sqlite && !sqlite_file.exists()).then_some(sqlite_file);
        let store = if no_state_file.is_some() {
            // Nothing recorded, and a read creates nothing: an empty store in memory.
            Arc::new(rt.block_on(formae_runtime::store::SqliteStore::open(std::path::Path::new(":memory:")))?) as Arc<dyn StateStore>
        } else {
            rt.block_on(config.state.open(None, &default_sqlite, &target))?
        };
        let flags = command_flags(stack, args);
        Ok(Context { stack: entry.name, target, config, default_sqlite, store, secrets, timing, no_state_file, flags })
    }

    /// `cargo xtask <command> <stack>` with the flags this command was given.
    pub(crate) fn again(&self, command: &str) -> String {
        let mut words = vec!["cargo xtask".to_owned(), command.to_owned(), self.stack.to_owned()];
        words.extend(self.flags.iter().cloned());
        words.join(" ")
    }

    /// AWS clients pointed at the target, tagging what they create with the stack.
    pub(crate) async fn cx(&self) -> Cx {
        Cx::new(self.stack, &self.target, self.timing).await
    }

    /// The session that plans and applies through `cx` with this context's state.
    pub(crate) fn session<'a>(&'a self, cx: &'a Cx) -> Session<'a> {
        Session { cx, store: self.store.as_ref(), secrets: self.secrets.as_ref(), executors: Arc::new(registry()) }
    }

    /// Takes the stack's lock for `command`, renewed while the run is alive.
    pub(crate) async fn lock(&self, command: &str) -> Result<StackLock, Failure> {
        Ok(StackLock::acquire(Arc::clone(&self.store), self.stack, &Holder::this_process(command), lock_lease()).await?)
    }
}

/// The flags that choose the target, the state and the parameters, to repeat in hints.
fn command_flags(stack: &StackArgs, args: &TargetArgs) -> Vec<String> {
    let mut flags = Vec::new();
    if args.sandbox {
        flags.push("--sandbox".to_owned());
    }
    if let Some(url) = &args.endpoint_url {
        flags.push(format!("--endpoint-url {url}"));
    }
    if let Some(r) = &args.region {
        flags.push(format!("--region {r}"));
    }
    if let Some(c) = &args.state.config {
        flags.push(format!("--config {}", c.display()));
    }
    if let Some(b) = args.state.backend {
        flags.push(format!("--state {b}"));
    }
    flags.extend(stack.params.iter().map(|p| format!("--param {p}")));
    flags
}
