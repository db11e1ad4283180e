//! `Formae::RDSData::Database`: a PostgreSQL database created through the Data API.

use serde::{Deserialize, Serialize};

use crate::ids::{DbClusterArn, SecretArn};
use crate::resource::{Props, Resource, ResourceMeta};
use crate::value::Value;

/// A database inside an Aurora PostgreSQL cluster, created with `CREATE DATABASE` over
/// the Data API. The cluster needs a running instance first: declare `depends_on` it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Database {
    /// The cluster, reached through its Data API.
    pub cluster_arn: Value<DbClusterArn>,
    /// The secret with the credentials the Data API uses.
    pub secret_arn: Value<SecretArn>,
    /// The database's name (letters, digits, underscores).
    pub name: Value<String>,
}

impl Props for Database {
    const REQUIRED: &'static [crate::resource::Required] =
        crate::required!(Database: cluster_arn, secret_arn, name);
}

crate::outputs! {
    /// Outputs of a [`Database`].
    DatabaseOutputs {
        /// The database's name.
        name: String,
    }
}

impl Resource for Database {
    const META: ResourceMeta = ResourceMeta {
        type_name: "Formae::RDSData::Database",
        create_only: &["cluster_arn", "name"],
        write_only: &[],
        sensitive: &[],
        identity: &["cluster_arn", "name"],
        outputs: DatabaseOutputs::ATTRS,
    };
    type Outputs = DatabaseOutputs;
    fn outputs(name: &'static str) -> DatabaseOutputs {
        DatabaseOutputs::new(name)
    }
}
