//! An error for people: what went wrong, and what to do.

/// What went wrong, and what to do, as one message; printed after `error: `. Anything
/// that displays converts into it, so `?` works on every error a command meets.
#[derive(Debug)]
pub struct Failure(pub String);

// No `Display` for `Failure` itself: the blanket conversion below would then clash with
// `From<Failure> for Failure`.
impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}
