//! A large stack's resources, added by functions in modules of their own.
//!
//! The compiler types, checks and optimises a function as one unit, and makes one unit of
//! machine code per module. One `instance` function holding every resource of a
//! 10,000-resource stack was optimised on one core. So runs of consecutive resources (in
//! dependency order) go into functions of [`PART`] resources, each in a module of its
//! own, which the compiler builds on every core. After an edit that keeps the stack's
//! text the same length, an incremental build also reuses the parts the edit does not
//! touch; after one that changes the length, it rebuilds them all.
//!
//! A resource goes into a part when it is plain (not a family or a component's instance)
//! and uses only plain resources, so that its part can bind the outputs it uses itself.
//! Everything else stays in `instance`, between the parts, in order. A stack that reads
//! other stacks, or has no more than [`PART`] resources, stays in `instance` whole.

use std::collections::{BTreeSet, HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::check::Checked;

/// Resources per part.
pub const PART: usize = 64;

/// A stack's resources as `instance` adds them: each add in order, or the call of a part.
pub struct Parts {
    /// What `instance` runs after binding the handles, in order.
    pub steps: Vec<TokenStream>,
    /// The module holding the parts (empty when there are none).
    pub module: TokenStream,
    /// What `instance` writes for the literal checks' `const`: the `const` itself, or,
    /// when it lives in the parts' module, a `use` of it.
    pub literal_broken: TokenStream,
}

/// Splits `adds` (one per resource, in `checked.order`) into parts where it can.
pub fn split(checked: &Checked, adds: Vec<TokenStream>) -> Parts {
    let def = &checked.def;
    let ident = &def.ident;
    if def.resources.len() <= PART || !def.stack_refs.is_empty() {
        return Parts { steps: adds, module: TokenStream::new(), literal_broken: checked.literal_broken.clone() };
    }
    let plain: HashSet<String> = def
        .resources
        .iter()
        .zip(&checked.resources)
        .filter(|(r, c)| !r.component && c.each.is_none())
        .map(|(r, _)| r.ident.to_string())
        .collect();
    let index: HashMap<String, usize> = def.resources.iter().enumerate().map(|(i, r)| (r.ident.to_string(), i)).collect();
    let fits = |i: usize| {
        let c = &checked.resources[i];
        plain.contains(&def.resources[i].ident.to_string()) && c.members.is_empty() && c.deps.iter().all(|d| plain.contains(d))
    };

    let params_ident = format_ident!("{}Params", ident);
    let module = format_ident!("__formae_parts_{}", ident);
    let mut steps = Vec::new();
    let mut parts = Vec::new();
    let mut run: Vec<(usize, TokenStream)> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, TokenStream)>, steps: &mut Vec<TokenStream>| {
        if run.is_empty() {
            return;
        }
        let part = format_ident!("part_{}", parts.len());
        // The outputs this part's resources use, bound as `instance` binds them.
        let used: BTreeSet<&String> = run.iter().flat_map(|(i, _)| &checked.resources[*i].deps).collect();
        let handles = used.iter().map(|d| {
            let id = format_ident!("{}", d);
            let handle = crate::body::outputs_of(&checked.resources[index[*d]].ty, &quote! { #d });
            quote! { let #id = #handle; }
        });
        let body = run.iter().map(|(_, add)| add);
        parts.push(quote! {
            #[allow(unused_imports)]
            pub(super) mod #part {
                use super::*;
                #[allow(unused_variables, clippy::redundant_clone, clippy::needless_update)]
                pub(in super::super) fn add(
                    __formae_p: &#params_ident,
                    __formae_s: &mut ::formae_runtime::StackInstance,
                ) {
                    #(#handles)*
                    #(#body)*
                }
            }
        });
        steps.push(quote! { #module::#part::add(__formae_p, __formae_s); });
        run.clear();
    };
    for (&i, add) in checked.order.iter().zip(adds) {
        if fits(i) {
            run.push((i, add));
            if run.len() == PART {
                flush(&mut run, &mut steps);
            }
        } else {
            flush(&mut run, &mut steps);
            steps.push(add);
        }
    }
    flush(&mut run, &mut steps);

    let aliases = &checked.aliases;
    // Seen by `instance` (its own resources' checks) and by every part.
    let checks = &checked.literal_broken;
    let (checks, literal_broken) = match checks.is_empty() {
        true => (TokenStream::new(), TokenStream::new()),
        false => (quote! { pub(super) #checks }, quote! { use #module::__FORMAE_BROKEN; }),
    };
    let module = quote! {
        #[doc(hidden)]
        #[allow(unused_imports, non_snake_case)]
        mod #module {
            use super::*;
            #(#aliases)*
            #checks
            #(#parts)*
        }
    };
    Parts { steps, module, literal_broken }
}

#[cfg(test)]
mod tests {
    /// The expansion of a stack of a `chain` of secrets, then a family and its user.
    fn expansion(chain: usize) -> String {
        let mut src = String::from("pub stack Big = \"big\" { param keys: List<String> = [\"a\"];");
        for i in 0..chain {
            let value = if i == 0 { "SecretSource::env(\"X\")".to_owned() } else { format!("template!(\"{{s{}.arn}}\")", i - 1) };
            src += &format!("resource s{i} = Secret {{ name: \"s{i}\", secret_string: {value} }};");
        }
        src += "resource copies[k in keys] = Secret { name: template!(\"c-{k}\"), secret_string: template!(\"{s0.arn}\") };";
        src += "resource user = Secret { name: \"u\", secret_string: json!({ \"from\": copies[\"a\"].arn }) }; }";
        let tokens: proc_macro2::TokenStream = src.parse().expect("the stack's tokens");
        crate::expand(tokens).to_string()
    }

    #[test]
    fn runs_of_plain_resources_go_into_parts_and_a_family_and_its_user_stay_in_instance() {
        let out = expansion(130);
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("mod __formae_parts_Big"));
        // 130 plain resources: parts of 64, 64 and 2; the family and its user are added
        // by `instance` itself.
        for part in ["part_0", "part_1", "part_2"] {
            assert!(out.contains(&format!("mod {part}")), "{part}");
            assert!(out.contains(&format!("__formae_parts_Big :: {part} :: add (__formae_p , __formae_s)")), "{part} is called");
        }
        assert!(!out.contains("mod part_3"));
        assert_eq!(out.matches("family :: Family :: new").count(), 1, "the family's handle is bound once, in `instance`");
        assert!(out.contains("use __formae_parts_Big :: __FORMAE_BROKEN"), "`instance` reads the checks its own resources use");
    }

    #[test]
    fn a_stack_of_one_part_or_fewer_is_added_by_instance_alone() {
        let out = expansion(super::PART - 2);
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("__formae_parts_"));
        assert!(out.contains("const __FORMAE_BROKEN"));
    }
}
