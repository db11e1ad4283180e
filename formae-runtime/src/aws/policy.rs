//! Typed IAM policy documents. A document is written as Rust (`PolicyDocument`,
//! `Statement`) and is, as data, IAM's own JSON policy language: plans, state and the
//! cloud all see `{"Version": …, "Statement": [{"Effect": …, "Action": …}]}`.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::AnyArn;
use crate::resource::Props;
use crate::value::{IntoProp, Value};

/// The policy language version written when a document names none.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Allow or Deny.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Grants.
    #[default]
    Allow,
    /// Refuses, overriding any grant.
    Deny,
}

/// Who a statement applies to (trust and resource policies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// An AWS service, e.g. `ecs-tasks.amazonaws.com`.
    Service(String),
    /// An AWS account or IAM entity, by ARN or account id.
    Aws(String),
    /// A web identity or SAML provider.
    Federated(String),
    /// Everyone (`"Principal": "*"`); narrow it with a condition.
    Any,
}

impl Principal {
    /// An AWS service principal.
    pub fn service(name: &str) -> Self {
        Principal::Service(name.to_owned())
    }

    /// An account or IAM entity principal, by ARN or account id.
    pub fn aws(arn: &str) -> Self {
        Principal::Aws(arn.to_owned())
    }
}

/// An IAM policy document.
#[derive(Debug, Clone, Default)]
pub struct PolicyDocument {
    /// The policy language version; `2012-10-17` if unset.
    pub version: Option<Value<String>>,
    /// The statements.
    pub statements: Vec<Statement>,
}

impl Props for PolicyDocument {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(PolicyDocument: statements);
}

/// One statement of a policy document.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    /// An optional statement id.
    pub sid: Option<Value<String>>,
    /// Allow or Deny.
    pub effect: Value<Effect>,
    /// Principals (trust and resource policies only).
    pub principals: Vec<Value<Principal>>,
    /// Actions, e.g. `secretsmanager:GetSecretValue`.
    pub actions: Vec<Value<String>>,
    /// Resources: any kind of ARN (permission policies only).
    pub resources: Vec<Value<AnyArn>>,
    /// Conditions, in IAM's JSON: `json!({ "Bool": { "aws:SecureTransport": "false" } })`.
    pub condition: Option<Value<serde_json::Value>>,
}

impl Props for Statement {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(Statement: effect, actions);
}

impl PolicyDocument {
    /// A trust policy letting the AWS service `service` (`ecs-tasks.amazonaws.com`) assume
    /// a role: `assume_role_policy: PolicyDocument::assumed_by("lambda.amazonaws.com")`.
    pub fn assumed_by(service: &str) -> Self {
        PolicyDocument {
            version: None,
            statements: vec![Statement {
                effect: Value::Lit(Effect::Allow),
                principals: vec![Value::Lit(Principal::service(service))],
                actions: vec![Value::Lit("sts:AssumeRole".to_owned())],
                ..Statement::default()
            }],
        }
    }

    /// The document in IAM's JSON policy language, from resolved values.
    pub fn to_iam_json(&self) -> serde_json::Value {
        // Serialising to JSON fails only for maps with keys that are not text; a document
        // has none.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// A document built by a helper function fills a document property as a literal would.
impl IntoProp<PolicyDocument> for PolicyDocument {
    fn into_prop(self) -> PolicyDocument {
        self
    }
}

impl IntoProp<Option<PolicyDocument>> for PolicyDocument {
    fn into_prop(self) -> Option<PolicyDocument> {
        Some(self)
    }
}

/// A list IAM accepts as one item when it holds one.
struct OneOrMany<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for OneOrMany<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

// Written as structs, not maps: the field names are static, and the stack's value tree
// borrows a struct's field names where it copies a map's keys.
impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("PolicyDocument", 2)?;
        match &self.version {
            Some(v) if !matches!(v, Value::Missing) => m.serialize_field("Version", v)?,
            _ => m.serialize_field("Version", POLICY_VERSION)?,
        }
        m.serialize_field("Statement", &self.statements)?;
        m.end()
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let present = [self.sid.is_some(), true, !self.principals.is_empty(), true, !self.resources.is_empty(), self.condition.is_some()];
        let mut m = s.serialize_struct("Statement", present.iter().filter(|p| **p).count())?;
        if let Some(sid) = &self.sid {
            m.serialize_field("Sid", sid)?;
        }
        m.serialize_field("Effect", &self.effect)?;
        if !self.principals.is_empty() {
            m.serialize_field("Principal", &Principals(&self.principals))?;
        }
        m.serialize_field("Action", &OneOrMany(&self.actions))?;
        if !self.resources.is_empty() {
            m.serialize_field("Resource", &OneOrMany(&self.resources))?;
        }
        if let Some(c) = &self.condition {
            m.serialize_field("Condition", c)?;
        }
        m.end()
    }
}

/// Principals as IAM groups them: `"*"` alone, or `{"AWS": …, "Service": …}`.
struct Principals<'a>(&'a [Value<Principal>]);

impl Serialize for Principals<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let literals: Vec<&Principal> = self.0.iter().filter_map(Value::get).collect();
        if let [Principal::Any] = literals.as_slice() {
            return s.serialize_str("*");
        }
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for p in literals {
            let (key, text) = match p {
                Principal::Service(x) => ("Service", x.as_str()),
                Principal::Aws(x) => ("AWS", x.as_str()),
                Principal::Federated(x) => ("Federated", x.as_str()),
                Principal::Any => ("AWS", "*"),
            };
            groups.entry(key).or_default().push(text);
        }
        let mut m = s.serialize_map(Some(groups.len()))?;
        for (key, texts) in &groups {
            m.serialize_entry(key, &OneOrMany(texts))?;
        }
        m.end()
    }
}

/// One item or a list of them, as IAM writes either.
#[derive(Deserialize)]
#[serde(untagged)]
enum Items<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items::Many(Vec::new())
    }
}

impl<T> Items<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Items::One(x) => vec![x],
            Items::Many(v) => v,
        }
    }
}

/// Principals as IAM writes them, or as a list of tagged principals (records written
/// before documents were IAM's JSON).
#[derive(Deserialize)]
#[serde(untagged)]
enum PrincipalsWire {
    Everyone(String),
    Grouped(BTreeMap<String, Items<String>>),
    Listed(Vec<Principal>),
}

impl PrincipalsWire {
    fn into_principals<E: serde::de::Error>(self) -> Result<Vec<Value<Principal>>, E> {
        let one = |p: Principal| Value::Lit(p);
        match self {
            PrincipalsWire::Everyone(s) if s == "*" => Ok(vec![one(Principal::Any)]),
            PrincipalsWire::Everyone(s) => Err(E::custom(format!("a principal is `\"*\"` or an object such as `{{\"Service\": …}}`, not `{s:?}`"))),
            PrincipalsWire::Listed(v) => Ok(v.into_iter().map(one).collect()),
            PrincipalsWire::Grouped(groups) => {
                let mut out = Vec::new();
                for (key, texts) in groups {
                    for text in texts.into_vec() {
                        out.push(one(match key.as_str() {
                            "Service" => Principal::Service(text),
                            "AWS" if text == "*" => Principal::Any,
                            "AWS" => Principal::Aws(text),
                            "Federated" => Principal::Federated(text),
                            other => return Err(E::custom(format!("unknown principal kind `{other}`: use Service, AWS or Federated"))),
                        }));
                    }
                }
                Ok(out)
            }
        }
    }
}

#[derive(Deserialize)]
struct DocumentWire {
    #[serde(rename = "Version", alias = "version", default)]
    version: Option<Value<String>>,
    // Read as JSON first, so that a statement's own error is told, not lost among the
    // forms an untagged list could take.
    #[serde(rename = "Statement", alias = "statements", default)]
    statements: serde_json::Value,
}

#[derive(Deserialize)]
struct StatementWire {
    #[serde(rename = "Sid", alias = "sid", default)]
    sid: Option<Value<String>>,
    #[serde(rename = "Effect", alias = "effect", default)]
    effect: Value<Effect>,
    #[serde(rename = "Principal", alias = "principals", default)]
    principals: Option<PrincipalsWire>,
    #[serde(rename = "Action", alias = "actions", default)]
    actions: Items<Value<String>>,
    #[serde(rename = "Resource", alias = "resources", default)]
    resources: Items<Value<AnyArn>>,
    #[serde(rename = "Condition", default)]
    condition: Option<Value<serde_json::Value>>,
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = DocumentWire::deserialize(d)?;
        let one = |j: serde_json::Value| Statement::deserialize(j).map_err(serde::de::Error::custom);
        let statements = match w.statements {
            serde_json::Value::Array(items) => items.into_iter().map(one).collect::<Result<_, _>>()?,
            serde_json::Value::Null => Vec::new(),
            single => vec![one(single)?],
        };
        Ok(PolicyDocument { version: w.version, statements })
    }
}

impl<'de> Deserialize<'de> for Statement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = StatementWire::deserialize(d)?;
        Ok(Statement {
            sid: w.sid,
            effect: w.effect,
            principals: w.principals.map(PrincipalsWire::into_principals).transpose()?.unwrap_or_default(),
            actions: w.actions.into_vec(),
            resources: w.resources.into_vec(),
            condition: w.condition,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn trust() -> PolicyDocument {
        PolicyDocument::assumed_by("lambda.amazonaws.com")
    }

    #[test]
    fn a_document_is_iams_json_and_reads_back_the_same() {
        let doc = serde_json::to_value(trust()).expect("serialises");
        assert_eq!(
            doc,
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        );
        let back: PolicyDocument = serde_json::from_value(doc.clone()).expect("reads back");
        assert_eq!(serde_json::to_value(back).expect("serialises"), doc);
    }

    #[test]
    fn everyone_lists_and_conditions_keep_their_iam_form() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]});
        let read: PolicyDocument = serde_json::from_value(doc.clone()).expect("reads");
        assert_eq!(read.statements[0].principals, vec![Value::Lit(Principal::Any)]);
        assert_eq!(serde_json::to_value(read).expect("serialises"), doc);
    }

    #[test]
    fn a_record_written_before_documents_were_iams_json_still_reads() {
        let old = json!({"statements": [{"effect": "Allow", "principals": [{"service": "ecs-tasks.amazonaws.com"}], "actions": ["sts:AssumeRole"]}]});
        let read: PolicyDocument = serde_json::from_value(old).expect("reads");
        assert_eq!(serde_json::to_value(read).expect("serialises"), serde_json::to_value(PolicyDocument {
            statements: vec![Statement { principals: vec![Value::Lit(Principal::service("ecs-tasks.amazonaws.com"))], ..trust().statements[0].clone() }],
            version: None,
        }).expect("serialises"));
    }

    #[test]
    fn an_unknown_principal_kind_is_refused_by_name() {
        let bad = json!({"Statement": [{"Effect": "Allow", "Principal": {"Robot": "r2"}, "Action": "x"}]});
        let err = serde_json::from_value::<PolicyDocument>(bad).expect_err("refused").to_string();
        assert!(err.contains("unknown principal kind `Robot`"), "{err}");
    }
}
