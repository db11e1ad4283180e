use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Secrets written as literals inside json! and template!, under keys that name them.
    pub stack S = "s" {
        resource creds = Secret {
            name: "creds",
            secret_string: json!({ "username": "app", "password": "hunter2", "db": { "apiKey": "k-123" } }),
        };
        resource cluster = DbCluster {
            db_cluster_identifier: "c",
            engine: "aurora-postgresql",
            master_username: "postgres",
            master_user_password: template!("hunter2"),
        };
    }
}

fn main() {}
