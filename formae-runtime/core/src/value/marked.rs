//! A value as plans and state hold it: plain JSON data with its marks beside it, as JSON
//! Pointers (RFC 6901) into it: which parts are sensitive and which are known only after
//! apply. Nothing in the data itself is special.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Plain data and, beside it, where it is sensitive or not yet known.
///
/// Inside the planner a sensitive part holds the hash that stands for it, so changes can
/// be seen; serialised (the JSON plan, a saved plan), marked parts are `null` and only the
/// marks say what stood there.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Marked {
    /// The data; a sensitive part is its hash, an unknown part `null`.
    pub value: Json,
    /// Pointers to the parts that are sensitive.
    pub sensitive: BTreeSet<String>,
    /// Pointers to the parts known only after apply, with what each waits for (`db.arn`).
    pub unknown: BTreeMap<String, String>,
}

/// Escapes an object key for a JSON Pointer.
pub fn escape_key(key: &str) -> String {
    if needs_escape(key) {
        key.replace('~', "~0").replace('/', "~1")
    } else {
        key.to_owned()
    }
}

/// Whether `key` holds a character a JSON Pointer escapes; a byte search, since pointers
/// are built for every part of every value planned.
fn needs_escape(key: &str) -> bool {
    key.bytes().any(|b| b == b'~' || b == b'/')
}

/// Appends `/key` to a JSON Pointer, escaped (RFC 6901).
pub fn push_key(pointer: &mut String, key: &str) {
    pointer.push('/');
    if needs_escape(key) {
        pointer.push_str(&escape_key(key));
    } else {
        pointer.push_str(key);
    }
}

/// Appends `/i` to a JSON Pointer.
pub fn push_index(pointer: &mut String, i: usize) {
    use std::fmt::Write;
    let _ = write!(pointer, "/{i}");
}

/// The value at the JSON Pointer `pointer` (RFC 6901), to change; as serde_json's
/// `pointer_mut`, without unescaping (and allocating) keys that need none.
pub fn at_mut<'a>(value: &'a mut Json, pointer: &str) -> Option<&'a mut Json> {
    let Some(rest) = pointer.strip_prefix('/') else { return pointer.is_empty().then_some(value) };
    let mut node = value;
    for token in rest.split('/') {
        let key: std::borrow::Cow<'_, str> = if token.contains('~') { token.replace("~1", "/").replace("~0", "~").into() } else { token.into() };
        node = match node {
            Json::Object(map) => map.get_mut(key.as_ref())?,
            // An index is digits without a leading zero.
            Json::Array(items) if !key.starts_with('+') && (key == "0" || !key.starts_with('0')) => items.get_mut(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Whether the JSON Pointer `pointer` is `base` or points inside it.
pub fn under(pointer: &str, base: &str) -> bool {
    pointer.strip_prefix(base).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The pointers of `marks` under `prefix`, relative to it.
fn rebase<'a, V: Clone + 'a>(marks: impl Iterator<Item = (&'a String, V)>, prefix: &str) -> Vec<(String, V)> {
    marks
        .filter_map(|(p, v)| {
            under(p, prefix).then(|| (p[prefix.len()..].to_owned(), v))
        })
        .collect()
}

impl Marked {
    /// Data without marks.
    pub fn plain(value: Json) -> Self {
        Marked { value, ..Default::default() }
    }

    /// An object of `entries`, their marks under their keys.
    pub fn object(entries: Vec<(String, Marked)>) -> Self {
        let mut out = Marked::plain(Json::Object(Default::default()));
        for (k, m) in entries {
            let prefix = format!("/{}", escape_key(&k));
            out.sensitive.extend(m.sensitive.into_iter().map(|p| format!("{prefix}{p}")));
            out.unknown.extend(m.unknown.into_iter().map(|(p, w)| (format!("{prefix}{p}"), w)));
            if let Json::Object(o) = &mut out.value {
                o.insert(k, m.value);
            }
        }
        out
    }

    /// Whether every part is known.
    pub fn is_known(&self) -> bool {
        self.unknown.is_empty()
    }

    /// Whether no part is marked.
    pub fn is_plain(&self) -> bool {
        self.sensitive.is_empty() && self.unknown.is_empty()
    }

    /// The part under the object key `key`, with its marks.
    pub fn field(&self, key: &str) -> Option<Marked> {
        let value = self.value.as_object()?.get(key)?.clone();
        if self.is_plain() {
            return Some(Marked::plain(value));
        }
        let prefix = format!("/{}", escape_key(key));
        Some(Marked {
            value,
            sensitive: rebase(self.sensitive.iter().map(|p| (p, ())), &prefix).into_iter().map(|(p, ())| p).collect(),
            unknown: rebase(self.unknown.iter(), &prefix).into_iter().map(|(p, w)| (p, w.clone())).collect(),
        })
    }

    /// Sets the part under the object key `key` (removes it, with `None`), with its marks.
    pub fn set_field(&mut self, key: &str, part: Option<Marked>) {
        let prefix = format!("/{}", escape_key(key));
        self.sensitive.retain(|p| !under(p, &prefix));
        self.unknown.retain(|p, _| !under(p, &prefix));
        let Json::Object(o) = &mut self.value else { return };
        match part {
            Some(m) => {
                self.sensitive.extend(m.sensitive.into_iter().map(|p| format!("{prefix}{p}")));
                self.unknown.extend(m.unknown.into_iter().map(|(p, w)| (format!("{prefix}{p}"), w)));
                o.insert(key.to_owned(), m.value);
            }
            None => {
                o.remove(key);
            }
        }
    }

    /// The object keys of the data, in order.
    pub fn keys(&self) -> Vec<&str> {
        self.value.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
    }

    /// Whether the part at `pointer`, or anything inside it, is unknown.
    pub fn unknown_at(&self, pointer: &str) -> bool {
        self.unknown.keys().any(|p| under(p, pointer))
    }

    /// The data with every marked part `null`: what may be shown or written down.
    pub fn masked(&self) -> Json {
        let mut v = self.value.clone();
        for p in self.sensitive.iter().chain(self.unknown.keys()) {
            if let Some(x) = v.pointer_mut(p) {
                *x = Json::Null;
            }
        }
        v
    }

    /// The data as a plan shows it.
    pub fn shown(&self) -> Shown {
        let mut pointer = String::new();
        self.shown_at(&self.value, &mut pointer)
    }

    fn shown_at(&self, v: &Json, pointer: &mut String) -> Shown {
        if self.sensitive.contains(pointer.as_str()) {
            return Shown::Sensitive;
        }
        if self.unknown.contains_key(pointer.as_str()) {
            return Shown::Unknown;
        }
        let len = pointer.len();
        let shown = match v {
            Json::Array(a) if !self.is_plain() => Shown::List(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        push_index(pointer, i);
                        let s = self.shown_at(x, pointer);
                        pointer.truncate(len);
                        s
                    })
                    .collect(),
            ),
            Json::Object(m) if !self.is_plain() => Shown::Map(
                m.iter()
                    .map(|(k, x)| {
                        push_key(pointer, k);
                        let s = self.shown_at(x, pointer);
                        pointer.truncate(len);
                        (k.clone(), s)
                    })
                    .collect(),
            ),
            other => Shown::data(other),
        };
        shown
    }
}

/// The serialised form: marked parts `null`, the marks beside.
#[derive(Serialize, Deserialize)]
struct MarkedForm {
    value: Json,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    sensitive: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    unknown: BTreeMap<String, String>,
}

impl Serialize for Marked {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MarkedForm { value: self.masked(), sensitive: self.sensitive.clone(), unknown: self.unknown.clone() }.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Marked {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = MarkedForm::deserialize(d)?;
        Ok(Marked { value: f.value, sensitive: f.sensitive, unknown: f.unknown })
    }
}

/// A value as a plan shows it: data, `(sensitive value)` or `(known after apply)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// A string, number, bool or null.
    Scalar(Json),
    /// A list.
    List(Vec<Shown>),
    /// An object.
    Map(Vec<(String, Shown)>),
    /// A sensitive part.
    Sensitive,
    /// A part known only after apply.
    Unknown,
}

impl Shown {
    /// Plain data.
    pub fn data(v: &Json) -> Shown {
        match v {
            Json::Array(a) => Shown::List(a.iter().map(Shown::data).collect()),
            Json::Object(m) => Shown::Map(m.iter().map(|(k, x)| (k.clone(), Shown::data(x))).collect()),
            other => Shown::Scalar(other.clone()),
        }
    }

    /// The part under the object key `key`.
    pub fn get(&self, key: &str) -> Option<&Shown> {
        match self {
            Shown::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_mut_finds_what_serde_json_pointer_mut_finds() {
        let mut v = serde_json::json!({"a/b": {"~k": [1, {"x": 2}]}, "plain": [0, 1, 2]});
        for p in ["", "/a~1b", "/a~1b/~0k", "/a~1b/~0k/1/x", "/plain/2", "/plain/02", "/plain/+1", "/plain/3", "/missing", "/a~1b/~0k/0/x"] {
            let mine = at_mut(&mut v, p).map(|x| x.clone());
            let theirs = v.pointer_mut(p).map(|x| x.clone());
            assert_eq!(mine, theirs, "{p}");
        }
        *at_mut(&mut v, "/a~1b/~0k/1/x").unwrap() = serde_json::json!("changed");
        assert_eq!(v["a/b"]["~k"][1]["x"], "changed");
    }

    #[test]
    fn keys_are_escaped_only_where_a_pointer_needs_it() {
        for (key, escaped) in [("plain", "plain"), ("a/b", "a~1b"), ("~k", "~0k"), ("~/", "~0~1"), ("é/ü", "é~1ü")] {
            assert_eq!(escape_key(key), escaped);
            let mut pointer = "/x".to_owned();
            push_key(&mut pointer, key);
            assert_eq!(pointer, format!("/x/{escaped}"));
        }
    }

    #[test]
    fn marks_follow_a_field_and_mask_what_they_mark() {
        let m = Marked {
            value: serde_json::json!({"a/b": {"x": "sha256:00", "y": 1}, "c": null}),
            sensitive: BTreeSet::from(["/a~1b/x".to_owned()]),
            unknown: BTreeMap::from([("/c".to_owned(), "db.arn".to_owned())]),
        };
        let a = m.field("a/b").unwrap();
        assert_eq!(a.sensitive, BTreeSet::from(["/x".to_owned()]));
        assert!(a.unknown.is_empty());
        assert_eq!(m.masked(), serde_json::json!({"a/b": {"x": null, "y": 1}, "c": null}));
        assert_eq!(m.shown().get("a/b").and_then(|s| s.get("x")), Some(&Shown::Sensitive));
        assert_eq!(m.shown().get("c"), Some(&Shown::Unknown));
        let text = serde_json::to_string(&m).unwrap();
        assert!(!text.contains("sha256"), "{text}");
        assert!(m.unknown_at("/c") && !m.unknown_at("/a~1b"));
    }
}
