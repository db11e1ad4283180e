//! A stack of more resources than one part holds: the `stack!` macro adds runs of plain
//! resources from functions in modules of their own (which the compiler builds on every
//! core). The stack it builds is the one a plain sequence of adds builds,
//! and what cannot go into a part (a family, what uses one) keeps its place in the order.

use formae_macros::stack;
use formae_runtime::prelude::*;
use formae_runtime::testing::{build, deployed_state, plan};
use formae_runtime::{prop, Action, List, Resource, StackInstance, Template};

stack! {
    /// A chain of 70 secrets, each holding the ARN of the one before; a family in the
    /// middle of the order, a resource that uses it, and one under a condition.
    pub stack Big = "big" {
        param copies_of: List<String> = ["a", "b"];
        param with_last: bool = true;
        resource s0 = Secret { name: "big-s0", secret_string: SecretSource::env("BIG_SECRET") };
        resource s1 = Secret { name: "big-s1", secret_string: template!("{s0.arn}") };
        resource s2 = Secret { name: "big-s2", secret_string: template!("{s1.arn}") };
        resource s3 = Secret { name: "big-s3", secret_string: template!("{s2.arn}") };
        resource s4 = Secret { name: "big-s4", secret_string: template!("{s3.arn}") };
        resource s5 = Secret { name: "big-s5", secret_string: template!("{s4.arn}") };
        resource s6 = Secret { name: "big-s6", secret_string: template!("{s5.arn}") };
        resource s7 = Secret { name: "big-s7", secret_string: template!("{s6.arn}") };
        resource s8 = Secret { name: "big-s8", secret_string: template!("{s7.arn}") };
        resource s9 = Secret { name: "big-s9", secret_string: template!("{s8.arn}") };
        resource s10 = Secret { name: "big-s10", secret_string: template!("{s9.arn}") };
        resource s11 = Secret { name: "big-s11", secret_string: template!("{s10.arn}") };
        resource s12 = Secret { name: "big-s12", secret_string: template!("{s11.arn}") };
        resource s13 = Secret { name: "big-s13", secret_string: template!("{s12.arn}") };
        resource s14 = Secret { name: "big-s14", secret_string: template!("{s13.arn}") };
        resource s15 = Secret { name: "big-s15", secret_string: template!("{s14.arn}") };
        resource s16 = Secret { name: "big-s16", secret_string: template!("{s15.arn}") };
        resource s17 = Secret { name: "big-s17", secret_string: template!("{s16.arn}") };
        resource s18 = Secret { name: "big-s18", secret_string: template!("{s17.arn}") };
        resource s19 = Secret { name: "big-s19", secret_string: template!("{s18.arn}") };
        resource s20 = Secret { name: "big-s20", secret_string: template!("{s19.arn}") };
        resource s21 = Secret { name: "big-s21", secret_string: template!("{s20.arn}") };
        resource s22 = Secret { name: "big-s22", secret_string: template!("{s21.arn}") };
        resource s23 = Secret { name: "big-s23", secret_string: template!("{s22.arn}") };
        resource s24 = Secret { name: "big-s24", secret_string: template!("{s23.arn}") };
        resource s25 = Secret { name: "big-s25", secret_string: template!("{s24.arn}") };
        resource s26 = Secret { name: "big-s26", secret_string: template!("{s25.arn}") };
        resource s27 = Secret { name: "big-s27", secret_string: template!("{s26.arn}") };
        resource s28 = Secret { name: "big-s28", secret_string: template!("{s27.arn}") };
        resource s29 = Secret { name: "big-s29", secret_string: template!("{s28.arn}") };
        resource s30 = Secret { name: "big-s30", secret_string: template!("{s29.arn}") };
        resource s31 = Secret { name: "big-s31", secret_string: template!("{s30.arn}") };
        resource s32 = Secret { name: "big-s32", secret_string: template!("{s31.arn}") };
        resource s33 = Secret { name: "big-s33", secret_string: template!("{s32.arn}") };
        resource s34 = Secret { name: "big-s34", secret_string: template!("{s33.arn}") };
        resource s35 = Secret { name: "big-s35", secret_string: template!("{s34.arn}") };
        resource s36 = Secret { name: "big-s36", secret_string: template!("{s35.arn}") };
        resource s37 = Secret { name: "big-s37", secret_string: template!("{s36.arn}") };
        resource s38 = Secret { name: "big-s38", secret_string: template!("{s37.arn}") };
        resource s39 = Secret { name: "big-s39", secret_string: template!("{s38.arn}") };
        resource s40 = Secret { name: "big-s40", secret_string: template!("{s39.arn}") };
        resource s41 = Secret { name: "big-s41", secret_string: template!("{s40.arn}") };
        resource s42 = Secret { name: "big-s42", secret_string: template!("{s41.arn}") };
        resource s43 = Secret { name: "big-s43", secret_string: template!("{s42.arn}") };
        resource s44 = Secret { name: "big-s44", secret_string: template!("{s43.arn}") };
        resource s45 = Secret { name: "big-s45", secret_string: template!("{s44.arn}") };
        resource s46 = Secret { name: "big-s46", secret_string: template!("{s45.arn}") };
        resource s47 = Secret { name: "big-s47", secret_string: template!("{s46.arn}") };
        resource s48 = Secret { name: "big-s48", secret_string: template!("{s47.arn}") };
        resource s49 = Secret { name: "big-s49", secret_string: template!("{s48.arn}") };
        resource s50 = Secret { name: "big-s50", secret_string: template!("{s49.arn}") };
        resource s51 = Secret { name: "big-s51", secret_string: template!("{s50.arn}") };
        resource s52 = Secret { name: "big-s52", secret_string: template!("{s51.arn}") };
        resource s53 = Secret { name: "big-s53", secret_string: template!("{s52.arn}") };
        resource s54 = Secret { name: "big-s54", secret_string: template!("{s53.arn}") };
        resource s55 = Secret { name: "big-s55", secret_string: template!("{s54.arn}") };
        resource s56 = Secret { name: "big-s56", secret_string: template!("{s55.arn}") };
        resource s57 = Secret { name: "big-s57", secret_string: template!("{s56.arn}") };
        resource s58 = Secret { name: "big-s58", secret_string: template!("{s57.arn}") };
        resource s59 = Secret { name: "big-s59", secret_string: template!("{s58.arn}") };
        resource s60 = Secret { name: "big-s60", secret_string: template!("{s59.arn}") };
        resource s61 = Secret { name: "big-s61", secret_string: template!("{s60.arn}") };
        resource s62 = Secret { name: "big-s62", secret_string: template!("{s61.arn}") };
        resource s63 = Secret { name: "big-s63", secret_string: template!("{s62.arn}") };
        resource s64 = Secret { name: "big-s64", secret_string: template!("{s63.arn}") };
        resource s65 = Secret { name: "big-s65", secret_string: template!("{s64.arn}") };
        resource s66 = Secret { name: "big-s66", secret_string: template!("{s65.arn}") };
        resource s67 = Secret { name: "big-s67", secret_string: template!("{s66.arn}") };
        resource s68 = Secret { name: "big-s68", secret_string: template!("{s67.arn}") };
        resource s69 if with_last = Secret { name: "big-s69", secret_string: template!("{s68.arn}") };
        resource copies[k in copies_of] = Secret { name: template!("big-copy-{k}"), secret_string: template!("{s30.arn}") };
        resource after_copies = Secret { name: "big-after", secret_string: json!({ "from": copies["a"].arn }) };
    }
}

/// The chain as a plain sequence of adds, written against the runtime directly.
fn chain_by_hand(len: usize) -> StackInstance {
    let mut s = StackInstance::with_capacity("big", len);
    let mut prev: Option<&'static str> = None;
    for i in 0..len {
        let name: &'static str = Box::leak(format!("s{i}").into_boxed_str());
        let deps: &'static [&'static str] = match prev {
            Some(p) => Box::leak(vec![p].into_boxed_slice()),
            None => &[],
        };
        let secret_string = match prev {
            Some(p) => prop(Template::new().part(&<Secret as Resource>::outputs(p).arn)),
            None => prop(SecretSource::env("BIG_SECRET")),
        };
        s.add::<Secret>(name, deps, Secret { name: prop(format!("big-s{i}")), secret_string, ..Default::default() });
        prev = Some(name);
    }
    s
}

#[test]
fn a_stack_added_in_parts_is_the_stack_a_plain_sequence_of_adds_builds() {
    let big = build(&Big::ENTRY, &[]);
    let by_hand = chain_by_hand(70);
    let chain: Vec<_> = big.resources.iter().filter(|r| r.name.starts_with('s')).map(|r| (r.name, r.deps, &r.props)).collect();
    let expected: Vec<_> = by_hand.resources.iter().map(|r| (r.name, r.deps, &r.props)).collect();
    assert_eq!(chain, expected);

    // Each resource comes after what it uses; the family and what uses it keep their place.
    let names: Vec<&str> = big.resources.iter().map(|r| r.name).collect();
    let at = |n: &str| names.iter().position(|x| *x == n).unwrap_or_else(|| panic!("{n} is in the stack: {names:?}"));
    for r in &big.resources {
        for d in r.deps {
            assert!(at(d) < at(r.name), "{} comes after {d}", r.name);
        }
    }
    assert!(at("s30") < at(r#"copies["a"]"#) && at(r#"copies["b"]"#) < at("after_copies"));
    assert_eq!(names.len(), 73);
}

#[test]
fn a_condition_and_a_parameter_inside_a_part_are_honoured() {
    let big = build(&Big::ENTRY, &[]);
    let state = deployed_state(&big);
    let without_last = build(&Big::ENTRY, &["with_last=false"]);
    let acted: Vec<(String, Action)> =
        plan(&without_last, &state).changes.iter().filter(|c| c.action != Action::NoOp).map(|c| (c.resource.clone(), c.action)).collect();
    assert_eq!(acted, [("s69".to_owned(), Action::Delete)]);
    let three = build(&Big::ENTRY, &["copies_of=a,b,c"]);
    let acted: Vec<(String, Action)> =
        plan(&three, &state).changes.iter().filter(|c| c.action != Action::NoOp).map(|c| (c.resource.clone(), c.action)).collect();
    assert_eq!(acted, [(r#"copies["c"]"#.to_owned(), Action::Create)]);
}
