//! Deploying with the AWS provider: a [`Session`] over its executors, and the
//! credentials check that runs before anything is changed.

use crate::exec::{Cx, Executors};

pub use formae_engine::session::{DeployError, Refresh, StackReferenceError};

/// A deployment session with the AWS provider: [`crate::exec::Cx`]'s clients and the
/// executors of [`crate::exec::registry`], to which each plan and apply adds Cloud
/// Control's for the types its stack declares.
pub type Session<'a> = formae_engine::Session<'a, Executors>;

/// The cloud could not be reached before anything was changed.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    /// No credentials in the default chain.
    #[error("no AWS credentials were found in the environment, the AWS config files or instance metadata: set AWS_PROFILE (after `aws sso login`, say) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --sandbox; nothing was changed (-vv shows where formae looked)")]
    NoCredentials,
    /// The endpoint did not answer.
    #[error("cannot reach AWS at {endpoint} (region {region}): {message}; {}check --endpoint-url, --region and the network (`cargo xtask sandbox up` for the sandbox); nothing was changed", region_hint(region))]
    Unreachable {
        /// The endpoint that was tried (or the region's public endpoints).
        endpoint: String,
        /// The region asked for.
        region: String,
        /// The SDK's description of the failure.
        message: String,
    },
    /// AWS answered with a refusal (expired or invalid credentials, say).
    #[error("AWS refused the credentials check in region {region}: {message}; nothing was changed")]
    Refused {
        /// The region asked for.
        region: String,
        /// AWS's reason for refusing.
        message: String,
    },
}

/// AWS's public regions, to tell a typo from a region newer than this list.
const REGIONS: &[&str] = &[
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1",
    "me-central-1", "mx-central-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
];

/// For a region AWS does not have: the nearest one, as a hint.
fn region_hint(region: &str) -> String {
    if REGIONS.contains(&region) {
        return String::new();
    }
    let distance = crate::suggest::distance;
    match REGIONS.iter().min_by_key(|r| distance(region, r)) {
        Some(near) if distance(region, near) <= 3 => format!("`{region}` is not an AWS region: did you mean `{near}`? "),
        _ => format!("`{region}` is not an AWS region formae knows: "),
    }
}

/// Asks STS who we are, once, quickly and without retries: missing credentials, an
/// endpoint that does not answer or a region that does not exist fail here, before
/// anything changes. Returns the account id.
pub async fn preflight(cx: &Cx, endpoint: Option<&str>) -> Result<String, PreflightError> {
    use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
    let quick = aws_sdk_sts::config::Builder::default()
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .timeout_config(aws_sdk_sts::config::timeout::TimeoutConfig::builder().operation_timeout(std::time::Duration::from_secs(10)).build());
    match cx.sts.get_caller_identity().customize().config_override(quick).send().await {
        Ok(who) => Ok(who.account().unwrap_or_default().to_owned()),
        Err(e) => {
            let message = format!("{}", DisplayErrorContext(&e));
            let region = cx.region.clone();
            Err(match &e {
                SdkError::ServiceError(_) => PreflightError::Refused { region, message: e.message().unwrap_or(&message).to_owned() },
                _ if message.contains("no credentials found") || message.contains("CredentialsNotLoaded") || (message.contains("credentials") && !message.contains("dispatch failure")) => {
                    tracing::debug!(%message, "no credentials");
                    PreflightError::NoCredentials
                }
                _ => PreflightError::Unreachable {
                    endpoint: endpoint.map(str::to_owned).unwrap_or_else(|| format!("the public endpoints of {region}")),
                    region,
                    message,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::region_hint;

    #[test]
    fn a_mistyped_region_gets_the_nearest_real_one() {
        assert_eq!(region_hint("us-eest-1"), "`us-eest-1` is not an AWS region: did you mean `us-east-1`? ");
        assert_eq!(region_hint("eu-west-1"), "");
        assert!(region_hint("mars-1").starts_with("`mars-1` is not an AWS region formae knows"));
    }
}
