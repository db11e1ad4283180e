use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Attributes that are unknown, repeated, malformed, or name the wrong thing.
    pub stack S = "s" {
        param prod: bool = true;
        #[protected]
        resource a = Secret { name: "a", secret_string: SecretSource::env("A") };
        #[protect]
        #[protect]
        resource b = Secret { name: "b", secret_string: SecretSource::env("B") };
        #[protect(a)]
        resource c = Secret { name: "c", secret_string: SecretSource::env("C") };
        #[protect(prd)]
        resource d = Secret { name: "d", secret_string: SecretSource::env("D") };
        #[ignore_changes]
        resource e = Secret { name: "e", secret_string: SecretSource::env("E") };
        #[moved_from(a)]
        resource f = Secret { name: "f", secret_string: SecretSource::env("F") };
        #[moved_from(old)]
        resource g = Secret { name: "g", secret_string: SecretSource::env("G") };
        #[moved_from(old)]
        resource h = Secret { name: "h", secret_string: SecretSource::env("H") };
        #[create_before_destroy(now)]
        resource i = Secret { name: "i", secret_string: SecretSource::env("I") };
        #[region("Europe")]
        resource j = Secret { name: "j", secret_string: SecretSource::env("J") };
        #[region(a)]
        resource k = Secret { name: "k", secret_string: SecretSource::env("K") };
    }
}

fn main() {}
