//! `deploy`: plan under the lock, ask, apply; and the same path for `import`.

use std::process::ExitCode;

use clap::Args;
use formae_runtime::deploy::{Refresh, Session};
use formae_runtime::engine::ApplyOptions;
use formae_runtime::plan::saved::SavedPlan;
use formae_runtime::plan::Found;
use formae_runtime::{Mode, StackInstance};

use crate::apply::{apply, finish};
use crate::args::{ModeArgs, RefreshArgs, StackArgs, TargetArgs};
use crate::context::{Context, Opened, Reach};
use crate::output::{confirm, show_plan};
use crate::stacks::Stacks;
use crate::Failure;

/// `deploy`'s flags.
#[derive(Args)]
pub(crate) struct Deploy {
    #[command(flatten)]
    stack: StackArgs,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    mode: ModeArgs,
    /// Apply without asking.
    #[arg(long)]
    yes: bool,
    /// Go ahead even when the plan deletes or replaces a resource that holds data (a
    /// database, a bucket, a table, a key); `--yes` alone does not.
    #[arg(long)]
    allow_data_loss: bool,
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
    /// Applies this saved plan (`plan --out FILE`) exactly, without planning again or
    /// asking; refused if the state, the stack's code or its parameters changed since.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["mode", "refresh", "adopt"])]
    plan: Option<std::path::PathBuf>,
}

impl Deploy {
    /// Plans, asks, applies.
    pub(crate) fn run(self, stacks: Stacks) -> Result<ExitCode, Failure> {
        let (entry, instance) = stacks.build(&self.stack, &self.target.state)?;
        let how = How {
            mode: self.mode.mode,
            refresh: self.refresh.refresh(),
            yes: self.yes,
            allow_data_loss: self.allow_data_loss,
            opts: ApplyOptions { parallelism: self.parallelism, adopt: self.adopt, force: self.force, ..Default::default() },
            command: "deploy",
        };
        if let Some(path) = &self.plan {
            // Read before anything is opened: a damaged file fails alone.
            let saved = SavedPlan::read(path)?;
            return Opened::new(entry, &self.stack, &self.target, Reach::CHANGES)?.session(async |ctx, _, session| apply_saved(ctx, session, &instance, saved, how).await);
        }
        Opened::new(entry, &self.stack, &self.target, Reach::CHANGES)?.session(async |ctx, _, session| plan_and_apply(ctx, session, &instance, how).await)
    }
}

/// How a deploy or an import plans and applies.
pub(crate) struct How {
    /// Reconcile or patch.
    pub(crate) mode: Mode,
    /// Whether the recorded resources are read back first.
    pub(crate) refresh: Refresh,
    /// Apply without asking.
    pub(crate) yes: bool,
    /// Apply even a plan that deletes or replaces a resource holding data.
    pub(crate) allow_data_loss: bool,
    /// Parallelism, adoption, force.
    pub(crate) opts: ApplyOptions,
    /// `deploy` or `import`: named in the lock and in hints.
    pub(crate) command: &'static str,
}

/// Plans under the lock (no other run can change the state in between), shows the plan,
/// asks, applies. `import` (and deploy --adopt) takes over what exists; otherwise an
/// existing resource this stack did not make stops the deploy before anything changes.
pub(crate) async fn plan_and_apply(ctx: &Context, session: &Session<'_>, instance: &StackInstance, how: How) -> Result<ExitCode, Failure> {
    let lock = ctx.lock(how.command).await?;
    let result = async {
        let importing = how.command == "import";
        let (state, plan) = session.plan(instance, how.mode, how.refresh).await?;
        show_plan(&plan, false)?;
        // Nothing that deletes the database holding this very state goes ahead.
        formae_runtime::state_guard::check(&plan, &ctx.store.location())?;
        formae_runtime::plan::data_loss::check(&plan, how.allow_data_loss)?;
        let foreign: Vec<&Found> = plan.found.iter().filter(|f| !f.owned).collect();
        if importing && foreign.is_empty() {
            println!("Nothing to import: no resource this stack would create exists in the cloud already.");
            return Ok(ExitCode::SUCCESS);
        }
        if !how.opts.adopt {
            refuse_foreign(ctx, &foreign)?;
        }
        if !plan.has_work() {
            return Ok(ExitCode::SUCCESS);
        }
        session.check(&plan)?;
        let question = if importing { "Do you want to bring these resources under management and perform these actions?" } else { "Do you want to perform these actions?" };
        confirm(how.yes, question)?;
        let report = apply(session, state, &plan, how.opts).await?;
        Ok(finish(&report, &plan, "Apply"))
    }
    .await;
    lock.release().await?;
    result
}

/// Applies a saved plan exactly: under the lock, once the state as recorded, the stack's
/// code and its parameters are shown to be those the plan was made from. No new plan, no
/// question: the plan was the question.
async fn apply_saved(ctx: &Context, session: &Session<'_>, instance: &StackInstance, saved: SavedPlan, how: How) -> Result<ExitCode, Failure> {
    let lock = ctx.lock(how.command).await?;
    let result = async {
        let state = session.load(instance).await?;
        let plan = saved.into_plan(instance, &state)?;
        show_plan(&plan, false)?;
        // Nothing that deletes the database holding this very state goes ahead.
        formae_runtime::state_guard::check(&plan, &ctx.store.location())?;
        formae_runtime::plan::data_loss::check(&plan, how.allow_data_loss)?;
        refuse_foreign(ctx, &plan.found.iter().filter(|f| !f.owned).collect::<Vec<_>>())?;
        if !plan.has_work() {
            return Ok(ExitCode::SUCCESS);
        }
        session.check(&plan)?;
        println!("Applying the saved plan (made against the state as it is now).");
        let report = apply(session, state, &plan, how.opts).await?;
        Ok(finish(&report, &plan, "Apply"))
    }
    .await;
    lock.release().await?;
    result
}

/// Refuses, naming them, resources the plan would create that already exist and that this
/// stack did not make: they are taken over only by `import` or `--adopt`.
fn refuse_foreign(ctx: &Context, foreign: &[&Found]) -> Result<(), Failure> {
    if foreign.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = foreign.iter().map(|f| format!("`{}` ({})", f.resource, f.cloud_id)).collect();
    let (s, it) = if names.len() == 1 { ("s", "it") } else { ("", "them") };
    Err(Failure::msg(format!(
        "{} already exist{s} in the cloud and this stack did not make {it}; nothing was changed: run `{}` to see the differences and bring {it} under management, or delete or rename {it}",
        names.join(", "),
        ctx.again("import"),
    )))
}
