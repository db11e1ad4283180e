//! Reading resource provider schemas into the [`Model`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value as Json};

use crate::model::*;
use crate::names::{field_ident, pascal, type_ident};
use crate::refs::Refs;

/// Names generated items must not take: they would shadow what the generated code uses.
const RESERVED: &[&str] = &["Option", "Vec", "String", "Box", "Result", "Default", "Some", "None", "Ok", "Err", "Self"];

/// The Rust name of a resource type: the last part of its name, unless reserved.
fn resource_ident(type_name: &str) -> String {
    let ident = type_ident(type_name.rsplit("::").next().unwrap_or(type_name));
    if RESERVED.contains(&ident.as_str()) {
        format!("{ident}Resource")
    } else {
        ident
    }
}

/// Builds the model from `(type name, schema)` pairs, in type-name order.
pub fn build(schemas: &[(String, Json)]) -> Model {
    let refs = Refs::collect(schemas);
    let mut services: BTreeMap<String, Vec<&(String, Json)>> = BTreeMap::new();
    for s in schemas {
        services.entry(service_of(&s.0).0).or_default().push(s);
    }
    let services = services
        .into_iter()
        .map(|(module, types)| {
            let name = service_of(&types[0].0).1;
            ServiceBuilder::new(&refs, &types).build(module, name)
        })
        .collect();
    Model { services, refs: refs.types() }
}

/// `(module, service name)` of a type name: `AWS::S3::Bucket` is `s3`, `S3`.
pub fn service_of(type_name: &str) -> (String, String) {
    let parts: Vec<&str> = type_name.split("::").collect();
    let svc = parts.get(1).copied().unwrap_or("unknown");
    if parts.first() == Some(&"AWS") {
        (svc.to_ascii_lowercase(), svc.to_owned())
    } else {
        ((format!("{}{svc}", parts.first().copied().unwrap_or(""))).to_ascii_lowercase(), format!("{}{svc}", parts.first().copied().unwrap_or("")))
    }
}

/// The property name a `/properties/A` pointer names at the top level; `None` for deeper.
fn top_level(pointer: &str) -> Option<&str> {
    pointer.strip_prefix("/properties/").filter(|p| !p.contains('/'))
}

fn pointers(schema: &Json, key: &str) -> Vec<String> {
    schema.get(key).and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).map(str::to_owned).collect()
}

fn text(node: &Json, key: &str) -> String {
    node.get(key).and_then(Json::as_str).unwrap_or_default().trim().to_owned()
}

struct ServiceBuilder<'a> {
    refs: &'a Refs,
    types: &'a [&'a (String, Json)],
    items: Vec<Item>,
    taken: HashSet<String>,
    /// Definitions by `(name, canonical form)`: identical ones are shared.
    shared: HashMap<(String, String), String>,
    /// The form of each definition name that most types share: it alone takes the plain
    /// name; other forms are named by their type.
    common: HashMap<String, String>,
    /// Enums by `(ident, values)`.
    enums: HashMap<(String, Vec<String>), String>,
}

/// What resolving a type's properties needs: the type's definitions and the definitions
/// being resolved (a definition within itself becomes JSON).
struct Scope<'s> {
    type_name: &'s str,
    type_ident: &'s str,
    defs: &'s Map<String, Json>,
    stack: Vec<String>,
}

impl<'a> ServiceBuilder<'a> {
    fn new(refs: &'a Refs, types: &'a [&'a (String, Json)]) -> Self {
        let mut taken: HashSet<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
        for (t, _) in types.iter().map(|x| (&x.0, &x.1)) {
            let ident = resource_ident(t);
            taken.insert(format!("{ident}Outputs"));
            taken.insert(ident);
        }
        let mut forms: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
        for (_, schema) in types.iter().map(|x| (&x.0, &x.1)) {
            let empty = Map::new();
            let defs = schema.get("definitions").and_then(Json::as_object).unwrap_or(&empty);
            for name in defs.keys() {
                *forms.entry(name.clone()).or_default().entry(canonical(defs, name)).or_default() += 1;
            }
        }
        // The most shared form; among equals, the first in order, so generation is stable.
        let common = forms
            .into_iter()
            .filter_map(|(name, counts)| {
                let top = counts.values().copied().max()?;
                counts.into_iter().find(|(_, n)| *n == top).map(|(form, _)| (name, form))
            })
            .collect();
        ServiceBuilder {
            refs,
            types,
            items: Vec::new(),
            taken,
            shared: HashMap::new(),
            common,
            enums: HashMap::new(),
        }
    }

    fn build(mut self, module: String, name: String) -> Service {
        for (type_name, schema) in self.types.iter().map(|x| (&x.0, &x.1)) {
            let at = self.items.len();
            let resource = self.resource(type_name, schema);
            self.items.insert(at, Item::Resource(resource));
        }
        Service { module, name, items: self.items }
    }

    fn unique(&mut self, wanted: String) -> String {
        let mut ident = wanted.clone();
        let mut n = 2;
        while self.taken.contains(&ident) {
            ident = format!("{wanted}{n}");
            n += 1;
        }
        self.taken.insert(ident.clone());
        ident
    }

    fn resource(&mut self, type_name: &str, schema: &Json) -> ResourceType {
        let ident = resource_ident(type_name);
        let empty = Map::new();
        let defs = schema.get("definitions").and_then(Json::as_object).unwrap_or(&empty);
        let props = schema.get("properties").and_then(Json::as_object).unwrap_or(&empty);
        let read_only: Vec<String> = pointers(schema, "readOnlyProperties").iter().filter_map(|p| top_level(p)).map(str::to_owned).collect();
        let write_only: Vec<String> = pointers(schema, "writeOnlyProperties").iter().filter_map(|p| top_level(p)).map(str::to_owned).collect();
        let required: HashSet<&str> = schema.get("required").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect();
        let handlers = schema.get("handlers").and_then(Json::as_object);
        let can_update = handlers.is_some_and(|h| h.contains_key("update"));
        let can_list = handlers.is_some_and(|h| h.contains_key("list"));
        let timeout_minutes = handlers
            .and_then(|h| h.get("create"))
            .and_then(|c| c.get("timeoutInMinutes"))
            .and_then(Json::as_u64)
            .unwrap_or(120);

        let mut scope = Scope { type_name, type_ident: &ident, defs, stack: Vec::new() };
        let mut fields = Vec::new();
        let mut outputs = Vec::new();
        let mut idents = HashSet::new();
        let targets = self.refs.targets_in(type_name);
        for (wire, node) in props {
            let is_read_only = read_only.contains(wire);
            if !is_read_only {
                let mut field = self.field(&mut scope, &ident, wire, node, required.contains(wire.as_str()), &mut idents);
                let secret = formae_macros_core::secrets::names_a_secret(&field.ident) || node.get("format").and_then(Json::as_str) == Some("password");
                if field.ty == Ty::Str && write_only.contains(wire) && secret {
                    field.ty = Ty::Sensitive;
                    field.rules.clear();
                }
                fields.push(field);
            }
            // Outputs: what only the cloud sets, what identifies the resource, and what
            // another type's property says it holds.
            let target = targets.iter().find(|(prop, _)| prop == wire).map(|(_, r)| r.clone());
            let identifies = pointers(schema, "primaryIdentifier").iter().any(|p| top_level(p) == Some(wire));
            // A secret only the cloud knows (an access key's secret) is no output: outputs
            // are recorded in state and shown in plans.
            let secret = formae_macros_core::secrets::names_a_secret(&field_ident(wire));
            if (is_read_only || identifies || target.is_some()) && !secret {
                let ty = match target {
                    Some(r) => Ty::Ref(r),
                    None => scalar(defs, node),
                };
                outputs.push(OutputField { ident: field_ident(wire), wire: wire.clone(), doc: text(node, "description"), ty });
            }
        }
        let primary_identifier: Vec<String> = pointers(schema, "primaryIdentifier").iter().filter_map(|p| top_level(p)).map(str::to_owned).collect();
        let identity = primary_identifier.iter().filter(|p| !read_only.contains(p)).cloned().collect();
        let mut create_only: Vec<String> = pointers(schema, "createOnlyProperties").iter().filter_map(|p| top_level(p)).map(str::to_owned).collect();
        if !can_update {
            create_only = fields.iter().map(|f| f.wire.clone()).collect();
        }
        let unordered = props
            .iter()
            .filter(|(k, v)| !read_only.contains(k) && v.get("insertionOrder") == Some(&Json::Bool(false)))
            .map(|(k, _)| k.clone())
            .collect();
        let tagging = tagging(schema, props);
        let sent_on_update = write_only_paths(schema)
            .iter()
            .filter_map(|p| p.split('/').next())
            .filter(|p| required.contains(p))
            .fold(Vec::new(), |mut out, p| {
                if !out.iter().any(|x: &String| x == p) {
                    out.push(p.to_owned());
                }
                out
            });
        ResourceType {
            ident,
            type_name: type_name.to_owned(),
            doc: text(schema, "description"),
            fields,
            outputs,
            meta: Meta { sent_on_update, create_only, write_only: write_only_paths(schema), identity, primary_identifier, read_only, unordered, tagging, can_update, can_list, timeout_minutes },
        }
    }

    fn field(&mut self, scope: &mut Scope, parent: &str, wire: &str, node: &Json, required: bool, idents: &mut HashSet<String>) -> Field {
        let mut ident = field_ident(wire);
        let mut n = 2;
        while !idents.insert(ident.clone()) {
            ident = format!("{}_{n}", field_ident(wire));
            n += 1;
        }
        let ty = self.resolve(scope, parent, wire, node);
        let node = self.deref(scope, node);
        let mut rules = Vec::new();
        match ty {
            Ty::Str => {
                let (min, max) = (node.get("minLength").and_then(Json::as_u64), node.get("maxLength").and_then(Json::as_u64));
                if min.is_some() || max.is_some() {
                    rules.push(Rule::Length(min.unwrap_or(0), max.unwrap_or(u64::from(u32::MAX))));
                }
                if let Some(pattern) = node.get("pattern").and_then(Json::as_str) {
                    if let Some(nodes) = crate::pattern::translate(pattern) {
                        rules.push(Rule::Pattern(pattern.to_owned(), nodes));
                    }
                }
            }
            Ty::Int | Ty::Num => {
                let (min, max) = (node.get("minimum").and_then(Json::as_f64), node.get("maximum").and_then(Json::as_f64));
                if min.is_some() || max.is_some() {
                    rules.push(Rule::Range(min.unwrap_or(f64::NEG_INFINITY), max.unwrap_or(f64::INFINITY)));
                }
            }
            _ => {}
        }
        Field { ident, wire: wire.to_owned(), doc: text(node, "description"), ty, required, rules }
    }

    /// The node a `$ref` points at, or the node itself.
    fn deref<'n>(&self, scope: &'n Scope, node: &'n Json) -> &'n Json {
        match def_ref(node) {
            Some(name) => scope.defs.get(name).unwrap_or(node),
            None => node,
        }
    }

    /// What `node` holds; nested structures and enums are added to the service as met.
    /// `parent` and `wire` name inline ones.
    fn resolve(&mut self, scope: &mut Scope, parent: &str, wire: &str, node: &Json) -> Ty {
        if crate::policies::holds_policy(scope.type_name, wire, self.deref(scope, node)) {
            return Ty::Policy;
        }
        if let Some(name) = def_ref(node) {
            let Some(def) = scope.defs.get(name) else { return Ty::Json };
            if scope.stack.iter().any(|s| s == name) {
                return Ty::Json;
            }
            if is_struct(def) {
                return Ty::Struct(self.definition(scope, name, def));
            }
            scope.stack.push(name.to_owned());
            let ty = self.resolve(scope, &type_ident(name), "", def);
            scope.stack.pop();
            return ty;
        }
        if node.get("$ref").is_some() {
            return Ty::Json;
        }
        let kind = match node.get("type") {
            Some(Json::String(s)) => Some(s.as_str()),
            Some(Json::Array(a)) => {
                let kinds: Vec<&str> = a.iter().filter_map(Json::as_str).filter(|k| *k != "null").collect();
                if kinds.len() == 1 {
                    Some(kinds[0])
                } else {
                    None
                }
            }
            _ if is_struct(node) => Some("object"),
            _ => None,
        };
        let format = node.get("format").and_then(Json::as_str).unwrap_or_default();
        match kind {
            Some("string") => {
                if let Some(r) = self.refs.for_node(node, wire, scope.type_name) {
                    return Ty::Ref(r);
                }
                if format == "json" {
                    return Ty::Json;
                }
                match node.get("enum").and_then(Json::as_array) {
                    Some(values) if !values.is_empty() && values.iter().all(Json::is_string) => {
                        let values: Vec<String> = values.iter().filter_map(Json::as_str).map(str::to_owned).collect();
                        Ty::Enum(self.enumeration(format!("{parent}{}", pascal(wire)), text(node, "description"), values))
                    }
                    _ => Ty::Str,
                }
            }
            Some("integer") => Ty::Int,
            Some("number") => Ty::Num,
            Some("boolean") => Ty::Bool,
            Some("array") => {
                let item = match node.get("items") {
                    Some(items) => {
                        // A plural annotation on the list (`AWS::EC2::Subnet.Ids`) types its items.
                        let item = self.resolve(scope, parent, wire, items);
                        let plural = if format.is_empty() { crate::refs::by_name(wire).unwrap_or_default() } else { format };
                        let own = plural.starts_with(&format!("{}.", scope.type_name));
                        match (item, self.refs.for_plural(plural)) {
                            (Ty::Str, Some(r)) if !own => Ty::Ref(r),
                            (t, _) => t,
                        }
                    }
                    None => Ty::Json,
                };
                match item {
                    Ty::List(_) => Ty::List(Box::new(Ty::Json)),
                    t => Ty::List(Box::new(t)),
                }
            }
            Some("object") if is_struct(node) => {
                let ident = self.unique(format!("{parent}{}", pascal(wire)));
                self.structure(scope, ident.clone(), node);
                Ty::Struct(ident)
            }
            _ => Ty::Json,
        }
    }

    /// The struct for definition `name`: shared in the service when every type that has a
    /// definition of that name has it the same.
    fn definition(&mut self, scope: &mut Scope, name: &str, def: &Json) -> String {
        let form = canonical(scope.defs, name);
        let key = (name.to_owned(), form);
        if let Some(ident) = self.shared.get(&key) {
            return ident.clone();
        }
        let plain = type_ident(name);
        // The name of a resource type is taken: `Policy` of a role is `PolicyProperty`.
        let base = if self.common.get(name) == Some(&key.1) { plain } else { format!("{}{plain}", scope.type_ident) };
        let property = format!("{base}Property");
        let ident = if !self.taken.contains(&base) { self.unique(base) } else { self.unique(property) };
        self.shared.insert(key, ident.clone());
        scope.stack.push(name.to_owned());
        self.structure(scope, ident.clone(), def);
        scope.stack.pop();
        ident
    }

    fn structure(&mut self, scope: &mut Scope, ident: String, node: &Json) {
        // Reserve the place first, so a structure comes before those it holds.
        let at = self.items.len();
        self.items.push(Item::Struct(StructDef { ident: ident.clone(), doc: String::new(), fields: Vec::new() }));
        let empty = Map::new();
        let props = node.get("properties").and_then(Json::as_object).unwrap_or(&empty);
        let required: HashSet<&str> = node.get("required").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect();
        let mut idents = HashSet::new();
        let fields = props.iter().map(|(wire, p)| self.field(scope, &ident, wire, p, required.contains(wire.as_str()), &mut idents)).collect();
        self.items[at] = Item::Struct(StructDef { ident, doc: text(node, "description"), fields });
    }

    fn enumeration(&mut self, wanted: String, doc: String, values: Vec<String>) -> String {
        let key = (wanted.clone(), values.clone());
        if let Some(ident) = self.enums.get(&key) {
            return ident.clone();
        }
        let ident = self.unique(wanted);
        self.enums.insert(key, ident.clone());
        let mut seen = HashSet::new();
        let mut variants = Vec::new();
        for v in values {
            if !seen.insert(v.clone()) {
                continue;
            }
            let base = crate::names::variant(&v);
            let mut name = base.clone();
            let mut n = 2;
            while variants.iter().any(|(x, _): &(String, String)| *x == name) {
                name = format!("{base}{n}");
                n += 1;
            }
            variants.push((name, v));
        }
        self.items.push(Item::Enum(EnumDef { ident: ident.clone(), doc, values: variants }));
        ident
    }
}

/// Every write-only property as a path below the properties, array items not counted
/// (`/properties/Ingress/*/Secret` is `Ingress/Secret`): a top-level one is never read
/// back, and a change under a nested one goes to Cloud Control as `add`.
fn write_only_paths(schema: &Json) -> Vec<String> {
    let mut out: Vec<String> = pointers(schema, "writeOnlyProperties")
        .iter()
        .filter_map(|p| p.strip_prefix("/properties/"))
        .map(|p| p.split('/').filter(|s| *s != "*").collect::<Vec<_>>().join("/"))
        .collect();
    out.dedup();
    out
}

/// What an output holds: text, a number or a boolean as the schema says, else JSON.
fn scalar(defs: &Map<String, Json>, node: &Json) -> Ty {
    let node = def_ref(node).and_then(|n| defs.get(n)).unwrap_or(node);
    match node.get("type").and_then(Json::as_str) {
        Some("string") => Ty::Str,
        Some("integer") => Ty::Int,
        Some("number") => Ty::Num,
        Some("boolean") => Ty::Bool,
        _ => Ty::Json,
    }
}

/// The definition a `$ref` names (`#/definitions/Tag` → `Tag`).
fn def_ref(node: &Json) -> Option<&str> {
    node.get("$ref").and_then(Json::as_str).and_then(|r| r.strip_prefix("#/definitions/")).filter(|n| !n.contains('/'))
}

/// Whether a node is an object with named properties (a struct, not a map).
fn is_struct(node: &Json) -> bool {
    let object = match node.get("type") {
        Some(Json::String(s)) => s == "object",
        Some(_) => false,
        None => true,
    };
    object && node.get("properties").and_then(Json::as_object).is_some_and(|p| !p.is_empty())
}

/// A definition with every definition it uses written in place (one level of recursion
/// is marked, not followed) and its descriptions left out: equal forms are the same
/// structure.
fn canonical(defs: &Map<String, Json>, name: &str) -> String {
    fn inline(defs: &Map<String, Json>, node: &Json, stack: &mut Vec<String>) -> Json {
        match node {
            Json::Object(m) => {
                if let Some(name) = def_ref(node) {
                    if stack.iter().any(|s| s == name) {
                        return Json::String(format!("$recursive:{name}"));
                    }
                    let Some(def) = defs.get(name) else { return node.clone() };
                    stack.push(name.to_owned());
                    let out = inline(defs, def, stack);
                    stack.pop();
                    return out;
                }
                // Words about a structure do not make it another structure.
                let words = ["description", "title", "examples", "$comment", "markdownDescription"];
                Json::Object(m.iter().filter(|(k, _)| !words.contains(&k.as_str())).map(|(k, v)| (k.clone(), inline(defs, v, stack))).collect())
            }
            Json::Array(a) => Json::Array(a.iter().map(|v| inline(defs, v, stack)).collect()),
            other => other.clone(),
        }
    }
    let Some(def) = defs.get(name) else { return String::new() };
    inline(defs, def, &mut vec![name.to_owned()]).to_string()
}

/// Where the type keeps its tags: `(is_list, property)`.
fn tagging(schema: &Json, props: &Map<String, Json>) -> Option<(bool, String)> {
    let t = schema.get("tagging");
    if t.and_then(|t| t.get("taggable")).and_then(Json::as_bool) == Some(false) || schema.get("taggable") == Some(&Json::Bool(false)) {
        return None;
    }
    let prop = t
        .and_then(|t| t.get("tagProperty"))
        .and_then(Json::as_str)
        .and_then(top_level)
        .unwrap_or("Tags");
    let node = props.get(prop)?;
    match node.get("type").and_then(Json::as_str) {
        Some("array") => Some((true, prop.to_owned())),
        Some("object") => Some((false, prop.to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn queue() -> (String, Json) {
        let schema = json!({
            "typeName": "AWS::SQS::Queue",
            "description": "A queue.",
            "properties": {
                "QueueName": {"type": "string", "minLength": 1, "maxLength": 80},
                "DelaySeconds": {"type": "integer", "minimum": 0, "maximum": 900},
                "Tags": {"type": "array", "insertionOrder": false, "items": {"$ref": "#/definitions/Tag"}},
                "Policy": {"type": ["object", "string"]},
                "Kind": {"type": "string", "enum": ["standard", "fifo"]},
                "Password": {"type": "string"},
                "DeadLetterRole": {"type": "string", "format": "AWS::IAM::Role.Arn"},
                "Arn": {"type": "string"},
                "QueueUrl": {"type": "string"},
                "SecretAccessKey": {"type": "string"}
            },
            "definitions": {"Tag": {"type": "object", "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}, "required": ["Key", "Value"]}},
            "required": ["DelaySeconds"],
            "readOnlyProperties": ["/properties/Arn", "/properties/QueueUrl", "/properties/SecretAccessKey"],
            "writeOnlyProperties": ["/properties/Password", "/properties/Rules/*/Secret"],
            "createOnlyProperties": ["/properties/QueueName", "/properties/Kind/Nested"],
            "primaryIdentifier": ["/properties/QueueUrl"],
            "handlers": {"create": {"timeoutInMinutes": 30}, "read": {}, "delete": {}, "update": {}, "list": {}},
            "tagging": {"taggable": true, "tagProperty": "/properties/Tags"}
        });
        ("AWS::SQS::Queue".into(), schema)
    }

    #[test]
    fn a_schema_becomes_fields_outputs_and_metadata() {
        let model = build(&[queue()]);
        assert_eq!(model.services.len(), 1);
        let s = &model.services[0];
        assert_eq!((s.module.as_str(), s.name.as_str()), ("sqs", "SQS"));
        let Item::Resource(q) = &s.items[0] else { panic!("the resource comes first") };
        let fields: Vec<(&str, &Ty, bool)> = q.fields.iter().map(|f| (f.ident.as_str(), &f.ty, f.required)).collect();
        assert_eq!(
            fields,
            vec![
                ("queue_name", &Ty::Str, false),
                ("delay_seconds", &Ty::Int, true),
                ("tags", &Ty::List(Box::new(Ty::Struct("Tag".into()))), false),
                ("policy", &Ty::Policy, false),
                ("kind", &Ty::Enum("QueueKind".into()), false),
                ("password", &Ty::Sensitive, false),
                ("dead_letter_role", &Ty::Ref("RoleArn".into()), false),
            ]
        );
        assert_eq!(q.fields[0].rules, vec![Rule::Length(1, 80)]);
        assert_eq!(q.fields[1].rules, vec![Rule::Range(0.0, 900.0)]);
        let outputs: Vec<&str> = q.outputs.iter().map(|o| o.wire.as_str()).collect();
        assert_eq!(outputs, vec!["Arn", "QueueUrl"], "a secret only the cloud knows is no output");
        assert_eq!(q.meta.create_only, vec!["QueueName"], "nested create-only paths do not replace the whole resource");
        assert_eq!(q.meta.write_only, vec!["Password", "Rules/Secret"], "nested write-only paths come without their array steps");
        assert!(q.meta.identity.is_empty(), "a read-only primary identifier is no identity a stack sets");
        assert_eq!(q.meta.unordered, vec!["Tags"]);
        assert_eq!(q.meta.tagging, Some((true, "Tags".into())));
        assert_eq!((q.meta.can_update, q.meta.can_list, q.meta.timeout_minutes), (true, true, 30));
        assert!(q.meta.sent_on_update.is_empty(), "no required property holds a write-only part");
        assert_eq!(q.outputs[0].ty, Ty::Ref("QueueArn".into()), "a type's own ARN is typed");
        assert_eq!(model.refs.iter().map(|r| (r.ident.as_str(), r.runtime)).collect::<Vec<_>>(), vec![("RoleArn", Some("RoleArn")), ("QueueArn", None)]);
    }

    #[test]
    fn a_type_without_an_update_handler_replaces_on_every_change() {
        let (t, mut schema) = queue();
        schema["handlers"].as_object_mut().map(|h| h.remove("update"));
        let model = build(&[(t, schema)]);
        let Item::Resource(q) = &model.services[0].items[0] else { panic!("the resource comes first") };
        assert_eq!(q.meta.create_only.len(), q.fields.len());
    }

    #[test]
    fn identical_definitions_are_shared_and_different_ones_are_named_by_their_type() {
        let tag = json!({"type": "object", "properties": {"Key": {"type": "string"}}});
        let other = json!({"type": "object", "properties": {"Name": {"type": "string"}}});
        let mk = |t: &str, def: &Json| {
            (format!("AWS::X::{t}"), json!({"properties": {"Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}}}, "definitions": {"Tag": def}, "primaryIdentifier": [], "handlers": {}}))
        };
        let model = build(&[mk("A", &tag), mk("B", &tag)]);
        let structs: Vec<&str> = model.services[0].items.iter().filter_map(|i| if let Item::Struct(s) = i { Some(s.ident.as_str()) } else { None }).collect();
        assert_eq!(structs, vec!["Tag"]);
        let model = build(&[mk("A", &other), mk("B", &tag), mk("C", &tag)]);
        let structs: Vec<&str> = model.services[0].items.iter().filter_map(|i| if let Item::Struct(s) = i { Some(s.ident.as_str()) } else { None }).collect();
        assert_eq!(structs, vec!["ATag", "Tag"], "the form most types share takes the plain name");
    }

    #[test]
    fn a_definition_within_itself_is_json() {
        let schema = json!({
            "properties": {"Rule": {"$ref": "#/definitions/Statement"}},
            "definitions": {"Statement": {"type": "object", "properties": {"And": {"type": "array", "items": {"$ref": "#/definitions/Statement"}}, "Name": {"type": "string"}}}},
            "primaryIdentifier": [], "handlers": {}
        });
        let model = build(&[("AWS::W::Rule".into(), schema)]);
        let Some(Item::Struct(s)) = model.services[0].items.iter().find(|i| matches!(i, Item::Struct(_))) else { panic!("a struct") };
        assert_eq!(s.fields[0].ty, Ty::List(Box::new(Ty::Json)));
    }
}
