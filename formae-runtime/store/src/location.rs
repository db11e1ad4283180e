//! Where a store keeps its data, in terms a plan's resources can be compared with.

use std::path::PathBuf;

/// Where a state store keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// A SQLite file on this machine.
    Sqlite {
        /// The file.
        path: PathBuf,
    },
    /// A PostgreSQL server reached directly.
    Postgres {
        /// The host names (or Unix socket directories) the URL gives.
        hosts: Vec<String>,
        /// The database, if the URL names one (else the server's default for the user).
        database: Option<String>,
    },
    /// A database of an Aurora cluster, reached through the Data API.
    Aurora {
        /// The cluster's ARN.
        cluster_arn: String,
        /// The ARN of the secret the Data API signs in with.
        secret_arn: String,
        /// The database.
        database: String,
    },
}

impl std::fmt::Display for StateLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateLocation::Sqlite { path } => write!(f, "the file {}", path.display()),
            StateLocation::Postgres { hosts, database } => {
                let db = database.as_deref().map_or_else(|| "the default database".to_owned(), |d| format!("database `{d}`"));
                write!(f, "{db} on PostgreSQL server {}", hosts.join(","))
            }
            StateLocation::Aurora { cluster_arn, database, .. } => write!(f, "database `{database}` on cluster {cluster_arn}"),
        }
    }
}
