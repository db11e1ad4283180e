//! `AWS::IAM::Role`, with its trust policy, managed policy attachments and inline
//! policies as properties; its documents are [`super::policy`]'s.

use serde::{Deserialize, Serialize};

use super::Tag;
pub use super::policy::{Effect, PolicyDocument, Principal, Statement};
use crate::ids::{PolicyArn, RoleArn};
use crate::literal::{Check, LiteralRule};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

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
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "role_name",
            check: Check::Name { max: 64, extra: "+=,.@_-" },
            message: "role_name is not a name IAM accepts: use 1 to 64 letters, digits and `+=,.@_-`",
        },
    ];
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
        identity: &["role_name"],
        outputs: RoleOutputs::ATTRS,
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = RoleOutputs;
    fn outputs(name: &'static str) -> RoleOutputs {
        RoleOutputs::new(name)
    }
    fn validate(&self) -> Vec<crate::invalid::Invalid> {
        let mut out = Vec::new();
        super::name_chars("role_name", &self.role_name, 64, "+=,.@_-", &mut out);
        out
    }
}

#[cfg(feature = "aws")]
mod ops {
    use std::collections::BTreeSet;

    use async_trait::async_trait;
    use aws_sdk_iam::types::Tag as IamTag;
    use serde_json::{json, Value as Json};

    use super::Role;
    use crate::exec::{answered, api_error, optional, outputs, required, tag_map, Applied, Cx, ExecError, Existing, Observed, Ops};
    use crate::resource::Resource;
    use crate::value::Value;

    const TYPE: &str = Role::META.type_name;

    fn iam_tags(cx: &Cx, name: &str, r: &Role) -> Vec<IamTag> {
        cx.tags(name, &r.tags)
            .into_iter()
            .filter_map(|(k, v)| IamTag::builder().key(k).value(v).build().ok())
            .collect()
    }

    fn role_name(r: &Role) -> Result<&String, ExecError> {
        required(&r.role_name, "role_name", TYPE)
    }

    async fn role_applied(cx: &Cx, name: &str) -> Result<Applied, ExecError> {
        let out = cx.iam.get_role().role_name(name).send().await.map_err(api_error("iam:GetRole"))?;
        let role = answered(out.role, "iam:GetRole", "Role")?;
        Ok(Applied {
            cloud_id: name.to_owned(),
            outputs: outputs([("arn", json!(role.arn)), ("name", json!(role.role_name)), ("role_id", json!(role.role_id))]),
        })
    }

    /// Makes attachments and inline policies match the declaration. A role just created
    /// (`fresh`) has none, so nothing is listed first.
    async fn sync_policies(cx: &Cx, r: &Role, name: &str, fresh: bool) -> Result<(), ExecError> {
        let attached: BTreeSet<String> = if fresh {
            BTreeSet::new()
        } else {
            cx.iam
                .list_attached_role_policies()
                .role_name(name)
                .send()
                .await
                .map_err(api_error("iam:ListAttachedRolePolicies"))?
                .attached_policies
                // No list: nothing attached.
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.policy_arn)
                .collect()
        };
        // AWS managed policies are written `arn:aws:`; in aws-cn or aws-us-gov they are not there.
        let wanted = r
            .managed_policy_arns
            .iter()
            .map(|a| required(a, "managed_policy_arns", TYPE).map(|a| cx.in_partition(&a.0)))
            .collect::<Result<BTreeSet<String>, ExecError>>()?;
        for arn in wanted.difference(&attached) {
            cx.iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(api_error("iam:AttachRolePolicy"))?;
        }
        for arn in attached.difference(&wanted) {
            cx.iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(api_error("iam:DetachRolePolicy"))?;
        }
        let inline: BTreeSet<String> = if fresh {
            BTreeSet::new()
        } else {
            cx.iam
                .list_role_policies()
                .role_name(name)
                .send()
                .await
                .map_err(api_error("iam:ListRolePolicies"))?
                .policy_names
                .into_iter()
                .collect()
        };
        let mut declared = BTreeSet::new();
        for p in &r.policies {
            let pname = required(&p.name, "policies.name", TYPE)?.clone();
            let doc = p.document.to_iam_json().to_string();
            // Put only what differs, so a redeploy makes no write.
            let current = if inline.contains(&pname) {
                cx.iam
                    .get_role_policy()
                    .role_name(name)
                    .policy_name(&pname)
                    .send()
                    .await
                    .map_err(api_error("iam:GetRolePolicy"))
                    .map(|o| decode_policy(&o.policy_document))?
            } else {
                None
            };
            if current.as_ref() != Some(&p.document.to_iam_json()) {
                cx.iam
                    .put_role_policy()
                    .role_name(name)
                    .policy_name(&pname)
                    .policy_document(doc)
                    .send()
                    .await
                    .map_err(api_error("iam:PutRolePolicy"))?;
            }
            declared.insert(pname);
        }
        for gone in inline.difference(&declared) {
            cx.iam
                .delete_role_policy()
                .role_name(name)
                .policy_name(gone)
                .send()
                .await
                .map_err(api_error("iam:DeleteRolePolicy"))?;
        }
        Ok(())
    }

    /// IAM returns policy documents URL-encoded.
    fn decode_policy(doc: &str) -> Option<Json> {
        let decoded = percent_decode(doc);
        serde_json::from_str(&decoded).ok().or_else(|| serde_json::from_str(doc).ok())
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[async_trait]
    impl Ops for Role {
        async fn create(&self, cx: &Cx, name: &str) -> Result<Applied, ExecError> {
            let rn = role_name(self)?;
            let out = cx
                .iam
                .create_role()
                .role_name(rn)
                .assume_role_policy_document(self.assume_role_policy.to_iam_json().to_string())
                .set_path(optional(&self.path, "path", TYPE)?.cloned())
                .set_description(optional(&self.description, "description", TYPE)?.cloned())
                .set_max_session_duration(optional(&self.max_session_duration, "max_session_duration", TYPE)?.map(|d| *d as i32))
                .set_tags(Some(iam_tags(cx, name, self)))
                .send()
                .await
                .map_err(api_error("iam:CreateRole"))?;
            sync_policies(cx, self, rn, true).await?;
            // The answer names the role: no need to ask again.
            match out.role {
                Some(role) => Ok(Applied {
                    cloud_id: rn.clone(),
                    outputs: outputs([("arn", json!(role.arn)), ("name", json!(role.role_name)), ("role_id", json!(role.role_id))]),
                }),
                None => role_applied(cx, rn).await,
            }
        }

        async fn update(&self, cx: &Cx, name: &str, cloud_id: &str, prior: Option<&Self>) -> Result<Applied, ExecError> {
            let trust = self.assume_role_policy.to_iam_json();
            if prior.is_none_or(|p| p.assume_role_policy.to_iam_json() != trust) {
                cx.iam
                    .update_assume_role_policy()
                    .role_name(cloud_id)
                    .policy_document(trust.to_string())
                    .send()
                    .await
                    .map_err(api_error("iam:UpdateAssumeRolePolicy"))?;
            }
            let description = optional(&self.description, "description", TYPE)?;
            let max = optional(&self.max_session_duration, "max_session_duration", TYPE)?.map(|d| *d as i32);
            let recorded = prior.map(|p| (p.description.as_ref().and_then(Value::get), p.max_session_duration.as_ref().and_then(Value::get).map(|d| *d as i32)));
            if recorded != Some((description, max)) {
                cx.iam
                    .update_role()
                    .role_name(cloud_id)
                    // An unset description is cleared: the empty one is how the API says so.
                    .description(description.cloned().unwrap_or_default())
                    .set_max_session_duration(max)
                    .send()
                    .await
                    .map_err(api_error("iam:UpdateRole"))?;
            }
            sync_policies(cx, self, cloud_id, false).await?;
            cx.iam
                .tag_role()
                .role_name(cloud_id)
                .set_tags(Some(iam_tags(cx, name, self)))
                .send()
                .await
                .map_err(api_error("iam:TagRole"))?;
            role_applied(cx, cloud_id).await
        }

        async fn delete(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<(), ExecError> {
            if !Self::exists(cx, cloud_id, prior).await? {
                return Ok(());
            }
            let empty = Role::default();
            sync_policies(cx, &empty, cloud_id, false).await?;
            cx.iam.delete_role().role_name(cloud_id).send().await.map_err(api_error("iam:DeleteRole"))?;
            Ok(())
        }

        async fn find(&self, cx: &Cx) -> Result<Option<Existing>, ExecError> {
            let name = role_name(self)?;
            match cx.iam.get_role().role_name(name).send().await {
                Ok(out) => Ok(Some(Existing {
                    // No role in the answer: no tags to tell whose it is.
                    tags: tag_map(out.role().map(|r| r.tags()).unwrap_or_default(), |t| (Some(t.key()), Some(t.value()))),
                    cloud_id: name.clone(),
                })),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => Ok(None),
                Err(e) => Err(api_error("iam:GetRole")(e)),
            }
        }

        /// The role's description and session length, its managed policies and its inline
        /// policies (an inline policy that differs shows as its live IAM document). Without
        /// a record, the policies are shown as they are live.
        async fn read(cx: &Cx, cloud_id: &str, prior: Option<&Self>) -> Result<Option<Observed>, ExecError> {
            let mut live = Vec::new();
            // The role itself only when the stack sets what only it tells; the policy
            // listing below says as well whether the role still exists.
            let description = prior.is_some_and(|p| p.description.is_some());
            let session = prior.is_some_and(|p| p.max_session_duration.is_some());
            if description || session {
                let role = match cx.iam.get_role().role_name(cloud_id).send().await {
                    Ok(out) => out.role,
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => return Ok(None),
                    Err(e) => return Err(api_error("iam:GetRole")(e)),
                };
                let Some(role) = role else { return Ok(None) };
                if description {
                    live.push(("description", role.description().map(|d| json!(d))));
                }
                if session {
                    live.push(("max_session_duration", role.max_session_duration().map(|d| json!(d))));
                }
            }
            let attached = match cx.iam.list_attached_role_policies().role_name(cloud_id).send().await {
                Ok(out) => out,
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => return Ok(None),
                Err(e) => return Err(api_error("iam:ListAttachedRolePolicies")(e)),
            };
            let attached: BTreeSet<String> = attached
                .attached_policies
                // No list: nothing attached.
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.policy_arn)
                .map(|a| cx.as_written(&a))
                .collect();
            let recorded = prior.map(|p| p.managed_policy_arns.iter().filter_map(Value::get).map(|a| a.0.clone()).collect::<BTreeSet<String>>());
            // The same set in another order is no change.
            if recorded.as_ref() != Some(&attached) {
                live.push(("managed_policy_arns", (!attached.is_empty()).then(|| json!(attached))));
            }
            let names: BTreeSet<String> = cx
                .iam
                .list_role_policies()
                .role_name(cloud_id)
                .send()
                .await
                .map_err(api_error("iam:ListRolePolicies"))?
                .policy_names
                .into_iter()
                .collect();
            let live_document = |pname: String| async move {
                cx.iam
                    .get_role_policy()
                    .role_name(cloud_id)
                    .policy_name(&pname)
                    .send()
                    .await
                    .map_err(api_error("iam:GetRolePolicy"))
                    .map(|o| decode_policy(&o.policy_document))
            };
            let mut policies = Vec::new();
            // Without a record nothing is known to match: the change is what is live.
            let mut changed = prior.is_none();
            let mut seen = BTreeSet::new();
            for p in prior.map_or(&[][..], |p| &p.policies) {
                let pname = required(&p.name, "policies.name", TYPE)?.clone();
                seen.insert(pname.clone());
                if !names.contains(&pname) {
                    changed = true;
                    continue;
                }
                let doc = live_document(pname.clone()).await?;
                if doc.as_ref() == Some(&p.document.to_iam_json()) {
                    // The record as it is.
                    policies.push(serde_json::to_value(p).map_err(|e| ExecError::Props { type_name: TYPE, message: e.to_string() })?);
                } else {
                    changed = true;
                    policies.push(json!({ "name": pname, "document": doc }));
                }
            }
            for extra in names.difference(&seen) {
                if prior.is_some() {
                    changed = true;
                    policies.push(json!({ "name": extra, "document": "(added outside formae)" }));
                } else {
                    policies.push(json!({ "name": extra, "document": live_document(extra.clone()).await? }));
                }
            }
            if changed {
                live.push(("policies", (!policies.is_empty()).then(|| json!(policies))));
            }
            Ok(Some(live))
        }

        async fn exists(cx: &Cx, cloud_id: &str, _prior: Option<&Self>) -> Result<bool, ExecError> {
            match cx.iam.get_role().role_name(cloud_id).send().await {
                Ok(_) => Ok(true),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_entity_exception()) => Ok(false),
                Err(e) => Err(api_error("iam:GetRole")(e)),
            }
        }
    }
}
