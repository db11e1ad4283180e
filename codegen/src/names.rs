//! Rust names from schema names: snake_case fields, PascalCase types and variants.

/// Words of a name: split at non-alphanumerics, at a lower-to-upper step, at a digit-to-
/// upper step, and before the last capital of a run followed by lowercase (`DBCluster`
/// is `DB`, `Cluster`).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `DBClusterIdentifier` → `db_cluster_identifier`.
pub fn snake(name: &str) -> String {
    words(name).iter().map(|w| w.to_ascii_lowercase()).collect::<Vec<_>>().join("_")
}

/// `redrive-policy`, `aws:kms`, `RedrivePolicy` → `RedrivePolicy`, `AwsKms`; an acronym
/// keeps its capitals only in its first letter (`AES256` → `Aes256`).
pub fn pascal(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

/// A type name kept as the schema spells it when it is already an identifier
/// (`DBCluster`), else made one.
pub fn type_ident(name: &str) -> String {
    let ok = name.chars().all(|c| c.is_ascii_alphanumeric()) && name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let ident = if ok { name.to_owned() } else { pascal(name) };
    leading_letter(ident, false)
}

/// A field identifier: snake_case, raw where it is a keyword.
pub fn field_ident(name: &str) -> String {
    let s = leading_letter(snake(name), true);
    match s.as_str() {
        "self" | "super" | "crate" | "extern" => format!("{s}_"),
        _ if KEYWORDS.contains(&s.as_str()) => format!("r#{s}"),
        _ => s,
    }
}

/// An enum variant for a value: PascalCase, `V` before a leading digit, `Empty` for
/// text with no letters or digits.
pub fn variant(value: &str) -> String {
    let p = pascal(value);
    if p.is_empty() {
        return "Empty".into();
    }
    let p = leading_letter(p, false);
    if p == "Other" || p == "Self_" || p == "Self" {
        format!("{p}Value")
    } else {
        p
    }
}

/// `s` with `V` (or `v` for snake_case) before a leading digit.
fn leading_letter(s: String, lower: bool) -> String {
    match s.chars().next() {
        Some(c) if c.is_ascii_digit() => format!("{}{s}", if lower { 'v' } else { 'V' }),
        None => "unnamed".into(),
        _ => s,
    }
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn", "for", "if", "impl", "in", "let",
    "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized",
    "virtual", "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_case_steps_digits_and_acronyms() {
        assert_eq!(snake("DBClusterIdentifier"), "db_cluster_identifier");
        assert_eq!(snake("Ipv6Address"), "ipv6_address");
        assert_eq!(snake("EC2SecurityGroupId"), "ec2_security_group_id");
        assert_eq!(snake("S3Bucket"), "s3_bucket");
        assert_eq!(snake("queueName"), "queue_name");
        assert_eq!(pascal("aws:kms"), "AwsKms");
        assert_eq!(pascal("AES256"), "Aes256");
        assert_eq!(type_ident("DBCluster"), "DBCluster");
        assert_eq!(type_ident("dead-letter"), "DeadLetter");
    }

    #[test]
    fn identifiers_avoid_keywords_and_leading_digits() {
        assert_eq!(field_ident("Type"), "r#type");
        assert_eq!(field_ident("Self"), "self_");
        assert_eq!(field_ident("3Way"), "v3_way");
        assert_eq!(variant("ap-south-1"), "ApSouth1");
        assert_eq!(variant("1.0"), "V10");
        assert_eq!(variant("*"), "Empty");
        assert_eq!(variant("OTHER"), "OtherValue");
    }
}
