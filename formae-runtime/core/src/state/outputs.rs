//! A recorded resource's outputs by name.

use std::ops::{Deref, DerefMut, Index};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// A resource's outputs by name, in name order: `outputs["Arn"]`, `outputs.get("Arn")`.
/// A resource has a few, so they are kept in one sorted allocation; a tree map's node is a
/// kilobyte, which at ten thousand resources would be most of a state's memory. Shared: a
/// plan that keeps a resource shows its recorded outputs without copying them, and a
/// change made through `DerefMut` copies them first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outputs(Arc<litemap::LiteMap<String, Json>>);

impl Outputs {
    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Deref for Outputs {
    type Target = litemap::LiteMap<String, Json>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Outputs {
    fn deref_mut(&mut self) -> &mut Self::Target {
        Arc::make_mut(&mut self.0)
    }
}

impl Index<&str> for Outputs {
    type Output = Json;
    /// The output `name`. Panics if there is none, as a map's index does: use
    /// [`litemap::LiteMap::get`] when it may be missing.
    fn index(&self, name: &str) -> &Json {
        match self.0.get(name) {
            Some(v) => v,
            None => panic!("no output named {name:?}"),
        }
    }
}

impl FromIterator<(String, Json)> for Outputs {
    fn from_iter<I: IntoIterator<Item = (String, Json)>>(iter: I) -> Self {
        Outputs(Arc::new(iter.into_iter().collect()))
    }
}

impl IntoIterator for Outputs {
    type Item = (String, Json);
    type IntoIter = std::vec::IntoIter<(String, Json)>;
    fn into_iter(self) -> Self::IntoIter {
        Arc::unwrap_or_clone(self.0).into_tuple_vec().into_iter()
    }
}

/// A JSON object in name order.
impl Serialize for Outputs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Outputs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A map read grows by doubling; a state holds ten thousand of them, so each
        // gives back what it does not use.
        let mut entries = litemap::LiteMap::<String, Json>::deserialize(d)?.into_tuple_vec();
        entries.shrink_to_fit();
        Ok(Outputs(Arc::new(litemap::LiteMap::from_sorted_store_unchecked(entries))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_a_map_by_name_and_stored_as_one() {
        let outputs: Outputs = [("Name".to_owned(), Json::from("q")), ("Arn".to_owned(), Json::from("a")), ("Name".to_owned(), Json::from("r"))].into_iter().collect();
        assert_eq!(outputs["Arn"], "a");
        assert_eq!(outputs.get("Name"), Some(&Json::from("r")), "the last of a name wins, as in a map");
        assert_eq!(outputs.get("Url"), None);
        let text = serde_json::to_string(&outputs).unwrap();
        assert_eq!(text, r#"{"Arn":"a","Name":"r"}"#, "a JSON object in name order");
        let back: Outputs = serde_json::from_str(r#"{"Name":"r","Arn":"a"}"#).unwrap();
        assert_eq!(back, outputs, "read back whatever the stored order");
        assert_eq!(back.clone().into_iter().map(|(k, _)| k).collect::<Vec<_>>(), ["Arn", "Name"]);
        // Shared by a clone until one of them changes.
        let mut changed = back.clone();
        assert!(Arc::ptr_eq(&changed.0, &back.0), "a clone shares the map");
        changed.insert("Url".to_owned(), Json::from("u"));
        assert_eq!((changed.len(), back.len()), (3, 2), "a change is made to a copy");
    }
}
