use formae_macros::stack;
use formae_runtime::prelude::*;

stack! {
    /// More resources than one part holds: a broken literal in a part is reported at it,
    /// as one in `instance` is.
    pub stack S = "s" {
        resource s0 = Secret { name: "s0", secret_string: SecretSource::env("S") };
        resource s1 = Secret { name: "s1", secret_string: SecretSource::env("S") };
        resource s2 = Secret { name: "s2", secret_string: SecretSource::env("S") };
        resource s3 = Secret { name: "s3", secret_string: SecretSource::env("S") };
        resource s4 = Secret { name: "s4", secret_string: SecretSource::env("S") };
        resource s5 = Secret { name: "s5", secret_string: SecretSource::env("S") };
        resource s6 = Secret { name: "s6", secret_string: SecretSource::env("S") };
        resource s7 = Secret { name: "s7", secret_string: SecretSource::env("S") };
        resource s8 = Secret { name: "s8", secret_string: SecretSource::env("S") };
        resource s9 = Secret { name: "s9", secret_string: SecretSource::env("S") };
        resource s10 = Secret { name: "s10", secret_string: SecretSource::env("S") };
        resource s11 = Secret { name: "s11", secret_string: SecretSource::env("S") };
        resource s12 = Secret { name: "s12", secret_string: SecretSource::env("S") };
        resource s13 = Secret { name: "s13", secret_string: SecretSource::env("S") };
        resource s14 = Secret { name: "s14", secret_string: SecretSource::env("S") };
        resource s15 = Secret { name: "s15", secret_string: SecretSource::env("S") };
        resource s16 = Secret { name: "s16", secret_string: SecretSource::env("S") };
        resource s17 = Secret { name: "s17", secret_string: SecretSource::env("S") };
        resource s18 = Secret { name: "s18", secret_string: SecretSource::env("S") };
        resource s19 = Secret { name: "s19", secret_string: SecretSource::env("S") };
        resource s20 = Secret { name: "s20", secret_string: SecretSource::env("S") };
        resource s21 = Secret { name: "s21", secret_string: SecretSource::env("S") };
        resource s22 = Secret { name: "s22", secret_string: SecretSource::env("S") };
        resource s23 = Secret { name: "s23", secret_string: SecretSource::env("S") };
        resource s24 = Secret { name: "s24", secret_string: SecretSource::env("S") };
        resource s25 = Secret { name: "s25", secret_string: SecretSource::env("S") };
        resource s26 = Secret { name: "s26", secret_string: SecretSource::env("S") };
        resource s27 = Secret { name: "s27", secret_string: SecretSource::env("S") };
        resource s28 = Secret { name: "s28", secret_string: SecretSource::env("S") };
        resource s29 = Secret { name: "s29", secret_string: SecretSource::env("S") };
        resource s30 = Secret { name: "s30", secret_string: SecretSource::env("S") };
        resource s31 = Secret { name: "s31", secret_string: SecretSource::env("S") };
        resource s32 = Secret { name: "s32", secret_string: SecretSource::env("S") };
        resource s33 = Secret { name: "s33", secret_string: SecretSource::env("S") };
        resource s34 = Secret { name: "s34", secret_string: SecretSource::env("S") };
        resource s35 = Secret { name: "s35", secret_string: SecretSource::env("S") };
        resource s36 = Secret { name: "s36", secret_string: SecretSource::env("S") };
        resource s37 = Secret { name: "s37", secret_string: SecretSource::env("S") };
        resource s38 = Secret { name: "s38", secret_string: SecretSource::env("S") };
        resource s39 = Secret { name: "s39", secret_string: SecretSource::env("S") };
        resource s40 = Secret { name: "s40", secret_string: SecretSource::env("S") };
        resource s41 = Secret { name: "s41", secret_string: SecretSource::env("S") };
        resource s42 = Secret { name: "s42", secret_string: SecretSource::env("S") };
        resource s43 = Secret { name: "s43", secret_string: SecretSource::env("S") };
        resource s44 = Secret { name: "s44", secret_string: SecretSource::env("S") };
        resource s45 = Secret { name: "s45", secret_string: SecretSource::env("S") };
        resource s46 = Secret { name: "s46", secret_string: SecretSource::env("S") };
        resource s47 = Secret { name: "s47", secret_string: SecretSource::env("S") };
        resource s48 = Secret { name: "s48", secret_string: SecretSource::env("S") };
        resource s49 = Secret { name: "s49", secret_string: SecretSource::env("S") };
        resource s50 = Secret { name: "s50", secret_string: SecretSource::env("S") };
        resource s51 = Secret { name: "s51", secret_string: SecretSource::env("S") };
        resource s52 = Secret { name: "s52", secret_string: SecretSource::env("S") };
        resource s53 = Secret { name: "s53", secret_string: SecretSource::env("S") };
        resource s54 = Secret { name: "s54", secret_string: SecretSource::env("S") };
        resource s55 = Secret { name: "s55", secret_string: SecretSource::env("S") };
        resource s56 = Secret { name: "s56", secret_string: SecretSource::env("S") };
        resource s57 = Secret { name: "s57", secret_string: SecretSource::env("S") };
        resource s58 = Secret { name: "s58", secret_string: SecretSource::env("S") };
        resource s59 = Secret { name: "s59", secret_string: SecretSource::env("S") };
        resource s60 = Secret { name: "s60", secret_string: SecretSource::env("S") };
        resource s61 = Secret { name: "s61", secret_string: SecretSource::env("S") };
        resource s62 = Secret { name: "s62", secret_string: SecretSource::env("S") };
        resource s63 = Secret { name: "s63", secret_string: SecretSource::env("S") };
        resource s64 = Secret { name: "s64", secret_string: SecretSource::env("S") };
        resource s65 = Secret { name: "bad name", secret_string: SecretSource::env("S") };
    }
}

fn main() {}
