//! Wildcard, action and ARN matching, compiled once and run many times.
//!
//! For: the `Action`/`NotAction` and `Resource`/`NotResource` elements, the
//! `StringLike` and `ArnLike` condition operators, and any other place that
//! needs IAM's `*`/`?` wildcards.
//!
//! Not for: policy variables (see `variables`), which are resolved first and
//! hand this module patterns whose substituted text is literal.
//!
//! The matcher is iterative: a `*` is retried only from the most recent `*`,
//! so the cost is at most `pattern length x text length` and hostile patterns
//! such as `*a*a*a*a*b` cannot trigger exponential backtracking.
//!
//! References:
//! - Action: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
//! - Resource: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
//! - ARN format: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>

/// One piece of a wildcard pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternToken {
    /// Text that must appear as is (a literal `*` written `${*}` lives here).
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

/// Whether letters compare with or without case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseMode {
    Sensitive,
    /// ASCII case-insensitive: action names are ASCII.
    Insensitive,
}

/// A compiled `*`/`?` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WildcardPattern {
    shape: Shape,
    case: CaseMode,
}

/// Fast paths for the shapes that dominate real policies.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// `*`
    Everything,
    /// No wildcard.
    Exact(Box<str>),
    /// `prefix*`
    Prefix(Box<str>),
    General(Box<[PatternToken]>),
}

impl WildcardPattern {
    /// Compiles `text`, where every `*` and `?` is a wildcard.
    pub fn new(text: &str, case: CaseMode) -> Self {
        // The shapes of nearly every pattern, compiled without tokens:
        // linters compile every action of every statement.
        let lowered = |text: &str| -> Box<str> {
            match case {
                CaseMode::Sensitive => text.into(),
                CaseMode::Insensitive => text.to_ascii_lowercase().into(),
            }
        };
        match text.find(['*', '?']) {
            None => {
                return WildcardPattern {
                    shape: Shape::Exact(lowered(text)),
                    case,
                };
            }
            Some(position) if position + 1 == text.len() && text.ends_with('*') => {
                let prefix = &text[..position];
                let shape = if prefix.is_empty() {
                    Shape::Everything
                } else {
                    Shape::Prefix(lowered(prefix))
                };
                return WildcardPattern { shape, case };
            }
            Some(_) => {}
        }
        Self::from_tokens(tokenize(text), case)
    }

    /// Compiles a pattern that is entirely literal text.
    pub fn literal(text: &str, case: CaseMode) -> Self {
        Self::from_tokens(vec![PatternToken::Literal(text.to_string())], case)
    }

    /// Compiles already tokenized pattern pieces (adjacent literals are
    /// merged, runs of `*` collapse into one).
    pub fn from_tokens(tokens: Vec<PatternToken>, case: CaseMode) -> Self {
        let mut merged: Vec<PatternToken> = Vec::with_capacity(tokens.len());
        for token in tokens {
            match (merged.last_mut(), token) {
                (_, PatternToken::Literal(text)) if text.is_empty() => {}
                (Some(PatternToken::Literal(previous)), PatternToken::Literal(text)) => {
                    previous.push_str(&text)
                }
                (Some(PatternToken::AnyRun), PatternToken::AnyRun) => {}
                (_, token) => merged.push(token),
            }
        }
        if case == CaseMode::Insensitive {
            for token in &mut merged {
                if let PatternToken::Literal(text) = token {
                    text.make_ascii_lowercase();
                }
            }
        }
        let shape = match merged.as_slice() {
            [] => Shape::Exact("".into()),
            [PatternToken::AnyRun] => Shape::Everything,
            [PatternToken::Literal(text)] => Shape::Exact(text.as_str().into()),
            [PatternToken::Literal(text), PatternToken::AnyRun] => {
                Shape::Prefix(text.as_str().into())
            }
            _ => Shape::General(merged.into_boxed_slice()),
        };
        WildcardPattern { shape, case }
    }

    /// Whether the pattern is `*` (matches every text).
    pub fn matches_everything(&self) -> bool {
        matches!(self.shape, Shape::Everything)
    }

    pub fn is_match(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Everything => true,
            Shape::Exact(literal) => bytes_equal(text.as_bytes(), literal.as_bytes(), self.case),
            Shape::Prefix(prefix) => {
                text.len() >= prefix.len()
                    && bytes_equal(
                        &text.as_bytes()[..prefix.len()],
                        prefix.as_bytes(),
                        self.case,
                    )
            }
            Shape::General(tokens) => general_match(tokens, text, self.case),
        }
    }
}

/// Splits text into literal runs, `*` and `?`.
pub fn tokenize(text: &str) -> Vec<PatternToken> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    for character in text.chars() {
        match character {
            '*' | '?' => {
                if !literal.is_empty() {
                    tokens.push(PatternToken::Literal(std::mem::take(&mut literal)));
                }
                tokens.push(if character == '*' {
                    PatternToken::AnyRun
                } else {
                    PatternToken::AnyOne
                });
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        tokens.push(PatternToken::Literal(literal));
    }
    tokens
}

fn bytes_equal(text: &[u8], literal: &[u8], case: CaseMode) -> bool {
    match case {
        CaseMode::Sensitive => text == literal,
        // `literal` was lowercased at compile time.
        CaseMode::Insensitive => {
            text.len() == literal.len()
                && text
                    .iter()
                    .zip(literal)
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
        }
    }
}

/// Length in bytes of the character starting at `position` (1 for ASCII).
/// Whether a symbol (`crate::symbol`: a value known only at deployment)
/// starts at `position`. `?` is one character, and a symbol stands for a
/// value of unknown length, so `?` never matches one (docs/semantics.md);
/// `*` spans it, whatever its length.
fn symbol_at(text: &str, position: usize) -> bool {
    text.get(position..)
        .and_then(|rest| rest.chars().next())
        .is_some_and(|c| crate::symbol::symbol_index(c).is_some())
}

fn character_length(text: &str, position: usize) -> usize {
    text.get(position..)
        .and_then(|rest| rest.chars().next())
        .map_or(1, char::len_utf8)
}

fn general_match(tokens: &[PatternToken], text: &str, case: CaseMode) -> bool {
    let bytes = text.as_bytes();
    let mut token_index = 0;
    let mut position = 0;
    // After a failure, resume just after the latest `*`, which absorbs one
    // more character than last time.
    let mut resume: Option<(usize, usize)> = None;
    loop {
        let advanced = match tokens.get(token_index) {
            None => {
                if position == bytes.len() {
                    return true;
                }
                false
            }
            Some(PatternToken::AnyRun) => {
                token_index += 1;
                resume = Some((token_index, position));
                continue;
            }
            Some(PatternToken::AnyOne) => {
                if position < bytes.len() && !symbol_at(text, position) {
                    position += character_length(text, position);
                    token_index += 1;
                    true
                } else {
                    false
                }
            }
            Some(PatternToken::Literal(literal)) => {
                let end = position + literal.len();
                if end <= bytes.len()
                    && bytes_equal(&bytes[position..end], literal.as_bytes(), case)
                {
                    position = end;
                    token_index += 1;
                    true
                } else {
                    false
                }
            }
        };
        if advanced {
            continue;
        }
        match resume {
            Some((after_star, star_position)) if star_position < bytes.len() => {
                let next = star_position + character_length(text, star_position);
                resume = Some((after_star, next));
                token_index = after_star;
                position = next;
            }
            _ => return false,
        }
    }
}

/// An `Action`/`NotAction` pattern: `service:Name`, case-insensitive, `*`
/// and `?` anywhere.
///
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPattern {
    pattern: WildcardPattern,
}

impl ActionPattern {
    pub fn new(text: &str) -> Self {
        ActionPattern {
            pattern: WildcardPattern::new(text, CaseMode::Insensitive),
        }
    }

    pub fn is_match(&self, action: &str) -> bool {
        self.pattern.is_match(action)
    }
}

/// Splits an ARN into its six parts (`arn`, partition, service, region,
/// account, resource); the resource part keeps any further colons. The
/// first part is not checked (a `Resource` pattern matches it like the
/// others); [`crate::arn::Arn::parse`] is the typed form.
pub use crate::arn::split_fields as split_arn;

/// A `Resource` pattern or an `ArnEquals`/`ArnLike` value.
///
/// The Resource page: wildcards may be used "within the individual segments
/// of an ARN (the parts separated by colons)", and "if the `*` wildcard is
/// the last character of a resource ARN segment, it can expand to match
/// beyond the colon boundaries". So in the first five segments a `*` or `?`
/// does not match `:`, except a `*` that ends its segment, which matches
/// anything; in the resource part `*` crosses `/` and `:`. `*` alone matches
/// every resource. Matching is case-sensitive.
///
/// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
/// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArnPattern {
    shape: ArnShape,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ArnShape {
    Everything,
    /// The first five segments are literal (the common case): one prefix
    /// comparison, then the resource part's pattern on the rest.
    LiteralPrefix {
        /// `arn:partition:service:region:account:`, five colons included.
        prefix: Box<str>,
        resource: WildcardPattern,
    },
    /// Six segments, no segment-ending `*` before the resource part: each
    /// segment is matched against the request's segment (the fast path).
    Segments(Box<[WildcardPattern; 6]>),
    /// Everything else, matched as one string with colon-aware wildcards.
    General(Box<[ArnToken]>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ArnToken {
    Literal(Box<str>),
    /// `*` that may match anything, colons included.
    AnyRun,
    /// `*` inside one of the first five segments: no colon.
    AnyRunInSegment,
    AnyOne,
    /// `?` in the first five segments: one character, not a colon.
    AnyOneInSegment,
}

impl ArnPattern {
    /// Compiles a `Resource` pattern in which every `*`/`?` is a wildcard.
    pub fn new(text: &str) -> Self {
        Self::from_tokens(tokenize(text))
    }

    /// Compiles a `Resource` pattern given as tokens (after policy-variable
    /// substitution, where substituted text is literal).
    pub fn from_tokens(tokens: Vec<PatternToken>) -> Self {
        Self::compile(tokens, true)
    }

    /// Compiles an `ArnEquals`/`ArnLike` value. Unlike `Resource`, no `*`
    /// in the first five segments crosses a colon: "With an `ArnLike`
    /// condition, which matches elements between colons, the match fails.
    /// The first asterisk matches only `us-east-2`"
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>).
    pub fn new_condition(text: &str) -> Self {
        Self::from_tokens_condition(tokenize(text))
    }

    /// [`ArnPattern::new_condition`] from tokens.
    pub fn from_tokens_condition(tokens: Vec<PatternToken>) -> Self {
        Self::compile(tokens, false)
    }

    fn compile(tokens: Vec<PatternToken>, trailing_star_crosses: bool) -> Self {
        if matches!(tokens.as_slice(), [PatternToken::AnyRun]) {
            return ArnPattern {
                shape: ArnShape::Everything,
            };
        }
        // Split the tokens on the first five colons found in literal text.
        let mut segments: Vec<Vec<PatternToken>> = vec![Vec::new()];
        for token in tokens {
            match token {
                PatternToken::Literal(text) if segments.len() < 6 => {
                    let mut rest = text.as_str();
                    while segments.len() < 6 {
                        match rest.find(':') {
                            Some(colon) => {
                                if colon > 0 {
                                    push_token(
                                        &mut segments,
                                        PatternToken::Literal(rest[..colon].to_string()),
                                    );
                                }
                                segments.push(Vec::new());
                                rest = &rest[colon + 1..];
                            }
                            None => break,
                        }
                    }
                    if !rest.is_empty() {
                        push_token(&mut segments, PatternToken::Literal(rest.to_string()));
                    }
                }
                other => push_token(&mut segments, other),
            }
        }
        let segment_ending_star = trailing_star_crosses
            && segments
                .iter()
                .take(5)
                .any(|segment| matches!(segment.last(), Some(PatternToken::AnyRun)));
        let literal_prefix = segments.len() == 6
            && segments.iter().take(5).all(|segment| {
                segment
                    .iter()
                    .all(|token| matches!(token, PatternToken::Literal(_)))
            });
        if literal_prefix {
            let mut prefix = String::new();
            let mut resource = Vec::new();
            for (index, segment) in segments.into_iter().enumerate() {
                if index < 5 {
                    for token in segment {
                        if let PatternToken::Literal(text) = token {
                            prefix.push_str(&text);
                        }
                    }
                    prefix.push(':');
                } else {
                    resource = segment;
                }
            }
            return ArnPattern {
                shape: ArnShape::LiteralPrefix {
                    prefix: prefix.into_boxed_str(),
                    resource: WildcardPattern::from_tokens(resource, CaseMode::Sensitive),
                },
            };
        }
        if segments.len() == 6 && !segment_ending_star {
            let mut compiled = segments
                .into_iter()
                .map(|segment| WildcardPattern::from_tokens(segment, CaseMode::Sensitive));
            let mut next = || {
                compiled
                    .next()
                    .unwrap_or_else(|| WildcardPattern::literal("", CaseMode::Sensitive))
            };
            let array = [next(), next(), next(), next(), next(), next()];
            return ArnPattern {
                shape: ArnShape::Segments(Box::new(array)),
            };
        }
        let mut general: Vec<ArnToken> = Vec::new();
        for (index, segment) in segments.into_iter().enumerate() {
            if index > 0 {
                push_literal(&mut general, ":");
            }
            let in_prefix = index < 5;
            let last = segment.len().saturating_sub(1);
            for (position, token) in segment.into_iter().enumerate() {
                let token = match token {
                    PatternToken::Literal(text) => {
                        push_literal(&mut general, &text);
                        continue;
                    }
                    // A `*` ending a prefix segment (or the whole pattern)
                    // may cross colons.
                    PatternToken::AnyRun
                        if in_prefix && (position != last || !trailing_star_crosses) =>
                    {
                        ArnToken::AnyRunInSegment
                    }
                    PatternToken::AnyRun => ArnToken::AnyRun,
                    PatternToken::AnyOne if in_prefix => ArnToken::AnyOneInSegment,
                    PatternToken::AnyOne => ArnToken::AnyOne,
                };
                general.push(token);
            }
        }
        ArnPattern {
            shape: ArnShape::General(general.into_boxed_slice()),
        }
    }

    pub fn matches_everything(&self) -> bool {
        matches!(self.shape, ArnShape::Everything)
    }

    pub fn is_match(&self, arn: &str) -> bool {
        self.is_match_split(arn, split_arn(arn))
    }

    /// Same as [`ArnPattern::is_match`] with the ARN already split by
    /// [`split_arn`] (the engine splits the request's resource once).
    pub fn is_match_split(&self, arn: &str, parts: Option<[&str; 6]>) -> bool {
        self.is_match_lazy(arn, || parts)
    }

    /// Same as [`ArnPattern::is_match_split`], splitting only if this
    /// pattern's shape needs the parts.
    pub fn is_match_lazy<'a>(
        &self,
        arn: &'a str,
        parts: impl FnOnce() -> Option<[&'a str; 6]>,
    ) -> bool {
        match &self.shape {
            ArnShape::Everything => true,
            // The prefix holds exactly five colons, so a literal match puts
            // the request's first five colons at the same places.
            ArnShape::LiteralPrefix { prefix, resource } => arn
                .strip_prefix(&**prefix)
                .is_some_and(|rest| resource.is_match(rest)),
            ArnShape::Segments(patterns) => match parts() {
                Some(parts) => patterns
                    .iter()
                    .zip(parts)
                    .all(|(pattern, part)| pattern.is_match(part)),
                None => false,
            },
            ArnShape::General(tokens) => general_arn_match(tokens, arn),
        }
    }
}

fn push_literal(tokens: &mut Vec<ArnToken>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(ArnToken::Literal(previous)) = tokens.last_mut() {
        let mut joined = previous.to_string();
        joined.push_str(text);
        *previous = joined.into_boxed_str();
    } else {
        tokens.push(ArnToken::Literal(text.into()));
    }
}

/// Set-of-positions simulation: linear in tokens x text, no backtracking.
/// Only unusual patterns come here, so the two small buffers are fine.
fn general_arn_match(tokens: &[ArnToken], text: &str) -> bool {
    let bytes = text.as_bytes();
    let length = bytes.len();
    let mut current = vec![false; length + 1];
    let mut next = vec![false; length + 1];
    current[0] = true;
    for token in tokens {
        next.iter_mut().for_each(|slot| *slot = false);
        match token {
            ArnToken::Literal(literal) => {
                for position in 0..=length {
                    if current[position] && bytes[position..].starts_with(literal.as_bytes()) {
                        next[position + literal.len()] = true;
                    }
                }
            }
            ArnToken::AnyRun => {
                if let Some(first) = current.iter().position(|reached| *reached) {
                    for (position, slot) in next.iter_mut().enumerate().skip(first) {
                        *slot = text.is_char_boundary(position);
                    }
                }
            }
            ArnToken::AnyRunInSegment => {
                let mut active = false;
                for position in 0..=length {
                    active |= current[position];
                    if active && text.is_char_boundary(position) {
                        next[position] = true;
                    }
                    if position < length && bytes[position] == b':' {
                        active = false;
                    }
                }
            }
            ArnToken::AnyOne | ArnToken::AnyOneInSegment => {
                let colon_allowed = matches!(token, ArnToken::AnyOne);
                for position in 0..length {
                    if current[position]
                        && (colon_allowed || bytes[position] != b':')
                        && !symbol_at(text, position)
                    {
                        next[position + character_length(text, position)] = true;
                    }
                }
            }
        }
        std::mem::swap(&mut current, &mut next);
        if !current.iter().any(|reached| *reached) {
            return false;
        }
    }
    current[length]
}

fn push_token(segments: &mut [Vec<PatternToken>], token: PatternToken) {
    if let Some(last) = segments.last_mut() {
        last.push(token);
    }
}

/// An ARN pattern of fewer than six segments padded to six with `*`
/// (`arn:aws:sqs` to `arn:aws:sqs:*:*:*`): the wider of its two readings
/// (docs/semantics.md). `None` for six segments or more, for text that is
/// not an ARN, and for patterns with policy variables.
pub fn padded_short_arn(text: &str) -> Option<String> {
    if !text.starts_with("arn:") || text.contains("${") {
        return None;
    }
    let colons = text.matches(':').count();
    (colons < 5).then(|| format!("{text}{}", ":*".repeat(5 - colons)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, text: &str) -> bool {
        WildcardPattern::new(pattern, CaseMode::Sensitive).is_match(text)
    }

    #[test]
    fn wildcards_star_and_question() {
        // StringLike: `*` any run, `?` one character.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
        assert!(like("*", ""));
        assert!(like("a*c", "abc"));
        assert!(like("a*c", "ac"));
        assert!(like("a*c", "a/b:c"));
        assert!(!like("a*c", "abd"));
        assert!(like("a?c", "abc"));
        assert!(!like("a?c", "ac"));
        assert!(like("a?c", "a\u{e9}c"));
        assert!(like("*.txt", "x.txt"));
        assert!(like("home/*/x", "home/a/b/x"));
        assert!(!like("abc", "ABC"));
        assert!(like("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!like("*a*b*c*", "xxaxxcxxbxx"));
        assert!(like("", ""));
        assert!(!like("", "a"));
    }

    #[test]
    fn a_symbol_is_spanned_by_star_and_never_matched_by_question() {
        // A symbol (`crate::symbol`) stands for one value known only at
        // deployment, of unknown length: `*` matches any run, so it spans
        // the symbol; `?` matches exactly one character, which the value
        // need not be (docs/semantics.md: the reading that grants less).
        let symbol = crate::symbol::symbol_char(0).expect("the first symbol");
        let text = format!("table/{symbol}");
        assert!(like("table/*", &text));
        assert!(like(&text, &text));
        assert!(!like("table/?", &text));
        assert!(!like("table/x", &text));
        let arn = format!("arn:aws:dynamodb:us-east-1:{symbol}:table/T");
        let pattern = |p: &str| ArnPattern::new(p).is_match(&arn);
        assert!(pattern("arn:aws:dynamodb:us-east-1:*:table/T"));
        assert!(!pattern("arn:aws:dynamodb:us-east-1:?:table/T"));
        assert!(!pattern("arn:aws:dynamodb:us-east-1:?*:table/*"));
        assert!(pattern(&arn));
    }

    #[test]
    fn hostile_pattern_is_fast() {
        let text = "a".repeat(5000);
        let pattern = format!("{}b", "*a".repeat(50));
        let started = std::time::Instant::now();
        assert!(!like(&pattern, &text));
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn actions_are_case_insensitive() {
        // "action names are not case sensitive"
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
        assert!(ActionPattern::new("s3:GetObject").is_match("S3:getobject"));
        assert!(ActionPattern::new("S3:Get*").is_match("s3:GetObjectAcl"));
        assert!(ActionPattern::new("s3:*Object").is_match("s3:PutObject"));
        assert!(ActionPattern::new("iam:?etRole").is_match("iam:GetRole"));
        assert!(!ActionPattern::new("s3:Get*").is_match("s3:PutObject"));
        assert!(ActionPattern::new("*").is_match("dynamodb:Query"));
    }

    #[test]
    fn resource_star_crosses_slash_and_colon_only_in_resource_part() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
        let pattern =
            ArnPattern::new("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*");
        assert!(
            pattern.is_match(
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:log-stream:x"
            )
        );
        let objects = ArnPattern::new("arn:aws:s3:::bucket/*");
        assert!(objects.is_match("arn:aws:s3:::bucket/a/b/c"));
        assert!(!objects.is_match("arn:aws:s3:::bucket"));
        let any_region = ArnPattern::new("arn:aws:dynamodb:*:111122223333:table/Orders");
        assert!(any_region.is_match("arn:aws:dynamodb:eu-west-1:111122223333:table/Orders"));
        // "if the * wildcard is the last character of a resource ARN
        // segment, it can expand to match beyond the colon boundaries"
        let region_star = ArnPattern::new("arn:aws:dynamodb:*:table/Orders");
        assert!(region_star.is_match("arn:aws:dynamodb:eu-west-1:111122223333:table/Orders"));
        assert!(
            ArnPattern::new("arn:aws:dynamodb:*")
                .is_match("arn:aws:dynamodb:eu-west-1:1:table/Orders")
        );
        // A `*` inside a segment (not its last character) stays in it.
        let inner_star = ArnPattern::new("arn:aws:dynamodb:us*3:table/Orders");
        assert!(!inner_star.is_match("arn:aws:dynamodb:us-east-1:111122223333:table/Orders"));
        // `?` in the first five segments does not match a colon.
        let question_colon =
            ArnPattern::new("arn:aws:dynamodb:us-east-1?111122223333:table/Orders");
        assert!(!question_colon.is_match("arn:aws:dynamodb:us-east-1:111122223333:table/Orders"));
        assert!(!ArnPattern::new("arn:aws:s3").is_match("arn:aws:s3:::b"));
        // Resource ids are case-sensitive.
        assert!(!objects.is_match("arn:aws:s3:::Bucket/a"));
        assert!(ArnPattern::new("*").is_match("anything at all"));
        let question = ArnPattern::new("arn:aws:s3:::bucket-?");
        assert!(question.is_match("arn:aws:s3:::bucket-1"));
        assert!(!question.is_match("arn:aws:s3:::bucket-12"));
    }

    #[test]
    fn arn_condition_values_never_cross_colons_before_the_resource_part() {
        // The condition-operators page's own example: ArnLike fails where
        // StringLike succeeds.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
        let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        let pattern = "arn:aws:someservice:*:111122223333:finance/*";
        assert!(!ArnPattern::new_condition(pattern).is_match(value));
        assert!(WildcardPattern::new(pattern, CaseMode::Sensitive).is_match(value));
        assert!(ArnPattern::new_condition("arn:aws:someservice:*:999999999999:*").is_match(value));
        assert!(!ArnPattern::new_condition("arn:aws:someservice:*").is_match(value));
        assert!(ArnPattern::new_condition("*").is_match(value));
    }

    #[test]
    fn literal_star_token_is_not_a_wildcard() {
        let pattern = ArnPattern::from_tokens(vec![
            PatternToken::Literal("arn:aws:s3:::b/".into()),
            PatternToken::Literal("*".into()),
        ]);
        assert!(pattern.is_match("arn:aws:s3:::b/*"));
        assert!(!pattern.is_match("arn:aws:s3:::b/x"));
    }

    #[test]
    fn the_direct_shapes_equal_the_tokenized_ones() {
        for text in [
            "",
            "*",
            "s3:GetObject",
            "S3:Get*",
            "iam:*",
            "a*b",
            "a?",
            "**",
            "*a",
            "\u{e9}*",
        ] {
            for case in [CaseMode::Sensitive, CaseMode::Insensitive] {
                assert_eq!(
                    WildcardPattern::new(text, case),
                    WildcardPattern::from_tokens(tokenize(text), case),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn split_arn_keeps_colons_in_resource() {
        assert_eq!(
            split_arn("arn:aws:logs:r:1:log-group:g:*"),
            Some(["arn", "aws", "logs", "r", "1", "log-group:g:*"])
        );
        assert_eq!(split_arn("arn:aws:s3"), None);
    }
}
