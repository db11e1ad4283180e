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

/// The longest text the compiler checks: a `const` cannot allocate, so the positions a
/// match can have reached are kept in a fixed set. A longer literal is left to the
/// service's own validation.
pub const LONGEST: usize = WORDS * 64 - 1;

const WORDS: usize = 64;

/// Byte positions in the text, as bits.
#[derive(Clone, Copy)]
struct Positions([u64; WORDS]);

impl Positions {
    const NONE: Positions = Positions([0; WORDS]);

    const fn with(mut self, p: usize) -> Positions {
        self.0[p / 64] |= 1 << (p % 64);
        self
    }

    const fn has(&self, p: usize) -> bool {
        (self.0[p / 64] >> (p % 64)) & 1 == 1
    }

    const fn is_empty(&self) -> bool {
        let mut w = 0;
        while w < WORDS {
            if self.0[w] != 0 {
                return false;
            }
            w += 1;
        }
        true
    }

    const fn union(mut self, other: &Positions) -> Positions {
        let mut w = 0;
        while w < WORDS {
            self.0[w] |= other.0[w];
            w += 1;
        }
        self
    }

    /// Whether every position of `self` is in `other`.
    const fn within(&self, other: &Positions) -> bool {
        let mut w = 0;
        while w < WORDS {
            if self.0[w] & !other.0[w] != 0 {
                return false;
            }
            w += 1;
        }
        true
    }
}

/// Whether `text` matches `pattern` somewhere (always, for a text longer than `LONGEST`
/// bytes, which the compile-time check leaves to the service).
///
/// The match runs forward over sets of positions, so its depth is the pattern's nesting,
/// never the text's length: a `const` has few frames to spend.
pub const fn matches(pattern: &'static [Node], text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() > LONGEST {
        return true;
    }
    // A search starts at every character's first byte, and at the end.
    let mut starts = Positions::NONE;
    let mut p = 0;
    while p <= b.len() {
        if p == b.len() || b[p] & 0xC0 != 0x80 {
            starts = starts.with(p);
        }
        p += 1;
    }
    !seq(b, pattern, starts).is_empty()
}

/// Where `nodes`, in order, can end when started at any of `at`.
const fn seq(b: &[u8], nodes: &'static [Node], mut at: Positions) -> Positions {
    let mut i = 0;
    while i < nodes.len() && !at.is_empty() {
        at = step(b, nodes[i], at);
        i += 1;
    }
    at
}

/// Where `node` can end when started at any of `at`.
const fn step(b: &[u8], node: Node, at: Positions) -> Positions {
    match node {
        Node::Class(ranges) => {
            let mut out = Positions::NONE;
            let mut p = 0;
            while p < b.len() {
                if at.0[p / 64] == 0 {
                    p = (p / 64 + 1) * 64;
                    continue;
                }
                if at.has(p) {
                    if let Some((c, len)) = decode(b, p) {
                        if within(ranges, c) {
                            out = out.with(p + len);
                        }
                    }
                }
                p += 1;
            }
            out
        }
        Node::Start if at.has(0) => Positions::NONE.with(0),
        Node::End if at.has(b.len()) => Positions::NONE.with(b.len()),
        Node::Start | Node::End => Positions::NONE,
        Node::Alt(branches) => {
            let mut out = Positions::NONE;
            let mut k = 0;
            while k < branches.len() {
                out = out.union(&seq(b, branches[k], at));
                k += 1;
            }
            out
        }
        Node::Repeat { body, min, max } => {
            let mut round = at;
            let mut count = 0;
            while count < min {
                round = seq(b, body, round);
                if round.is_empty() {
                    return round;
                }
                count += 1;
            }
            // Once a round reaches nothing new, no later round can.
            let mut all = round;
            while count < max {
                round = seq(b, body, round);
                if round.within(&all) {
                    break;
                }
                all = all.union(&round);
                count += 1;
            }
            all
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

    // `^$|^[a-zA-Z]{1}(?:-?[a-zA-Z0-9]){0,62}$`: RDS's identifiers.
    const IDENTIFIER: &[Node] = &[Node::Alt(&[
        &[Node::Start, Node::End],
        &[
            Node::Start,
            Node::Class(&[('a', 'z'), ('A', 'Z')]),
            Node::Repeat { body: &[Node::Repeat { body: &[Node::Class(&[('-', '-')])], min: 0, max: 1 }, Node::Class(&[('a', 'z'), ('A', 'Z'), ('0', '9')])], min: 0, max: 62 },
            Node::End,
        ],
    ])];

    #[test]
    fn a_long_literal_is_matched_in_a_const_without_running_out_of_frames() {
        const LONG: bool = matches(IDENTIFIER, "formae-db-instance-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        // The rounds count, not the dashes: one letter and 63 more is one round too many.
        const TOO_LONG: bool = matches(IDENTIFIER, "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
        const DOUBLE_DASH: bool = matches(IDENTIFIER, "formae--db");
        assert!(LONG && !TOO_LONG && !DOUBLE_DASH);
        assert!(matches(IDENTIFIER, ""));
        let beyond = "a".repeat(LONGEST + 1);
        assert!(matches(NAME, &beyond), "a text past the set's size is left to the service");
        assert!(!matches(NAME, &"a".repeat(LONGEST)));
    }

    #[test]
    fn it_runs_in_a_const() {
        const OK: bool = matches(NAME, "db-1");
        const BAD: bool = matches(NAME, "DB");
        assert!(OK && !BAD);
    }
}
