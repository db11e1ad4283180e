//! Tests of what executors share: required values, answers, observed values.

use super::*;

#[test]
fn a_value_missing_is_an_error_naming_the_property_never_a_default() {
    let set: Value<String> = Value::Lit("formae-db".into());
    assert_eq!(required(&set, "db_cluster_identifier", "AWS::RDS::DBCluster").ok(), Some(&"formae-db".to_owned()));
    let unset: Value<String> = Value::Missing;
    let err = required(&unset, "db_cluster_identifier", "AWS::RDS::DBCluster").unwrap_err();
    assert!(matches!(err, ExecError::Missing { type_name: "AWS::RDS::DBCluster", field: "db_cluster_identifier" }));
    assert!(err.to_string().starts_with("`db_cluster_identifier` of AWS::RDS::DBCluster has no value"), "{err}");

    assert_eq!(optional::<String>(&None, "description", "AWS::IAM::Role").ok(), Some(None));
    assert_eq!(optional(&Some(set), "description", "AWS::IAM::Role").ok(), Some(Some(&"formae-db".to_owned())));
    assert!(matches!(optional(&Some(unset), "description", "AWS::IAM::Role"), Err(ExecError::Missing { field: "description", .. })));
}

#[test]
fn an_answer_without_a_field_aws_always_returns_is_an_error() {
    assert_eq!(answered(Some("arn:aws:secretsmanager:us-east-1:1:secret:x"), "secretsmanager:CreateSecret", "ARN").ok(), Some("arn:aws:secretsmanager:us-east-1:1:secret:x"));
    let err = answered::<String>(None, "secretsmanager:CreateSecret", "ARN").unwrap_err();
    assert_eq!(err.to_string(), "secretsmanager:CreateSecret answered without `ARN`");
    assert_eq!(err.code(), None);
}

#[test]
fn observed_values_go_over_the_record_at_their_path() {
    let prior = serde_json::json!({"cpu": 1024, "memory": 2048, "primary_container": {"image": "a", "container_port": 80}, "tags": []});
    let live = observed(&prior, [("cpu", Some(serde_json::json!(512))), ("tags", None), ("primary_container/image", Some(serde_json::json!("b")))]);
    assert_eq!(live, serde_json::json!({"cpu": 512, "memory": 2048, "primary_container": {"image": "b", "container_port": 80}}));
    // A nested value goes only where its object is recorded.
    assert_eq!(observed(&serde_json::json!({"cpu": 1}), [("primary_container/image", Some(serde_json::json!("b")))]), serde_json::json!({"cpu": 1}));
    assert_eq!(observed(&prior, []), prior);
}
