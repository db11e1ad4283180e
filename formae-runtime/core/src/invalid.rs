//! Values AWS would reject, found when a stack is built from its parameters, before
//! anything is sent: each names its property by a typed path from the resource down.

use std::fmt;

/// One step of a [`PropertyPath`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A field of a structure, by its Rust name.
    Field(&'static str),
    /// An item of a list, by position.
    Index(usize),
}

/// Where a property sits within its resource: `serverless_v2_scaling.min_capacity`,
/// `policies[0].name`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PropertyPath(Vec<Step>);

impl PropertyPath {
    /// The top-level property `name`.
    pub fn field(name: &'static str) -> Self {
        PropertyPath(vec![Step::Field(name)])
    }

    /// The field `name` of the structure this path names.
    pub fn then(mut self, name: &'static str) -> Self {
        self.0.push(Step::Field(name));
        self
    }

    /// The item at `index` of the list this path names.
    pub fn at(mut self, index: usize) -> Self {
        self.0.push(Step::Index(index));
        self
    }

    /// The steps, from the resource down.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for PropertyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if i == 0 => f.write_str(name)?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A value AWS would reject: the property it is in, and what is wrong with it and what
/// to use instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct Invalid {
    /// The property.
    pub path: PropertyPath,
    /// What is wrong, and what to use instead.
    pub message: String,
}

impl Invalid {
    /// A rejected value of the property at `path`.
    pub fn new(path: PropertyPath, message: impl Into<String>) -> Self {
        Invalid { path, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_reads_as_the_stack_writes_it() {
        let p = PropertyPath::field("policies").at(0).then("document").then("statements");
        assert_eq!(p.to_string(), "policies[0].document.statements");
        assert_eq!(p.steps()[1], Step::Index(0));
        let e = Invalid::new(PropertyPath::field("serverless_v2_scaling").then("min_capacity"), "4 is above max_capacity 2");
        assert_eq!(e.to_string(), "serverless_v2_scaling.min_capacity: 4 is above max_capacity 2");
    }
}
