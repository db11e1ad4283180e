//! `AWS::RDS::DBCluster` (Aurora, Serverless v2) and `AWS::RDS::DBInstance`.

use crate::rules::capacities;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::Tag;
use crate::ids::{DbClusterArn, DbInstanceArn, SecretArn};
use crate::invalid::{Invalid, PropertyPath};
use crate::literal::{Check, LiteralRule};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::{Sensitive, Value};

/// A DB cluster's identifier, as a type of its own so an instance can only be placed
/// in a cluster, not in any string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DbClusterId(pub String);

impl fmt::Display for DbClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Aurora DB cluster.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbCluster {
    /// The cluster identifier (lowercase letters, digits, hyphens).
    pub db_cluster_identifier: Value<String>,
    /// The engine, e.g. `aurora-postgresql`.
    pub engine: Value<String>,
    /// The engine version, e.g. `16.4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<Value<String>>,
    /// Aurora Serverless v2 capacity range, in ACUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless_v2_scaling: Option<ServerlessV2Scaling>,
    /// The master user's name.
    pub master_username: Value<String>,
    /// The master user's password; leave unset with `manage_master_user_password`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_user_password: Option<Value<Sensitive>>,
    /// Let RDS generate the master password and keep it in Secrets Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_master_user_password: Option<Value<bool>>,
    /// Turns on the Data API (HTTPS access without VPC connectivity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_http_endpoint: Option<Value<bool>>,
    /// A database created with the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_name: Option<Value<String>>,
    /// Days automated backups are kept (1 to 35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_retention_period: Option<Value<u32>>,
    /// Refuse deletion until turned off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_protection: Option<Value<bool>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub tags: Vec<Tag>,
}

/// Aurora Serverless v2 capacity, in Aurora capacity units (0 or 0.5 to 256).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServerlessV2Scaling {
    /// Minimum ACUs.
    pub min_capacity: Value<f64>,
    /// Maximum ACUs.
    pub max_capacity: Value<f64>,
}

impl Props for ServerlessV2Scaling {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(ServerlessV2Scaling: min_capacity, max_capacity);
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "min_capacity",
            check: Check::Capacity,
            message: "min_capacity is not a capacity Aurora Serverless v2 offers: use 0 to 256 ACUs in steps of 0.5",
        },
        LiteralRule {
            field: "max_capacity",
            check: Check::Capacity,
            message: "max_capacity is not a capacity Aurora Serverless v2 offers: use 0 to 256 ACUs in steps of 0.5",
        },
        LiteralRule {
            field: "min_capacity",
            check: Check::AtMost { other: "max_capacity" },
            message: "min_capacity is above max_capacity: lower the minimum or raise the maximum",
        },
    ];
}

impl Props for DbCluster {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(DbCluster: db_cluster_identifier, engine, master_username);
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "db_cluster_identifier",
            check: Check::RdsIdentifier,
            message: "db_cluster_identifier is not an identifier RDS accepts: use 1 to 63 letters, digits and hyphens, starting with a letter, with no two hyphens in a row and none at the end",
        },
    ];
}

crate::outputs! {
    /// Outputs of a [`DbCluster`].
    DbClusterOutputs {
        /// The cluster's ARN (what the Data API addresses).
        arn: DbClusterArn,
        /// The cluster identifier, for instances.
        identifier: DbClusterId,
        /// The writer endpoint's host name.
        endpoint: String,
        /// The RDS-managed master secret, with `manage_master_user_password`.
        master_user_secret_arn: SecretArn,
    }
}

impl Resource for DbCluster {
    const META: ResourceMeta = ResourceMeta {
        type_name: "AWS::RDS::DBCluster",
        create_only: &["db_cluster_identifier", "engine", "master_username", "database_name"],
        write_only: &["master_user_password"],
        identity: &["db_cluster_identifier"],
        outputs: DbClusterOutputs::ATTRS,
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = DbClusterOutputs;
    fn outputs(name: &'static str) -> DbClusterOutputs {
        DbClusterOutputs::new(name)
    }
    fn validate(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        super::rds_identifier("db_cluster_identifier", &self.db_cluster_identifier, &mut out);
        if let Some(s) = &self.serverless_v2_scaling {
            let scaling = PropertyPath::field("serverless_v2_scaling");
            capacities(&scaling, s.min_capacity.get().copied(), s.max_capacity.get().copied(), &mut out);
        }
        out
    }
}


/// Whether `running` is a later minor version of `declared`'s major version (`16.6`
/// for `16.4`): what AWS's automatic minor upgrades leave.
#[cfg(feature = "aws")]
pub(crate) fn newer_minor_running(declared: &str, running: Option<&str>) -> bool {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.split('.');
        Some((parts.next()?.parse().ok()?, parts.next().unwrap_or("0").parse().ok()?))
    };
    match (parse(declared), running.and_then(parse)) {
        (Some((dm, dn)), Some((rm, rn))) => dm == rm && rn > dn,
        _ => false,
    }
}


/// A DB instance; for Aurora Serverless v2, class `db.serverless` in a cluster.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DbInstance {
    /// The instance identifier.
    pub db_instance_identifier: Value<String>,
    /// The cluster the instance belongs to.
    pub db_cluster_identifier: Value<DbClusterId>,
    /// The instance class, `db.serverless` for Serverless v2.
    pub db_instance_class: Value<String>,
    /// The engine; must match the cluster's.
    pub engine: Value<String>,
    /// Reachable from the internet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<Value<bool>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "super::is_empty")]
    pub tags: Vec<Tag>,
}

impl Props for DbInstance {
    const REQUIRED: &'static [crate::resource::Required] = crate::required!(
        DbInstance: db_instance_identifier,
        db_cluster_identifier,
        db_instance_class,
        engine
    );
    const LITERAL_RULES: &'static [LiteralRule] = &[
        LiteralRule {
            field: "db_instance_identifier",
            check: Check::RdsIdentifier,
            message: "db_instance_identifier is not an identifier RDS accepts: use 1 to 63 letters, digits and hyphens, starting with a letter, with no two hyphens in a row and none at the end",
        },
    ];
}

crate::outputs! {
    /// Outputs of a [`DbInstance`].
    DbInstanceOutputs {
        /// The instance's ARN.
        arn: DbInstanceArn,
        /// The instance identifier.
        identifier: String,
    }
}

impl Resource for DbInstance {
    const META: ResourceMeta = ResourceMeta {
        type_name: "AWS::RDS::DBInstance",
        create_only: &["db_instance_identifier", "db_cluster_identifier", "engine", "publicly_accessible"],
        write_only: &[],
        identity: &["db_instance_identifier"],
        outputs: DbInstanceOutputs::ATTRS,
        reruns_when_dependencies_change: false,
        is_check: false,
        unordered: &[],
        cloud_control: None,
    };
    type Outputs = DbInstanceOutputs;
    fn outputs(name: &'static str) -> DbInstanceOutputs {
        DbInstanceOutputs::new(name)
    }
    fn validate(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        super::rds_identifier("db_instance_identifier", &self.db_instance_identifier, &mut out);
        out
    }
}

#[cfg(feature = "aws")]
mod ops;
