//! A resource's lifecycle attributes: `#[protect]`, `#[protect(param)]`,
//! `#[ignore_changes(field, ..)]`, `#[create_before_destroy]`, `#[allow_data_loss]` and
//! `#[moved_from(old_name)]`, parsed once into a model, every problem collected.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Meta, Token};

/// The attributes a resource takes, as the error for any other lists them.
const KNOWN: &str = "#[protect], #[protect(parameter)], #[ignore_changes(property, ...)], #[create_before_destroy], #[allow_data_loss], #[moved_from(old_name)] or #[region(\"eu-west-1\")]";

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
    /// `#[region("eu-west-1")]` or `#[region(param)]`.
    pub region: Option<Region>,
}

/// Where `#[region(..)]` says a resource lives.
pub enum Region {
    /// A region written out.
    Literal(syn::LitStr),
    /// A `String` parameter.
    Param(Ident),
}

impl LifecycleDef {
    /// Whether any attribute was given.
    pub fn is_empty(&self) -> bool {
        self.protect.is_none()
            && self.ignore_changes.is_empty()
            && self.create_before_destroy.is_none()
            && !self.allow_data_loss
            && self.moved_from.is_none()
            && self.region.is_none()
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
        let region = match &self.region {
            None => quote! { ::core::option::Option::None },
            Some(Region::Literal(r)) => quote! { ::core::option::Option::Some(#r) },
            Some(Region::Param(p)) => quote_spanned! {p.span()=> ::core::option::Option::Some(::formae_runtime::lifecycle::region_of(&__formae_p.#p)) },
        };
        quote! {
            ::formae_runtime::lifecycle::Lifecycle {
                protect: #protect,
                ignore_changes: &[#(#ignored),*],
                create_before_destroy: #cbd,
                allow_data_loss: #adl,
                moved_from: #moved,
                region: #region,
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
            "region" => {
                let region = attr
                    .parse_args::<syn::LitStr>()
                    .map(Region::Literal)
                    .or_else(|_| attr.parse_args::<Ident>().map(Region::Param));
                match region {
                    Ok(Region::Literal(r)) if !valid_region(&r.value()) => errors.push(syn::Error::new(
                        r.span(),
                        format!("`{}` is not an AWS region's name: write one such as \"eu-west-1\"", r.value()),
                    )),
                    Ok(r) => def.region = Some(r),
                    Err(_) => errors.push(syn::Error::new_spanned(
                        attr,
                        "#[region(...)] names the region: `#[region(\"eu-west-1\")]`, or a String parameter: `#[region(replica_region)]`",
                    )),
                }
            }
            _ => errors.push(syn::Error::new_spanned(attr.path(), format!("unknown attribute `#[{name}]` on a resource: use {KNOWN}"))),
        }
    }
    def
}

/// Whether `r` looks like a region's name: lowercase words and a number, joined by `-`
/// (`eu-west-1`, `us-gov-west-1`, `cn-north-1`).
fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}
