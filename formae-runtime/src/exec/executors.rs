//! [`Executors`]: the executor of each resource type, hand-written or through Cloud Control.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;

use super::{Cx, Executor, Provider};
use crate::aws::cloudcontrol::CloudControl;
use crate::plan::Plan;
use crate::resource::{DeclaredResource, StackInstance};

/// The executors an apply, a refresh or a lookup works with: the hand-written ones by
/// type name; for each resource a stack declares, the executor its declaration calls for
/// (Cloud Control when its metadata says Cloud Control serves it, see
/// [`Executors::for_stack`]); and for a recorded resource no declaration describes any
/// more, a bare Cloud Control executor that knows only its type's name: enough to read and
/// delete it.
///
/// A type name can have both: `AWS::IAM::Role` has a hand-written executor, and the
/// generated `AWS::IAM::Role` goes through Cloud Control. A declared resource goes by its
/// declaration; a recorded one by the shape of its record (CloudFormation's property names
/// are capitalised, the hand-written types' are not).
#[derive(Clone, Default)]
pub struct Executors {
    /// Hand-written, by type name.
    own: HashMap<&'static str, Arc<dyn Executor<Cx>>>,
    /// Cloud Control, by type name, for the types a stack declares through it.
    cloud_control: HashMap<&'static str, Arc<dyn Executor<Cx>>>,
    /// By declared resource name: the executor its declaration calls for, and whether it
    /// is Cloud Control's.
    resources: HashMap<&'static str, (Arc<dyn Executor<Cx>>, bool)>,
}

impl std::fmt::Debug for Executors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sorted = |m: &HashMap<&'static str, Arc<dyn Executor<Cx>>>| {
            let mut k: Vec<&str> = m.keys().copied().collect();
            k.sort_unstable();
            k
        };
        f.debug_struct("Executors").field("own", &sorted(&self.own)).field("cloud_control", &sorted(&self.cloud_control)).finish()
    }
}

/// Whether a record has CloudFormation's shape: an object whose property names all start
/// with a capital letter, as a type served by Cloud Control records them.
fn cloudformation_shaped(record: &Json) -> bool {
    record.as_object().is_some_and(|m| !m.is_empty() && m.keys().all(|k| k.starts_with(|c: char| c.is_ascii_uppercase())))
}

impl Executors {
    /// These hand-written executors, each for the type it names.
    pub fn new(executors: impl IntoIterator<Item = Box<dyn Executor<Cx>>>) -> Self {
        Executors { own: executors.into_iter().map(|e| (e.type_name(), Arc::from(e))).collect(), ..Default::default() }
    }

    /// These executors, knowing what each resource `stack` declares calls for: Cloud
    /// Control for a declaration whose metadata says Cloud Control serves it, else the
    /// type's own executor.
    pub fn for_stack(&self, stack: &StackInstance) -> Executors {
        self.for_declared(stack.resources.iter())
    }

    /// [`Executors::for_stack`] for the stack `plan` was made from, from the declarations
    /// it keeps.
    pub fn for_plan(&self, plan: &Plan) -> Executors {
        self.for_declared(plan.changes.iter().filter_map(|c| c.declared.as_ref()))
    }

    fn for_declared<'a>(&self, declared: impl Iterator<Item = &'a DeclaredResource>) -> Executors {
        let mut out = self.clone();
        for d in declared {
            let exec = match CloudControl::new(d.meta) {
                Some(cc) => Some((Arc::clone(out.cloud_control.entry(d.meta.type_name).or_insert_with(|| Arc::new(cc))), true)),
                None => out.own.get(d.meta.type_name).map(|e| (Arc::clone(e), false)),
            };
            if let Some(exec) = exec {
                out.resources.insert(d.name, exec);
            }
        }
        out
    }

    /// The executor of the resource `name` of type `type_name`, whose record (or declared
    /// properties) is `record`: its declaration's, if the stack declares it with that type
    /// (and the record was not made by the other kind: a resource moving between the
    /// hand-written type and the generated one is deleted by what made it); else the
    /// type's own for a record in its shape; else Cloud Control's (bare if no declaration
    /// describes the type); `None` for a type neither has.
    pub fn for_resource(&self, name: &str, type_name: &str, record: &Json) -> Option<Arc<dyn Executor<Cx>>> {
        if let Some((e, cc)) = self.resources.get(name).filter(|(e, _)| e.type_name() == type_name) {
            let recorded = record.as_object().is_some_and(|m| !m.is_empty());
            let made_by_other = recorded && self.own.contains_key(type_name) && cloudformation_shaped(record) != *cc;
            if !made_by_other {
                return Some(Arc::clone(e));
            }
        }
        match self.own.get(type_name) {
            Some(e) if !cloudformation_shaped(record) => Some(Arc::clone(e)),
            _ => self.cloud_control(type_name),
        }
    }

    /// The executor of `type_name`: its own, else Cloud Control's (see
    /// [`Executors::for_resource`] for a resource, which tells the two apart).
    pub fn get(&self, type_name: &str) -> Option<Arc<dyn Executor<Cx>>> {
        match self.own.get(type_name) {
            Some(e) => Some(Arc::clone(e)),
            None => self.cloud_control(type_name),
        }
    }

    /// Cloud Control's executor of `type_name`: the declared type's, else a bare one if the
    /// name is a CloudFormation registry type's (`Org::Service::Resource`).
    fn cloud_control(&self, type_name: &str) -> Option<Arc<dyn Executor<Cx>>> {
        if let Some(e) = self.cloud_control.get(type_name) {
            return Some(Arc::clone(e));
        }
        CloudControl::bare(type_name).map(|e| Arc::new(e) as Arc<dyn Executor<Cx>>)
    }
}

/// The AWS provider, as the apply engine asks it: each method is the one above.
impl Provider for Executors {
    type Cx = Cx;
    fn for_stack(&self, stack: &StackInstance) -> Executors {
        Executors::for_stack(self, stack)
    }
    fn for_plan(&self, plan: &Plan) -> Executors {
        Executors::for_plan(self, plan)
    }
    fn for_resource(&self, name: &str, type_name: &str, record: &Json) -> Option<Arc<dyn Executor<Cx>>> {
        Executors::for_resource(self, name, type_name, record)
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
        sent_on_update: &[],
    };

    /// A Cloud Control type, written as the generator writes one.
    macro_rules! generated {
        ($ty:ident, $type_name:literal, $field:ident, $wire:literal) => {
            #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
            struct $ty {
                #[serde(rename = $wire)]
                $field: Option<crate::value::Value<String>>,
            }
            impl crate::resource::Props for $ty {
                const REQUIRED: &'static [crate::resource::Required] = &[];
            }
            impl crate::resource::Resource for $ty {
                const META: ResourceMeta = ResourceMeta {
                    type_name: $type_name,
                    create_only: &[],
                    write_only: &[],
                    identity: &[],
                    outputs: &[],
                    reruns_when_dependencies_change: false,
                    is_check: false,
                    unordered: &[],
                    cloud_control: Some(&QUEUE_CC),
                };
                type Outputs = ();
                fn outputs(_: &'static str) {}
            }
        };
    }
    generated!(Queue, "AWS::SQS::Queue", queue_name, "QueueName");
    generated!(GeneratedSecret, "AWS::SecretsManager::Secret", name, "Name");

    fn same(a: &Option<Arc<dyn Executor<Cx>>>, b: &Option<Arc<dyn Executor<Cx>>>) -> bool {
        matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b))
    }

    #[test]
    fn each_resource_goes_by_its_declaration_and_a_recorded_one_by_its_shape() {
        use crate::aws::secretsmanager::Secret;
        let hand = crate::exec::registry();
        let own_secret = hand.get("AWS::SecretsManager::Secret");
        let mut stack = StackInstance::with_capacity("t", 3);
        stack.add("q", &[], Queue::default());
        stack.add("generated", &[], GeneratedSecret::default());
        stack.add("written", &[], Secret::default());
        let all = hand.for_stack(&stack);
        let secret = "AWS::SecretsManager::Secret";
        let null = Json::Null;
        // Declared: the hand-written secret keeps its executor; the generated one, of the
        // same type name, goes through Cloud Control; the queue too.
        assert!(same(&all.for_resource("written", secret, &null), &own_secret));
        let cc_secret = all.for_resource("generated", secret, &null);
        assert!(!same(&cc_secret, &own_secret));
        assert_eq!(cc_secret.as_ref().map(|e| e.type_name()), Some(secret));
        assert_eq!(all.for_resource("q", "AWS::SQS::Queue", &null).map(|e| e.type_name()), Some("AWS::SQS::Queue"));
        // Recorded, no longer declared: by the record's shape.
        assert!(same(&all.for_resource("gone", secret, &serde_json::json!({"Name": "x"})), &cc_secret));
        assert!(same(&all.for_resource("gone", secret, &serde_json::json!({"name": "x"})), &own_secret));
        // With no declaration at all (a destroy): a bare Cloud Control executor.
        let bare = hand.for_resource("gone", secret, &serde_json::json!({"Name": "x", "SecretString": "sha256:00"}));
        assert!(!same(&bare, &own_secret) && bare.is_some());
        assert!(same(&hand.for_resource("gone", secret, &serde_json::json!({"name": "x"})), &own_secret));
        // A name declared with another type is not that declaration.
        assert!(same(&all.for_resource("q", secret, &null), &own_secret));
        // Declared generated, recorded hand-written (the old half of a replacement): the
        // record goes to what made it.
        assert!(same(&all.for_resource("generated", secret, &serde_json::json!({"name": "x"})), &own_secret));
        assert!(same(&all.for_resource("written", secret, &serde_json::json!({"Name": "x"})), &cc_secret));
        // By type name alone: the type's own, else Cloud Control's, never for formae's own types.
        assert!(same(&all.get(secret), &own_secret));
        assert_eq!(hand.get("AWS::Logs::LogGroup").map(|e| e.type_name()), Some("AWS::Logs::LogGroup"));
        assert!(hand.get("Formae::Check::Nothing").is_none());
        assert!(hand.get("not a type").is_none());
        assert_eq!(hand.get("Formae::Check::Http").map(|e| e.type_name()), Some("Formae::Check::Http"));
        assert!(!cloudformation_shaped(&serde_json::json!({})) && !cloudformation_shaped(&serde_json::json!({"Name": 1, "tags": []})));
    }
}
