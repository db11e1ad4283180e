//! What a stack says about a resource's life beyond its properties: `#[protect]`,
//! `#[ignore_changes(..)]`, `#[create_before_destroy]`, `#[allow_data_loss]` and
//! `#[moved_from(..)]` in `stack!`.

use crate::resource::{Resource, ResourceMeta};

/// A resource's lifecycle settings, as its declaration in `stack!` gives them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// Deletes, replacements and `destroy` of it are refused (`#[protect]`, or
    /// `#[protect(param)]` when the parameter is true).
    pub protect: bool,
    /// Properties (their field names in the stack) whose changes are not applied: the
    /// recorded value is kept (`#[ignore_changes(a, b)]`).
    pub ignore_changes: &'static [&'static str],
    /// A replacement creates the new resource before it deletes the old one.
    pub create_before_destroy: bool,
    /// Deleting or replacing it may lose the data it holds without `--allow-data-loss`.
    pub allow_data_loss: bool,
    /// The name it was recorded under before a rename: its state is re-addressed, and
    /// nothing is destroyed.
    pub moved_from: Option<&'static str>,
    /// The region it lives in, when not the stack's (`#[region("eu-west-1")]`).
    pub region: Option<&'static str>,
}

impl Lifecycle {
    /// Whether the recorded property `key` is one `ignore_changes` names.
    pub fn ignores(&self, key: &str) -> bool {
        self.ignore_changes.iter().any(|f| same_property(f, key))
    }
}

/// What `#[protect(param)]` reads: a `bool` parameter.
#[diagnostic::on_unimplemented(
    message = "#[protect(...)] takes a bool parameter, and this one is `{Self}`",
    label = "not a bool",
    note = "declare one (`param prod: bool = false;`) and write `#[protect(prod)]`"
)]
pub trait ProtectWhen {
    /// Whether the resource is protected.
    fn on(&self) -> bool;
}

impl ProtectWhen for bool {
    fn on(&self) -> bool {
        *self
    }
}

/// Whether a `#[protect(param)]` with this parameter's value protects.
pub fn protect_when<P: ProtectWhen>(param: &P) -> bool {
    param.on()
}

/// The region a `#[region(param)]` names, kept for the life of the program.
pub fn region_of(param: &str) -> &'static str {
    crate::family::intern(param.to_owned())
}

/// What `resource name if param = ...` reads: a `bool` parameter.
#[diagnostic::on_unimplemented(
    message = "a condition is a bool parameter, and this one is `{Self}`",
    label = "not a bool",
    note = "declare one (`param with_check: bool = true;`) and write `resource health if with_check = ...`"
)]
pub trait Condition {
    /// Whether the resource is present.
    fn holds(&self) -> bool;
}

impl Condition for bool {
    fn holds(&self) -> bool {
        *self
    }
}

/// Whether a resource under `if param` is present; used by the code `stack!` generates.
pub fn condition<P: Condition>(param: &P) -> bool {
    param.holds()
}

/// Whether a stack's field name (`engine_version`, `r#type`) and a recorded property name
/// (`engine_version`, `EngineVersion`, `Type`) name the same property: equal letters and
/// digits, case aside. Hand-written types record snake_case and generated ones the
/// schema's PascalCase, and the field is the only name a stack writes.
pub const fn same_property(field: &str, key: &str) -> bool {
    let (f, k) = (field.as_bytes(), key.as_bytes());
    let (mut i, mut j) = (0, 0);
    // A raw identifier's `r#`.
    if f.len() > 2 && f[0] == b'r' && f[1] == b'#' {
        i = 2;
    }
    loop {
        while i < f.len() && !f[i].is_ascii_alphanumeric() {
            i += 1;
        }
        while j < k.len() && !k[j].is_ascii_alphanumeric() {
            j += 1;
        }
        match (i < f.len(), j < k.len()) {
            (false, false) => return true,
            (true, true) if f[i].eq_ignore_ascii_case(&k[j]) => {
                i += 1;
                j += 1;
            }
            _ => return false,
        }
    }
}

/// The compile error for `#[create_before_destroy]` on a resource of type `R` whose
/// identity is one of the fields written as literals (`literals`): the new resource would
/// ask for the name the old one still holds. The `stack!` macro evaluates it in a `const`.
pub const fn fixed_identity<R: Resource>(literals: &[&str]) -> Option<&'static str> {
    fixed_identity_of(&R::META, literals)
}

const fn fixed_identity_of(meta: &ResourceMeta, literals: &[&str]) -> Option<&'static str> {
    let mut j = 0;
    while j < literals.len() {
        if names_resource_field(meta, literals[j]) {
            return Some(
                "#[create_before_destroy] cannot replace this resource: its name is a fixed literal, so the new one would ask for the name the old one still holds; let the name change with each replacement (a template with a parameter) or leave it out, or drop #[create_before_destroy]",
            );
        }
        j += 1;
    }
    None
}

/// Whether the stack's field `field` names the resource in the cloud: one of its identity
/// properties, or a create-only `Name`, `<Type>Name` or `<Type>Identifier` (a queue's
/// `QueueName`, whose schema identifies it by its URL).
pub const fn names_resource_field(meta: &ResourceMeta, field: &str) -> bool {
    let mut i = 0;
    while i < meta.identity.len() {
        if same_property(field, meta.identity[i]) {
            return true;
        }
        i += 1;
    }
    let mut i = 0;
    while i < meta.create_only.len() {
        let key = meta.create_only[i];
        if same_property(field, key) && is_name_of(meta.type_name, key) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether the property `key` is `Name`, `<Type>Name` or `<Type>Identifier` for the type
/// named `type_name` (`AWS::SQS::Queue`: `QueueName`).
pub const fn is_name_of(type_name: &str, key: &str) -> bool {
    if eq_bytes(key.as_bytes(), 0, b"Name") {
        return true;
    }
    let t = type_name.as_bytes();
    let mut start = t.len();
    while start > 0 && t[start - 1] != b':' {
        start -= 1;
    }
    let k = key.as_bytes();
    let seg = t.len() - start;
    if k.len() <= seg {
        return false;
    }
    let mut i = 0;
    while i < seg {
        if k[i] != t[start + i] {
            return false;
        }
        i += 1;
    }
    (k.len() == seg + 4 && eq_bytes(k, seg, b"Name")) || (k.len() == seg + 10 && eq_bytes(k, seg, b"Identifier"))
}

/// Whether `a[at..]` is `b`.
const fn eq_bytes(a: &[u8], at: usize, b: &[u8]) -> bool {
    if a.len() != at + b.len() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if a[at + i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_match_recorded_names_in_either_case() {
        assert!(same_property("engine_version", "engine_version"));
        assert!(same_property("engine_version", "EngineVersion"));
        assert!(same_property("r#type", "Type"));
        assert!(same_property("visibility_timeout", "VisibilityTimeout"));
        assert!(!same_property("engine", "EngineVersion"));
        assert!(!same_property("engine_version", "Engine"));
        assert!(!same_property("", "x"));
    }

    #[test]
    fn a_literal_identity_is_refused_and_others_are_not() {
        const META: ResourceMeta = ResourceMeta {
            type_name: "AWS::SQS::Queue",
            create_only: &["QueueName"],
            write_only: &[],
            identity: &["QueueName"],
            outputs: &[],
            reruns_when_dependencies_change: false,
            is_check: false,
            unordered: &[],
            cloud_control: None,
        };
        assert!(fixed_identity_of(&META, &["queue_name", "visibility_timeout"]).is_some());
        const QUEUE: ResourceMeta = ResourceMeta { identity: &[], ..META };
        assert!(fixed_identity_of(&QUEUE, &["queue_name"]).is_some(), "a create-only QueueName names a queue");
        assert!(is_name_of("AWS::RDS::DBCluster", "DBClusterIdentifier") && is_name_of("AWS::X::Y", "Name"));
        assert!(!is_name_of("AWS::SQS::Queue", "QueueUrl") && !is_name_of("AWS::SQS::Queue", "Queue") && !is_name_of("AWS::SQS::Queue", "TopicName"));
        assert!(fixed_identity_of(&META, &["visibility_timeout"]).is_none());
        const CHECKED: Option<&str> = fixed_identity_of(&META, &["delay_seconds"]);
        assert!(CHECKED.is_none());
    }

    #[test]
    fn ignores_names_fields_by_their_recorded_names() {
        let l = Lifecycle { ignore_changes: &["engine_version", "tags"], ..Lifecycle::default() };
        assert!(l.ignores("EngineVersion") && l.ignores("tags") && !l.ignores("Engine"));
    }
}
