//! What a stack's state records: per resource, its type, cloud id, last applied
//! properties (secrets only as hashes), outputs, dependencies and status.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// How a reference names another stack: `stack:<name>` stands where a resource's name
/// would, and the output where its attribute would.
pub const STACK_PREFIX: &str = "stack:";

mod outputs;
mod recorded_props;

pub use outputs::Outputs;
pub use recorded_props::RecordedProps;

/// The recorded state of one stack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StackState {
    /// The stack's name.
    pub stack: String,
    /// Recorded resources by name.
    pub resources: BTreeMap<String, RecordedResource>,
    /// The stack's outputs as last applied.
    pub outputs: BTreeMap<String, Json>,
    /// Operations started and not yet recorded as finished, by resource: what a run that
    /// was killed or failed midway may have left in the cloud.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, PendingOp>,
    /// The outputs of other stacks this one reads (`use stack data = FormaeData;`), by
    /// stack, as recorded when this state was loaded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub imports: BTreeMap<String, BTreeMap<String, Json>>,
}

impl StackState {
    /// An empty state for `stack`.
    pub fn empty(stack: &str) -> Self {
        StackState { stack: stack.to_owned(), ..Default::default() }
    }

    /// The recorded value of `attr` of `resource`: a resource's output, or, for
    /// `stack:<name>`, another stack's output this one reads.
    pub fn output_of(&self, resource: &str, attr: &str) -> Option<Json> {
        match resource.strip_prefix(STACK_PREFIX) {
            Some(stack) => self.imports.get(stack)?.get(attr).cloned(),
            None => self.resources.get(resource)?.outputs.get(attr).cloned(),
        }
    }

    /// A digest of everything recorded (resources, outputs, operations in flight): it
    /// changes with every write, so a plan can tell that the state it was made against is
    /// still the state.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"formae-state-v1\0");
        h.update(serde_json::to_vec(self).unwrap_or_default());
        format!("sha256:{}", hex::encode(h.finalize()))
    }
}

/// One recorded resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResource {
    /// Its type name.
    pub type_name: String,
    /// What identifies it in the cloud (an ARN, a name).
    pub cloud_id: String,
    /// The properties last applied, in plan form: secrets are hashes, and marked as such.
    pub props: RecordedProps,
    /// Its outputs.
    pub outputs: Outputs,
    /// The resources it depended on when applied; deletes run in reverse.
    pub deps: Vec<String>,
    /// Where its last operation got to.
    pub status: ResourceStatus,
    /// Protected (`#[protect]`) when last applied: a delete of it is refused even after
    /// the stack stops declaring it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
    /// The region it lives in, when its declaration named one other than the stack's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Where a recorded resource's last operation got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceStatus {
    /// Applied and in the recorded shape.
    Ready,
    /// An operation on it failed; the next apply replaces it.
    Failed,
}

/// One operation on one resource, as the engine runs it and the journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Create (also the second half of a replacement).
    Create,
    /// Update in place.
    Update,
    /// Delete (also the first half of a replacement).
    Delete,
}

impl Op {
    /// `create`, `update`, `delete`: also how the journal writes it.
    pub fn verb(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
    /// `creating`, `updating`, `deleting`.
    pub fn doing(self) -> &'static str {
        match self {
            Op::Create => "creating",
            Op::Update => "updating",
            Op::Delete => "deleting",
        }
    }
    /// `created`, `updated`, `deleted`.
    pub fn done(self) -> &'static str {
        match self {
            Op::Create => "created",
            Op::Update => "updated",
            Op::Delete => "deleted",
        }
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.verb())
    }
}

impl std::str::FromStr for Op {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "create" => Ok(Op::Create),
            "update" => Ok(Op::Update),
            "delete" => Ok(Op::Delete),
            other => Err(format!("`{other}` is not an operation (create, update or delete)")),
        }
    }
}

/// An operation the engine started on a resource, recorded before the first mutating call
/// and cleared when its result is recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOp {
    /// What was started.
    pub op: Op,
    /// The resource's type name.
    pub type_name: String,
    /// The cloud id, when the resource already had one (update, delete).
    pub cloud_id: Option<String>,
    /// The properties that identify the resource (its name, say), to find what a killed
    /// create may have made.
    pub identity: Json,
    /// When the operation started (UTC, RFC 3339), as the store's clock read it.
    pub started_at: String,
    /// The idempotency token a create sends (see [`new_client_token`]): a run that finds
    /// the create journaled sends it again, and the cloud answers with the first request
    /// instead of making a second resource. `None` for other operations, records written
    /// before tokens were, and a token whose request is known to have ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// How long a client token is sent again: Cloud Control honours one for 36 hours, so a
/// token older than this is given up for a new one (the create then relies on finding
/// what the earlier request made by its identity).
pub const CLIENT_TOKEN_REUSE: std::time::Duration = std::time::Duration::from_secs(30 * 3600);

/// A new idempotency token for a create: `formae-<unix seconds>-<32 hex digits>`. The time
/// in it says how old it is when a later run finds it in the journal.
pub fn new_client_token() -> String {
    use sha2::{Digest, Sha256};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    // Unique per process, call and instant; nothing secret depends on it.
    let mut h = Sha256::new();
    h.update(std::process::id().to_le_bytes());
    h.update(now.as_nanos().to_le_bytes());
    h.update(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_le_bytes());
    let digest = hex::encode(h.finalize());
    format!("formae-{}-{}", now.as_secs(), &digest[..32])
}

impl PendingOp {
    /// The token of a journaled create of `type_name` that is still worth sending again:
    /// young enough for the cloud to remember it.
    pub fn reusable_token(&self, type_name: &str) -> Option<&str> {
        let token = self.client_token.as_deref().filter(|_| self.op == Op::Create && self.type_name == type_name)?;
        let issued: u64 = token.strip_prefix("formae-")?.split('-').next()?.parse().ok()?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        (now.saturating_sub(issued) < CLIENT_TOKEN_REUSE.as_secs()).then_some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journaled_create_token_is_sent_again_only_while_young_and_for_the_same_create() {
        let token = new_client_token();
        assert_ne!(token, new_client_token(), "tokens repeat");
        assert!(token.len() <= 64 && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{token}");
        let op = PendingOp { op: Op::Create, type_name: "AWS::SQS::Queue".into(), cloud_id: None, identity: Json::Null, started_at: String::new(), client_token: Some(token.clone()) };
        assert_eq!(op.reusable_token("AWS::SQS::Queue"), Some(token.as_str()));
        assert_eq!(op.reusable_token("AWS::Logs::LogGroup"), None, "another type's create");
        assert_eq!(PendingOp { op: Op::Update, ..op.clone() }.reusable_token("AWS::SQS::Queue"), None);
        let old = format!("formae-{}-00", 1_000_000_000);
        assert_eq!(PendingOp { client_token: Some(old), ..op.clone() }.reusable_token("AWS::SQS::Queue"), None, "past the cloud's memory");
        assert_eq!(PendingOp { client_token: Some("hand-made".into()), ..op }.reusable_token("AWS::SQS::Queue"), None);
    }
}
