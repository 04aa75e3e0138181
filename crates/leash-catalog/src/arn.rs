//! ARNs, typed: the one place that splits `arn:partition:service:region:account:resource`.
//!
//! For: every crate that looks inside an ARN (the catalog's templates and
//! patterns, the engine's matching, lint rules, the designer, the template
//! reader). They all call [`Arn::parse`] (or [`split_fields`], the same
//! split without the `arn` check, for the policy language's own matching),
//! so there is one parser and one answer to "which field is this". Not for
//! deciding whether a pattern covers an ARN (leash-policy's `matching`) or
//! which resource type an ARN denotes ([`crate::Catalog::resource_types_for_arn`]).
//!
//! It lives in leash-catalog because the catalog parses its ARN templates
//! with it and sits below leash-policy; leash-policy re-exports it as
//! `leash_policy::arn`, the path the crates above use.
//!
//! # Format
//!
//! `arn:partition:service:region:account:resource`: the first five colons
//! separate the fields, and the resource part keeps any further colons
//! (`log-group:/aws/lambda/f:*`, `function:f:live`)
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>).
//! Region and account may be empty (`arn:aws:s3:::bucket`). Parsing keeps
//! the text as it is, so printing an [`Arn`] gives back exactly the text it
//! was parsed from.
//!
//! # What a segment holds
//!
//! Each [`Segment`] is text that may contain, in any mix:
//!
//! - wildcards `*` and `?` (a pattern, as policies write them);
//! - policy variables `${aws:username}` (replaced by IAM at request time);
//! - symbols: values known only at deployment (`${AWS::AccountId}`, a
//!   table's generated name), one character of Unicode's Supplementary
//!   Private Use Area-B each (see `leash_policy::symbol`, which re-exports
//!   [`FIRST_SYMBOL`], [`LAST_SYMBOL`] and [`is_symbol`] from here). A symbol
//!   never contains `:` or `/`, whatever value it stands for, so splitting
//!   never cuts one.
//!
//! A segment with none of these is a literal. A string that is one symbol
//! alone (`!GetAtt Table.Arn`) is not an `Arn`: it may stand for one, and
//! only its symbol table can say.

use std::fmt;

/// The first code point used for symbols (Supplementary Private Use
/// Area-B).
pub const FIRST_SYMBOL: u32 = 0x10_0000;
/// The last code point used for symbols (U+10FFFE and U+10FFFF are
/// noncharacters).
pub const LAST_SYMBOL: u32 = 0x10_FFFD;

/// Whether `c` is a symbol (a value known only at deployment).
#[inline]
pub fn is_symbol(c: char) -> bool {
    (FIRST_SYMBOL..=LAST_SYMBOL).contains(&(c as u32))
}

/// Whether `text` contains a symbol.
#[inline]
fn contains_symbol(text: &str) -> bool {
    // Every symbol is encoded in UTF-8 as F4 80..=8F ..: a byte scan rules
    // them out in the common case.
    text.as_bytes().contains(&0xF4) && text.chars().any(is_symbol)
}

/// The five fields of an ARN after the leading `arn:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArnSegment {
    Partition,
    Service,
    Region,
    Account,
    Resource,
}

impl ArnSegment {
    pub const ALL: [ArnSegment; 5] = [
        ArnSegment::Partition,
        ArnSegment::Service,
        ArnSegment::Region,
        ArnSegment::Account,
        ArnSegment::Resource,
    ];

    /// Its position among the five (partition 0 .. resource 4).
    pub fn index(self) -> usize {
        match self {
            ArnSegment::Partition => 0,
            ArnSegment::Service => 1,
            ArnSegment::Region => 2,
            ArnSegment::Account => 3,
            ArnSegment::Resource => 4,
        }
    }

    /// The field's name as messages write it (`region`).
    pub fn name(self) -> &'static str {
        match self {
            ArnSegment::Partition => "partition",
            ArnSegment::Service => "service",
            ArnSegment::Region => "region",
            ArnSegment::Account => "account",
            ArnSegment::Resource => "resource",
        }
    }
}

/// Why a text is not an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    /// The text does not start with `arn:` (this includes a text that is
    /// one symbol, which may stand for an ARN).
    #[error("does not start with `arn:`")]
    NotAnArn,
    /// Fewer than the six colon-separated fields
    /// `arn:partition:service:region:account:resource`.
    #[error("has {found} of the 6 fields `arn:partition:service:region:account:resource`")]
    MissingFields {
        /// How many colon-separated fields the text has.
        found: usize,
    },
    /// A field before the resource part given with a `:` in it (only
    /// [`Arn::from_parts`] can see one: parsing splits there).
    #[error("the {} field contains `:`", .0.name())]
    ColonInField(ArnSegment),
}

/// Splits `text` at its first five colons into six fields (`arn`,
/// partition, service, region, account, resource); the last keeps any
/// further colons. `None` when there are fewer than five colons. The first
/// field is not checked: the policy language's matching compares it like
/// the others (`Resource` patterns such as `*:s3:::b` are legal).
#[inline]
pub fn split_fields(text: &str) -> Option<[&str; 6]> {
    match scan(text) {
        (fields, 6) => Some(fields),
        _ => None,
    }
}

/// Cuts `text` at its first five colons: the fields found (the rest empty)
/// and how many there are, 1 to 6; the sixth keeps any further colons.
#[inline]
fn scan(text: &str) -> ([&str; 6], usize) {
    // A byte scan for the first five colons: linters and the engine split
    // every ARN they look at, and `splitn` costs several times more. `:` is
    // ASCII, so every cut is on a character boundary.
    let bytes = text.as_bytes();
    let mut fields = [""; 6];
    let mut start = 0;
    for (index, field) in fields.iter_mut().take(5).enumerate() {
        let rest = bytes.get(start..).unwrap_or_default();
        match rest.iter().position(|&b| b == b':') {
            Some(length) => {
                *field = text.get(start..start + length).unwrap_or_default();
                start += length + 1;
            }
            None => {
                *field = text.get(start..).unwrap_or_default();
                return (fields, index + 1);
            }
        }
    }
    fields[5] = text.get(start..).unwrap_or_default();
    (fields, 6)
}

/// One field of an ARN, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment<'a>(&'a str);

impl<'a> Segment<'a> {
    /// The field's text.
    #[inline]
    pub fn as_str(self) -> &'a str {
        self.0
    }

    /// Whether it contains a wildcard, `*` or `?` (`us-*`, `table/*`).
    pub fn is_pattern(self) -> bool {
        self.0.contains(['*', '?'])
    }

    /// Whether it is exactly `*`.
    pub fn is_wildcard(self) -> bool {
        self.0 == "*"
    }

    /// Whether it contains a symbol: a value known only at deployment.
    pub fn has_symbol(self) -> bool {
        contains_symbol(self.0)
    }

    /// Whether it contains a policy variable (`${aws:username}`), which
    /// IAM replaces at request time.
    pub fn has_variable(self) -> bool {
        self.0.contains("${")
    }

    /// Whether it is plain text: no wildcard, no symbol, no policy
    /// variable. The empty field (`arn:aws:s3:::b`'s region) is a literal.
    pub fn is_literal(self) -> bool {
        !self.is_pattern() && !self.has_variable() && !self.has_symbol()
    }
}

impl std::ops::Deref for Segment<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl PartialEq<str> for Segment<'_> {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Segment<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// An ARN or ARN pattern, split into its five fields and borrowing the text
/// it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    fields: [&'a str; 5],
}

impl<'a> Arn<'a> {
    /// Splits `text` into its fields.
    ///
    /// ```
    /// use leash_catalog::arn::{Arn, ArnError};
    /// let arn = Arn::parse("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*")
    ///     .expect("an ARN");
    /// assert_eq!(arn.service(), "logs");
    /// assert_eq!(arn.resource(), "log-group:/aws/lambda/f:*");
    /// assert!(arn.resource().is_pattern());
    /// assert_eq!(arn.to_string(), "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*");
    /// assert_eq!(Arn::parse("arn:aws:s3"), Err(ArnError::MissingFields { found: 3 }));
    /// assert_eq!(Arn::parse("*"), Err(ArnError::NotAnArn));
    /// ```
    #[inline]
    pub fn parse(text: &'a str) -> Result<Arn<'a>, ArnError> {
        if !text.starts_with("arn:") {
            return Err(ArnError::NotAnArn);
        }
        match scan(text) {
            ([_, partition, service, region, account, resource], 6) => Ok(Arn {
                fields: [partition, service, region, account, resource],
            }),
            (_, found) => Err(ArnError::MissingFields { found }),
        }
    }

    /// The fields a text starting with `arn:` has, when it may have fewer
    /// than six (rules that judge one field of an incomplete ARN): each of
    /// partition, service, region, account and resource, `None` from the
    /// first one missing. `None` when the text does not start with `arn:`.
    pub fn parse_partial(text: &'a str) -> Option<[Option<Segment<'a>>; 5]> {
        if !text.starts_with("arn:") {
            return None;
        }
        let (fields, found) = scan(text);
        let mut segments = [None; 5];
        for (index, segment) in segments.iter_mut().enumerate() {
            if index + 1 < found {
                *segment = fields.get(index + 1).map(|field| Segment(field));
            }
        }
        Some(segments)
    }

    /// An ARN from its five fields; an error when one of the first four
    /// contains `:` (it would not print back as itself).
    pub fn from_parts(
        partition: &'a str,
        service: &'a str,
        region: &'a str,
        account: &'a str,
        resource: &'a str,
    ) -> Result<Arn<'a>, ArnError> {
        let fields = [partition, service, region, account, resource];
        for (segment, field) in ArnSegment::ALL.iter().zip(fields) {
            if *segment != ArnSegment::Resource && field.contains(':') {
                return Err(ArnError::ColonInField(*segment));
            }
        }
        Ok(Arn { fields })
    }

    /// The field `segment`.
    #[inline]
    pub fn segment(&self, segment: ArnSegment) -> Segment<'a> {
        Segment(self.fields[segment.index()])
    }

    /// The five fields, partition first.
    #[inline]
    pub fn segments(&self) -> [Segment<'a>; 5] {
        self.fields.map(Segment)
    }

    #[inline]
    pub fn partition(&self) -> Segment<'a> {
        Segment(self.fields[0])
    }

    #[inline]
    pub fn service(&self) -> Segment<'a> {
        Segment(self.fields[1])
    }

    #[inline]
    pub fn region(&self) -> Segment<'a> {
        Segment(self.fields[2])
    }

    #[inline]
    pub fn account(&self) -> Segment<'a> {
        Segment(self.fields[3])
    }

    /// Everything after the fifth colon (`table/Orders`, `log-group:g:*`).
    #[inline]
    pub fn resource(&self) -> Segment<'a> {
        Segment(self.fields[4])
    }

    /// This ARN with the field `segment` replaced; `None` when `text` has a
    /// `:` and `segment` is not the resource part.
    pub fn with(&self, segment: ArnSegment, text: &'a str) -> Option<Arn<'a>> {
        if segment != ArnSegment::Resource && text.contains(':') {
            return None;
        }
        let mut fields = self.fields;
        fields[segment.index()] = text;
        Some(Arn { fields })
    }

    /// The resource part up to its first `/` or `:` (`table` of
    /// `table/Orders`, `function` of `function:f:live`, `bucket` of
    /// `bucket/key`); the whole resource part when it has neither.
    pub fn resource_type(&self) -> &'a str {
        let resource = self.fields[4];
        resource
            .find(['/', ':'])
            .map_or(resource, |end| &resource[..end])
    }

    /// The resource part after its first `/` or `:` (`Orders` of
    /// `table/Orders`); `None` when it has neither.
    pub fn resource_id(&self) -> Option<&'a str> {
        let resource = self.fields[4];
        resource.find(['/', ':']).map(|end| &resource[end + 1..])
    }

    /// The function a Lambda ARN names (`arn:...:lambda:R:A:function:NAME`
    /// with an optional `:QUALIFIER`, a version or alias); `None` for other
    /// ARNs (layers, event source mappings, other services).
    pub fn lambda_function(&self) -> Option<LambdaFunction<'a>> {
        if self.fields[1] != "lambda" {
            return None;
        }
        let rest = self.fields[4].strip_prefix("function:")?;
        Some(LambdaFunction::split(rest))
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [partition, service, region, account, resource] = self.fields;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

/// A Lambda function's name and optional qualifier (version or alias).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LambdaFunction<'a> {
    pub name: &'a str,
    /// `live` of `function:f:live`; `None` for the unqualified function.
    pub qualifier: Option<&'a str>,
}

impl<'a> LambdaFunction<'a> {
    /// `NAME` or `NAME:QUALIFIER`.
    fn split(text: &'a str) -> LambdaFunction<'a> {
        match text.split_once(':') {
            Some((name, qualifier)) => LambdaFunction {
                name,
                qualifier: Some(qualifier),
            },
            None => LambdaFunction {
                name: text,
                qualifier: None,
            },
        }
    }

    /// The function a `FunctionName` value names, in any of the forms
    /// Lambda accepts: a name (`my-function`), a name with a qualifier
    /// (`my-function:v1`), a partial ARN (`123456789012:function:my-function`,
    /// optionally qualified) or a full ARN
    /// (<https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html#API_AddPermission_RequestSyntax>).
    /// `None` for a full ARN that is not a function's.
    pub fn from_reference(text: &'a str) -> Option<LambdaFunction<'a>> {
        if text.starts_with("arn:") {
            return Arn::parse(text).ok()?.lambda_function();
        }
        match text.split_once(":function:") {
            Some((_, rest)) => Some(LambdaFunction::split(rest)),
            None => Some(LambdaFunction::split(text)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_keeps_colons_in_the_resource_part_and_empty_fields() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:1:log-group:/a:log-stream:b").unwrap();
        assert_eq!(arn.resource(), "log-group:/a:log-stream:b");
        assert_eq!(arn.resource_type(), "log-group");
        assert_eq!(arn.resource_id(), Some("/a:log-stream:b"));
        let bucket = Arn::parse("arn:aws:s3:::").unwrap();
        assert!(bucket.region().is_empty() && bucket.account().is_empty());
        assert!(bucket.resource().is_literal());
        assert_eq!(bucket.resource_id(), None);
    }

    #[test]
    fn errors_say_what_is_missing() {
        assert_eq!(Arn::parse(""), Err(ArnError::NotAnArn));
        assert_eq!(Arn::parse("arn"), Err(ArnError::NotAnArn));
        assert_eq!(Arn::parse("ARN:aws:s3:::b"), Err(ArnError::NotAnArn));
        assert_eq!(
            Arn::parse("arn:"),
            Err(ArnError::MissingFields { found: 2 })
        );
        assert_eq!(
            Arn::parse("arn:aws:s3::b"),
            Err(ArnError::MissingFields { found: 5 })
        );
        assert_eq!(
            ArnError::MissingFields { found: 3 }.to_string(),
            "has 3 of the 6 fields `arn:partition:service:region:account:resource`"
        );
        assert_eq!(
            Arn::from_parts("aws", "s3", "a:b", "", "x"),
            Err(ArnError::ColonInField(ArnSegment::Region))
        );
        let one_symbol = '\u{100004}'.to_string();
        assert_eq!(Arn::parse(&one_symbol), Err(ArnError::NotAnArn));
    }

    #[test]
    fn partial_arns_give_the_fields_they_have() {
        assert_eq!(Arn::parse_partial("*"), None);
        let fields = Arn::parse_partial("arn:aws-x:s3").unwrap();
        assert_eq!(
            fields.map(|f| f.map(Segment::as_str)),
            [Some("aws-x"), Some("s3"), None, None, None]
        );
        let fields = Arn::parse_partial("arn:aws:s3:::b:c").unwrap();
        assert_eq!(fields[4].map(Segment::as_str), Some("b:c"));
        assert_eq!(
            Arn::parse_partial("arn:").unwrap()[0].map(Segment::as_str),
            Some("")
        );
    }

    #[test]
    fn segments_are_classified() {
        let symbol = '\u{100001}';
        let text = format!("arn:aws:dynamodb:us-*:{symbol}:table/${{aws:username}}");
        let arn = Arn::parse(&text).unwrap();
        assert!(arn.partition().is_literal());
        assert!(arn.region().is_pattern() && !arn.region().has_symbol());
        assert!(arn.account().has_symbol() && !arn.account().is_pattern());
        assert!(!arn.account().is_literal());
        assert!(arn.resource().has_variable() && !arn.resource().is_literal());
        assert!(
            Arn::parse("arn:aws:s3:::*")
                .unwrap()
                .resource()
                .is_wildcard()
        );
        // U+10FFFE is a noncharacter, not a symbol.
        assert!(!Segment("\u{10FFFE}").has_symbol());
        assert!(Segment("\u{10FFFD}").has_symbol());
    }

    #[test]
    fn lambda_functions_and_their_qualifiers() {
        let function = |text| Arn::parse(text).unwrap().lambda_function();
        assert_eq!(
            function("arn:aws:lambda:r:1:function:f:live"),
            Some(LambdaFunction {
                name: "f",
                qualifier: Some("live")
            })
        );
        assert_eq!(
            function("arn:aws:lambda:r:1:function:f").map(|f| f.qualifier),
            Some(None)
        );
        assert_eq!(function("arn:aws:lambda:r:1:layer:l:1"), None);
        assert_eq!(function("arn:aws:s3:::function:f"), None);
        let reference = |text| LambdaFunction::from_reference(text).map(|f| (f.name, f.qualifier));
        assert_eq!(reference("my-function"), Some(("my-function", None)));
        assert_eq!(
            reference("my-function:v1"),
            Some(("my-function", Some("v1")))
        );
        assert_eq!(
            reference("123456789012:function:my-function"),
            Some(("my-function", None))
        );
        assert_eq!(
            reference("arn:aws:lambda:us-east-1:1:function:f:2"),
            Some(("f", Some("2")))
        );
        assert_eq!(reference("arn:aws:sqs:us-east-1:1:q"), None);
    }

    #[test]
    fn split_fields_splits_as_splitn_does() {
        for text in [
            "arn:aws:s3:::bucket/key",
            ":::::",
            "arn:aws:s3::",
            "",
            "arn",
            "arn:aws:iam::1:role/\u{e9}t\u{e9}:x",
            "\u{e9}:\u{e9}:\u{e9}:\u{e9}:\u{e9}:\u{e9}:\u{e9}",
        ] {
            let pieces: Vec<&str> = text.splitn(6, ':').collect();
            let expected = <[&str; 6]>::try_from(pieces).ok();
            assert_eq!(split_fields(text), expected, "{text}");
        }
    }

    /// Field text: letters, digits, `-`, wildcards, symbols, and (in the
    /// resource part only) policy variables, `:` and `/`.
    fn field(resource: bool) -> impl Strategy<Value = String> {
        let mut pieces = vec![
            "[a-z0-9-]{1,6}".boxed(),
            Just("*".to_string()).boxed(),
            Just("?".to_string()).boxed(),
            (0x10_0000u32..=0x10_FFFD)
                .prop_map(|c| char::from_u32(c).map(String::from).unwrap_or_default())
                .boxed(),
        ];
        if resource {
            // Policy variables have a colon: only the resource part can
            // hold one.
            pieces.push(Just("${aws:username}".to_string()).boxed());
            pieces.push(Just(":".to_string()).boxed());
            pieces.push(Just("/".to_string()).boxed());
        }
        proptest::collection::vec(proptest::strategy::Union::new(pieces), 0..6)
            .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn print_then_parse_gives_the_same_fields(
            partition in field(false),
            service in field(false),
            region in field(false),
            account in field(false),
            resource in field(true),
        ) {
            let arn = Arn::from_parts(&partition, &service, &region, &account, &resource).unwrap();
            let printed = arn.to_string();
            let parsed = Arn::parse(&printed).unwrap();
            prop_assert_eq!(parsed, arn);
            prop_assert_eq!(&parsed.to_string(), &printed);
            prop_assert_eq!(
                parsed.resource().has_symbol(),
                resource.chars().any(is_symbol)
            );
        }

        #[test]
        fn parse_then_print_gives_the_same_text(text in "arn:[a-z:/*?\u{100000}-]{0,40}") {
            if let Ok(arn) = Arn::parse(&text) {
                prop_assert_eq!(arn.to_string(), text);
            } else {
                prop_assert!(text.bytes().filter(|&b| b == b':').count() < 5);
            }
        }
    }
}
