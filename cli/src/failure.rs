//! An error for people: what went wrong, and what to do, keeping the typed error it came
//! from.

/// What went wrong, and what to do, as one message; printed after `error: `. An error
/// that a command meets converts into it with `?`, and stays reachable as its
/// [`source`](Failure::source) (its own causes behind it), so a caller of the library can
/// still tell a state-store error from a plan refusal.
#[derive(Debug)]
pub struct Failure {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Failure {
    /// A failure said in words, with no error behind it.
    pub fn msg(message: impl Into<String>) -> Self {
        Failure { message: message.into(), source: None }
    }

    /// What to print.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error it came from, if any.
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

// Not `std::error::Error` itself: the conversion below would then clash with
// `From<Failure> for Failure`.
impl<E: std::error::Error + Send + Sync + 'static> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure { message: e.to_string(), source: Some(Box::new(e)) }
    }
}
