//! A schema's `pattern` (an ECMAScript regular expression) as steps the compiler matches.
//! Patterns this cannot take whole (look-arounds, word boundaries, classes too large to
//! carry) get no check: a check may miss a bad literal, never refuse a good one.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

use crate::model::PatternNode;

/// More ranges than this in one class (`\p{L}`) and the pattern is not checked: the
/// tables would weigh more than the check is worth.
const MAX_RANGES: usize = 64;

/// The steps of `pattern`, or `None` when it cannot be checked at compile time.
pub fn translate(pattern: &str) -> Option<Vec<PatternNode>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(&ecma_classes(pattern)).ok()?;
    let mut out = Vec::new();
    steps(&hir, &mut out)?;
    Some(out)
}

/// ECMAScript's `\d`, `\w` and `\s` and their negations, which are narrower than the
/// Unicode classes the parser gives them.
fn ecma_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[A-Za-z0-9_]"),
            Some('W') => out.push_str("[^A-Za-z0-9_]"),
            Some('s') => out.push_str(r"[\t\n\x0B\x0C\r \xA0\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}]"),
            Some('S') => out.push_str(r"[^\t\n\x0B\x0C\r \xA0\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn steps(hir: &Hir, out: &mut Vec<PatternNode>) -> Option<()> {
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Literal(lit) => out.extend(std::str::from_utf8(&lit.0).ok()?.chars().map(|c| PatternNode::Class(vec![(c, c)]))),
        HirKind::Class(Class::Unicode(class)) => {
            let ranges: Vec<(char, char)> = class.ranges().iter().map(|r| (r.start(), r.end())).collect();
            if ranges.len() > MAX_RANGES {
                return None;
            }
            out.push(PatternNode::Class(ranges));
        }
        HirKind::Class(Class::Bytes(_)) => return None,
        HirKind::Look(Look::Start) => out.push(PatternNode::Start),
        HirKind::Look(Look::End) => out.push(PatternNode::End),
        HirKind::Look(_) => return None,
        HirKind::Repetition(r) => {
            let mut body = Vec::new();
            steps(&r.sub, &mut body)?;
            out.push(PatternNode::Repeat(body, r.min, r.max.unwrap_or(u32::MAX)));
        }
        HirKind::Capture(c) => steps(&c.sub, out)?,
        HirKind::Concat(parts) => {
            for p in parts {
                steps(p, out)?;
            }
        }
        HirKind::Alternation(branches) => {
            let mut alts = Vec::new();
            for b in branches {
                let mut one = Vec::new();
                steps(b, &mut one)?;
                alts.push(one);
            }
            out.push(PatternNode::Alt(alts));
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use PatternNode::*;

    #[test]
    fn a_pattern_becomes_anchors_classes_and_repetitions() {
        let got = translate(r"^[a-z]\d{1,3}$").expect("translates");
        assert_eq!(got, vec![Start, Class(vec![('a', 'z')]), Repeat(vec![Class(vec![('0', '9')])], 1, 3), End]);
        assert_eq!(translate("ab|c+").expect("translates"), vec![Alt(vec![vec![Class(vec![('a', 'a')]), Class(vec![('b', 'b')])], vec![Repeat(vec![Class(vec![('c', 'c')])], 1, u32::MAX)]])]);
    }

    #[test]
    fn ecmascript_classes_are_ascii_and_escapes_stay_escapes() {
        assert_eq!(translate(r"\w").expect("translates"), vec![Class(vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')])]);
        assert_eq!(translate(r"\\d").expect("translates"), vec![Class(vec![('\\', '\\')]), Class(vec![('d', 'd')])]);
    }

    #[test]
    fn what_cannot_be_checked_whole_is_not_checked() {
        assert!(translate(r"(?=a)b").is_none(), "look-ahead");
        assert!(translate(r"\bword").is_none(), "word boundary");
        assert!(translate(r"^[\p{L}]+$").is_none(), "a class too large to carry");
        assert!(translate(r"[").is_none(), "not a pattern");
    }
}
