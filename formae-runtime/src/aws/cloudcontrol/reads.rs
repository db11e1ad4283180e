//! What a Cloud Control read shows, adjusted per type where the service's own behaviour
//! says so:
//! - write-only values that Cloud Control never shows but the service's own API does: a
//!   secret's value (Secrets Manager's GetSecretValue), read so that one changed by hand
//!   is drift, as it is for the hand-written secret; compared by its hash, as the record
//!   keeps it, and never held longer than the read;
//! - an engine version AWS upgraded by itself (Aurora's automatic minor upgrades): shown
//!   as recorded, not as drift, since asking for the older one back is a downgrade RDS
//!   refuses.

use serde_json::Value as Json;

use crate::aws::rds::newer_minor_running;
use crate::exec::{api_error, Cx, ExecError};
use crate::resolve::secret_hash;

/// Adjusts `observed` (in the record's shape) for `type_name`, given the `record`.
pub async fn adjust(cx: &Cx, type_name: &str, cloud_id: &str, record: &Json, observed: &mut Json) -> Result<(), ExecError> {
    match type_name {
        "AWS::SecretsManager::Secret" => secret_value(cx, cloud_id, observed).await,
        "AWS::RDS::DBCluster" | "AWS::RDS::DBInstance" => {
            keep_upgraded_version(record, observed);
            Ok(())
        }
        _ => Ok(()),
    }
}

async fn secret_value(cx: &Cx, cloud_id: &str, observed: &mut Json) -> Result<(), ExecError> {
    if observed.get("SecretString").is_none() {
        return Ok(());
    }
    match cx.secrets.get_secret_value().secret_id(cloud_id).send().await {
        Ok(v) => {
            if let (Some(text), Some(slot)) = (v.secret_string(), observed.get_mut("SecretString")) {
                *slot = Json::String(secret_hash(text));
            }
            Ok(())
        }
        // Gone or being deleted: Cloud Control's read says which.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception() || s.is_invalid_request_exception()) => Ok(()),
        Err(e) => Err(api_error("secretsmanager:GetSecretValue")(e)),
    }
}

/// The recorded `EngineVersion` where a later minor version of it runs.
fn keep_upgraded_version(record: &Json, observed: &mut Json) {
    let Some(recorded) = record.get("EngineVersion").and_then(Json::as_str) else { return };
    let running = observed.get("EngineVersion").and_then(Json::as_str);
    if newer_minor_running(recorded, running) {
        tracing::info!(recorded, running, "a minor version AWS upgraded to by itself: not drift");
        observed["EngineVersion"] = Json::String(recorded.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_aurora_minor_upgrade_reads_as_recorded_and_a_major_one_or_a_downgrade_does_not() {
        let record = json!({"EngineVersion": "16.4"});
        let mut upgraded = json!({"EngineVersion": "16.6"});
        keep_upgraded_version(&record, &mut upgraded);
        assert_eq!(upgraded["EngineVersion"], "16.4");
        for other in ["17.1", "16.2"] {
            let mut observed = json!({"EngineVersion": other});
            keep_upgraded_version(&record, &mut observed);
            assert_eq!(observed["EngineVersion"], other);
        }
    }
}
