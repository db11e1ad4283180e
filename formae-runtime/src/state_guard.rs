//! State that lives inside the stack it describes: a stack's state kept in a database the
//! stack itself declares (the Aurora cluster of the flagship, say). A plan that deletes
//! or replaces that database, its cluster, the cluster's instance or the secret the Data
//! API signs in with would take the state away midway, and every later write would fail
//! with the cloud half changed. [`check`] finds such a plan before anything is applied.
//!
//! Resources are matched by what the state recorded of them: a cluster by its ARN (or,
//! where none is recorded, its identifier), an instance by the cluster identifier it
//! belongs to, a database by its cluster's ARN and its name, a secret by its ARN. A
//! PostgreSQL store is matched through the cluster whose writer endpoint its URL names.


use serde_json::Value as Json;

use crate::aws::rds::{DbCluster, DbInstance};
use crate::aws::rdsdata::Database;
use crate::aws::secretsmanager::Secret;
use crate::plan::{Action, Change, Plan};
use crate::resource::Resource;
use crate::store::StateLocation;

/// What a resource the plan takes away is to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holds {
    /// The database the state is in.
    Database,
    /// The cluster the database is in.
    Cluster,
    /// An instance of that cluster, which the Data API and connections need.
    Instance,
    /// The secret the Data API signs in with.
    Secret,
}

impl std::fmt::Display for Holds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Holds::Database => "the database",
            Holds::Cluster => "the cluster",
            Holds::Instance => "the cluster's instance",
            Holds::Secret => "the secret the state is reached with",
        })
    }
}

/// The plan deletes or replaces what the stack's own state is kept in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the state of {stack} is kept in {location}, which this plan {verb} ({holds} `{resource}`{others}): move the state out first with `cargo xtask state migrate {stack} --to sqlite`, then run this again. Nothing was changed.",
    verb = verb(*.action),
    others = others(.also)
)]
pub struct StateInStack {
    /// The stack.
    pub stack: String,
    /// The resource that matters most (the database before its cluster, and so on).
    pub resource: String,
    /// What the plan does to it: [`Action::Delete`] or [`Action::Replace`].
    pub action: Action,
    /// What it is to the state.
    pub holds: Holds,
    /// Other resources the plan deletes or replaces that the state needs too.
    pub also: Vec<String>,
    /// Where the state is kept.
    pub location: Box<StateLocation>,
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Replace => "replaces",
        _ => "deletes",
    }
}

fn others(also: &[String]) -> String {
    if also.is_empty() {
        return String::new();
    }
    let names: Vec<String> = also.iter().map(|n| format!("`{n}`")).collect();
    format!("; also {}", names.join(", "))
}

/// Fails if `plan` deletes or replaces the database `location` keeps the stack's state
/// in, or what that database needs (its cluster, an instance of it, the Data API's
/// secret). Call it before any change is applied.
pub fn check(plan: &Plan, location: &StateLocation) -> Result<(), StateInStack> {
    let Some(place) = Place::of(plan, location) else { return Ok(()) };
    let mut hits: Vec<(Holds, &Change)> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .filter_map(|c| place.holds(c).map(|h| (h, c)))
        .collect();
    // Stable: ties keep the plan's order.
    hits.sort_by_key(|(h, _)| *h);
    let Some(((holds, first), rest)) = hits.split_first() else { return Ok(()) };
    tracing::debug!(stack = %plan.stack, resource = %first.resource, "the plan takes away what the state is kept in");
    Err(StateInStack {
        stack: plan.stack.clone(),
        resource: first.resource.clone(),
        action: first.action,
        holds: *holds,
        also: rest.iter().map(|(_, c)| c.resource.clone()).collect(),
        location: Box::new(location.clone()),
    })
}

/// What the state's location says of the resources it depends on.
#[derive(Debug, Default)]
struct Place {
    cluster_arn: Option<String>,
    cluster_id: Option<String>,
    database: Option<String>,
    secret_arn: Option<String>,
}

impl Place {
    fn of(plan: &Plan, location: &StateLocation) -> Option<Place> {
        match location {
            StateLocation::Sqlite { .. } => None,
            StateLocation::Aurora { cluster_arn, secret_arn, database } => Some(Place {
                cluster_arn: Some(cluster_arn.clone()),
                cluster_id: cluster_id_of(cluster_arn),
                database: Some(database.clone()),
                secret_arn: Some(secret_arn.clone()),
            }),
            StateLocation::Postgres { hosts, database } => {
                // The cluster whose writer endpoint the URL names, as last recorded.
                let cluster = plan.changes.iter().filter(|c| c.type_name == DbCluster::META.type_name).find(|c| {
                    cluster_endpoint(c).is_some_and(|e| hosts.iter().any(|h| h.eq_ignore_ascii_case(e)))
                })?;
                Some(Place {
                    cluster_arn: recorded_output(cluster, CLUSTER_ARN).map(str::to_owned),
                    cluster_id: cluster_identifier(cluster).map(str::to_owned),
                    database: database.clone(),
                    secret_arn: None,
                })
            }
        }
    }

    /// What `c` is to the state, if anything.
    fn holds(&self, c: &Change) -> Option<Holds> {
        let props = c.before.as_ref();
        let prop = |k: &str| props.and_then(|p| p.value.get(k)).and_then(Json::as_str);
        let t = c.type_name.as_str();
        if t == Database::META.type_name {
            let on_cluster = prop("cluster_arn").zip(self.cluster_arn.as_deref()).is_some_and(|(a, b)| same_arn(a, b));
            let name = prop("name").or_else(|| recorded_output(c, &["name"]));
            return (on_cluster && name.is_some() && name == self.database.as_deref()).then_some(Holds::Database);
        }
        if t == DbCluster::META.type_name {
            let same = match (recorded_output(c, CLUSTER_ARN), self.cluster_arn.as_deref()) {
                (Some(a), Some(b)) => same_arn(a, b),
                // No ARN recorded: the identifier is what is left.
                _ => cluster_identifier(c).zip(self.cluster_id.as_deref()).is_some_and(|(a, b)| a.eq_ignore_ascii_case(b)),
            };
            return same.then_some(Holds::Cluster);
        }
        if t == DbInstance::META.type_name {
            let in_cluster = prop("db_cluster_identifier").or_else(|| prop("DBClusterIdentifier")).zip(self.cluster_id.as_deref()).is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
            // The same identifier in another region or account is another cluster.
            let same_place = match (recorded_output(c, INSTANCE_ARN).and_then(region_account), self.cluster_arn.as_deref().and_then(region_account)) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            return (in_cluster && same_place).then_some(Holds::Instance);
        }
        if t == Secret::META.type_name {
            let same = recorded_output(c, SECRET_ARN).zip(self.secret_arn.as_deref()).is_some_and(|(a, b)| same_secret(a, b));
            return same.then_some(Holds::Secret);
        }
        None
    }
}

/// The names of an output in the hand-written type and in the generated one (a record
/// is in one shape or the other).
const CLUSTER_ARN: &[&str] = &["arn", "DBClusterArn"];
const INSTANCE_ARN: &[&str] = &["arn", "DBInstanceArn"];
const SECRET_ARN: &[&str] = &["arn", "Id"];
const CLUSTER_ID: &[&str] = &["identifier", "DBClusterIdentifier"];

/// The output the state recorded for `c` under the first of `keys` it has (a delete's or
/// replacement's are kept apart from the outputs it will have).
fn recorded_output<'a>(c: &'a Change, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| recorded(c, k)).and_then(Json::as_str)
}

fn recorded<'a>(c: &'a Change, key: &str) -> Option<&'a Json> {
    match c.action {
        Action::Delete | Action::Replace => c.prior_outputs.get(key),
        _ => c.outputs.get(key),
    }
}

/// A cluster's writer endpoint as recorded: a host name (`endpoint`), or CloudFormation's
/// `Endpoint.Address`.
fn cluster_endpoint(c: &Change) -> Option<&str> {
    recorded_output(c, &["endpoint"]).or_else(|| recorded(c, "Endpoint")?.get("Address")?.as_str())
}

/// A cluster's identifier as recorded: its output, else the property it was made with.
fn cluster_identifier(c: &Change) -> Option<&str> {
    let before = |k: &str| c.before.as_ref()?.value.get(k)?.as_str();
    recorded_output(c, CLUSTER_ID).or_else(|| before("db_cluster_identifier")).or_else(|| before("DBClusterIdentifier"))
}

/// `arn:PARTITION:rds:REGION:ACCOUNT:cluster:ID` gives `ID`.
fn cluster_id_of(arn: &str) -> Option<String> {
    arn.split_once(":cluster:").map(|(_, id)| id.to_owned()).filter(|id| !id.is_empty())
}

/// An ARN's partition, region and account.
fn region_account(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(partition), Some(_service), Some(region), Some(account)) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    Some((partition, region, account))
}

/// RDS identifiers are lowercase whatever case they were given in.
fn same_arn(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// A secret's ARN ends in `-` and six characters Secrets Manager adds; a setting may
/// give it without them.
fn same_secret(recorded: &str, configured: &str) -> bool {
    recorded == configured || recorded.strip_prefix(configured).is_some_and(|rest| rest.len() == 7 && rest.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::aws::rds::ServerlessV2Scaling;
    use crate::state::StackState;
    use crate::testing;
    use crate::value::{RefTo, Value};
    use crate::StackInstance;

    const CLUSTER_ARN: &str = "arn:aws:rds:us-east-1:123456789012:cluster:app-db";
    const SECRET_ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-creds-AbC123";
    const INSTANCE_ARN: &str = "arn:aws:rds:us-east-1:123456789012:db:app-db-1";
    const ENDPOINT: &str = "app-db.cluster-abc.us-east-1.rds.amazonaws.com";

    fn lit<T>(v: T) -> Value<T> {
        Value::Lit(v)
    }

    fn refer<T>(resource: &'static str, attr: &'static str) -> Value<T> {
        Value::Ref(RefTo { resource, attr })
    }

    /// A secret, a cluster, its instance and a database on it, plus an unrelated secret.
    fn small(cluster_id: &str, max_capacity: f64) -> StackInstance {
        let mut s = StackInstance::with_capacity("small", 5);
        s.add("creds", &[], Secret { name: lit("app-creds".into()), secret_string: lit("x".into()), ..Default::default() });
        s.add("other", &[], Secret { name: lit("other".into()), secret_string: lit("y".into()), ..Default::default() });
        s.add(
            "cluster",
            &[],
            DbCluster {
                db_cluster_identifier: lit(cluster_id.into()),
                engine: lit("aurora-postgresql".into()),
                master_username: lit("postgres".into()),
                serverless_v2_scaling: Some(ServerlessV2Scaling { min_capacity: lit(0.5), max_capacity: lit(max_capacity) }),
                enable_http_endpoint: Some(lit(true)),
                ..Default::default()
            },
        );
        s.add(
            "instance",
            &["cluster"],
            DbInstance {
                db_instance_identifier: lit("app-db-1".into()),
                db_cluster_identifier: refer("cluster", "identifier"),
                db_instance_class: lit("db.serverless".into()),
                engine: lit("aurora-postgresql".into()),
                ..Default::default()
            },
        );
        s.add("db", &["cluster", "creds", "instance"], Database { cluster_arn: refer("cluster", "arn"), secret_arn: refer("creds", "arn"), name: lit("app".into()) });
        s
    }

    /// The state a deploy of `small` leaves, with outputs as AWS gives them.
    fn deployed() -> StackState {
        let real = [
            ("fake:cluster.arn", CLUSTER_ARN),
            ("fake:cluster.identifier", "app-db"),
            ("fake:cluster.endpoint", ENDPOINT),
            ("fake:creds.arn", SECRET_ARN),
            ("fake:instance.arn", INSTANCE_ARN),
            ("fake:db.name", "app"),
        ];
        testing::with_real_outputs(testing::deployed_state(&small("app-db", 2.0)), &real)
    }

    fn aurora(database: &str) -> StateLocation {
        StateLocation::Aurora { cluster_arn: CLUSTER_ARN.into(), secret_arn: SECRET_ARN.into(), database: database.into() }
    }

    fn destroy() -> Plan {
        testing::plan(&StackInstance::with_capacity("small", 0), &deployed())
    }

    #[test]
    fn destroying_the_stack_that_holds_the_state_is_refused_naming_the_database() {
        let err = check(&destroy(), &aurora("app")).unwrap_err();
        assert_eq!((err.resource.as_str(), err.action, err.holds), ("db", Action::Delete, Holds::Database));
        assert_eq!(err.also, ["cluster", "instance", "creds"]);
        assert_eq!(
            err.to_string(),
            format!(
                "the state of small is kept in database `app` on cluster {CLUSTER_ARN}, which this plan deletes (the database `db`; also `cluster`, `instance`, `creds`): \
                 move the state out first with `cargo xtask state migrate small --to sqlite`, then run this again. Nothing was changed."
            )
        );
    }

    #[test]
    fn another_database_on_the_same_cluster_is_still_refused_through_the_cluster() {
        let err = check(&destroy(), &aurora("formae_state")).unwrap_err();
        assert_eq!((err.resource.as_str(), err.holds), ("cluster", Holds::Cluster));
        assert_eq!(err.also, ["instance", "creds"]);
    }

    #[test]
    fn replacing_the_cluster_is_refused() {
        let plan = testing::plan(&small("app-db-2", 2.0), &deployed());
        assert_eq!(plan.change("cluster").map(|c| c.action), Some(Action::Replace));
        let err = check(&plan, &aurora("app")).unwrap_err();
        // The database goes with its cluster: it is named first.
        assert_eq!((err.resource.as_str(), err.action), ("db", Action::Replace));
        assert!(err.also.contains(&"cluster".to_owned()), "{err}");
        assert!(err.to_string().contains("which this plan replaces (the database `db`"), "{err}");
    }

    #[test]
    fn a_plan_that_leaves_the_state_alone_passes() {
        let unchanged = testing::plan(&small("app-db", 2.0), &deployed());
        check(&unchanged, &aurora("app")).unwrap();
        // Scaling changes in place.
        let scaled = testing::plan(&small("app-db", 4.0), &deployed());
        assert_eq!(scaled.change("cluster").map(|c| c.action), Some(Action::Update));
        check(&scaled, &aurora("app")).unwrap();
        // Deleting what the state does not need.
        let mut fewer = small("app-db", 2.0);
        fewer.resources.retain(|r| r.name != "other");
        let plan = testing::plan(&fewer, &deployed());
        assert_eq!(plan.change("other").map(|c| c.action), Some(Action::Delete));
        check(&plan, &aurora("app")).unwrap();
    }

    #[test]
    fn state_elsewhere_passes_even_a_destroy() {
        let elsewhere = StateLocation::Aurora {
            cluster_arn: "arn:aws:rds:eu-west-1:123456789012:cluster:app-db".into(),
            secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:state-XyZ789".into(),
            database: "app".into(),
        };
        // Same identifier, another region: another cluster.
        check(&destroy(), &elsewhere).unwrap();
        check(&destroy(), &StateLocation::Sqlite { path: PathBuf::from(".formae/state.db") }).unwrap();
        check(&destroy(), &StateLocation::Postgres { hosts: vec!["db.internal".into()], database: Some("app".into()) }).unwrap();
    }

    #[test]
    fn postgres_on_the_clusters_endpoint_is_refused() {
        let location = StateLocation::Postgres { hosts: vec![ENDPOINT.to_uppercase()], database: Some("app".into()) };
        let err = check(&destroy(), &location).unwrap_err();
        assert_eq!((err.resource.as_str(), err.holds), ("db", Holds::Database));
        assert_eq!(err.also, ["cluster", "instance"], "the Data API's secret is not what a PostgreSQL URL signs in with");
        assert!(err.to_string().contains(&format!("database `app` on PostgreSQL server {}", ENDPOINT.to_uppercase())), "{err}");
    }

    #[test]
    fn a_secret_given_without_its_suffix_is_the_same_secret() {
        assert!(same_secret(SECRET_ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-creds"));
        assert!(!same_secret(SECRET_ARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:app"));
        assert_eq!(cluster_id_of(CLUSTER_ARN).as_deref(), Some("app-db"));
        assert_eq!(region_account(INSTANCE_ARN), Some(("aws", "us-east-1", "123456789012")));
    }
}
