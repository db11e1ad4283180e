//! Moving a stack's state from one store to another (`state migrate`).

use std::sync::Arc;
use std::time::Duration;

use super::error::StoreError;
use super::lock::Holder;
use super::stack_lock::StackLock;
use super::StateStore;
use crate::state::StackState;

/// Moving a stack's state between stores failed; the source is kept unless the copy was
/// verified.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// A store failed or refused (a lock held by another run, say).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Both ends are the same store.
    #[error("the state of `{0}` is already in {1}")]
    Same(String, String),
    /// The source has nothing for the stack.
    #[error("{store} has no state for `{stack}`; nothing to move")]
    Nothing {
        /// The stack to move.
        stack: String,
        /// The source store.
        store: String,
    },
    /// The destination already has state for the stack.
    #[error("{store} already has state for `{stack}` ({resources} resources); pass --force to overwrite it")]
    Occupied {
        /// The stack to move.
        stack: String,
        /// The destination store.
        store: String,
        /// How many resources the destination already records for the stack.
        resources: usize,
    },
    /// The copy read back differs from the source.
    #[error("the copy of `{stack}` in {store} differs from the source; the source was kept")]
    Mismatch {
        /// The stack being moved.
        stack: String,
        /// The destination store.
        store: String,
    },
}

/// Moves everything recorded for `stack` from `from` to `to`: both locked for the move
/// (so it refuses while a deploy holds either), copied at once, read back and compared,
/// and only then removed from `from`. Returns how many resources moved.
pub async fn move_state(from: Arc<dyn StateStore>, to: Arc<dyn StateStore>, stack: &str, holder: &Holder, overwrite: bool) -> Result<usize, MoveError> {
    if from.describe() == to.describe() {
        return Err(MoveError::Same(stack.to_owned(), to.describe()));
    }
    let lease = Duration::from_secs(60);
    let from_lock = StackLock::acquire(Arc::clone(&from), stack, holder, lease).await?;
    let to_lock = match StackLock::acquire(Arc::clone(&to), stack, holder, lease).await {
        Ok(l) => l,
        Err(e) => {
            from_lock.release().await?;
            return Err(e.into());
        }
    };
    let result = async {
        let state = from.load(stack).await?;
        if state.resources.is_empty() && state.pending.is_empty() && state.outputs.is_empty() {
            return Err(MoveError::Nothing { stack: stack.to_owned(), store: from.describe() });
        }
        let existing = to.load(stack).await?;
        if !overwrite && (!existing.resources.is_empty() || !existing.pending.is_empty()) {
            return Err(MoveError::Occupied { stack: stack.to_owned(), store: to.describe(), resources: existing.resources.len() });
        }
        to.put_state(&state).await?;
        if to.load(stack).await? != state {
            return Err(MoveError::Mismatch { stack: stack.to_owned(), store: to.describe() });
        }
        from.put_state(&StackState::empty(stack)).await?;
        Ok(state.resources.len())
    }
    .await;
    to_lock.release().await?;
    from_lock.release().await?;
    result
}

