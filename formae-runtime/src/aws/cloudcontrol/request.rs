//! Talking to Cloud Control: calls asked again while the service throttles or another
//! operation holds the resource, and requests followed until they end.

use std::time::Duration;

use aws_sdk_cloudcontrol::types::{OperationStatus, ProgressEvent};

use crate::exec::{Cx, ExecError, RequestFailure};

/// How long a refused call is asked again, at most.
const RETRY_FOR: Duration = Duration::from_secs(120);

/// The longest pause between two looks at a request, whatever RetryAfter says.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);

/// Whether a refusal is worth asking again: the service throttled the call, or another
/// operation on the resource is under way (both pass; the SDK already retried throttling
/// a few times within the call).
pub fn transient(e: &ExecError) -> bool {
    matches!(e, ExecError::Api { code: Some(c), .. } if c == "ThrottlingException" || c == "ConcurrentOperationException")
}

/// Runs `call`, and again while it is refused for a [`transient`] reason, backing off
/// from 1 s (sooner where waits are short, as in the sandbox) to 8 s, for at most two
/// minutes; every retry is logged. Other outcomes return at once.
pub async fn retrying<T, F, Fut>(cx: &Cx, what: &str, mut call: F) -> Result<T, ExecError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ExecError>>,
{
    let start = tokio::time::Instant::now();
    let mut wait = Duration::from_secs(1).min(cx.timing.poll * 5);
    loop {
        match call().await {
            Err(e) if transient(&e) && start.elapsed() + wait <= RETRY_FOR => {
                tracing::info!(what, error = %e, retry_in = ?wait, "Cloud Control refused for now; asking again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(8));
            }
            other => return other,
        }
    }
}

/// How long to wait before looking at a request again: until its RetryAfter (seconds
/// since the epoch) if that is ahead, within bounds; else the runtime's poll interval.
pub fn pause(retry_after: Option<f64>, now: f64, poll: Duration) -> Duration {
    match retry_after.map(|at| at - now) {
        Some(ahead) if ahead > 0.0 => Duration::from_secs_f64(ahead.min(LONGEST_PAUSE.as_secs_f64())).max(Duration::from_millis(50)),
        _ => poll,
    }
}

fn now_secs() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// The error a request that ended without success stands for, its message redacted.
pub fn ended(ev: &ProgressEvent, type_name: &str, redact: &(dyn Fn(&str) -> String + Sync)) -> ExecError {
    let status = ev.operation_status().map_or("FAILED", |s| s.as_str());
    ExecError::Request(Box::new(RequestFailure {
        operation: ev.operation().map_or("request", |o| o.as_str()).to_owned(),
        type_name: type_name.to_owned(),
        resource: ev.identifier().map_or_else(|| "(not yet identified)".to_owned(), |i| format!("`{i}`")),
        status: status.to_owned(),
        code: ev.error_code().map_or_else(|| if status == "FAILED" { "(none)" } else { "Cancelled" }.to_owned(), |c| c.as_str().to_owned()),
        message: redact(ev.status_message().unwrap_or("no message")),
        request_token: ev.request_token().unwrap_or("(none)").to_owned(),
    }))
}

/// Follows a request from its first progress event until it ends: the last event on
/// SUCCESS; [`ExecError::Request`] on FAILED or a cancellation; a timeout after `limit`.
/// While it waits it says how the request is getting on (see [`crate::engine::note`]).
pub async fn follow(cx: &Cx, first: ProgressEvent, type_name: &str, limit: Duration, redact: &(dyn Fn(&str) -> String + Sync)) -> Result<ProgressEvent, ExecError> {
    let start = tokio::time::Instant::now();
    let token = first.request_token().map(str::to_owned).ok_or(ExecError::Answer { operation: "cloudcontrol", field: "ProgressEvent.RequestToken" })?;
    let mut ev = first;
    let mut said = String::new();
    loop {
        match ev.operation_status() {
            Some(OperationStatus::Success) => return Ok(ev),
            Some(OperationStatus::Failed | OperationStatus::CancelComplete) => return Err(ended(&ev, type_name, redact)),
            _ => {}
        }
        if start.elapsed() >= limit {
            return Err(ExecError::Timeout {
                what: format!("Cloud Control {} of {type_name} (request token {token})", ev.operation().map_or("request", |o| o.as_str())),
                seconds: limit.as_secs(),
            });
        }
        let note = match (ev.operation_status(), ev.status_message()) {
            (Some(s), Some(m)) if !m.is_empty() => format!("Cloud Control: {}: {}", s.as_str(), redact(m)),
            (Some(s), _) => format!("Cloud Control: {}", s.as_str()),
            (None, _) => "Cloud Control: waiting".to_owned(),
        };
        if note != said {
            crate::engine::note(note.clone());
            said = note;
        }
        tokio::time::sleep(pause(ev.retry_after().map(|t| t.as_secs_f64()), now_secs(), cx.timing.poll)).await;
        let out = retrying(cx, "GetResourceRequestStatus", || async {
            cx.cloudcontrol.get_resource_request_status().request_token(&token).send().await.map_err(crate::exec::api_error("cloudcontrol:GetResourceRequestStatus"))
        })
        .await?;
        ev = out.progress_event.ok_or(ExecError::Answer { operation: "cloudcontrol:GetResourceRequestStatus", field: "ProgressEvent" })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudcontrol::types::{HandlerErrorCode, Operation};

    #[test]
    fn retry_after_is_honoured_within_bounds_else_the_poll_interval() {
        let poll = Duration::from_millis(100);
        assert_eq!(pause(Some(105.0), 100.0, poll), Duration::from_secs(5));
        assert_eq!(pause(Some(100.01), 100.0, poll), Duration::from_millis(50), "not sooner than 50 ms");
        assert_eq!(pause(Some(10_000.0), 100.0, poll), LONGEST_PAUSE);
        assert_eq!(pause(Some(90.0), 100.0, poll), poll, "already past");
        assert_eq!(pause(None, 100.0, poll), poll);
    }

    #[test]
    fn a_failed_request_names_the_code_the_message_the_resource_and_the_token() {
        let ev = ProgressEvent::builder()
            .operation(Operation::Create)
            .operation_status(OperationStatus::Failed)
            .error_code(HandlerErrorCode::NotStabilized)
            .status_message("Resource did not stabilize: password hunter22 rejected")
            .identifier("db-1")
            .request_token("req-123")
            .build();
        let err = ended(&ev, "AWS::RDS::DBCluster", &|m| m.replace("hunter22", "(sensitive value)"));
        assert_eq!(err.code(), Some("NotStabilized"));
        assert_eq!(
            err.to_string(),
            "Cloud Control CREATE of AWS::RDS::DBCluster `db-1` ended FAILED: NotStabilized: Resource did not stabilize: password (sensitive value) rejected (request token req-123)"
        );
        let cancelled = ProgressEvent::builder().operation(Operation::Delete).operation_status(OperationStatus::CancelComplete).request_token("r").build();
        let err = ended(&cancelled, "AWS::SQS::Queue", &|m| m.to_owned());
        assert!(err.to_string().starts_with("Cloud Control DELETE of AWS::SQS::Queue (not yet identified) ended CANCEL_COMPLETE: Cancelled"), "{err}");
    }

    #[test]
    fn only_throttling_and_concurrent_operations_are_asked_again() {
        let api = |code: &str| ExecError::Api { operation: "cloudcontrol:CreateResource", code: Some(code.into()), message: String::new() };
        assert!(transient(&api("ThrottlingException")));
        assert!(transient(&api("ConcurrentOperationException")));
        assert!(!transient(&api("ClientTokenConflictException")));
        assert!(!transient(&api("ResourceNotFoundException")));
        let ev = ProgressEvent::builder().operation_status(OperationStatus::Failed).error_code(HandlerErrorCode::Throttling).build();
        assert!(!transient(&ended(&ev, "AWS::SQS::Queue", &|m| m.to_owned())), "a failed request is not sent again from here");
    }
}
