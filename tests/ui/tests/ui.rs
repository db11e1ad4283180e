//! Every diagnostic of the `stack!` macro, pinned with its expected compiler output.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("fail/*.rs");
}
