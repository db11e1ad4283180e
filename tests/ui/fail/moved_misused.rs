use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// Moves from names still declared, to names not declared, and twice.
    pub stack S = "s" {
        param p: String = "x";
        resource a = Secret { name: "a", secret_string: SecretSource::env("A") };
        moved a => b;
        moved old => nowhere.x;
        moved old => p;
        moved gone => a;
        moved gone => a;
        moved 3 => a;
        moved a => a;
    }
}

fn main() {}
