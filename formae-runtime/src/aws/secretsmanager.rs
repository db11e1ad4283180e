//! `AWS::SecretsManager::Secret`.

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::ids::SecretArn;
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// A Secrets Manager secret holding a string (credentials, a config file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Secret {
    /// The secret's name, unique in the account and region.
    pub name: Value<String>,
    /// What the secret is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value<String>>,
    /// The secret's value; always shown as `(sensitive)`.
    pub secret_string: Value<String>,
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
        sensitive: &["secret_string"],
        identity: &["name"],
        outputs: SecretOutputs::ATTRS,
    };
    type Outputs = SecretOutputs;
    fn outputs(name: &'static str) -> SecretOutputs {
        SecretOutputs::new(name)
    }
}
