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
pub mod secretsmanager;

use serde::{Deserialize, Serialize};

use crate::invalid::{Invalid, PropertyPath};
use crate::rules::{name_chars_at, rds_identifier_at};
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



/// Checks an identifier AWS limits to letters, digits and hyphens (RDS clusters and
/// instances).
pub(crate) fn rds_identifier(what: &'static str, v: &Value<String>, out: &mut Vec<Invalid>) {
    if let Some(id) = v.get() {
        rds_identifier_at(PropertyPath::field(what), id, out);
    }
}


/// Checks a name against a length range and a set of allowed characters.
pub(crate) fn name_chars(what: &'static str, v: &Value<String>, max: usize, extra: &str, out: &mut Vec<Invalid>) {
    if let Some(name) = v.get() {
        name_chars_at(PropertyPath::field(what), name, max, extra, out);
    }
}

