//! Compile-fail UI tests of the `stack!` macro live in `tests/ui.rs`.
