//! [`Executors`]: the executor of each resource type, hand-written or through Cloud Control.

use std::collections::HashMap;
use std::sync::Arc;

use super::Executor;
use crate::aws::cloudcontrol::CloudControl;
use crate::resource::StackInstance;

/// The executors an apply, a refresh or a lookup works with, by type name: the
/// hand-written ones, a Cloud Control executor for each declared type Cloud Control serves
/// (see [`Executors::for_stack`]), and, for a recorded type that no declaration describes
/// any more, a bare Cloud Control executor that knows only the type's name: enough to read
/// and delete it.
#[derive(Clone)]
pub struct Executors {
    by_type: HashMap<&'static str, Arc<dyn Executor>>,
}

impl std::fmt::Debug for Executors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut types: Vec<&str> = self.by_type.keys().copied().collect();
        types.sort_unstable();
        f.debug_struct("Executors").field("types", &types).finish()
    }
}

impl Executors {
    /// These executors, each for the type it names.
    pub fn new(executors: impl IntoIterator<Item = Box<dyn Executor>>) -> Self {
        Executors { by_type: executors.into_iter().map(|e| (e.type_name(), Arc::from(e))).collect() }
    }

    /// These executors with `exec` for its type, in place of any other (tests put fakes
    /// in this way).
    pub fn with(mut self, exec: Box<dyn Executor>) -> Self {
        self.by_type.insert(exec.type_name(), Arc::from(exec));
        self
    }

    /// These executors, plus a Cloud Control executor for each type `stack` declares that
    /// has none here and whose metadata says how Cloud Control serves it.
    pub fn for_stack(&self, stack: &StackInstance) -> Executors {
        let mut out = self.clone();
        for d in &stack.resources {
            if out.by_type.contains_key(d.meta.type_name) {
                continue;
            }
            if let Some(cc) = CloudControl::new(d.meta) {
                out.by_type.insert(d.meta.type_name, Arc::new(cc));
            }
        }
        out
    }

    /// The executor of `type_name`: its own, else a bare Cloud Control executor if the name
    /// is a CloudFormation registry type's (`Org::Service::Resource`); `None` for any other.
    pub fn get(&self, type_name: &str) -> Option<Arc<dyn Executor>> {
        if let Some(e) = self.by_type.get(type_name) {
            return Some(Arc::clone(e));
        }
        CloudControl::bare(type_name).map(|e| Arc::new(e) as Arc<dyn Executor>)
    }

    /// Whether `type_name` has an executor of its own here (not a bare fallback).
    pub fn declares(&self, type_name: &str) -> bool {
        self.by_type.contains_key(type_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{CloudControlMeta, ResourceMeta, Tagging};

    const QUEUE_CC: CloudControlMeta = CloudControlMeta {
        primary_identifier: &["QueueUrl"],
        read_only: &["QueueUrl", "Arn"],
        tagging: Tagging::List("Tags"),
        can_update: true,
        can_list: true,
        timeout_minutes: 5,
    };

    #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
    struct Queue {
        #[serde(rename = "QueueName")]
        queue_name: Option<crate::value::Value<String>>,
    }
    impl crate::resource::Props for Queue {
        const REQUIRED: &'static [crate::resource::Required] = &[];
    }
    impl crate::resource::Resource for Queue {
        const META: ResourceMeta = ResourceMeta {
            type_name: "AWS::SQS::Queue",
            create_only: &["QueueName"],
            write_only: &[],
            identity: &["QueueName"],
            outputs: &["Arn", "QueueUrl"],
            reruns_when_dependencies_change: false,
            is_check: false,
            unordered: &[],
            cloud_control: Some(&QUEUE_CC),
        };
        type Outputs = ();
        fn outputs(_: &'static str) {}
    }

    #[test]
    fn hand_written_types_keep_theirs_declared_types_get_cloud_control_and_recorded_ones_a_bare_one() {
        let hand = crate::exec::registry();
        assert!(hand.declares("AWS::SecretsManager::Secret"));
        assert!(!hand.declares("AWS::SQS::Queue"));
        let mut stack = StackInstance::with_capacity("t", 1);
        stack.add("q", &[], Queue::default());
        let all = hand.for_stack(&stack);
        assert!(all.declares("AWS::SQS::Queue"));
        assert_eq!(all.get("AWS::SQS::Queue").map(|e| e.type_name()), Some("AWS::SQS::Queue"));
        // The secret is declared nowhere here, and keeps its own executor.
        assert!(all.declares("AWS::SecretsManager::Secret"));
        // Recorded, no longer declared: a bare executor by name; never for formae's own types.
        assert_eq!(hand.get("AWS::Logs::LogGroup").map(|e| e.type_name()), Some("AWS::Logs::LogGroup"));
        assert!(hand.get("Formae::Check::Nothing").is_none());
        assert!(hand.get("not a type").is_none());
        assert_eq!(hand.get("Formae::Check::Http").map(|e| e.type_name()), Some("Formae::Check::Http"));
    }
}
