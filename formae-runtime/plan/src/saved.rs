//! Saved plans: a plan written to a file on review (`plan --out`) and applied exactly as
//! written later (`deploy --plan`), as teams do in CI: plan on the pull request, apply the
//! reviewed plan on merge. The file holds no secret: values are masked, secrets are their
//! sources.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Plan;
use crate::resource::StackInstance;
use crate::state::StackState;

/// The file's format; a file in another is refused.
const FORMAT: &str = "formae-plan-1";

/// A plan as written to a file, with what it was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// The file's format.
    pub format: String,
    /// The formae version that made it.
    pub formae_version: String,
    /// The stack it is for.
    pub stack: String,
    /// The stack's fingerprint: its code and parameters ([`StackInstance::fingerprint`]).
    pub stack_fingerprint: String,
    /// The recorded state it was made against ([`StackState::digest`]).
    pub state_digest: String,
    /// The plan.
    pub plan: Plan,
}

/// The body and a checksum of it, to tell a damaged file from a plan.
#[derive(Serialize, Deserialize)]
struct Envelope {
    checksum: String,
    saved: serde_json::Value,
}

/// Why a saved plan cannot be applied. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    /// The file cannot be read or written.
    #[error("the plan file {path} cannot be {doing}: {source}")]
    Io {
        /// The file.
        path: String,
        /// `read` or `written`.
        doing: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a plan, or was damaged or edited.
    #[error("the plan file {path} is corrupt ({reason}): make the plan again with `cargo xtask plan <stack> --out {path}`")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Made by another formae, or in another format.
    #[error("the plan file was made by formae {found} (format {format}), and this is formae {expected}: make the plan again with this version")]
    Version {
        /// The version that made it.
        found: String,
        /// Its format.
        format: String,
        /// This version.
        expected: String,
    },
    /// Made for another stack.
    #[error("the plan file is for stack `{found}`, not `{expected}`")]
    OtherStack {
        /// The stack it is for.
        found: String,
        /// The stack asked for.
        expected: String,
    },
    /// The stack's code or parameters differ from those it was made with.
    #[error("stack `{stack}` is not what this plan was made from: its code or its parameters changed since (fingerprint {now}, the plan's {planned}); plan again")]
    StackChanged {
        /// The stack.
        stack: String,
        /// The stack's fingerprint now.
        now: String,
        /// The fingerprint the plan was made with.
        planned: String,
    },
    /// The recorded state changed since the plan was made.
    #[error("the state of stack `{stack}` changed since this plan was made (another deploy ran, or someone edited it): the plan may no longer be right; plan again")]
    StateChanged {
        /// The stack.
        stack: String,
    },
}

impl SavedPlan {
    /// A plan of `instance`, made against the recorded state whose digest is
    /// `recorded_state` (as loaded, before any refresh: [`Plan::recorded_state`]).
    pub fn new(instance: &StackInstance, recorded_state: String, plan: Plan) -> Self {
        SavedPlan {
            format: FORMAT.to_owned(),
            formae_version: env!("CARGO_PKG_VERSION").to_owned(),
            stack: instance.name.to_owned(),
            stack_fingerprint: instance.fingerprint(),
            state_digest: recorded_state,
            plan,
        }
    }

    /// Writes the plan to `path`.
    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        let shown = path.display().to_string();
        let saved = serde_json::to_value(self).map_err(|e| SavedPlanError::Corrupt { path: shown.clone(), reason: e.to_string() })?;
        let envelope = Envelope { checksum: checksum(&saved), saved };
        let text = serde_json::to_string_pretty(&envelope).map_err(|e| SavedPlanError::Corrupt { path: shown.clone(), reason: e.to_string() })?;
        std::fs::write(path, text).map_err(|source| SavedPlanError::Io { path: shown, doing: "written", source })
    }

    /// Reads a plan from `path`, refusing a file that is damaged or from another formae.
    pub fn read(path: &Path) -> Result<SavedPlan, SavedPlanError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Io { path: shown.clone(), doing: "read", source })?;
        let corrupt = |reason: String| SavedPlanError::Corrupt { path: shown.clone(), reason };
        let envelope: Envelope = serde_json::from_str(&text).map_err(|e| corrupt(format!("not a plan file: {e}")))?;
        if checksum(&envelope.saved) != envelope.checksum {
            return Err(corrupt("its checksum does not match its content".into()));
        }
        let format = envelope.saved.get("format").and_then(|f| f.as_str()).unwrap_or_default().to_owned();
        let version = envelope.saved.get("formae_version").and_then(|f| f.as_str()).unwrap_or_default().to_owned();
        if format != FORMAT || version != env!("CARGO_PKG_VERSION") {
            return Err(SavedPlanError::Version { found: version, format, expected: env!("CARGO_PKG_VERSION").to_owned() });
        }
        let mut saved: SavedPlan = serde_json::from_value(envelope.saved).map_err(|e| corrupt(e.to_string()))?;
        saved.plan.reindex();
        Ok(saved)
    }

    /// Checks, before anything changes, that this plan is for `instance` as built now and
    /// for the state as recorded now.
    pub fn check(&self, instance: &StackInstance, recorded: &StackState) -> Result<(), SavedPlanError> {
        if self.stack != instance.name {
            return Err(SavedPlanError::OtherStack { found: self.stack.clone(), expected: instance.name.to_owned() });
        }
        let now = instance.fingerprint();
        if now != self.stack_fingerprint {
            return Err(SavedPlanError::StackChanged { stack: self.stack.clone(), now, planned: self.stack_fingerprint.clone() });
        }
        if recorded.digest() != self.state_digest {
            return Err(SavedPlanError::StateChanged { stack: self.stack.clone() });
        }
        Ok(())
    }

    /// The plan, ready to apply: [`SavedPlan::check`]ed against `instance` and the state
    /// as recorded now, then given back the declarations a file does not hold (secrets'
    /// expressions among them) from `instance`, which the check showed to be the stack it
    /// was made from.
    pub fn into_plan(self, instance: &StackInstance, recorded: &StackState) -> Result<Plan, SavedPlanError> {
        self.check(instance, recorded)?;
        let mut plan = self.plan;
        plan.attach(instance);
        Ok(plan)
    }
}

fn checksum(saved: &serde_json::Value) -> String {
    let mut h = Sha256::new();
    h.update(saved.to_string().as_bytes());
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use formae_runtime::aws::secretsmanager::Secret;
    use crate::{plan, EnvSecrets, Mode};
    use crate::value::{SecretSource, Value};

    fn stack(name: &str) -> StackInstance {
        let mut s = StackInstance::with_capacity("t", 1);
        let secret = Secret { name: Value::Lit(name.into()), secret_string: Value::Secret(SecretSource::env("FORMAE_SAVED_PLAN_TEST")), ..Default::default() };
        s.add("a", &[], secret);
        s
    }

    fn dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("formae-saved-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::create_dir_all(&d);
        d
    }

    #[test]
    fn a_saved_plan_reads_back_and_refuses_what_changed_since() {
        let s = stack("a");
        let state = StackState::empty("t");
        let p = plan(&s, &state, Mode::Reconcile, &EnvSecrets).unwrap();
        let path = dir().join("plan.bin");
        SavedPlan::new(&s, state.digest(), p.clone()).write(&path).unwrap();
        let back = SavedPlan::read(&path).unwrap();
        assert_eq!(back.plan.change("a").map(|c| c.action), Some(crate::Action::Create));
        back.check(&s, &state).unwrap();

        let err = back.check(&stack("b"), &state).unwrap_err();
        assert!(matches!(err, SavedPlanError::StackChanged { .. }), "{err}");
        let mut other = s.clone();
        other.name = "u";
        assert!(matches!(back.check(&other, &state).unwrap_err(), SavedPlanError::OtherStack { .. }));
        let mut moved = state.clone();
        moved.outputs.insert("x".into(), serde_json::json!(1));
        assert!(matches!(back.check(&s, &moved).unwrap_err(), SavedPlanError::StateChanged { .. }));
        // Another stack's outputs this one reads count as its state.
        let mut read = state.clone();
        read.imports.insert("data".into(), [("arn".to_owned(), serde_json::json!("arn:aws:x"))].into());
        assert!(matches!(back.check(&s, &read).unwrap_err(), SavedPlanError::StateChanged { .. }));

        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"create\"", "\"delete\"")).unwrap();
        assert!(matches!(SavedPlan::read(&path).unwrap_err(), SavedPlanError::Corrupt { .. }));
        std::fs::write(&path, &text[..text.len() / 2]).unwrap();
        assert!(matches!(SavedPlan::read(&path).unwrap_err(), SavedPlanError::Corrupt { .. }));
        std::fs::write(&path, text.replace(env!("CARGO_PKG_VERSION"), "0.0.1")).unwrap();
        assert!(SavedPlan::read(&path).is_err());
    }
}
