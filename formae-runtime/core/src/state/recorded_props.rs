//! [`RecordedProps`]: a resource's properties as last applied, kept as the store wrote
//! them until something needs them parsed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::value::{push_index, push_key, Marked};

/// Recorded properties: plan-form data (a sensitive part holds the hash that stands for
/// it) and, beside it, pointers to the sensitive parts.
///
/// Written (`Display`, serde) as `[data, [pointer, ...]]`. Records written before the
/// marks moved beside the data are an object (properties always are), with
/// `{"$sensitive": hash}` objects in it; they are read into this form.
///
/// Read from a store ([`RecordedProps::from_stored_text`]), the text is kept and parsed
/// only when asked: a plan with nothing to change compares text with text
/// ([`RecordedProps::is`]) and never builds the tree.
#[derive(Clone, Default)]
pub struct RecordedProps {
    /// The stored text, as read; `None` once built or changed in memory.
    text: Option<Box<str>>,
    /// The data and its marks, parsed from `text` on first use.
    parsed: OnceLock<Parsed>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Parsed {
    value: Json,
    sensitive: BTreeSet<String>,
}

impl RecordedProps {
    /// Data with its sensitive parts at these pointers (RFC 6901).
    pub fn new(value: Json, sensitive: BTreeSet<String>) -> Self {
        RecordedProps { text: None, parsed: OnceLock::from(Parsed { value, sensitive }) }
    }

    /// Properties without sensitive parts.
    pub fn plain(value: Json) -> Self {
        Self::new(value, BTreeSet::new())
    }

    /// From a planned value: its data and its sensitive marks (an applied value has no
    /// unknown parts).
    pub fn from_marked(m: Marked) -> Self {
        Self::new(m.value, m.sensitive)
    }

    /// From the text a store holds. It is checked to be JSON now, so a corrupt record is
    /// found when state is loaded; it is parsed into data when first needed.
    pub fn from_stored_text(text: String) -> Result<Self, serde_json::Error> {
        serde_json::from_str::<serde::de::IgnoredAny>(&text)?;
        Ok(RecordedProps { text: Some(text.into_boxed_str()), parsed: OnceLock::new() })
    }

    fn parsed(&self) -> &Parsed {
        self.parsed.get_or_init(|| {
            // The text was checked to be JSON when it was read.
            let stored = self.text.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Json::Null);
            Parsed::from_stored(stored)
        })
    }

    /// The data.
    pub fn value(&self) -> &Json {
        &self.parsed().value
    }

    /// The data, to change in place.
    pub fn value_mut(&mut self) -> &mut Json {
        self.parsed();
        self.text = None;
        match self.parsed.get_mut() {
            Some(p) => &mut p.value,
            // Just initialised above.
            None => unreachable!("recorded properties are parsed before they are changed"),
        }
    }

    /// Pointers (RFC 6901) to the sensitive parts.
    pub fn sensitive(&self) -> &BTreeSet<String> {
        &self.parsed().sensitive
    }

    /// As a marked value, to compare with a plan.
    pub fn marked(&self) -> Marked {
        let p = self.parsed();
        Marked { value: p.value.clone(), sensitive: p.sensitive.clone(), unknown: BTreeMap::new() }
    }

    /// The string property `field`, if it is one.
    pub fn str(&self, field: &str) -> Option<&str> {
        self.value().get(field).and_then(Json::as_str)
    }

    /// Whether `planned` is exactly what is recorded: the same data, the same sensitive
    /// parts, nothing unknown. Kept text is compared with `planned` written the same way,
    /// without parsing it; `false` can also mean "written differently" (an earlier
    /// record's form), so it only ever saves a comparison, never decides a change.
    pub fn is(&self, planned: &Marked) -> bool {
        if !planned.is_known() {
            return false;
        }
        match (&self.text, self.parsed.get()) {
            (_, Some(p)) => p.value == planned.value && p.sensitive == planned.sensitive,
            // Written whole, then compared in one go: quicker than comparing as it is
            // written, piece by piece.
            (Some(text), None) => WRITTEN.with_borrow_mut(|written| {
                written.clear();
                serde_json::to_writer(&mut *written, &(&planned.value, &planned.sensitive)).is_ok() && written.as_slice() == text.as_bytes()
            }),
            (None, None) => false,
        }
    }
}

thread_local! {
    /// Where [`RecordedProps::is`] writes a planned value to compare it with the stored
    /// text: one buffer per thread, kept, so a plan's ten thousand comparisons allocate
    /// nothing.
    static WRITTEN: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Parsed {
    fn from_stored(stored: Json) -> Self {
        match stored {
            Json::Array(mut pair) if pair.len() == 2 && pair[1].is_array() => {
                let pointers = pair.pop().and_then(|p| serde_json::from_value(p).ok()).unwrap_or_default();
                let value = pair.pop().unwrap_or(Json::Null);
                Parsed { value, sensitive: pointers }
            }
            mut legacy => {
                let mut sensitive = BTreeSet::new();
                let mut pointer = String::new();
                upgrade_legacy(&mut legacy, &mut pointer, &mut sensitive);
                Parsed { value: legacy, sensitive }
            }
        }
    }
}

/// Replaces the `{"$sensitive": hash}` objects of an earlier record by the hash, noting
/// where they stood.
fn upgrade_legacy(v: &mut Json, pointer: &mut String, sensitive: &mut BTreeSet<String>) {
    let len = pointer.len();
    match v {
        Json::Object(m) if m.len() == 1 && m.contains_key("$sensitive") => {
            let hash = m.remove("$sensitive").unwrap_or(Json::Null);
            *v = hash;
            sensitive.insert(pointer.clone());
        }
        Json::Object(m) => {
            for (k, x) in m.iter_mut() {
                push_key(pointer, k);
                upgrade_legacy(x, pointer, sensitive);
                pointer.truncate(len);
            }
        }
        Json::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                push_index(pointer, i);
                upgrade_legacy(x, pointer, sensitive);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

impl PartialEq for RecordedProps {
    fn eq(&self, other: &Self) -> bool {
        self.parsed() == other.parsed()
    }
}

impl std::fmt::Debug for RecordedProps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.parsed();
        f.debug_struct("RecordedProps").field("value", &p.value).field("sensitive", &p.sensitive).finish()
    }
}

impl std::fmt::Display for RecordedProps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(text) = &self.text {
            return f.write_str(text);
        }
        let p = self.parsed();
        let written = serde_json::to_string(&(&p.value, &p.sensitive)).map_err(|_| std::fmt::Error)?;
        f.write_str(&written)
    }
}

impl Serialize for RecordedProps {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.parsed();
        (&p.value, &p.sensitive).serialize(s)
    }
}

impl<'de> Deserialize<'de> for RecordedProps {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = Parsed::from_stored(Json::deserialize(d)?);
        Ok(RecordedProps::new(p.value, p.sensitive))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_props_keep_their_marks_and_read_earlier_records() {
        let p = RecordedProps::new(serde_json::json!({"name": "a", "secret_string": "sha256:00"}), BTreeSet::from(["/secret_string".to_owned()]));
        let back: RecordedProps = serde_json::from_str(&p.to_string()).unwrap();
        assert_eq!(back, p);
        let plain = RecordedProps::plain(serde_json::json!({"name": "a", "$ref": {"$sensitive": 1, "x": 2}}));
        let data = RecordedProps::plain(serde_json::json!({"doc": {"$sensitive": "not a mark"}}));
        assert_eq!(serde_json::from_str::<RecordedProps>(&data.to_string()).unwrap(), data);
        assert_eq!(plain.to_string(), r#"[{"name":"a","$ref":{"$sensitive":1,"x":2}},[]]"#);
        assert_eq!(serde_json::from_str::<RecordedProps>(&plain.to_string()).unwrap(), plain);
        let legacy: RecordedProps = serde_json::from_str(r#"{"name":"a","secret_string":{"$sensitive":"sha256:00"}}"#).unwrap();
        assert_eq!(legacy, p);
        // As a store reads them: the same, from text.
        let stored = RecordedProps::from_stored_text(p.to_string()).unwrap();
        assert_eq!(stored, p);
        assert_eq!(RecordedProps::from_stored_text(r#"{"name":"a","secret_string":{"$sensitive":"sha256:00"}}"#.into()).unwrap(), p);
        assert!(RecordedProps::from_stored_text("[{\"name\": ".into()).is_err(), "corrupt text is refused when read");
    }

    #[test]
    fn stored_text_is_kept_until_changed_and_compared_without_parsing() {
        let text = r##"[{"name":"a","secret_string":"sha256:00","$schema":{"$ref":"#/x"}},["/secret_string"]]"##;
        let marked = |name: &str| Marked {
            value: serde_json::json!({"name": name, "secret_string": "sha256:00", "$schema": {"$ref": "#/x"}}),
            sensitive: BTreeSet::from(["/secret_string".to_owned()]),
            unknown: BTreeMap::new(),
        };
        let stored = RecordedProps::from_stored_text(text.into()).unwrap();
        assert!(stored.is(&marked("a")));
        assert!(stored.parsed.get().is_none(), "compared as text");
        assert!(!stored.is(&marked("b")));
        assert!(!stored.is(&Marked { sensitive: BTreeSet::new(), ..marked("a") }), "the same data, another mark");
        let unknown = Marked { unknown: BTreeMap::from([("/name".to_owned(), "x.arn".to_owned())]), ..marked("a") };
        assert!(!stored.is(&unknown), "a part known only after apply is never what is recorded");
        assert_eq!(stored.to_string(), text, "written back as read");
        // Another spelling of the same record is told apart by parsing.
        let longer = RecordedProps::from_stored_text(format!("{text} ")).unwrap();
        assert!(!longer.is(&marked("a")), "what is written must be the whole text, not its start");
        let spaced = RecordedProps::from_stored_text(text.replace(',', ", ")).unwrap();
        assert!(!spaced.is(&marked("a")));
        assert_eq!(spaced, stored);
        assert!(spaced.is(&marked("a")), "once parsed, compared as data");
        let mut changed = stored.clone();
        changed.value_mut()["name"] = serde_json::json!("b");
        assert!(changed.is(&marked("b")) && !changed.is(&marked("a")));
        assert_eq!(changed.to_string(), text.replace(r#""name":"a""#, r#""name":"b""#));
        assert_eq!(stored.str("name"), Some("a"));
    }
}
