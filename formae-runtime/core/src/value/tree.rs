//! The declared value tree: what a stack wrote, with references, templates, documents and
//! secrets as variants of their own beside plain data. A user's JSON is only ever
//! [`Val::Scalar`], [`Val::List`] and [`Val::Map`]: an object `{"$ref": "x"}` that a
//! stack writes is data, and comes out as it went in.
//!
//! Property structs reach this tree through serde: [`to_val`] serialises them with a
//! serializer that recognises the runtime's own value types by their newtype names (as
//! serde_json's `RawValue` is recognised), so the marks travel beside the data, never in
//! it.

use std::borrow::Cow;
use std::ops::ControlFlow;

use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize as SerializeDerive};
use serde_json::Value as Json;

use super::SecretSource;

/// A declared value: plain data, or something resolved when the plan or the apply knows it.
#[derive(Debug, Clone, PartialEq, SerializeDerive, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Val {
    /// A string, number, bool or null, as written.
    Scalar(Json),
    /// A list.
    List(Vec<Val>),
    /// An object, its keys in the order written. A property struct's field names are
    /// borrowed: a stack of ten thousand resources holds them without copying each.
    Map(Vec<(Cow<'static, str>, Val)>),
    /// Another resource's output attribute.
    Ref {
        /// The resource's name in the stack.
        resource: String,
        /// The output attribute.
        attr: String,
    },
    /// Text joined from its parts.
    Template(Vec<Val>),
    /// A JSON document, rendered to text.
    Doc(Box<Val>),
    /// A secret, read from its source when needed.
    Secret(SecretSource),
    /// A value that is never shown or stored in the clear, whatever it holds.
    Sensitive(Box<Val>),
}

impl Val {
    /// Plain data, without marks.
    pub fn data(j: Json) -> Val {
        match j {
            Json::Array(a) => Val::List(a.into_iter().map(Val::data).collect()),
            Json::Object(m) => Val::Map(m.into_iter().map(|(k, v)| (Cow::Owned(k), Val::data(v))).collect()),
            other => Val::Scalar(other),
        }
    }

    /// Every reference in the tree, as `(resource, attribute)`.
    pub fn references<'a>(&'a self, out: &mut Vec<(&'a str, &'a str)>) {
        match self {
            Val::Ref { resource, attr } => out.push((resource, attr)),
            Val::List(items) | Val::Template(items) => items.iter().for_each(|v| v.references(out)),
            Val::Map(entries) => entries.iter().for_each(|(_, v)| v.references(out)),
            Val::Doc(v) | Val::Sensitive(v) => v.references(out),
            Val::Scalar(_) | Val::Secret(_) => {}
        }
    }

    /// `visit` of each secret source in the tree, in order, until one breaks: what it
    /// broke with, if any.
    pub fn each_secret<'a, B>(&'a self, visit: &mut impl FnMut(&'a SecretSource) -> ControlFlow<B>) -> ControlFlow<B> {
        match self {
            Val::Secret(s) => visit(s),
            Val::List(items) | Val::Template(items) => items.iter().try_for_each(|v| v.each_secret(visit)),
            Val::Map(entries) => entries.iter().try_for_each(|(_, v)| v.each_secret(visit)),
            Val::Doc(v) | Val::Sensitive(v) => v.each_secret(visit),
            Val::Scalar(_) | Val::Ref { .. } => ControlFlow::Continue(()),
        }
    }

    /// Whether the tree holds a secret source: resolving it reads a secret.
    pub fn reads_secret(&self) -> bool {
        self.each_secret(&mut |_| ControlFlow::Break(())).is_break()
    }

    /// The value at the JSON Pointer `pointer` (RFC 6901) of what this resolves to: keys
    /// of objects and indexes of lists; a sensitive wrapper sits at its inner value's
    /// place, so the one found there is the outermost. `None` if nothing is there, or the
    /// pointer goes inside a reference, template, document or secret.
    pub fn at(&self, pointer: &str) -> Option<&Val> {
        let mut node = self;
        let Some(rest) = pointer.strip_prefix('/') else { return pointer.is_empty().then_some(node) };
        for token in rest.split('/') {
            while let Val::Sensitive(inner) = node {
                node = inner;
            }
            let key = token.replace("~1", "/").replace("~0", "~");
            node = match node {
                Val::Map(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v)?,
                Val::List(items) => items.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The value under the object key `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Newtype names by which [`ValSerializer`] knows the runtime's value types. The NUL
/// keeps them apart from any struct a user could name.
pub(crate) mod name {
    pub const REF: &str = "\0formae::Ref";
    pub const TEMPLATE: &str = "\0formae::Template";
    pub const DOC: &str = "\0formae::Doc";
    pub const SECRET: &str = "\0formae::Secret";
    pub const SENSITIVE: &str = "\0formae::Sensitive";
}

/// Serialises `v` so that [`ValSerializer`] rebuilds it as it is; other serializers see
/// only the data (a reference as its two names, a secret source as its text).
pub(crate) struct Marked<'a>(pub &'a Val);

impl Serialize for Marked<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Val::Scalar(j) => j.serialize(s),
            Val::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&Marked(v))?;
                }
                seq.end()
            }
            Val::Map(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &Marked(v))?;
                }
                map.end()
            }
            Val::Ref { resource, attr } => s.serialize_newtype_struct(name::REF, &(resource, attr)),
            Val::Template(parts) => s.serialize_newtype_struct(name::TEMPLATE, &MarkedList(parts)),
            Val::Doc(v) => s.serialize_newtype_struct(name::DOC, &Marked(v)),
            Val::Secret(src) => s.serialize_newtype_struct(name::SECRET, &src.to_string()),
            Val::Sensitive(v) => s.serialize_newtype_struct(name::SENSITIVE, &Marked(v)),
        }
    }
}

/// A list of values, each serialised as [`Marked`].
pub(crate) struct MarkedList<'a>(pub &'a [Val]);

impl Serialize for MarkedList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&Marked(v))?;
        }
        seq.end()
    }
}

/// A property struct could not be turned into a value tree (a map with a key that is not
/// text, say): a bug in a resource type, not in a stack.
#[derive(Debug, thiserror::Error)]
#[error("a stack value cannot be represented: {0}")]
pub struct ValError(String);

impl ser::Error for ValError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        ValError(msg.to_string())
    }
}

/// Serialises a stack value (a property struct, a template part) into its value tree.
pub fn to_val<X: Serialize + ?Sized>(value: &X) -> Result<Val, ValError> {
    value.serialize(ValSerializer)
}

/// Like [`to_val`], for the values the `stack!` macro builds, which hold only strings,
/// numbers, flags and the runtime's value types, and so always serialise.
pub fn val_of<X: Serialize + ?Sized>(value: &X) -> Val {
    to_val(value).unwrap_or_else(|e| {
        tracing::error!(error = %e, "a stack value could not be serialised");
        Val::Scalar(Json::Null)
    })
}

/// The serializer behind [`to_val`].
struct ValSerializer;

fn scalar(j: impl Into<Json>) -> Result<Val, ValError> {
    Ok(Val::Scalar(j.into()))
}

impl Serializer for ValSerializer {
    type Ok = Val;
    type Error = ValError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_i8(self, v: i8) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_i16(self, v: i16) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_i32(self, v: i32) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_i64(self, v: i64) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_u16(self, v: u16) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_u32(self, v: u32) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_u64(self, v: u64) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_f32(self, v: f32) -> Result<Val, ValError> {
        scalar(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_char(self, v: char) -> Result<Val, ValError> {
        scalar(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<Val, ValError> {
        scalar(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Val, ValError> {
        Ok(Val::List(v.iter().map(|b| Val::Scalar(Json::from(*b))).collect()))
    }
    fn serialize_none(self) -> Result<Val, ValError> {
        scalar(Json::Null)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Val, ValError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Val, ValError> {
        scalar(Json::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Val, ValError> {
        scalar(Json::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Val, ValError> {
        scalar(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, value: &T) -> Result<Val, ValError> {
        let inner = value.serialize(ValSerializer)?;
        // The texts are taken from the tree just built: every reference and secret of a
        // stack comes through here.
        let text = |v: Val| match v {
            Val::Scalar(Json::String(s)) => Ok(s),
            _ => Err(ValError(format!("{name} expects text"))),
        };
        Ok(match name {
            name::REF => {
                let pair = match inner {
                    Val::List(parts) => <[Val; 2]>::try_from(parts).ok(),
                    _ => None,
                };
                let [resource, attr] = pair.ok_or_else(|| ValError("a reference is a resource and an attribute".into()))?;
                Val::Ref { resource: text(resource)?, attr: text(attr)? }
            }
            name::TEMPLATE => match inner {
                Val::List(parts) => Val::Template(parts),
                _ => return Err(ValError("a template is a list of parts".into())),
            },
            name::DOC => Val::Doc(Box::new(inner)),
            name::SECRET => Val::Secret(text(inner)?.parse().map_err(ValError)?),
            name::SENSITIVE => match inner {
                // Marked twice says nothing more.
                already @ Val::Sensitive(_) => already,
                other => Val::Sensitive(Box::new(other)),
            },
            _ => inner,
        })
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(self, _: &'static str, _: u32, variant: &'static str, value: &T) -> Result<Val, ValError> {
        Ok(Val::Map(vec![(Cow::Borrowed(variant), value.serialize(ValSerializer)?)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, ValError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, ValError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder, ValError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, len: usize) -> Result<Self::SerializeTupleVariant, ValError> {
        Ok(VariantBuilder { variant, inner: SeqBuilder(Vec::with_capacity(len)) })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, ValError> {
        Ok(MapBuilder { entries: Vec::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapBuilder, ValError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, len: usize) -> Result<Self::SerializeStructVariant, ValError> {
        Ok(VariantBuilder { variant, inner: MapBuilder { entries: Vec::with_capacity(len), key: None } })
    }
}

/// Builds a [`Val::List`].
struct SeqBuilder(Vec<Val>);

impl SerializeSeq for SeqBuilder {
    type Ok = Val;
    type Error = ValError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), ValError> {
        self.0.push(value.serialize(ValSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Val, ValError> {
        Ok(Val::List(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Val;
    type Error = ValError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), ValError> {
        SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Val, ValError> {
        SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Val;
    type Error = ValError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), ValError> {
        SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Val, ValError> {
        SerializeSeq::end(self)
    }
}

/// Builds a [`Val::Map`].
struct MapBuilder {
    entries: Vec<(Cow<'static, str>, Val)>,
    key: Option<String>,
}

impl SerializeMap for MapBuilder {
    type Ok = Val;
    type Error = ValError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), ValError> {
        match key.serialize(ValSerializer)? {
            Val::Scalar(Json::String(s)) => self.key = Some(s),
            Val::Scalar(other @ (Json::Number(_) | Json::Bool(_))) => self.key = Some(other.to_string()),
            _ => return Err(ValError("an object key must be text".into())),
        }
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), ValError> {
        let key = self.key.take().ok_or_else(|| ValError("a value came before its key".into()))?;
        self.entries.push((Cow::Owned(key), value.serialize(ValSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Val, ValError> {
        Ok(Val::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Val;
    type Error = ValError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), ValError> {
        self.entries.push((Cow::Borrowed(key), value.serialize(ValSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Val, ValError> {
        Ok(Val::Map(self.entries))
    }
}

/// An enum variant with fields: `{"variant": fields}`, as serde_json writes it.
struct VariantBuilder<B> {
    variant: &'static str,
    inner: B,
}

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Val;
    type Error = ValError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), ValError> {
        SerializeSeq::serialize_element(&mut self.inner, value)
    }
    fn end(self) -> Result<Val, ValError> {
        Ok(Val::Map(vec![(Cow::Borrowed(self.variant), SerializeSeq::end(self.inner)?)]))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Val;
    type Error = ValError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) -> Result<(), ValError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }
    fn end(self) -> Result<Val, ValError> {
        Ok(Val::Map(vec![(Cow::Borrowed(self.variant), SerializeMap::end(self.inner)?)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Output, SecretSource, Template, Value};

    #[derive(serde::Serialize)]
    struct Props {
        name: Value<String>,
        doc: Value<String>,
        arn: Value<String>,
    }

    #[test]
    fn marks_are_variants_and_user_json_is_data() {
        let user = Val::data(serde_json::json!({"$ref": "x", "$schema": "http://json-schema.org/draft-07/schema#", "$defs": {"$id": 1}}));
        let p = Props {
            name: Value::Template(Template::new().lit("a-").part(&Output::<String>::new("r", "arn"))),
            doc: Value::Json(user.clone()),
            arn: Value::Secret(SecretSource::env("X")),
        };
        let v = to_val(&p).unwrap();
        assert_eq!(
            v.get("name"),
            Some(&Val::Template(vec![Val::Scalar("a-".into()), Val::Ref { resource: "r".into(), attr: "arn".into() }]))
        );
        assert_eq!(v.get("doc"), Some(&Val::Doc(Box::new(user))));
        assert_eq!(v.get("arn"), Some(&Val::Secret(SecretSource::env("X"))));
        let mut refs = Vec::new();
        v.references(&mut refs);
        assert_eq!(refs, vec![("r", "arn")]);
        assert!(v.reads_secret());
        assert!(!v.get("name").is_some_and(Val::reads_secret) && !v.get("doc").is_some_and(Val::reads_secret));
        let deep = Val::Doc(Box::new(Val::List(vec![Val::Scalar(1.into()), Val::Sensitive(Box::new(Val::Secret(SecretSource::env("Y"))))])));
        assert!(deep.reads_secret(), "a secret inside a document inside a list");
        let two = Val::Map(vec![("a".into(), Val::Secret(SecretSource::env("A"))), ("b".into(), deep)]);
        let mut seen = Vec::new();
        let _ = two.each_secret(&mut |s| {
            seen.push(s.to_string());
            ControlFlow::<()>::Continue(())
        });
        assert_eq!(seen, [SecretSource::env("A").to_string(), SecretSource::env("Y").to_string()], "every secret, in order");
        assert_eq!(two.each_secret(&mut |s| ControlFlow::Break(s.to_string())), ControlFlow::Break(SecretSource::env("A").to_string()), "the first that breaks");
    }

    #[test]
    fn the_stored_form_round_trips() {
        let v = Val::Map(vec![
            ("t".into(), Val::Template(vec![Val::Scalar("x".into()), Val::Ref { resource: "a".into(), attr: "b".into() }])),
            ("s".into(), Val::Sensitive(Box::new(Val::Secret(SecretSource::env("P"))))),
            ("$ref".into(), Val::Scalar("kept".into())),
        ]);
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Val>(&text).unwrap(), v);
    }
}
