//! What a change says of its resource's outputs: the record's, for a resource it keeps,
//! or the ones it will have, known only after apply.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::state::Outputs;
use crate::value::Marked;

/// A change's output attributes.
///
/// Written as a [`Marked`] object either way, so a plan's JSON does not say which.
#[derive(Debug, Clone)]
pub enum ChangeOutputs {
    /// As recorded, for a resource kept (a no-op or an update): shared with its record,
    /// never copied.
    Recorded(Outputs),
    /// As planned: unknown until apply for a create or a replacement; nothing for a
    /// delete.
    Planned(Marked),
}

impl ChangeOutputs {
    /// The output `attr`, with its marks.
    pub fn field(&self, attr: &str) -> Option<Marked> {
        match self {
            ChangeOutputs::Recorded(o) => o.get(attr).cloned().map(Marked::plain),
            ChangeOutputs::Planned(m) => m.field(attr),
        }
    }

    /// The data of the output `attr` (`null` for one known only after apply).
    pub fn get(&self, attr: &str) -> Option<&Json> {
        match self {
            ChangeOutputs::Recorded(o) => o.get(attr),
            ChangeOutputs::Planned(m) => m.value.get(attr),
        }
    }

    /// Every output as one marked object, as a plan shows them.
    pub fn marked(&self) -> Cow<'_, Marked> {
        match self {
            ChangeOutputs::Recorded(o) => Cow::Owned(Marked::plain(Json::Object(o.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))),
            ChangeOutputs::Planned(m) => Cow::Borrowed(m),
        }
    }
}

impl Default for ChangeOutputs {
    /// No outputs, as a delete has.
    fn default() -> Self {
        ChangeOutputs::Planned(Marked::default())
    }
}

/// The same outputs with the same marks, however they are held.
impl PartialEq for ChangeOutputs {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ChangeOutputs::Recorded(a), ChangeOutputs::Recorded(b)) => a == b,
            _ => self.marked() == other.marked(),
        }
    }
}

impl Serialize for ChangeOutputs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        /// A [`Marked`] object without marks, as it is written.
        #[derive(Serialize)]
        struct Plain<'a> {
            value: &'a Outputs,
        }
        match self {
            ChangeOutputs::Recorded(o) => Plain { value: o }.serialize(s),
            ChangeOutputs::Planned(m) => m.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ChangeOutputs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Marked::deserialize(d).map(ChangeOutputs::Planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recorded_outputs_read_and_write_as_the_marked_object_they_stand_for() {
        let outputs: Outputs = [("name".to_owned(), json!("q")), ("arn".to_owned(), json!("arn:q"))].into_iter().collect();
        let recorded = ChangeOutputs::Recorded(outputs.clone());
        let planned = ChangeOutputs::Planned(Marked::plain(json!({"arn": "arn:q", "name": "q"})));
        assert_eq!(serde_json::to_string(&recorded).unwrap(), serde_json::to_string(&planned).unwrap());
        assert_eq!(serde_json::to_string(&recorded).unwrap(), r#"{"value":{"arn":"arn:q","name":"q"}}"#);
        assert_eq!(recorded, planned);
        let back: ChangeOutputs = serde_json::from_str(&serde_json::to_string(&recorded).unwrap()).unwrap();
        assert_eq!(back, recorded, "read back as the same outputs");
        assert_eq!((recorded.get("arn"), recorded.field("name")), (Some(&json!("arn:q")), Some(Marked::plain(json!("q")))));
        assert_eq!((recorded.get("url"), recorded.field("url")), (None, None));
        assert_eq!(*recorded.marked(), *planned.marked());
        assert_ne!(recorded, ChangeOutputs::Planned(Marked::plain(json!({"arn": "arn:r", "name": "q"}))));
    }
}
