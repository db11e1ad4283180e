//! Resolution of marker trees: references become the referenced outputs (or
//! "known after apply"), templates and JSON documents become text, secret sources become
//! secrets. Two final forms follow: the plan form, where a secret is only a hash, and the
//! apply form, plain values for the executor.

use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::value::SecretSource;

/// Where resolution finds outputs and secrets.
pub trait Lookup {
    /// The value of `resource.attr`, if it is known now.
    fn output(&self, resource: &str, attr: &str) -> Option<Json>;
    /// Reads a secret from its source.
    fn secret(&self, source: &SecretSource) -> Result<String, SecretError>;
}

/// A secret could not be read from its source.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SecretError {
    /// The environment variable is not set.
    #[error("the environment variable {0} is not set: export it, or point the parameter at a file with file:PATH")]
    EnvUnset(String),
    /// The file could not be read.
    #[error("the secret file {path} cannot be read: {reason}")]
    File {
        /// The secret file that could not be read.
        path: String,
        /// Why it could not be read.
        reason: String,
    },
    /// The source is given but yields an empty value.
    #[error("the secret from {0} is empty")]
    Empty(String),
}

/// Reads secret sources from the process environment and the file system.
pub fn read_secret(source: &SecretSource) -> Result<String, SecretError> {
    let value = match source {
        SecretSource::Env(name) => {
            std::env::var(name).map_err(|_| SecretError::EnvUnset(name.clone()))?
        }
        SecretSource::File(path) => std::fs::read_to_string(path)
            .map_err(|e| SecretError::File { path: path.clone(), reason: e.to_string() })?
            .trim_end_matches(['\n', '\r'])
            .to_owned(),
    };
    if value.is_empty() {
        return Err(SecretError::Empty(source.to_string()));
    }
    Ok(value)
}

/// Marker keys. A one-key object with one of these keys is a marker, not data.
pub mod marker {
    /// A reference: `[resource, attribute]`.
    pub const REF: &str = "$ref";
    /// A template: a list of parts.
    pub const TEMPLATE: &str = "$tpl";
    /// A JSON document to render as text.
    pub const JSON: &str = "$json";
    /// A secret source, `env:NAME` or `file:PATH`.
    pub const SECRET_SOURCE: &str = "$secret_source";
    /// A resolved secret (in memory only, never written).
    pub const SECRET: &str = "$secret";
    /// A secret whose source could not be read; holds the reason.
    pub const SECRET_UNREADABLE: &str = "$secret_unreadable";
    /// A value known after apply; holds what it waits for (`db.arn`).
    pub const UNKNOWN: &str = "$unknown";
    /// A secret in plan and state form: its hash, or null if it could not be read.
    pub const SENSITIVE: &str = "$sensitive";
}

/// The marker key and payload of a one-key marker object.
pub fn as_marker(v: &Json) -> Option<(&str, &Json)> {
    match v {
        Json::Object(m) if m.len() == 1 => {
            let (k, v) = m.iter().next()?;
            k.starts_with('$').then_some((k.as_str(), v))
        }
        _ => None,
    }
}

fn mk(key: &str, v: Json) -> Json {
    let mut m = Map::with_capacity(1);
    m.insert(key.to_owned(), v);
    Json::Object(m)
}

/// Is this resolved value (or anything inside it) known only after apply?
pub fn contains_unknown(v: &Json) -> bool {
    match as_marker(v) {
        Some((marker::UNKNOWN, _)) => true,
        Some(_) => false,
        None => match v {
            Json::Array(a) => a.iter().any(contains_unknown),
            Json::Object(m) => m.values().any(contains_unknown),
            _ => false,
        },
    }
}

/// Resolves a declared marker tree against what is known now.
pub fn resolve(v: &Json, lookup: &dyn Lookup) -> Json {
    if let Some((key, payload)) = as_marker(v) {
        match key {
            marker::REF => {
                let (r, a) = ref_parts(payload);
                return lookup
                    .output(r, a)
                    .unwrap_or_else(|| mk(marker::UNKNOWN, Json::String(format!("{r}.{a}"))));
            }
            marker::SECRET_SOURCE => {
                let source = payload.as_str().and_then(|s| s.parse::<SecretSource>().ok());
                return match source {
                    Some(src) => match lookup.secret(&src) {
                        Ok(s) => mk(marker::SECRET, Json::String(s)),
                        Err(e) => mk(marker::SECRET_UNREADABLE, Json::String(e.to_string())),
                    },
                    None => mk(marker::SECRET_UNREADABLE, json!("malformed secret source")),
                };
            }
            marker::TEMPLATE => {
                let parts: Vec<Json> = payload
                    .as_array()
                    .map(|a| a.iter().map(|p| resolve(p, lookup)).collect())
                    .unwrap_or_default();
                return render_text(&parts, |parts, text| {
                    for p in parts {
                        text.push_str(&scalar_text(p));
                    }
                });
            }
            marker::JSON => {
                let doc = resolve(payload, lookup);
                return render_text(std::slice::from_ref(&doc), |docs, text| {
                    text.push_str(&serde_json::to_string(&expose(&docs[0])).unwrap_or_default());
                });
            }
            _ => return v.clone(),
        }
    }
    match v {
        Json::Array(a) => Json::Array(a.iter().map(|x| resolve(x, lookup)).collect()),
        Json::Object(m) => {
            Json::Object(m.iter().map(|(k, x)| (k.clone(), resolve(x, lookup))).collect())
        }
        _ => v.clone(),
    }
}

/// Renders resolved parts as text: unknown if any part is, secret if any part is.
fn render_text(parts: &[Json], render: impl FnOnce(&[Json], &mut String)) -> Json {
    if let Some(u) = parts.iter().find_map(first_unknown) {
        return u;
    }
    if let Some(reason) = parts.iter().find_map(first_unreadable) {
        return mk(marker::SECRET_UNREADABLE, Json::String(reason));
    }
    let mut text = String::new();
    render(parts, &mut text);
    if parts.iter().any(contains_secret) {
        mk(marker::SECRET, Json::String(text))
    } else {
        Json::String(text)
    }
}

fn first_unknown(v: &Json) -> Option<Json> {
    match as_marker(v) {
        Some((marker::UNKNOWN, _)) => Some(v.clone()),
        Some(_) => None,
        None => match v {
            Json::Array(a) => a.iter().find_map(first_unknown),
            Json::Object(m) => m.values().find_map(first_unknown),
            _ => None,
        },
    }
}

fn first_unreadable(v: &Json) -> Option<String> {
    match as_marker(v) {
        Some((marker::SECRET_UNREADABLE, r)) => Some(r.as_str().unwrap_or_default().to_owned()),
        Some(_) => None,
        None => match v {
            Json::Array(a) => a.iter().find_map(first_unreadable),
            Json::Object(m) => m.values().find_map(first_unreadable),
            _ => None,
        },
    }
}

fn contains_secret(v: &Json) -> bool {
    match as_marker(v) {
        Some((marker::SECRET, _)) => true,
        Some(_) => false,
        None => match v {
            Json::Array(a) => a.iter().any(contains_secret),
            Json::Object(m) => m.values().any(contains_secret),
            _ => false,
        },
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        Json::Bool(_) | Json::Number(_) => v.to_string(),
        _ => match as_marker(v) {
            Some((marker::SECRET, s)) => s.as_str().unwrap_or_default().to_owned(),
            _ => v.to_string(),
        },
    }
}

fn ref_parts(payload: &Json) -> (&str, &str) {
    let part = |i: usize| payload.get(i).and_then(Json::as_str).unwrap_or_default();
    (part(0), part(1))
}

/// Replaces resolved secrets by their plain values: what the executor is given.
pub fn expose(v: &Json) -> Json {
    match as_marker(v) {
        Some((marker::SECRET, s)) => s.clone(),
        Some(_) => v.clone(),
        None => match v {
            Json::Array(a) => Json::Array(a.iter().map(expose).collect()),
            Json::Object(m) => Json::Object(m.iter().map(|(k, x)| (k.clone(), expose(x))).collect()),
            _ => v.clone(),
        },
    }
}

/// The hash that stands for a secret in plans and state.
pub fn secret_hash(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"formae-sensitive-v1\0");
    h.update(secret.as_bytes());
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Replaces resolved secrets by hashes (and unreadable ones by a null hash): the form
/// plans compare and state stores. No secret survives it.
pub fn redact(v: &Json) -> Json {
    let mut out = v.clone();
    redact_in_place(&mut out);
    out
}

/// [`redact`], on a value owned already: no copy of what has no secret.
pub fn redact_in_place(v: &mut Json) {
    let replacement = match as_marker(v) {
        Some((marker::SECRET, s)) => mk(marker::SENSITIVE, Json::String(secret_hash(s.as_str().unwrap_or_default()))),
        Some((marker::SECRET_UNREADABLE, _)) => mk(marker::SENSITIVE, Json::Null),
        Some(_) => return,
        None => {
            match v {
                Json::Array(a) => a.iter_mut().for_each(redact_in_place),
                Json::Object(m) => m.values_mut().for_each(redact_in_place),
                _ => {}
            }
            return;
        }
    };
    *v = replacement;
}

/// Whether a marker `key` is anywhere in `v`.
pub fn contains_marker(v: &Json, key: &str) -> bool {
    match as_marker(v) {
        Some((k, _)) if k == key => true,
        Some((_, p)) => contains_marker(p, key),
        None => match v {
            Json::Array(a) => a.iter().any(|x| contains_marker(x, key)),
            Json::Object(m) => m.values().any(|x| contains_marker(x, key)),
            _ => false,
        },
    }
}

/// Replaces secret hashes by `true`: plans show that a value is sensitive, never a
/// hash of it (a hash of a weak password can be brute-forced).
pub fn mask(v: &Json) -> Json {
    let mut out = v.clone();
    mask_in_place(&mut out);
    out
}

/// [`mask`], on a value owned already.
pub fn mask_in_place(v: &mut Json) {
    match as_marker(v) {
        Some((marker::SENSITIVE, _)) => *v = mk(marker::SENSITIVE, Json::Bool(true)),
        Some(_) => {}
        None => match v {
            Json::Array(a) => a.iter_mut().for_each(mask_in_place),
            Json::Object(m) => m.values_mut().for_each(mask_in_place),
            _ => {}
        },
    }
}

/// What a reference waits for, if anything in the declared tree is a reference.
pub fn references(v: &Json, out: &mut Vec<(String, String)>) {
    match as_marker(v) {
        Some((marker::REF, p)) => {
            let (r, a) = ref_parts(p);
            out.push((r.to_owned(), a.to_owned()));
        }
        Some((_, p)) => references(p, out),
        None => match v {
            Json::Array(a) => a.iter().for_each(|x| references(x, out)),
            Json::Object(m) => m.values().for_each(|x| references(x, out)),
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Output, Template};

    struct L;
    impl Lookup for L {
        fn output(&self, r: &str, a: &str) -> Option<Json> {
            (r == "known").then(|| Json::String(format!("arn:{a}")))
        }
        fn secret(&self, s: &SecretSource) -> Result<String, SecretError> {
            match s {
                SecretSource::Env(n) if n == "SET" => Ok("hunter2".into()),
                SecretSource::Env(n) => Err(SecretError::EnvUnset(n.clone())),
                SecretSource::File(p) => Err(SecretError::File { path: p.clone(), reason: "x".into() }),
            }
        }
    }

    #[test]
    fn template_with_known_refs_renders_text() {
        let t = Template::new().lit("a=").part(&Output::<String>::new("known", "arn")).lit("!");
        assert_eq!(resolve(&crate::value::to_tree(&t), &L), json!("a=arn:arn!"));
    }

    #[test]
    fn template_with_unknown_ref_is_unknown() {
        let t = Template::new().lit("a=").part(&Output::<String>::new("later", "arn"));
        assert_eq!(resolve(&crate::value::to_tree(&t), &L), json!({"$unknown": "later.arn"}));
    }

    #[test]
    fn secret_in_json_document_makes_it_secret_and_redacts_to_hash() {
        let doc = json!({"$json": {"user": "pg", "password": {"$secret_source": "env:SET"}}});
        let r = resolve(&doc, &L);
        assert_eq!(expose(&r), json!(r#"{"user":"pg","password":"hunter2"}"#));
        let red = redact(&r);
        let text = red.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(
            red,
            json!({"$sensitive": secret_hash(r#"{"user":"pg","password":"hunter2"}"#)})
        );
    }

    #[test]
    fn unreadable_secret_redacts_to_null_hash() {
        let r = resolve(&json!({"$secret_source": "env:UNSET"}), &L);
        assert_eq!(redact(&r), json!({"$sensitive": null}));
    }

    #[test]
    fn json_document_escapes_values() {
        let doc = json!({"$json": {"k": "quote\" and \\"}});
        assert_eq!(resolve(&doc, &L), json!(r#"{"k":"quote\" and \\"}"#));
    }
}
