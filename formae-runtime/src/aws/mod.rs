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
