//! Code generation for a checked `component!`: the component's type with its inputs and
//! outputs structs, and the functions a stack's `use` calls: `outputs` (what other
//! resources refer to), `addresses` (what waits on the instance) and `add_to` (its
//! resources, under the instance's name).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::body::{body, Body, Naming};
use crate::check::Checked;

/// The code for the component `checked`.
pub fn generate(checked: &Checked) -> TokenStream {
    let def = &checked.def;
    let (vis, ident, attrs) = (&def.vis, &def.ident, &def.attrs);
    let inputs_ident = format_ident!("{}Inputs", ident);
    let outputs_ident = format_ident!("{}Outputs", ident);
    let docs = |a: &[syn::Attribute]| a.iter().filter(|a| a.path().is_ident("doc")).cloned().collect::<Vec<_>>();

    let i_idents: Vec<_> = def.params.iter().map(|p| &p.ident).collect();
    let i_tys: Vec<_> = def.params.iter().map(|p| &p.ty).collect();
    let i_docs: Vec<Vec<syn::Attribute>> = def.params.iter().map(|p| docs(&p.attrs)).collect();
    let o_idents: Vec<_> = def.outputs.iter().map(|o| &o.ident).collect();
    let o_tys: Vec<_> = def.outputs.iter().map(|o| &o.ty).collect();
    let o_docs: Vec<Vec<syn::Attribute>> = def.outputs.iter().map(|o| docs(&o.attrs)).collect();
    let o_values: Vec<&TokenStream> = checked.outputs.iter().map(|(v, _)| v).collect();
    let Body { handles, adds, addresses } = body(checked, Naming::Component);
    let aliases = &checked.aliases;
    let literal_broken = checked.literal_checks.broken();

    let inputs_doc = format!("Inputs of [`{ident}`]: each a literal, a parameter, another resource's output or a template.");
    let outputs_doc = format!("Outputs of an instance of [`{ident}`], for the resources that use it.");

    quote! {
        #(#attrs)*
        #[derive(Debug, Clone, Copy)]
        #vis struct #ident;

        #[doc = #inputs_doc]
        #[derive(Debug, Clone)]
        #vis struct #inputs_ident {
            #( #(#i_docs)* pub #i_idents: ::formae_runtime::value::Passed<#i_tys>, )*
        }

        #[doc = #outputs_doc]
        #[derive(Debug, Clone)]
        #vis struct #outputs_ident {
            #( #(#o_docs)* pub #o_idents: ::formae_runtime::value::Passed<#o_tys>, )*
        }

        impl #ident {
            /// The outputs of the instance named `prefix` (`use prefix = ...`).
            #[allow(unused_variables, clippy::redundant_clone)]
            pub fn outputs(__formae_prefix: &'static str) -> #outputs_ident {
                #(#aliases)*
                #(#handles)*
                #outputs_ident { #( #o_idents: ::formae_runtime::value::Passed(#o_values), )* }
            }

            /// The addresses of the resources of the instance named `prefix`.
            #[allow(unused_variables)]
            pub fn addresses(__formae_prefix: &'static str) -> ::std::vec::Vec<&'static str> {
                #(#aliases)*
                let mut __formae_a: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
                #(#addresses)*
                __formae_a
            }

            /// Adds the resources of the instance named `prefix`, built from `inputs`, to
            /// `stack`, each after what it uses and after `after` (what the inputs use).
            #[allow(unused_variables, clippy::redundant_clone, clippy::needless_update)]
            pub fn add_to(
                __formae_p: &#inputs_ident,
                __formae_prefix: &'static str,
                __formae_after: &[&'static str],
                __formae_s: &mut ::formae_runtime::StackInstance,
            ) {
                #(#aliases)*
                #literal_broken
                #(#handles)*
                #(#adds)*
            }
        }
    }
}
