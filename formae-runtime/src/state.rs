//! What a stack's state records: per resource, its type, cloud id, last applied
//! properties (secrets only as hashes), outputs, dependencies and status.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

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
}

impl StackState {
    /// An empty state for `stack`.
    pub fn empty(stack: &str) -> Self {
        StackState { stack: stack.to_owned(), ..Default::default() }
    }
}

/// One recorded resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResource {
    /// Its type name.
    pub type_name: String,
    /// What identifies it in the cloud (an ARN, a name).
    pub cloud_id: String,
    /// The properties last applied, in plan form: secrets are hashes.
    pub props: Json,
    /// Its outputs.
    pub outputs: BTreeMap<String, Json>,
    /// The resources it depended on when applied; deletes run in reverse.
    pub deps: Vec<String>,
    /// Where its last operation got to.
    pub status: ResourceStatus,
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

/// An operation the engine started on a resource, recorded before the first mutating call
/// and cleared when its result is recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOp {
    /// `create`, `update` or `delete`.
    pub op: String,
    /// The resource's type name.
    pub type_name: String,
    /// The cloud id, when the resource already had one (update, delete).
    pub cloud_id: Option<String>,
    /// The properties that identify the resource (its name, say), to find what a killed
    /// create may have made.
    pub identity: Json,
    /// When the operation started (UTC, RFC 3339), as the store's clock read it.
    pub started_at: String,
}
