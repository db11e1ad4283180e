//! Checks of values written as literals in a stack, run by the compiler: the `stack!`
//! macro passes each property set to a literal to [`check`] in a `const`, so a value AWS
//! would reject (a cpu/memory pair Fargate does not offer, say) fails the build at that
//! literal. Values from parameters and references are checked when the stack is built
//! ([`crate::Resource::validate`]); both use the same predicates in [`crate::aws`].

use crate::aws;
use crate::resource::{str_eq, Props};

/// A property's value as written in the stack.
#[derive(Debug, Clone, Copy)]
pub enum Lit {
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
    /// A string literal.
    Str(&'static str),
    /// `true` or `false`.
    Bool(bool),
}

impl Lit {
    const fn number(self) -> Option<f64> {
        match self {
            Lit::Int(i) => Some(i as f64),
            Lit::Float(f) => Some(f),
            _ => None,
        }
    }
}

/// What a rule asks of a property.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// An RDS cluster or instance identifier.
    RdsIdentifier,
    /// A name of 1 to `max` letters, digits and `extra`.
    Name { max: usize, extra: &'static str },
    /// An Aurora Serverless v2 capacity: 0 to 256 ACUs in steps of 0.5.
    Capacity,
    /// Not above the property `other` (when that is a literal too).
    AtMost { other: &'static str },
    /// A Fargate cpu size.
    FargateCpu,
    /// A Fargate memory size for the cpu in the property `cpu` (when that is a literal).
    FargateMemory { cpu: &'static str },
}

/// One rule of a type: its property, what is checked, and the error when it fails.
#[derive(Debug, Clone, Copy)]
pub struct LiteralRule {
    /// The property.
    pub field: &'static str,
    /// The check.
    pub check: Check,
    /// The compile error: what is wrong and what to write instead.
    pub message: &'static str,
}

const fn find(given: &[(&str, Lit)], field: &str) -> Option<Lit> {
    let mut i = 0;
    while i < given.len() {
        if str_eq(given[i].0, field) {
            return Some(given[i].1);
        }
        i += 1;
    }
    None
}

/// Whether `value` passes `check`; `None` when it cannot be told at compile time (the
/// other property is not a literal, or the value has another type).
const fn passes(check: Check, value: Lit, given: &[(&str, Lit)]) -> Option<bool> {
    match (check, value) {
        (Check::RdsIdentifier, Lit::Str(s)) => Some(aws::rds_identifier_ok(s)),
        (Check::Name { max, extra }, Lit::Str(s)) => Some(aws::name_ok(s, max, extra)),
        (Check::Capacity, v) => match v.number() {
            Some(n) => Some(aws::rds::capacity_ok(n)),
            None => None,
        },
        (Check::AtMost { other }, v) => match (v.number(), find(given, other)) {
            (Some(n), Some(o)) => match o.number() {
                Some(m) => Some(n <= m),
                None => None,
            },
            _ => None,
        },
        (Check::FargateCpu, Lit::Int(cpu)) => Some(cpu >= 0 && cpu <= u32::MAX as i128 && aws::ecs::fargate_memory(cpu as u32).is_some()),
        (Check::FargateMemory { cpu }, Lit::Int(memory)) => match find(given, cpu) {
            Some(Lit::Int(c)) if c >= 0 && c <= u32::MAX as i128 && memory >= 0 && memory <= u32::MAX as i128 => {
                match aws::ecs::fargate_size_ok(c as u32, memory as u32) {
                    // A cpu Fargate does not offer is reported at the cpu.
                    None => None,
                    ok => ok,
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// Fails the build, at the literal, if the property `field` of `P` (given as a literal
/// with the other literal properties `given`) breaks one of `P`'s rules.
pub const fn check<P: Props>(given: &[(&str, Lit)], field: &str) {
    let Some(value) = find(given, field) else { return };
    let mut i = 0;
    while i < P::LITERAL_RULES.len() {
        let rule = &P::LITERAL_RULES[i];
        if str_eq(rule.field, field) {
            if let Some(false) = passes(rule.check, value, given) {
                panic!("{}", rule.message);
            }
        }
        i += 1;
    }
}
