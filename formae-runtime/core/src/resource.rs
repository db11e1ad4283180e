//! What a resource type is (its properties, outputs and metadata) and what a built stack
//! holds: its declared resources, in dependency order, with their value trees.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A required property of a resource type or nested structure, with the compile error
/// the `stack!` macro reports when it is left out.
#[derive(Debug, Clone, Copy)]
pub struct Required {
    /// The field.
    pub field: &'static str,
    /// The message of the compile error when it is missing.
    pub message: &'static str,
}

/// Properties of a resource type or of a nested structure (a container, a statement).
pub trait Props: Serialize + Default {
    /// The properties a stack must set.
    const REQUIRED: &'static [Required];
    /// What the compiler checks of properties written as literals.
    const LITERAL_RULES: &'static [crate::literal::LiteralRule] = &[];
}

/// What the planner and the executors need to know about a resource type.
#[derive(Debug)]
pub struct ResourceMeta {
    /// The type's name, in CloudFormation's spelling (`AWS::IAM::Role`).
    pub type_name: &'static str,
    /// Properties whose change forces replacement.
    pub create_only: &'static [&'static str],
    /// Properties the cloud accepts but never returns (passwords).
    pub write_only: &'static [&'static str],
    /// The properties that name the resource in the cloud.
    pub identity: &'static [&'static str],
    /// The output attributes, known after apply.
    pub outputs: &'static [&'static str],
    /// Applied again whenever a resource it depends on is created, updated or replaced,
    /// even when its own properties are unchanged: a check of what those resources serve.
    pub reruns_when_dependencies_change: bool,
    /// A check of what other resources serve: applying it verifies, and it leaves nothing
    /// in the cloud to find, read or delete.
    pub is_check: bool,
    /// Array properties whose order means nothing (`insertionOrder: false` in the
    /// type's schema): compared as sets, so a reordering is no change.
    pub unordered: &'static [&'static str],
    /// How Cloud Control serves the type, for types generated from the CloudFormation
    /// schemas; `None` for types with an executor of their own.
    pub cloud_control: Option<&'static CloudControlMeta>,
}

/// What the Cloud Control executor needs to know of a type, from its schema.
#[derive(Debug)]
pub struct CloudControlMeta {
    /// The properties whose values, joined with `|`, identify a resource to Cloud
    /// Control (the schema's `primaryIdentifier`).
    pub primary_identifier: &'static [&'static str],
    /// Properties only the cloud sets (ARNs, ids): the type's outputs.
    pub read_only: &'static [&'static str],
    /// How the type carries tags, for the ownership tags.
    pub tagging: Tagging,
    /// Whether the type can be updated in place; without an update handler every change
    /// replaces the resource.
    pub can_update: bool,
    /// Whether resources of the type can be listed, to find one by its identity.
    pub can_list: bool,
    /// How long the create handler may take, in minutes.
    pub timeout_minutes: u32,
    /// Required properties that hold write-only parts (a function's `Code`): Cloud Control
    /// checks an update's result against the schema, and its model never shows them, so
    /// every update sends them again.
    pub sent_on_update: &'static [&'static str],
}

/// Where a type keeps its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagging {
    /// The type takes no tags.
    None,
    /// A list of `{Key, Value}` objects under this property.
    List(&'static str),
    /// A map of keys to values under this property.
    Map(&'static str),
}

/// A resource type: a struct of its properties plus typed outputs and metadata.
pub trait Resource: Props + DeserializeOwned + Send + Sync + 'static {
    /// The type's metadata.
    const META: ResourceMeta;
    /// The typed outputs: one `Output<T>` field per attribute.
    type Outputs;
    /// The outputs of the resource named `name`, for references.
    fn outputs(name: &'static str) -> Self::Outputs;
    /// What AWS would reject in the values known now (literals and parameters), each as a
    /// sentence naming the property and what to use instead. References are checked when
    /// they resolve, by the cloud.
    fn validate(&self) -> Vec<crate::invalid::Invalid> {
        Vec::new()
    }
}

/// The compile error for the first required property of `P` missing from `given`; the
/// `stack!` macro evaluates it in a `const` so a missing property does not compile. A
/// required property that one of `given` misspells is not reported: the compiler already
/// names the unknown field, with the right one.
pub const fn missing_required<P: Props>(given: &[&str]) -> Option<&'static str> {
    let mut i = 0;
    while i < P::REQUIRED.len() {
        let field = P::REQUIRED[i].field;
        // The edit distance is costly in the compiler's const evaluation, which runs this
        // for every resource: it is only worked out for a field not given.
        if !among(field, given, Match::Exact) && !among(field, given, Match::Near) {
            return Some(P::REQUIRED[i].message);
        }
        i += 1;
    }
    None
}

/// How a given name is compared with a required one.
#[derive(Clone, Copy)]
enum Match {
    /// The same name.
    Exact,
    /// Within a few edits: a misspelling, which the compiler already names.
    Near,
}

/// Whether one of `given` matches `field` as `how` says.
const fn among(field: &str, given: &[&str], how: Match) -> bool {
    let mut j = 0;
    while j < given.len() {
        let hit = match how {
            Match::Exact => str_eq(field, given[j]),
            Match::Near => near(field, given[j]),
        };
        if hit {
            return true;
        }
        j += 1;
    }
    false
}

/// Whether `b` is within a few edits of `a` (a third of its length, at least one), in a
/// `const` context; names longer than 63 bytes are never near.
pub(crate) const fn near(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() > 63 || b.len() > 63 {
        return false;
    }
    let limit = if a.len() / 3 > 1 { a.len() / 3 } else { 1 };
    let mut row = [0usize; 64];
    let mut j = 0;
    while j <= b.len() {
        row[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= a.len() {
        let mut prev = row[0];
        row[0] = i;
        let mut j = 1;
        while j <= b.len() {
            let cur = row[j];
            let sub = prev + if a[i - 1] == b[j - 1] { 0 } else { 1 };
            let del = row[j] + 1;
            let ins = row[j - 1] + 1;
            let mut m = if sub < del { sub } else { del };
            if ins < m {
                m = ins;
            }
            row[j] = m;
            prev = cur;
            j += 1;
        }
        i += 1;
    }
    row[b.len()] <= limit
}

/// Whether two strings are equal, in a `const` context.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Lists a type's required properties with their compile-error messages.
#[macro_export]
macro_rules! required {
    ($ty:ident: $($field:ident),* $(,)?) => {
        &[$($crate::resource::Required {
            field: stringify!($field),
            message: concat!(
                "missing required property `", stringify!($field), "` of `", stringify!($ty),
                "`: add `", stringify!($field), ": ...` to it"
            ),
        }),*]
    };
}

/// Declares a resource type's typed outputs struct.
#[macro_export]
macro_rules! outputs {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $crate::value::Output<$ty>,)*
        }
        impl $name {
            /// The output attributes' names.
            pub const ATTRS: &'static [&'static str] = &[$(stringify!($field)),*];
            /// The outputs of the resource named `resource`.
            pub const fn new(resource: &'static str) -> Self {
                $name { $($field: $crate::value::Output::new(resource, stringify!($field)),)* }
            }
        }
    };
}

/// One resource as a stack declares it, its properties as a value tree. Cloning it is
/// cheap: the plan keeps a clone of each, for the apply to finish what it could not
/// resolve.
#[derive(Debug, Clone)]
pub struct DeclaredResource {
    /// The resource's name in the stack.
    pub name: &'static str,
    /// Its type.
    pub meta: &'static ResourceMeta,
    /// Its properties, references and secrets beside the data; shared, never changed.
    pub props: std::sync::Arc<crate::value::Val>,
    /// Every resource it depends on: referenced ones and explicit `depends_on`.
    pub deps: &'static [&'static str],
    /// What the stack says about its life: protection, ignored changes, replacement
    /// order, allowed data loss, an earlier name.
    pub lifecycle: crate::lifecycle::Lifecycle,
}

impl PartialEq for DeclaredResource {
    /// The same declaration: name, type, properties, dependencies and lifecycle.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.meta.type_name == other.meta.type_name
            && self.props == other.props
            && self.deps == other.deps
            && self.lifecycle == other.lifecycle
    }
}

/// A stack output as declared: a reference or a parameter value.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredOutput {
    /// The output's name.
    pub name: &'static str,
    /// Its value.
    pub value: crate::value::Val,
}

/// A stack built from its parameters: resources in a deterministic dependency order.
#[derive(Debug, Clone)]
pub struct StackInstance {
    /// The stack's name.
    pub name: &'static str,
    /// Resources, each after everything it depends on, ties in declaration order.
    pub resources: Vec<DeclaredResource>,
    /// Stack outputs.
    pub outputs: Vec<DeclaredOutput>,
    /// Values AWS would reject, by resource: the stack is not planned while any remain.
    pub invalid: Vec<(&'static str, crate::invalid::Invalid)>,
    /// What is wrong with families' keys (repeated, unusable, or named but missing): the
    /// stack is not planned while any remain.
    pub key_problems: Vec<String>,
    /// Resources (or families) left out because their condition is off, with the
    /// condition as written (`with_check`, `!with_check`): what the plan says of their
    /// deletes.
    pub switched_off: Vec<(&'static str, &'static str)>,
    /// Declared moves (`moved old => new;`): what was recorded under the first address is
    /// now the second.
    pub moves: Vec<(&'static str, &'static str)>,
    /// Outputs of other stacks this one reads: (stack, output).
    pub reads: Vec<(&'static str, &'static str)>,
}

pub use crate::state::STACK_PREFIX;
pub use parts::BuiltParts;

mod parts;

impl StackInstance {
    /// An empty stack with room for `capacity` resources.
    pub fn with_capacity(name: &'static str, capacity: usize) -> Self {
        StackInstance { name, resources: Vec::with_capacity(capacity), outputs: Vec::new(), invalid: Vec::new(), key_problems: Vec::new(), switched_off: Vec::new(), moves: Vec::new(), reads: Vec::new() }
    }

    /// Records what is wrong with the keys of the family `family`, which come from `source`.
    pub fn family_keys(&mut self, family: &str, source: &str, keys: &[String]) {
        self.key_problems.extend(crate::family::key_problems(family, source, keys));
    }

    /// Records that this stack reads the output `output` of the stack `stack`.
    pub fn reads(&mut self, stack: &'static str, output: &'static str) {
        if !self.reads.contains(&(stack, output)) {
            self.reads.push((stack, output));
        }
    }

    /// Records a declared move: what was recorded as `from` is now `to`.
    pub fn moved(&mut self, from: &'static str, to: &'static str) {
        self.moves.push((from, to));
    }

    /// Records that `resource` (or the family, or component instance, of that name) is
    /// left out because its condition `condition` is off.
    pub fn switched_off(&mut self, resource: &'static str, condition: &'static str) {
        self.switched_off.push((resource, condition));
    }

    /// Why the recorded resource `name` is not declared, when a condition left it out.
    pub fn off_because(&self, name: &str) -> Option<&'static str> {
        self.switched_off
            .iter()
            .find(|(r, _)| name == *r || name.strip_prefix(r).is_some_and(|rest| rest.starts_with("[\"") || rest.starts_with('.')))
            .map(|(_, c)| *c)
    }

    /// Records that `resource` names the member `key` of `family`, which it does not have.
    pub fn key_problem(&mut self, resource: &str, family: &str, key: &str) {
        self.key_problems.push(format!("`{resource}` refers to `{family}[{key:?}]`, but `{family}` has no member {key:?}: add the key, or refer to one it has"));
    }

    /// Adds a resource.
    pub fn add<R: Resource>(&mut self, name: &'static str, deps: &'static [&'static str], props: R) {
        self.add_with(name, deps, props, crate::lifecycle::Lifecycle::default());
    }

    /// Adds a resource with lifecycle settings (`#[protect]` and the like in `stack!`).
    pub fn add_with<R: Resource>(
        &mut self,
        name: &'static str,
        deps: &'static [&'static str],
        props: R,
        lifecycle: crate::lifecycle::Lifecycle,
    ) {
        self.invalid.extend(props.validate().into_iter().map(|m| (name, m)));
        let props = crate::value::val_of(&props);
        if R::META.cloud_control.is_some() {
            self.invalid.extend(crate::rules::check(R::META.type_name, &props).into_iter().map(|m| (name, m)));
        }
        self.resources.push(DeclaredResource { name, meta: &R::META, props: std::sync::Arc::new(props), deps, lifecycle });
    }

    /// Adds a stack output.
    pub fn output<X: Serialize>(&mut self, name: &'static str, value: &X) {
        self.outputs.push(DeclaredOutput { name, value: crate::value::val_of(value) });
    }

    /// The declared resource named `name`.
    pub fn resource(&self, name: &str) -> Option<&DeclaredResource> {
        self.resources.iter().find(|r| r.name == name)
    }

    /// A digest of everything the stack declares (its resources' types, values and
    /// dependencies, and its outputs), as its code and parameters made it: equal digests,
    /// equal stacks. Secrets enter only as their sources, never their values.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"formae-stack-v1\0");
        h.update(self.name.as_bytes());
        for r in &self.resources {
            h.update(b"\0r\0");
            h.update(r.name.as_bytes());
            h.update(b"\0");
            h.update(r.meta.type_name.as_bytes());
            h.update(b"\0");
            h.update(serde_json::to_vec(r.props.as_ref()).unwrap_or_default());
            for d in r.deps {
                h.update(b"\0d\0");
                h.update(d.as_bytes());
            }
            if r.lifecycle != crate::lifecycle::Lifecycle::default() {
                h.update(format!("\0l\0{:?}", r.lifecycle).as_bytes());
            }
        }
        for (stack, output) in &self.reads {
            h.update(format!("\0x\0{stack}\0{output}").as_bytes());
        }
        for (from, to) in &self.moves {
            h.update(format!("\0m\0{from}\0{to}").as_bytes());
        }
        for o in &self.outputs {
            h.update(b"\0o\0");
            h.update(o.name.as_bytes());
            h.update(b"\0");
            h.update(serde_json::to_vec(&o.value).unwrap_or_default());
        }
        format!("sha256:{}", hex::encode(h.finalize()))
    }
}

/// A stack parameter, for `cargo xtask list` and error messages.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    /// Its name.
    pub name: &'static str,
    /// Its Rust type.
    pub ty: &'static str,
    /// Its default, if it has one.
    pub default: Option<String>,
    /// Its doc comment.
    pub doc: &'static str,
}

/// A wrong `--param`.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParamError {
    /// No parameter of that name.
    #[error("stack `{stack}` has no parameter `{name}`{}; its parameters are: {known}", crate::suggest::did_you_mean(name, known.split(", ")))]
    Unknown {
        /// The stack's name.
        stack: &'static str,
        /// The parameter name given.
        name: String,
        /// The stack's parameter names, as a list for the message.
        known: String,
    },
    /// The value does not parse as the parameter's type.
    #[error("parameter `{name}` = `{value}` is not a valid {ty}: {reason}")]
    Invalid {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// The parameter's type.
        ty: &'static str,
        /// Why the value does not parse.
        reason: String,
    },
    /// A parameter without a default was not given.
    #[error("parameter `{name}` has no default: pass --param {name}=VALUE")]
    Missing {
        /// The parameter's name.
        name: &'static str,
    },
    /// Not of the form key=value.
    #[error("`{0}` is not of the form key=value")]
    Malformed(String),
}

/// Parses one parameter value; used by the code the `stack!` macro generates.
pub fn parse_param<T>(name: &'static str, ty: &'static str, value: &str) -> Result<T, ParamError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.parse::<T>().map_err(|e| ParamError::Invalid {
        name,
        value: value.to_owned(),
        ty,
        reason: e.to_string(),
    })
}

/// Splits `key=value` pairs from the command line.
pub fn split_params(args: &[String]) -> Result<Vec<(String, String)>, ParamError> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| ParamError::Malformed(a.clone()))
        })
        .collect()
}

/// A stack as the command line sees it: a name, a description, and a way to build it.
#[derive(Clone, Copy)]
pub struct StackEntry {
    /// The stack's name (`ecs-express-agent`).
    pub name: &'static str,
    /// The first line of its doc comment.
    pub description: &'static str,
    /// Its parameters.
    pub params: fn() -> Vec<ParamInfo>,
    /// Builds the stack from `key=value` parameters.
    pub build: fn(&[(String, String)]) -> Result<StackInstance, ParamError>,
}

impl StackEntry {
    /// Builds the stack from `key=value` parameters on a thread with a large stack: the
    /// generated builder keeps every resource of the stack in one frame, which in a debug
    /// build outgrows a main thread's 8 MiB at around 10,000 resources. Only the pages
    /// used are ever committed.
    pub fn instance(&self, args: &[(String, String)]) -> Result<StackInstance, ParamError> {
        let (build, owned) = (self.build, args.to_vec());
        let spawned = std::thread::Builder::new().name(format!("build {}", self.name)).stack_size(1 << 30).spawn(move || build(&owned));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: build here, as small stacks always could.
            Err(_) => (self.build)(args),
        }
    }
}

impl std::fmt::Debug for StackEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackEntry").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A parameter's default as written in the stack: a value of its type, or a string
/// literal for a `String` parameter.
pub trait ParamDefault<T> {
    /// The default value.
    fn param_default(self) -> T;
}
impl<T> ParamDefault<T> for T {
    fn param_default(self) -> T {
        self
    }
}
impl ParamDefault<String> for &str {
    fn param_default(self) -> String {
        self.to_owned()
    }
}

/// Converts a parameter's default; used by the code the `stack!` macro generates.
pub fn param_default<T, X: ParamDefault<T>>(x: X) -> T {
    x.param_default()
}

/// A stack output could not be read from recorded state.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Not recorded: the stack has not been applied, or the output is new.
    #[error("output `{0}` is not recorded: deploy the stack first")]
    Missing(String),
    /// Recorded with another shape than its declared type.
    #[error("output `{name}` does not have its declared type: {source}")]
    Type {
        /// The output's name.
        name: String,
        /// Why the recorded value does not fit the type.
        #[source]
        source: serde_json::Error,
    },
}

/// Reads a stack output of resources under a condition: `None` when the condition was
/// off at the last apply (nothing recorded).
pub fn read_optional_output<T: DeserializeOwned>(
    state: &crate::state::StackState,
    name: &str,
) -> Result<Option<T>, OutputError> {
    match read_output(state, name) {
        Ok(v) => Ok(Some(v)),
        Err(OutputError::Missing(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads one typed stack output from recorded state.
pub fn read_output<T: DeserializeOwned>(
    state: &crate::state::StackState,
    name: &str,
) -> Result<T, OutputError> {
    let v = state.outputs.get(name).ok_or_else(|| OutputError::Missing(name.to_owned()))?;
    serde_json::from_value(v.clone()).map_err(|source| OutputError::Type { name: name.to_owned(), source })
}
