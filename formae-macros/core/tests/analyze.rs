//! The checks of `stack!` run as plain code over token streams.

use formae_macros_core::analyze;
use quote::quote;

fn errors(input: proc_macro2::TokenStream) -> Vec<String> {
    match analyze(input) {
        Ok(_) => Vec::new(),
        Err(es) => es.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_valid_stack_is_ordered_by_dependencies_with_ties_in_declaration_order() {
    let checked = analyze(quote! {
        pub stack S = "s" {
            param p: String = "x";
            resource late = Secret { name: "l", secret_string: template!("{early.arn}") };
            resource early = Secret { name: p, secret_string: "e" };
            resource free = Secret { name: "f", secret_string: "f" };
            resource last = Secret { name: "z", secret_string: "z" } depends_on [late, free];
        }
    })
    .unwrap_or_else(|e| panic!("{:?}", e.iter().map(ToString::to_string).collect::<Vec<_>>()));
    let names: Vec<String> =
        checked.order.iter().map(|&i| checked.def.resources[i].ident.to_string()).collect();
    assert_eq!(names, ["early", "late", "free", "last"]);
    assert_eq!(checked.resources[0].deps, ["early"]);
    assert_eq!(checked.resources[3].deps, ["late", "free"]);
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let e = errors(quote! {
        stack S = "s" {
            param n: String = "x";
            resource a = Secret { name: nn, secret_string: template!("{b.arn}") };
            resource b = Secret { name: "b", secret_string: template!("{a.arn}") };
            resource a = Secret { name: "dup", secret_string: "x" };
            resource c = Secret { name: c.name, secret_string: "x" } depends_on [zz];
        }
    });
    assert!(e.iter().any(|m| m.starts_with("duplicate name `a`: this stack already has a resource called `a`")), "{e:?}");
    assert!(e.iter().any(|m| m == "unknown resource or parameter `nn`; did you mean `n`?"), "{e:?}");
    assert!(e.iter().any(|m| m.starts_with("resource `c` refers to itself")), "{e:?}");
    assert!(e.iter().any(|m| m == "unknown resource or parameter `zz`"), "{e:?}");
    assert!(e.iter().any(|m| m == "dependency cycle: a -> b -> a"), "{e:?}");
    assert_eq!(e.len(), 5, "{e:?}");
}

#[test]
fn a_duplicate_name_points_at_the_first_declaration() {
    let source = "stack S = \"s\" {\n    param n: String = \"x\";\n    resource a = Secret { name: n, secret_string: \"x\" };\n    resource a = Secret { name: \"b\", secret_string: \"x\" };\n}";
    let e = errors(source.parse().unwrap());
    assert_eq!(e, ["duplicate name `a`: this stack already has a resource called `a`, declared at line 3; rename one of them"]);
}

#[test]
fn a_cycle_is_reported_once_whatever_depends_on_it() {
    let e = errors(quote! {
        stack S = "s" {
            resource a = Secret { name: "a", secret_string: template!("{b.arn}") };
            resource b = Secret { name: "b", secret_string: template!("{a.arn}") };
            resource c = Secret { name: "c", secret_string: template!("{a.arn}") };
            resource d = Secret { name: "d", secret_string: template!("{c.arn}") };
        }
    });
    assert_eq!(e, ["dependency cycle: a -> b -> a"]);
}

#[test]
fn functions_paths_and_constants_are_not_taken_for_stack_names() {
    let e = errors(quote! {
        stack S = "s" {
            resource r = Role {
                role_name: "r",
                assume_role_policy: PolicyDocument { statements: [Statement {
                    effect: Effect::Allow,
                    principals: [Principal::service("ecs.amazonaws.com")],
                    actions: [ACTION, some_fn("x")],
                }] },
            };
        }
    });
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn other_macros_in_values_are_refused() {
    let e = errors(quote! {
        stack S = "s" {
            resource r = Secret { name: format!("x"), secret_string: "y" };
        }
    });
    assert_eq!(e, ["only template!(...) and json!(...) can be used inside a stack's values"]);
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    for input in [
        quote! {},
        quote! { stack },
        quote! { stack S = "s" { resource x = 5; } },
        quote! { stack S = "s" { param : String; } },
        quote! { stack S = "s" { resource x = Secret { name: json!({ 5: 1 }) }; } },
        quote! { stack S = "s" { resource x = Secret { ..Default::default() }; } },
    ] {
        assert!(analyze(input).is_err());
    }
}
