//! End-to-end: the two shipped stacks made only of generated types, `network` and
//! `serverless-app`, deployed through Cloud Control into the sandbox: created, updated in
//! place, a create-only change replacing, drift shown and repaired, destroyed. What the
//! sandbox holds is read from it directly, through Cloud Control's GetResource and
//! ListResources (and IAM's own API for the role), never through formae's state.

use formae_runtime::plan::DriftKind;
use formae_runtime::testing::build;
use formae_runtime::{Action, Mode, Plan};
use formae_tests::cloud::{change_outside, count, read};
use formae_tests::e2e::Env;
use formae_tests::sandbox::Delays;
use serde_json::{json, Value as Json};

fn actions(plan: &Plan) -> Vec<(String, Action)> {
    plan.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| (c.resource.clone(), c.action)).collect()
}

fn drifted(plan: &Plan) -> Vec<(String, Vec<String>)> {
    plan.drift
        .iter()
        .map(|d| {
            let fields = match &d.kind {
                DriftKind::Changed(fields) => fields.iter().map(|f| f.path.clone()).collect(),
                other => vec![format!("{other:?}")],
            };
            (d.resource.clone(), fields)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_stack_is_created_updated_replaced_repaired_and_destroyed() {
    let env = Env::start("generated-network", Delays::default()).await;
    let stack = build(&formae_stacks::Network::ENTRY, &[]);
    let (plan, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 10);
    let id = |name: &str| report.state.resources[name].cloud_id.clone();
    let vpc = read(&env.cx, "AWS::EC2::VPC", &id("vpc")).await.expect("the VPC exists");
    assert_eq!(vpc["CidrBlock"], "10.20.0.0/16");
    let subnet_a = read(&env.cx, "AWS::EC2::Subnet", &id("public_a")).await.expect("the first subnet exists");
    assert_eq!((subnet_a["VpcId"].as_str(), subnet_a["CidrBlock"].as_str()), (Some(id("vpc").as_str()), Some("10.20.0.0/24")), "{subnet_a}");
    let group = read(&env.cx, "AWS::EC2::SecurityGroup", &id("https")).await.expect("the security group exists");
    assert_eq!(group["SecurityGroupIngress"][0]["CidrIp"], "0.0.0.0/0", "{group}");
    assert_eq!(report.outputs["vpc_id"], id("vpc").as_str());

    // Nothing changed: nothing to do, and the refresh sees no drift.
    let plan = env.plan(&stack, Mode::Reconcile).await;
    assert!(plan.drift.is_empty(), "{:?}", plan.drift);
    assert!(actions(&plan).is_empty(), "{:?}", actions(&plan));

    // In place: the security group's ingress.
    let narrowed = build(&formae_stacks::Network::ENTRY, &["https_from=10.0.0.0/8"]);
    let (plan, report) = env.deploy(&narrowed, Mode::Reconcile).await;
    assert_eq!(actions(&plan), vec![("https".to_owned(), Action::Update)]);
    assert_eq!(report.state.resources["https"].cloud_id, id("https"), "updated in place");
    let group = read(&env.cx, "AWS::EC2::SecurityGroup", &id("https")).await.expect("the security group exists");
    assert_eq!(group["SecurityGroupIngress"][0]["CidrIp"], "10.0.0.0/8", "{group}");

    // Create-only: a subnet's range replaces it, and its route table association with it.
    let moved = build(&formae_stacks::Network::ENTRY, &["https_from=10.0.0.0/8", "cidr_b=10.20.2.0/24"]);
    let (plan, report) = env.deploy(&moved, Mode::Reconcile).await;
    let replaced: Vec<(String, Action)> = actions(&plan);
    assert!(replaced.contains(&("public_b".to_owned(), Action::Replace)), "{replaced:?}");
    let new_b = report.state.resources["public_b"].cloud_id.clone();
    assert_ne!(new_b, id("public_b"));
    assert!(read(&env.cx, "AWS::EC2::Subnet", &id("public_b")).await.is_none(), "the old subnet is gone");
    assert_eq!(read(&env.cx, "AWS::EC2::Subnet", &new_b).await.expect("the new subnet exists")["CidrBlock"], "10.20.2.0/24");

    // Changed outside formae: shown as drift, and the deploy puts it back.
    change_outside(&env.cx, "AWS::EC2::VPC", &id("vpc"), "/EnableDnsHostnames", json!(false)).await;
    let plan = env.plan(&moved, Mode::Reconcile).await;
    assert_eq!(drifted(&plan), vec![("vpc".to_owned(), vec!["EnableDnsHostnames".to_owned()])]);
    assert_eq!(plan.change("vpc").map(|c| c.action), Some(Action::Update));
    env.deploy(&moved, Mode::Reconcile).await;
    assert_eq!(read(&env.cx, "AWS::EC2::VPC", &id("vpc")).await.expect("the VPC exists")["EnableDnsHostnames"], true);

    // Destroyed: nothing of it is left in the sandbox.
    let (plan, report) = env.destroy("network").await;
    assert_eq!(plan.summary.destroy, 10);
    assert!(report.state.resources.is_empty());
    for t in ["AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup"] {
        // moto starts with a default VPC (and its subnets, route table and security group).
        let left = env.cx.cloudcontrol.list_resources().type_name(t).send().await.expect("ListResources");
        let ours: Vec<&str> = left.resource_descriptions().iter().filter_map(|d| d.properties()).filter(|p| p.contains("10.20.") || p.contains("network")).collect();
        assert!(ours.is_empty(), "{t} left behind: {ours:?}");
    }
    assert!(read(&env.cx, "AWS::EC2::VPC", &id("vpc")).await.is_none());
    env.sandbox.assert_conformant();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serverless_app_is_created_updated_replaced_repaired_and_destroyed() {
    let env = Env::start("generated-serverless", Delays::default()).await;
    let stack = build(&formae_stacks::ServerlessApp::ENTRY, &[]);
    let (plan, report) = env.deploy(&stack, Mode::Reconcile).await;
    assert_eq!(plan.summary.add, 15);
    let id = |name: &str| report.state.resources[name].cloud_id.clone();
    let jobs = read(&env.cx, "AWS::SQS::Queue", &id("jobs")).await.expect("the queue exists");
    let dead_letters_arn = report.state.resources["dead_letters"].outputs["Arn"].clone();
    let redrive = &jobs["RedrivePolicy"];
    let redrive: Json = redrive.as_str().map_or_else(|| redrive.clone(), |s| serde_json::from_str(s).expect("a redrive policy is JSON"));
    assert_eq!(redrive["deadLetterTargetArn"], dead_letters_arn, "{jobs}");
    let worker = read(&env.cx, "AWS::Lambda::Function", &id("worker")).await.expect("the function exists");
    assert_eq!((worker["Timeout"].as_i64(), worker["Role"].clone()), (Some(30), report.state.resources["worker_role"].outputs["Arn"].clone()), "{worker}");
    // The role through IAM's own API: moto holds it, with the inline policy.
    let role = env.cx.iam.get_role().role_name("serverless-app-worker").send().await.expect("the role exists in IAM");
    assert!(role.role.is_some_and(|r| r.assume_role_policy_document.is_some_and(|d| d.contains("lambda.amazonaws.com"))));
    let table = read(&env.cx, "AWS::DynamoDB::Table", &id("results")).await.expect("the table exists");
    assert_eq!(table["TableName"], "serverless-app-results");
    let parameter = read(&env.cx, "AWS::SSM::Parameter", &id("results_parameter")).await.expect("the parameter exists");
    assert_eq!(parameter["Value"], "serverless-app-results");

    // Nothing changed: nothing to do, and the refresh sees no drift.
    let plan = env.plan(&stack, Mode::Reconcile).await;
    assert!(plan.drift.is_empty(), "{:?}", drifted(&plan));
    assert!(actions(&plan).is_empty(), "{:?}", actions(&plan));

    // In place: the worker's timeout.
    let slower = build(&formae_stacks::ServerlessApp::ENTRY, &["worker_timeout=60"]);
    let (plan, _) = env.deploy(&slower, Mode::Reconcile).await;
    assert_eq!(actions(&plan), vec![("worker".to_owned(), Action::Update)]);
    assert_eq!(read(&env.cx, "AWS::Lambda::Function", &id("worker")).await.expect("the function exists")["Timeout"], 60);

    // Create-only: the parameter's name replaces it.
    let renamed = build(&formae_stacks::ServerlessApp::ENTRY, &["worker_timeout=60", "results_parameter_name=/serverless-app/tables/results"]);
    let (plan, report) = env.deploy(&renamed, Mode::Reconcile).await;
    assert_eq!(actions(&plan), vec![("results_parameter".to_owned(), Action::Replace)]);
    assert!(read(&env.cx, "AWS::SSM::Parameter", &id("results_parameter")).await.is_none(), "the old parameter is gone");
    let new_parameter = report.state.resources["results_parameter"].cloud_id.clone();
    assert_eq!(read(&env.cx, "AWS::SSM::Parameter", &new_parameter).await.expect("the new parameter exists")["Name"], "/serverless-app/tables/results");

    // Changed outside formae: shown as drift, and the deploy puts it back.
    change_outside(&env.cx, "AWS::SQS::Queue", &id("jobs"), "/VisibilityTimeout", json!(300)).await;
    let plan = env.plan(&renamed, Mode::Reconcile).await;
    assert_eq!(drifted(&plan), vec![("jobs".to_owned(), vec!["VisibilityTimeout".to_owned()])]);
    env.deploy(&renamed, Mode::Reconcile).await;
    assert_eq!(read(&env.cx, "AWS::SQS::Queue", &id("jobs")).await.expect("the queue exists")["VisibilityTimeout"], 60);

    // Destroyed: nothing of it is left in the sandbox.
    let (plan, report) = env.destroy("serverless-app").await;
    assert_eq!(plan.summary.destroy, 15);
    assert!(report.state.resources.is_empty());
    for t in ["AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::SNS::Topic", "AWS::Logs::LogGroup", "AWS::Events::Rule", "AWS::SSM::Parameter"] {
        assert_eq!(count(&env.cx, t).await, 0, "{t} left behind");
    }
    assert!(env.cx.iam.get_role().role_name("serverless-app-worker").send().await.is_err(), "the role is left behind");
    env.sandbox.assert_conformant();
}
