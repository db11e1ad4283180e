//! A schema's regular expression, matched by the compiler. The generator translates each
//! `pattern` into [`Node`]s once; [`matches`] runs in a `const`, so a literal that does not
//! match fails the build at the literal.
//!
//! Matching searches, as JSON Schema's `pattern` does: the expression may match anywhere
//! unless it is anchored with `^` and `$`.

/// One step of a pattern.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// One character within any of the inclusive ranges.
    Class(&'static [(char, char)]),
    /// The start of the text (`^`).
    Start,
    /// The end of the text (`$`).
    End,
    /// Any one of the branches.
    Alt(&'static [&'static [Node]]),
    /// `body` from `min` to `max` times (`u32::MAX` for no limit).
    Repeat {
        /// What repeats.
        body: &'static [Node],
        /// The fewest times.
        min: u32,
        /// The most times.
        max: u32,
    },
}

/// What is left to match after a step: the rest of a sequence, or another round of a
/// repetition, each followed by what comes after it.
#[derive(Clone, Copy)]
enum Next<'a> {
    Done,
    Seq { nodes: &'static [Node], i: usize, then: &'a Next<'a> },
    Again { body: &'static [Node], min: u32, max: u32, count: u32, from: usize, then: &'a Next<'a> },
}

/// Whether `text` matches `pattern` somewhere.
pub const fn matches(pattern: &'static [Node], text: &str) -> bool {
    let b = text.as_bytes();
    let mut start = 0;
    loop {
        if seq(b, start, pattern, 0, &Next::Done) {
            return true;
        }
        match decode(b, start) {
            Some((_, len)) => start += len,
            None => return false,
        }
    }
}

/// The character at byte `pos` and its length, if any.
const fn decode(b: &[u8], pos: usize) -> Option<(u32, usize)> {
    if pos >= b.len() {
        return None;
    }
    let first = b[pos] as u32;
    let (len, init) = if first < 0x80 {
        (1, first)
    } else if first >= 0xF0 {
        (4, first & 0x07)
    } else if first >= 0xE0 {
        (3, first & 0x0F)
    } else {
        (2, first & 0x1F)
    };
    if pos + len > b.len() {
        return None;
    }
    let (mut c, mut i) = (init, 1);
    while i < len {
        c = (c << 6) | (b[pos + i] as u32 & 0x3F);
        i += 1;
    }
    Some((c, len))
}

const fn within(ranges: &[(char, char)], c: u32) -> bool {
    let mut i = 0;
    while i < ranges.len() {
        if ranges[i].0 as u32 <= c && c <= ranges[i].1 as u32 {
            return true;
        }
        i += 1;
    }
    false
}

const fn seq(b: &[u8], pos: usize, nodes: &'static [Node], i: usize, then: &Next) -> bool {
    if i == nodes.len() {
        return next(b, pos, then);
    }
    match nodes[i] {
        Node::Class(ranges) => match decode(b, pos) {
            Some((c, len)) if within(ranges, c) => seq(b, pos + len, nodes, i + 1, then),
            _ => false,
        },
        Node::Start => pos == 0 && seq(b, pos, nodes, i + 1, then),
        Node::End => pos == b.len() && seq(b, pos, nodes, i + 1, then),
        Node::Alt(branches) => {
            let after = Next::Seq { nodes, i: i + 1, then };
            let mut k = 0;
            while k < branches.len() {
                if seq(b, pos, branches[k], 0, &after) {
                    return true;
                }
                k += 1;
            }
            false
        }
        Node::Repeat { body, min, max } => repeat(b, pos, body, min, max, 0, &Next::Seq { nodes, i: i + 1, then }),
    }
}

/// Another round of `body` if `max` allows (as many as fit first), else what follows once
/// `min` rounds are done.
const fn repeat(b: &[u8], pos: usize, body: &'static [Node], min: u32, max: u32, count: u32, then: &Next) -> bool {
    if count < max && seq(b, pos, body, 0, &Next::Again { body, min, max, count: count + 1, from: pos, then }) {
        return true;
    }
    count >= min && next(b, pos, then)
}

const fn next(b: &[u8], pos: usize, n: &Next) -> bool {
    match *n {
        Next::Done => true,
        Next::Seq { nodes, i, then } => seq(b, pos, nodes, i, then),
        // A round that matched nothing can be repeated up to any count: go on.
        Next::Again { from, then, .. } if from == pos => next(b, pos, then),
        Next::Again { body, min, max, count, then, .. } => repeat(b, pos, body, min, max, count, then),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // `^[a-z][a-z0-9-]{0,3}$`
    const NAME: &[Node] = &[
        Node::Start,
        Node::Class(&[('a', 'z')]),
        Node::Repeat { body: &[Node::Class(&[('a', 'z'), ('0', '9'), ('-', '-')])], min: 0, max: 3 },
        Node::End,
    ];
    // `(ab|a)+c` unanchored
    const ALT: &[Node] = &[
        Node::Repeat { body: &[Node::Alt(&[&[Node::Class(&[('a', 'a')]), Node::Class(&[('b', 'b')])], &[Node::Class(&[('a', 'a')])]])], min: 1, max: u32::MAX },
        Node::Class(&[('c', 'c')]),
    ];
    // `^(x?)*é$`: a body that can match nothing, and a character of two bytes.
    const EMPTY: &[Node] = &[
        Node::Start,
        Node::Repeat { body: &[Node::Repeat { body: &[Node::Class(&[('x', 'x')])], min: 0, max: 1 }], min: 0, max: u32::MAX },
        Node::Class(&[('é', 'é')]),
        Node::End,
    ];

    #[test]
    fn anchored_patterns_take_the_whole_text_and_bounds_count() {
        assert!(matches(NAME, "a"));
        assert!(matches(NAME, "ab-9"));
        assert!(!matches(NAME, "ab-9x"), "one more than the repetition allows");
        assert!(!matches(NAME, "9ab"));
        assert!(!matches(NAME, ""));
    }

    #[test]
    fn unanchored_patterns_search_and_alternatives_backtrack() {
        assert!(matches(ALT, "zzabac"));
        assert!(matches(ALT, "aac"));
        assert!(!matches(ALT, "abab"));
        assert!(!matches(ALT, "c"));
    }

    #[test]
    fn empty_rounds_end_and_characters_are_whole() {
        assert!(matches(EMPTY, "xxé"));
        assert!(matches(EMPTY, "é"));
        assert!(!matches(EMPTY, "xe"));
    }

    #[test]
    fn it_runs_in_a_const() {
        const OK: bool = matches(NAME, "db-1");
        const BAD: bool = matches(NAME, "DB");
        assert!(OK && !BAD);
    }
}
