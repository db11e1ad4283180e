//! Deletes that lose data: a plan that deletes or replaces a resource holding data (a
//! database, a bucket, a table, a file system, a key) is shown apart, and is applied only
//! when the caller says so explicitly (`--allow-data-loss`), whatever else it was told.

use serde::{Deserialize, Serialize};

use super::model::{Action, Plan};

/// The types whose resources hold data that a delete destroys with them: databases and
/// their instances, buckets, tables, file systems, volumes, streams, repositories, vaults
/// and keys (what a key encrypted cannot be read once it is gone).
pub const HOLDS_DATA: &[&str] = &[
    "AWS::Backup::BackupVault",
    "AWS::Cassandra::Keyspace",
    "AWS::Cassandra::Table",
    "AWS::DSQL::Cluster",
    "AWS::DocDB::DBCluster",
    "AWS::DocDB::DBInstance",
    "AWS::DocDBElastic::Cluster",
    "AWS::DynamoDB::GlobalTable",
    "AWS::DynamoDB::Table",
    "AWS::EC2::Volume",
    "AWS::ECR::Repository",
    "AWS::EFS::FileSystem",
    "AWS::FSx::FileSystem",
    "AWS::FSx::Volume",
    "AWS::KMS::Key",
    "AWS::KMS::ReplicaKey",
    "AWS::Kinesis::Stream",
    "AWS::Lightsail::Database",
    "AWS::Lightsail::Disk",
    "AWS::MemoryDB::Cluster",
    "AWS::Neptune::DBCluster",
    "AWS::Neptune::DBInstance",
    "AWS::NeptuneGraph::Graph",
    "AWS::OpenSearchService::Domain",
    "AWS::QLDB::Ledger",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::RDS::GlobalCluster",
    "AWS::Redshift::Cluster",
    "AWS::RedshiftServerless::Namespace",
    "AWS::S3::Bucket",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3Tables::Table",
    "AWS::S3Tables::TableBucket",
    "AWS::S3Vectors::VectorBucket",
    "AWS::Timestream::Database",
    "AWS::Timestream::Table",
    "Formae::RDSData::Database",
];

/// Whether resources of `type_name` hold data a delete destroys.
pub fn holds_data(type_name: &str) -> bool {
    HOLDS_DATA.binary_search(&type_name).is_ok()
}

/// A resource holding data that a plan deletes or replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataLoss {
    /// The resource's name in the stack.
    pub resource: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// [`Action::Delete`] or [`Action::Replace`].
    pub action: Action,
    /// The stack allows it (`#[allow_data_loss]` on the resource): shown, not refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allowed: bool,
}

impl Plan {
    /// The resources holding data this plan deletes or replaces, in plan order.
    pub fn data_loss(&self) -> Vec<DataLoss> {
        self.changes
            .iter()
            .filter(|c| matches!(c.action, Action::Delete | Action::Replace) && holds_data(&c.type_name))
            .map(|c| DataLoss {
                resource: c.resource.clone(),
                type_name: c.type_name.clone(),
                action: c.action,
                allowed: c.lifecycle.allow_data_loss,
            })
            .collect()
    }
}

/// A plan that would lose data, not allowed to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "this plan deletes data: {} hold{} data that {} with {}. Nothing was changed. If that is meant, run it again with --allow-data-loss (--yes alone is not enough), or mark each such resource #[allow_data_loss] in the stack.",
    names(.losses),
    if .losses.len() == 1 { "s" } else { "" },
    if .losses.len() == 1 { "goes" } else { "go" },
    if .losses.len() == 1 { "it" } else { "them" }
)]
pub struct DataLossRefused {
    /// What would be lost.
    pub losses: Vec<DataLoss>,
}

fn names(losses: &[DataLoss]) -> String {
    let one = |l: &DataLoss| format!("`{}` ({}, {})", l.resource, l.type_name, if l.action == Action::Replace { "replaced" } else { "deleted" });
    losses.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// Refuses a plan that deletes or replaces a resource holding data, unless `allowed` or
/// the stack allows it for that resource.
pub fn check(plan: &Plan, allowed: bool) -> Result<(), DataLossRefused> {
    let losses: Vec<DataLoss> = plan.data_loss().into_iter().filter(|l| !l.allowed).collect();
    if allowed || losses.is_empty() {
        return Ok(());
    }
    Err(DataLossRefused { losses })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_so_lookups_find_every_type() {
        assert!(HOLDS_DATA.windows(2).all(|w| w[0] < w[1]), "keep HOLDS_DATA sorted and without repeats");
        assert!(holds_data("AWS::RDS::DBCluster") && holds_data("AWS::S3::Bucket") && holds_data("Formae::RDSData::Database"));
        assert!(!holds_data("AWS::IAM::Role") && !holds_data("AWS::SQS::Queue"));
    }
}
