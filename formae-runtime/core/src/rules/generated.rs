//! What AWS refuses that a CloudFormation schema does not say, for the generated types
//! (served by Cloud Control): an RDS identifier's shape, Aurora's capacities, Fargate's
//! task sizes. Checked when a stack is built from its parameters, as the hand-written
//! types' `validate` does, so a bad parameter is refused before any call. The schema's
//! own rules (patterns, lengths, enums) are checked at the literal by the compiler.
//!
//! A type's properties arrive as the declared tree, in CloudFormation's names; a problem
//! is reported at the Rust names the stack wrote.

use serde_json::Value as Json;

use super::{capacities, fargate_size, name_chars_at, rds_identifier_at, task_counts};
use crate::invalid::{Invalid, PropertyPath};
use crate::value::Val;

/// The checks of one type.
type Rule = fn(&Val, &mut Vec<Invalid>);

/// The types that have rules of their own, by CloudFormation type name.
const RULES: &[(&str, Rule)] = &[
    ("AWS::RDS::DBCluster", db_cluster),
    ("AWS::RDS::DBInstance", db_instance),
    ("AWS::ECS::ExpressGatewayService", express_gateway_service),
    ("AWS::SecretsManager::Secret", secret),
    ("AWS::IAM::Role", role),
];

/// The problems AWS would find in `props`, a generated `type_name`'s declared properties.
pub fn check(type_name: &str, props: &Val) -> Vec<Invalid> {
    let mut out = Vec::new();
    if let Some((_, rule)) = RULES.iter().find(|(t, _)| *t == type_name) {
        rule(props, &mut out);
    }
    out
}

/// The text at `key`, if it is known now: a string, or a template of known parts (a
/// parameter written into it).
fn text(props: &Val, key: &str) -> Option<String> {
    fn known(v: &Val) -> Option<String> {
        match v {
            Val::Scalar(Json::String(s)) => Some(s.clone()),
            Val::Scalar(j @ Json::Number(_)) => Some(j.to_string()),
            Val::Template(parts) => parts.iter().map(known).collect(),
            _ => None,
        }
    }
    known(props.get(key)?)
}

/// The number at `key`, if it is known now.
fn number(props: &Val, key: &str) -> Option<f64> {
    match props.get(key)? {
        Val::Scalar(Json::Number(n)) => n.as_f64(),
        _ => None,
    }
}

fn db_cluster(props: &Val, out: &mut Vec<Invalid>) {
    if let Some(id) = text(props, "DBClusterIdentifier") {
        rds_identifier_at(PropertyPath::field("db_cluster_identifier"), &id, out);
    }
    if let Some(scaling) = props.get("ServerlessV2ScalingConfiguration") {
        let at = PropertyPath::field("serverless_v2_scaling_configuration");
        capacities(&at, number(scaling, "MinCapacity"), number(scaling, "MaxCapacity"), out);
    }
}

fn db_instance(props: &Val, out: &mut Vec<Invalid>) {
    if let Some(id) = text(props, "DBInstanceIdentifier") {
        rds_identifier_at(PropertyPath::field("db_instance_identifier"), &id, out);
    }
}

fn express_gateway_service(props: &Val, out: &mut Vec<Invalid>) {
    if let Some(name) = text(props, "ServiceName") {
        name_chars_at(PropertyPath::field("service_name"), &name, 255, "-_", out);
    }
    // ECS takes the sizes as text; one that is not a number is left to ECS.
    let size = |key| text(props, key).and_then(|t| t.parse::<u32>().ok());
    if let (Some(cpu), Some(memory)) = (size("Cpu"), size("Memory")) {
        fargate_size(PropertyPath::default(), cpu, memory, out);
    }
    if let Some(target) = props.get("ScalingTarget") {
        if let (Some(min), Some(max)) = (number(target, "MinTaskCount"), number(target, "MaxTaskCount")) {
            // Task counts are whole numbers; the schema says so.
            task_counts(PropertyPath::field("scaling_target"), min as u64, max as u64, out);
        }
    }
}

fn secret(props: &Val, out: &mut Vec<Invalid>) {
    if let Some(name) = text(props, "Name") {
        name_chars_at(PropertyPath::field("name"), &name, 512, "/_+=.@-", out);
    }
}

fn role(props: &Val, out: &mut Vec<Invalid>) {
    if let Some(name) = text(props, "RoleName") {
        name_chars_at(PropertyPath::field("role_name"), &name, 64, "+=,.@_-", out);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(type_name: &str, props: Json) -> Vec<String> {
        check(type_name, &Val::data(props)).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_clusters_identifier_and_capacities_are_checked_at_the_names_the_stack_wrote() {
        let found = problems("AWS::RDS::DBCluster", json!({"DBClusterIdentifier": "formae--db", "ServerlessV2ScalingConfiguration": {"MinCapacity": 4, "MaxCapacity": 2.2}}));
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("db_cluster_identifier: `formae--db` is not an identifier RDS accepts"), "{found:?}");
        assert!(found[1].starts_with("serverless_v2_scaling_configuration.max_capacity: 2.2 is not a capacity Aurora offers"), "{found:?}");
        assert!(found[2].starts_with("serverless_v2_scaling_configuration.min_capacity: 4 is above max_capacity 2.2"), "{found:?}");
        assert!(problems("AWS::RDS::DBCluster", json!({"DBClusterIdentifier": "formae-db", "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2}})).is_empty());
    }

    #[test]
    fn fargate_sizes_are_read_from_text_and_templates_of_known_parts() {
        let cpu = Val::Template(vec![Val::Scalar(json!(1024))]);
        let props = Val::Map(vec![("Cpu".into(), cpu), ("Memory".into(), Val::data(json!("1000")))]);
        let found: Vec<String> = check("AWS::ECS::ExpressGatewayService", &props).iter().map(ToString::to_string).collect();
        assert_eq!(found, ["memory: 1000 does not go with cpu 1024 on Fargate: with cpu 1024, use 2048 to 8192 MiB in steps of 1024"]);
        let found = problems("AWS::ECS::ExpressGatewayService", json!({"ServiceName": "a b", "ScalingTarget": {"MinTaskCount": 3, "MaxTaskCount": 1}}));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[1].starts_with("scaling_target.min_task_count: 3 is above max_task_count 1"), "{found:?}");
    }

    #[test]
    fn what_is_not_known_yet_and_types_without_rules_pass() {
        let unknown = Val::Map(vec![("DBInstanceIdentifier".into(), Val::Ref { resource: "x".into(), attr: "Id".into() })]);
        assert!(check("AWS::RDS::DBInstance", &unknown).is_empty());
        assert!(problems("AWS::SQS::Queue", json!({"QueueName": "not checked here"})).is_empty());
        assert_eq!(problems("AWS::IAM::Role", json!({"RoleName": "has space"})).len(), 1);
        assert_eq!(problems("AWS::SecretsManager::Secret", json!({"Name": "bad name!"})).len(), 1);
    }
}
