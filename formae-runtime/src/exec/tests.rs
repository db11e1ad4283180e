//! Tests of the AWS provider's executors and their shared helpers.

use super::*;

/// An API error with `code` and `message`, for tests of error handling.
pub(crate) fn api(code: &str, message: &str) -> ExecError {
    ExecError::Api { operation: "x", code: Some(code.into()), message: message.into() }
}

#[test]
fn the_prior_is_typed_once_with_unknown_parts_missing_and_is_unknown_without_a_record_or_when_it_does_not_fit() {
    use crate::aws::secretsmanager::Secret;
    let recorded = serde_json::json!({"name": "formae-config", "secret_string": "sha256:ab", "recovery_window_days": 7});
    let prior = Typed::<Secret>::prior(&recorded).expect("a record fits its type");
    assert_eq!(prior.secret_string.get().map(crate::value::Sensitive::expose), Some("sha256:ab"));
    assert_eq!(prior.recovery_window_days.as_ref().and_then(crate::value::Value::get), Some(&7));
    // Adoption: no record.
    assert!(Typed::<Secret>::prior(&Json::Null).is_none());
    // A declaration whose secret waits for a resource still to be created: what is
    // known is typed, the rest is missing.
    let waiting = Typed::<Secret>::prior(&serde_json::json!({"name": "formae-config", "secret_string": null})).expect("unknown parts fit as missing");
    assert!(waiting.secret_string.get().is_none());
    // A record of another shape does not fit.
    assert!(Typed::<Secret>::prior(&serde_json::json!({"name": 5})).is_none());
}

#[test]
fn a_record_typed_and_written_again_is_the_same_json() {
    use crate::aws::iam::Role;
    // What a role's read puts back for a policy that matches is the typed record
    // written again: it must be the record itself.
    let recorded = serde_json::json!({
        "role_name": "ecsTaskExecutionRole",
        "assume_role_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "managed_policy_arns": ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
        "policies": [{"name": "formae-secrets-access", "document": {"Version": "2012-10-17", "Statement": [{"Sid": "read", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:1:secret:formae-config-AbCdEf"}]}}],
        "tags": [{"key": "team", "value": "platform"}],
        "max_session_duration": 3600
    });
    let role = Typed::<Role>::prior(&recorded).expect("a record fits its type");
    assert_eq!(serde_json::to_value(&role).ok(), Some(recorded.clone()));
    assert_eq!(serde_json::to_value(&role.policies[0]).ok().as_ref(), recorded["policies"].get(0));
}

#[test]
fn a_role_not_yet_assumable_is_told_apart_from_other_refusals() {
    assert!(is_iam_propagation(&api("InvalidParameterException", "ECS was unable to assume the role 'arn:aws:iam::1:role/r' that was provided")));
    assert!(!is_iam_propagation(&api("InvalidParameterException", "cpu 100 is not valid")));
    assert_eq!(
        [partition_of("us-east-1"), partition_of("cn-north-1"), partition_of("us-gov-west-1"), partition_of("eu-west-1")],
        ["aws", "aws-cn", "aws-us-gov", "aws"]
    );
}

#[tokio::test]
async fn arns_written_for_aws_follow_the_region_partition() {
    let target = Target { region: Some("cn-north-1".into()), endpoint_url: Some("http://127.0.0.1:9".into()), dummy_credentials: true };
    let cx = Cx::new("s", &target, Timing::default()).await;
    assert_eq!(cx.partition, "aws-cn");
    let managed = "arn:aws:iam::aws:policy/PowerUserAccess";
    assert_eq!(cx.in_partition(managed), "arn:aws-cn:iam::aws:policy/PowerUserAccess");
    assert_eq!(cx.as_written("arn:aws-cn:iam::aws:policy/PowerUserAccess"), managed);
    assert!(is_iam_propagation(&api("AccessDeniedException", "Cannot assume role arn:aws:iam::1:role/r.")));
    assert!(is_iam_propagation(&api("ClientException", "AWS was not able to validate the provided access credentials")));
    assert!(!is_iam_propagation(&api("ClientException", "The image could not be pulled")));
    assert!(!is_iam_propagation(&api("AccessDeniedException", "User is not authorized to perform: ecs:CreateExpressGatewayService")));
    assert!(!is_iam_propagation(&api("ThrottlingException", "unable to assume the role")));
    assert!(!is_iam_propagation(&ExecError::Check("unable to assume the role".into())));
}

#[test]
fn a_cloud_control_request_that_failed_on_a_young_role_is_told_apart() {
    use crate::aws::cloudcontrol::RequestFailure;
    let failed = |code: &str, message: &str| {
        ExecError::Request(Box::new(RequestFailure {
            operation: "CREATE".into(),
            type_name: "AWS::ECS::ExpressGatewayService".into(),
            resource: "(not yet identified)".into(),
            status: "FAILED".into(),
            code: code.into(),
            message: message.into(),
            request_token: "req-1".into(),
        }))
    };
    assert!(is_iam_propagation(&failed("InvalidRequest", "The role arn:aws:iam::1:role/r is not authorized to perform: sts:AssumeRole on the resource")));
    assert!(is_iam_propagation(&failed("AccessDenied", "Cannot assume role arn:aws:iam::1:role/r.")));
    assert!(is_iam_propagation(&failed("GeneralServiceException", "AWS was not able to validate the provided access credentials")));
    assert!(!is_iam_propagation(&failed("NotStabilized", "Cannot assume role arn:aws:iam::1:role/r.")), "not a refusal of the call");
    assert!(!is_iam_propagation(&failed("InvalidRequest", "cpu 100 is not valid")));
}
