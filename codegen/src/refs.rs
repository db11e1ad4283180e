//! Typed references: the schemas annotate a property with the attribute it holds
//! (`"format": "AWS::IAM::Role.Arn"`); each such attribute becomes a type of its own, which
//! the property takes and the attribute's output gives.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use crate::model::RefType;
use crate::names::{pascal, type_ident};

/// Attributes the runtime already has a type for: the hand-written types and the
/// generated ones then share it.
const RUNTIME: &[(&str, &str)] = &[
    ("AWS::IAM::Role.Arn", "RoleArn"),
    ("AWS::SecretsManager::Secret.Arn", "SecretArn"),
    ("AWS::SecretsManager::Secret.Id", "SecretArn"),
    ("AWS::IAM::ManagedPolicy.Arn", "PolicyArn"),
    ("AWS::RDS::DBCluster.Arn", "DbClusterArn"),
    ("AWS::RDS::DBInstance.Arn", "DbInstanceArn"),
];

/// Every typed reference and where it points.
pub struct Refs {
    /// Singular annotation → its type.
    by_format: BTreeMap<String, RefType>,
    /// Type name → `(property, reference)` of its properties that some annotation names.
    targets: HashMap<String, Vec<(String, String)>>,
}

/// `(type name, attribute)` of an annotation such as `AWS::IAM::Role.Arn`.
fn parse(format: &str) -> Option<(&str, &str)> {
    let (t, attr) = format.rsplit_once('.')?;
    let parts: Vec<&str> = t.split("::").collect();
    let ok = parts.len() == 3 && parts.iter().chain([&attr]).all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    ok.then_some((t, attr))
}

/// The singular of a plural annotation (`...SecurityGroup.Ids` → `...SecurityGroup.Id`).
fn singular(format: &str) -> Option<String> {
    let (t, attr) = parse(format)?;
    ["Ids", "Arns", "Names"].contains(&attr).then(|| format!("{t}.{}", &attr[..attr.len() - 1]))
}

impl Refs {
    /// Collects the annotations of every schema.
    pub fn collect(schemas: &[(String, Json)]) -> Refs {
        let mut formats = std::collections::BTreeSet::new();
        fn walk(node: &Json, out: &mut std::collections::BTreeSet<String>) {
            match node {
                Json::Object(m) => {
                    if let Some(Json::String(f)) = m.get("format") {
                        out.insert(f.clone());
                    }
                    m.values().for_each(|v| walk(v, out));
                }
                Json::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        for (_, s) in schemas {
            walk(s, &mut formats);
        }
        let singulars: std::collections::BTreeSet<String> =
            formats.iter().filter_map(|f| singular(f).or_else(|| parse(f).map(|_| f.clone()))).collect();
        // Name each; two annotations wanting one name both take their service's name first.
        let wanted: Vec<(String, String)> = singulars
            .iter()
            .filter_map(|f| {
                let (t, attr) = parse(f)?;
                if let Some((_, r)) = RUNTIME.iter().find(|(x, _)| x == f) {
                    return Some((f.clone(), (*r).to_owned()));
                }
                let last = type_ident(t.rsplit("::").next().unwrap_or(t));
                let name = if attr.starts_with(last.as_str()) { pascal(attr) } else { format!("{last}{}", pascal(attr)) };
                Some((f.clone(), name))
            })
            .collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (f, n) in &wanted {
            if !RUNTIME.iter().any(|(x, _)| x == f) {
                *counts.entry(n.as_str()).or_default() += 1;
            }
        }
        let mut by_format = BTreeMap::new();
        for (f, n) in &wanted {
            let runtime = RUNTIME.iter().find(|(x, _)| x == f).map(|(_, r)| *r);
            let ident = if runtime.is_none() && counts.get(n.as_str()).copied().unwrap_or(0) > 1 {
                let svc = f.split("::").nth(1).unwrap_or_default();
                format!("{}{n}", pascal(svc))
            } else {
                n.clone()
            };
            let arn = f.ends_with(".Arn");
            by_format.insert(f.clone(), RefType { ident, format: f.clone(), arn, runtime });
        }
        let schemas: HashMap<&str, &Json> = schemas.iter().map(|(t, s)| (t.as_str(), s)).collect();
        let mut targets: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (f, r) in &by_format {
            let Some((t, attr)) = parse(f) else { continue };
            let Some(schema) = schemas.get(t) else { continue };
            if let Some(prop) = target_property(t, attr, schema) {
                targets.entry(t.to_owned()).or_default().push((prop, r.ident.clone()));
            }
        }
        Refs { by_format, targets }
    }

    /// The reference a singular annotation stands for.
    pub fn for_format(&self, format: &str) -> Option<String> {
        self.by_format.get(format).map(|r| r.ident.clone())
    }

    /// The item reference of a plural annotation on a list.
    pub fn for_plural(&self, format: &str) -> Option<String> {
        singular(format).and_then(|s| self.for_format(&s))
    }

    /// `(property, reference)` of `type_name`'s properties some annotation names.
    pub fn targets_in(&self, type_name: &str) -> Vec<(String, String)> {
        self.targets.get(type_name).cloned().unwrap_or_default()
    }

    /// Every reference type, in annotation order, each once.
    pub fn types(&self) -> Vec<RefType> {
        let mut seen = std::collections::HashSet::new();
        self.by_format.values().filter(|r| seen.insert(r.ident.clone())).cloned().collect()
    }
}

/// The property of `type_name` an attribute names: itself (`Arn`), the type's name before
/// it (`Name` of a bucket is `BucketName`), or the sole primary identifier for `Id`,
/// `Name` and `Arn`.
fn target_property(type_name: &str, attr: &str, schema: &Json) -> Option<String> {
    let props = schema.get("properties")?.as_object()?;
    if props.contains_key(attr) {
        return Some(attr.to_owned());
    }
    let last = type_name.rsplit("::").next().unwrap_or(type_name);
    let joined = format!("{last}{attr}");
    if props.contains_key(&joined) {
        return Some(joined);
    }
    let ids: Vec<&str> = schema.get("primaryIdentifier")?.as_array()?.iter().filter_map(Json::as_str).collect();
    match ids.as_slice() {
        [one] if ["Id", "Name", "Arn"].contains(&attr) => one.strip_prefix("/properties/").filter(|p| !p.contains('/')).map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn annotations_name_types_and_find_the_property_they_come_from() {
        let bucket = json!({"properties": {"BucketName": {"type": "string"}, "Arn": {"type": "string"}}, "primaryIdentifier": ["/properties/BucketName"]});
        let user = json!({"properties": {
            "Logs": {"type": "string", "format": "AWS::S3::Bucket.Name"},
            "Groups": {"type": "array", "format": "AWS::EC2::SecurityGroup.Ids", "items": {"type": "string"}},
            "Alias": {"type": "string", "format": "AWS::KMS::Alias.AliasName"}
        }});
        let refs = Refs::collect(&[("AWS::S3::Bucket".into(), bucket), ("AWS::X::User".into(), user)]);
        assert_eq!(refs.for_format("AWS::S3::Bucket.Name").as_deref(), Some("BucketName"));
        assert_eq!(refs.for_plural("AWS::EC2::SecurityGroup.Ids").as_deref(), Some("SecurityGroupId"));
        assert_eq!(refs.for_format("AWS::KMS::Alias.AliasName").as_deref(), Some("AliasName"));
        assert_eq!(refs.targets_in("AWS::S3::Bucket"), vec![("BucketName".to_owned(), "BucketName".to_owned())]);
        assert_eq!(refs.for_format("date-time"), None);
    }
}
