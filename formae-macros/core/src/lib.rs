//! Everything behind the `stack!` macro: parsing ([`parse`]), checking the resource graph
//! ([`check`]) and generating code ([`gen`]). It works on `proc_macro2` tokens only, so
//! its unit tests run without a compiler plugin.

pub mod body;
pub mod check;
pub mod component;
mod features;
pub mod gen;
pub mod lifecycle;
mod literal_checks;
pub mod parse;
pub mod parts;
pub mod secrets;
mod walker;

use proc_macro2::TokenStream;

/// Expands a `stack!` invocation: the generated code, or every diagnostic found as
/// `compile_error!`s at their tokens.
pub fn expand(input: TokenStream) -> TokenStream {
    let stack: parse::StackDef = match syn::parse2(input) {
        Ok(s) => s,
        Err(e) => return e.to_compile_error(),
    };
    match check::check(stack) {
        Ok(checked) => gen::generate(&checked),
        Err(rejected) => {
            let errors: TokenStream = rejected.errors.into_iter().map(|e| e.to_compile_error()).collect();
            // The types the stack names, once each: a misspelled one is reported once, and
            // the stack's imports count as used, so no warning follows the errors.
            let aliases = &rejected.aliases;
            quote::quote! { #errors const _: () = { #(#aliases)* }; }
        }
    }
}

/// Parses and checks a stack, returning every diagnostic at once on failure.
pub fn analyze(input: TokenStream) -> Result<check::Checked, Vec<syn::Error>> {
    let stack: parse::StackDef = syn::parse2(input).map_err(|e| vec![e])?;
    check::check(stack).map_err(|r| r.errors)
}
