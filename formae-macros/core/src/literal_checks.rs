//! The compile-time checks of a stack's struct literals: required properties given, and
//! literals that keep the type's rules.
//!
//! Evaluating a `const` that calls into the runtime's rules costs the compiler about a
//! millisecond, and a stack has thousands of places to check. So one `const`,
//! `__FORMAE_BROKEN`, runs every distinct check once and keeps those that fail. Each
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
    /// Each distinct check: what it asks, its call, and how many more places repeat it.
    checks: Vec<(Rule, TokenStream, u32)>,
    /// Where each distinct check is in `checks`, by what it checks.
    index: HashMap<String, usize>,
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
        self.checks.push((rule, call, 0));
        quote_spanned! {span=>
            const _: () = if let ::core::option::Option::Some(e) = __FORMAE_BROKEN.at(#place) {
                ::core::panic!("{}", e.as_str())
            };
        }
    }

    /// `__FORMAE_BROKEN`, for the function that holds the places.
    pub(crate) fn broken(&self) -> TokenStream {
        if self.checks.is_empty() {
            return TokenStream::new();
        }
        let records = self.checks.iter().enumerate().map(|(place, (rule, call, others))| match rule {
            Rule::Required => quote! { b.required(#place, #others, #call); },
            Rule::Literal => quote! { b.literal(#place, #others, #call); },
        });
        quote! {
            const __FORMAE_BROKEN: ::formae_runtime::literal::Broken = {
                let mut b = ::formae_runtime::literal::Broken::NONE;
                #(#records)*
                b
            };
        }
    }
}
