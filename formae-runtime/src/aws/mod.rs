//! The AWS resource types. Each file holds one service's types: properties, outputs,
//! metadata and their mapping onto the AWS API.

pub mod check;
pub mod ecs;
pub mod iam;
pub mod rds;
pub mod rdsdata;
pub mod secretsmanager;

use serde::{Deserialize, Serialize};

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

/// Checks an identifier AWS limits to letters, digits and hyphens, starting with a letter,
/// without two hyphens in a row or one at the end (RDS clusters and instances).
pub(crate) fn rds_identifier(what: &str, v: &Value<String>, out: &mut Vec<String>) {
    let Some(id) = v.get() else { return };
    let ok = (1..=63).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-');
    if !ok {
        out.push(format!(
            "{what} `{id}` is not an identifier RDS accepts: use 1 to 63 letters, digits and hyphens, starting with a letter, with no two hyphens in a row and none at the end"
        ));
    }
}

/// Checks a name against a length range and a set of allowed characters.
pub(crate) fn name_chars(what: &str, v: &Value<String>, max: usize, extra: &str, out: &mut Vec<String>) {
    let Some(name) = v.get() else { return };
    if name.is_empty() || name.len() > max || !name.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c)) {
        out.push(format!("{what} `{name}` is not one AWS accepts: use 1 to {max} letters, digits and `{extra}`"));
    }
}
