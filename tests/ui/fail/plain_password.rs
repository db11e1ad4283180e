use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A password written into the stack instead of read from a secret source.
    pub stack S = "s" {
        resource cluster = DbCluster {
            db_cluster_identifier: "c",
            engine: "aurora-postgresql",
            master_username: "postgres",
            master_user_password: "hunter2",
        };
    }
}

fn main() {}
