//! The compile-time checks of a stack's struct literals: required properties given, and
//! literals that keep the type's rules.
//!
//! Evaluating a `const` that calls into the runtime's rules costs the compiler about a
//! millisecond, and a stack has thousands of places to check. So one `const`,
//! `__FORMAE_BROKEN`, runs every distinct check once and keeps those that fail (a large
//! stack has one for each part of its resources, of the checks first met there). Each
//! distinct check has a small `const` of its own, at its first place's tokens, that looks
//! itself up there and panics: every broken literal is reported where it is written. A
//! check repeated (a thousand resources of one type given the same properties share one
//! required-properties check) is reported once, saying how many places repeat it.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

/// What a check asks.
pub(crate) enum Rule {
    /// The required properties are given.
    Required,
    /// A literal keeps the type's rules.
    Literal,
}

/// The checks met while walking a stack's (or a component's) values.
#[derive(Default)]
pub(crate) struct LiteralChecks {
    /// Each distinct check: what it asks, its call, how many more places repeat it, and
    /// the resource (by declaration index) of its first place, `None` for an output's.
    checks: Vec<(Rule, TokenStream, u32, Option<usize>)>,
    /// Where each distinct check is in `checks`, by what it checks.
    index: HashMap<String, usize>,
    /// The resource whose values are being walked, `None` for the outputs.
    pub(crate) resource: Option<usize>,
}

impl LiteralChecks {
    /// The check at one place: `key` says what it checks (the same key, the same
    /// result), `call` is the check (`Some(error)` when it fails). The first place of a
    /// check gets the `const` that reports it, spanned at `span`; a repeat gets nothing.
    pub(crate) fn place(&mut self, key: String, rule: Rule, call: TokenStream, span: Span) -> TokenStream {
        if let Some(&i) = self.index.get(&key) {
            self.checks[i].2 += 1;
            return TokenStream::new();
        }
        let place = self.checks.len();
        self.index.insert(key, place);
        self.checks.push((rule, call, 0, self.resource));
        quote_spanned! {span=>
            const _: () = if let ::core::option::Option::Some(e) = __FORMAE_BROKEN.at(#place) {
                ::core::panic!("{}", e.as_str())
            };
        }
    }

    /// `__FORMAE_BROKEN`, for the function that holds the places.
    pub(crate) fn broken(&self) -> TokenStream {
        self.broken_of(|_| true)
    }

    /// `__FORMAE_BROKEN` of the checks whose first place is in a resource `first` takes
    /// (`None`: an output's); nothing when there are none. A large stack's parts each have
    /// their own (see `parts`), so an edit evaluates again only its part's checks.
    pub(crate) fn broken_of(&self, first: impl Fn(Option<usize>) -> bool) -> TokenStream {
        let records: Vec<TokenStream> = self
            .checks
            .iter()
            .enumerate()
            .filter(|(_, (_, _, _, at))| first(*at))
            .map(|(place, (rule, call, others, _))| match rule {
                Rule::Required => quote! { b.required(#place, #others, #call); },
                Rule::Literal => quote! { b.literal(#place, #others, #call); },
            })
            .collect();
        if records.is_empty() {
            return TokenStream::new();
        }
        quote! {
            const __FORMAE_BROKEN: ::formae_runtime::literal::Broken = {
                let mut b = ::formae_runtime::literal::Broken::NONE;
                #(#records)*
                b
            };
        }
    }
}
