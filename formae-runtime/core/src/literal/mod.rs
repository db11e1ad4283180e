//! Checks of values written as literals in a stack, run by the compiler: the `stack!`
//! macro passes each property set to a literal to [`violation`] in one `const` per stack
//! ([`Broken`]), so a value AWS would reject (a cpu/memory pair Fargate does not offer,
//! say) fails the build at that literal. Values from parameters and references are checked when the stack is built
//! ([`crate::Resource::validate`]); both use the same predicates in [`crate::rules`].

mod broken;
mod pattern;

pub use broken::{Broken, REPORTED};
pub use pattern::{matches, Node};

use crate::rules;
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
    Name {
        /// The most characters allowed.
        max: usize,
        /// Characters allowed besides letters and digits.
        extra: &'static str,
    },
    /// An Aurora Serverless v2 capacity: 0 to 256 ACUs in steps of 0.5.
    Capacity,
    /// Not above the property `other` (when that is a literal too).
    AtMost {
        /// The name of the property the value must not exceed.
        other: &'static str,
    },
    /// A Fargate cpu size.
    FargateCpu,
    /// A Fargate memory size for the cpu in the property `cpu` (when that is a literal).
    FargateMemory {
        /// The name of the property holding the cpu size.
        cpu: &'static str,
    },
    /// A string of `min` to `max` characters (the schema's `minLength`/`maxLength`).
    Length {
        /// The fewest characters.
        min: usize,
        /// The most characters.
        max: usize,
    },
    /// A number from `min` to `max` (the schema's `minimum`/`maximum`).
    Range {
        /// The smallest value.
        min: f64,
        /// The largest value.
        max: f64,
    },
    /// A string the schema's regular expression matches (its `pattern`).
    Pattern(&'static [Node]),
}

/// The characters in `s`, in a `const` context: bytes that do not continue a UTF-8
/// sequence.
const fn chars(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        if b[i] & 0xC0 != 0x80 {
            n += 1;
        }
        i += 1;
    }
    n
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
        (Check::RdsIdentifier, Lit::Str(s)) => Some(rules::rds_identifier_ok(s)),
        (Check::Name { max, extra }, Lit::Str(s)) => Some(rules::name_ok(s, max, extra)),
        (Check::Capacity, v) => match v.number() {
            Some(n) => Some(rules::capacity_ok(n)),
            None => None,
        },
        (Check::AtMost { other }, v) => match (v.number(), find(given, other)) {
            (Some(n), Some(o)) => match o.number() {
                Some(m) => Some(n <= m),
                None => None,
            },
            _ => None,
        },
        (Check::Length { min, max }, Lit::Str(s)) => Some(chars(s) >= min && chars(s) <= max),
        (Check::Pattern(nodes), Lit::Str(s)) => Some(pattern::matches(nodes, s)),
        (Check::Range { min, max }, v) => match v.number() {
            Some(n) => Some(n >= min && n <= max),
            None => None,
        },
        (Check::FargateCpu, Lit::Int(cpu)) => Some(cpu >= 0 && cpu <= u32::MAX as i128 && rules::fargate_memory(cpu as u32).is_some()),
        (Check::FargateMemory { cpu }, Lit::Int(memory)) => match find(given, cpu) {
            Some(Lit::Int(c)) if c >= 0 && c <= u32::MAX as i128 && memory >= 0 && memory <= u32::MAX as i128 => {
                match rules::fargate_size_ok(c as u32, memory as u32) {
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

/// A compile-time error message, built without allocating (the compiler evaluates it).
#[derive(Debug, Clone, Copy)]
pub struct Message {
    buf: [u8; 256],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message { buf: [0; 256], len: 0 }
    }

    const fn text(mut self, s: &str) -> Self {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() && self.len < self.buf.len() {
            self.buf[self.len] = b[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn number(mut self, mut n: u32) -> Self {
        let mut digits = [0u8; 10];
        let mut k = 0;
        loop {
            digits[k] = b'0' + (n % 10) as u8;
            k += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while k > 0 && self.len < self.buf.len() {
            k -= 1;
            self.buf[self.len] = digits[k];
            self.len += 1;
        }
        self
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        let (bytes, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => "a literal AWS would reject",
        }
    }
}

/// The compile error for the literal property `field` of `P` (with the other literal
/// properties `given`) if it breaks one of `P`'s rules; the `stack!` macro panics with it
/// in a `const`, so the build fails at that literal.
pub const fn violation<P: Props>(given: &[(&str, Lit)], field: &str) -> Option<Message> {
    let Some(value) = find(given, field) else { return None };
    let mut i = 0;
    while i < P::LITERAL_RULES.len() {
        let rule = &P::LITERAL_RULES[i];
        if str_eq(rule.field, field) {
            if let Some(false) = passes(rule.check, value, given) {
                return Some(sharp(rule, value, given));
            }
        }
        i += 1;
    }
    None
}

/// The rule's message, or for Fargate memory the range that goes with the cpu given, as
/// the runtime check words it.
const fn sharp(rule: &LiteralRule, value: Lit, given: &[(&str, Lit)]) -> Message {
    if let (Check::FargateMemory { cpu }, Lit::Int(memory)) = (rule.check, value) {
        if let Some(Lit::Int(c)) = find(given, cpu) {
            if c >= 0 && c <= u32::MAX as i128 && memory >= 0 && memory <= u32::MAX as i128 {
                if let Some((lo, hi, step)) = rules::fargate_memory(c as u32) {
                    let c = c as u32;
                    let m = Message::new().text("memory ").number(memory as u32).text(" does not go with cpu ").number(c);
                    let m = m.text(" on Fargate: with cpu ").number(c).text(", use ").number(lo).text(" to ").number(hi);
                    let m = m.text(" MiB in steps of ").number(step);
                    return if c == 256 { m.text(", or 512") } else { m };
                }
            }
        }
    }
    Message::new().text(rule.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Required;

    /// A Fargate task's size, as a resource type states it: `cpu` required, `memory`
    /// checked against it.
    #[derive(serde::Serialize, Default)]
    struct Task;

    impl Props for Task {
        const REQUIRED: &'static [Required] = crate::required!(Task: cpu);
        const LITERAL_RULES: &'static [LiteralRule] =
            &[LiteralRule { field: "memory", check: Check::FargateMemory { cpu: "cpu" }, message: "memory does not go with cpu on Fargate" }];
    }

    #[test]
    fn a_fargate_memory_error_names_the_range_for_the_cpu_given() {
        let given = [("cpu", Lit::Int(256)), ("memory", Lit::Int(4096))];
        let m = violation::<Task>(&given, "memory").map(|m| m.as_str().to_owned());
        assert_eq!(m.as_deref(), Some("memory 4096 does not go with cpu 256 on Fargate: with cpu 256, use 1024 to 2048 MiB in steps of 1024, or 512"));
        let ok = [("cpu", Lit::Int(256)), ("memory", Lit::Int(512))];
        assert!(violation::<Task>(&ok, "memory").is_none());
    }

    #[test]
    fn lengths_count_characters_and_ranges_take_both_ends() {
        let len = Check::Length { min: 1, max: 3 };
        assert_eq!(passes(len, Lit::Str("héé"), &[]), Some(true));
        assert_eq!(passes(len, Lit::Str("abcd"), &[]), Some(false));
        assert_eq!(passes(len, Lit::Str(""), &[]), Some(false));
        assert_eq!(passes(len, Lit::Int(3), &[]), None);
        let range = Check::Range { min: 60.0, max: 1_209_600.0 };
        assert_eq!(passes(range, Lit::Int(60), &[]), Some(true));
        assert_eq!(passes(range, Lit::Int(1_209_600), &[]), Some(true));
        assert_eq!(passes(range, Lit::Int(59), &[]), Some(false));
        assert_eq!(passes(range, Lit::Float(1e7), &[]), Some(false));
    }

    #[test]
    fn a_misspelled_required_property_is_left_to_the_compiler() {
        use crate::resource::missing_required;
        let task = missing_required::<Task>;
        assert!(task(&["memory", "cpux"]).is_none());
        assert_eq!(task(&["memory"]), Some("missing required property `cpu` of `Task`: add `cpu: ...` to it"));
        assert!(task(&["memory", "cpu"]).is_none());
    }
}
