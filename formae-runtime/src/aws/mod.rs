//! The AWS resource types. Each file holds one service's types: properties, outputs,
//! metadata and their mapping onto the AWS API.

pub mod check;
#[cfg(feature = "aws")]
pub mod cloudcontrol;
pub mod ecs;
pub mod iam;
pub mod policy;
pub mod rds;
pub mod rdsdata;
pub(crate) mod rules;
pub mod secretsmanager;

use serde::{Deserialize, Serialize};

use crate::invalid::{Invalid, PropertyPath};
use crate::resource::Props;
use crate::value::Value;

/// A tag on a taggable resource. Every taggable resource also gets ownership tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Tag key.
    pub key: Value<String>,
    /// Tag value.
    pub value: Value<String>,
}

impl Props for Tag {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(Tag: key, value);
}

pub(crate) fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// Whether RDS accepts `id` as a cluster or instance identifier: 1 to 63 letters, digits
/// and hyphens, starting with a letter, without two hyphens in a row or one at the end.
pub(crate) const fn rds_identifier_ok(id: &str) -> bool {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > 63 || !b[0].is_ascii_alphabetic() || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_alphanumeric() || b[i] == b'-') || (b[i] == b'-' && i > 0 && b[i - 1] == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `name` has 1 to `max` bytes, each a letter, a digit or one of `extra`.
pub(crate) const fn name_ok(name: &str, max: usize, extra: &str) -> bool {
    let (b, extra) = (name.as_bytes(), extra.as_bytes());
    if b.is_empty() || b.len() > max {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let mut ok = b[i].is_ascii_alphanumeric();
        let mut j = 0;
        while !ok && j < extra.len() {
            ok = b[i] == extra[j];
            j += 1;
        }
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// Checks an identifier AWS limits to letters, digits and hyphens (RDS clusters and
/// instances).
pub(crate) fn rds_identifier(what: &'static str, v: &Value<String>, out: &mut Vec<Invalid>) {
    if let Some(id) = v.get() {
        rds_identifier_at(PropertyPath::field(what), id, out);
    }
}

/// [`rds_identifier`] of a known text at `path`.
pub(crate) fn rds_identifier_at(path: PropertyPath, id: &str, out: &mut Vec<Invalid>) {
    if !rds_identifier_ok(id) {
        out.push(Invalid::new(
            path,
            format!("`{id}` is not an identifier RDS accepts: use 1 to 63 letters, digits and hyphens, starting with a letter, with no two hyphens in a row and none at the end"),
        ));
    }
}

/// Checks a name against a length range and a set of allowed characters.
pub(crate) fn name_chars(what: &'static str, v: &Value<String>, max: usize, extra: &str, out: &mut Vec<Invalid>) {
    if let Some(name) = v.get() {
        name_chars_at(PropertyPath::field(what), name, max, extra, out);
    }
}

/// [`name_chars`] of a known text at `path`.
pub(crate) fn name_chars_at(path: PropertyPath, name: &str, max: usize, extra: &str, out: &mut Vec<Invalid>) {
    if !name_ok(name, max, extra) {
        out.push(Invalid::new(path, format!("`{name}` is not one AWS accepts: use 1 to {max} letters, digits and `{extra}`")));
    }
}
