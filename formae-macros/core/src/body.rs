//! The code of a stack's or a component's body: the handles other resources refer to,
//! and each resource (or family, or component instance) added in dependency order. A
//! stack names its resources by literals; a component, under the prefix of its instance
//! (`app.role`), and every resource of it also waits for what the instance's inputs use.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::check::Checked;

/// How names are made.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// As written.
    Stack,
    /// Under `__formae_prefix`, each resource also after `__formae_after`.
    Component,
}

/// What a body expands to.
pub struct Body {
    /// `let` bindings of every handle: resources' outputs, families, component instances.
    pub handles: Vec<TokenStream>,
    /// The adds, in dependency order, onto `__formae_s: &mut StackInstance`.
    pub adds: Vec<TokenStream>,
    /// Each resource's address (or a component instance's addresses), for a component's
    /// `addresses`.
    pub addresses: Vec<TokenStream>,
}

/// What a dependency is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    Resource,
    Family,
    Component,
}

/// The name of the resource `n` in code.
fn name_of(n: &str, naming: Naming) -> TokenStream {
    match naming {
        Naming::Stack => quote! { #n },
        Naming::Component => quote! { ::formae_runtime::component::address(__formae_prefix, #n) },
    }
}

/// The outputs of the resource named by `name` (its code), of the type aliased `path`:
/// the handle other resources refer to it by.
pub(crate) fn outputs_of(path: &syn::Ident, name: &TokenStream) -> TokenStream {
    quote! { <#path as ::formae_runtime::Resource>::outputs(#name) }
}

/// The code of `checked`'s resources.
pub fn body(checked: &Checked, naming: Naming) -> Body {
    let def = &checked.def;
    let nodes: HashMap<String, Node> = def
        .resources
        .iter()
        .map(|r| {
            let kind = if r.component {
                Node::Component
            } else if r.each.is_some() {
                Node::Family
            } else {
                Node::Resource
            };
            (r.ident.to_string(), kind)
        })
        .collect();
    let aliases: HashMap<String, &syn::Ident> = def.resources.iter().zip(&checked.resources).map(|(r, c)| (r.ident.to_string(), &c.ty)).collect();

    // Output handles are bound 64 to a `let`: one `let` per resource would nest a debuginfo
    // scope per resource, and LLVM overflows its stack on stacks of ~10,000 resources.
    let plain: Vec<_> = def.resources.iter().zip(&checked.resources).filter(|(r, c)| c.each.is_none() && !r.component).collect();
    let mut handles: Vec<TokenStream> = plain
        .chunks(64)
        .map(|chunk| {
            let ids = chunk.iter().map(|(r, _)| &r.ident);
            let values = chunk.iter().map(|(r, c)| {
                let path = &c.ty;
                let n = name_of(&r.ident.to_string(), naming);
                outputs_of(path, &n)
            });
            quote! { let ( #( #ids, )* ) = ( #( #values, )* ); }
        })
        .collect();
    for (r, c) in def.resources.iter().zip(&checked.resources) {
        let (id, path) = (&r.ident, &c.ty);
        let n = name_of(&id.to_string(), naming);
        if let Some((_, keys, _, _)) = &c.each {
            handles.push(quote! { let #id = ::formae_runtime::family::Family::new(#n, #keys, <#path as ::formae_runtime::Resource>::outputs); });
        } else if r.component {
            handles.push(quote! { let #id = #path::outputs(#n); });
        }
    }

    let adds = checked
        .order
        .iter()
        .map(|&i| {
            let r = &def.resources[i];
            let c = &checked.resources[i];
            let path = &c.ty;
            let own = r.ident.to_string();
            let n = name_of(&own, naming);
            // Dependencies on a family or a component instance are on each of its
            // resources, known once the stack is built; a component's resources also wait
            // for what its instance waits for.
            let runtime = naming == Naming::Component || c.deps.iter().any(|d| nodes.get(d) != Some(&Node::Resource));
            let deps = if runtime {
                let parts = c.deps.iter().map(|d| {
                    let id = format_ident!("{}", d);
                    let dn = name_of(d, naming);
                    match nodes.get(d) {
                        Some(Node::Family) => quote! { __formae_d.extend(#id.addresses()); },
                        Some(Node::Component) => {
                            let alias = aliases[d];
                            quote! { __formae_d.extend(#alias::addresses(#dn)); }
                        }
                        _ => quote! { __formae_d.push(#dn); },
                    }
                });
                let after = (naming == Naming::Component).then(|| quote! { __formae_d.extend_from_slice(__formae_after); });
                quote! {
                    ::formae_runtime::family::intern_list({
                        let mut __formae_d: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
                        #(#parts)*
                        #after
                        __formae_d
                    })
                }
            } else {
                let plain = &c.deps;
                quote! { &[#(#plain),*] }
            };
            let add = if r.component {
                let inputs = &c.props;
                quote! {
                    {
                        let __formae_in = #inputs;
                        #path::add_to(&__formae_in, #n, #deps, &mut *__formae_s);
                    }
                }
            } else {
                resource_add(r, c, &n, &deps)
            };
            match &c.condition {
                Some((cond, text)) => quote! { if #cond { #add } else { __formae_s.switched_off(#own, #text); } },
                None => add,
            }
        })
        .collect();

    let addresses = def
        .resources
        .iter()
        .zip(&checked.resources)
        .map(|(r, c)| {
            let n = name_of(&r.ident.to_string(), naming);
            if r.component {
                let path = &c.ty;
                quote! { __formae_a.extend(#path::addresses(#n)); }
            } else {
                quote! { __formae_a.push(#n); }
            }
        })
        .collect();
    Body { handles, adds, addresses }
}

/// The add of one resource or family: `n` its name's code, `deps` its dependencies'.
fn resource_add(r: &crate::parse::ResourceDef, c: &crate::check::CheckedResource, n: &TokenStream, deps: &TokenStream) -> TokenStream {
    let path = &c.ty;
    let own = r.ident.to_string();
    // A member named by a literal key must be one of its family's.
    let members = c.members.iter().map(|(family, key)| {
        let fam = format_ident!("{}", family);
        quote! { if !#fam.has(#key) { __formae_s.key_problem(#own, #family, #key); } }
    });
    let props = &c.props;
    let (lifecycle, checks) = match &c.lifecycle {
        Some((l, checks)) => (l.clone(), checks.clone()),
        None => (quote! { ::formae_runtime::lifecycle::Lifecycle::default() }, TokenStream::new()),
    };
    match &c.each {
        None if c.lifecycle.is_none() => quote! { #(#members)* __formae_s.add::<#path>(#n, #deps, #props); },
        None => quote! {
            #(#members)*
            #checks
            __formae_s.add_with::<#path>(#n, #deps, #props, #lifecycle);
        },
        Some((key, _, source, value)) => {
            let id = &r.ident;
            quote! {
                #(#members)*
                __formae_s.family_keys(#own, #source, #id.keys());
                for #key in #id.keys().to_vec() {
                    #value
                    #checks
                    __formae_s.add_with::<#path>(::formae_runtime::family::address(#n, &#key), #deps, #props, #lifecycle);
                }
            }
        }
    }
}
