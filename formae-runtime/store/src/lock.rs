//! Who holds a stack's lock, and the lock as the store records it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::StoreError;

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The user name.
    pub user: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
    /// What it is doing (`deploy`, `destroy`, `state migrate`).
    pub command: String,
}

impl Holder {
    /// This process, doing `command`.
    pub fn this_process(command: &str) -> Holder {
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|u| !u.is_empty()))
            .or_else(|| {
                // No login variables (a container, CI): the numeric user id.
                let status = std::fs::read_to_string("/proc/self/status").ok()?;
                let uid = status.lines().find(|l| l.starts_with("Uid:"))?.split_whitespace().nth(1)?.to_owned();
                Some(format!("uid {uid}"))
            })
            .unwrap_or_else(|| "unknown".into());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown".into());
        Holder { user, host, pid: std::process::id(), command: command.to_owned() }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} (pid {}, {})", self.user, self.host, self.pid, self.command)
    }
}

/// A lock on one stack, as the store recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    /// Unique per acquisition; renewals and releases name it.
    pub id: String,
    /// Who holds it.
    pub holder: Holder,
    /// When it was taken, in milliseconds since the epoch by the store's clock.
    pub acquired_ms: i64,
    /// When its lease runs out unless renewed, by the store's clock.
    pub expires_ms: i64,
    /// The store's clock when this was read.
    pub now_ms: i64,
}

impl LockInfo {
    /// Whether the lease ran out.
    pub fn expired(&self) -> bool {
        self.expires_ms < self.now_ms
    }

    pub(super) fn refusal(self, stack: &str) -> StoreError {
        StoreError::Locked { stack: stack.to_owned(), info: Box::new(self) }
    }
}

/// A lease in milliseconds, as the store's clock counts.
pub(super) fn lease_ms(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2)
}

/// A lock id no other acquisition shares: this process, the time, a counter.
pub(super) fn new_lock_id() -> String {
    use sha2::Digest;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let digest = sha2::Sha256::digest(format!("{}-{t}-{n}", std::process::id()).as_bytes());
    hex::encode(&digest[..12])
}
