//! Resolution of declared value trees: references become the referenced outputs (or
//! "known after apply"), templates and JSON documents become text, secret sources become
//! secrets. Two final forms follow: the plan form ([`Resolved::planned`]), where a secret
//! is only a hash and marks say where, and the apply form ([`Resolved::value`]), plain
//! values for the executor.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::value::{at_mut, push_index, push_key, under, Marked, SecretSource, Val};

/// Where resolution finds outputs and secrets.
pub trait Lookup {
    /// The value of `resource.attr`, if it is known now.
    fn output(&self, resource: &str, attr: &str) -> Option<Json>;
    /// [`Lookup::output`], lent where the lookup holds the value: a template joins it
    /// into its text and keeps no copy. By default, `output`'s own.
    fn output_ref(&self, resource: &str, attr: &str) -> Option<std::borrow::Cow<'_, Json>> {
        self.output(resource, attr).map(std::borrow::Cow::Owned)
    }
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

/// A declared value resolved against what is known now.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// The data, secrets in the clear; unknown and unreadable parts `null`.
    pub value: Json,
    /// Pointers to the sensitive parts.
    pub sensitive: BTreeSet<String>,
    /// Pointers to the parts known only after apply, with what each waits for.
    pub unknown: BTreeMap<String, String>,
    /// Secrets that could not be read, with where they stand.
    pub unreadable: Vec<(String, SecretError)>,
}

impl Resolved {
    /// Whether everything is known and readable: what an executor can be given.
    pub fn is_complete(&self) -> bool {
        self.unknown.is_empty() && self.unreadable.is_empty()
    }

    /// The first secret that could not be read.
    pub fn first_unreadable(&self) -> Option<&SecretError> {
        self.unreadable.first().map(|(_, e)| e)
    }

    /// The plan form: each sensitive part replaced by its hash (or `null` when it is not
    /// known or not readable), the marks beside. No secret survives it.
    pub fn planned(&self) -> Marked {
        self.clone().into_planned()
    }

    /// [`Resolved::planned`], consuming the resolution: nothing is copied.
    pub fn into_planned(self) -> Marked {
        let mut value = self.value;
        for p in &self.sensitive {
            let hidden = self.unknown.keys().chain(self.unreadable.iter().map(|(u, _)| u)).any(|u| under(u, p));
            if let Some(x) = at_mut(&mut value, p) {
                *x = if hidden { Json::Null } else { Json::String(hash_of(x)) };
            }
        }
        Marked { value, sensitive: self.sensitive, unknown: self.unknown }
    }
}

/// The hash of a sensitive part: of its text, or of its JSON when it is not text.
fn hash_of(v: &Json) -> String {
    match v {
        Json::String(s) => secret_hash(s),
        other => secret_hash(&other.to_string()),
    }
}

/// Resolves a declared value against what is known now.
pub fn resolve(v: &Val, lookup: &dyn Lookup) -> Resolved {
    let mut out = Resolved::default();
    let mut pointer = String::new();
    out.value = walk(v, lookup, &mut pointer, &mut out);
    out
}

/// Completes a planned value for its apply: each part the plan could not hold (one known
/// only after apply, or a sensitive one, of which the plan holds a hash) is resolved now
/// from `declared`, the value it was planned from; everything else is applied as the plan
/// has it. `None` when a marked part has no place in `declared`; then the caller resolves
/// `declared` whole.
pub fn complete(planned: &Marked, declared: &Val, lookup: &dyn Lookup) -> Option<Resolved> {
    let mut marked: Vec<&str> = planned.sensitive.iter().chain(planned.unknown.keys()).map(String::as_str).collect();
    marked.sort_unstable();
    marked.dedup();
    let mut outermost: Vec<&str> = Vec::with_capacity(marked.len());
    for p in marked {
        if !outermost.iter().any(|q| under(p, q)) {
            outermost.push(p);
        }
    }
    let mut out = Resolved { value: planned.value.clone(), ..Resolved::default() };
    for p in outermost {
        let part = resolve(declared.at(p)?, lookup);
        *out.value.pointer_mut(p)? = part.value;
        out.sensitive.extend(part.sensitive.into_iter().map(|q| format!("{p}{q}")));
        out.unknown.extend(part.unknown.into_iter().map(|(q, w)| (format!("{p}{q}"), w)));
        out.unreadable.extend(part.unreadable.into_iter().map(|(q, e)| (format!("{p}{q}"), e)));
    }
    Some(out)
}

fn walk(v: &Val, lookup: &dyn Lookup, pointer: &mut String, out: &mut Resolved) -> Json {
    let len = pointer.len();
    match v {
        Val::Scalar(j) => j.clone(),
        Val::List(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    push_index(pointer, i);
                    let j = walk(x, lookup, pointer, out);
                    pointer.truncate(len);
                    j
                })
                .collect(),
        ),
        Val::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, x)| {
                    push_key(pointer, k);
                    let j = walk(x, lookup, pointer, out);
                    pointer.truncate(len);
                    (k.as_ref().to_owned(), j)
                })
                .collect(),
        ),
        Val::Ref { resource, attr } => match lookup.output(resource, attr) {
            Some(j) => j,
            None => {
                out.unknown.insert(pointer.clone(), format!("{resource}.{attr}"));
                Json::Null
            }
        },
        Val::Secret(src) => {
            out.sensitive.insert(pointer.clone());
            match lookup.secret(src) {
                Ok(s) => Json::String(s),
                Err(e) => {
                    out.unreadable.push((pointer.clone(), e));
                    Json::Null
                }
            }
        }
        Val::Sensitive(inner) => {
            let j = walk(inner, lookup, pointer, out);
            out.sensitive.retain(|p| !under(p, pointer));
            out.sensitive.insert(pointer.clone());
            j
        }
        Val::Template(parts) => {
            if let Some(text) = known_text(parts, lookup) {
                return Json::String(text);
            }
            let parts: Vec<Resolved> = parts.iter().map(|p| resolve(p, lookup)).collect();
            render_text(&parts, pointer, out, |parts, text| {
                for p in parts {
                    push_scalar(text, &p.value);
                }
            })
        }
        Val::Doc(doc) => {
            let doc = resolve(doc, lookup);
            render_text(std::slice::from_ref(&doc), pointer, out, |docs, text| {
                text.push_str(&docs[0].value.to_string());
            })
        }
    }
}

/// The text of a template whose parts are all plain data or known outputs, joined as
/// [`walk`] joins them; `None` for any other, which is resolved part by part, marks and all.
fn known_text(parts: &[Val], lookup: &dyn Lookup) -> Option<String> {
    let mut text = String::new();
    for part in parts {
        match part {
            Val::Scalar(j) => push_scalar(&mut text, j),
            Val::Ref { resource, attr } => push_scalar(&mut text, &*lookup.output_ref(resource, attr)?),
            _ => return None,
        }
    }
    Some(text)
}

/// Renders resolved parts as text at `pointer`: unknown if any part is, sensitive if any
/// part is.
fn render_text(parts: &[Resolved], pointer: &str, out: &mut Resolved, render: impl FnOnce(&[Resolved], &mut String)) -> Json {
    if let Some(what) = parts.iter().find_map(|p| p.unknown.values().next()) {
        out.unknown.insert(pointer.to_owned(), what.clone());
        return Json::Null;
    }
    let sensitive = parts.iter().any(|p| !p.sensitive.is_empty());
    if sensitive {
        out.sensitive.insert(pointer.to_owned());
    }
    let unreadable: Vec<SecretError> = parts.iter().flat_map(|p| p.unreadable.iter().map(|(_, e)| e.clone())).collect();
    if !unreadable.is_empty() {
        out.unreadable.extend(unreadable.into_iter().map(|e| (pointer.to_owned(), e)));
        return Json::Null;
    }
    let mut text = String::new();
    render(parts, &mut text);
    Json::String(text)
}

/// Appends a template part's value: a string as it is, `null` as nothing, anything else
/// as JSON.
fn push_scalar(text: &mut String, v: &Json) {
    match v {
        Json::String(s) => text.push_str(s),
        Json::Null => {}
        other => text.push_str(&other.to_string()),
    }
}

/// The hash that stands for a secret in plans and state.
pub fn secret_hash(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"formae-sensitive-v1\0");
    h.update(secret.as_bytes());
    // Written into one buffer: a plan hashes every sensitive value it holds.
    let mut digits = [0u8; 64];
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    if hex::encode_to_slice(h.finalize(), &mut digits).is_ok() {
        out.extend(digits.iter().map(|d| char::from(*d)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{val_of, Output, Template};
    use serde_json::json;

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
        assert_eq!(resolve(&val_of(&t), &L).value, json!("a=arn:arn!"));
    }

    #[test]
    fn a_template_of_plain_parts_renders_as_its_parts_resolved_one_by_one() {
        let sensitive = Val::Sensitive(Box::new(Val::Scalar("s3cr3t".into())));
        let cases = [
            vec![Val::Scalar("n=".into()), Val::Scalar(json!(7)), Val::Scalar(Json::Null), Val::Scalar(json!(true)), Val::Ref { resource: "known".into(), attr: "arn".into() }],
            vec![Val::Scalar("x-".into()), Val::Ref { resource: "later".into(), attr: "arn".into() }],
            vec![Val::Scalar("p=".into()), sensitive],
        ];
        for parts in cases {
            let whole = resolve(&Val::Map(vec![("t".into(), Val::Template(parts.clone()))]), &L);
            // What a template is, part by part, through the general path.
            let one_by_one: Vec<Resolved> = parts.iter().map(|p| resolve(p, &L)).collect();
            let mut expected = Resolved::default();
            let text = render_text(&one_by_one, "/t", &mut expected, |parts, text| parts.iter().for_each(|p| push_scalar(text, &p.value)));
            assert_eq!(whole.value, json!({ "t": text }), "{parts:?}");
            assert_eq!((whole.sensitive, whole.unknown), (expected.sensitive, expected.unknown), "{parts:?}");
        }
        assert_eq!(resolve(&Val::Template(vec![Val::Scalar("n=".into()), Val::Scalar(json!(7)), Val::Scalar(Json::Null)]), &L).value, json!("n=7"));
    }

    #[test]
    fn a_secret_hash_never_changes() {
        // State keeps these: a hash that changed would plan every secret as changed.
        assert_eq!(secret_hash("hunter2"), "sha256:1c89e6c135ff1e56506497363a0b90a29f4172c17172a731ad38e947c3e0e6ff");
        assert_eq!(hash_of(&json!("hunter2")), secret_hash("hunter2"));
        assert_eq!(hash_of(&json!({"a": 1})), secret_hash(r#"{"a":1}"#));
    }

    #[test]
    fn template_with_unknown_ref_is_unknown() {
        let t = Template::new().lit("a=").part(&Output::<String>::new("later", "arn"));
        let r = resolve(&val_of(&t), &L);
        assert_eq!(r.unknown, BTreeMap::from([(String::new(), "later.arn".to_owned())]));
        assert!(!r.is_complete());
    }

    #[test]
    fn secret_in_json_document_makes_it_secret_and_plans_as_a_hash() {
        let doc = Val::Doc(Box::new(Val::Map(vec![
            ("user".into(), Val::Scalar("pg".into())),
            ("password".into(), Val::Secret(SecretSource::env("SET"))),
        ])));
        let r = resolve(&Val::Map(vec![("s".into(), doc)]), &L);
        assert_eq!(r.value, json!({"s": r#"{"user":"pg","password":"hunter2"}"#}));
        let planned = r.planned();
        assert!(!planned.value.to_string().contains("hunter2"));
        assert_eq!(planned.value, json!({"s": secret_hash(r#"{"user":"pg","password":"hunter2"}"#)}));
        assert_eq!(planned.sensitive, BTreeSet::from(["/s".to_owned()]));
    }

    /// What a plan made when `later.arn` was not known yet.
    struct Planned;
    impl Lookup for Planned {
        fn output(&self, r: &str, a: &str) -> Option<Json> {
            (r == "known").then(|| Json::String(format!("planned:{a}")))
        }
        fn secret(&self, s: &SecretSource) -> Result<String, SecretError> {
            L.secret(s)
        }
    }
    /// At apply: `later.arn` is known, and `known.arn` reads otherwise than when planned.
    struct Applying;
    impl Lookup for Applying {
        fn output(&self, r: &str, a: &str) -> Option<Json> {
            Some(Json::String(format!("{r}:{a}")))
        }
        fn secret(&self, s: &SecretSource) -> Result<String, SecretError> {
            L.secret(s)
        }
    }

    #[test]
    fn an_apply_resolves_only_what_the_plan_could_not_hold() {
        let refer = |r: &'static str| val_of(&Output::<String>::new(r, "arn"));
        let declared = Val::Map(vec![
            ("known".into(), refer("known")),
            ("later".into(), Val::Template(vec![Val::Scalar("x-".into()), refer("later")])),
            ("list".into(), Val::List(vec![Val::Scalar(1.into()), refer("later")])),
            ("pass".into(), Val::Secret(SecretSource::env("SET"))),
            ("doc".into(), Val::Sensitive(Box::new(Val::Map(vec![("a/b~".into(), refer("later")), ("k".into(), Val::Scalar("v".into()))])))),
        ]);
        let planned = resolve(&declared, &Planned).into_planned();
        assert_eq!(planned.unknown.keys().collect::<Vec<_>>(), vec!["/doc/a~1b~0", "/later", "/list/1"]);
        let applied = complete(&planned, &declared, &Applying).expect("every marked part has its place");
        assert!(applied.is_complete());
        assert_eq!(
            applied.value,
            json!({"known": "planned:arn", "later": "x-later:arn", "list": [1, "later:arn"], "pass": "hunter2", "doc": {"a/b~": "later:arn", "k": "v"}}),
            "a part the plan knew is applied as planned"
        );
        assert_eq!(applied.sensitive, BTreeSet::from(["/doc".to_owned(), "/pass".to_owned()]));
        // Known at plan and at apply alike, it is what resolving the whole gives.
        let whole = resolve(&declared, &Applying);
        let known_now = |r: &Resolved| { let mut v = r.value.clone(); v["known"] = Json::Null; v };
        assert_eq!(known_now(&applied), known_now(&whole));
        // Still unknown at apply, or a secret that cannot be read: reported as by `resolve`.
        let still = complete(&planned, &declared, &Planned).unwrap();
        assert_eq!(still.unknown.keys().collect::<Vec<_>>(), vec!["/doc/a~1b~0", "/later", "/list/1"]);
        let unset = Val::Map(vec![("p".into(), Val::Secret(SecretSource::env("UNSET")))]);
        let r = complete(&resolve(&unset, &Planned).into_planned(), &unset, &Applying).unwrap();
        assert_eq!(r.first_unreadable(), Some(&SecretError::EnvUnset("UNSET".into())));
        // A mark with no place in the declaration: the caller resolves it whole.
        let elsewhere = Marked { unknown: BTreeMap::from([("/gone".to_owned(), "x.arn".to_owned())]), ..Marked::plain(json!({"gone": null})) };
        assert!(complete(&elsewhere, &declared, &Applying).is_none());
    }

    #[test]
    fn unreadable_secret_plans_as_null() {
        let r = resolve(&Val::Map(vec![("p".into(), Val::Secret(SecretSource::env("UNSET")))]), &L);
        assert_eq!(r.planned().value, json!({"p": null}));
        assert_eq!(r.first_unreadable(), Some(&SecretError::EnvUnset("UNSET".into())));
    }

    #[test]
    fn json_document_escapes_values() {
        let doc = Val::Doc(Box::new(Val::data(json!({"k": "quote\" and \\"}))));
        assert_eq!(resolve(&doc, &L).value, json!(r#"{"k":"quote\" and \\"}"#));
    }

    #[test]
    fn user_json_with_dollar_keys_round_trips_byte_for_byte() {
        let text = r##"{"$schema":"http://json-schema.org/draft-07/schema#","$ref":"#/definitions/x","definitions":{"x":{"$id":"x","type":"object","properties":{"$unknown":{"$sensitive":true},"$secret_source":"env:HOME","$tpl":["a"],"$json":{}}}}}"##;
        let doc: Json = serde_json::from_str(text).unwrap();
        let r = resolve(&Val::Doc(Box::new(Val::data(doc))), &L);
        assert!(r.is_complete() && r.sensitive.is_empty());
        assert_eq!(r.value, Json::String(text.to_owned()));
    }
}
