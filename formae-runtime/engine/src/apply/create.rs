//! How a create goes: sent at once, followed by an earlier run's token, or looked for
//! first and adopted when it is this stack's.

use serde_json::Value as Json;

use crate::executor::{Applied, Context, ExecError, Executor};

/// What is known before a create, from the plan and the journal.
pub(super) enum Creating {
    /// The plan looked for it a moment ago, under the lock, and found nothing.
    Absent,
    /// An earlier run journaled its create, and the executor answers a token sent again
    /// with that run's request: followed to its end, since what it is making may not be
    /// ready yet (an instance still creating).
    ByToken,
    /// Read before create; `adopt` when the journal says an earlier run was creating it,
    /// or when asked to.
    Find {
        /// Bring what exists with the identity to the declaration, whoever made it.
        adopt: bool,
    },
}

/// Creates `name`, as `how` says. Read before create: what exists with the identity is
/// created again only if nothing does; what carries this stack's ownership tags for this
/// resource (or anything, with `adopt`) is brought to the declared properties instead;
/// anything else is refused.
pub(super) async fn create<C: Context>(exec: &dyn Executor<C>, cx: &C, name: &str, props: Json, how: Creating) -> Result<Applied, ExecError> {
    let adopt = match how {
        Creating::Absent => return exec.create(cx, name, props).await,
        Creating::ByToken => match exec.create(cx, name, props.clone()).await {
            // That request ended without success: look for what it may have made.
            Err(e) if exec.spends_token(&e) => true,
            other => return other,
        },
        Creating::Find { adopt } => adopt,
    };
    match exec.find(cx, props.clone()).await? {
        None => exec.create(cx, name, props).await,
        Some(found) if adopt || found.owned_by(cx.stack(), name) => {
            tracing::info!(resource = %name, cloud_id = %found.cloud_id, "found in the cloud; adopting it instead of creating");
            exec.update(cx, name, &found.cloud_id, &Json::Null, props).await
        }
        Some(found) => Err(ExecError::Exists { type_name: exec.type_name(), cloud_id: found.cloud_id }),
    }
}
