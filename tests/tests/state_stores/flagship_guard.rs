//! The guard that stops a plan deleting or replacing what the flagship's own state is
//! kept in.

use formae_runtime::plan::Action;
use formae_runtime::state_guard::{self, Holds};
use formae_runtime::store::StateLocation;
use formae_runtime::{testing, StackInstance, StackState};
use formae_stacks::EcsExpressAgent;
const FLAGSHIP_CLUSTER: &str = "arn:aws:rds:us-east-1:123456789012:cluster:formae-db";
const FLAGSHIP_SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:formae-db-creds-AbC123";

/// The state a deploy of the flagship leaves, with the outputs AWS gives.
fn flagship_deployed() -> StackState {
    let real = [
        ("fake:db_cluster.DBClusterArn", FLAGSHIP_CLUSTER),
        ("fake:db_cluster.DBClusterIdentifier", "formae-db"),
        ("fake:db_creds.Id", FLAGSHIP_SECRET),
        ("fake:db_instance.DBInstanceArn", "arn:aws:rds:us-east-1:123456789012:db:formae-db-instance"),
        ("fake:database.name", "formae"),
    ];
    testing::with_real_outputs(testing::deployed_state(&testing::build(&EcsExpressAgent::ENTRY, &[])), &real)
}

/// The flagship's state kept in the agent's own database, in the flagship's cluster.
fn in_the_flagship() -> StateLocation {
    StateLocation::Aurora { cluster_arn: FLAGSHIP_CLUSTER.into(), secret_arn: FLAGSHIP_SECRET.into(), database: "formae".into() }
}

#[test]
fn destroying_the_flagship_that_keeps_its_own_state_is_refused() {
    let destroy = testing::plan(&StackInstance::with_capacity(EcsExpressAgent::ENTRY.name, 0), &flagship_deployed());
    let err = state_guard::check(&destroy, &in_the_flagship()).unwrap_err();
    assert_eq!((err.resource.as_str(), err.action, err.holds), ("database", Action::Delete, Holds::Database));
    assert_eq!(err.also, ["db_cluster", "db_instance", "db_creds"]);
    assert_eq!(
        err.to_string(),
        format!(
            "the state of ecs-express-agent is kept in database `formae` on cluster {FLAGSHIP_CLUSTER}, which this plan deletes \
             (the database `database`; also `db_cluster`, `db_instance`, `db_creds`): move the state out first with \
             `cargo xtask state migrate ecs-express-agent --to sqlite`, then run this again. Nothing was changed."
        )
    );
}

#[test]
fn replacing_the_flagships_cluster_is_refused() {
    let plan = testing::plan(&testing::build(&EcsExpressAgent::ENTRY, &["db_cluster_id=formae-db-2"]), &flagship_deployed());
    assert_eq!(plan.change("db_cluster").map(|c| c.action), Some(Action::Replace));
    let err = state_guard::check(&plan, &in_the_flagship()).unwrap_err();
    assert_eq!((err.resource.as_str(), err.action), ("database", Action::Replace), "{err}");
    assert!(err.also.iter().any(|r| r == "db_cluster"), "{err}");
    assert!(err.to_string().contains("which this plan replaces"), "{err}");
}

#[test]
fn a_flagship_plan_that_leaves_the_database_alone_passes() {
    let resized = testing::plan(&testing::build(&EcsExpressAgent::ENTRY, &["cpu=2048", "memory=4096"]), &flagship_deployed());
    assert_eq!(resized.change("agent").map(|c| c.action), Some(Action::Update));
    state_guard::check(&resized, &in_the_flagship()).unwrap();
    // Its state elsewhere: even a destroy passes.
    let destroy = testing::plan(&StackInstance::with_capacity(EcsExpressAgent::ENTRY.name, 0), &flagship_deployed());
    state_guard::check(&destroy, &StateLocation::Sqlite { path: ".formae/state.db".into() }).unwrap();
}
