use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// A family used as one resource, keys from a resource, and a key that shadows.
    pub stack S = "s" {
        param tenants: List<String> = ["a"];
        param name: String = "x";
        resource creds[t in tenants] = Secret { name: t, secret_string: SecretSource::env("A") };
        resource one = Secret { name: "one", secret_string: template!("{creds.arn}") };
        resource two = Secret { name: "two", secret_string: SecretSource::env("B") };
        resource bad[t in two] = Secret { name: t, secret_string: SecretSource::env("C") };
        resource shadow[name in tenants] = Secret { name: name, secret_string: SecretSource::env("D") };
        resource three = Secret { name: "three", secret_string: SecretSource::env("X"), description: two["a"].arn };
        resource nums[n in [1, 2]] = Secret { name: "n", secret_string: SecretSource::env("E") };
        #[moved_from(old)]
        resource moved[t in tenants] = Secret { name: t, secret_string: SecretSource::env("F") };
    }
}

fn main() {}
