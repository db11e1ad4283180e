//! Families: one resource per key, from a list parameter or a literal list
//! (`resource creds[t in tenants] = Secret { .. };`). Each member's address is the family's
//! name and its key, `creds["a"]`, so removing a key touches only its member.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use crate::resource::ParamDefault;

/// A list parameter: `--param tenants=a,b` or `--param 'tenants=["a","b"]'`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct List<T>(pub Vec<T>);

impl<T> List<T> {
    /// The items, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

impl FromStr for List<String> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.starts_with('[') {
            return serde_json::from_str::<Vec<String>>(t)
                .map(List)
                .map_err(|e| format!("not a JSON list of strings ({e}): write a,b or [\"a\",\"b\"]"));
        }
        if t.is_empty() {
            return Ok(List(Vec::new()));
        }
        Ok(List(t.split(',').map(|x| x.trim().to_owned()).collect()))
    }
}

impl<T: fmt::Display> fmt::Display for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{x}")?;
        }
        Ok(())
    }
}

/// A map parameter: `--param sizes=a=small,b=large` or `--param 'sizes={"a":"small"}'`.
/// As a family's keys, its keys; `resource q[(tenant, size) in sizes]` also binds each
/// key's value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Map<V>(pub std::collections::BTreeMap<String, V>);

impl<V> FromStr for Map<V>
where
    V: FromStr + serde::de::DeserializeOwned,
    V::Err: fmt::Display,
{
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.starts_with('{') {
            return serde_json::from_str(t)
                .map(Map)
                .map_err(|e| format!("not a JSON object of this map's values ({e}): write a=x,b=y or {{\"a\":\"x\"}}"));
        }
        let mut map = std::collections::BTreeMap::new();
        for pair in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not key=value: write a=x,b=y"))?;
            let value = v.trim().parse::<V>().map_err(|e| format!("`{}` for `{}`: {e}", v.trim(), k.trim()))?;
            if map.insert(k.trim().to_owned(), value).is_some() {
                return Err(format!("`{}` is given twice", k.trim()));
            }
        }
        Ok(Map(map))
    }
}

impl<V: fmt::Display> fmt::Display for Map<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

impl<const N: usize> ParamDefault<Map<String>> for [(&str, &str); N] {
    fn param_default(self) -> Map<String> {
        Map(self.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }
}

impl<V: Clone, const N: usize> ParamDefault<Map<V>> for [(&str, V); N] {
    fn param_default(self) -> Map<V> {
        Map(self.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }
}

impl<const N: usize> ParamDefault<List<String>> for [&str; N] {
    fn param_default(self) -> List<String> {
        List(self.iter().map(|s| (*s).to_owned()).collect())
    }
}

/// Where a family's keys come from: a `List<String>` parameter.
#[diagnostic::on_unimplemented(
    message = "a family's keys come from a `List<String>` parameter, and this one is `{Self}`",
    label = "not a list of keys",
    note = "declare `param tenants: List<String> = [\"a\", \"b\"];` and write `resource creds[tenant in tenants] = ...`"
)]
pub trait FamilyKeys {
    /// The keys, in order.
    fn family_keys(&self) -> Vec<String>;
}

impl FamilyKeys for List<String> {
    fn family_keys(&self) -> Vec<String> {
        self.0.clone()
    }
}

impl<V> FamilyKeys for Map<V> {
    fn family_keys(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

/// What `resource q[(key, value) in param]` reads its values from: a `Map` parameter.
#[diagnostic::on_unimplemented(
    message = "a family binds a value to each key only from a `Map<..>` parameter, and this one is `{Self}`",
    label = "not a map",
    note = "declare `param sizes: Map<String> = [(\"a\", \"small\")];` and write `resource q[(tenant, size) in sizes] = ...`"
)]
pub trait FamilyValues {
    /// The value a key's member is built with.
    type Value;
    /// The value of `key`.
    fn value_of(&self, key: &str) -> Self::Value;
}

impl<V: Clone + Default> FamilyValues for Map<V> {
    type Value = V;
    fn value_of(&self, key: &str) -> V {
        // The keys iterated are this map's own.
        self.0.get(key).cloned().unwrap_or_default()
    }
}

/// The value of the member `key` from its map parameter; used by the code `stack!` generates.
pub fn value_of<P: FamilyValues>(param: &P, key: &str) -> P::Value {
    param.value_of(key)
}

/// The keys of a family from its parameter; used by the code `stack!` generates.
pub fn keys_of<P: FamilyKeys>(param: &P) -> Vec<String> {
    param.family_keys()
}

/// Keeps each name once for the life of the program: a member's address, built when its
/// stack is, is then as cheap to copy as a name written in the stack.
pub fn intern(name: String) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Keeps each list of names once for the life of the program (see [`intern`]).
pub fn intern_list(names: Vec<&'static str>) -> &'static [&'static str] {
    static LISTS: OnceLock<Mutex<HashSet<&'static [&'static str]>>> = OnceLock::new();
    let mut lists = LISTS.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = lists.get(names.as_slice()) {
        return known;
    }
    let leaked: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    lists.insert(leaked);
    leaked
}

/// The address of the member `key` of the family `family`: `creds["a"]`.
pub fn address(family: &str, key: &str) -> &'static str {
    intern(format!("{family}[{key:?}]"))
}

/// The value of the ownership tag `formae:resource` for `address`: AWS takes letters,
/// digits, spaces and `_.:/=+-@` in tag values, so a member `creds["a"]` is tagged
/// `creds/a`.
pub fn tag_value(address: &str) -> std::borrow::Cow<'_, str> {
    match address.split_once("[\"") {
        Some((family, rest)) => {
            let key = rest.strip_suffix("\"]").unwrap_or(rest);
            let key: String = serde_json::from_str(&format!("\"{key}\"")).unwrap_or_else(|_| key.to_owned());
            std::borrow::Cow::Owned(format!("{family}/{key}"))
        }
        None => std::borrow::Cow::Borrowed(address),
    }
}

/// What is wrong with the keys of a family, each as a sentence naming the family and the
/// key: empty, repeated, or with characters AWS refuses in the ownership tag.
pub fn key_problems(family: &str, source: &str, keys: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for k in keys {
        let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
        if k.is_empty() {
            problems.push(format!("`{family}`: {source} holds an empty key; every member needs a name"));
        } else if !k.chars().all(allowed) {
            problems.push(format!("`{family}[{k:?}]`: a key holds only letters, digits, spaces and _.:/=+-@ (AWS's tag values); rename it in {source}"));
        } else if k.chars().count() > 128 {
            problems.push(format!("`{family}[{k:?}]`: a key is at most 128 characters; shorten it in {source}"));
        }
        if !seen.insert(k.as_str()) {
            problems.push(format!("`{family}[{k:?}]`: {source} lists {k:?} twice; each key makes one member"));
        }
    }
    problems
}

/// A family as other resources refer to it: its members' typed outputs, by key or all.
pub struct Family<O> {
    name: &'static str,
    keys: Vec<String>,
    outputs: fn(&'static str) -> O,
}

impl<O> Family<O> {
    /// The family `name` with members `keys`, whose outputs `outputs` gives.
    pub fn new(name: &'static str, keys: Vec<String>, outputs: fn(&'static str) -> O) -> Self {
        Family { name, keys, outputs }
    }

    /// The keys, in order.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Whether `key` is a member's.
    pub fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// The members' addresses, in key order.
    pub fn addresses(&self) -> Vec<&'static str> {
        self.keys.iter().map(|k| address(self.name, k)).collect()
    }

    /// The outputs of the member `key`: `creds["a"].arn`.
    pub fn member(&self, key: &str) -> O {
        (self.outputs)(address(self.name, key))
    }

    /// The outputs of every member, in key order: `creds[..].arn`.
    pub fn all(&self) -> Vec<O> {
        self.keys.iter().map(|k| self.member(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_from_commas_or_json_and_print_back() {
        assert_eq!("a, b".parse::<List<String>>().unwrap(), List(vec!["a".into(), "b".into()]));
        assert_eq!(r#"["a,1","b"]"#.parse::<List<String>>().unwrap(), List(vec!["a,1".into(), "b".into()]));
        assert_eq!("".parse::<List<String>>().unwrap(), List(vec![]));
        assert!("[1, 2]".parse::<List<String>>().unwrap_err().contains("not a JSON list of strings"));
        assert_eq!(List(vec!["a".to_owned(), "b".to_owned()]).to_string(), "a,b");
    }

    #[test]
    fn maps_parse_from_pairs_or_json_and_print_back() {
        let m: Map<String> = "a=small, b=large".parse().unwrap();
        assert_eq!(m.to_string(), "a=small,b=large");
        assert_eq!(r#"{"a":"small"}"#.parse::<Map<String>>().unwrap().0["a"], "small");
        assert!("a".parse::<Map<String>>().unwrap_err().contains("not key=value"));
        assert!("a=1,a=2".parse::<Map<String>>().unwrap_err().contains("twice"));
        assert_eq!(m.family_keys(), ["a", "b"]);
        assert_eq!(value_of(&m, "b"), "large");
        let n: Map<u32> = "a=30,b=60".parse().unwrap();
        assert_eq!(value_of(&n, "b"), 60);
        assert!("a=x".parse::<Map<u32>>().unwrap_err().contains("`x` for `a`"));
    }

    #[test]
    fn addresses_are_interned_and_tagged_in_aws_characters() {
        let a = address("creds", "a");
        assert_eq!(a, r#"creds["a"]"#);
        assert!(std::ptr::eq(a, address("creds", "a")), "one copy per address");
        assert_eq!(tag_value(a), "creds/a");
        assert_eq!(tag_value("db"), "db");
        assert!(std::ptr::eq(intern_list(vec![a]), intern_list(vec![a])));
    }

    #[test]
    fn bad_keys_are_named() {
        let keys = ["a".to_owned(), "a".to_owned(), "".to_owned(), "x\"y".to_owned()];
        let p = key_problems("creds", "parameter `tenants`", &keys);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("lists \"a\" twice"), "{p:?}");
        assert!(p[1].contains("empty key"), "{p:?}");
        assert!(p[2].starts_with(r#"`creds["x\"y"]`"#), "{p:?}");
    }
}
