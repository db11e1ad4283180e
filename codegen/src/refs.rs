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

/// What a node says it holds, as `Type.Attribute`: its `format`, its `relationshipRef`,
/// or an IAM role ARN `pattern`.
pub fn annotation(node: &Json) -> Option<String> {
    if let Some(f) = node.get("format").and_then(Json::as_str).filter(|f| parse(f).is_some()) {
        return Some(f.to_owned());
    }
    if let Some(r) = node.get("relationshipRef") {
        let t = r.get("typeName").and_then(Json::as_str)?;
        let p = r.get("propertyPath").and_then(Json::as_str)?.strip_prefix("/properties/")?;
        let f = format!("{t}.{p}");
        return parse(&f).is_some().then_some(f);
    }
    let pattern = node.get("pattern").and_then(Json::as_str)?;
    (pattern.contains(":iam::") && pattern.contains(":role/")).then(|| "AWS::IAM::Role.Arn".to_owned())
}

/// What a property says it holds by its name alone, for names that mean one thing
/// across AWS (`ExecutionRoleArn`, `SubnetIds`); the plural form for lists.
pub fn by_name(name: &str) -> Option<&'static str> {
    const EXACT: &[(&str, &str)] = &[
        ("VpcId", "AWS::EC2::VPC.Id"),
        ("SubnetId", "AWS::EC2::Subnet.Id"),
        ("SubnetIds", "AWS::EC2::Subnet.Ids"),
        ("SecurityGroupId", "AWS::EC2::SecurityGroup.Id"),
        ("SecurityGroupIds", "AWS::EC2::SecurityGroup.Ids"),
        ("LogGroupName", "AWS::Logs::LogGroup.Name"),
    ];
    const SUFFIX: &[(&str, &str)] = &[("RoleArn", "AWS::IAM::Role.Arn"), ("RoleARN", "AWS::IAM::Role.Arn"), ("KmsKeyArn", "AWS::KMS::Key.Arn"), ("TopicArn", "AWS::SNS::Topic.Arn")];
    EXACT.iter().find(|(n, _)| *n == name).or_else(|| SUFFIX.iter().find(|(n, _)| name.ends_with(n))).map(|(_, f)| *f)
}

/// A type's own ARNs (read-only properties named `Arn` or `…Arn`): each is typed even
/// when no schema refers to it, so that it fits where any ARN goes (a policy's
/// `Resource`) and nowhere a text or another kind of ARN is wanted.
fn own_arns(schema: &Json) -> impl Iterator<Item = &str> {
    let read_only = schema.get("readOnlyProperties").and_then(Json::as_array).into_iter().flatten();
    read_only.filter_map(Json::as_str).filter_map(|p| p.strip_prefix("/properties/")).filter(|p| !p.contains('/') && p.ends_with("Arn"))
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
                    if let Some(f) = annotation(node) {
                        out.insert(f);
                    }
                    if let Some(Json::Object(props)) = m.get("properties") {
                        out.extend(props.keys().filter_map(|k| by_name(k)).map(str::to_owned));
                    }
                    m.values().for_each(|v| walk(v, out));
                }
                Json::Array(a) => a.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        for (t, s) in schemas {
            walk(s, &mut formats);
            formats.extend(own_arns(s).map(|p| format!("{t}.{p}")));
        }
        // The runtime's own references stand for their attribute even where no schema
        // annotates it (a secret's `Id` is its ARN), so the generated type's output is
        // the type the hand-written executors take.
        let known: std::collections::HashSet<&str> = schemas.iter().map(|(t, _)| t.as_str()).collect();
        formats.extend(RUNTIME.iter().map(|(f, _)| *f).filter(|f| parse(f).is_some_and(|(t, _)| known.contains(t))).map(str::to_owned));
        let singulars: std::collections::BTreeSet<String> =
            formats.iter().filter_map(|f| singular(f).or_else(|| parse(f).map(|_| f.clone()))).collect();
        let schemas: HashMap<&str, &Json> = schemas.iter().map(|(t, s)| (t.as_str(), s)).collect();
        // Annotations naming one property (`Bucket.Name`, `Bucket.BucketName`) are one
        // reference, keyed by that property.
        let mut keyed: BTreeMap<String, (String, Option<String>, Vec<String>)> = BTreeMap::new();
        for f in &singulars {
            let Some((t, attr)) = parse(f) else { continue };
            let prop = schemas.get(t).and_then(|s| target_property(t, attr, s));
            let key = format!("{t}.{}", prop.as_deref().unwrap_or(attr));
            keyed.entry(key).or_insert_with(|| (t.to_owned(), prop.clone(), Vec::new())).2.push(f.clone());
        }
        let name_of = |key: &str, formats: &[String]| -> String {
            if let Some((_, r)) = RUNTIME.iter().find(|(x, _)| *x == key || formats.iter().any(|f| f == x)) {
                return (*r).to_owned();
            }
            let (t, attr) = key.rsplit_once('.').unwrap_or((key, ""));
            let last = type_ident(t.rsplit("::").next().unwrap_or(t));
            if attr.to_ascii_lowercase().starts_with(&last.to_ascii_lowercase()) { pascal(attr) } else { format!("{last}{}", pascal(attr)) }
        };
        let runtime_of = |key: &str, formats: &[String]| RUNTIME.iter().find(|(x, _)| *x == key || formats.iter().any(|f| f == x)).map(|(_, r)| *r);
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (key, (_, _, fs)) in &keyed {
            if runtime_of(key, fs).is_none() {
                *counts.entry(name_of(key, fs)).or_default() += 1;
            }
        }
        let mut by_format = BTreeMap::new();
        let mut targets: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (key, (t, prop, fs)) in &keyed {
            let runtime = runtime_of(key, fs);
            let name = name_of(key, fs);
            let ident = if runtime.is_none() && counts.get(&name).copied().unwrap_or(0) > 1 {
                let svc = t.split("::").nth(1).unwrap_or_default();
                format!("{}{name}", pascal(svc))
            } else {
                name
            };
            let arn = key.ends_with("Arn");
            let r = RefType { ident: ident.clone(), format: fs.join(", "), arn, runtime };
            for f in fs {
                by_format.insert(f.clone(), r.clone());
            }
            if let Some(p) = prop {
                targets.entry(t.clone()).or_default().push((p.clone(), ident));
            }
        }
        Refs { by_format, targets }
    }

    /// The reference a singular annotation stands for.
    pub fn for_format(&self, format: &str) -> Option<String> {
        self.by_format.get(format).map(|r| r.ident.clone())
    }

    /// The reference `node` holds, unless it names an attribute of `own` (the type's own
    /// name is text its stack writes, not a reference).
    pub fn for_node(&self, node: &Json, name: &str, own: &str) -> Option<String> {
        let a = annotation(node).or_else(|| by_name(name).filter(|f| singular(f).is_none()).map(str::to_owned))?;
        let (t, _) = parse(&a)?;
        if t == own {
            return None;
        }
        self.for_format(&a)
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
        let bucket = json!({"properties": {"BucketName": {"type": "string"}, "Arn": {"type": "string"}}, "primaryIdentifier": ["/properties/BucketName"], "readOnlyProperties": ["/properties/Arn"]});
        let user = json!({"properties": {
            "Logs": {"type": "string", "format": "AWS::S3::Bucket.Name"},
            "Groups": {"type": "array", "format": "AWS::EC2::SecurityGroup.Ids", "items": {"type": "string"}},
            "Alias": {"type": "string", "format": "AWS::KMS::Alias.AliasName"}
        }});
        let refs = Refs::collect(&[("AWS::S3::Bucket".into(), bucket), ("AWS::X::User".into(), user)]);
        assert_eq!(refs.for_format("AWS::S3::Bucket.Name").as_deref(), Some("BucketName"));
        assert_eq!(refs.for_plural("AWS::EC2::SecurityGroup.Ids").as_deref(), Some("SecurityGroupId"));
        assert_eq!(refs.for_format("AWS::KMS::Alias.AliasName").as_deref(), Some("AliasName"));
        let mut targets = refs.targets_in("AWS::S3::Bucket");
        targets.sort();
        assert_eq!(targets, vec![("Arn".to_owned(), "BucketArn".to_owned()), ("BucketName".to_owned(), "BucketName".to_owned())], "a read-only ARN is typed though no one refers to it");
        assert!(refs.types().iter().any(|r| r.ident == "BucketArn" && r.arn));
        assert_eq!(refs.for_format("date-time"), None);
        let rel = json!({"type": "string", "relationshipRef": {"typeName": "AWS::S3::Bucket", "propertyPath": "/properties/Arn"}});
        let pattern = json!({"type": "string", "pattern": "^arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$"});
        assert_eq!(annotation(&rel).as_deref(), Some("AWS::S3::Bucket.Arn"));
        assert_eq!(annotation(&pattern).as_deref(), Some("AWS::IAM::Role.Arn"));
        assert_eq!(by_name("ServiceRoleArn"), Some("AWS::IAM::Role.Arn"));
        assert_eq!(by_name("SubnetIds"), Some("AWS::EC2::Subnet.Ids"));
        assert_eq!(by_name("RoleName"), None);
        assert_eq!(refs.for_node(&json!({"format": "AWS::S3::Bucket.Name"}), "Logs", "AWS::S3::Bucket"), None, "a type's own name is text");
    }

    #[test]
    fn the_runtimes_references_type_their_attribute_though_no_schema_names_it() {
        let secret = json!({"properties": {"Id": {"type": "string"}, "Name": {"type": "string"}}, "primaryIdentifier": ["/properties/Id"], "readOnlyProperties": ["/properties/Id"]});
        let cluster = json!({"properties": {"DBClusterArn": {"type": "string"}}, "primaryIdentifier": ["/properties/DBClusterIdentifier"], "readOnlyProperties": ["/properties/DBClusterArn"]});
        let refs = Refs::collect(&[("AWS::SecretsManager::Secret".into(), secret), ("AWS::RDS::DBCluster".into(), cluster)]);
        assert_eq!(refs.targets_in("AWS::SecretsManager::Secret"), vec![("Id".to_owned(), "SecretArn".to_owned())]);
        assert_eq!(refs.targets_in("AWS::RDS::DBCluster"), vec![("DBClusterArn".to_owned(), "DbClusterArn".to_owned())]);
        let types = refs.types();
        let cluster_ref = types.iter().find(|r| r.ident == "DbClusterArn").map(|r| r.runtime);
        assert_eq!(cluster_ref, Some(Some("DbClusterArn")), "the runtime's type, not a second one of the same name");
        assert!(refs.types().iter().all(|r| r.ident != "SecretId"));
    }
}
