//! Everything behind the `stack!` macro: parsing ([`parse`]), checking the resource graph
//! ([`check`]) and generating code ([`gen`]). It works on `proc_macro2` tokens only, so
//! its unit tests run without a compiler plugin.

pub mod check;
pub mod gen;
pub mod parse;

use proc_macro2::TokenStream;

/// Expands a `stack!` invocation: the generated code, or every diagnostic found as
/// `compile_error!`s at their tokens.
pub fn expand(input: TokenStream) -> TokenStream {
    match analyze(input) {
        Ok(checked) => gen::generate(&checked),
        Err(errors) => errors.into_iter().map(|e| e.to_compile_error()).collect(),
    }
}

/// Parses and checks a stack, returning every diagnostic at once on failure.
pub fn analyze(input: TokenStream) -> Result<check::Checked, Vec<syn::Error>> {
    let stack: parse::StackDef = syn::parse2(input).map_err(|e| vec![e])?;
    check::check(stack)
}
