//! `AWS::IAM::Role`, with its trust policy, managed policy attachments and inline
//! policies as properties, and typed IAM policy documents.

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::ids::{AnyArn, PolicyArn, RoleArn};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// Allow or Deny.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Grants.
    #[default]
    Allow,
    /// Refuses, overriding any grant.
    Deny,
}

/// Who a trust policy lets assume a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// An AWS service, e.g. `ecs-tasks.amazonaws.com`.
    Service(String),
    /// An AWS account or IAM entity, by ARN.
    Aws(String),
}

impl Principal {
    /// An AWS service principal.
    pub fn service(name: &str) -> Self {
        Principal::Service(name.to_owned())
    }
}

/// An IAM policy document, rendered to IAM's JSON when applied.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PolicyDocument {
    /// The policy language version; `2012-10-17` if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Value<String>>,
    /// The statements.
    pub statements: Vec<Statement>,
}

impl Props for PolicyDocument {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(PolicyDocument: statements);
}

/// One statement of a policy document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Statement {
    /// An optional statement id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Value<String>>,
    /// Allow or Deny.
    pub effect: Value<Effect>,
    /// Principals (trust policies only).
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub principals: Vec<Value<Principal>>,
    /// Actions, e.g. `secretsmanager:GetSecretValue`.
    pub actions: Vec<Value<String>>,
    /// Resources: any kind of ARN (permission policies only).
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub resources: Vec<Value<AnyArn>>,
}

impl Props for Statement {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(Statement: effect, actions);
}

/// An inline policy embedded in a role.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InlinePolicy {
    /// The policy's name, unique within the role.
    pub name: Value<String>,
    /// The policy.
    pub document: PolicyDocument,
}

impl Props for InlinePolicy {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(InlinePolicy: name, document);
}

/// An IAM role.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Role {
    /// The role's name, unique in the account.
    pub role_name: Value<String>,
    /// Who may assume the role.
    pub assume_role_policy: PolicyDocument,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value<String>>,
    /// The role's path; `/` if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Value<String>>,
    /// Maximum session length in seconds (3600 to 43200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<Value<u32>>,
    /// Managed policies attached to the role.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub managed_policy_arns: Vec<Value<PolicyArn>>,
    /// Inline policies.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub policies: Vec<InlinePolicy>,
    /// Tags.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub tags: Vec<Tag>,
}

impl Props for Role {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(Role: role_name, assume_role_policy);
}

crate::outputs! {
    /// Outputs of a [`Role`].
    RoleOutputs {
        /// The role's ARN.
        arn: RoleArn,
        /// The role's name.
        name: String,
        /// The role's unique id.
        role_id: String,
    }
}

impl Resource for Role {
    const META: ResourceMeta = ResourceMeta {
        type_name: "AWS::IAM::Role",
        create_only: &["role_name", "path"],
        write_only: &[],
        sensitive: &[],
        identity: &["role_name"],
        outputs: RoleOutputs::ATTRS,
    };
    type Outputs = RoleOutputs;
    fn outputs(name: &'static str) -> RoleOutputs {
        RoleOutputs::new(name)
    }
}
