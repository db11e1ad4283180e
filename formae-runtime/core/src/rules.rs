//! What AWS refuses that its CloudFormation schemas do not say: an RDS identifier's
//! shape, Aurora's capacities, Fargate's task sizes, task counts, names. One place for
//! them, since three checks use them: the compiler's checks of literals (the `const fn`s
//! here), the hand-written types' `validate`, and the generated types' [`check`].

mod generated;

pub use generated::check;

use crate::invalid::{Invalid, PropertyPath};

/// Whether RDS accepts `id` as a cluster or instance identifier: 1 to 63 letters, digits
/// and hyphens, starting with a letter, without two hyphens in a row or one at the end.
pub const fn rds_identifier_ok(id: &str) -> bool {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > 63 || !b[0].is_ascii_alphabetic() || b[b.len() - 1] == b'-' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !(b[i].is_ascii_alphanumeric() || b[i] == b'-') || (b[i] == b'-' && i > 0 && b[i - 1] == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `name` has 1 to `max` bytes, each a letter, a digit or one of `extra`.
pub const fn name_ok(name: &str, max: usize, extra: &str) -> bool {
    let (b, extra) = (name.as_bytes(), extra.as_bytes());
    if b.is_empty() || b.len() > max {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let mut ok = b[i].is_ascii_alphanumeric();
        let mut j = 0;
        while !ok && j < extra.len() {
            ok = b[i] == extra[j];
            j += 1;
        }
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// Checks a known RDS identifier at `path` ([`rds_identifier_ok`]).
pub fn rds_identifier_at(path: PropertyPath, id: &str, out: &mut Vec<Invalid>) {
    if !rds_identifier_ok(id) {
        out.push(Invalid::new(
            path,
            format!("`{id}` is not an identifier RDS accepts: use 1 to 63 letters, digits and hyphens, starting with a letter, with no two hyphens in a row and none at the end"),
        ));
    }
}

/// Checks a known name at `path` against a length and allowed characters ([`name_ok`]).
pub fn name_chars_at(path: PropertyPath, name: &str, max: usize, extra: &str, out: &mut Vec<Invalid>) {
    if !name_ok(name, max, extra) {
        out.push(Invalid::new(path, format!("`{name}` is not one AWS accepts: use 1 to {max} letters, digits and `{extra}`")));
    }
}

/// Checks a scaling range at `at`: the minimum task count not above the maximum.
pub fn task_counts(at: PropertyPath, min: u64, max: u64, out: &mut Vec<Invalid>) {
    if min > max {
        out.push(Invalid::new(at.then("min_task_count"), format!("{min} is above max_task_count {max}: lower the minimum or raise the maximum")));
    }
}

/// Checks a Fargate task size; `at` is the structure holding `cpu` and `memory`.
pub fn fargate_size(at: PropertyPath, cpu: u32, memory: u32, out: &mut Vec<Invalid>) {
    let field = |name: &'static str| at.clone().then(name);
    match (fargate_size_ok(cpu, memory), fargate_memory(cpu)) {
        (Some(true), _) => {}
        (_, Some((lo, hi, step))) => out.push(Invalid::new(
            field("memory"),
            format!(
                "{memory} does not go with cpu {cpu} on Fargate: with cpu {cpu}, use {lo} to {hi} MiB in steps of {step}{}",
                if cpu == 256 { ", or 512" } else { "" }
            ),
        )),
        (_, None) => out.push(Invalid::new(field("cpu"), format!("{cpu} is not a size Fargate offers: use 256, 512, 1024, 2048, 4096, 8192 or 16384"))),
    }
}

/// Whether Fargate offers `memory` MiB with `cpu` units; `None` if it offers no such cpu.
pub const fn fargate_size_ok(cpu: u32, memory: u32) -> Option<bool> {
    match fargate_memory(cpu) {
        Some((lo, hi, step)) => Some((cpu == 256 && memory == 512) || (memory >= lo && memory <= hi && (memory - lo) % step == 0)),
        None => None,
    }
}

/// The memory Fargate offers with `cpu` units: from, to and step, in MiB.
pub const fn fargate_memory(cpu: u32) -> Option<(u32, u32, u32)> {
    Some(match cpu {
        // And 512 MiB, checked apart.
        256 => (1024, 2048, 1024),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122_880, 8192),
        _ => return None,
    })
}

/// Checks a Serverless v2 scaling configuration at `scaling`: each capacity one Aurora
/// offers, the minimum not above the maximum.
pub fn capacities(scaling: &PropertyPath, min: Option<f64>, max: Option<f64>, out: &mut Vec<Invalid>) {
    for (what, v) in [("min_capacity", min), ("max_capacity", max)] {
        if let Some(v) = v {
            if !capacity_ok(v) {
                out.push(Invalid::new(scaling.clone().then(what), format!("{v} is not a capacity Aurora offers: use 0 to 256 ACUs in steps of 0.5")));
            }
        }
    }
    if let (Some(min), Some(max)) = (min, max) {
        if min > max {
            out.push(Invalid::new(scaling.clone().then("min_capacity"), format!("{min} is above max_capacity {max}: lower the minimum or raise the maximum")));
        }
    }
}

/// Whether Aurora Serverless v2 offers `acu` capacity units: 0 to 256 in steps of 0.5.
pub const fn capacity_ok(acu: f64) -> bool {
    let halves = acu * 2.0;
    acu >= 0.0 && acu <= 256.0 && halves == (halves as i64) as f64
}
