//! The order of a plan's operations, computed once, here: the apply engine runs exactly
//! this graph, and the plan's steps are its levels.
//!
//! A replacement is a delete then a create; a create or update waits for its changed
//! dependencies; a delete waits for the deletes of what depended on it, and a resource
//! removed from the stack also for the updates that stop using it. Under
//! `#[create_before_destroy]` a replacement is a create, then the delete of the old
//! resource (recorded meanwhile as deposed) once whatever used it uses the new one.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use super::lifecycle::deposed_name;
use super::{Action, Change};
use crate::resource::StackInstance;
use crate::state::{Op, StackState};

/// One operation of a plan, and the operations it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// The resource's name in the stack.
    pub resource: String,
    /// What is done to it.
    pub op: Op,
    /// The operations (indices into the plan's `operations`) that must finish first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<usize>,
}

/// The operations of `changes` (declared by `stack`, recorded in `state`) and what each
/// waits for.
pub(crate) fn operations(stack: &StackInstance, changes: &[Change], state: &StackState) -> Vec<Operation> {
    let mut ops: Vec<Operation> = Vec::new();
    let mut put: HashMap<&str, usize> = HashMap::default();
    let mut del: HashMap<&str, usize> = HashMap::default();
    // Replacements created first: the resource, and the delete of its old self.
    let mut deposed: Vec<(&str, usize)> = Vec::new();
    let push = |ops: &mut Vec<Operation>, resource: &str, op: Op| {
        ops.push(Operation { resource: resource.to_owned(), op, after: Vec::new() });
        ops.len() - 1
    };
    for c in changes {
        match c.action {
            Action::NoOp => {}
            Action::Create => {
                put.insert(&c.resource, push(&mut ops, &c.resource, Op::Create));
            }
            Action::Update => {
                put.insert(&c.resource, push(&mut ops, &c.resource, Op::Update));
            }
            Action::Replace if c.lifecycle.create_before_destroy => {
                put.insert(&c.resource, push(&mut ops, &c.resource, Op::Create));
                let old = push(&mut ops, &deposed_name(&c.resource), Op::Delete);
                deposed.push((c.resource.as_str(), old));
            }
            Action::Replace => {
                del.insert(&c.resource, push(&mut ops, &c.resource, Op::Delete));
                put.insert(&c.resource, push(&mut ops, &c.resource, Op::Create));
            }
            Action::Delete => {
                del.insert(&c.resource, push(&mut ops, &c.resource, Op::Delete));
            }
        }
    }
    let mut edges: Vec<(usize, usize)> = Vec::new(); // (before, after)
    for d in &stack.resources {
        let Some(&p) = put.get(d.name) else { continue };
        for dep in d.deps {
            if let Some(&q) = put.get(dep) {
                edges.push((q, p));
            }
        }
        if let Some(&q) = del.get(d.name) {
            edges.push((q, p));
        }
    }
    for (name, rec) in &state.resources {
        for dep in &rec.deps {
            let Some(&x) = del.get(dep.as_str()) else { continue };
            if let Some(&y) = del.get(name.as_str()) {
                edges.push((y, x));
            }
            let removed = !put.contains_key(dep.as_str());
            if let (true, Some(&y)) = (removed, put.get(name.as_str())) {
                edges.push((y, x));
            }
        }
    }
    // The old resource goes once its replacement exists, everything that used it uses the
    // replacement, and what still depended on it and is going has gone.
    for &(name, old) in &deposed {
        if let Some(&p) = put.get(name) {
            edges.push((p, old));
        }
        for d in stack.resources.iter().filter(|d| d.deps.contains(&name)) {
            if let Some(&p) = put.get(d.name) {
                edges.push((p, old));
            }
        }
        for (other, rec) in &state.resources {
            if let (true, Some(&x)) = (rec.deps.iter().any(|d| d == name), del.get(other.as_str())) {
                edges.push((x, old));
            }
        }
    }
    for (before, after) in edges {
        ops[after].after.push(before);
    }
    ops
}

/// The levels of the operation graph, as the plan shows them: each step's operations wait
/// only on earlier steps. A delete shows as `name (delete)`.
pub(crate) fn steps(ops: &[Operation]) -> Vec<Vec<String>> {
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); ops.len()];
    let mut waiting: Vec<usize> = ops.iter().map(|o| o.after.len()).collect();
    for (i, o) in ops.iter().enumerate() {
        for &b in &o.after {
            if let Some(d) = dependents.get_mut(b) {
                d.push(i);
            }
        }
    }
    let mut level = vec![0usize; ops.len()];
    let mut ready: Vec<usize> = (0..ops.len()).filter(|&i| waiting[i] == 0).collect();
    let mut steps: Vec<Vec<String>> = Vec::new();
    while let Some(i) = ready.pop() {
        let l = level[i];
        if steps.len() <= l {
            steps.resize_with(l + 1, Vec::new);
        }
        steps[l].push(label(&ops[i]));
        for &j in &dependents[i] {
            level[j] = level[j].max(l + 1);
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push(j);
            }
        }
    }
    // Within a step, in the plan's order (declaration order, then deletes).
    let position: HashMap<String, usize> = ops.iter().enumerate().map(|(i, o)| (label(o), i)).collect();
    for s in &mut steps {
        s.sort_by_key(|l| position.get(l).copied().unwrap_or(usize::MAX));
    }
    steps
}

fn label(o: &Operation) -> String {
    match o.op {
        Op::Delete => format!("{} (delete)", o.resource),
        _ => o.resource.clone(),
    }
}
