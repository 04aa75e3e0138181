//! Condition keys: their types, the keys a service declares, and finding the
//! entry for a key as written in a policy (case-insensitive, including keys
//! with a variable part such as `aws:ResourceTag/team`).
//!
//! Not for evaluating conditions: the operators and their semantics live in
//! leash-policy.

use std::fmt;

use crate::text::compare_ignore_ascii_case;

/// The type of a condition key's values, as the AWS Service Authorization
/// Reference names them
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>).
///
/// `ArrayOf...` types are multivalued keys: a request can carry several
/// values, and policies must test them with `ForAllValues:`/`ForAnyValue:`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionKeyType {
    String,
    ArrayOfString,
    Numeric,
    ArrayOfNumeric,
    Date,
    ArrayOfDate,
    Bool,
    ArrayOfBool,
    IpAddress,
    ArrayOfIpAddress,
    Arn,
    ArrayOfArn,
    Binary,
    ArrayOfBinary,
}

impl ConditionKeyType {
    /// Every type, in the order of their codes in the catalog format.
    pub const ALL: [ConditionKeyType; 14] = [
        ConditionKeyType::String,
        ConditionKeyType::ArrayOfString,
        ConditionKeyType::Numeric,
        ConditionKeyType::ArrayOfNumeric,
        ConditionKeyType::Date,
        ConditionKeyType::ArrayOfDate,
        ConditionKeyType::Bool,
        ConditionKeyType::ArrayOfBool,
        ConditionKeyType::IpAddress,
        ConditionKeyType::ArrayOfIpAddress,
        ConditionKeyType::Arn,
        ConditionKeyType::ArrayOfArn,
        ConditionKeyType::Binary,
        ConditionKeyType::ArrayOfBinary,
    ];

    /// The type for a code of the catalog format (see scripts/gen-catalog).
    pub(crate) fn from_code(code: u8) -> Option<ConditionKeyType> {
        ConditionKeyType::ALL.get(usize::from(code)).copied()
    }

    /// Whether a request may carry several values for a key of this type.
    pub fn is_multivalued(self) -> bool {
        self.element_type() != self
    }

    /// The type of one value: `ArrayOfString` -> `String`; single-valued
    /// types are their own element type.
    pub fn element_type(self) -> ConditionKeyType {
        match self {
            ConditionKeyType::ArrayOfString => ConditionKeyType::String,
            ConditionKeyType::ArrayOfNumeric => ConditionKeyType::Numeric,
            ConditionKeyType::ArrayOfDate => ConditionKeyType::Date,
            ConditionKeyType::ArrayOfBool => ConditionKeyType::Bool,
            ConditionKeyType::ArrayOfIpAddress => ConditionKeyType::IpAddress,
            ConditionKeyType::ArrayOfArn => ConditionKeyType::Arn,
            ConditionKeyType::ArrayOfBinary => ConditionKeyType::Binary,
            single => single,
        }
    }

    /// The name as the Service Authorization Reference spells it
    /// (`IPAddress`, `ArrayOfARN`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionKeyType::String => "String",
            ConditionKeyType::ArrayOfString => "ArrayOfString",
            ConditionKeyType::Numeric => "Numeric",
            ConditionKeyType::ArrayOfNumeric => "ArrayOfNumeric",
            ConditionKeyType::Date => "Date",
            ConditionKeyType::ArrayOfDate => "ArrayOfDate",
            ConditionKeyType::Bool => "Bool",
            ConditionKeyType::ArrayOfBool => "ArrayOfBool",
            ConditionKeyType::IpAddress => "IPAddress",
            ConditionKeyType::ArrayOfIpAddress => "ArrayOfIPAddress",
            ConditionKeyType::Arn => "ARN",
            ConditionKeyType::ArrayOfArn => "ArrayOfARN",
            ConditionKeyType::Binary => "Binary",
            ConditionKeyType::ArrayOfBinary => "ArrayOfBinary",
        }
    }
}

impl fmt::Display for ConditionKeyType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A condition key as a service declares it (`s3:prefix`,
/// `aws:ResourceTag/${TagKey}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionKey {
    pub(crate) name: &'static str,
    pub(crate) key_type: ConditionKeyType,
    pub(crate) description_index: Option<u32>,
}

impl ConditionKey {
    /// The name as the data spells it, variable part included
    /// (`s3:ExistingObjectTag/<key>`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn key_type(&self) -> ConditionKeyType {
        self.key_type
    }

    /// The description from the Service Authorization Reference; empty when
    /// there is none.
    pub fn description(&self) -> &'static str {
        crate::description(self.description_index)
    }

    /// Whether the name has a variable part (`${TagKey}`, `<key>`,
    /// `tag-key`) that a policy replaces with its own text.
    pub fn has_variable(&self) -> bool {
        KeyTemplate::parse(self.name).has_variable()
    }
}

/// What [`crate::Catalog::condition_key`] found for a key written in a
/// policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionKeyInfo {
    pub(crate) name: &'static str,
    pub(crate) key_type: ConditionKeyType,
    pub(crate) is_global: bool,
    pub(crate) has_variable: bool,
    pub(crate) description_index: Option<u32>,
}

impl ConditionKeyInfo {
    /// The canonical name: the catalog's spelling, with the variable part
    /// as a placeholder (`aws:ResourceTag/${TagKey}` for `aws:resourcetag/team`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn key_type(&self) -> ConditionKeyType {
        self.key_type
    }

    /// Whether the key is one of the global condition keys, available in
    /// requests to every service (`aws:SourceIp`, `aws:PrincipalArn`).
    pub fn is_global(&self) -> bool {
        self.is_global
    }

    /// Whether the canonical name has a variable part.
    pub fn has_variable(&self) -> bool {
        self.has_variable
    }

    /// The description from the Service Authorization Reference; empty when
    /// there is none.
    pub fn description(&self) -> &'static str {
        crate::description(self.description_index)
    }
}

/// One piece of a condition key name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPart {
    Literal(&'static str),
    /// Text the policy author chooses (a tag key, a header name): one or more
    /// characters of any kind, `/` included, since tag keys may contain `/`
    /// (<https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html>).
    Variable,
}

/// A condition key name split into literal text and variable parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyTemplate {
    pub(crate) parts: Vec<KeyPart>,
}

impl KeyTemplate {
    /// Splits a catalog key name. The data writes the variable part three
    /// ways: `${TagKey}`, `<key>` (S3 object tags), and `tag-key` after the
    /// last `/` (as AWS's global condition key page does); a name that ends
    /// in `/` (`glacier:ResourceTag/`) is missing its variable part.
    pub(crate) fn parse(name: &'static str) -> KeyTemplate {
        let mut parts = Vec::new();
        let mut rest = name;
        loop {
            let next = [("${", '}'), ("<", '>')]
                .iter()
                .filter_map(|&(open, close)| {
                    let start = rest.find(open)?;
                    let end = start + rest[start..].find(close)?;
                    Some((start, end))
                })
                .min();
            match next {
                Some((start, end)) => {
                    if start > 0 {
                        parts.push(KeyPart::Literal(&rest[..start]));
                    }
                    parts.push(KeyPart::Variable);
                    rest = &rest[end + 1..];
                }
                None => break,
            }
        }
        if let Some(before) = rest.strip_suffix("/tag-key") {
            parts.push(KeyPart::Literal(&rest[..before.len() + 1]));
            parts.push(KeyPart::Variable);
        } else if !rest.is_empty() {
            parts.push(KeyPart::Literal(rest));
            if rest.ends_with('/') {
                parts.push(KeyPart::Variable);
            }
        }
        KeyTemplate { parts }
    }

    pub(crate) fn has_variable(&self) -> bool {
        self.parts.contains(&KeyPart::Variable)
    }

    /// How many characters the literal parts pin down: among several
    /// templates that match a key, the one with the most is the most
    /// specific (`events:Metadata/${MetadataKey}/Matcher` over
    /// `events:Metadata/${MetadataKey}`).
    pub(crate) fn literal_length(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                KeyPart::Literal(text) => text.len(),
                KeyPart::Variable => 0,
            })
            .sum()
    }

    /// Whether `key` is this template with each variable part replaced by
    /// non-empty text; literal parts compare ignoring ASCII case, as condition
    /// key names do
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>).
    pub(crate) fn matches(&self, key: &str) -> bool {
        matches_parts(&self.parts, key)
    }
}

fn matches_parts(parts: &[KeyPart], key: &str) -> bool {
    match parts.split_first() {
        None => key.is_empty(),
        Some((KeyPart::Literal(literal), rest)) => {
            key.get(..literal.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(literal))
                && key
                    .get(literal.len()..)
                    .is_some_and(|tail| matches_parts(rest, tail))
        }
        Some((KeyPart::Variable, rest)) => key
            .char_indices()
            .skip(1)
            .map(|(index, _)| index)
            .chain(std::iter::once(key.len()))
            .filter(|&end| end > 0)
            .any(|end| key.get(end..).is_some_and(|tail| matches_parts(rest, tail))),
    }
}

/// Finds condition keys by name: exact names by binary search, names with
/// a variable part by trying each template.
#[derive(Debug, Default)]
pub(crate) struct ConditionKeyIndex {
    /// Every known name, sorted ignoring ASCII case, one entry per name; a
    /// global key wins over a service's entry of the same name.
    exact: Vec<ConditionKeyInfo>,
    /// Names with a variable part, global ones first.
    templates: Vec<(KeyTemplate, ConditionKeyInfo)>,
    /// (service part of the template's leading literal, positions in
    /// `templates` in order), sorted ignoring ASCII case: a key can only
    /// match templates whose literal service part equals its own, so a
    /// lookup tries those few instead of every template.
    templates_by_service: Vec<(&'static str, Vec<u32>)>,
    /// Positions of templates without a literal service part, in order.
    templates_any_service: Vec<u32>,
}

impl ConditionKeyIndex {
    /// `entries` come global keys first, then services in catalog order; the
    /// first entry for a name decides its type.
    pub(crate) fn build(entries: Vec<ConditionKeyInfo>) -> ConditionKeyIndex {
        let mut exact = entries;
        // A stable sort keeps the global entry of a name before the services'.
        exact.sort_by(|left, right| compare_ignore_ascii_case(left.name, right.name));
        let mut deduplicated: Vec<ConditionKeyInfo> = Vec::with_capacity(exact.len());
        for entry in exact {
            match deduplicated.last_mut() {
                Some(kept) if kept.name.eq_ignore_ascii_case(entry.name) => {
                    // Global keys have no description of their own; borrow
                    // the first service's.
                    if kept.description_index.is_none() {
                        kept.description_index = entry.description_index;
                    }
                }
                _ => deduplicated.push(entry),
            }
        }
        let mut templates: Vec<(KeyTemplate, ConditionKeyInfo)> = deduplicated
            .iter()
            .filter(|entry| entry.has_variable)
            .map(|entry| (KeyTemplate::parse(entry.name), *entry))
            .collect();
        templates.sort_by_key(|(_, entry)| !entry.is_global);
        let mut templates_by_service: Vec<(&'static str, Vec<u32>)> = Vec::new();
        let mut templates_any_service = Vec::new();
        for (position, (template, _)) in templates.iter().enumerate() {
            let position = position as u32;
            match template_service(template) {
                Some(service) => {
                    match templates_by_service
                        .binary_search_by(|(known, _)| compare_ignore_ascii_case(known, service))
                    {
                        Ok(found) => {
                            if let Some((_, positions)) = templates_by_service.get_mut(found) {
                                positions.push(position);
                            }
                        }
                        Err(insert_at) => {
                            templates_by_service.insert(insert_at, (service, vec![position]));
                        }
                    }
                }
                None => templates_any_service.push(position),
            }
        }
        ConditionKeyIndex {
            exact: deduplicated,
            templates,
            templates_by_service,
            templates_any_service,
        }
    }

    pub(crate) fn find(&self, key: &str) -> Option<ConditionKeyInfo> {
        if let Ok(position) = self
            .exact
            .binary_search_by(|entry| compare_ignore_ascii_case(entry.name, key))
        {
            return self.exact.get(position).copied();
        }
        let same_service: &[u32] = key
            .split_once(':')
            .and_then(|(service, _)| {
                self.templates_by_service
                    .binary_search_by(|(known, _)| compare_ignore_ascii_case(known, service))
                    .ok()
            })
            .and_then(|found| self.templates_by_service.get(found))
            .map_or(&[], |(_, positions)| positions.as_slice());
        // The longest literal wins; among equals the earliest template, as
        // when every template was tried in order.
        let mut best: Option<(usize, u32, ConditionKeyInfo)> = None;
        for &position in same_service.iter().chain(&self.templates_any_service) {
            let Some((template, entry)) = self.templates.get(position as usize) else {
                continue;
            };
            if !template.matches(key) {
                continue;
            }
            let length = template.literal_length();
            if best.is_none_or(|(best_length, best_position, _)| {
                length > best_length || (length == best_length && position < best_position)
            }) {
                best = Some((length, position, *entry));
            }
        }
        best.map(|(_, _, entry)| entry)
    }

    pub(crate) fn len(&self) -> usize {
        self.exact.len()
    }
}

/// The service part (`s3` of `s3:ExistingObjectTag/<key>`) when the
/// template starts with literal text holding a colon. A key matching the
/// template then has the same text before its own first colon, since the
/// literal compares ignoring ASCII case only.
fn template_service(template: &KeyTemplate) -> Option<&'static str> {
    match template.parts.first() {
        Some(KeyPart::Literal(text)) => text.split_once(':').map(|(service, _)| service),
        _ => None,
    }
}

/// Builds the info entry for a catalog key name.
pub(crate) fn info_for(
    name: &'static str,
    key_type: ConditionKeyType,
    is_global: bool,
    description_index: Option<u32>,
) -> ConditionKeyInfo {
    ConditionKeyInfo {
        name,
        key_type,
        is_global,
        has_variable: KeyTemplate::parse(name).has_variable(),
        description_index,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn array_types_are_multivalued() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
        assert!(ConditionKeyType::ArrayOfString.is_multivalued());
        assert!(ConditionKeyType::ArrayOfArn.is_multivalued());
        assert!(!ConditionKeyType::String.is_multivalued());
        assert!(!ConditionKeyType::IpAddress.is_multivalued());
        assert_eq!(
            ConditionKeyType::ArrayOfBool.element_type(),
            ConditionKeyType::Bool
        );
    }

    #[test]
    fn codes_round_trip_in_order() {
        for (code, key_type) in ConditionKeyType::ALL.iter().enumerate() {
            assert_eq!(
                ConditionKeyType::from_code(u8::try_from(code).unwrap()),
                Some(*key_type)
            );
        }
        assert_eq!(ConditionKeyType::from_code(14), None);
        assert_eq!(ConditionKeyType::IpAddress.as_str(), "IPAddress");
    }

    #[test]
    fn templates_recognise_the_three_spellings_of_a_variable() {
        assert_eq!(
            KeyTemplate::parse("aws:ResourceTag/${TagKey}").parts,
            vec![KeyPart::Literal("aws:ResourceTag/"), KeyPart::Variable]
        );
        assert_eq!(
            KeyTemplate::parse("s3:ExistingObjectTag/<key>").parts,
            vec![KeyPart::Literal("s3:ExistingObjectTag/"), KeyPart::Variable]
        );
        assert_eq!(
            KeyTemplate::parse("ssm:resourceTag/tag-key").parts,
            vec![KeyPart::Literal("ssm:resourceTag/"), KeyPart::Variable]
        );
        assert_eq!(
            KeyTemplate::parse("glacier:ResourceTag/").parts,
            vec![KeyPart::Literal("glacier:ResourceTag/"), KeyPart::Variable]
        );
        assert_eq!(
            KeyTemplate::parse("events:Metadata/${MetadataKey}/Matcher").parts,
            vec![
                KeyPart::Literal("events:Metadata/"),
                KeyPart::Variable,
                KeyPart::Literal("/Matcher")
            ]
        );
        assert!(!KeyTemplate::parse("aws:SourceIp").has_variable());
    }

    #[test]
    fn a_variable_takes_one_or_more_characters_of_any_kind() {
        let template = KeyTemplate::parse("aws:ResourceTag/${TagKey}");
        assert!(template.matches("aws:ResourceTag/team"));
        assert!(template.matches("AWS:resourcetag/Team"));
        assert!(template.matches("aws:ResourceTag/cost-center/a:b"));
        assert!(!template.matches("aws:ResourceTag/"));
        assert!(!template.matches("aws:ResourceTags/x"));
        let nested = KeyTemplate::parse("events:Metadata/${MetadataKey}/Matcher");
        assert!(nested.matches("events:Metadata/a/b/Matcher"));
        assert!(!nested.matches("events:Metadata//Matcher"));
    }

    #[test]
    fn the_most_specific_template_wins() {
        let index = ConditionKeyIndex::build(vec![
            info_for(
                "events:Metadata/${MetadataKey}",
                ConditionKeyType::ArrayOfString,
                false,
                None,
            ),
            info_for(
                "events:Metadata/${MetadataKey}/Matcher",
                ConditionKeyType::String,
                false,
                None,
            ),
        ]);
        assert_eq!(
            index.find("events:metadata/x/matcher").unwrap().name(),
            "events:Metadata/${MetadataKey}/Matcher"
        );
        assert_eq!(
            index.find("events:Metadata/x").unwrap().name(),
            "events:Metadata/${MetadataKey}"
        );
    }

    #[test]
    fn a_global_entry_wins_over_a_service_entry_of_the_same_name() {
        let index = ConditionKeyIndex::build(vec![
            info_for("identitystore:UserId", ConditionKeyType::String, true, None),
            info_for(
                "identitystore:UserId",
                ConditionKeyType::ArrayOfString,
                false,
                Some(7),
            ),
        ]);
        let found = index.find("IDENTITYSTORE:userid").unwrap();
        assert_eq!(found.key_type(), ConditionKeyType::String);
        assert!(found.is_global());
        assert_eq!(found.description_index, Some(7));
        assert_eq!(index.len(), 1);
    }
}
