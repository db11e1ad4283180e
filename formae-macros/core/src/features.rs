//! The checks of what a stack declares beyond resources and their values: families'
//! keys, conditions, lifecycle attributes and moves, each reported at the user's token.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Expr, Ident, LitStr, Member};

use crate::check::{at_line, Kind, Names};
use crate::parse::{ConditionDef, StackDef};
use crate::walker::{literal, stack_name};

/// The address an expression names (`jobs`, `app.role`, `creds["a"]`) and its first name.
pub(crate) fn address_of(e: &Expr) -> Option<(String, Ident)> {
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
pub(crate) fn check_moves(def: &StackDef, names: &Names, errors: &mut Vec<syn::Error>) -> Vec<(String, String)> {
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
        if from_root == from && names.kinds.contains_key(&from) {
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
pub(crate) fn condition_code(c: &ConditionDef, names: &Names, errors: &mut Vec<syn::Error>) -> Option<TokenStream> {
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
pub(crate) fn family_keys(
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
pub(crate) fn check_lifecycle(
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
pub(crate) fn lifecycle_checks(l: &crate::lifecycle::LifecycleDef, r: &crate::parse::ResourceDef, ty: &Ident) -> TokenStream {
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
