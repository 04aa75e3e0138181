//! String regions: for a set of `*`/`?` patterns (and literals), a finite
//! set of witness strings such that every combination of matches that some
//! string can produce is produced by one witness.
//!
//! For: actions, resource ARNs, principal-independent string condition keys.
//! Not for: numbers, dates, IP addresses (see `domain`), or deciding
//! anything (the engine decides; this module only picks the strings).
//!
//! Method: each pattern is a small nondeterministic automaton over
//! characters. A breadth-first search runs all of them at once (the product
//! automaton, built lazily) over an alphabet made of every character the
//! patterns mention plus one fresh character: a character no pattern
//! mentions behaves exactly like any other such character, so the search
//! reaches every reachable combination of states, and with it every
//! reachable vector of "which patterns match". The shortest string reaching
//! each vector is its witness.

use std::collections::HashMap;
use std::collections::VecDeque;

use leash_policy::matching::{PatternToken, tokenize};

/// Which characters one step of a pattern accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CharClass {
    Exact(char),
    Any,
    /// `*` inside one of the first five ARN segments.
    AnyButColon,
    /// `?`: one character, but not a symbol (a value known only at
    /// deployment, of unknown length), as `leash_policy::matching` reads it.
    One,
    /// `?` inside one of the first five ARN segments.
    OneButColon,
    /// A letter compared without case (Unicode lowercase, as
    /// `StringEqualsIgnoreCase` does): characters whose lowercase is `char`.
    Folded(char),
}

impl CharClass {
    fn accepts(self, character: char) -> bool {
        match self {
            CharClass::Exact(expected) => character == expected,
            CharClass::Any => true,
            CharClass::AnyButColon => character != ':',
            CharClass::One => leash_policy::symbol::symbol_index(character).is_none(),
            CharClass::OneButColon => {
                character != ':' && leash_policy::symbol::symbol_index(character).is_none()
            }
            CharClass::Folded(expected) => {
                let mut lowered = character.to_lowercase();
                lowered.next() == Some(expected) && lowered.next().is_none()
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    One(CharClass),
    /// Any run (including none) of characters of the class.
    Run(CharClass),
}

/// One pattern as an automaton whose states are positions in `items`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matcher {
    items: Vec<Item>,
}

/// Kelvin sign: the one non-ASCII character whose lowercase is ASCII (`k`),
/// so `StringEqualsIgnoreCase` tells it apart from other fresh characters.
const KELVIN_SIGN: char = '\u{212A}';

impl Matcher {
    /// A `StringLike` pattern or an action pattern (`*` and `?` wildcards).
    pub fn glob(text: &str) -> Matcher {
        let mut items = Vec::new();
        for character in text.chars() {
            items.push(match character {
                '*' => Item::Run(CharClass::Any),
                '?' => Item::One(CharClass::One),
                other => Item::One(CharClass::Exact(other)),
            });
        }
        Matcher { items }
    }

    /// Text that must be equal.
    pub fn literal(text: &str) -> Matcher {
        Matcher {
            items: text
                .chars()
                .map(|character| Item::One(CharClass::Exact(character)))
                .collect(),
        }
    }

    /// Text equal without case; `None` for non-ASCII text, whose Unicode
    /// case mapping is not one character to one character.
    pub fn literal_ignoring_case(text: &str) -> Option<Matcher> {
        if !crate::exact_text(text) {
            return None;
        }
        Some(Matcher {
            items: text
                .chars()
                .map(|character| Item::One(CharClass::Folded(character.to_ascii_lowercase())))
                .collect(),
        })
    }

    /// Whether this matcher compares letters without case.
    pub fn folds_case(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item, Item::One(CharClass::Folded(_))))
    }

    /// A `Resource` pattern (`trailing_star_crosses`) or an `Arn*`
    /// condition value, following `leash_policy::matching::ArnPattern`: the
    /// pattern is split on the first five colons of its literal text; in
    /// those five segments `*` and `?` do not match `:`, except (for
    /// `Resource`) a `*` that ends its segment. `*` alone matches
    /// everything.
    pub fn arn(text: &str, trailing_star_crosses: bool) -> Matcher {
        let tokens = tokenize(text);
        if matches!(tokens.as_slice(), [PatternToken::AnyRun]) {
            return Matcher {
                items: vec![Item::Run(CharClass::Any)],
            };
        }
        let mut segments: Vec<Vec<PatternToken>> = vec![Vec::new()];
        for token in tokens {
            match token {
                PatternToken::Literal(text) if segments.len() < 6 => {
                    let mut rest = text.as_str();
                    while segments.len() < 6 {
                        match rest.find(':') {
                            Some(colon) => {
                                if colon > 0
                                    && let Some(last) = segments.last_mut()
                                {
                                    last.push(PatternToken::Literal(rest[..colon].to_string()));
                                }
                                segments.push(Vec::new());
                                rest = &rest[colon + 1..];
                            }
                            None => break,
                        }
                    }
                    if !rest.is_empty()
                        && let Some(last) = segments.last_mut()
                    {
                        last.push(PatternToken::Literal(rest.to_string()));
                    }
                }
                other => {
                    if let Some(last) = segments.last_mut() {
                        last.push(other);
                    }
                }
            }
        }
        let mut items = Vec::new();
        for (index, segment) in segments.iter().enumerate() {
            if index > 0 {
                items.push(Item::One(CharClass::Exact(':')));
            }
            let in_prefix = index < 5;
            let last = segment.len().saturating_sub(1);
            for (position, token) in segment.iter().enumerate() {
                match token {
                    PatternToken::Literal(text) => {
                        items.extend(text.chars().map(|c| Item::One(CharClass::Exact(c))))
                    }
                    PatternToken::AnyRun
                        if in_prefix && (position != last || !trailing_star_crosses) =>
                    {
                        items.push(Item::Run(CharClass::AnyButColon))
                    }
                    PatternToken::AnyRun => items.push(Item::Run(CharClass::Any)),
                    PatternToken::AnyOne if in_prefix => {
                        items.push(Item::One(CharClass::OneButColon))
                    }
                    PatternToken::AnyOne => items.push(Item::One(CharClass::One)),
                }
            }
        }
        Matcher { items }
    }

    /// The characters the pattern mentions.
    fn letters(&self) -> impl Iterator<Item = char> + '_ {
        self.items.iter().filter_map(|item| match item {
            Item::One(CharClass::Exact(c) | CharClass::Folded(c))
            | Item::Run(CharClass::Exact(c) | CharClass::Folded(c)) => Some(*c),
            _ => None,
        })
    }

    /// Adds `position` and every position reachable without reading.
    fn close(&self, position: usize, into: &mut Vec<u16>) {
        let mut position = position;
        loop {
            let Ok(encoded) = u16::try_from(position) else {
                return;
            };
            if !into.contains(&encoded) {
                into.push(encoded);
            }
            match self.items.get(position) {
                Some(Item::Run(_)) => position += 1,
                _ => return,
            }
        }
    }

    fn is_accepting(&self, position: u16) -> bool {
        usize::from(position) == self.items.len()
    }

    /// Whether the text matches (the automaton run directly; for tests and
    /// for checking witnesses).
    pub fn is_match(&self, text: &str) -> bool {
        let mut current = Vec::new();
        self.close(0, &mut current);
        for character in text.chars() {
            let mut next = Vec::new();
            for &position in &current {
                self.step(position, character, &mut next);
            }
            if next.is_empty() {
                return false;
            }
            current = next;
        }
        current.iter().any(|&position| self.is_accepting(position))
    }

    fn step(&self, position: u16, character: char, into: &mut Vec<u16>) {
        match self.items.get(usize::from(position)) {
            Some(Item::One(class)) if class.accepts(character) => {
                self.close(usize::from(position) + 1, into)
            }
            Some(Item::Run(class)) if class.accepts(character) => {
                self.close(usize::from(position), into)
            }
            _ => {}
        }
    }
}

/// One region of strings: a witness and which matchers it satisfies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringRegion {
    pub witness: String,
    pub matches: Vec<bool>,
    /// Another string of the region, when it has more than one (needed
    /// where two keys are compared with each other: equal and unequal
    /// pairs inside one region).
    pub second: Option<String>,
}

/// Why the search gave up (the answer is then unknown, with this reason).
/// Every bound of the search is one of these: beyond it the search does not
/// run or stops, and never returns regions that could be wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TooManyStates {
    /// A pattern's positions are packed in 16 bits.
    #[error(
        "a pattern has {length} characters; leash prove splits patterns of at most {MAX_PATTERN_ITEMS}"
    )]
    PatternTooLong { length: usize },
    /// Matcher indices are packed in 16 bits.
    #[error("{count} patterns are to be split together; leash prove splits at most {MAX_MATCHERS}")]
    TooManyPatterns { count: usize },
    /// The product automaton's states (the caller's bound).
    #[error("splitting the patterns needs more than {limit} automaton states")]
    States { limit: usize },
    /// States times letters: the transition table's size.
    #[error("the transition table would exceed {MAX_TRANSITIONS} entries ({letters} letters)")]
    Transitions { letters: usize },
    /// Each state keeps its shortest string: their total size.
    #[error("the witness strings would exceed {MAX_WITNESS_BYTES} bytes")]
    Witnesses,
    /// The second-string passes did not settle.
    #[error("the second witness strings did not settle in {MAX_SECOND_PASSES} passes")]
    SecondsUnsettled,
    #[error("the search ran out of time")]
    Deadline,
}

/// Items of one pattern: positions `0..=len` must fit in a `u16`.
pub const MAX_PATTERN_ITEMS: usize = u16::MAX as usize;
/// Matchers in one search: indices must fit in the 16 bits above the
/// position in [`encode`].
pub const MAX_MATCHERS: usize = 1 << 16;
/// Entries of the transition table (states times letters), 1 GiB of `u32`.
pub const MAX_TRANSITIONS: usize = 1 << 28;
/// Bytes of all states' witness strings (a literal pattern of length n has
/// n states whose witnesses total n²/2 bytes).
pub const MAX_WITNESS_BYTES: usize = 1 << 28;
/// Rounds of the second-string relaxation.
pub const MAX_SECOND_PASSES: usize = 64;

/// The result of the search, with the product automaton's transitions kept
/// so that other strings (catalog action names) can be classified cheaply.
pub struct RegionSearch {
    pub regions: Vec<StringRegion>,
    alphabet: Vec<char>,
    fresh: char,
    /// `transitions[state * alphabet.len() + letter]`.
    transitions: Vec<u32>,
    state_matches: Vec<u32>,
    /// Index into `regions` per distinct match vector.
    region_of_vector: HashMap<Vec<bool>, usize>,
    vectors: Vec<Vec<bool>>,
}

/// The bounds tests lower to reach them cheaply.
#[derive(Clone, Copy)]
struct SearchBounds {
    max_witness_bytes: usize,
    max_second_passes: usize,
}

impl SearchBounds {
    const DEFAULT: SearchBounds = SearchBounds {
        max_witness_bytes: MAX_WITNESS_BYTES,
        max_second_passes: MAX_SECOND_PASSES,
    };
}

/// Characters tried, in order, as the fresh character: readable ones first.
const FRESH_CANDIDATES: &str = "xqzjkvwyabcdefghilmnoprstu0123456789-_";

impl RegionSearch {
    /// Runs the product search. `extra_letters` join the alphabet (for
    /// example `:` and `/` for ARNs, so witnesses can take ARN shape).
    pub fn run(
        matchers: &[Matcher],
        extra_letters: &[char],
        state_limit: usize,
        deadline: Option<std::time::Instant>,
    ) -> Result<RegionSearch, TooManyStates> {
        Self::search(
            matchers,
            extra_letters,
            state_limit,
            deadline,
            false,
            SearchBounds::DEFAULT,
        )
    }

    /// [`RegionSearch::run`], also finding a second string per region
    /// ([`StringRegion::second`]).
    pub fn run_with_seconds(
        matchers: &[Matcher],
        extra_letters: &[char],
        state_limit: usize,
        deadline: Option<std::time::Instant>,
    ) -> Result<RegionSearch, TooManyStates> {
        Self::search(
            matchers,
            extra_letters,
            state_limit,
            deadline,
            true,
            SearchBounds::DEFAULT,
        )
    }

    fn search(
        matchers: &[Matcher],
        extra_letters: &[char],
        state_limit: usize,
        deadline: Option<std::time::Instant>,
        want_seconds: bool,
        bounds: SearchBounds,
    ) -> Result<RegionSearch, TooManyStates> {
        let SearchBounds {
            max_witness_bytes,
            max_second_passes,
        } = bounds;
        if matchers.len() > MAX_MATCHERS {
            return Err(TooManyStates::TooManyPatterns {
                count: matchers.len(),
            });
        }
        if let Some(long) = matchers.iter().find(|m| m.items.len() > MAX_PATTERN_ITEMS) {
            return Err(TooManyStates::PatternTooLong {
                length: long.items.len(),
            });
        }
        // State indices are `u32`.
        let state_limit = state_limit.min(u32::MAX as usize);
        let mut alphabet: Vec<char> = Vec::new();
        let push = |alphabet: &mut Vec<char>, c: char| {
            if !alphabet.contains(&c) {
                alphabet.push(c);
            }
        };
        let mut folds = false;
        for matcher in matchers {
            folds |= matcher.folds_case();
            for letter in matcher.letters() {
                push(&mut alphabet, letter);
                if matcher.folds_case() {
                    push(&mut alphabet, letter.to_ascii_uppercase());
                }
            }
        }
        if folds {
            push(&mut alphabet, KELVIN_SIGN);
        }
        for &letter in extra_letters {
            push(&mut alphabet, letter);
        }
        let fresh = FRESH_CANDIDATES
            .chars()
            .find(|c| !alphabet.contains(c) && !alphabet.contains(&c.to_ascii_uppercase()))
            .unwrap_or('\u{00a7}');
        push(&mut alphabet, fresh);
        alphabet.sort_unstable();
        if state_limit.saturating_mul(alphabet.len()) > MAX_TRANSITIONS {
            return Err(TooManyStates::Transitions {
                letters: alphabet.len(),
            });
        }

        // A product state: (matcher index, position) pairs, sorted; matchers
        // with no live position are left out.
        let mut initial: Vec<u32> = Vec::new();
        for (index, matcher) in matchers.iter().enumerate() {
            let mut positions = Vec::new();
            matcher.close(0, &mut positions);
            for position in positions {
                initial.push(encode(index, position));
            }
        }
        initial.sort_unstable();
        let mut index_of: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut states: Vec<Vec<u32>> = Vec::new();
        let mut witnesses: Vec<String> = Vec::new();
        index_of.insert(initial.clone(), 0);
        states.push(initial);
        witnesses.push(String::new());
        let mut transitions: Vec<u32> = Vec::new();
        let mut witness_bytes = 0usize;
        let mut queue = VecDeque::from([0usize]);
        let mut scratch: Vec<u16> = Vec::new();
        while let Some(state_index) = queue.pop_front() {
            if transitions.len() < (state_index + 1) * alphabet.len() {
                transitions.resize((state_index + 1) * alphabet.len(), 0);
            }
            for (letter_index, &letter) in alphabet.iter().enumerate() {
                let mut next: Vec<u32> = Vec::new();
                let state = &states[state_index];
                let mut cursor = 0;
                while cursor < state.len() {
                    let matcher_index = (state[cursor] >> 16) as usize;
                    scratch.clear();
                    while cursor < state.len() && (state[cursor] >> 16) as usize == matcher_index {
                        let position = (state[cursor] & 0xffff) as u16;
                        if let Some(matcher) = matchers.get(matcher_index) {
                            matcher.step(position, letter, &mut scratch);
                        }
                        cursor += 1;
                    }
                    scratch.sort_unstable();
                    scratch.dedup();
                    next.extend(scratch.iter().map(|&p| encode(matcher_index, p)));
                }
                let target = match index_of.get(&next) {
                    Some(&existing) => existing,
                    None => {
                        if states.len() >= state_limit {
                            return Err(TooManyStates::States { limit: state_limit });
                        }
                        if states.len().is_multiple_of(1024)
                            && deadline.is_some_and(|deadline| std::time::Instant::now() > deadline)
                        {
                            return Err(TooManyStates::Deadline);
                        }
                        let new_index = states.len() as u32;
                        let mut witness = witnesses[state_index].clone();
                        witness.push(letter);
                        witness_bytes += witness.len();
                        if witness_bytes > max_witness_bytes {
                            return Err(TooManyStates::Witnesses);
                        }
                        index_of.insert(next.clone(), new_index);
                        states.push(next);
                        witnesses.push(witness);
                        queue.push_back(new_index as usize);
                        new_index
                    }
                };
                transitions[state_index * alphabet.len() + letter_index] = target;
            }
        }

        // A second string per state: through an incoming edge that is not
        // the breadth-first tree's, or through a predecessor's second.
        let width = alphabet.len();
        let mut seconds: Vec<Option<String>> = vec![None; states.len()];
        let mut changed = want_seconds;
        let mut passes = 0;
        while changed {
            if passes == max_second_passes {
                return Err(TooManyStates::SecondsUnsettled);
            }
            changed = false;
            passes += 1;
            for source in 0..states.len() {
                for (letter_index, &letter) in alphabet.iter().enumerate() {
                    let Some(&target) = transitions.get(source * width + letter_index) else {
                        continue;
                    };
                    let target = target as usize;
                    let mut candidates = Vec::new();
                    let mut through_first = witnesses[source].clone();
                    through_first.push(letter);
                    candidates.push(through_first);
                    if let Some(second) = &seconds[source] {
                        let mut through_second = second.clone();
                        through_second.push(letter);
                        candidates.push(through_second);
                    }
                    for candidate in candidates {
                        let better = candidate != witnesses[target]
                            && seconds[target]
                                .as_ref()
                                .is_none_or(|existing| candidate.len() < existing.len());
                        if better {
                            seconds[target] = Some(candidate);
                            changed = true;
                        }
                    }
                }
            }
        }

        let mut regions: Vec<StringRegion> = Vec::new();
        let mut region_of_vector: HashMap<Vec<bool>, usize> = HashMap::new();
        let mut vectors: Vec<Vec<bool>> = Vec::new();
        let mut state_matches = Vec::with_capacity(states.len());
        for ((state, witness), second) in states.iter().zip(&witnesses).zip(&seconds) {
            let mut vector = vec![false; matchers.len()];
            for &entry in state {
                let matcher_index = (entry >> 16) as usize;
                let position = (entry & 0xffff) as u16;
                if let Some(matcher) = matchers.get(matcher_index)
                    && matcher.is_accepting(position)
                    && let Some(slot) = vector.get_mut(matcher_index)
                {
                    *slot = true;
                }
            }
            let region = match region_of_vector.get(&vector) {
                Some(&region) => {
                    // Another state of the same region gives another string.
                    if let Some(slot) = regions.get_mut(region)
                        && want_seconds
                        && slot.second.is_none()
                    {
                        slot.second = Some(witness.clone()).or_else(|| second.clone());
                    }
                    region
                }
                None => {
                    region_of_vector.insert(vector.clone(), regions.len());
                    regions.push(StringRegion {
                        witness: witness.clone(),
                        matches: vector.clone(),
                        second: second.clone(),
                    });
                    vectors.push(vector);
                    regions.len() - 1
                }
            };
            state_matches.push(region as u32);
        }
        Ok(RegionSearch {
            regions,
            alphabet,
            fresh,
            transitions,
            state_matches,
            region_of_vector,
            vectors,
        })
    }

    /// The region `text` falls in (by the product automaton).
    pub fn region_of(&self, text: &str) -> Option<usize> {
        let width = self.alphabet.len();
        let fresh_index = self.alphabet.binary_search(&self.fresh).ok()?;
        let mut state = 0usize;
        for character in text.chars() {
            let letter = self
                .alphabet
                .binary_search(&character)
                .unwrap_or(fresh_index);
            state = *self.transitions.get(state * width + letter)? as usize;
        }
        self.state_matches.get(state).map(|&region| region as usize)
    }

    /// Replaces a region's witness by a nicer string of the same region.
    pub fn prefer_witness(&mut self, region: usize, text: &str) {
        if let Some(slot) = self.regions.get_mut(region) {
            slot.witness = text.to_string();
        }
    }

    /// The region with this match vector, if any string reaches it.
    pub fn region_with(&self, vector: &[bool]) -> Option<usize> {
        self.region_of_vector.get(vector).copied()
    }

    /// The match vector of a region.
    pub fn vector(&self, region: usize) -> Option<&[bool]> {
        self.vectors.get(region).map(Vec::as_slice)
    }
}

fn encode(matcher: usize, position: u16) -> u32 {
    ((matcher as u32) << 16) | u32::from(position)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use leash_policy::matching::{ArnPattern, CaseMode, WildcardPattern};

    #[test]
    fn glob_agrees_with_the_engine() {
        for (pattern, text) in [
            ("a*b", "axxb"),
            ("a?b", "ab"),
            ("a?b", "a\u{e9}b"),
            ("*", ""),
            ("s3:Get*", "s3:GetObject"),
        ] {
            assert_eq!(
                Matcher::glob(pattern).is_match(text),
                WildcardPattern::new(pattern, CaseMode::Sensitive).is_match(text),
                "{pattern} {text}"
            );
        }
    }

    #[test]
    fn arn_agrees_with_the_engine() {
        let patterns = [
            "arn:aws:s3:::bucket/*",
            "arn:aws:logs:us-west-2:111122223333:*",
            "arn:aws:*",
            "arn:*:s3:*",
            "arn:aws:lambda:*:1:function:f*",
            "arn:aws:s?:::b",
            "*",
            "arn:aws:iam::*:role/x",
        ];
        let texts = [
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:::bucket",
            "arn:aws:logs:us-west-2:111122223333:log-group:x:*",
            "arn:aws:s3:::b",
            "arn:aws:lambda:us-east-1:1:function:fa:1",
            "arn:aws:iam::1:role/x",
            "arn:aws:iam::1:2:role/x",
            "arn:aws",
            "",
        ];
        for pattern in patterns {
            for text in texts {
                assert_eq!(
                    Matcher::arn(pattern, true).is_match(text),
                    ArnPattern::new(pattern).is_match(text),
                    "resource {pattern} {text}"
                );
                assert_eq!(
                    Matcher::arn(pattern, false).is_match(text),
                    ArnPattern::new_condition(pattern).is_match(text),
                    "condition {pattern} {text}"
                );
            }
        }
    }

    #[test]
    fn every_combination_gets_a_witness() {
        let matchers = [
            Matcher::glob("a*"),
            Matcher::glob("*b"),
            Matcher::literal("ab"),
        ];
        let search = RegionSearch::run(&matchers, &[], 1000, None).unwrap();
        let mut vectors: Vec<Vec<bool>> =
            search.regions.iter().map(|r| r.matches.clone()).collect();
        vectors.sort();
        // Reachable: none, a* only, *b only, a* and *b (axb), all three (ab).
        assert_eq!(vectors.len(), 5);
        for region in &search.regions {
            for (matcher, expected) in matchers.iter().zip(&region.matches) {
                assert_eq!(matcher.is_match(&region.witness), *expected);
            }
        }
    }

    #[test]
    fn second_witnesses_are_distinct_members() {
        let matchers = [Matcher::literal("ab"), Matcher::glob("a*")];
        let search = RegionSearch::run_with_seconds(&matchers, &[], 1000, None).unwrap();
        for region in &search.regions {
            if let Some(second) = &region.second {
                assert_ne!(second, &region.witness);
                for (matcher, expected) in matchers.iter().zip(&region.matches) {
                    assert_eq!(matcher.is_match(second), *expected);
                }
            }
        }
        // "ab" alone is a one-string region; `a*` without "ab" has many.
        let exact = search.region_with(&[true, true]).unwrap();
        assert!(search.regions[exact].second.is_none());
        let prefix = search.region_with(&[false, true]).unwrap();
        assert!(search.regions[prefix].second.is_some());
    }

    #[test]
    fn ignoring_case_sees_the_kelvin_sign() {
        let matchers = [
            Matcher::literal_ignoring_case("k").unwrap(),
            Matcher::literal("k"),
            Matcher::literal("K"),
        ];
        let search = RegionSearch::run(&matchers, &[], 1000, None).unwrap();
        assert!(search.region_with(&[true, false, false]).is_some());
    }

    fn search_with(
        matchers: &[Matcher],
        state_limit: usize,
        deadline: Option<std::time::Instant>,
        bounds: SearchBounds,
    ) -> Result<RegionSearch, TooManyStates> {
        RegionSearch::search(matchers, &[], state_limit, deadline, true, bounds)
    }

    /// Positions are packed in 16 bits: a pattern of exactly
    /// `MAX_PATTERN_ITEMS` items passes the check (and runs into the state
    /// bound given here, to stay cheap); one more is refused by name.
    #[test]
    fn pattern_length_at_and_beyond_the_limit() {
        let at = Matcher::literal(&"a".repeat(MAX_PATTERN_ITEMS));
        assert_eq!(
            RegionSearch::run(&[at], &[], 100, None).err(),
            Some(TooManyStates::States { limit: 100 })
        );
        let beyond = Matcher::literal(&"a".repeat(MAX_PATTERN_ITEMS + 1));
        assert_eq!(
            RegionSearch::run(&[beyond], &[], 100, None).err(),
            Some(TooManyStates::PatternTooLong {
                length: MAX_PATTERN_ITEMS + 1
            })
        );
        // At the limit the accepting position (the length) is exact: the
        // automaton accepts the pattern and nothing shorter.
        let star_then_b = Matcher::glob(&format!("{}b", "?".repeat(MAX_PATTERN_ITEMS - 1)));
        assert!(star_then_b.is_match(&format!("{}b", "x".repeat(MAX_PATTERN_ITEMS - 1))));
        assert!(!star_then_b.is_match(&format!("{}b", "x".repeat(MAX_PATTERN_ITEMS - 2))));
    }

    /// Matcher indices are packed in 16 bits.
    #[test]
    fn matcher_count_at_and_beyond_the_limit() {
        let at: Vec<Matcher> = (0..MAX_MATCHERS).map(|_| Matcher::literal("a")).collect();
        let search = RegionSearch::run(&at, &[], 100, None).unwrap();
        // Every matcher matches "a" and nothing else: two regions reached
        // (all, none), each vector as wide as the matchers.
        let all = search.region_with(&vec![true; MAX_MATCHERS]).unwrap();
        assert_eq!(search.regions[all].witness, "a");
        assert!(search.region_with(&vec![false; MAX_MATCHERS]).is_some());
        let beyond: Vec<Matcher> = (0..=MAX_MATCHERS).map(|_| Matcher::literal("a")).collect();
        assert_eq!(
            RegionSearch::run(&beyond, &[], 100, None).err(),
            Some(TooManyStates::TooManyPatterns {
                count: MAX_MATCHERS + 1
            })
        );
    }

    /// `abc` has five states: the start, `a`, `ab`, `abc` and the dead one.
    #[test]
    fn state_limit_at_and_beyond() {
        let matchers = [Matcher::literal("abc")];
        assert!(RegionSearch::run(&matchers, &[], 5, None).is_ok());
        assert_eq!(
            RegionSearch::run(&matchers, &[], 4, None).err(),
            Some(TooManyStates::States { limit: 4 })
        );
    }

    /// `a` and the fresh letter: two letters.
    #[test]
    fn transition_table_at_and_beyond_the_limit() {
        let matchers = [Matcher::literal("a")];
        assert!(RegionSearch::run(&matchers, &[], MAX_TRANSITIONS / 2, None).is_ok());
        assert_eq!(
            RegionSearch::run(&matchers, &[], MAX_TRANSITIONS / 2 + 1, None).err(),
            Some(TooManyStates::Transitions { letters: 2 })
        );
    }

    /// `abc`'s states hold witnesses of 1 + 2 + 3 + 1 (the dead state's,
    /// reached by the fresh letter) = 7 bytes.
    #[test]
    fn witness_bytes_at_and_beyond_the_limit() {
        let matchers = [Matcher::literal("abc")];
        let bounds = |max_witness_bytes| SearchBounds {
            max_witness_bytes,
            ..SearchBounds::DEFAULT
        };
        assert!(search_with(&matchers, 100, None, bounds(7)).is_ok());
        assert_eq!(
            search_with(&matchers, 100, None, bounds(6)).err(),
            Some(TooManyStates::Witnesses)
        );
    }

    /// The second strings settle in a few passes here; with none allowed
    /// the search says so rather than return regions without them.
    #[test]
    fn second_passes_beyond_the_limit() {
        let matchers = [Matcher::literal("ab"), Matcher::glob("a*")];
        let bounds = |max_second_passes| SearchBounds {
            max_second_passes,
            ..SearchBounds::DEFAULT
        };
        assert!(search_with(&matchers, 100, None, bounds(MAX_SECOND_PASSES)).is_ok());
        assert_eq!(
            search_with(&matchers, 100, None, bounds(1)).err(),
            Some(TooManyStates::SecondsUnsettled)
        );
    }

    #[test]
    fn a_deadline_passed_stops_the_search() {
        let matchers = [Matcher::literal(&"a".repeat(3000))];
        let past = std::time::Instant::now();
        assert_eq!(
            RegionSearch::run(&matchers, &[], 10_000, Some(past)).err(),
            Some(TooManyStates::Deadline)
        );
        assert!(RegionSearch::run(&matchers, &[], 10_000, None).is_ok());
    }
}
