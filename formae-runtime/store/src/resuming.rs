//! Waiting out an Aurora Serverless v2 cluster that resumes from its pause: the Data API
//! store and the executors that call the Data API both go through it.

use std::time::Duration;

/// Runs `call`, and again while an auto-paused Aurora Serverless v2 cluster resumes: the
/// Data API answers `DatabaseResumingException` meanwhile, and its documentation says to
/// retry. Backs off from `first` to 8 s, for at most five minutes; other errors return at once.
pub async fn while_resuming<T, E, F, Fut>(what: &str, first: Duration, mut call: F) -> Result<T, E>
where
    E: aws_sdk_rdsdata::error::ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let start = tokio::time::Instant::now();
    let mut wait = first;
    loop {
        match call().await {
            Err(e) if e.code() == Some("DatabaseResumingException") && start.elapsed() + wait <= Duration::from_secs(300) => {
                tracing::info!(what, retry_in = ?wait, "the Aurora cluster is resuming; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(8));
            }
            other => return other,
        }
    }
}
