//! Checks a parsed stack and rewrites its values: every reference resolves, nothing
//! refers to itself, names are unique, and the resource graph has no cycle. All
//! problems are collected and reported together, each at its own token.

use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::cmp::Reverse;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::Ident;

use crate::features::{check_lifecycle, check_moves, condition_code, family_keys, lifecycle_checks, option_inner};
use crate::parse::{ConditionDef, StackDef};
use crate::literal_checks::LiteralChecks;
use crate::walker::Walker;

/// A checked stack, ready for code generation.
pub struct Checked {
    /// The stack as parsed.
    pub def: StackDef,
    /// Per resource (declaration order): what it depends on and its properties' code.
    pub resources: Vec<CheckedResource>,
    /// Resource indices in dependency order, ties in declaration order.
    pub order: Vec<usize>,
    /// Per output (declaration order): its value's code, and for an output of resources
    /// under a condition, the condition's code (the output is then an `Option`).
    pub outputs: Vec<(TokenStream, Option<TokenStream>)>,
    /// A type alias for each type the stack names, in the order met: the generated code
    /// names each type once through its alias, so a misspelled type is one error.
    pub aliases: Vec<TokenStream>,
    /// The literals' compile-time checks, run once (`__FORMAE_BROKEN`, see
    /// [`LiteralChecks::broken`]), emitted beside the aliases in the function that builds
    /// the resources, or split by where each is first met (see `parts`).
    pub(crate) literal_checks: LiteralChecks,
    /// Declared moves, as addresses: from, to.
    pub moves: Vec<(String, String)>,
    /// Outputs of other stacks read: the stack reference's name and the output.
    pub reads: Vec<(String, String)>,
}

/// A stack that does not compile: every diagnostic, and the aliases of the types it
/// names (emitted beside the errors).
pub struct Rejected {
    /// Every problem found.
    pub errors: Vec<syn::Error>,
    /// `type` aliases of every type the stack names.
    pub aliases: Vec<TokenStream>,
}

/// One checked resource, or family of resources.
pub struct CheckedResource {
    /// The alias of its type.
    pub ty: Ident,
    /// Every resource it depends on, in first-mention order.
    pub deps: Vec<String>,
    /// The expression building its properties struct.
    pub props: TokenStream,
    /// Its lifecycle settings' value, when it has any, and the checks of them: named
    /// fields exist, a replacement created first has no fixed name.
    pub lifecycle: Option<(TokenStream, TokenStream)>,
    /// For a family: the key's name, the expression of its keys, what they come from
    /// (for messages), and the binding of each key's value (`[(key, value) in map]`).
    pub each: Option<(Ident, TokenStream, String, Option<TokenStream>)>,
    /// Members of families this resource names by a literal key (`creds["a"]`): checked
    /// against the family's keys when the stack is built.
    pub members: Vec<(String, String)>,
    /// `if param`: the condition's code, and its text.
    pub condition: Option<(TokenStream, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Param,
    Resource,
    /// A family's key, inside the family.
    Key,
    /// An instance of a component (`use app = Reader { .. }`).
    Component,
    /// Another stack's outputs (`use stack data = FormaeData;`).
    StackRef,
}

impl Kind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Param => "parameter",
            Kind::Resource => "resource",
            Kind::Key => "key",
            Kind::Component => "component",
            Kind::StackRef => "stack reference",
        }
    }
}

/// A use of a name inside a value.
pub(crate) struct RefUse {
    pub(crate) name: String,
    pub(crate) span: Span,
}

pub(crate) struct Names {
    pub(crate) kinds: HashMap<String, Kind>,
    sorted: Vec<String>,
    /// The resources declared as families.
    pub(crate) families: HashSet<String>,
}

impl Names {
    pub(crate) fn unknown(&self, name: &str, span: Span) -> syn::Error {
        let mut msg = format!("unknown resource or parameter `{name}`");
        if let Some(s) = self.suggest(name) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        }
        syn::Error::new(span, msg)
    }

    fn suggest(&self, name: &str) -> Option<&str> {
        let limit = (name.chars().count() / 3).max(1);
        self.sorted
            .iter()
            .map(|n| (strsim::osa_distance(name, n), n))
            .filter(|(d, _)| *d <= limit)
            .min()
            .map(|(_, n)| n.as_str())
    }
}

/// Checks `def`; on failure, every diagnostic found.
pub fn check(def: StackDef) -> Result<Checked, Rejected> {
    let mut errors = Vec::new();
    let mut aliases = Vec::new();
    let names = collect_names(&def, &mut errors);

    let mut resources = Vec::with_capacity(def.resources.len());
    let mut moved_from: HashMap<String, Span> = HashMap::new();
    let mut reads: Vec<(String, String)> = Vec::new();
    let mut literal_checks = LiteralChecks::default();
    if def.is_component() {
        for r in &def.stack_refs {
            errors.push(syn::Error::new(r.ident.span(), "a component reads no other stack: give it what it needs as inputs"));
        }
    }
    let conditions: HashMap<String, ConditionDef> =
        def.resources.iter().filter_map(|r| Some((r.ident.to_string(), r.condition.clone()?))).collect();
    for (i, r) in def.resources.iter().enumerate() {
        literal_checks.resource = Some(i);
        let own = r.ident.to_string();
        let lifecycle = crate::lifecycle::parse(&r.attrs, &mut errors);
        check_lifecycle(&lifecycle, &own, &names, &mut moved_from, &mut errors);
        let mut uses = Vec::new();
        let mut members = Vec::new();
        let each = r.each.as_ref().and_then(|e| family_keys(e, &own, &names, &lifecycle, &mut errors));
        if r.component && (r.each.is_some() || !lifecycle.is_empty()) {
            errors.push(syn::Error::new(
                r.ident.span(),
                format!("`{own}` is a component's instance: it takes no key or lifecycle attribute; give them to the resources inside the component"),
            ));
        }
        if def.is_component() && (r.each.is_some() || r.condition.is_some()) {
            errors.push(syn::Error::new(
                r.ident.span(),
                format!("`{own}`: a family or a condition is declared in a stack, not inside a component"),
            ));
        }
        let (props, ty) = {
            let local: Vec<String> = r.each.iter().flat_map(|e| std::iter::once(&e.key).chain(&e.value)).map(Ident::to_string).collect();
            let mut w = Walker { names: &names, uses: &mut uses, errors: &mut errors, aliases: &mut aliases, key: None, local, members: &mut members, component_outputs: false, reads: &mut reads, checks: &mut literal_checks };
            if r.component {
                w.component_inputs(&r.body)
            } else {
                w.struct_literal(&r.body)
            }
        };
        let mut deps: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        for u in &uses {
            if u.name == own {
                errors.push(syn::Error::new(
                    u.span,
                    format!("resource `{own}` refers to itself: a resource can only use other resources' outputs"),
                ));
            } else if seen.insert(u.name.clone()) {
                deps.push(u.name.clone());
            }
        }
        for d in &r.depends_on {
            let name = d.to_string();
            match names.kinds.get(&name) {
                Some(Kind::Resource | Kind::Component) if name == own => errors.push(syn::Error::new(
                    d.span(),
                    format!("resource `{own}` cannot depend on itself"),
                )),
                Some(Kind::Resource | Kind::Component) => {
                    if seen.insert(name.clone()) {
                        deps.push(name);
                    }
                }
                Some(kind @ (Kind::Param | Kind::Key | Kind::StackRef)) => errors.push(syn::Error::new(
                    d.span(),
                    format!("`{name}` is a {}: `depends_on` lists resources", kind.noun()),
                )),
                None => errors.push(names.unknown(&name, d.span())),
            }
        }
        let lifecycle = (!lifecycle.is_empty()).then(|| (lifecycle.tokens(), lifecycle_checks(&lifecycle, r, &ty)));
        let members = members.into_iter().map(|(family, key, _)| (family, key)).collect();
        // What exists only under a condition is used only under the same one.
        let reached = uses.iter().map(|u| (u.name.clone(), u.span)).chain(r.depends_on.iter().map(|d| (d.to_string(), d.span())));
        for (name, span) in reached {
            if let Some(theirs) = conditions.get(&name).filter(|c| r.condition.as_ref().is_none_or(|mine| !mine.same(c))) {
                let holds = if theirs.negated { "false" } else { "true" };
                errors.push(syn::Error::new(
                    span,
                    format!("`{name}` exists only when `{}` is {holds}: only a resource under `if {}` can use it", theirs.param, theirs.text()),
                ));
            }
        }
        let condition = r.condition.as_ref().and_then(|c| Some((condition_code(c, &names, &mut errors)?, c.text())));
        resources.push((CheckedResource { ty, deps, props, lifecycle, each, members, condition }, uses));
    }

    literal_checks.resource = None;
    let mut outputs = Vec::with_capacity(def.outputs.len());
    for o in &def.outputs {
        let mut uses = Vec::new();
        let mut members = Vec::new();
        let mut w = Walker {
            names: &names,
            uses: &mut uses,
            errors: &mut errors,
            aliases: &mut aliases,
            key: None,
            local: Vec::new(),
            members: &mut members,
            component_outputs: def.is_component(),
            reads: &mut reads,
            checks: &mut literal_checks,
        };
        let value = w.leaf(&o.value);
        let mut under: Vec<&ConditionDef> = Vec::new();
        for u in &uses {
            if let Some(c) = conditions.get(&u.name).filter(|c| !under.iter().any(|x| x.same(c))) {
                under.push(c);
            }
        }
        let (ty, condition) = match under.as_slice() {
            [] => (o.ty.clone(), None),
            [c] => match option_inner(&o.ty) {
                Some(inner) => (inner, condition_code(c, &names, &mut errors)),
                None => {
                    errors.push(syn::Error::new(
                        o.ty.span(),
                        format!("this output uses what exists only under `if {}`, so it may have no value: declare it `Option<{}>`", c.text(), o.ty.to_token_stream()),
                    ));
                    (o.ty.clone(), None)
                }
            },
            _ => {
                let list = under.iter().map(|c| format!("`if {}`", c.text())).collect::<Vec<_>>().join(" and ");
                errors.push(syn::Error::new(o.value.span(), format!("this output uses resources under different conditions ({list}): give each its own output")));
                (o.ty.clone(), None)
            }
        };
        outputs.push((
            quote_spanned! {o.value.span()=>
                ::formae_runtime::value::typed::<#ty, _>(#value)
            },
            condition,
        ));
    }

    let moves = check_moves(&def, &names, &mut errors);

    // A duplicate is already reported; references mean the first of that name.
    let mut index: HashMap<String, usize> = HashMap::with_capacity(def.resources.len());
    for (i, r) in def.resources.iter().enumerate() {
        index.entry(r.ident.to_string()).or_insert(i);
    }
    let order = order_or_cycles(&def, &resources, &index, &mut errors);

    if errors.is_empty() {
        Ok(Checked {
            resources: resources.into_iter().map(|(r, _)| r).collect(),
            def,
            order,
            outputs,
            aliases,
            literal_checks,
            moves,
            reads,
        })
    } else {
        // Parameter and output types too, for the imports they use.
        for (i, ty) in def.params.iter().map(|p| &p.ty).chain(def.outputs.iter().map(|o| &o.ty)).enumerate() {
            let alias = format_ident!("__FormaeValueType{}", i);
            aliases.push(quote_spanned! {ty.span()=> #[allow(dead_code, non_camel_case_types)] type #alias = #ty; });
        }
        Err(Rejected { errors, aliases })
    }
}

fn collect_names(def: &StackDef, errors: &mut Vec<syn::Error>) -> Names {
    let mut kinds: HashMap<String, Kind> = HashMap::new();
    let mut first: HashMap<String, Span> = HashMap::new();
    let declared = def
        .params
        .iter()
        .map(|p| (&p.ident, Kind::Param))
        .chain(def.resources.iter().map(|r| (&r.ident, if r.component { Kind::Component } else { Kind::Resource })))
        .chain(def.stack_refs.iter().map(|r| (&r.ident, Kind::StackRef)));
    for (ident, kind) in declared {
        let name = ident.to_string();
        if name.starts_with("__formae") {
            errors.push(syn::Error::new(ident.span(), "names starting with `__formae` are reserved"));
            continue;
        }
        match kinds.get(&name) {
            Some(prev) => errors.push(syn::Error::new(
                ident.span(),
                format!(
                    "duplicate name `{name}`: this stack already has a {} called `{name}`{}; rename one of them",
                    prev.noun(),
                    first.get(&name).map(|s| at_line(*s)).unwrap_or_default(),
                ),
            )),
            None => {
                first.insert(name.clone(), ident.span());
                kinds.insert(name, kind);
            }
        }
    }
    let mut outputs = BTreeSet::new();
    for o in &def.outputs {
        if !outputs.insert(o.ident.to_string()) {
            errors.push(syn::Error::new(
                o.ident.span(),
                format!("duplicate output `{}`: this stack already has an output of that name", o.ident),
            ));
        }
    }
    let mut sorted: Vec<String> = kinds.keys().cloned().collect();
    sorted.sort();
    let families = def.resources.iter().filter(|r| r.each.is_some()).map(|r| r.ident.to_string()).collect();
    Names { kinds, sorted, families }
}

/// `, declared at line N` where the compiler tells lines, else nothing.
pub(crate) fn at_line(span: Span) -> String {
    match span.start().line {
        0 => String::new(),
        line => format!(", declared at line {line}"),
    }
}

/// Dependency order by Kahn's algorithm, ties broken by declaration order; if resources
/// remain, they are on or behind cycles, and each cycle is reported once.
fn order_or_cycles(
    def: &StackDef,
    resources: &[(CheckedResource, Vec<RefUse>)],
    index: &HashMap<String, usize>,
    errors: &mut Vec<syn::Error>,
) -> Vec<usize> {
    let n = resources.len();
    let deps: Vec<Vec<usize>> = resources
        .iter()
        .enumerate()
        .map(|(i, (r, _))| r.deps.iter().filter_map(|d| index.get(d).copied()).filter(|&d| d != i).collect())
        .collect();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &j in &dependents[i] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    if order.len() == n {
        return order;
    }
    // Walk from each unfinished resource along unfinished dependencies until a resource
    // repeats: the repeated stretch is a cycle.
    let mut reported = vec![false; n];
    for start in 0..n {
        if waiting[start] == 0 || reported[start] {
            continue;
        }
        let mut path = vec![start];
        let mut pos: HashMap<usize, usize> = HashMap::from([(start, 0)]);
        let mut cur = start;
        let cycle = loop {
            let Some(&next) = deps[cur].iter().find(|&&d| waiting[d] > 0) else { break None };
            if let Some(&p) = pos.get(&next) {
                break Some(path[p..].to_vec());
            }
            pos.insert(next, path.len());
            path.push(next);
            cur = next;
        };
        let Some(cycle) = cycle else { continue };
        if cycle.iter().any(|&c| reported[c]) {
            continue;
        }
        cycle.iter().for_each(|&c| reported[c] = true);
        let mut names: Vec<String> = cycle.iter().map(|&c| def.resources[c].ident.to_string()).collect();
        names.push(names[0].clone());
        // Report at the reference that closes the cycle: the last resource's use of the first.
        let last = cycle[cycle.len() - 1];
        let first_name = &names[0];
        let span = resources[last]
            .1
            .iter()
            .find(|u| &u.name == first_name)
            .map(|u| u.span)
            .or_else(|| {
                def.resources[last].depends_on.iter().find(|d| *d == first_name).map(Ident::span)
            })
            .unwrap_or_else(|| def.resources[last].ident.span());
        errors.push(syn::Error::new(span, format!("dependency cycle: {}", names.join(" -> "))));
    }
    order
}
