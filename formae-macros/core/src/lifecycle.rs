//! A resource's lifecycle attributes: `#[protect]`, `#[protect(param)]`,
//! `#[ignore_changes(field, ..)]`, `#[create_before_destroy]`, `#[allow_data_loss]` and
//! `#[moved_from(old_name)]`, parsed once into a model, every problem collected.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Meta, Token};

/// The attributes a resource takes, as the error for any other lists them.
const KNOWN: &str = "#[protect], #[protect(parameter)], #[ignore_changes(property, ...)], #[create_before_destroy], #[allow_data_loss] or #[moved_from(old_name)]";

/// A resource's lifecycle, as written.
#[derive(Default)]
pub struct LifecycleDef {
    /// `#[protect]` (no parameter) or `#[protect(param)]`.
    pub protect: Option<(Span, Option<Ident>)>,
    /// `#[ignore_changes(a, b)]`: the fields.
    pub ignore_changes: Vec<Ident>,
    /// `#[create_before_destroy]`.
    pub create_before_destroy: Option<Span>,
    /// `#[allow_data_loss]`.
    pub allow_data_loss: bool,
    /// `#[moved_from(old)]`.
    pub moved_from: Option<Ident>,
}

impl LifecycleDef {
    /// Whether any attribute was given.
    pub fn is_empty(&self) -> bool {
        self.protect.is_none()
            && self.ignore_changes.is_empty()
            && self.create_before_destroy.is_none()
            && !self.allow_data_loss
            && self.moved_from.is_none()
    }

    /// The runtime's `Lifecycle` for it; a protecting parameter is read as a `bool`, and a
    /// parameter of another type fails at the attribute.
    pub fn tokens(&self) -> TokenStream {
        let protect = match &self.protect {
            None => quote! { false },
            Some((_, None)) => quote! { true },
            Some((_, Some(p))) => quote_spanned! {p.span()=> ::formae_runtime::lifecycle::protect_when(&__formae_p.#p) },
        };
        let ignored = self.ignore_changes.iter().map(Ident::to_string);
        let cbd = self.create_before_destroy.is_some();
        let adl = self.allow_data_loss;
        let moved = match &self.moved_from {
            Some(m) => {
                let m = m.to_string();
                quote! { ::core::option::Option::Some(#m) }
            }
            None => quote! { ::core::option::Option::None },
        };
        quote! {
            ::formae_runtime::lifecycle::Lifecycle {
                protect: #protect,
                ignore_changes: &[#(#ignored),*],
                create_before_destroy: #cbd,
                allow_data_loss: #adl,
                moved_from: #moved,
            }
        }
    }
}

/// Parses the lifecycle attributes among `attrs` (doc comments aside), reporting each
/// unknown, repeated or malformed one into `errors`.
pub fn parse(attrs: &[Attribute], errors: &mut Vec<syn::Error>) -> LifecycleDef {
    let mut def = LifecycleDef::default();
    let mut seen: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| !a.path().is_ident("doc")) {
        let Some(name) = attr.path().get_ident().map(Ident::to_string) else {
            errors.push(syn::Error::new_spanned(attr.path(), format!("unknown attribute on a resource: use {KNOWN}")));
            continue;
        };
        if seen.contains(&name) {
            errors.push(syn::Error::new_spanned(attr, format!("#[{name}] is given twice on this resource: keep one")));
            continue;
        }
        seen.push(name.clone());
        let span = attr.path().get_ident().map_or_else(Span::call_site, Ident::span);
        match name.as_str() {
            "protect" => match &attr.meta {
                Meta::Path(_) => def.protect = Some((span, None)),
                Meta::List(_) => match attr.parse_args::<Ident>() {
                    Ok(p) => def.protect = Some((span, Some(p))),
                    Err(_) => errors.push(syn::Error::new_spanned(
                        attr,
                        "#[protect(...)] takes one bool parameter of the stack: `#[protect(prod)]`; or write #[protect] to protect always",
                    )),
                },
                Meta::NameValue(_) => errors.push(syn::Error::new_spanned(attr, "write #[protect] or #[protect(parameter)]")),
            },
            "ignore_changes" => match attr.parse_args_with(Punctuated::<Ident, Token![,]>::parse_terminated) {
                Ok(fields) if !fields.is_empty() => def.ignore_changes = fields.into_iter().collect(),
                _ => errors.push(syn::Error::new_spanned(
                    attr,
                    "#[ignore_changes(...)] lists the properties whose changes are not applied: `#[ignore_changes(engine_version, tags)]`",
                )),
            },
            "create_before_destroy" | "allow_data_loss" => {
                if !matches!(attr.meta, Meta::Path(_)) {
                    errors.push(syn::Error::new_spanned(attr, format!("#[{name}] takes no arguments")));
                } else if name == "allow_data_loss" {
                    def.allow_data_loss = true;
                } else {
                    def.create_before_destroy = Some(span);
                }
            }
            "moved_from" => match attr.parse_args::<Ident>() {
                Ok(old) => def.moved_from = Some(old),
                Err(_) => errors.push(syn::Error::new_spanned(
                    attr,
                    "#[moved_from(...)] names the resource's old name: `#[moved_from(db)]`",
                )),
            },
            _ => errors.push(syn::Error::new_spanned(attr.path(), format!("unknown attribute `#[{name}]` on a resource: use {KNOWN}"))),
        }
    }
    def
}
