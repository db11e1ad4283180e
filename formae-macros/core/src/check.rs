//! Checks a parsed stack and rewrites its values: every reference resolves, nothing
//! refers to itself, names are unique, and the resource graph has no cycle. All
//! problems are collected and reported together, each at its own token.

use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::cmp::Reverse;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprStruct, Ident, LitStr, Member};

use crate::parse::{split_template, ConditionDef, JsonTpl, StackDef, TplPiece};

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
enum Kind {
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
    fn noun(self) -> &'static str {
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
struct RefUse {
    name: String,
    span: Span,
}

struct Names {
    kinds: HashMap<String, Kind>,
    sorted: Vec<String>,
    /// The resources declared as families.
    families: HashSet<String>,
}

impl Names {
    fn unknown(&self, name: &str, span: Span) -> syn::Error {
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
    if def.is_component() {
        for r in &def.stack_refs {
            errors.push(syn::Error::new(r.ident.span(), "a component reads no other stack: give it what it needs as inputs"));
        }
    }
    let conditions: HashMap<String, ConditionDef> =
        def.resources.iter().filter_map(|r| Some((r.ident.to_string(), r.condition.clone()?))).collect();
    for r in &def.resources {
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
            let mut w = Walker { names: &names, uses: &mut uses, errors: &mut errors, aliases: &mut aliases, key: None, local, members: &mut members, component_outputs: false, reads: &mut reads };
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

/// The address an expression names (`jobs`, `app.role`, `creds["a"]`) and its first name.
fn address_of(e: &Expr) -> Option<(String, Ident)> {
    match e {
        Expr::Path(_) => stack_name(e).map(|i| (i.to_string(), i.clone())),
        Expr::Field(f) => {
            let (base, root) = address_of(&f.base)?;
            match &f.member {
                Member::Named(m) => Some((format!("{base}.{m}"), root)),
                Member::Unnamed(_) => None,
            }
        }
        Expr::Index(ix) => match &*ix.index {
            Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(k), .. }) => {
                let (base, root) = address_of(&ix.expr)?;
                Some((format!("{base}[{:?}]", k.value()), root))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Declared moves as addresses: the new one starts at something the stack declares, the
/// old one is no name the stack has now, and each old address moves once.
fn check_moves(def: &StackDef, names: &Names, errors: &mut Vec<syn::Error>) -> Vec<(String, String)> {
    let mut moves: Vec<(String, String)> = Vec::new();
    for m in &def.moves {
        if def.is_component() {
            errors.push(syn::Error::new_spanned(&m.from, "moves are declared in the stack, with the instance's name: `moved jobs => app.jobs;`"));
            continue;
        }
        let form = "a move names addresses: `moved old => new;` with names such as `jobs`, `app.jobs` or `creds[\"a\"]`";
        let (Some((from, from_root)), Some((to, to_root))) = (address_of(&m.from), address_of(&m.to)) else {
            errors.push(syn::Error::new_spanned(&m.from, form));
            continue;
        };
        match names.kinds.get(&to_root.to_string()) {
            Some(Kind::Resource | Kind::Component) => {}
            Some(_) | None => {
                errors.push(syn::Error::new(to_root.span(), format!("`{to_root}` is not a resource, family or component of this stack: a move ends at one")));
                continue;
            }
        }
        if from == from_root.to_string() && names.kinds.contains_key(&from) {
            errors.push(syn::Error::new(from_root.span(), format!("`{from}` is still declared in this stack: a move starts at a name nothing has now")));
            continue;
        }
        if from == to {
            errors.push(syn::Error::new_spanned(&m.to, "a move goes somewhere else"));
            continue;
        }
        if moves.iter().any(|(f, _)| *f == from) {
            errors.push(syn::Error::new_spanned(&m.from, format!("`{from}` is already moved: each old address moves once")));
            continue;
        }
        moves.push((from, to));
    }
    moves
}

/// A condition's code, reading its bool parameter; the parameter must be one.
fn condition_code(c: &ConditionDef, names: &Names, errors: &mut Vec<syn::Error>) -> Option<TokenStream> {
    let p = &c.param;
    match names.kinds.get(&p.to_string()) {
        Some(Kind::Param) => {
            let not = c.negated.then(|| quote!(!));
            Some(quote_spanned! {p.span()=> #not ::formae_runtime::lifecycle::condition(&__formae_p.#p) })
        }
        Some(_) => {
            errors.push(syn::Error::new(p.span(), format!("`{p}` is a resource: a condition is a bool parameter of the stack")));
            None
        }
        None => {
            errors.push(names.unknown(&p.to_string(), p.span()));
            None
        }
    }
}

/// `X` of a type written `Option<X>`.
pub(crate) fn option_inner(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last().filter(|s| s.ident == "Option")?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first() {
        Some(syn::GenericArgument::Type(t)) if args.args.len() == 1 => Some(t.clone()),
        _ => None,
    }
}

/// A family's keys as code (`List<String>` parameter or literal list), with what they come
/// from; the key's name must be new, and a family does not move.
fn family_keys(
    each: &crate::parse::EachDef,
    own: &str,
    names: &Names,
    lifecycle: &crate::lifecycle::LifecycleDef,
    errors: &mut Vec<syn::Error>,
) -> Option<(Ident, TokenStream, String, Option<TokenStream>)> {
    let key = &each.key;
    for name in std::iter::once(key).chain(&each.value) {
        if names.kinds.contains_key(&name.to_string()) {
            errors.push(syn::Error::new(name.span(), format!("`{name}` is already a name in this stack: name the key of `{own}` something else")));
        }
    }
    if let Some(m) = &lifecycle.moved_from {
        errors.push(syn::Error::new(m.span(), format!("`{own}` is a family: #[moved_from] moves one resource, not a family")));
    }
    match &each.source {
        Expr::Path(_) => {
            let Some(p) = stack_name(&each.source) else {
                errors.push(syn::Error::new_spanned(&each.source, "a family's keys come from a list parameter or a literal list of strings"));
                return None;
            };
            match names.kinds.get(&p.to_string()) {
                Some(Kind::Param) => Some((
                    key.clone(),
                    quote_spanned! {p.span()=> ::formae_runtime::family::keys_of(&__formae_p.#p) },
                    format!("parameter `{p}`"),
                    each.value.as_ref().map(|v| quote_spanned! {p.span()=> let #v = ::formae_runtime::family::value_of(&__formae_p.#p, &#key); }),
                )),
                Some(Kind::Resource | Kind::Key | Kind::Component | Kind::StackRef) => {
                    errors.push(syn::Error::new(
                        p.span(),
                        format!("`{p}` is a resource: a family's keys come from parameters and literals, known before anything is applied, so every plan shows every member"),
                    ));
                    None
                }
                None => {
                    errors.push(names.unknown(&p.to_string(), p.span()));
                    None
                }
            }
        }
        Expr::Array(a) => {
            let mut keys = Vec::new();
            for item in &a.elems {
                match item {
                    Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => keys.push(s.clone()),
                    other => errors.push(syn::Error::new_spanned(other, "a literal list of keys holds string literals: `[\"a\", \"b\"]`")),
                }
            }
            if let Some(v) = &each.value {
                errors.push(syn::Error::new(v.span(), "a literal list has keys only: bind a value with a `Map` parameter, `[(key, value) in map]`"));
            }
            Some((key.clone(), quote! { ::std::vec![#(::std::string::String::from(#keys)),*] }, "its literal list".to_owned(), None))
        }
        other => {
            errors.push(syn::Error::new_spanned(
                other,
                "a family's keys come from a list parameter (`param tenants: List<String>`) or a literal list of strings (`[\"a\", \"b\"]`)",
            ));
            None
        }
    }
}

/// What the lifecycle attributes name: a protecting parameter is a parameter, and an old
/// name is no name the stack has now, nor another resource's old name.
fn check_lifecycle(
    l: &crate::lifecycle::LifecycleDef,
    own: &str,
    names: &Names,
    moved_from: &mut HashMap<String, Span>,
    errors: &mut Vec<syn::Error>,
) {
    if let Some((_, Some(p))) = &l.protect {
        let name = p.to_string();
        match names.kinds.get(&name) {
            Some(Kind::Param) => {}
            Some(Kind::Resource | Kind::Key | Kind::Component | Kind::StackRef) => errors.push(syn::Error::new(
                p.span(),
                format!("`{name}` is a resource: #[protect(...)] takes a bool parameter of the stack"),
            )),
            None => errors.push(names.unknown(&name, p.span())),
        }
    }
    if let Some(crate::lifecycle::Region::Param(p)) = &l.region {
        let name = p.to_string();
        match names.kinds.get(&name) {
            Some(Kind::Param) => {}
            Some(kind) => errors.push(syn::Error::new(p.span(), format!("`{name}` is a {}: #[region(...)] takes a String parameter or a literal", kind.noun()))),
            None => errors.push(names.unknown(&name, p.span())),
        }
    }
    if let Some(old) = &l.moved_from {
        let name = old.to_string();
        if name == own {
            errors.push(syn::Error::new(old.span(), format!("`{own}` cannot move from its own name: name its old one")));
        } else if let Some(kind) = names.kinds.get(&name) {
            errors.push(syn::Error::new(
                old.span(),
                format!("`{name}` is still a {} of this stack: #[moved_from(...)] names the old name, which nothing in the stack has now", kind.noun()),
            ));
        } else if let Some(first) = moved_from.get(&name) {
            errors.push(syn::Error::new(
                old.span(),
                format!("another resource already moved from `{name}`{}: one resource takes each old name", at_line(*first)),
            ));
        } else {
            moved_from.insert(name, old.span());
        }
    }
}

/// The compiler's checks of a resource's lifecycle: every field `ignore_changes` names is
/// a field of its type, and `create_before_destroy` is not given a literal identity.
fn lifecycle_checks(l: &crate::lifecycle::LifecycleDef, r: &crate::parse::ResourceDef, ty: &Ident) -> TokenStream {
    let fields = l.ignore_changes.iter().map(|f| {
        quote_spanned! {f.span()=> let _ = |__formae_r: &#ty| { let _ = &__formae_r.#f; }; }
    });
    let fixed = l.create_before_destroy.map(|span| {
        let literals: Vec<LitStr> = r
            .body
            .fields
            .iter()
            .filter(|f| literal(&f.expr).is_some())
            .filter_map(|f| match &f.member {
                Member::Named(n) => Some(LitStr::new(&n.to_string(), n.span())),
                Member::Unnamed(_) => None,
            })
            .collect();
        quote_spanned! {span=>
            const _: () = if let ::core::option::Option::Some(e) = ::formae_runtime::lifecycle::fixed_identity::<#ty>(&[#(#literals),*]) {
                ::core::panic!("{}", e)
            };
        }
    });
    quote! { #(#fields)* #fixed }
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
fn at_line(span: Span) -> String {
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

/// Rewrites values: parameters become reads of the parameters struct, references stay
/// typed outputs, templates and JSON documents become runtime values; and records
/// which names each value uses.
struct Walker<'a> {
    names: &'a Names,
    uses: &'a mut Vec<RefUse>,
    errors: &'a mut Vec<syn::Error>,
    aliases: &'a mut Vec<TokenStream>,
    /// The property or JSON key the value being walked sits under, for the check of
    /// literal secrets.
    key: Option<String>,
    /// Inside a family: its key's name (a plain `String` there) and its value's.
    local: Vec<String>,
    /// Family members named by a literal key, with where.
    members: &'a mut Vec<(String, String, Span)>,
    /// Walking a component's output: inputs are not outputs.
    component_outputs: bool,
    /// Other stacks' outputs read: (reference's name, output).
    reads: &'a mut Vec<(String, String)>,
}

impl Walker<'_> {
    /// A struct literal (a resource, or a nested structure): each field's value, the
    /// rest from `Default`, and a compile-time check that required fields are there.
    /// Also the alias its type is named by.
    fn struct_literal(&mut self, s: &ExprStruct) -> (TokenStream, Ident) {
        if let Some(rest) = &s.rest {
            self.errors.push(syn::Error::new_spanned(
                rest,
                "`..` is not supported in a stack: properties left out take their defaults",
            ));
        }
        let written = &s.path;
        // At the written name's place, so the compiler's notes on the literal are as for it.
        let alias = Ident::new(&format!("__FormaeType{}", self.aliases.len()), written.span());
        self.aliases.push(quote_spanned! {written.span()=> #[allow(dead_code, non_camel_case_types)] type #alias = #written; });
        let path = &alias;
        let mut given = Vec::new();
        let mut fields = Vec::new();
        let mut literals = Vec::new();
        for f in &s.fields {
            let Member::Named(name) = &f.member else {
                self.errors.push(syn::Error::new_spanned(&f.member, "properties have names"));
                continue;
            };
            let key = LitStr::new(&name.to_string(), name.span());
            if let Some(lit) = literal(&f.expr) {
                literals.push((key.clone(), lit, f.expr.span()));
            }
            given.push(key);
            let outer = self.key.replace(name.to_string());
            let value = self.value(&f.expr);
            self.key = outer;
            fields.push(quote! { #name: #value });
        }
        // Each literal is checked by the compiler against the type's rules, with the
        // other literals for rules that need two (cpu and memory); an error points at it.
        let all: Vec<TokenStream> = literals.iter().map(|(k, v, _)| quote! { (#k, #v) }).collect();
        // The panics are written here, not in the runtime, so the compiler reports them
        // at the stack's tokens without a trace into the runtime's sources.
        let checks = literals.iter().map(|(k, _, span)| {
            quote_spanned! {*span=>
                const _: () = if let ::core::option::Option::Some(e) = ::formae_runtime::literal::violation::<#path>(&[#(#all),*], #k) {
                    ::core::panic!("{}", e.as_str())
                };
            }
        });
        let tokens = quote_spanned! {written.span()=>
            {
                const _: () = if let ::core::option::Option::Some(e) = ::formae_runtime::resource::missing_required::<#path>(&[#(#given),*]) {
                    ::core::panic!("{}", e)
                };
                #(#checks)*
                #path { #(#fields,)* ..::core::default::Default::default() }
            }
        };
        (tokens, alias)
    }

    /// A component's inputs: each a value as a property's, into the component's inputs
    /// struct (`Reader { .. }` fills `ReaderInputs`); the compiler names a missing one.
    /// Also the alias the component is named by.
    fn component_inputs(&mut self, s: &ExprStruct) -> (TokenStream, Ident) {
        if let Some(rest) = &s.rest {
            self.errors.push(syn::Error::new_spanned(rest, "`..` is not supported: a component's every input is given"));
        }
        let written = &s.path;
        let alias = Ident::new(&format!("__FormaeType{}", self.aliases.len()), written.span());
        self.aliases.push(quote_spanned! {written.span()=> #[allow(dead_code, non_camel_case_types)] type #alias = #written; });
        let mut inputs = written.clone();
        if let Some(last) = inputs.segments.last_mut() {
            last.ident = format_ident!("{}Inputs", last.ident, span = last.ident.span());
        }
        let mut fields = Vec::new();
        for f in &s.fields {
            let Member::Named(name) = &f.member else {
                self.errors.push(syn::Error::new_spanned(&f.member, "inputs have names"));
                continue;
            };
            let outer = self.key.replace(name.to_string());
            let value = match &f.expr {
                Expr::Struct(_) | Expr::Array(_) => {
                    self.errors.push(syn::Error::new_spanned(&f.expr, "a component's input is a value as a property's: a literal, a parameter, an output or a template"));
                    TokenStream::new()
                }
                other => {
                    let leaf = self.leaf(other);
                    quote_spanned! {other.span()=> ::formae_runtime::prop(#leaf) }
                }
            };
            self.key = outer;
            fields.push(quote! { #name: #value });
        }
        (quote_spanned! {written.span()=> #inputs { #(#fields,)* } }, alias)
    }

    /// A property value: nested struct, list, or leaf.
    fn value(&mut self, e: &Expr) -> TokenStream {
        match e {
            Expr::Struct(s) => {
                let (inner, _) = self.struct_literal(s);
                quote_spanned! {s.path.span()=> ::formae_runtime::nested(#inner) }
            }
            Expr::Array(a) => {
                let items: Vec<TokenStream> = a.elems.iter().map(|x| self.value(x)).collect();
                quote_spanned! {a.span()=> ::std::vec![#(#items),*] }
            }
            _ => {
                let leaf = self.leaf(e);
                quote_spanned! {e.span()=> ::formae_runtime::prop(#leaf) }
            }
        }
    }

    /// A leaf expression with its names resolved.
    fn leaf(&mut self, e: &Expr) -> TokenStream {
        let mut e = e.clone();
        self.visit_expr_mut(&mut e);
        e.into_token_stream()
    }

    fn template(&mut self, lit: &LitStr) -> TokenStream {
        let pieces = match split_template(&lit.value(), lit.span()) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(e);
                return quote! { ::formae_runtime::Template::new() };
            }
        };
        let holes = pieces.iter().any(|p| matches!(p, TplPiece::Hole(..)));
        if !holes && !lit.value().is_empty() {
            self.refuse_literal_secret(lit.span());
        }
        let mut calls = Vec::new();
        for piece in pieces {
            match piece {
                TplPiece::Text(t) => calls.push(quote! { .lit(#t) }),
                TplPiece::Hole(name, attr) => {
                    let ident = Ident::new(&name, lit.span());
                    let expr: Expr = match &attr {
                        Some(a) => {
                            let a = Ident::new(a, lit.span());
                            syn::parse_quote_spanned!(lit.span()=> #ident.#a)
                        }
                        None => syn::parse_quote_spanned!(lit.span()=> #ident),
                    };
                    let part = self.leaf(&expr);
                    calls.push(quote! { .part(&#part) });
                }
            }
        }
        quote_spanned! {lit.span()=> ::formae_runtime::Template::new() #(#calls)* }
    }

    /// A string literal under a key that names a secret does not compile.
    fn refuse_literal_secret(&mut self, span: Span) {
        if let Some(key) = self.key.as_deref().filter(|k| crate::secrets::names_a_secret(k)) {
            self.errors.push(syn::Error::new(span, crate::secrets::message(key)));
        }
    }

    fn json(&mut self, doc: &JsonTpl) -> TokenStream {
        match doc {
            JsonTpl::Object(entries) => {
                let items: Vec<TokenStream> = entries
                    .iter()
                    .map(|(k, v)| {
                        let outer = self.key.replace(k.value());
                        let v = self.json(v);
                        self.key = outer;
                        quote! { (#k, #v) }
                    })
                    .collect();
                quote! { ::formae_runtime::value::json_object(::std::vec![#(#items),*]) }
            }
            JsonTpl::Array(items) => {
                let items: Vec<TokenStream> = items.iter().map(|v| self.json(v)).collect();
                quote! { ::formae_runtime::value::json_array(::std::vec![#(#items),*]) }
            }
            JsonTpl::Leaf(e) => {
                if let Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = e {
                    self.refuse_literal_secret(s.span());
                }
                let leaf = self.leaf(e);
                quote_spanned! {e.span()=> ::formae_runtime::value::val_of(&#leaf) }
            }
        }
    }

    /// `family["key"].output`, `family[key].output` or `family[..].output`, rewritten to
    /// the family's member or members; `None` for any other field access.
    fn family_field(&mut self, f: &syn::ExprField) -> Option<Expr> {
        let Expr::Index(ix) = &*f.base else { return None };
        let family = stack_name(&ix.expr)?.clone();
        let name = family.to_string();
        if !self.names.families.contains(&name) {
            let noun = self.names.kinds.get(&name).map_or("name", |k| k.noun());
            self.errors.push(syn::Error::new(family.span(), format!("`{family}` is a {noun}, not a family: only a family's members are named by key")));
            return Some(Expr::Verbatim(TokenStream::new()));
        }
        self.uses.push(RefUse { name: name.clone(), span: f.span() });
        let member = &f.member;
        match &*ix.index {
            Expr::Range(r) if r.start.is_none() && r.end.is_none() => Some(syn::parse_quote_spanned!(f.span()=>
                ::std::iter::Iterator::collect::<::std::vec::Vec<_>>(::std::iter::Iterator::map(
                    ::std::iter::IntoIterator::into_iter(#family.all()),
                    |__formae_o| __formae_o.#member,
                ))
            )),
            Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(k), .. }) => {
                self.members.push((name, k.value(), k.span()));
                Some(syn::parse_quote_spanned!(f.span()=> #family.member(#k).#member))
            }
            other => {
                let mut key = other.clone();
                self.visit_expr_mut(&mut key);
                Some(syn::parse_quote_spanned!(f.span()=> #family.member(&#key).#member))
            }
        }
    }

    fn classify(&mut self, ident: &Ident) -> Option<Kind> {
        let name = ident.to_string();
        if self.local.contains(&name) {
            return Some(Kind::Key);
        }
        match self.names.kinds.get(&name) {
            Some(k) => Some(*k),
            None => {
                self.errors.push(self.names.unknown(&name, ident.span()));
                None
            }
        }
    }
}

/// A property value written as a literal (a number, possibly negative, a string or a
/// bool), as the runtime's compile-time checks take it.
fn literal(e: &Expr) -> Option<TokenStream> {
    let (lit, negative) = match e {
        Expr::Lit(l) => (&l.lit, false),
        Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => match &**expr {
            Expr::Lit(l) => (&l.lit, true),
            _ => return None,
        },
        Expr::Paren(p) => return literal(&p.expr),
        _ => return None,
    };
    let sign = if negative { quote!(-) } else { quote!() };
    match lit {
        syn::Lit::Int(i) => {
            let v: i128 = i.base10_parse().ok()?;
            Some(quote! { ::formae_runtime::literal::Lit::Int(#sign #v) })
        }
        syn::Lit::Float(f) => {
            let v: f64 = f.base10_parse().ok()?;
            Some(quote! { ::formae_runtime::literal::Lit::Float(#sign #v) })
        }
        syn::Lit::Str(s) if !negative => Some(quote! { ::formae_runtime::literal::Lit::Str(#s) }),
        syn::Lit::Bool(b) if !negative => Some(quote! { ::formae_runtime::literal::Lit::Bool(#b) }),
        _ => None,
    }
}

/// A lone lowercase identifier: what a stack name looks like in an expression.
fn stack_name(e: &Expr) -> Option<&Ident> {
    let Expr::Path(p) = e else { return None };
    if p.qself.is_some() || p.path.leading_colon.is_some() || p.path.segments.len() != 1 {
        return None;
    }
    let seg = &p.path.segments[0];
    let first = seg.ident.to_string().chars().next()?;
    (seg.arguments.is_none() && (first.is_lowercase() || first == '_') && seg.ident != "self")
        .then_some(&seg.ident)
}

impl VisitMut for Walker<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Field(f) => {
                if let Some(rewritten) = self.family_field(f) {
                    *e = rewritten;
                    return;
                }
                let Some(base) = stack_name(&f.base).cloned() else {
                    return syn::visit_mut::visit_expr_field_mut(self, f);
                };
                match self.classify(&base) {
                    Some(Kind::Resource) if self.names.families.contains(&base.to_string()) => self.errors.push(syn::Error::new(
                        base.span(),
                        format!(
                            "`{base}` is a family of resources, one per key: use `{base}[\"key\"].{m}` for one member, or `{base}[..].{m}` for every member's",
                            m = f.member.to_token_stream()
                        ),
                    )),
                    Some(Kind::Resource) => {
                        self.uses.push(RefUse { name: base.to_string(), span: f.span() });
                    }
                    Some(Kind::StackRef) => {
                        let read = (base.to_string(), f.member.to_token_stream().to_string());
                        if !self.reads.contains(&read) {
                            self.reads.push(read);
                        }
                    }
                    Some(Kind::Component) => {
                        self.uses.push(RefUse { name: base.to_string(), span: f.span() });
                        // A component's outputs are values, not copyable handles.
                        *e = syn::parse_quote_spanned!(f.span()=> ::core::clone::Clone::clone(&#f));
                    }
                    Some(Kind::Param) if self.component_outputs => self.errors.push(syn::Error::new(
                        base.span(),
                        format!("`{base}` is an input: a component's outputs are its resources' outputs"),
                    )),
                    Some(Kind::Param) => self.errors.push(syn::Error::new(
                        f.member.span(),
                        format!("`{base}` is a parameter, a plain value: it has no output `{}`", f.member.to_token_stream()),
                    )),
                    Some(Kind::Key) => self.errors.push(syn::Error::new(
                        f.member.span(),
                        format!("`{base}` is the family's key, a plain value: it has no output `{}`", f.member.to_token_stream()),
                    )),
                    None => {}
                }
            }
            Expr::Path(_) => {
                let Some(ident) = stack_name(e).cloned() else { return };
                match self.classify(&ident) {
                    Some(Kind::Param) if self.component_outputs => self.errors.push(syn::Error::new(
                        ident.span(),
                        format!("`{ident}` is an input: a component's outputs are its resources' outputs"),
                    )),
                    Some(Kind::Param) => {
                        *e = syn::parse_quote_spanned!(ident.span()=> ::core::clone::Clone::clone(&__formae_p.#ident));
                    }
                    Some(Kind::Component) => self.errors.push(syn::Error::new(
                        ident.span(),
                        format!("`{ident}` is a component: use one of its outputs, `{ident}.output`"),
                    )),
                    Some(Kind::StackRef) => self.errors.push(syn::Error::new(
                        ident.span(),
                        format!("`{ident}` is another stack: use one of its outputs, `{ident}.output`"),
                    )),
                    Some(Kind::Key) => {
                        *e = syn::parse_quote_spanned!(ident.span()=> ::core::clone::Clone::clone(&#ident));
                    }
                    Some(Kind::Resource) => self.errors.push(syn::Error::new(
                        ident.span(),
                        format!("`{ident}` is a resource: use one of its outputs, such as `{ident}.arn`"),
                    )),
                    None => {}
                }
            }
            Expr::Call(c) => {
                // The callee is a function, not a stack name.
                for arg in c.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
            }
            Expr::Macro(m) if m.mac.path.is_ident("template") => {
                let tokens = match m.mac.parse_body::<LitStr>() {
                    Ok(lit) => self.template(&lit),
                    Err(_) => {
                        self.errors.push(syn::Error::new_spanned(
                            &m.mac,
                            "template! takes one string literal: template!(\"text {resource.output} {parameter}\")",
                        ));
                        TokenStream::new()
                    }
                };
                *e = Expr::Verbatim(tokens);
            }
            Expr::Macro(m) if m.mac.path.is_ident("json") => {
                let tokens = match m.mac.parse_body::<JsonTpl>() {
                    Ok(doc) => {
                        let tree = self.json(&doc);
                        quote_spanned! {m.span()=> ::formae_runtime::Value::Json(#tree) }
                    }
                    Err(err) => {
                        self.errors.push(err);
                        TokenStream::new()
                    }
                };
                *e = Expr::Verbatim(tokens);
            }
            Expr::Macro(m) => self.errors.push(syn::Error::new_spanned(
                &m.mac.path,
                "only template!(...) and json!(...) can be used inside a stack's values",
            )),
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }
}
