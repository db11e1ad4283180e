use formae_aws::sqs::Queue;
use formae_macros::stack;
use formae_runtime::lifecycle::Lifecycle;
use formae_runtime::prelude::*;

stack! {
    /// Every lifecycle attribute, on hand-written and generated types.
    pub stack Kept = "kept" {
        param prod: bool = false;
        param queue_name: String = "jobs";
        #[protect]
        #[ignore_changes(description, tags)]
        #[allow_data_loss]
        resource db = Secret { name: "db", secret_string: SecretSource::env("DB") };
        #[protect(prod)]
        #[moved_from(old_queue)]
        /// The work queue; its visibility timeout is tuned by hand.
        #[ignore_changes(visibility_timeout)]
        resource queue = Queue { queue_name: template!("{queue_name}-v2"), visibility_timeout: 30 };
        #[create_before_destroy]
        resource spare = Queue { visibility_timeout: 60 };
        param replica_region: String = "eu-west-1";
        #[region(replica_region)]
        resource replica = Queue { visibility_timeout: 60 };
        #[region("us-west-2")]
        resource west = Queue { visibility_timeout: 60 };
    }
}

fn main() {
    let off = Kept::new(KeptParams::default()).instance();
    let db = off.resource("db").unwrap();
    assert_eq!(
        db.lifecycle,
        Lifecycle { protect: true, ignore_changes: &["description", "tags"], allow_data_loss: true, ..Lifecycle::default() }
    );
    let queue = off.resource("queue").unwrap();
    assert!(!queue.lifecycle.protect, "protected only when `prod` is");
    assert_eq!(queue.lifecycle.moved_from, Some("old_queue"));
    assert!(off.resource("spare").unwrap().lifecycle.create_before_destroy);
    assert_eq!(off.resource("replica").unwrap().lifecycle.region, Some("eu-west-1"));
    assert_eq!(off.resource("west").unwrap().lifecycle.region, Some("us-west-2"));
    assert_eq!(off.resource("db").unwrap().lifecycle.region, None);
    let args = [("prod".to_owned(), "true".to_owned())];
    let on = Kept::new(KeptParams::from_args(&args).unwrap()).instance();
    assert!(on.resource("queue").unwrap().lifecycle.protect);
    assert_ne!(off.fingerprint(), on.fingerprint(), "the protection is part of what the stack declares");
}
