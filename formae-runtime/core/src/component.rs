//! Components' addresses: an instance `app` of a component holds its resources as
//! `app.role`, `app.creds`, and an instance inside another as `outer.app.role`.

/// The address of the resource `name` of the component instance `prefix`: `app.role`.
pub fn address(prefix: &str, name: &str) -> &'static str {
    crate::family::intern(format!("{prefix}.{name}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_nest_and_are_interned() {
        let inner = super::address("app", "role");
        assert_eq!(inner, "app.role");
        assert_eq!(super::address("outer", "app.role"), "outer.app.role");
        assert!(std::ptr::eq(inner, super::address("app", "role")));
    }
}
