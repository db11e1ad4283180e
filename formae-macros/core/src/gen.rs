//! Code generation for a checked stack: a struct built from typed parameters, the
//! resource graph in dependency order, a plan entry point and typed outputs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::LitStr;

use crate::body::{body, Body, Naming};
use crate::check::Checked;
use crate::parts::Parts;
use crate::parse::doc_lines;

/// The code for `checked`: a stack, or a component.
pub fn generate(checked: &Checked) -> TokenStream {
    if checked.def.is_component() {
        return crate::component::generate(checked);
    }
    let def = &checked.def;
    let vis = &def.vis;
    let ident = &def.ident;
    let params_ident = format_ident!("{}Params", ident);
    let outputs_ident = format_ident!("{}Outputs", ident);
    let name = def.name.as_ref().map(LitStr::value).unwrap_or_default();
    let attrs = &def.attrs;
    let description = doc_lines(&def.attrs).into_iter().find(|l| !l.is_empty()).unwrap_or_default();

    // Parameters.
    let p_idents: Vec<_> = def.params.iter().map(|p| &p.ident).collect();
    let p_names: Vec<LitStr> =
        def.params.iter().map(|p| LitStr::new(&p.ident.to_string(), p.ident.span())).collect();
    let p_tys: Vec<_> = def.params.iter().map(|p| &p.ty).collect();
    let p_ty_names: Vec<String> =
        def.params.iter().map(|p| p.ty.to_token_stream().to_string().replace(' ', "")).collect();
    let p_docs: Vec<String> = def.params.iter().map(|p| doc_lines(&p.attrs).join(" ")).collect();
    let p_attrs: Vec<Vec<&syn::Attribute>> =
        def.params.iter().map(|p| p.attrs.iter().filter(|a| a.path().is_ident("doc")).collect()).collect();
    let p_fill: Vec<TokenStream> = def
        .params
        .iter()
        .map(|p| {
            let id = &p.ident;
            let n = id.to_string();
            match &p.default {
                Some(d) => { let ty = &p.ty; quote! { #id.unwrap_or_else(|| ::formae_runtime::resource::param_default::<#ty, _>(#d)) } }
                None => quote! {
                    #id.ok_or(::formae_runtime::resource::ParamError::Missing { name: #n })?
                },
            }
        })
        .collect();
    let p_default_text: Vec<TokenStream> = def
        .params
        .iter()
        .map(|p| {
            let ty = &p.ty;
            match &p.default {
                Some(d) => quote! {
                    ::core::option::Option::Some(::std::string::ToString::to_string(
                        &::formae_runtime::resource::param_default::<#ty, _>(#d)
                    ))
                },
                None => quote! { ::core::option::Option::None },
            }
        })
        .collect();
    let known = p_names.iter().map(LitStr::value).collect::<Vec<_>>().join(", ");
    let known = if known.is_empty() { "(none)".to_owned() } else { known };
    let all_defaulted = def.params.iter().all(|p| p.default.is_some());
    let default_impl = all_defaulted.then(|| {
        quote! {
            impl ::core::default::Default for #params_ident {
                fn default() -> Self {
                    match Self::from_args(&[]) {
                        ::core::result::Result::Ok(p) => p,
                        // Every parameter has a default, so no argument can be missing.
                        ::core::result::Result::Err(_) => ::core::unreachable!(),
                    }
                }
            }
        }
    });

    // Resources.
    let Body { handles, adds, .. } = body(checked, Naming::Stack);
    // With parts, the literal checks' `const` lives in their module and `instance` uses it.
    let Parts { prelude, steps, module: parts_module, literal_broken } = crate::parts::split(checked, adds);
    // Other stacks' outputs: a handle per reference, and what is read, on record.
    let ref_handles = def.stack_refs.iter().map(|r| {
        let (id, path) = (&r.ident, &r.path);
        quote! { let #id = #path::output_refs(); }
    });
    let ref_reads = checked.reads.iter().filter_map(|(name, output)| {
        let r = def.stack_refs.iter().find(|r| r.ident == name)?;
        let path = &r.path;
        Some(quote! { __formae_s.reads(#path::NAME, #output); })
    });
    let m_from: Vec<&String> = checked.moves.iter().map(|(f, _)| f).collect();
    let m_to: Vec<&String> = checked.moves.iter().map(|(_, t)| t).collect();
    let count = def.resources.len();
    let aliases = &checked.aliases;

    // Outputs.
    let o_idents: Vec<_> = def.outputs.iter().map(|o| &o.ident).collect();
    let o_names: Vec<String> = def.outputs.iter().map(|o| o.ident.to_string()).collect();
    let o_tys: Vec<_> = def.outputs.iter().map(|o| &o.ty).collect();
    let o_attrs: Vec<Vec<&syn::Attribute>> =
        def.outputs.iter().map(|o| o.attrs.iter().filter(|a| a.path().is_ident("doc")).collect()).collect();
    let o_adds: Vec<TokenStream> = o_names
        .iter()
        .zip(&checked.outputs)
        .map(|(n, (value, cond))| match cond {
            Some(cond) => quote! { if #cond { __formae_s.output(#n, &#value); } },
            None => quote! { __formae_s.output(#n, &#value); },
        })
        .collect();
    let o_reads: Vec<TokenStream> = o_names
        .iter()
        .zip(&checked.outputs)
        .map(|(n, (_, cond))| match cond {
            Some(_) => quote! { ::formae_runtime::resource::read_optional_output(state, #n)? },
            None => quote! { ::formae_runtime::resource::read_output(state, #n)? },
        })
        .collect();

    // What other stacks read: each output as a typed reference to this stack's record.
    let refs_ident = format_ident!("{}OutputRefs", ident);
    let stack_ref = format!("{}{}", "stack:", name);
    let r_tys: Vec<syn::Type> = def.outputs.iter().map(|o| crate::features::option_inner(&o.ty).unwrap_or_else(|| o.ty.clone())).collect();
    let refs_doc = format!("The outputs of [`{ident}`] as another stack reads them (`use stack x = {ident};`).");
    let params_doc = format!("Parameters of [`{ident}`].");
    let outputs_doc = format!("Outputs of [`{ident}`], as recorded by its last apply.");

    quote! {
        #parts_module

        #(#attrs)*
        #[derive(Debug, Clone)]
        #vis struct #ident {
            /// The parameters this instance was built with.
            pub params: #params_ident,
        }

        #[doc = #params_doc]
        #[derive(Debug, Clone)]
        #vis struct #params_ident {
            #( #(#p_attrs)* pub #p_idents: #p_tys, )*
        }

        impl #params_ident {
            /// Builds the parameters from `key=value` pairs; the rest take their defaults.
            pub fn from_args(
                args: &[(::std::string::String, ::std::string::String)],
            ) -> ::core::result::Result<Self, ::formae_runtime::resource::ParamError> {
                #( let mut #p_idents: ::core::option::Option<#p_tys> = ::core::option::Option::None; )*
                for (key, value) in args {
                    match key.as_str() {
                        #( #p_names => {
                            #p_idents = ::core::option::Option::Some(
                                ::formae_runtime::resource::parse_param::<#p_tys>(#p_names, #p_ty_names, value)?,
                            );
                        } )*
                        other => {
                            return ::core::result::Result::Err(::formae_runtime::resource::ParamError::Unknown {
                                stack: #name,
                                name: ::std::string::ToString::to_string(other),
                                known: ::std::string::ToString::to_string(#known),
                            })
                        }
                    }
                }
                ::core::result::Result::Ok(Self { #( #p_idents: #p_fill, )* })
            }

            /// The parameters' names, types, defaults and docs.
            pub fn info() -> ::std::vec::Vec<::formae_runtime::resource::ParamInfo> {
                ::std::vec![#( ::formae_runtime::resource::ParamInfo {
                    name: #p_names,
                    ty: #p_ty_names,
                    default: #p_default_text,
                    doc: #p_docs,
                } ),*]
            }
        }

        #default_impl

        #[doc = #refs_doc]
        #[derive(Debug, Clone, Copy)]
        #vis struct #refs_ident {
            #( #(#o_attrs)* pub #o_idents: ::formae_runtime::Output<#r_tys>, )*
        }

        #[doc = #outputs_doc]
        #[derive(Debug, Clone)]
        #vis struct #outputs_ident {
            #( #(#o_attrs)* pub #o_idents: #o_tys, )*
        }

        impl #ident {
            /// The stack's name.
            pub const NAME: &'static str = #name;
            /// The stack's description.
            pub const DESCRIPTION: &'static str = #description;
            /// How the command line finds and builds this stack.
            pub const ENTRY: ::formae_runtime::StackEntry = ::formae_runtime::StackEntry {
                name: #name,
                description: #description,
                params: #params_ident::info,
                build: |args| ::core::result::Result::Ok(#ident::new(#params_ident::from_args(args)?).instance()),
            };

            /// This stack's outputs for another stack to read, typed as declared.
            pub fn output_refs() -> #refs_ident {
                #refs_ident { #( #o_idents: ::formae_runtime::Output::new(#stack_ref, #o_names), )* }
            }

            /// The stack built from `params`.
            pub fn new(params: #params_ident) -> Self {
                #ident { params }
            }

            /// The resources and outputs, each resource after what it depends on.
            #[allow(unused_variables, clippy::redundant_clone, clippy::needless_update)]
            pub fn instance(&self) -> ::formae_runtime::StackInstance {
                let __formae_p = &self.params;
                #(#aliases)*
                #literal_broken
                #(#handles)*
                #(#ref_handles)*
                let mut __formae_instance = ::formae_runtime::StackInstance::with_capacity(#name, #count);
                let __formae_s = &mut __formae_instance;
                #prelude
                #(#steps)*
                #( __formae_s.moved(#m_from, #m_to); )*
                #(#ref_reads)*
                #(#o_adds)*
                __formae_instance
            }

            /// Plans this stack against recorded `state`.
            pub fn plan(
                &self,
                state: &::formae_runtime::StackState,
                mode: ::formae_runtime::Mode,
            ) -> ::core::result::Result<::formae_runtime::Plan, ::formae_runtime::PlanError> {
                ::formae_runtime::plan(&self.instance(), state, mode, &::formae_runtime::plan::EnvSecrets)
            }

            /// The typed outputs recorded in `state`.
            pub fn outputs(
                state: &::formae_runtime::StackState,
            ) -> ::core::result::Result<#outputs_ident, ::formae_runtime::resource::OutputError> {
                ::core::result::Result::Ok(#outputs_ident {
                    #( #o_idents: #o_reads, )*
                })
            }
        }
    }
}
