//! Rewrites a stack's values: parameters become reads of the parameters struct,
//! references stay typed outputs, family members and component outputs are reached
//! through their handles, templates and JSON documents become runtime values; and
//! records which names each value uses.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprStruct, Ident, LitStr, Member};

use crate::check::{Kind, Names, RefUse};
use crate::literal_checks::{LiteralChecks, Rule};
use crate::parse::{split_template, JsonTpl, TplPiece};

/// Rewrites values: parameters become reads of the parameters struct, references stay
/// typed outputs, templates and JSON documents become runtime values; and records
/// which names each value uses.
pub(crate) struct Walker<'a> {
    pub(crate) names: &'a Names,
    pub(crate) uses: &'a mut Vec<RefUse>,
    pub(crate) errors: &'a mut Vec<syn::Error>,
    pub(crate) aliases: &'a mut Vec<TokenStream>,
    /// The property or JSON key the value being walked sits under, for the check of
    /// literal secrets.
    pub(crate) key: Option<String>,
    /// Inside a family: its key's name (a plain `String` there) and its value's.
    pub(crate) local: Vec<String>,
    /// Family members named by a literal key, with where.
    pub(crate) members: &'a mut Vec<(String, String, Span)>,
    /// Walking a component's output: inputs are not outputs.
    pub(crate) component_outputs: bool,
    /// Other stacks' outputs read: (reference's name, output).
    pub(crate) reads: &'a mut Vec<(String, String)>,
    /// The compile-time checks of struct literals.
    pub(crate) checks: &'a mut LiteralChecks,
}

impl Walker<'_> {
    /// A struct literal (a resource, or a nested structure): each field's value, the
    /// rest from `Default`, and a compile-time check that required fields are there.
    /// Also the alias its type is named by.
    pub(crate) fn struct_literal(&mut self, s: &ExprStruct) -> (TokenStream, Ident) {
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
        // The panics are written here, not in the runtime, so the compiler reports them
        // at the stack's tokens without a trace into the runtime's sources.
        let type_text = written.to_token_stream().to_string();
        let mut names: Vec<String> = given.iter().map(LitStr::value).collect();
        names.sort();
        let required = self.checks.place(
            format!("required {type_text} {names:?}"),
            Rule::Required,
            quote! { ::formae_runtime::resource::missing_required::<#path>(&[#(#given),*]) },
            written.span(),
        );
        let all: Vec<TokenStream> = literals.iter().map(|(k, v, _)| quote! { (#k, #v) }).collect();
        let all_text = quote! { #(#all),* }.to_string();
        let checks: Vec<TokenStream> = literals
            .iter()
            .map(|(k, _, span)| {
                self.checks.place(
                    format!("literal {type_text} {} [{all_text}]", k.value()),
                    Rule::Literal,
                    quote! { ::formae_runtime::literal::violation::<#path>(&[#(#all),*], #k) },
                    *span,
                )
            })
            .collect();
        let tokens = quote_spanned! {written.span()=>
            {
                #required
                #(#checks)*
                #path { #(#fields,)* ..::core::default::Default::default() }
            }
        };
        (tokens, alias)
    }

    /// A component's inputs: each a value as a property's, into the component's inputs
    /// struct (`Reader { .. }` fills `ReaderInputs`); the compiler names a missing one.
    /// Also the alias the component is named by.
    pub(crate) fn component_inputs(&mut self, s: &ExprStruct) -> (TokenStream, Ident) {
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
                // Not `vec!`: a macro called from the expansion would tie each large
                // stack's part to the whole `stack!` (see `parts::anchored`).
                quote_spanned! {a.span()=> ::std::vec::Vec::from([#(#items),*]) }
            }
            _ => {
                let leaf = self.leaf(e);
                quote_spanned! {e.span()=> ::formae_runtime::prop(#leaf) }
            }
        }
    }

    /// A leaf expression with its names resolved.
    pub(crate) fn leaf(&mut self, e: &Expr) -> TokenStream {
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
                quote! { ::formae_runtime::value::json_object(::std::vec::Vec::from([#(#items),*])) }
            }
            JsonTpl::Array(items) => {
                let items: Vec<TokenStream> = items.iter().map(|v| self.json(v)).collect();
                quote! { ::formae_runtime::value::json_array(::std::vec::Vec::from([#(#items),*])) }
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
pub(crate) fn literal(e: &Expr) -> Option<TokenStream> {
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
pub(crate) fn stack_name(e: &Expr) -> Option<&Ident> {
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
