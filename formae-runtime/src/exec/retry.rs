//! Asking again what a service refused for now: a role IAM has not propagated yet, a
//! refusal a caller says passes with time, an Aurora cluster resuming.

use std::time::Duration;

use super::{Cx, ExecError};

/// Whether a service refused a call because it cannot assume (or see) an IAM role yet:
/// what IAM's eventual consistency looks like right after a role is created.
/// ECS answers a create or update naming a new role in three ways: AccessDeniedException
/// "Cannot assume role", ClientException "AWS was not able to validate the provided access
/// credentials", and InvalidParameterException "... not authorized to perform:
/// sts:AssumeRole" (or "unable to assume the role").
/// Through Cloud Control the same refusal ends a request FAILED, with the service's
/// message and a handler error code (InvalidRequest, AccessDenied or
/// GeneralServiceException).
pub fn is_iam_propagation(e: &ExecError) -> bool {
    let (code, message) = match e {
        ExecError::Api { code, message, .. } => (code.as_deref(), message.to_ascii_lowercase()),
        ExecError::Request(r) => (Some(r.code.as_str()), r.message.to_ascii_lowercase()),
        _ => return false,
    };
    let credentials = message.contains("not able to validate the provided access credentials");
    let role_refused = message.contains("role")
        && (message.contains("unable to assume")
            || message.contains("cannot assume")
            || message.contains("cannot be assumed")
            || message.contains("not authorized to perform: sts:assumerole"));
    match code {
        Some("ClientException") => credentials,
        // Cloud Control's handler codes, for either refusal.
        Some("InvalidRequest" | "AccessDenied" | "GeneralServiceException") => credentials || role_refused,
        Some("InvalidParameterException" | "InvalidParameterValue" | "AccessDeniedException") => role_refused,
        _ => false,
    }
}

impl Cx {
    /// Runs `call`, and again while it is refused because a role is not visible yet,
    /// backing off from 1 s to 8 s, for at most `timing.iam_propagation`; every retry is
    /// logged. Other errors return at once.
    pub async fn while_iam_propagates<T, F, Fut>(&self, what: &str, call: F) -> Result<T, ExecError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ExecError>>,
    {
        let window = self.timing.iam_propagation;
        self.while_refused(what, |e| is_iam_propagation(e).then_some(window), call).await
    }

    /// Runs `call`, and again while `passing` says its refusal passes with time, within
    /// the window it gives from the first call, backing off from 1 s to 8 s; every retry
    /// is logged. Other errors return at once.
    pub async fn while_refused<T, F, Fut>(&self, what: &str, passing: impl Fn(&ExecError) -> Option<Duration>, mut call: F) -> Result<T, ExecError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ExecError>>,
    {
        let start = tokio::time::Instant::now();
        // From 1 s on AWS; sooner where waits are short (the sandbox).
        let mut wait = Duration::from_secs(1).min(self.timing.poll * 5);
        loop {
            match call().await {
                Err(e) if passing(&e).is_some_and(|window| start.elapsed() + wait <= window) => {
                    tracing::info!(what, error = %e, retry_in = ?wait, "refused for now; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(8));
                }
                other => return other,
            }
        }
    }
}

