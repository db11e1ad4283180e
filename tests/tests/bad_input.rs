//! Values AWS would reject are refused before any call, each with what is wrong, where,
//! and what to use instead.

use formae_runtime::invalid::PropertyPath;
use formae_runtime::resource::split_params;
use formae_runtime::{PlanError, StackInstance};
use formae_stacks::EcsExpressAgent;

fn flagship(params: &[&str]) -> StackInstance {
    let args: Vec<String> = params.iter().map(|s| (*s).to_owned()).collect();
    (EcsExpressAgent::ENTRY.build)(&split_params(&args).unwrap()).unwrap()
}

fn refusal(params: &[&str]) -> String {
    let err = PlanError::check_values(&flagship(params)).expect_err("bad values were accepted");
    let text = err.to_string();
    assert!(text.contains("nothing was changed"), "{text}");
    text
}

#[test]
fn the_flagship_as_declared_is_valid() {
    PlanError::check_values(&flagship(&[])).unwrap();
    PlanError::check_values(&flagship(&["cpu=256", "memory=512"])).unwrap();
    PlanError::check_values(&flagship(&["cpu=4096", "memory=30720", "min_capacity=0", "max_capacity=256"])).unwrap();
}

#[test]
fn a_cpu_and_memory_pair_fargate_does_not_offer_is_refused() {
    let e = refusal(&["cpu=1024", "memory=1000"]);
    assert!(e.contains("`agent`, property `memory`: 1000 does not go with cpu 1024 on Fargate: with cpu 1024, use 2048 to 8192 MiB in steps of 1024"), "{e}");
    let e = refusal(&["cpu=1000"]);
    assert!(e.contains("`agent`, property `cpu`: 1000 is not a size Fargate offers"), "{e}");
}

#[test]
fn min_capacity_above_max_is_refused() {
    let e = refusal(&["min_capacity=4", "max_capacity=2"]);
    assert!(e.contains("`db_cluster`, property `serverless_v2_scaling_configuration.min_capacity`: 4 is above max_capacity 2"), "{e}");
    let e = refusal(&["max_capacity=300"]);
    assert!(e.contains("property `serverless_v2_scaling_configuration.max_capacity`: 300 is not a capacity Aurora offers: use 0 to 256 ACUs in steps of 0.5"), "{e}");
    let e = refusal(&["min_capacity=0.7"]);
    assert!(e.contains("property `serverless_v2_scaling_configuration.min_capacity`: 0.7 is not a capacity"), "{e}");
}

#[test]
fn an_identifier_aws_would_reject_is_refused() {
    for bad in ["formae--db", "9db", "db-", "formae_db"] {
        let e = refusal(&[&format!("db_cluster_id={bad}")]);
        assert!(e.contains(&format!("`db_cluster`, property `db_cluster_identifier`: `{bad}` is not an identifier RDS accepts")), "{e}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = refusal(&["cpu=1024", "memory=1000", "min_capacity=4", "max_capacity=2", "db_cluster_id=x--y"]);
    assert_eq!(e.matches("\n  - ").count(), 3, "{e}");
}

#[test]
fn planning_refuses_them_too() {
    let stack = flagship(&["min_capacity=4", "max_capacity=2"]);
    let err = formae_runtime::plan(&stack, &formae_runtime::StackState::empty(stack.name), formae_runtime::Mode::Reconcile, &formae_tests::FixedSecrets).unwrap_err();
    let PlanError::Invalid { problems, .. } = &err else { panic!("refused for another reason: {err}") };
    let (resource, invalid) = &problems[0];
    assert_eq!(resource, "db_cluster");
    assert_eq!(invalid.path, PropertyPath::field("serverless_v2_scaling_configuration").then("min_capacity"), "the property comes as a typed path");
}
