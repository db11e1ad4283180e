//! What the generated CloudFormation types (the `formae-aws` crate) are made of: enums
//! that take the schema's values plus a visible escape, and typed references.

#[doc(hidden)]
pub use serde as __serde;

/// Declares a string enum from a schema's `enum`: one variant per known value, plus
/// `Other(String)` for a value the schema does not list (schemas can be stricter than the
/// service). It is written and read as the value's text.
#[macro_export]
macro_rules! cfn_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = concat!("`", $text, "`")] $variant,)*
            /// A value the schema does not list, sent as written.
            Other(::std::string::String),
        }

        impl $name {
            /// The value's text, as AWS takes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(s) => s,
                }
            }
        }

        impl $crate::cfn::__serde::Serialize for $name {
            fn serialize<S: $crate::cfn::__serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::cfn::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::cfn::__serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                let text = <::std::string::String as $crate::cfn::__serde::Deserialize>::deserialize(d)?;
                ::core::result::Result::Ok(match text.as_str() {
                    $($text => Self::$variant,)*
                    _ => Self::Other(text),
                })
            }
        }
    };
}

/// Declares a typed reference: the text of a resource's attribute (an ARN, an id, a
/// name) that only that attribute's output, or the type written out, can fill.
/// `arn` also makes it fit where any ARN goes ([`crate::ids::AnyArn`]).
#[macro_export]
macro_rules! cfn_reference {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub ::std::string::String);

        impl $crate::cfn::__serde::Serialize for $name {
            fn serialize<S: $crate::cfn::__serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> $crate::cfn::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::cfn::__serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                <::std::string::String as $crate::cfn::__serde::Deserialize>::deserialize(d).map($name)
            }
        }

        impl $crate::ids::Reference for $name {
            fn text(&self) -> &str {
                &self.0
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
    (arn $(#[$doc:meta])* $name:ident) => {
        $crate::cfn_reference!($(#[$doc])* $name);

        impl $crate::ids::Arn for $name {
            fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::cfn_enum! {
        /// A test enum.
        Status { Enabled = "Enabled", Suspended = "Suspended" }
    }

    crate::cfn_reference!(arn
        /// A test reference.
        ThingArn);

    #[test]
    fn an_enum_reads_known_values_and_keeps_others_as_written() {
        assert_eq!(serde_json::to_value(Status::Enabled).ok(), Some(serde_json::json!("Enabled")));
        let other: Result<Status, _> = serde_json::from_value(serde_json::json!("Paused"));
        assert_eq!(other.ok(), Some(Status::Other("Paused".into())));
        let known: Result<Status, _> = serde_json::from_value(serde_json::json!("Suspended"));
        assert_eq!(known.ok(), Some(Status::Suspended));
    }

    #[test]
    fn a_reference_is_its_text_and_fits_where_any_arn_goes() {
        use crate::value::IntoValue;
        let arn = ThingArn("arn:aws:x:::thing".into());
        assert_eq!(serde_json::to_value(&arn).ok(), Some(serde_json::json!("arn:aws:x:::thing")));
        let any: crate::Value<crate::ids::AnyArn> = arn.into_value();
        assert_eq!(any.get().map(|a| a.0.as_str()), Some("arn:aws:x:::thing"));
        let out: crate::Output<ThingArn> = crate::Output::new("thing", "Arn");
        let text: crate::Value<String> = out.into_value();
        assert!(matches!(text, crate::Value::Ref(r) if r.attr == "Arn"), "an output reference fits where text goes, still a reference");
    }
}
