//! `cargo xtask`: the command line of formae. Picks a stack and plans, deploys,
//! destroys or shows it; runs the sandbox and the tests.

mod bench;
mod context;
mod progress;

use context::{build, Context, Reach};

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use formae_runtime::deploy::{Refresh, Session};
use formae_runtime::engine::{ApplyOptions, ApplyReport};
use formae_runtime::exec::{registry, Cx};
use formae_runtime::plan::{render_text, RenderOptions};
use formae_runtime::config::Backend;
use formae_runtime::store::{move_state, Holder};
use formae_runtime::{Mode, Plan, StackEntry, StackInstance};
use formae_sandbox::{Delays, Sandbox};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "formae: infrastructure as Rust code")]
struct Cli {
    /// More detail on stderr: -v shows each resource step and every retry of an AWS call,
    /// -vv everything formae logs. Secret values are never logged. FORMAE_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct StackArgs {
    /// The stack, as `cargo xtask list` names it.
    stack: String,
    /// A stack parameter, `key=value`; repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

#[derive(Args, Clone)]
struct TargetArgs {
    /// Use the local sandbox (started if it is not running), with dummy credentials.
    #[arg(long)]
    sandbox: bool,
    /// Send every AWS call to this endpoint.
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    endpoint_url: Option<String>,
    /// The AWS region; else the stack's `region` parameter, else the default chain's.
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    state: StateArgs,
}

#[derive(Args, Clone, Default)]
struct StateArgs {
    /// The settings file; else `formae.toml` in the current directory, if there is one.
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// The state backend, overriding formae.toml and FORMAE_STATE_BACKEND: sqlite,
    /// postgres or aurora.
    #[arg(long = "state", value_name = "BACKEND", global = true)]
    backend: Option<Backend>,
}

#[derive(Args, Clone)]
struct RefreshArgs {
    /// Read the recorded resources back from the cloud first and show what changed
    /// outside formae; --refresh=false plans from the record alone.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    refresh: bool,
}

impl RefreshArgs {
    fn refresh(&self) -> Refresh {
        if self.refresh {
            Refresh::Cloud
        } else {
            Refresh::RecordOnly
        }
    }
}

#[derive(Args, Clone)]
struct ModeArgs {
    /// reconcile (delete what is no longer declared) or patch (never delete).
    #[arg(long, default_value = "reconcile")]
    mode: Mode,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the stacks with their descriptions and parameters.
    List,
    /// Shows what a deploy would change.
    Plan {
        #[command(flatten)]
        stack: StackArgs,
        #[command(flatten)]
        target: TargetArgs,
        #[command(flatten)]
        mode: ModeArgs,
        #[command(flatten)]
        refresh: RefreshArgs,
        /// Prints the plan as JSON (see docs/plan-json.md).
        #[arg(long)]
        json: bool,
        /// Exits 0 when there is nothing to change, 2 when there is, 1 on an error (for CI).
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Reads a stack's recorded resources back from the cloud and shows what changed
    /// outside formae. Exits 0 when nothing did, 2 when something did.
    Drift {
        /// The stack, and the parameters the hint's deploy should repeat.
        #[command(flatten)]
        stack: StackArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Brings resources that already exist with a declared identity (made by hand, say)
    /// under management: shows each one's differences from the declaration, asks, then
    /// deploys with them adopted.
    Import {
        #[command(flatten)]
        stack: StackArgs,
        #[command(flatten)]
        target: TargetArgs,
        /// Import and apply without asking.
        #[arg(long)]
        yes: bool,
        /// At most this many resource operations at once.
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
    },
    /// Plans, asks, then applies.
    Deploy {
        #[command(flatten)]
        stack: StackArgs,
        #[command(flatten)]
        target: TargetArgs,
        #[command(flatten)]
        mode: ModeArgs,
        /// Apply without asking.
        #[arg(long)]
        yes: bool,
        /// At most this many resource operations at once.
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
        /// Bring resources that already exist with a declared identity under management,
        /// even when this stack did not create them (they are updated to the declaration).
        #[arg(long)]
        adopt: bool,
        #[command(flatten)]
        refresh: RefreshArgs,
        /// Update or delete even what changed in the cloud after the plan read it.
        #[arg(long)]
        force: bool,
    },
    /// Deletes every recorded resource of a stack, dependents first.
    Destroy {
        /// The stack.
        stack: String,
        #[command(flatten)]
        target: TargetArgs,
        /// Delete without asking.
        #[arg(long)]
        yes: bool,
        /// At most this many deletions at once.
        #[arg(long, default_value_t = 10)]
        parallelism: usize,
        #[command(flatten)]
        refresh: RefreshArgs,
        /// Delete even what changed in the cloud after the plan read it.
        #[arg(long)]
        force: bool,
    },
    /// Shows the recorded resources, their ids and the stack's outputs.
    Status {
        /// The stack.
        stack: String,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Removes a stack's lock, whoever holds it: for a run that is gone before its lease
    /// ran out.
    Unlock {
        /// The stack.
        stack: String,
        #[command(flatten)]
        target: TargetArgs,
        /// Required: says you checked that the holder is not running.
        #[arg(long)]
        force: bool,
    },
    /// Moves a stack's state between backends.
    State {
        #[command(subcommand)]
        action: StateAction,
    },
    /// The local AWS sandbox.
    Sandbox {
        #[command(subcommand)]
        action: SandboxAction,
    },
    /// Measures plan, compile and deploy times; writes BENCHMARKS.md.
    Bench {
        /// A shorter run: stacks up to 1,000 resources, fewer repetitions.
        #[arg(long)]
        quick: bool,
    },
    /// Runs every test: unit, snapshot, compile-fail UI and end-to-end.
    Test {
        /// Passed on to `cargo test`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum StateAction {
    /// Copies a stack's whole state from the configured backend to another, checks the
    /// copy, then removes it from the source. Refuses while the stack is locked.
    Migrate {
        /// The stack.
        stack: String,
        #[command(flatten)]
        target: TargetArgs,
        /// The backend to move to; its settings come from its section of formae.toml.
        #[arg(long, value_name = "BACKEND")]
        to: Backend,
        /// Overwrite state the destination already has for the stack.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum SandboxAction {
    /// Installs (once) and starts the sandbox on 127.0.0.1.
    Up {
        /// The port.
        #[arg(long, default_value_t = Sandbox::default_port())]
        port: u16,
        /// Seconds an Aurora cluster stays creating.
        #[arg(long, default_value_t = 0.0)]
        cluster_delay: f64,
        /// Seconds a DB instance stays creating.
        #[arg(long, default_value_t = 0.0)]
        instance_delay: f64,
        /// Seconds an express service takes to become active.
        #[arg(long, default_value_t = 0.0)]
        service_delay: f64,
    },
    /// Stops the sandbox and every process it started.
    Down,
    /// Says whether the sandbox runs, where, and what it holds.
    Status,
    /// Wipes every resource in the running sandbox (and the sandbox's recorded state).
    Reset,
}

/// An error for people: what went wrong, and what to do.
pub(crate) struct Failure(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The SDK's request and response bodies (logged at its trace level) would carry
    // secrets; no level here turns them on.
    // aws-config warns once per provider it tries and fails (instance metadata, say) while
    // it looks for a region or credentials; formae says once what is missing instead.
    let level = match cli.verbose {
        0 => "warn,aws_config=error",
        1 => "warn,aws_config=error,formae_runtime=debug,xtask=debug,aws_smithy_runtime::client::retries=debug",
        _ => "info,formae_runtime=trace,xtask=trace,aws_smithy_runtime=debug,aws_config=debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("FORMAE_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level)))
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(Failure(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure(format!("cannot start the async runtime: {e}")))
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::List => {
            list();
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { stack, target, mode, refresh, json, detailed_exitcode } => {
            let (entry, instance) = build(&stack, &target.state)?;
            let rt = runtime()?;
            let ctx = Context::open(entry, &stack, &target, Reach { cloud: true, preflight: refresh.refresh, read_only: true }, &rt)?;
            let cx = rt.block_on(ctx.cx());
            let session = ctx.session(&cx);
            let (state, plan) = rt.block_on(session.plan(&instance, mode.mode, refresh.refresh()))?;
            show_plan(&plan, json)?;
            let code = if detailed_exitcode && plan.has_work() { ExitCode::from(2) } else { ExitCode::SUCCESS };
            // The process ends here: freeing a large stack's trees one by one would only
            // delay the exit.
            std::mem::forget((instance, state, plan));
            Ok(code)
        }
        Command::Drift { stack: args, target } => {
            let entry = find_stack(&args.stack)?;
            let rt = runtime()?;
            let ctx = Context::open(entry, &args, &target, Reach { cloud: true, preflight: true, read_only: true }, &rt)?;
            let cx = rt.block_on(ctx.cx());
            rt.block_on(drift(&ctx, &cx, entry.name))
        }
        Command::Deploy { stack, target, mode, yes, parallelism, adopt, refresh, force } => {
            let (entry, instance) = build(&stack, &target.state)?;
            let rt = runtime()?;
            let ctx = Context::open(entry, &stack, &target, Reach::CHANGES, &rt)?;
            let cx = rt.block_on(ctx.cx());
            let session = ctx.session(&cx);
            let opts = ApplyOptions { parallelism, adopt, force, ..Default::default() };
            rt.block_on(deploy(&ctx, &session, &instance, mode.mode, refresh.refresh(), yes, opts, "deploy"))
        }
        Command::Import { stack, target, yes, parallelism } => {
            let (entry, instance) = build(&stack, &target.state)?;
            let rt = runtime()?;
            let ctx = Context::open(entry, &stack, &target, Reach::CHANGES, &rt)?;
            let cx = rt.block_on(ctx.cx());
            let session = ctx.session(&cx);
            let opts = ApplyOptions { parallelism, adopt: true, ..Default::default() };
            rt.block_on(deploy(&ctx, &session, &instance, Mode::Reconcile, Refresh::Cloud, yes, opts, "import"))
        }
        Command::Destroy { stack, target, yes, parallelism, refresh, force } => {
            let entry = find_stack(&stack)?;
            let args = StackArgs { stack, params: Vec::new() };
            let rt = runtime()?;
            let ctx = Context::open(entry, &args, &target, Reach::CHANGES, &rt)?;
            let cx = rt.block_on(ctx.cx());
            let session = ctx.session(&cx);
            rt.block_on(async {
                let lock = ctx.lock("destroy").await?;
                let result = async {
                    let (nothing, state, plan) = session.destroy_plan(entry.name, refresh.refresh()).await?;
                    show_plan(&plan, false)?;
                    if !plan.has_work() {
                        return Ok(ExitCode::SUCCESS);
                    }
                    confirm(yes, &format!("Do you really want to destroy every resource of {}?", entry.name))?;
                    let report = apply(&session, &nothing, state, &plan, ApplyOptions { parallelism, force, ..Default::default() }).await?;
                    Ok(finish(&report, &plan, &nothing, "Destroy"))
                }
                .await;
                lock.release().await?;
                result
            })
        }
        Command::Status { stack, target } => {
            let entry = find_stack(&stack)?;
            let args = StackArgs { stack, params: Vec::new() };
            let rt = runtime()?;
            let ctx = Context::open(entry, &args, &target, Reach { cloud: false, preflight: false, read_only: true }, &rt)?;
            rt.block_on(status(&ctx, entry.name))
        }
        Command::Unlock { stack, target, force } => {
            let entry = find_stack(&stack)?;
            if !force {
                return Err(Failure(format!(
                    "unlock removes the lock whoever holds it; check that the holder (see `cargo xtask status {}`) is not running, then pass --force",
                    entry.name
                )));
            }
            let args = StackArgs { stack, params: Vec::new() };
            let rt = runtime()?;
            let ctx = Context::open(entry, &args, &target, Reach::STATE, &rt)?;
            match rt.block_on(ctx.store.force_unlock(entry.name))? {
                Some(info) => println!("Removed the lock on {} held by {}.", entry.name, info.holder),
                None => println!("Stack {} was not locked.", entry.name),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::State { action: StateAction::Migrate { stack, target, to, force } } => {
            let entry = find_stack(&stack)?;
            let args = StackArgs { stack, params: Vec::new() };
            let rt = runtime()?;
            let ctx = Context::open(entry, &args, &target, Reach::STATE, &rt)?;
            rt.block_on(migrate(&ctx, entry.name, to, force))
        }
        Command::Sandbox { action } => sandbox(action),
        Command::Bench { quick } => {
            bench::run(quick)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { args } => test(&args),
    }
}

/// Plans under the lock (no other run can change the state in between), shows the plan,
/// asks, applies. `import` (and deploy --adopt) takes over what exists; otherwise an
/// existing resource this stack did not make stops the deploy before anything changes.
#[allow(clippy::too_many_arguments)]
async fn deploy(ctx: &Context, session: &Session<'_>, instance: &StackInstance, mode: Mode, refresh: Refresh, yes: bool, opts: ApplyOptions, command: &str) -> Result<ExitCode, Failure> {
    let lock = ctx.lock(command).await?;
    let result = async {
        let (state, plan) = session.plan(instance, mode, refresh).await?;
        show_plan(&plan, false)?;
        let foreign: Vec<&formae_runtime::plan::Found> = plan.found.iter().filter(|f| !f.owned).collect();
        if command == "import" && foreign.is_empty() {
            println!("Nothing to import: no resource this stack would create exists in the cloud already.");
            return Ok(ExitCode::SUCCESS);
        }
        if !opts.adopt && !foreign.is_empty() {
            let names: Vec<String> = foreign.iter().map(|f| format!("`{}` ({})", f.resource, f.cloud_id)).collect();
            let (s, it) = if names.len() == 1 { ("s", "it") } else { ("", "them") };
            return Err(Failure(format!(
                "{} already exist{s} in the cloud and this stack did not make {it}; nothing was changed: run `{}` to see the differences and bring {it} under management, or delete or rename {it}",
                names.join(", "),
                ctx.again("import"),
            )));
        }
        if !plan.has_work() {
            return Ok(ExitCode::SUCCESS);
        }
        session.check(instance, &plan)?;
        let question = if command == "import" { "Do you want to bring these resources under management and perform these actions?" } else { "Do you want to perform these actions?" };
        confirm(yes, question)?;
        let report = apply(session, instance, state, &plan, opts).await?;
        Ok(finish(&report, &plan, instance, "Apply"))
    }
    .await;
    lock.release().await?;
    result
}

/// Shows what changed outside formae since the last apply, without planning.
async fn drift(ctx: &Context, cx: &Cx, stack: &str) -> Result<ExitCode, Failure> {
    let state = ctx.store.load(stack).await?;
    if state.resources.is_empty() {
        println!("Stack {stack} has no recorded resources in {}; nothing to compare.", ctx.store.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let refreshed = formae_runtime::drift::refresh(&state, cx, &Arc::new(registry())).await?;
    if refreshed.drift.is_empty() {
        println!("No drift: the {} resources of {stack} are as formae last applied them.", state.resources.len());
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", formae_runtime::plan::render_drift(&refreshed.drift, RenderOptions { color: std::io::stdout().is_terminal() }));
    println!("{} of {} resources changed outside formae. `{}` restores the declaration.", refreshed.drift.len(), state.resources.len(), ctx.again("deploy"));
    Ok(ExitCode::from(2))
}

async fn status(ctx: &Context, stack: &str) -> Result<ExitCode, Failure> {
    if let Some(path) = &ctx.no_state_file {
        println!("Stack {stack} has no recorded state: {} does not exist yet (a deploy creates it).", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let state = ctx.store.load(stack).await?;
    let place = ctx.store.describe();
    if let Some(lock) = ctx.store.lock_info(stack).await? {
        let left = (lock.expires_ms - lock.now_ms) / 1000;
        if lock.expired() {
            println!("Lock: held by {} until its lease ran out {} s ago (the next run takes it over).", lock.holder, -left);
        } else {
            println!("Lock: held by {} for {} s more unless renewed.", lock.holder, left);
        }
    }
    if state.resources.is_empty() && state.pending.is_empty() {
        println!("Stack {stack} has no recorded resources in {place}.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("Stack {stack} ({} resources, state in {place}):", state.resources.len());
    let w = state.resources.keys().chain(state.pending.keys()).map(String::len).max().unwrap_or(0);
    for (name, r) in &state.resources {
        let status = match r.status {
            formae_runtime::state::ResourceStatus::Ready => "ready",
            formae_runtime::state::ResourceStatus::Failed => "FAILED",
        };
        println!("  {name:w$}  {status:6}  {:34}  {}", r.type_name, r.cloud_id);
    }
    if !state.pending.is_empty() {
        println!("\nStarted and not finished (the next deploy looks for these first):");
        for (name, p) in &state.pending {
            println!("  {name:w$}  {:6}  {:34}  since {}  {}", p.op, p.type_name, p.started_at, p.identity);
        }
    }
    print_outputs(&state.outputs);
    Ok(ExitCode::SUCCESS)
}

async fn migrate(ctx: &Context, stack: &str, to: Backend, force: bool) -> Result<ExitCode, Failure> {
    let dest = ctx.config.state.open(Some(to), &ctx.default_sqlite, &ctx.target).await?;
    let n = move_state(Arc::clone(&ctx.store), Arc::clone(&dest), stack, &Holder::this_process("state migrate"), force).await?;
    println!("Moved the state of {stack} ({n} resources) from {} to {}.", ctx.store.describe(), dest.describe());
    println!("Select it from now on: set `backend = \"{to}\"` under [state] in formae.toml.");
    Ok(ExitCode::SUCCESS)
}

fn show_plan(plan: &Plan, json: bool) -> Result<(), Failure> {
    if json {
        println!("{}", serde_json::to_string_pretty(plan)?);
    } else {
        let color = std::io::stdout().is_terminal();
        print!("{}", render_text(plan, RenderOptions { color }));
    }
    Ok(())
}

fn confirm(yes: bool, question: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure("there is no terminal to ask for confirmation: pass --yes to apply without asking".into()));
    }
    print!("{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Failure("cancelled; nothing was changed".into()))
    }
}

/// Applies with progress on stderr. The first Ctrl-C starts nothing new and lets work in
/// flight finish and be recorded; a second one exits at once (the journal holds what was
/// in flight).
async fn apply(session: &Session<'_>, instance: &StackInstance, state: formae_runtime::StackState, plan: &Plan, opts: ApplyOptions) -> Result<ApplyReport, Failure> {
    let progress = progress::Progress::new(std::io::stderr().is_terminal());
    let interrupt = Arc::new(AtomicBool::new(false));
    let watcher = {
        let interrupt = Arc::clone(&interrupt);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nInterrupted: starting nothing new; waiting for the operations in flight to finish and be recorded (Ctrl-C again to quit now).");
                interrupt.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        })
    };
    let report = session.apply(instance, state, plan, ApplyOptions { interrupt: Some(interrupt), ..opts }, &progress).await;
    watcher.abort();
    Ok(report?)
}

fn finish(report: &ApplyReport, plan: &Plan, instance: &StackInstance, what: &str) -> ExitCode {
    println!();
    let s = plan.summary;
    if report.succeeded() {
        println!(
            "{what} complete in {:.1}s! Resources: {} added, {} changed, {} destroyed.",
            report.elapsed.as_secs_f64(),
            s.add,
            s.change,
            s.destroy
        );
    } else {
        println!("{what} failed after {:.1}s. What was done is recorded; run it again to continue.", report.elapsed.as_secs_f64());
        for (name, op, err) in &report.failed {
            println!("  ✗ {name} ({}): {err}", op.doing());
        }
        for (name, op, why) in &report.not_started {
            println!("  - {name} ({}) not started: {why}", op.doing());
        }
    }
    // Which resources are checks is the runtime's metadata to say.
    let is_check = |name: &str| instance.resources.iter().any(|d| d.name == name && d.meta.is_check);
    let checks = report.done.iter().filter(|(name, op, _)| *op != formae_runtime::engine::Op::Delete && is_check(name));
    for (name, _, _) in checks {
        let Some(rec) = report.state.resources.get(name) else { continue };
        let status = rec.outputs.get("status").map(|s| s.to_string()).unwrap_or_default();
        println!("Check {name} passed: GET {} answered {status}.", rec.cloud_id);
    }
    print_outputs(&report.outputs);
    if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_outputs(outputs: &std::collections::BTreeMap<String, serde_json::Value>) {
    if outputs.is_empty() {
        return;
    }
    println!("\nOutputs:");
    let w = outputs.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in outputs {
        let text = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
        println!("  {k:w$} = {text}");
    }
}

fn sandbox(action: SandboxAction) -> Result<ExitCode, Failure> {
    let dir = Sandbox::default_dir();
    match action {
        SandboxAction::Up { port, cluster_delay, instance_delay, service_delay } => {
            if let Some(s) = Sandbox::find(&dir) {
                println!("The sandbox is already running at {}.", s.endpoint);
                return Ok(ExitCode::SUCCESS);
            }
            Sandbox::stop(&dir)?;
            let s = Sandbox::start(&dir, port, Delays { cluster: cluster_delay, instance: instance_delay, service: service_delay })?;
            println!("The sandbox is running at {} (state and logs in {}).", s.endpoint, s.dir.display());
        }
        SandboxAction::Down => {
            if Sandbox::stop(&dir)? {
                println!("The sandbox is stopped.");
            } else {
                println!("The sandbox was not running.");
            }
        }
        SandboxAction::Status => match Sandbox::find(&dir) {
            Some(s) => {
                println!("The sandbox is running at {} (in {}).", s.endpoint, s.dir.display());
                println!("{}", serde_json::to_string_pretty(&s.inventory()?)?);
            }
            None => println!("The sandbox is not running: start it with `cargo xtask sandbox up`."),
        },
        SandboxAction::Reset => {
            let s = Sandbox::find(&dir).ok_or_else(|| Failure("the sandbox is not running: start it with `cargo xtask sandbox up`".into()))?;
            s.reset()?;
            let _ = std::fs::remove_file(dir.join("state.db"));
            println!("The sandbox is empty.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn test(args: &[String]) -> Result<ExitCode, Failure> {
    // The end-to-end tests start their own sandboxes; install its packages once, up front.
    formae_sandbox::venv()?;
    let status = cargo()
        .args(["test", "--workspace", "--locked"])
        .args(args)
        .status()
        .map_err(|e| Failure(format!("cannot run cargo test: {e}")))?;
    if status.success() {
        return Ok(ExitCode::SUCCESS);
    }
    let pending = new_snapshots(&formae_sandbox::repo_root());
    if !pending.is_empty() {
        eprintln!("\n{} snapshot(s) differ from what the tests now produce; each new one is beside the old:", pending.len());
        for p in &pending {
            eprintln!("  {}", p.display());
        }
        eprintln!("Review one with `git diff --no-index <file>.snap <file>.snap.new`; accept them all with `INSTA_UPDATE=always cargo xtask test`.");
    }
    Ok(ExitCode::FAILURE)
}

/// The `.snap.new` files a failed snapshot test left, outside `target/`.
fn new_snapshots(root: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name();
            if path.is_dir() && name != "target" && name != ".git" {
                dirs.push(path);
            } else if name.to_string_lossy().ends_with(".snap.new") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `cargo`, without what `cargo run` put in this process's environment (which would make
/// build scripts rerun and rebuild the AWS SDK's TLS stack).
pub(crate) fn cargo() -> std::process::Command {
    let mut c = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    xtask_launch::strip_cargo_run_env(&mut c);
    c
}

fn find_stack(name: &str) -> Result<&'static StackEntry, Failure> {
    formae_stacks::find(name).ok_or_else(|| {
        let known: Vec<&str> = formae_stacks::ALL.iter().map(|s| s.name).collect();
        Failure(format!("no stack named `{name}`; the stacks are: {} (see `cargo xtask list`)", known.join(", ")))
    })
}

fn list() {
    for s in formae_stacks::ALL {
        println!("{}  {}", s.name, s.description);
        for p in (s.params)() {
            let default = p.default.map(|d| format!(" = {d}")).unwrap_or_default();
            println!("    --param {}: {}{}    {}", p.name, p.ty, default, p.doc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::new_snapshots;

    #[test]
    fn the_snapshots_a_failed_test_left_are_found_outside_target() {
        let root = std::env::temp_dir().join(format!("formae-snapshots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for f in ["tests/snapshots/a.snap.new", "tests/snapshots/a.snap", "target/x/b.snap.new", ".git/c.snap.new"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        assert_eq!(new_snapshots(&root), vec![root.join("tests/snapshots/a.snap.new")]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
