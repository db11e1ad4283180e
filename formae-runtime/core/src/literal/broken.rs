//! The literal checks of one stack that fail, found by one `const` the `stack!` macro
//! writes, which runs each distinct check once however many places repeat it. Each
//! distinct check then has a `const` of its own that only looks itself up here and panics
//! at its first place's tokens, so the compiler reports every broken literal where it is
//! written, while the calls into the rules (what costs it) are evaluated in one `const`
//! per stack rather than one per place.

use super::Message;

/// How many broken literals one build reports; the rest show once these are mended.
pub const REPORTED: usize = 16;

/// The places whose check fails, with the error for each (up to [`REPORTED`]).
#[derive(Debug, Clone, Copy)]
pub struct Broken {
    places: [usize; REPORTED],
    messages: [Message; REPORTED],
    len: usize,
}

impl Broken {
    /// Nothing broken yet.
    pub const NONE: Broken = Broken { places: [0; REPORTED], messages: [Message::new(); REPORTED], len: 0 };

    /// Records `failure`, the result of a literal rule, at `place`; `others` more places
    /// repeat the same check (the same type and literals), and the error says so.
    pub const fn literal(&mut self, place: usize, others: u32, failure: Option<Message>) {
        if let Some(m) = failure {
            self.record(place, others, m);
        }
    }

    /// Records `failure`, the result of the required-properties check, at `place`;
    /// `others` more places repeat it (the same type given the same properties).
    pub const fn required(&mut self, place: usize, others: u32, failure: Option<&str>) {
        if let Some(text) = failure {
            self.record(place, others, Message::new().text(text));
        }
    }

    const fn record(&mut self, place: usize, others: u32, message: Message) {
        if self.len == REPORTED {
            return;
        }
        let message = match others {
            0 => message,
            1 => message.text(" (the same at 1 other place)"),
            n => message.text(" (the same at ").number(n).text(" other places)"),
        };
        self.places[self.len] = place;
        self.messages[self.len] = message;
        self.len += 1;
    }

    /// The error of the place `place`, when its check failed.
    pub const fn at(&self, place: usize) -> Option<&Message> {
        let mut i = 0;
        while i < self.len {
            if self.places[i] == place {
                return Some(&self.messages[i]);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_of_a_failing_check_finds_its_error_and_no_other_place_does() {
        let mut b = Broken::NONE;
        b.required(0, 0, Some("missing `name`"));
        b.required(1, 4, None);
        b.literal(2, 0, Some(Message::new().text("too long")));
        b.literal(3, 0, None);
        b.required(4, 2, Some("missing `arn`"));
        b.literal(5, 1, Some(Message::new().text("bad cpu")));
        assert_eq!(b.at(0).map(Message::as_str), Some("missing `name`"));
        assert_eq!(b.at(2).map(Message::as_str), Some("too long"));
        assert_eq!(b.at(4).map(Message::as_str), Some("missing `arn` (the same at 2 other places)"));
        assert_eq!(b.at(5).map(Message::as_str), Some("bad cpu (the same at 1 other place)"));
        assert!(b.at(1).is_none() && b.at(3).is_none() && b.at(6).is_none());
    }

    #[test]
    fn past_the_reported_number_further_failures_wait_for_the_next_build() {
        let mut b = Broken::NONE;
        for place in 0..REPORTED + 3 {
            b.literal(place, 0, Some(Message::new().text("bad")));
        }
        assert!(b.at(REPORTED - 1).is_some());
        assert!(b.at(REPORTED).is_none());
    }
}
