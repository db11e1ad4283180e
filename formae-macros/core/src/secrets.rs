//! Literal secrets in JSON documents and templates: a string literal under a key that
//! names a secret (`password`, `token`, `private_key`, ...) is refused at compile time,
//! since a secret written in the code ends up in the repository, the plan and the state.

/// Words that make a key name a secret, matched without case and without `_`/`-`.
const SECRET_WORDS: &[&str] = &["password", "passwd", "passphrase", "secret", "token", "privatekey", "apikey", "secretkey", "accesskey", "credential", "clientsecret"];

/// Endings that make a key name about a secret rather than hold one (`secret_arn`,
/// `password_length`, `token_url`).
const ABOUT_ENDINGS: &[&str] = &["name", "names", "arn", "arns", "id", "ids", "url", "uri", "path", "file", "length", "type", "policy", "version", "ttl", "expiry", "source", "ref", "key"];

/// Whether `key` names a value that is itself a secret.
pub fn names_a_secret(key: &str) -> bool {
    let k: String = key.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    if !SECRET_WORDS.iter().any(|w| k.contains(w)) {
        return false;
    }
    // `private_key` and `api_key` end in `key` yet hold one.
    if SECRET_WORDS.iter().any(|w| k.ends_with(w)) {
        return true;
    }
    !ABOUT_ENDINGS.iter().any(|e| k.ends_with(e))
}

/// The compile error for a literal under `key`.
pub fn message(key: &str) -> String {
    format!(
        "`{key}` names a secret, and this is a literal: a secret written in the code ends up in the repository, the plan and the state; take it from a SecretSource parameter (`param {p}: SecretSource = SecretSource::env(\"NAME\");` and `{p}` here), or, if it is not a secret, write `not_secret(\"...\")`",
        p = key.chars().map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::names_a_secret;

    #[test]
    fn keys_that_hold_secrets_are_told_from_keys_about_them() {
        for k in ["password", "DB_PASSWORD", "masterPassword", "api_key", "apiKey", "private_key", "PrivateKey", "token", "auth-token", "client_secret", "secret"] {
            assert!(names_a_secret(k), "{k}");
        }
        for k in ["username", "host", "secret_arn", "secretName", "password_length", "token_url", "kms_key_id", "port", "key"] {
            assert!(!names_a_secret(k), "{k}");
        }
    }
}
