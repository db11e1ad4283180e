use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// The same mistake at three places is reported once, at the first, counting the
    /// others; a different mistake in the same type is reported on its own.
    pub stack S = "s" {
        resource a = Secret { name: "a" };
        resource b = Secret { name: "b" };
        resource c = Secret { name: "c" };
        resource d = Secret { secret_string: SecretSource::env("D") };
        resource e = Secret { name: "bad name", secret_string: SecretSource::env("E") };
        resource f = Secret { name: "bad name", secret_string: SecretSource::env("F") };
    }
}

fn main() {}
