//! The `stack!` syntax (a `component!` is the same with `component Name { ... }`,
//! `input name: Type;` for parameters, and no name of its own):
//!
//! ```text
//! /// Doc comment: the stack's description.
//! pub stack RustName = "stack-name" {
//!     /// A parameter, with an optional default.
//!     param region: String = "us-east-1";
//!     /// A resource: a struct literal of its type's properties.
//!     resource db = DbCluster { db_cluster_identifier: "formae-db", ... };
//!     resource db_name = Database { ... } depends_on [instance];
//!     /// A family: one resource per key, `creds["a"]`; others use `creds["a"].arn` or
//!     /// `creds[..].arn`.
//!     resource creds[tenant in tenants] = Secret { name: template!("{tenant}-creds"), ... };
//!     /// Present only when a bool parameter says so; only resources under the same
//!     /// condition use its outputs, and a stack output of them is an `Option`.
//!     resource health if with_check = HttpCheck { ... };
//!     /// An instance of a component: its resources are addressed `app.role`, and its
//!     /// outputs are `app.role_arn`.
//!     use app = Reader { name: "app" };
//!     /// Another stack's outputs, typed: `data.db_cluster_arn`.
//!     use stack data = FormaeData;
//!     /// A move: what was recorded as `jobs` is now the component's `app.jobs`.
//!     moved jobs => app.jobs;
//!     /// Lifecycle attributes (see `lifecycle`): protection, ignored changes, replacement
//!     /// order, allowed data loss, an earlier name.
//!     #[protect(prod)] #[ignore_changes(engine_version)] #[moved_from(cluster)]
//!     resource db = DbCluster { ... };
//!     /// A typed stack output.
//!     output service_url: String = agent.service_url;
//! }
//! ```

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{bracketed, braced, Attribute, Expr, ExprStruct, Ident, LitStr, Token, Type, Visibility};

mod kw {
    syn::custom_keyword!(stack);
    syn::custom_keyword!(component);
    syn::custom_keyword!(input);
    syn::custom_keyword!(param);
    syn::custom_keyword!(resource);
    syn::custom_keyword!(output);
    syn::custom_keyword!(depends_on);
    syn::custom_keyword!(moved);
}

/// A whole `stack!` invocation, or a `component!` one: the same body, with inputs for
/// parameters and no name of its own.
pub struct StackDef {
    /// Doc comments and other attributes.
    pub attrs: Vec<Attribute>,
    /// Visibility of the generated types.
    pub vis: Visibility,
    /// The generated struct's name.
    pub ident: Ident,
    /// The stack's name, as the command line knows it; `None` for a component.
    pub name: Option<LitStr>,
    /// Parameters.
    pub params: Vec<ParamDef>,
    /// Resources, in declaration order.
    pub resources: Vec<ResourceDef>,
    /// Outputs.
    pub outputs: Vec<OutputDef>,
    /// `moved old => new;`: declared moves between addresses.
    pub moves: Vec<MoveDef>,
    /// `use stack data = FormaeData;`: other stacks whose outputs this one reads.
    pub stack_refs: Vec<StackRefDef>,
    /// The closing brace of the body (see `parts`: each part's signature reaches to it).
    pub end: Span,
}

/// `use stack data = FormaeData;`: the outputs of the stack `FormaeData` (another
/// `stack!`), read from its recorded state as `data.output`, typed as it declares them.
pub struct StackRefDef {
    /// The name the stack is read through here.
    pub ident: Ident,
    /// The other stack's type.
    pub path: syn::Path,
}

/// `moved jobs => mail.jobs;`: what was recorded as `from` is now `to` (a resource
/// renamed, or moved into a component or a family).
pub struct MoveDef {
    /// The old address: `jobs`, `app.role`, `creds["a"]`.
    pub from: Expr,
    /// The new address.
    pub to: Expr,
}

/// `param name: Type = default;`
pub struct ParamDef {
    /// Doc comments.
    pub attrs: Vec<Attribute>,
    /// The parameter's name.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// Its default, if any.
    pub default: Option<Expr>,
}

/// `resource name = Type { ... } depends_on [a, b];`, or a family,
/// `resource name[key in source] = Type { ... };`
pub struct ResourceDef {
    /// Doc comments.
    pub attrs: Vec<Attribute>,
    /// The resource's name.
    pub ident: Ident,
    /// For a family: the key's name and where the keys come from.
    pub each: Option<EachDef>,
    /// `use name = Component { inputs };`: an instance of a component, its resources
    /// addressed `name.resource`.
    pub component: bool,
    /// `if param` or `if !param`: present only when a bool parameter says so.
    pub condition: Option<ConditionDef>,
    /// Its properties, as a struct literal of its type.
    pub body: ExprStruct,
    /// Resources it must wait for without referring to them.
    pub depends_on: Vec<Ident>,
}

/// `[key in source]` after a family's name: a list parameter or a literal list of strings.
pub struct EachDef {
    /// The key's name inside the family's properties.
    pub key: Ident,
    /// `[(key, value) in map]`: the name of each key's value, from a `Map` parameter.
    pub value: Option<Ident>,
    /// The keys: a parameter, or `["a", "b"]`.
    pub source: Expr,
}

/// `if param` or `if !param` after a resource's name.
#[derive(Clone)]
pub struct ConditionDef {
    /// `!`: present when the parameter is false.
    pub negated: bool,
    /// The bool parameter.
    pub param: Ident,
}

impl ConditionDef {
    /// As the user wrote it: `with_check`, `!with_check`.
    pub fn text(&self) -> String {
        format!("{}{}", if self.negated { "!" } else { "" }, self.param)
    }

    /// Whether two conditions are the same.
    pub fn same(&self, other: &ConditionDef) -> bool {
        self.negated == other.negated && self.param == other.param
    }
}

/// `output name: Type = value;`
pub struct OutputDef {
    /// Doc comments.
    pub attrs: Vec<Attribute>,
    /// The output's name.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// Its value: a reference or a parameter.
    pub value: Expr,
}

impl Parse for StackDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let is_component = input.peek(kw::component);
        let (ident, name) = if is_component {
            input.parse::<kw::component>()?;
            (input.parse()?, None)
        } else {
            input.parse::<kw::stack>().map_err(|e| {
                syn::Error::new(e.span(), "expected `stack Name = \"stack-name\" { ... }` (or, in component!, `component Name { ... }`)")
            })?;
            let ident: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            (ident, Some(input.parse()?))
        };
        let body;
        let brace = braced!(body in input);
        let mut def = StackDef {
            attrs,
            vis,
            ident,
            name,
            params: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            moves: Vec::new(),
            stack_refs: Vec::new(),
            end: brace.span.close(),
        };
        while !body.is_empty() {
            let attrs = body.call(Attribute::parse_outer)?;
            let look = body.lookahead1();
            let param = if is_component { look.peek(kw::input) } else { look.peek(kw::param) };
            if param {
                if is_component {
                    body.parse::<kw::input>()?;
                } else {
                    body.parse::<kw::param>()?;
                }
                let ident = body.parse()?;
                body.parse::<Token![:]>()?;
                let ty = body.parse()?;
                let default = if body.peek(Token![=]) {
                    let eq = body.parse::<Token![=]>()?;
                    if is_component {
                        return Err(syn::Error::new(eq.span, "a component's inputs have no defaults: every use gives each one"));
                    }
                    Some(body.parse()?)
                } else {
                    None
                };
                body.parse::<Token![;]>()?;
                def.params.push(ParamDef { attrs, ident, ty, default });
            } else if body.peek(Token![use]) && body.peek2(kw::stack) {
                body.parse::<Token![use]>()?;
                body.parse::<kw::stack>()?;
                let ident: Ident = body.parse()?;
                body.parse::<Token![=]>()?;
                let path: syn::Path = body.parse()?;
                body.parse::<Token![;]>()?;
                def.stack_refs.push(StackRefDef { ident, path });
            } else if look.peek(kw::resource) || look.peek(Token![use]) {
                let component = body.peek(Token![use]);
                if component {
                    body.parse::<Token![use]>()?;
                } else {
                    body.parse::<kw::resource>()?;
                }
                let ident = body.parse()?;
                let each = if body.peek(syn::token::Bracket) {
                    let inner;
                    bracketed!(inner in body);
                    let (key, value) = if inner.peek(syn::token::Paren) {
                        let pair;
                        syn::parenthesized!(pair in inner);
                        let key: Ident = pair.parse()?;
                        pair.parse::<Token![,]>()?;
                        let value: Ident = pair.parse()?;
                        (key, Some(value))
                    } else {
                        (inner.parse()?, None)
                    };
                    inner.parse::<Token![in]>().map_err(|e| {
                        syn::Error::new(e.span(), "a family is `resource name[key in source] = ...`, its keys from a list parameter or a literal list")
                    })?;
                    let source: Expr = inner.parse()?;
                    Some(EachDef { key, value, source })
                } else {
                    None
                };
                let condition = if body.peek(Token![if]) {
                    body.parse::<Token![if]>()?;
                    let negated = body.peek(Token![!]);
                    if negated {
                        body.parse::<Token![!]>()?;
                    }
                    let param: Ident = body.parse().map_err(|e| {
                        syn::Error::new(e.span(), "a condition is a bool parameter: `resource name if param = ...` or `if !param`")
                    })?;
                    Some(ConditionDef { negated, param })
                } else {
                    None
                };
                body.parse::<Token![=]>()?;
                let expr: Expr = body.parse()?;
                let Expr::Struct(body_struct) = expr else {
                    let what = if component {
                        "a component is used with a struct literal of its inputs: `use name = Component { input: value, ... };`"
                    } else {
                        "a resource is a struct literal of its type: `resource name = Type { field: value, ... };`"
                    };
                    return Err(syn::Error::new_spanned(expr, what));
                };
                let mut depends_on = Vec::new();
                if body.peek(kw::depends_on) {
                    body.parse::<kw::depends_on>()?;
                    let list;
                    bracketed!(list in body);
                    depends_on = Punctuated::<Ident, Token![,]>::parse_terminated(&list)?
                        .into_iter()
                        .collect();
                }
                body.parse::<Token![;]>()?;
                def.resources.push(ResourceDef { attrs, ident, each, component, condition, body: body_struct, depends_on });
            } else if look.peek(kw::moved) {
                body.parse::<kw::moved>()?;
                let from: Expr = body.parse()?;
                body.parse::<Token![=>]>().map_err(|e| syn::Error::new(e.span(), "a move is `moved old => new;`"))?;
                let to: Expr = body.parse()?;
                body.parse::<Token![;]>()?;
                def.moves.push(MoveDef { from, to });
            } else if look.peek(kw::output) {
                body.parse::<kw::output>()?;
                let ident = body.parse()?;
                body.parse::<Token![:]>()?;
                let ty = body.parse()?;
                body.parse::<Token![=]>()?;
                let value = body.parse()?;
                body.parse::<Token![;]>()?;
                def.outputs.push(OutputDef { attrs, ident, ty, value });
            } else {
                return Err(look.error());
            }
        }
        Ok(def)
    }
}

impl StackDef {
    /// Whether this is a `component!`.
    pub fn is_component(&self) -> bool {
        self.name.is_none()
    }
}

/// The text of the doc comments among `attrs`, one line each.
pub fn doc_lines(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A JSON document inside `json!(...)`: objects and arrays whose leaves are expressions.
pub enum JsonTpl {
    /// `{ "key": value, ... }`
    Object(Vec<(LitStr, JsonTpl)>),
    /// `[value, ...]`
    Array(Vec<JsonTpl>),
    /// A leaf: a literal, a reference or a parameter.
    Leaf(Expr),
}

impl Parse for JsonTpl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(syn::token::Brace) {
            let inner;
            braced!(inner in input);
            let mut entries = Vec::new();
            while !inner.is_empty() {
                let key: LitStr = inner.parse().map_err(|e| {
                    syn::Error::new(e.span(), "a JSON object's keys are string literals")
                })?;
                inner.parse::<Token![:]>()?;
                let value: JsonTpl = inner.parse()?;
                entries.push((key, value));
                if inner.is_empty() {
                    break;
                }
                inner.parse::<Token![,]>()?;
            }
            Ok(JsonTpl::Object(entries))
        } else if input.peek(syn::token::Bracket) {
            let inner;
            bracketed!(inner in input);
            let items = Punctuated::<JsonTpl, Token![,]>::parse_terminated(&inner)?;
            Ok(JsonTpl::Array(items.into_iter().collect()))
        } else {
            Ok(JsonTpl::Leaf(input.parse()?))
        }
    }
}

/// One piece of a `template!("...")` string.
#[derive(Debug, PartialEq)]
pub enum TplPiece {
    /// Literal text.
    Text(String),
    /// `{name}` or `{name.attr}`.
    Hole(String, Option<String>),
}

/// Splits a template string into text and `{name}` / `{name.attr}` holes; `{{` and `}}`
/// stand for braces.
pub fn split_template(text: &str, span: Span) -> syn::Result<Vec<TplPiece>> {
    let mut pieces = Vec::new();
    let mut buf = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                buf.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                buf.push('}');
            }
            '{' => {
                let mut hole = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => hole.push(ch),
                        None => {
                            return Err(syn::Error::new(
                                span,
                                "unclosed `{` in template: write `{{` for a literal brace",
                            ))
                        }
                    }
                }
                let hole = hole.trim();
                let (name, attr) = match hole.split_once('.') {
                    Some((n, a)) => (n.trim(), Some(a.trim().to_owned())),
                    None => (hole, None),
                };
                let valid = |s: &str| {
                    !s.is_empty()
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !s.starts_with(|c: char| c.is_ascii_digit())
                };
                if !valid(name) || attr.as_deref().is_some_and(|a| !valid(a)) {
                    return Err(syn::Error::new(
                        span,
                        format!("`{{{hole}}}` in template: write `{{resource.output}}` or `{{parameter}}`"),
                    ));
                }
                if !buf.is_empty() {
                    pieces.push(TplPiece::Text(std::mem::take(&mut buf)));
                }
                pieces.push(TplPiece::Hole(name.to_owned(), attr));
            }
            '}' => {
                return Err(syn::Error::new(span, "unmatched `}` in template: write `}}` for a literal brace"))
            }
            c => buf.push(c),
        }
    }
    if !buf.is_empty() {
        pieces.push(TplPiece::Text(buf));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_splits_holes_and_escapes() {
        let p = split_template("a {db.arn} {{x}} {region}", Span::call_site()).unwrap();
        assert_eq!(
            p,
            vec![
                TplPiece::Text("a ".into()),
                TplPiece::Hole("db".into(), Some("arn".into())),
                TplPiece::Text(" {x} ".into()),
                TplPiece::Hole("region".into(), None),
            ]
        );
    }

    #[test]
    fn template_rejects_unclosed_brace() {
        let e = split_template("a {db.arn", Span::call_site()).unwrap_err();
        assert!(e.to_string().contains("unclosed"), "{e}");
    }
}
