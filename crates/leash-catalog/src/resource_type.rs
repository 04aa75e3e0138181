//! Resource types, their ARN templates parsed into segments, and deciding
//! whether an ARN (or an ARN pattern with `*`/`?`) can denote a resource of
//! a given type.
//!
//! Not for matching a policy's `Resource` against a request's resource: that
//! is ARN-against-ARN matching and lives in leash-policy.
//!
//! # Which placeholders may contain `/` or `:`
//!
//! The data gives each resource type an ARN template such as
//! `arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}`, but it
//! does not say which characters a placeholder may hold, and that decides
//! whether `table/Orders/index/ByCustomer` is a table or an index. The rule
//! here: a placeholder holds one or more characters, and never a separator
//! (`/` or `:`) that comes right after the same placeholder in this template
//! or in another template of the same ARN service that begins the same way.
//! Everything else, `/` and `:` included, it may hold.
//!
//! So `${TableName}` holds no `/` (DynamoDB's index, stream, backup, export
//! and import templates continue `table/${TableName}` with `/`), while S3's
//! `${ObjectName}` holds anything (nothing continues `${BucketName}/${ObjectName}`),
//! `${LogGroupName}` holds `/` but not `:` (`:log-stream:` follows it), Lambda's
//! `${FunctionName}` holds no `:` (`:${Version}` and `:${Alias}` follow it), and
//! IAM's `${RoleNameWithPath}` holds a path. This matches the naming rules
//! AWS documents for those resources: S3 object keys are free-form
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html>),
//! DynamoDB table names are `[a-zA-Z0-9_.-]+`
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html>),
//! log group names may contain `/` but not `:`
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>).
//!
//! The first five ARN segments are matched one by one (a wildcard there stays
//! inside its segment); in the resource part a pattern's `*` crosses `/` and
//! `:` (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
//! Matching is case-sensitive, as ARNs are.

/// A kind of resource a service defines (`s3` `object`, `dynamodb` `table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub(crate) service: &'static str,
    pub(crate) name: &'static str,
    pub(crate) arn_template: &'static str,
    pub(crate) condition_keys: Vec<&'static str>,
    /// (service index, resource type index) in the catalog, where its
    /// parsed templates are kept.
    pub(crate) position: (usize, usize),
}

impl ResourceType {
    /// The prefix of the service that defines this resource type (which is
    /// not always the service in the ARN: EC2 lists IAM roles).
    pub fn service(&self) -> &'static str {
        self.service
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The ARN template as the data writes it; a few resource types have
    /// two forms, separated by `, ` (API Gateway v1 and v2).
    pub fn arn_template(&self) -> &'static str {
        self.arn_template
    }

    /// The ARN template(s), parsed. Templates are parsed for every resource
    /// type at once, on the first call to this or to
    /// [`crate::Catalog::resource_types_for_arn`]: the separator rule needs
    /// them all.
    pub fn arn_templates(&self) -> &'static [ArnTemplate] {
        crate::catalog().arn_templates(self.position)
    }

    /// The condition keys that apply to resources of this type.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// Whether `arn`, a concrete ARN or an ARN pattern with `*`/`?`, can
    /// denote a resource of this type.
    pub fn matches_arn(&self, arn: &str) -> bool {
        ArnPattern::parse(arn).is_some_and(|pattern| self.matches_pattern(&pattern))
    }

    pub(crate) fn matches_pattern(&self, pattern: &ArnPattern<'_>) -> bool {
        self.arn_templates()
            .iter()
            .any(|template| template.matches_pattern(pattern))
    }
}

use crate::arn::{Arn, ArnSegment};

/// A parsed ARN template: each segment a sequence of literal text,
/// `${Placeholder}`s and `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnTemplate {
    pub(crate) text: &'static str,
    /// Every segment's parts, one after the other (one allocation per
    /// template); the resource part is last, so it runs to the end.
    pub(crate) parts: Vec<TemplatePart>,
    pub(crate) segment_starts: [usize; 5],
    /// Each segment's matching atoms, built on first use (after the parts
    /// are final) so that matching allocates nothing per call.
    pub(crate) atoms: std::sync::OnceLock<[Vec<Atom>; 5]>,
}

/// One piece of an ARN template segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(&'static str),
    Placeholder(Placeholder),
    /// A `*` in the template itself (`arn:${Partition}:dms:...:cert:*`):
    /// any text, also none.
    Wildcard,
}

/// A `${Name}` in an ARN template: one or more characters; see the module
/// documentation for when it may contain `/` or `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholder {
    pub(crate) name: &'static str,
    pub(crate) may_contain_slash: bool,
    pub(crate) may_contain_colon: bool,
}

impl Placeholder {
    /// The name between `${` and `}`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn may_contain_slash(&self) -> bool {
        self.may_contain_slash
    }

    pub fn may_contain_colon(&self) -> bool {
        self.may_contain_colon
    }
}

impl ArnTemplate {
    /// Parses one template; `None` when it does not have the six
    /// colon-separated parts of an ARN.
    pub(crate) fn parse(text: &'static str) -> Option<ArnTemplate> {
        let arn = Arn::parse(text).ok()?;
        let mut parts = Vec::with_capacity(8);
        let mut segment_starts = [0; 5];
        for (start, segment) in segment_starts.iter_mut().zip(arn.segments()) {
            *start = parts.len();
            parse_template_parts(segment.as_str(), &mut parts);
        }
        Some(ArnTemplate {
            text,
            parts,
            segment_starts,
            atoms: std::sync::OnceLock::new(),
        })
    }

    /// The template's text (one form, when the data gives two).
    pub fn text(&self) -> &'static str {
        self.text
    }

    pub fn segment(&self, segment: ArnSegment) -> &[TemplatePart] {
        let index = segment.index();
        let start = self.segment_starts.get(index).copied().unwrap_or(0);
        let end = self
            .segment_starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.parts.len());
        self.parts.get(start..end).unwrap_or_default()
    }

    pub fn partition(&self) -> &[TemplatePart] {
        self.segment(ArnSegment::Partition)
    }

    pub fn service(&self) -> &[TemplatePart] {
        self.segment(ArnSegment::Service)
    }

    pub fn region(&self) -> &[TemplatePart] {
        self.segment(ArnSegment::Region)
    }

    pub fn account(&self) -> &[TemplatePart] {
        self.segment(ArnSegment::Account)
    }

    /// The part after the fifth colon (`table/${TableName}`).
    pub fn resource(&self) -> &[TemplatePart] {
        self.segment(ArnSegment::Resource)
    }

    pub(crate) fn resource_mut(&mut self) -> &mut [TemplatePart] {
        self.atoms = std::sync::OnceLock::new();
        let [_, _, _, _, start] = self.segment_starts;
        self.parts.get_mut(start..).unwrap_or_default()
    }

    /// The service segment when it is plain text (it is, except for
    /// templates such as AWS Backup's `${Vendor}`).
    pub(crate) fn literal_service(&self) -> Option<&'static str> {
        match self.service() {
            [TemplatePart::Literal(service)] => Some(service),
            _ => None,
        }
    }

    /// Whether `arn`, a concrete ARN or an ARN pattern, can denote a
    /// resource this template describes.
    pub fn matches(&self, arn: &str) -> bool {
        ArnPattern::parse(arn).is_some_and(|pattern| self.matches_pattern(&pattern))
    }

    /// Like [`ArnTemplate::matches`] for an ARN parsed once, to test it
    /// against many templates.
    pub fn matches_pattern(&self, pattern: &ArnPattern<'_>) -> bool {
        // Cheap rejection first: most candidate templates differ from the
        // pattern within the first few literal characters of a segment.
        // The resource part first: it tells most types of a service apart.
        const ORDER: [ArnSegment; 5] = [
            ArnSegment::Resource,
            ArnSegment::Service,
            ArnSegment::Partition,
            ArnSegment::Region,
            ArnSegment::Account,
        ];
        let prefixes_agree = ORDER.iter().all(|&segment| {
            let index = segment.index();
            let pattern_text = pattern.texts.get(index).copied().unwrap_or("");
            let pattern_prefix = pattern.prefixes.get(index).copied().unwrap_or("");
            literal_prefixes_agree(self.segment(segment), pattern_text, pattern_prefix)
        });
        if !prefixes_agree {
            return false;
        }
        let atoms = self.atoms.get_or_init(|| {
            ArnSegment::ALL.map(|segment| {
                let mut atoms = Vec::new();
                template_atoms_into(self.segment(segment), &mut atoms);
                atoms
            })
        });
        ArnSegment::ALL.iter().all(|&segment| {
            let template_atoms = atoms.get(segment.index()).map_or(&[][..], Vec::as_slice);
            pattern
                .atoms
                .get(segment.index())
                .is_some_and(|pattern_atoms| atoms_intersect(pattern_atoms, template_atoms))
        })
    }
}

fn parse_template_parts(text: &'static str, parts: &mut Vec<TemplatePart>) {
    let bytes = text.as_bytes();
    let mut literal_start = 0;
    let mut position = 0;
    // `*`, `$`, `{` and `}` are ASCII, so every cut lands on a character
    // boundary and `get` never declines.
    let push_literal = |parts: &mut Vec<TemplatePart>, start: usize, end: usize| {
        if let Some(literal) = text.get(start..end).filter(|literal| !literal.is_empty()) {
            parts.push(TemplatePart::Literal(literal));
        }
    };
    while let Some(&byte) = bytes.get(position) {
        if byte == b'*' {
            push_literal(parts, literal_start, position);
            parts.push(TemplatePart::Wildcard);
            position += 1;
            literal_start = position;
        } else if byte == b'$' && bytes.get(position + 1) == Some(&b'{') {
            let close = text
                .get(position..)
                .and_then(|rest| rest.find('}'))
                .map(|offset| position + offset);
            match close.and_then(|close| Some((close, text.get(position + 2..close)?))) {
                Some((close, name)) => {
                    push_literal(parts, literal_start, position);
                    parts.push(TemplatePart::Placeholder(Placeholder {
                        name,
                        may_contain_slash: true,
                        may_contain_colon: true,
                    }));
                    position = close + 1;
                    literal_start = position;
                }
                None => position += 1,
            }
        } else {
            position += 1;
        }
    }
    push_literal(parts, literal_start, bytes.len());
}

/// What the separator rule decides for one placeholder of a template's
/// resource part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaceholderRule {
    pub(crate) part_index: usize,
    pub(crate) may_contain_slash: bool,
    pub(crate) may_contain_colon: bool,
}

/// Applies the separator rule (module docs) to a group of templates that
/// share an ARN service; `templates` are all of them. One list per template,
/// one entry per placeholder in its resource part.
pub(crate) fn separator_restrictions(templates: &[&ArnTemplate]) -> Vec<Vec<PlaceholderRule>> {
    templates
        .iter()
        .map(|template| {
            let resource = template.resource();
            resource
                .iter()
                .enumerate()
                .filter(|(_, part)| matches!(part, TemplatePart::Placeholder(_)))
                .map(|(index, _)| {
                    let mut forbid_slash = false;
                    let mut forbid_colon = false;
                    for other in templates {
                        let other_resource = other.resource();
                        if !same_shape(resource, other_resource, index + 1) {
                            continue;
                        }
                        if let Some(TemplatePart::Literal(next)) = other_resource.get(index + 1) {
                            forbid_slash |= next.starts_with('/');
                            forbid_colon |= next.starts_with(':');
                        }
                    }
                    PlaceholderRule {
                        part_index: index,
                        may_contain_slash: !forbid_slash,
                        may_contain_colon: !forbid_colon,
                    }
                })
                .collect()
        })
        .collect()
}

/// Whether the first `length` parts of two templates' segments have the same
/// shape: equal literals, placeholders (of any name), wildcards.
fn same_shape(left: &[TemplatePart], right: &[TemplatePart], length: usize) -> bool {
    match (left.get(..length), right.get(..length)) {
        (Some(left), Some(right)) => left.iter().zip(right).all(|pair| match pair {
            (TemplatePart::Literal(a), TemplatePart::Literal(b)) => a == b,
            (TemplatePart::Placeholder(_), TemplatePart::Placeholder(_)) => true,
            (TemplatePart::Wildcard, TemplatePart::Wildcard) => true,
            _ => false,
        }),
        _ => false,
    }
}

/// Forms of an ARN that AWS documents but the data's template leaves out.
///
/// CloudWatch Logs: "This version of the ARN includes a trailing `:*` after
/// the log group name. Use this version to refer to the ARN in IAM policies
/// when specifying permissions for most API actions"
/// (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html>).
/// The `*` there is part of the name AWS gives the log group, so it is
/// literal text in the template.
pub(crate) fn documented_extra_templates(
    service: &str,
    resource_type: &str,
    templates: &[ArnTemplate],
) -> Vec<ArnTemplate> {
    if service != "logs" || resource_type != "log-group" {
        return Vec::new();
    }
    templates
        .iter()
        .map(|template| {
            let mut extra = template.clone();
            extra.atoms = std::sync::OnceLock::new();
            // The resource part is last, so this appends to it.
            extra.parts.push(TemplatePart::Literal(":*"));
            extra
        })
        .collect()
}

/// What one position of a pattern or template accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharacterSet {
    Exact(char),
    /// Any character, except `/` and/or `:` when so marked.
    Any {
        slash: bool,
        colon: bool,
    },
}

/// One character (or, when `repeats`, any run of characters, also none)
/// from a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Atom {
    set: CharacterSet,
    repeats: bool,
}

const ANY: CharacterSet = CharacterSet::Any {
    slash: true,
    colon: true,
};

/// An ARN or ARN pattern split into its five segments, each as atoms:
/// `*` any run, `?` any one character, everything else itself.
#[derive(Debug, Clone)]
pub struct ArnPattern<'a> {
    pub(crate) service: &'a str,
    texts: [&'a str; 5],
    /// Each segment's text up to its first wildcard, found once here
    /// rather than for every template the pattern is tested against.
    prefixes: [&'a str; 5],
    atoms: [Vec<Atom>; 5],
}

impl<'a> ArnPattern<'a> {
    /// Splits an ARN or ARN pattern into its segments; `None` when it does
    /// not start with `arn:` or has fewer than six parts.
    pub fn parse(arn: &'a str) -> Option<ArnPattern<'a>> {
        let texts = Arn::parse(arn)
            .ok()?
            .segments()
            .map(|segment| segment.as_str());
        let atoms = texts.map(|text| {
            text.chars()
                .map(|character| match character {
                    '*' => Atom {
                        set: ANY,
                        repeats: true,
                    },
                    '?' => Atom {
                        set: ANY,
                        repeats: false,
                    },
                    other => Atom {
                        set: CharacterSet::Exact(other),
                        repeats: false,
                    },
                })
                .collect()
        });
        let prefixes = texts.map(|text| {
            text.find(['*', '?'])
                .map_or(text, |position| &text[..position])
        });
        Some(ArnPattern {
            service: texts[1],
            texts,
            prefixes,
            atoms,
        })
    }
}

/// Whether the literal text a template segment starts with agrees with the
/// pattern's text up to the pattern's first wildcard (a necessary condition
/// for the two to intersect).
/// `pattern_prefix` is `pattern` up to its first wildcard.
fn literal_prefixes_agree(parts: &[TemplatePart], pattern: &str, pattern_prefix: &str) -> bool {
    let template_prefix = match parts.first() {
        Some(TemplatePart::Literal(text)) => *text,
        _ => return true,
    };
    let length = template_prefix.len().min(pattern_prefix.len());
    // Both sides plain text: a literal-only template segment and a pattern
    // segment with no wildcard.
    let complete = parts.len() == 1 && pattern_prefix.len() == pattern.len();
    match (template_prefix.get(..length), pattern_prefix.get(..length)) {
        (Some(a), Some(b)) if a == b => {
            // Two plain texts must be equal, not only share a prefix.
            !complete || template_prefix == pattern_prefix
        }
        (Some(_), Some(_)) => false,
        // A length that splits a character: let the exact check decide.
        _ => true,
    }
}

fn template_atoms_into(parts: &[TemplatePart], atoms: &mut Vec<Atom>) {
    for part in parts {
        match part {
            TemplatePart::Literal(text) => atoms.extend(text.chars().map(|character| Atom {
                set: CharacterSet::Exact(character),
                repeats: false,
            })),
            TemplatePart::Placeholder(placeholder) => {
                let set = CharacterSet::Any {
                    slash: placeholder.may_contain_slash,
                    colon: placeholder.may_contain_colon,
                };
                atoms.push(Atom {
                    set,
                    repeats: false,
                });
                atoms.push(Atom { set, repeats: true });
            }
            TemplatePart::Wildcard => atoms.push(Atom {
                set: ANY,
                repeats: true,
            }),
        }
    }
}

fn sets_intersect(left: CharacterSet, right: CharacterSet) -> bool {
    fn allows(slash: bool, colon: bool, character: char) -> bool {
        match character {
            '/' => slash,
            ':' => colon,
            _ => true,
        }
    }
    match (left, right) {
        (CharacterSet::Exact(a), CharacterSet::Exact(b)) => a == b,
        (CharacterSet::Exact(character), CharacterSet::Any { slash, colon })
        | (CharacterSet::Any { slash, colon }, CharacterSet::Exact(character)) => {
            allows(slash, colon, character)
        }
        // Both allow every letter.
        (CharacterSet::Any { .. }, CharacterSet::Any { .. }) => true,
    }
}

/// Whether some text matches both atom sequences: reachability in the
/// product of the two automata. Every move goes to a later state in
/// row-major order, so one pass over the table settles it.
fn atoms_intersect(left: &[Atom], right: &[Atom]) -> bool {
    if let Some(answer) = text_intersect(left, right) {
        return answer;
    }
    let width = right.len() + 1;
    let cells = (left.len() + 1) * width;
    // Segments are short: the table fits on the stack nearly always.
    let mut on_stack = [false; 1024];
    let mut on_heap = Vec::new();
    let reached: &mut [bool] = if cells <= on_stack.len() {
        on_stack.get_mut(..cells).unwrap_or_default()
    } else {
        on_heap.resize(cells, false);
        &mut on_heap
    };
    let Some(first) = reached.first_mut() else {
        return false;
    };
    *first = true;
    for i in 0..=left.len() {
        for j in 0..=right.len() {
            if !reached.get(i * width + j).copied().unwrap_or(false) {
                continue;
            }
            let left_atom = left.get(i);
            let right_atom = right.get(j);
            let mut reach = |row: usize, column: usize| {
                if let Some(cell) = reached.get_mut(row * width + column) {
                    *cell = true;
                }
            };
            if left_atom.is_some_and(|atom| atom.repeats) {
                reach(i + 1, j);
            }
            if right_atom.is_some_and(|atom| atom.repeats) {
                reach(i, j + 1);
            }
            if let (Some(a), Some(b)) = (left_atom, right_atom)
                && sets_intersect(a.set, b.set)
            {
                let row = if a.repeats { i } else { i + 1 };
                let column = if b.repeats { j } else { j + 1 };
                reach(row, column);
            }
        }
    }
    reached.last().copied().unwrap_or(false)
}

/// [`atoms_intersect`] for the common shape of `left`: plain text,
/// optionally ending in one `*` (`instance/i-1`, `table/*`, `*`); `None`
/// for any other shape, or a `right` too long for the state set. Runs
/// `right` as an automaton over the text, with its states as bits: the
/// same moves as the product table, without visiting every cell.
fn text_intersect(left: &[Atom], right: &[Atom]) -> Option<bool> {
    let (text, open_end) = match left.split_last() {
        Some((last, text)) if last.repeats && last.set == ANY => (text, true),
        _ => (left, false),
    };
    if right.len() >= 128
        || text
            .iter()
            .any(|atom| atom.repeats || !matches!(atom.set, CharacterSet::Exact(_)))
    {
        return None;
    }
    let repeating = right
        .iter()
        .enumerate()
        .filter(|(_, atom)| atom.repeats)
        .fold(0u128, |mask, (index, _)| mask | 1 << index);
    // A repeating atom may also be skipped: from its state the next one is
    // reached without reading anything.
    let close = |mut states: u128| loop {
        let more = states | (states & repeating) << 1;
        if more == states {
            return states;
        }
        states = more;
    };
    let mut states = close(1);
    for atom in text {
        let mut next = 0u128;
        let mut pending = states;
        while pending != 0 {
            let index = pending.trailing_zeros() as usize;
            pending &= pending - 1;
            if let Some(template_atom) = right.get(index)
                && sets_intersect(atom.set, template_atom.set)
            {
                next |= if template_atom.repeats {
                    1 << index
                } else {
                    1 << (index + 1)
                };
            }
        }
        states = close(next);
        if states == 0 {
            return Some(false);
        }
    }
    // After a final `*`, any state will do: every atom's set is non-empty,
    // so the rest of `right` can always be completed, and `*` reads it.
    Some(if open_end {
        states != 0
    } else {
        states & (1 << right.len()) != 0
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The fast path answers as the product table does, on every pair of a
    /// set of patterns and template segments that covers its shapes
    /// (literals, placeholders with and without separators, wildcards).
    #[test]
    fn the_text_fast_path_agrees_with_the_product_table() {
        fn product_only(left: &[Atom], right: &[Atom]) -> bool {
            // The product table alone: a copy of its code, without the
            // fast path in front of it.
            let width = right.len() + 1;
            let mut reached = vec![false; (left.len() + 1) * width];
            reached[0] = true;
            for i in 0..=left.len() {
                for j in 0..=right.len() {
                    if !reached[i * width + j] {
                        continue;
                    }
                    if left.get(i).is_some_and(|a| a.repeats) {
                        reached[(i + 1) * width + j] = true;
                    }
                    if right.get(j).is_some_and(|a| a.repeats) {
                        reached[i * width + j + 1] = true;
                    }
                    if let (Some(a), Some(b)) = (left.get(i), right.get(j))
                        && sets_intersect(a.set, b.set)
                    {
                        let row = if a.repeats { i } else { i + 1 };
                        let column = if b.repeats { j } else { j + 1 };
                        reached[row * width + column] = true;
                    }
                }
            }
            reached[reached.len() - 1]
        }
        let patterns = [
            "",
            "*",
            "a",
            "ab",
            "a*",
            "table/*",
            "table/Orders",
            "table/Orders/index/*",
            "table/Orders/index/ByCustomer",
            "x/y:z",
            "x/y:*",
            "/",
            ":",
            "a/b/c*",
            "table/",
        ];
        let templates: Vec<Vec<TemplatePart>> = vec![
            vec![],
            vec![TemplatePart::Literal("table/"), placeholder(false, true)],
            vec![TemplatePart::Literal("table/"), placeholder(false, false)],
            vec![TemplatePart::Literal("table/"), placeholder(true, true)],
            vec![
                TemplatePart::Literal("table/"),
                placeholder(false, true),
                TemplatePart::Literal("/index/"),
                placeholder(false, true),
            ],
            vec![TemplatePart::Literal("a")],
            vec![TemplatePart::Literal("table/Orders")],
            vec![placeholder(false, false)],
            vec![
                placeholder(true, false),
                TemplatePart::Literal(":"),
                placeholder(true, true),
            ],
            vec![TemplatePart::Literal("x/"), TemplatePart::Wildcard],
            vec![TemplatePart::Wildcard],
        ];
        for pattern in patterns {
            let left = pattern_atoms(pattern);
            for parts in &templates {
                let mut right = Vec::new();
                template_atoms_into(parts, &mut right);
                let fast = text_intersect(&left, &right);
                assert_eq!(
                    fast,
                    Some(product_only(&left, &right)),
                    "{pattern} against {parts:?}"
                );
            }
        }
        // Shapes it leaves to the table.
        assert_eq!(text_intersect(&pattern_atoms("a?"), &[]), None);
        assert_eq!(text_intersect(&pattern_atoms("*a"), &[]), None);
    }

    fn pattern_atoms(text: &str) -> Vec<Atom> {
        ArnPattern::parse(&format!("arn:::::{text}")).unwrap().atoms[4].clone()
    }

    fn placeholder(slash: bool, colon: bool) -> TemplatePart {
        TemplatePart::Placeholder(Placeholder {
            name: "Name",
            may_contain_slash: slash,
            may_contain_colon: colon,
        })
    }

    fn template_matches(parts: &[TemplatePart], text: &str) -> bool {
        let mut atoms = Vec::new();
        template_atoms_into(parts, &mut atoms);
        atoms_intersect(&pattern_atoms(text), &atoms)
    }

    #[test]
    fn parses_segments_placeholders_and_wildcards() {
        let template =
            ArnTemplate::parse("arn:${Partition}:dms:${Region}:${Account}:cert:*").unwrap();
        assert_eq!(template.service(), &[TemplatePart::Literal("dms")]);
        assert!(matches!(
            template.partition(),
            [TemplatePart::Placeholder(p)] if p.name() == "Partition"
        ));
        assert_eq!(
            template.resource(),
            &[TemplatePart::Literal("cert:"), TemplatePart::Wildcard]
        );
        let bucket = ArnTemplate::parse("arn:${Partition}:s3:::${BucketName}").unwrap();
        assert!(bucket.region().is_empty());
        assert!(bucket.account().is_empty());
        assert!(ArnTemplate::parse("not-an-arn").is_none());
        assert!(ArnTemplate::parse("arn:aws:s3").is_none());
    }

    #[test]
    fn a_placeholder_needs_at_least_one_character() {
        let parts = [TemplatePart::Literal("table/"), placeholder(false, true)];
        assert!(template_matches(&parts, "table/Orders"));
        assert!(!template_matches(&parts, "table/"));
    }

    #[test]
    fn a_placeholder_respects_its_forbidden_separators() {
        let no_slash = [TemplatePart::Literal("table/"), placeholder(false, true)];
        assert!(!template_matches(&no_slash, "table/Orders/index/x"));
        let anything = [TemplatePart::Literal("b/"), placeholder(true, true)];
        assert!(template_matches(&anything, "b/a/b:c.txt"));
    }

    #[test]
    fn pattern_wildcards_meet_template_placeholders() {
        let parts = [
            TemplatePart::Literal("table/"),
            placeholder(false, true),
            TemplatePart::Literal("/index/"),
            placeholder(true, true),
        ];
        assert!(template_matches(&parts, "table/*"));
        assert!(template_matches(&parts, "table/Orders/index/*"));
        assert!(template_matches(&parts, "*"));
        assert!(template_matches(&parts, "table/Orders/*/ByCustomer"));
        assert!(!template_matches(&parts, "table/Orders"));
        assert!(!template_matches(&parts, "table/Orders/stream/*"));
        assert!(template_matches(&parts, "table/Orders/index/B?Customer"));
    }

    #[test]
    fn template_wildcards_take_any_text() {
        let parts = [TemplatePart::Literal("cert:"), TemplatePart::Wildcard];
        assert!(template_matches(&parts, "cert:"));
        assert!(template_matches(&parts, "cert:ABC/def"));
        assert!(!template_matches(&parts, "endpoint:ABC"));
    }

    #[test]
    fn separator_rule_follows_sibling_templates() {
        let table =
            ArnTemplate::parse("arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}")
                .unwrap();
        let index = ArnTemplate::parse(
            "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}/index/${IndexName}",
        )
        .unwrap();
        let global = ArnTemplate::parse(
            "arn:${Partition}:dynamodb::${Account}:global-table/${GlobalTableName}",
        )
        .unwrap();
        let rules = separator_restrictions(&[&table, &index, &global]);
        // TableName (part 1) may not hold `/`, in both templates.
        let rule = |part_index, may_contain_slash, may_contain_colon| PlaceholderRule {
            part_index,
            may_contain_slash,
            may_contain_colon,
        };
        assert_eq!(rules[0], vec![rule(1, false, true)]);
        assert_eq!(rules[1], vec![rule(1, false, true), rule(3, true, true)]);
        // Nothing continues global-table/${GlobalTableName}.
        assert_eq!(rules[2], vec![rule(1, true, true)]);
    }

    #[test]
    fn log_groups_get_the_documented_trailing_star_form() {
        let template = ArnTemplate::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}",
        )
        .unwrap();
        let extra =
            documented_extra_templates("logs", "log-group", std::slice::from_ref(&template));
        assert_eq!(extra.len(), 1);
        assert_eq!(
            extra[0].resource().last(),
            Some(&TemplatePart::Literal(":*"))
        );
        assert!(documented_extra_templates("logs", "log-stream", &[template]).is_empty());
    }

    #[test]
    fn literal_prefixes_reject_early_and_only_when_sure() {
        let literal_prefixes_agree = |parts: &[TemplatePart], pattern: &str| {
            let prefix = pattern
                .find(['*', '?'])
                .map_or(pattern, |position| &pattern[..position]);
            literal_prefixes_agree(parts, pattern, prefix)
        };
        let table = [TemplatePart::Literal("table/"), placeholder(false, true)];
        assert!(!literal_prefixes_agree(&table, "instance/i-1"));
        assert!(literal_prefixes_agree(&table, "tab*"));
        assert!(literal_prefixes_agree(&table, "table/Orders"));
        assert!(literal_prefixes_agree(&table, "*"));
        let plain = [TemplatePart::Literal("aws")];
        assert!(literal_prefixes_agree(&plain, "aws"));
        assert!(!literal_prefixes_agree(&plain, "aws-cn"));
        assert!(literal_prefixes_agree(&plain, "aws*"));
        assert!(!literal_prefixes_agree(&plain, "a"));
    }
}
