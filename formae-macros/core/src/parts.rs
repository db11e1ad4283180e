//! A large stack's resources, added by functions in modules of their own.
//!
//! The compiler types, checks and optimises a function as one unit, and makes one unit of
//! machine code per module. One `instance` function holding every resource of a
//! 10,000-resource stack was optimised on one core. So runs of consecutive resources (in
//! dependency order) go into functions of [`PART`] resources, each in a module of its
//! own, which the compiler builds on every core. An incremental build after an edit
//! reuses the parts the edit does not touch (see [`anchored`]).
//!
//! A resource goes into a part when it is plain (not a family or a component's instance)
//! and uses only plain resources, so that its part can bind the outputs it uses itself.
//! Everything else stays in `instance`, between the parts, in order. A stack that reads
//! other stacks, or has no more than [`PART`] resources, stays in `instance` whole.

use std::collections::{BTreeSet, HashMap, HashSet};

use std::fmt::Write;

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};

use crate::check::Checked;

/// Resources per part.
pub const PART: usize = 64;

/// A stack's resources as `instance` adds them: each add in order, or the call of a part.
pub struct Parts {
    /// What `instance` runs first: building the parts, on every core.
    pub prelude: TokenStream,
    /// What `instance` runs after binding the handles, in order.
    pub steps: Vec<TokenStream>,
    /// The module holding the parts (empty when there are none).
    pub module: TokenStream,
    /// What `instance` writes for the literal checks' `const`: the `const` itself, or,
    /// when it lives in the parts' module, a `use` of it.
    pub literal_broken: TokenStream,
}

/// Splits `adds` (one per resource, in `checked.order`) into parts where it can.
pub fn split(checked: &Checked, adds: Vec<TokenStream>) -> Parts {
    let def = &checked.def;
    let ident = &def.ident;
    if def.resources.len() <= PART || !def.stack_refs.is_empty() {
        return Parts { prelude: TokenStream::new(), steps: adds, module: TokenStream::new(), literal_broken: checked.literal_checks.broken() };
    }
    let plain: HashSet<String> = def
        .resources
        .iter()
        .zip(&checked.resources)
        .filter(|(r, c)| !r.component && c.each.is_none())
        .map(|(r, _)| r.ident.to_string())
        .collect();
    let index: HashMap<String, usize> = def.resources.iter().enumerate().map(|(i, r)| (r.ident.to_string(), i)).collect();
    let fits = |i: usize| {
        let c = &checked.resources[i];
        plain.contains(&def.resources[i].ident.to_string()) && c.members.is_empty() && c.deps.iter().all(|d| plain.contains(d))
    };

    let params_ident = format_ident!("{}Params", ident);
    let module = format_ident!("__formae_parts_{}", ident);
    let mut steps = Vec::new();
    let mut parts = Vec::new();
    let mut run: Vec<(usize, TokenStream)> = Vec::new();
    let mut in_parts: HashSet<usize> = HashSet::new();
    let mut adders: Vec<TokenStream> = Vec::new();
    let mut flush = |run: &mut Vec<(usize, TokenStream)>, steps: &mut Vec<TokenStream>| {
        if run.is_empty() {
            return;
        }
        let part = format_ident!("part_{}", parts.len());
        // The literal checks first met in this part, evaluated on their own: an edit here
        // leaves the other parts' checks as they were.
        let members: HashSet<usize> = run.iter().map(|(i, _)| *i).collect();
        let own_checks = checked.literal_checks.broken_of(|first| first.is_some_and(|i| members.contains(&i)));
        in_parts.extend(&members);
        // The outputs this part's resources use, bound as `instance` binds them.
        let used: BTreeSet<&String> = run.iter().flat_map(|(i, _)| &checked.resources[*i].deps).collect();
        let handles = used.iter().map(|d| {
            let id = format_ident!("{}", d);
            let handle = crate::body::outputs_of(&checked.resources[index[*d]].ty, &quote! { #d });
            quote! { let #id = #handle; }
        });
        let body = run.iter().map(|(_, add)| add);
        // See [`anchored`]: the part's code is placed at its first resource, and its
        // function's signature reaches from there to the end of the stack.
        let anchor = def.resources[run[0].0].ident.span();
        let handles = placed(quote! { #(#handles)* }, anchor);
        let own_checks = placed(own_checks, anchor);
        let mut params = Group::new(
            Delimiter::Parenthesis,
            placed(quote! { __formae_p: &#params_ident, __formae_s: &mut ::formae_runtime::StackInstance }, anchor),
        );
        params.set_span(def.end);
        parts.push(anchored(
            quote! {
                #[allow(unused_imports)]
                pub(super) mod #part {
                    use super::*;
                    #own_checks
                    #[allow(unused, clippy::all, clippy::pedantic, clippy::nursery)]
                    pub(in super::super) fn add #params {
                        #handles
                        #(#body)*
                    }
                }
            },
            anchor,
        ));
        steps.push(quote! { __formae_s.add_part(&mut __formae_built); });
        adders.push(quote! { #module::#part::add });
        run.clear();
    };
    for (&i, add) in checked.order.iter().zip(adds) {
        if fits(i) {
            run.push((i, anchored(add, def.resources[i].ident.span())));
            if run.len() == PART {
                flush(&mut run, &mut steps);
            }
        } else {
            flush(&mut run, &mut steps);
            steps.push(add);
        }
    }
    flush(&mut run, &mut steps);

    let aliases = &checked.aliases;
    // The checks first met in `instance`'s own resources and in the outputs.
    let checks = checked.literal_checks.broken_of(|first| first.is_none_or(|i| !in_parts.contains(&i)));
    let (checks, literal_broken) = match checks.is_empty() {
        true => (TokenStream::new(), TokenStream::new()),
        false => (quote! { pub(super) #checks }, quote! { use #module::__FORMAE_BROKEN; }),
    };
    let module = quote! {
        #[doc(hidden)]
        #[allow(unused_imports, non_snake_case)]
        mod #module {
            use super::*;
            #(#aliases)*
            #checks
            #(#parts)*
        }
    };
    // Parts depend on nothing built before them, only on the parameters: they are built
    // first, all at once, and added where they stand.
    let prelude = quote! {
        let __formae_parts: &[fn(&#params_ident, &mut ::formae_runtime::StackInstance)] = &[#(#adders),*];
        let mut __formae_built = __formae_s.build_parts(__formae_p, #PART, __formae_parts);
    };
    Parts { prelude, steps, module, literal_broken }
}

/// `tokens` with what the macro wrote placed at `anchor`, a token of the resources they
/// add, in the file's own context; the stack's own tokens keep their spans, so
/// diagnostics still point at what the user wrote.
///
/// An incremental build compiles a function again when the hash of its spans changes.
/// A span inside its function's signature is hashed by its offset from the signature's
/// start; any other by its offset in the file, and with its macro expansion, whose own
/// span is the whole `stack!`. So left at the call site, every edit that changes the
/// stack's length would change every part. A part's function instead holds only its
/// resources' tokens and tokens placed at its first resource, and its signature reaches
/// from there to the stack's closing brace; and the code it holds calls no macro (a
/// macro's expansion is hashed with the `stack!` one it comes from). An edit then builds
/// again only the part it is in (and `instance`, which calls them all): chain-1000's
/// rebuild after a property's edit went from 3.5 s to 2.4 s.
///
/// In the file's context the written code resolves names as it did at the call site,
/// which is what a procedural macro's call-site span does; lints see it as written
/// there, so the part's function allows what generated code does.
fn anchored(tokens: TokenStream, anchor: Span) -> TokenStream {
    // Spans cannot be compared for equality on stable Rust; their debug form names the
    // expansion and the source range (`#6 bytes(59..13591)`), which is as much.
    let generated = format!("{:?}", Span::call_site());
    let expansion = generated.split_once(' ').map_or(generated.as_str(), |(e, _)| e).to_owned();
    let moves = |span: Span, buf: &mut String| {
        buf.clear();
        let _ = write!(buf, "{span:?}");
        if *buf == generated {
            Some(anchor)
        } else if buf.split_once(' ').is_some_and(|(e, _)| e == expansion) {
            // Written by the macro at a place of the user's: it stays there.
            Some(span.resolved_at(anchor))
        } else {
            None
        }
    };
    respan(tokens, &moves, &mut String::new())
}

/// `tokens`, every one placed at `at`: code no diagnostic points into (the handles of
/// other resources' outputs, the literal checks' `const`).
fn placed(tokens: TokenStream, at: Span) -> TokenStream {
    respan(tokens, &|_, _| Some(at), &mut String::new())
}

fn respan(tokens: TokenStream, moves: &dyn Fn(Span, &mut String) -> Option<Span>, buf: &mut String) -> TokenStream {
    let mut out = TokenStream::new();
    for tt in tokens {
        let span = moves(tt.span(), buf).unwrap_or_else(|| tt.span());
        out.extend([match tt {
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), respan(g.stream(), moves, buf));
                inner.set_span(span);
                TokenTree::Group(inner)
            }
            mut other => {
                other.set_span(span);
                other
            }
        }]);
    }
    out
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, LineColumn, TokenStream, TokenTree};

    /// A stack of a `chain` of secrets (each also a role with a policy's list), then a
    /// family and its user.
    fn source(chain: usize) -> String {
        let mut src = String::from("pub stack Big = \"big\" { param keys: List<String> = [\"a\"];");
        for i in 0..chain {
            let value = if i == 0 { "SecretSource::env(\"X\")".to_owned() } else { format!("template!(\"{{s{}.arn}}\")", i - 1) };
            src += &format!("resource s{i} = Secret {{ name: \"s{i}\", secret_string: {value}, tags: [Tag {{ key: \"k\", value: \"v\" }}] }};");
        }
        src += "resource copies[k in keys] = Secret { name: template!(\"c-{k}\"), secret_string: template!(\"{s0.arn}\") };";
        src += "resource user = Secret { name: \"u\", secret_string: json!({ \"from\": copies[\"a\"].arn }) }; }";
        src
    }

    /// The expansion of [`source`].
    fn expansion(chain: usize) -> String {
        let tokens: TokenStream = source(chain).parse().expect("the stack's tokens");
        crate::expand(tokens).to_string()
    }

    /// The group that follows the identifier `name` in `tokens`, searched at any depth.
    fn group_after(tokens: TokenStream, name: &str) -> Option<proc_macro2::Group> {
        let mut last_was = false;
        for tt in tokens {
            match tt {
                TokenTree::Group(g) if last_was => return Some(g),
                TokenTree::Group(g) => {
                    if let Some(found) = group_after(g.stream(), name) {
                        return Some(found);
                    }
                    last_was = false;
                }
                TokenTree::Ident(i) => last_was = i == name,
                _ => last_was = false,
            }
        }
        None
    }

    /// Every token of `tokens` (groups, then what they hold).
    fn every(tokens: TokenStream, out: &mut Vec<TokenTree>) {
        for tt in tokens {
            if let TokenTree::Group(g) = &tt {
                every(g.stream(), out);
            }
            out.push(tt);
        }
    }

    #[test]
    fn a_parts_code_lies_among_its_own_resources_and_calls_no_macro() {
        let src = source(130);
        let out = crate::expand(src.parse().expect("the stack's tokens"));
        // The source is one line: a column is a character's offset.
        let at = |needle: &str| LineColumn { line: 1, column: src.find(needle).expect("in the source") };
        let (first, end) = (at("resource s64 "), LineColumn { line: 1, column: src.len() });
        let part = group_after(out, "part_1").expect("the second part's module");
        let mut tokens = Vec::new();
        every(part.stream(), &mut tokens);
        assert!(tokens.len() > 1000, "{} tokens", tokens.len());
        for tt in &tokens {
            let span = tt.span();
            assert!(span.start() >= first && span.end() <= end, "`{tt}` at {:?}..{:?} lies outside part_1's resources", span.start(), span.end());
        }
        // No macro is called in it: a macro's expansion would be tied to the whole stack.
        let text = part.stream().to_string();
        let around = |i: usize| text.get(i.saturating_sub(80)..i + 20).unwrap_or_default().to_owned();
        let macros: Vec<String> = text.match_indices(" ! ").map(|(i, _)| i).filter(|&i| !text[..i].ends_with(":: core :: panic")).map(around).collect();
        assert!(macros.is_empty(), "a part calls a macro other than the literal checks' panic: {macros:?}");
        // The function's signature reaches to the stack's closing brace.
        let params = group_after(part.stream(), "add").expect("the part's function");
        assert_eq!(params.delimiter(), Delimiter::Parenthesis);
        assert_eq!(params.span().end(), end);
    }

    #[test]
    fn runs_of_plain_resources_go_into_parts_and_a_family_and_its_user_stay_in_instance() {
        let out = expansion(130);
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("mod __formae_parts_Big"));
        // 130 plain resources: parts of 64, 64 and 2; the family and its user are added
        // by `instance` itself.
        for part in ["part_0", "part_1", "part_2"] {
            assert!(out.contains(&format!("mod {part}")), "{part}");
        }
        // Built first, all at once, in order; then each added where it stands.
        assert!(out.contains("= & [__formae_parts_Big :: part_0 :: add , __formae_parts_Big :: part_1 :: add , __formae_parts_Big :: part_2 :: add] ;"), "{out}");
        assert_eq!(out.matches("__formae_s . add_part (& mut __formae_built) ;").count(), 3);
        assert!(!out.contains("mod part_3"));
        assert_eq!(out.matches("family :: Family :: new").count(), 1, "the family's handle is bound once, in `instance`");
        assert!(out.contains("use __formae_parts_Big :: __FORMAE_BROKEN"), "`instance` reads the checks its own resources use");
    }

    #[test]
    fn a_stack_of_one_part_or_fewer_is_added_by_instance_alone() {
        let out = expansion(super::PART - 2);
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("__formae_parts_"));
        assert!(out.contains("const __FORMAE_BROKEN"));
    }
}
