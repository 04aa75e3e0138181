//! Case-insensitive text helpers for catalog names: ordering (the catalog is
//! sorted with it, so lookups can binary-search) and `*`/`?` wildcard
//! matching of action names.
//!
//! Not for ARNs or condition values: those are case-sensitive and live in
//! `resource_type.rs` and in leash-policy.

use std::cmp::Ordering;

/// Orders two names as if both were ASCII-lowercased.
/// Written as a plain loop: binary searches call it for every lookup, and
/// the mapped-iterator comparison did not compile to one.
pub(crate) fn compare_ignore_ascii_case(left: &str, right: &str) -> Ordering {
    let (left, right) = (left.as_bytes(), right.as_bytes());
    for (a, b) in left.iter().zip(right) {
        let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
        if a != b {
            return a.cmp(&b);
        }
    }
    left.len().cmp(&right.len())
}

/// Whether `text` contains an IAM wildcard (`*` or `?`).
pub(crate) fn has_wildcard(text: &str) -> bool {
    text.bytes().any(|byte| byte == b'*' || byte == b'?')
}

/// Matches `text` against `pattern`, where `*` stands for any run of
/// characters (also none) and `?` for exactly one, ignoring ASCII case.
///
/// IAM matches action names this way: "You can use wildcards (* or ?) in the
/// action name", and action names are not case sensitive
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>).
pub(crate) fn wildcard_match_ignore_case(pattern: &str, text: &str) -> bool {
    if text.is_ascii() {
        // Every catalog name is ASCII: compare bytes, no allocation. A
        // non-ASCII pattern byte can never equal an ASCII text byte, and `?`
        // against ASCII text consumes one byte, which is one character.
        return wildcard_match(
            pattern.as_bytes(),
            text.as_bytes(),
            b'*',
            b'?',
            |left, right| left.eq_ignore_ascii_case(&right),
        );
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    wildcard_match(&pattern, &text, '*', '?', |left, right| {
        left.eq_ignore_ascii_case(&right)
    })
}

/// The classic linear-time matcher: on a mismatch, backtrack to the most
/// recent `*` and let it swallow one more element.
fn wildcard_match<T: Copy + PartialEq>(
    pattern: &[T],
    text: &[T],
    star: T,
    question: T,
    equal: impl Fn(T, T) -> bool,
) -> bool {
    let mut pattern_index = 0;
    let mut text_index = 0;
    let mut last_star: Option<(usize, usize)> = None;
    while let Some(&actual) = text.get(text_index) {
        match pattern.get(pattern_index) {
            Some(&element) if element == star => {
                last_star = Some((pattern_index, text_index));
                pattern_index += 1;
            }
            Some(&element) if element == question || equal(element, actual) => {
                pattern_index += 1;
                text_index += 1;
            }
            _ => match last_star {
                Some((star_index, star_text_index)) => {
                    pattern_index = star_index + 1;
                    text_index = star_text_index + 1;
                    last_star = Some((star_index, star_text_index + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(pattern_index..)
        .is_some_and(|rest| rest.iter().all(|&element| element == star))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_ignores_ascii_case() {
        assert_eq!(
            compare_ignore_ascii_case("GetObject", "getobject"),
            Ordering::Equal
        );
        assert_eq!(compare_ignore_ascii_case("a", "B"), Ordering::Less);
        assert_eq!(compare_ignore_ascii_case("ab", "A"), Ordering::Greater);
    }

    #[test]
    fn star_matches_any_run_including_empty() {
        assert!(wildcard_match_ignore_case("Get*", "GetObject"));
        assert!(wildcard_match_ignore_case("Get*", "Get"));
        assert!(wildcard_match_ignore_case("*Item", "PutItem"));
        assert!(wildcard_match_ignore_case("*item", "BatchGetItem"));
        assert!(wildcard_match_ignore_case("*", ""));
        assert!(wildcard_match_ignore_case("*a*b*", "xxaxxbxx"));
        assert!(!wildcard_match_ignore_case("*Item", "PutItems"));
        assert!(!wildcard_match_ignore_case("Get*", "PutObject"));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        assert!(wildcard_match_ignore_case("Get?bject", "GetObject"));
        assert!(!wildcard_match_ignore_case("Get?", "Get"));
        assert!(!wildcard_match_ignore_case("?", ""));
    }

    #[test]
    fn matching_ignores_ascii_case() {
        assert!(wildcard_match_ignore_case("GETOBJECT", "GetObject"));
        assert!(wildcard_match_ignore_case("s3:get*", "s3:GetObject"));
    }

    #[test]
    fn non_ascii_text_matches_by_character() {
        assert!(wildcard_match_ignore_case("caf?", "café"));
        assert!(wildcard_match_ignore_case("*é", "café"));
        assert!(!wildcard_match_ignore_case("caf?", "cafe\u{301}x"));
    }

    #[test]
    fn backtracking_finds_the_later_occurrence() {
        assert!(wildcard_match_ignore_case("*ab", "aab"));
        assert!(wildcard_match_ignore_case("a*bc", "abbbc"));
        assert!(!wildcard_match_ignore_case("a*bc", "abbb"));
    }
}
