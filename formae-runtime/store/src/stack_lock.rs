//! [`StackLock`]: a stack's lock held for the length of a command.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};

use super::error::StoreError;
use super::lock::Holder;
use super::StateStore;

/// How long a release on drop may take before it is given up (the lease then runs out).
const RELEASE_WAIT: Duration = Duration::from_secs(10);

/// A lock held for the length of a command: renewed in the background, and released by
/// [`StackLock::release`], which reports errors, or else when dropped, on a best-effort
/// basis that logs failures:
///
/// - dropped on a multi-threaded tokio runtime, or outside any runtime, it is released
///   before the drop returns (the release runs on a thread of its own);
/// - dropped on a current-thread runtime, it is released by a task spawned on that
///   runtime, which runs at the runtime's next await: blocking the only thread could
///   wait on the backend's own connection task. If the runtime stops first, or the
///   release fails, the lease runs out instead and another run takes the lock over then.
pub struct StackLock {
    store: Arc<dyn StateStore>,
    stack: String,
    id: String,
    renewer: tokio::task::JoinHandle<()>,
    lost: Arc<AtomicBool>,
    released: bool,
}

impl std::fmt::Debug for StackLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackLock").field("stack", &self.stack).field("id", &self.id).finish_non_exhaustive()
    }
}

impl StackLock {
    /// Takes the lock on `stack` with `lease`, renewing it every third of the lease.
    pub async fn acquire(store: Arc<dyn StateStore>, stack: &str, holder: &Holder, lease: Duration) -> Result<StackLock, StoreError> {
        let info = store.lock(stack, holder, lease).await?;
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = {
            let (store, stack, id, lost) = (Arc::clone(&store), stack.to_owned(), info.id.clone(), Arc::clone(&lost));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(lease / 3).await;
                    if let Err(e) = store.renew(&stack, &id, lease).await {
                        tracing::warn!(%stack, error = %e, "could not renew the lock");
                        if matches!(e, StoreError::LockLost { .. }) {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                    }
                }
            })
        };
        Ok(StackLock { store, stack: stack.to_owned(), id: info.id, renewer, lost, released: false })
    }

    /// Whether the lock was lost while held.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// The id the store knows this acquisition by.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Releases the lock.
    pub async fn release(mut self) -> Result<(), StoreError> {
        self.renewer.abort();
        let result = self.store.unlock(&self.stack, &self.id).await;
        // Only once this returns: a release cancelled midway is retried by the drop.
        self.released = true;
        result
    }
}

/// A release on drop: what it needs, owned.
struct Release {
    store: Arc<dyn StateStore>,
    stack: String,
    id: String,
}

impl Release {
    async fn run(self) {
        match tokio::time::timeout(RELEASE_WAIT, self.store.unlock(&self.stack, &self.id)).await {
            Ok(Ok(())) => tracing::debug!(stack = %self.stack, "lock released on drop"),
            Ok(Err(e)) => tracing::warn!(stack = %self.stack, error = %e, "could not release the lock on drop; its lease runs out instead"),
            Err(_) => tracing::warn!(stack = %self.stack, wait = ?RELEASE_WAIT, "releasing the lock on drop took too long; its lease runs out instead"),
        }
    }

    /// Runs the release to its end on a thread with a runtime of its own, so neither this
    /// thread's runtime (if any) nor its state (shutting down, say) is in the way.
    fn run_on_own_thread(self) {
        let stack = self.stack.clone();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new().name("formae-lock-release".into()).spawn(move || {
            match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(self.run()),
                Err(e) => tracing::warn!(stack = %self.stack, error = %e, "cannot start a runtime to release the lock on drop; its lease runs out instead"),
            }
            let _ = done.send(());
        });
        match spawned {
            // The release has its own timeout; this one only guards against a stuck thread.
            Ok(_) => {
                if finished.recv_timeout(RELEASE_WAIT + Duration::from_secs(1)).is_err() {
                    tracing::warn!(%stack, "the lock's release on drop did not finish; its lease runs out instead");
                }
            }
            Err(e) => tracing::warn!(%stack, error = %e, "cannot start a thread to release the lock on drop; its lease runs out instead"),
        }
    }
}

impl Drop for StackLock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        self.renewer.abort();
        let release = Release { store: Arc::clone(&self.store), stack: self.stack.clone(), id: self.id.clone() };
        match Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::CurrentThread => {
                handle.spawn(release.run());
            }
            // Hands this worker's other tasks (the backend's connection among them) to
            // another thread while this one waits.
            Ok(_) => tokio::task::block_in_place(|| release.run_on_own_thread()),
            Err(_) => release.run_on_own_thread(),
        }
    }
}
