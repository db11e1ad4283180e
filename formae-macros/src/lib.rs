//! The `stack!` macro. All parsing, checking and code generation live in
//! `formae-macros-core`; this crate only hands it the tokens.

use proc_macro::TokenStream;

/// Declares a stack: typed parameters, resources as struct literals of their types,
/// references between them (`db.arn`), `depends_on`, and typed outputs. The resource
/// graph is checked at compile time: unknown names, cycles, duplicates, self-references
/// and wrongly typed references do not compile.
///
/// Write it at a module's top level, beside the `use` lines it needs: a stack of more
/// than 64 resources is added by functions in modules of its own, which see what the
/// enclosing module sees, not what a function around the stack declares.
///
/// ```ignore
/// stack! {
///     /// A secret and a role allowed to read it.
///     pub stack Example = "example" {
///         param secret_name: String = "example";
///         resource secret = Secret { name: secret_name, secret_string: SecretSource::env("HELLO") };
///         output secret_arn: SecretArn = secret.arn;
///     }
/// }
/// ```
#[proc_macro]
pub fn stack(input: TokenStream) -> TokenStream {
    formae_macros_core::expand(input.into()).into()
}

/// Declares a component: a reusable, typed group of resources with inputs and outputs,
/// checked like a stack where it is defined, and used in stacks (or other components)
/// with `use name = Component { input: value, ... };`. Its resources are addressed
/// `name.resource` in plans, state and ownership tags; its outputs are `name.output`.
///
/// ```ignore
/// component! {
///     /// A secret and a role that ECS tasks assume to read it.
///     pub component Reader {
///         input name: String;
///         resource creds = Secret { name: name, secret_string: SecretSource::env("HELLO") };
///         resource role = Role { role_name: template!("{name}-reader"), /* ... */ };
///         output role_arn: RoleArn = role.arn;
///     }
/// }
/// ```
#[proc_macro]
pub fn component(input: TokenStream) -> TokenStream {
    formae_macros_core::expand(input.into()).into()
}
