//! Typed ARNs. Each kind of resource's ARN is its own type, so a role's ARN cannot be
//! passed where a secret's is required; [`AnyArn`] marks places that take any ARN.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::value::{IntoValue, Output, Value};

/// Implemented by every typed ARN; such an ARN also fits where [`AnyArn`] is expected.
pub trait Arn {
    /// The ARN's text.
    fn as_str(&self) -> &str;
}

/// Implemented by every typed reference (an ARN, an id, a name of another resource): it
/// also fits where a property takes plain text, since that text is what AWS receives.
pub trait Reference {
    /// The reference's text.
    fn text(&self) -> &str;
}

impl<X: Reference> IntoValue<String> for Output<X> {
    fn into_value(self) -> Value<String> {
        Value::Ref(self.to())
    }
}

impl<X: Reference> IntoValue<String> for crate::value::Passed<X> {
    fn into_value(self) -> Value<String> {
        self.0.map_lit(|x| x.text().to_owned())
    }
}

impl<X: Reference> IntoValue<String> for X {
    fn into_value(self) -> Value<String> {
        Value::Lit(self.text().to_owned())
    }
}

macro_rules! arn_types {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl Arn for $name {
            fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Reference for $name {
            fn text(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

arn_types! {
    /// The ARN of a Secrets Manager secret.
    SecretArn;
    /// The ARN of an IAM role.
    RoleArn;
    /// The ARN of an IAM managed policy.
    PolicyArn;
    /// The ARN of an Aurora DB cluster.
    DbClusterArn;
    /// The ARN of an RDS DB instance.
    DbInstanceArn;
    /// The ARN of an ECS Express Mode gateway service.
    ExpressServiceArn;
}

impl PolicyArn {
    /// An AWS managed policy, by its path and name, e.g.
    /// `PolicyArn::aws_managed("service-role/AmazonECSTaskExecutionRolePolicy")`.
    pub fn aws_managed(path_and_name: &str) -> Self {
        PolicyArn(format!("arn:aws:iam::aws:policy/{path_and_name}"))
    }
}

/// Any ARN: for places such as an IAM policy statement's `Resource` that accept every kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AnyArn(pub String);

impl AnyArn {
    /// An ARN written out literally, for resources outside the stack. Prefer outputs.
    pub fn literal(arn: &str) -> Self {
        AnyArn(arn.to_owned())
    }
}

impl<X: Arn> IntoValue<AnyArn> for Output<X> {
    fn into_value(self) -> Value<AnyArn> {
        Value::Ref(self.to())
    }
}

/// An ARN built from others, such as every object of a bucket: `template!("{bucket.arn}/*")`.
impl IntoValue<AnyArn> for crate::value::Template {
    fn into_value(self) -> Value<AnyArn> {
        Value::Template(self)
    }
}

impl<X: Arn> IntoValue<AnyArn> for crate::value::Passed<X> {
    fn into_value(self) -> Value<AnyArn> {
        self.0.map_lit(|x| AnyArn(x.as_str().to_owned()))
    }
}

impl<X: Arn> IntoValue<AnyArn> for X {
    fn into_value(self) -> Value<AnyArn> {
        Value::Lit(AnyArn(self.as_str().to_owned()))
    }
}
