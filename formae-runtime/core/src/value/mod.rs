//! Property values: literals, references to other resources' outputs, templates and
//! secrets, plus the conversions the `stack!` macro relies on for compile-time typing.
//!
//! Declared values become a [`Val`] tree ([`to_val`]), where references, templates,
//! documents and secrets are variants beside plain data; [`crate::resolve`] turns it
//! into data with its marks ([`Marked`]) beside it.

mod marked;
mod tree;

pub use marked::{at_mut, escape_key, push_index, push_key, under, Marked, Shown};
pub use tree::{to_val, val_of, Val, ValError};

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A property value: a literal, or something resolved at apply time.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<T> {
    /// A value known when the stack is built.
    Lit(T),
    /// The output of another resource, known once that resource exists.
    Ref(RefTo),
    /// Text mixing literals and references.
    Template(Template),
    /// A JSON document whose leaves may be references or secrets, rendered to text.
    Json(Val),
    /// A secret read from its source only when needed; never rendered.
    Secret(SecretSource),
    /// Not set. The `stack!` macro rejects a missing required property at compile
    /// time, so this is only ever seen for optional properties left out.
    Missing,
}

impl<T> Default for Value<T> {
    fn default() -> Self {
        Value::Missing
    }
}

impl<T> Value<T> {
    /// The same value as another type, its literal converted by `f`: a component's
    /// `RoleArn` input where a property takes any ARN.
    pub fn map_lit<U>(self, f: impl FnOnce(T) -> U) -> Value<U> {
        match self {
            Value::Lit(x) => Value::Lit(f(x)),
            Value::Ref(r) => Value::Ref(r),
            Value::Template(t) => Value::Template(t),
            Value::Json(j) => Value::Json(j),
            Value::Secret(s) => Value::Secret(s),
            Value::Missing => Value::Missing,
        }
    }

    /// The literal, once resolved. Executors call this on resolved properties.
    pub fn get(&self) -> Option<&T> {
        match self {
            Value::Lit(v) => Some(v),
            _ => None,
        }
    }
}

impl<T: Serialize + 'static> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A `Sensitive` property is marked whatever its value is made of: the type says
        // it once, and a template or document that fills it is sensitive too.
        let sensitive = std::any::TypeId::of::<T>() == std::any::TypeId::of::<Sensitive>();
        match self {
            Value::Lit(v) => v.serialize(s),
            Value::Missing => s.serialize_none(),
            _ if sensitive => s.serialize_newtype_struct(tree::name::SENSITIVE, &Unmarked(self)),
            other => Unmarked(other).serialize(s),
        }
    }
}

/// A value that is not a literal, serialised without the sensitivity of its type.
struct Unmarked<'a, T>(&'a Value<T>);

impl<T: Serialize + 'static> Serialize for Unmarked<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Lit(v) => v.serialize(s),
            Value::Ref(r) => r.serialize(s),
            Value::Template(t) => t.serialize(s),
            // A property that holds JSON (a policy document of a generated type) takes the
            // document as structure; any other property takes its text.
            Value::Json(j) if std::any::TypeId::of::<T>() == std::any::TypeId::of::<serde_json::Value>() => tree::Marked(j).serialize(s),
            Value::Json(j) => s.serialize_newtype_struct(tree::name::DOC, &tree::Marked(j)),
            Value::Secret(src) => src.serialize(s),
            Value::Missing => s.serialize_none(),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Value<T> {
    /// Only resolved values are ever deserialised: literals, or `null` where a value is
    /// not known yet (a declaration compared with what exists before it is applied).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<T>::deserialize(d)?.map_or(Value::Missing, Value::Lit))
    }
}

/// A reference to one output attribute of one resource of the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefTo {
    /// The resource's name in the stack.
    pub resource: &'static str,
    /// The output attribute.
    pub attr: &'static str,
}

impl Serialize for RefTo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(tree::name::REF, &(self.resource, self.attr))
    }
}

/// A typed output of a resource: `db_cluster.arn` is an `Output<DbClusterArn>`.
pub struct Output<T> {
    to: RefTo,
    _type: PhantomData<fn() -> T>,
}

impl<T> Output<T> {
    /// The output `attr` of the resource named `resource`.
    pub const fn new(resource: &'static str, attr: &'static str) -> Self {
        Output { to: RefTo { resource, attr }, _type: PhantomData }
    }
    /// Where this output comes from.
    pub const fn to(&self) -> RefTo {
        self.to
    }
}

impl<T> Clone for Output<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Output<T> {}
impl<T> fmt::Debug for Output<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.to.resource, self.to.attr)
    }
}
impl<T> Serialize for Output<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to.serialize(s)
    }
}

/// Text mixing literal pieces and values known at apply time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    parts: Vec<Val>,
}

impl Template {
    /// An empty template.
    pub fn new() -> Self {
        Template::default()
    }
    /// Appends literal text.
    pub fn lit(mut self, text: &str) -> Self {
        self.parts.push(Val::Scalar(serde_json::Value::String(text.to_owned())));
        self
    }
    /// Appends a value: an output, a parameter or a secret.
    pub fn part<X: Serialize>(mut self, value: &X) -> Self {
        self.parts.push(val_of(value));
        self
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(tree::name::TEMPLATE, &tree::MarkedList(&self.parts))
    }
}

/// Builds a JSON document value (`json!({...})` in a stack) from its key/value pairs.
pub fn json_object(entries: Vec<(&str, Val)>) -> Val {
    Val::Map(entries.into_iter().map(|(k, v)| (k.to_owned().into(), v)).collect())
}

/// Where a secret comes from. Its value is read only when an apply needs it, and never
/// printed, logged, planned or stored: plans show `(sensitive)`, state keeps a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable.
    Env(String),
    /// A file; trailing newlines are ignored.
    File(String),
}

impl SecretSource {
    /// A secret read from the environment variable `name`.
    pub fn env(name: &str) -> Self {
        SecretSource::Env(name.to_owned())
    }
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(n) => write!(f, "env:{n}"),
            SecretSource::File(p) => write!(f, "file:{p}"),
        }
    }
}

impl std::str::FromStr for SecretSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("env", n)) if !n.is_empty() => Ok(SecretSource::Env(n.to_owned())),
            Some(("file", p)) if !p.is_empty() => Ok(SecretSource::File(p.to_owned())),
            _ => Err(format!(
                "`{s}` is not a secret source: use `env:VARIABLE` or `file:PATH` (a secret value itself never goes on a command line)"
            )),
        }
    }
}

impl Serialize for SecretSource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(tree::name::SECRET, &self.to_string())
    }
}

impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A secret string property. Resolved, it holds the value; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Sensitive(String);

impl Sensitive {
    /// The secret value, for the executor that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl Serialize for Sensitive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(tree::name::SENSITIVE, &self.0)
    }
}

impl From<&str> for Sensitive {
    fn from(text: &str) -> Self {
        Sensitive(text.to_owned())
    }
}

/// Converts what a stack writes (a literal, an output, a parameter) into a `Value<T>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used where a `{T}` is expected",
    label = "expected a `{T}` here",
    note = "values are typed: an ARN of one kind of resource cannot stand for another kind's, and a secret comes only from a SecretSource, never a literal"
)]
pub trait IntoValue<T> {
    /// The value.
    fn into_value(self) -> Value<T>;
}

impl<T> IntoValue<T> for T {
    fn into_value(self) -> Value<T> {
        Value::Lit(self)
    }
}
impl<T> IntoValue<T> for Output<T> {
    fn into_value(self) -> Value<T> {
        Value::Ref(self.to)
    }
}
impl<T> IntoValue<T> for Value<T> {
    fn into_value(self) -> Value<T> {
        self
    }
}
impl IntoValue<String> for &str {
    fn into_value(self) -> Value<String> {
        Value::Lit(self.to_owned())
    }
}
impl IntoValue<String> for Template {
    fn into_value(self) -> Value<String> {
        Value::Template(self)
    }
}
impl IntoValue<Sensitive> for SecretSource {
    fn into_value(self) -> Value<Sensitive> {
        Value::Secret(self)
    }
}
impl IntoValue<Sensitive> for Template {
    fn into_value(self) -> Value<Sensitive> {
        Value::Template(self)
    }
}

/// Fills a property field (`Value<T>` or `Option<Value<T>>`) from what a stack wrote.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used for a property of type `{F}`",
    label = "this value has the wrong type for the property",
    note = "values are typed: an ARN of one kind of resource cannot stand for another kind's, and a secret comes only from a SecretSource, never a literal",
    note = "a number or a flag goes into a text property through a template: `template!(\"{{port}}\")` for a parameter `port`"
)]
pub trait IntoProp<F> {
    /// The field value.
    fn into_prop(self) -> F;
}

impl<T, X: IntoValue<T>> IntoProp<Value<T>> for X {
    fn into_prop(self) -> Value<T> {
        self.into_value()
    }
}
impl<T, X: IntoValue<T>> IntoProp<Option<Value<T>>> for X {
    fn into_prop(self) -> Option<Value<T>> {
        Some(self.into_value())
    }
}

/// A list of values (a family's outputs, `creds[..].arn`) fills a list property.
impl<T, X: IntoValue<T>> IntoProp<Vec<Value<T>>> for Vec<X> {
    fn into_prop(self) -> Vec<Value<T>> {
        self.into_iter().map(IntoValue::into_value).collect()
    }
}
impl<T, X: IntoValue<T>> IntoProp<Option<Vec<Value<T>>>> for Vec<X> {
    fn into_prop(self) -> Option<Vec<Value<T>>> {
        Some(self.into_iter().map(IntoValue::into_value).collect())
    }
}

/// A value passed into or out of a component: a component's inputs and outputs. It fits
/// where its type does, and a typed ARN or id also where any ARN or plain text goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Passed<T>(pub Value<T>);

impl<T: Serialize + 'static> Serialize for Passed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T> IntoValue<T> for Passed<T> {
    fn into_value(self) -> Value<T> {
        self.0
    }
}

/// A component's input from what a stack wrote.
impl<T, X: IntoValue<T>> IntoProp<Passed<T>> for X {
    fn into_prop(self) -> Passed<T> {
        Passed(self.into_value())
    }
}

/// Fills a property field from a leaf value; the macro wraps every leaf in this call.
pub fn prop<F, X: IntoProp<F>>(x: X) -> F {
    x.into_prop()
}

/// Fills a field holding a nested structure, optional or not.
pub trait IntoNested<F> {
    /// The field value.
    fn into_nested(self) -> F;
}
impl<S> IntoNested<S> for S {
    fn into_nested(self) -> S {
        self
    }
}
impl<S> IntoNested<Option<S>> for S {
    fn into_nested(self) -> Option<S> {
        Some(self)
    }
}

/// Fills a field holding a nested structure; the macro wraps nested literals in this.
pub fn nested<F, S: IntoNested<F>>(s: S) -> F {
    s.into_nested()
}

/// A string literal that only looks like a secret (it sits under a key such as
/// `password_hint`): `json!({ "password_hint": not_secret("ask the on-call") })` compiles
/// where a plain literal under a key that names a secret does not.
pub const fn not_secret(text: &'static str) -> &'static str {
    text
}

/// Types a stack output: `output url: String = agent.service_url;`.
pub fn typed<T, X: IntoValue<T>>(x: X) -> Value<T> {
    x.into_value()
}

/// Builds a JSON array value inside `json!(...)`.
pub fn json_array(items: Vec<Val>) -> Val {
    Val::List(items)
}
