//! Why a plan cannot be made, and where its secrets are read from.

use crate::invalid::Invalid;
use crate::resolve::{self, SecretError};
use crate::resource::StackInstance;
use crate::value::SecretSource;

/// Why a plan cannot be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    /// A resource is declared before one it depends on, or depends on an undeclared one.
    #[error("resource `{resource}` depends on `{dep}`, which is not declared before it")]
    Order {
        /// The resource's name in the stack.
        resource: String,
        /// The resource it depends on.
        dep: String,
    },
    /// A secret needed to compare with recorded state, or to apply, cannot be read.
    #[error("`{resource}` needs a secret that cannot be read: {source}")]
    Secret {
        /// The resource that needs the secret.
        resource: String,
        /// Why the secret cannot be read.
        #[source]
        source: SecretError,
    },
    /// Recorded state belongs to another stack.
    #[error("the state given is for stack `{found}`, not `{expected}`")]
    WrongStack {
        /// The stack being planned.
        expected: String,
        /// The stack the state belongs to.
        found: String,
    },
    /// The plan deletes or replaces protected resources.
    #[error("{}", super::lifecycle::refusal_text(stack, refused))]
    Protected {
        /// The stack's name.
        stack: String,
        /// Each protected resource the plan would delete or replace.
        refused: Vec<super::lifecycle::Refused>,
    },
    /// A resource is declared as moved from a name that is still recorded beside its own.
    #[error("`{from}` is moved to `{to}`, but the state holds both `{from}` and `{to}`: nothing was changed. The move was already made: remove it (`{from}` is then deleted as no longer declared)")]
    MoveClash {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A declared move ends at an address the stack does not declare.
    #[error("`{from}` is moved to `{to}`, which this stack does not declare: nothing was changed. Move it to a resource the stack has (a family's key it lists), or remove the move to delete `{from}`")]
    MoveTarget {
        /// The old address.
        from: String,
        /// The new one.
        to: String,
    },
    /// A replacement created before the old resource is deleted would take the same name.
    #[error("`{resource}` is #[create_before_destroy], but its replacement keeps `{property}` = {value}, which the old one still holds: nothing was changed. Let `{property}` change with the replacement, or drop #[create_before_destroy]")]
    IdentityClash {
        /// The resource's name in the stack.
        resource: String,
        /// The identity property that keeps its value.
        property: String,
        /// That value.
        value: String,
    },
    /// A family's keys are repeated or unusable, or a member named is missing.
    #[error("stack `{stack}` has families whose keys do not work; nothing was changed:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Keys {
        /// The stack's name.
        stack: String,
        /// Each problem, naming the family and key.
        problems: Vec<String>,
    },
    /// Values AWS would reject; nothing was sent.
    #[error("stack `{stack}` has values AWS would reject; nothing was changed:\n{}", problems.iter().map(|(r, i)| format!("  - `{r}`, property `{}`: {}", i.path, i.message)).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The stack's name.
        stack: String,
        /// Each rejected value: its resource, and the property and what is wrong.
        problems: Vec<(String, Invalid)>,
    },
}

impl PlanError {
    /// The refusal of a stack whose values AWS would reject, if it has any.
    pub fn check_values(stack: &StackInstance) -> Result<(), PlanError> {
        if !stack.key_problems.is_empty() {
            return Err(PlanError::Keys { stack: stack.name.to_owned(), problems: stack.key_problems.clone() });
        }
        if stack.invalid.is_empty() {
            return Ok(());
        }
        Err(PlanError::Invalid { stack: stack.name.to_owned(), problems: stack.invalid.iter().map(|(r, m)| ((*r).to_owned(), m.clone())).collect() })
    }
}

/// Reads secrets for planning.
pub trait SecretReader {
    /// Reads one secret.
    fn read(&self, source: &SecretSource) -> Result<String, SecretError>;
}

/// Reads secrets from the environment and files.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvSecrets;

impl SecretReader for EnvSecrets {
    fn read(&self, source: &SecretSource) -> Result<String, SecretError> {
        resolve::read_secret(source)
    }
}
