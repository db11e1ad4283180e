//! `AWS::SecretsManager::Secret`.

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::ids::SecretArn;
use crate::literal::{Check, LiteralRule};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::{Sensitive, Value};

/// A Secrets Manager secret holding a string (credentials, a config file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Secret {
    /// The secret's name, unique in the account and region.
    pub name: Value<String>,
    /// What the secret is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value<String>>,
    /// The secret's value; always shown as `(sensitive value)`, stored only as a hash.
    pub secret_string: Value<Sensitive>,
    /// The KMS key that encrypts it; the account's default key if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Value<String>>,
    /// Days a deleted secret can be restored (7 to 30); unset deletes it at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_window_days: Option<Value<u32>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub tags: Vec<Tag>,
}

impl Props for Secret {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(Secret: name, secret_string);
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "name",
            check: Check::Name { max: 512, extra: "/_+=.@-" },
            message: "name is not a name Secrets Manager accepts: use 1 to 512 letters, digits and `/_+=.@-`",
        },
    ];
}

crate::outputs! {
    /// Outputs of a [`Secret`].
    SecretOutputs {
        /// The secret's ARN (with Secrets Manager's random suffix).
        arn: SecretArn,
        /// The secret's name.
        name: String,
    }
}

impl Resource for Secret {
    const META: ResourceMeta = ResourceMeta {
        type_name: "AWS::SecretsManager::Secret",
        create_only: &["name"],
        write_only: &["secret_string"],
        identity: &["name"],
        outputs: SecretOutputs::ATTRS,
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = SecretOutputs;
    fn outputs(name: &'static str) -> SecretOutputs {
        SecretOutputs::new(name)
    }
    fn validate(&self) -> Vec<crate::invalid::Invalid> {
        let mut out = Vec::new();
        super::name_chars("name", &self.name, 512, "/_+=.@-", &mut out);
        out
    }
}

/// Whether Secrets Manager refused a name because a secret of that name is still being
/// deleted (a forced deletion finishes after its answer; a recovery window keeps it).
#[cfg(feature = "aws")]
pub(crate) fn name_held_by_deletion(message: &str) -> bool {
    message.contains("scheduled for deletion")
}

#[cfg(feature = "aws")]
mod ops {
    use async_trait::async_trait;
    use aws_sdk_secretsmanager::types::Tag as SmTag;
    use serde_json::json;

    use super::Secret;
    use crate::exec::{api_error, answered, optional, outputs, required, tag_map, Applied, Cx, ExecError, Existing, Observed, Ops};
    use crate::resolve::secret_hash;
    use crate::resource::Resource;
    use crate::value::{Sensitive, Value};

    const TYPE: &str = Secret::META.type_name;

    fn sm_tags(cx: &Cx, name: &str, s: &Secret) -> Vec<SmTag> {
        cx.tags(name, &s.tags).into_iter().map(|(k, v)| SmTag::builder().key(k).value(v).build()).collect()
    }

    fn applied(arn: String, name: String) -> Applied {
        Applied { outputs: outputs([("arn", json!(arn)), ("name", json!(name))]), cloud_id: arn }
    }

    #[async_trait]
    impl Ops for Secret {
        async fn create(&self, cx: &Cx, name: &str) -> Result<Applied, ExecError> {
            let secret_name = required(&self.name, "name", TYPE)?;
            let secret_string = required(&self.secret_string, "secret_string", TYPE)?;
            let description = optional(&self.description, "description", TYPE)?;
            let kms_key_id = optional(&self.kms_key_id, "kms_key_id", TYPE)?;
            let start = tokio::time::Instant::now();
            let mut wait = std::time::Duration::from_secs(1).min(cx.timing.poll * 5);
            loop {
                let sent = cx
                    .secrets
                    .create_secret()
                    .name(secret_name)
                    .set_description(description.cloned())
                    .set_kms_key_id(kms_key_id.cloned())
                    .secret_string(secret_string.expose())
                    .set_tags(Some(sm_tags(cx, name, self)))
                    .send()
                    .await;
                let e = match sent {
                    Ok(out) => {
                        let op = "secretsmanager:CreateSecret";
                        return Ok(applied(answered(out.arn, op, "ARN")?, answered(out.name, op, "Name")?));
                    }
                    Err(e) => api_error("secretsmanager:CreateSecret")(e),
                };
                let scheduled = e.code() == Some("InvalidRequestException") && matches!(&e, ExecError::Api { message, .. } if super::name_held_by_deletion(message));
                if !scheduled {
                    return Err(e);
                }
                // A secret of that name is scheduled for deletion: one with a recovery
                // window is restored and brought to the declaration; a forced deletion
                // still under way (it is asynchronous) is waited out.
                if let Ok(d) = cx.secrets.describe_secret().secret_id(secret_name).send().await {
                    if let (Some(_), Some(arn)) = (d.deleted_date, d.arn) {
                        tracing::info!(secret = %secret_name, "restoring the secret scheduled for deletion under this name");
                        cx.secrets.restore_secret().secret_id(&arn).send().await.map_err(api_error("secretsmanager:RestoreSecret"))?;
                        // Nothing is known of what it holds: everything is sent.
                        return self.update(cx, name, &arn, None).await;
                    }
                }
                if start.elapsed() + wait > std::time::Duration::from_secs(120) {
                    return Err(e);
                }
                tracing::info!(secret = %secret_name, retry_in = ?wait, "the name is still held by a secret being deleted; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(8));
            }
        }

        async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: Option<&Self>) -> Result<Applied, ExecError> {
            let new_text = required(&self.secret_string, "secret_string", TYPE)?.expose();
            // The record holds the hash that stands for the value last applied.
            let prior_hash = prior.and_then(|p| p.secret_string.get()).map(Sensitive::expose);
            if prior_hash != Some(secret_hash(new_text).as_str()) {
                cx.secrets
                    .put_secret_value()
                    .secret_id(cloud_id)
                    .secret_string(new_text)
                    .send()
                    .await
                    .map_err(api_error("secretsmanager:PutSecretValue"))?;
            }
            let description = optional(&self.description, "description", TYPE)?;
            let kms = optional(&self.kms_key_id, "kms_key_id", TYPE)?;
            let recorded = prior.map(|p| (p.description.as_ref().and_then(Value::get), p.kms_key_id.as_ref().and_then(Value::get)));
            if recorded != Some((description, kms)) {
                cx.secrets
                    .update_secret()
                    .secret_id(cloud_id)
                    // An unset description is cleared: the empty one is how the API says so.
                    .description(description.cloned().unwrap_or_default())
                    .set_kms_key_id(kms.cloned())
                    .send()
                    .await
                    .map_err(api_error("secretsmanager:UpdateSecret"))?;
            }
            cx.secrets
                .tag_resource()
                .secret_id(cloud_id)
                .set_tags(Some(sm_tags(cx, name, self)))
                .send()
                .await
                .map_err(api_error("secretsmanager:TagResource"))?;
            Ok(applied(cloud_id.to_owned(), required(&self.name, "name", TYPE)?.clone()))
        }

        async fn delete(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<(), ExecError> {
            // Without a record the recovery window is not known; deleting without one
            // could not be undone.
            let prior = prior.ok_or_else(|| ExecError::Props { type_name: TYPE, message: "the record of the secret does not fit its type, so its recovery window is not known; nothing was deleted".into() })?;
            let window = optional(&prior.recovery_window_days, "recovery_window_days", TYPE)?;
            let req = cx.secrets.delete_secret().secret_id(cloud_id);
            let req = match window {
                Some(&days) => req.recovery_window_in_days(i64::from(days)),
                None => req.force_delete_without_recovery(true),
            };
            match req.send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(()),
                Err(e) => Err(api_error("secretsmanager:DeleteSecret")(e)),
            }
        }

        async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError> {
            match cx.secrets.describe_secret().secret_id(required(&self.name, "name", TYPE)?).send().await {
                Ok(d) if d.deleted_date.is_none() => Ok(Some(Existing {
                    tags: tag_map(d.tags(), |t| (t.key(), t.value())),
                    cloud_id: answered(d.arn, "secretsmanager:DescribeSecret", "ARN")?,
                })),
                Ok(_) => Ok(None),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(None),
                Err(e) => Err(api_error("secretsmanager:DescribeSecret")(e)),
            }
        }

        /// One read: the current value, compared by its hash. A value edited by hand shows
        /// as a change of `secret_string`, still as `(sensitive)`.
        async fn read(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
            match cx.secrets.get_secret_value().secret_id(cloud_id).send().await {
                Ok(v) => {
                    let hash = v.secret_string().map(|t| json!(secret_hash(t)));
                    Ok(Some(vec![("secret_string", hash)]))
                }
                // Not found, or scheduled for deletion: gone either way.
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception() || s.is_invalid_request_exception()) => Ok(None),
                Err(e) => Err(api_error("secretsmanager:GetSecretValue")(e)),
            }
        }

        async fn exists(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<bool, ExecError> {
            match cx.secrets.describe_secret().secret_id(cloud_id).send().await {
                Ok(d) => Ok(d.deleted_date.is_none()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => Ok(false),
                Err(e) => Err(api_error("secretsmanager:DescribeSecret")(e)),
            }
        }
    }
}
