//! Reads a CloudFormation YAML template into leash's spanned document tree.
//!
//! For: YAML text -> [`Value`] with byte spans, CloudFormation's short-form
//! tags (`!Ref`, `!Sub`, ...) rewritten to their long JSON form
//! (`{"Ref": ...}`, `{"Fn::Sub": ...}`) with the tag's span, anchors and
//! aliases expanded, duplicate keys kept in order. Not for: template
//! semantics (see `template`), intrinsic functions (see `resolve`).
//!
//! Decisions:
//! - Built from saphyr-parser's events rather than saphyr's loader: the
//!   loader stores mappings in a hash map, which loses duplicate keys, and
//!   leash reports duplicates just as AWS's "last one wins" makes them
//!   dangerous.
//! - saphyr's markers count characters, not bytes; [`CharToByte`] converts
//!   them exactly so spans are byte offsets like everywhere else in leash.
//! - Plain scalars are typed with the YAML 1.2 core schema (null, booleans,
//!   integers, floats); quoted scalars are strings. CloudFormation reads most
//!   scalars as strings anyway, and the policy parser accepts numbers and
//!   booleans in condition values.
//! - Hostile input: size and nesting depth are bounded like the JSON
//!   reader's, and alias expansion has a node budget ("billion laughs").
//!
//! Short-form syntax: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>.

use std::collections::HashMap;

use leash_policy::json::JsonLimits;
use leash_policy::{Member, Span, Spanned, Value, ValueKind};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::template::{TemplateError, TemplateErrorKind};

/// How many nodes alias expansion may create in one document.
const ALIAS_NODE_BUDGET: usize = 1_000_000;

/// The short-form tags CloudFormation accepts, with their long-form keys.
const SHORT_FORM_TAGS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAtt", "Fn::GetAtt"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("Transform", "Fn::Transform"),
    ("And", "Fn::And"),
    ("Equals", "Fn::Equals"),
    ("If", "Fn::If"),
    ("Not", "Fn::Not"),
    ("Or", "Fn::Or"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

/// Converts saphyr's character indices to byte offsets. ASCII text maps
/// one to one; otherwise the start of every multi-byte character is kept
/// with the number of extra bytes before it.
struct CharToByte {
    /// (character index, extra bytes before this character), ascending.
    multi_byte: Vec<(usize, usize)>,
    len: usize,
}

impl CharToByte {
    fn new(text: &str) -> Self {
        let mut multi_byte = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0;
            for (char_index, c) in text.chars().enumerate() {
                let width = c.len_utf8();
                if width > 1 {
                    extra += width - 1;
                    multi_byte.push((char_index + 1, extra));
                }
            }
        }
        CharToByte {
            multi_byte,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let extra = match self
            .multi_byte
            .binary_search_by_key(&char_index, |&(index, _)| index)
        {
            Ok(i) => self.multi_byte[i].1,
            Err(0) => 0,
            Err(i) => self.multi_byte[i - 1].1,
        };
        (char_index + extra).min(self.len)
    }
}

/// A collection being read.
enum Frame {
    Sequence {
        start: usize,
        properties: Properties,
        items: Vec<Value>,
    },
    Mapping {
        start: usize,
        properties: Properties,
        members: Vec<Member>,
        key: Option<Spanned<String>>,
    },
}

/// A node's tag and anchor, and where its content starts after them.
struct Properties {
    tag: Option<Tag>,
    anchor: usize,
    /// Byte span of the tag text (`!Ref`), when there is a tag.
    tag_span: Option<Span>,
    content_start: usize,
}

struct Builder<'a> {
    /// The original text; spans index it.
    text: &'a str,
    positions: CharToByte,
    insertions: &'a [usize],
    limits: JsonLimits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Value>,
    alias_nodes: usize,
    documents: Vec<Value>,
}

/// Reads YAML text into a [`Value`] with the default limits.
pub fn parse_yaml(text: &str) -> Result<Value, TemplateError> {
    parse_yaml_with_limits(text, JsonLimits::default())
}

/// Reads YAML text into a [`Value`], within `limits` (size and depth).
pub fn parse_yaml_with_limits(text: &str, limits: JsonLimits) -> Result<Value, TemplateError> {
    if text.len() > limits.max_size {
        return Err(TemplateError::new(
            TemplateErrorKind::TooLarge,
            Span::new(0, 0),
            format!(
                "the template is {} bytes, more than the limit of {} bytes",
                text.len(),
                limits.max_size
            ),
        ));
    }
    // Lenient retries: see `under_indented_flow_line`. `insertions` holds
    // the original offsets where one space each was inserted, sorted (an
    // offset repeats for each space inserted there).
    let mut insertions: Vec<usize> = Vec::new();
    // The line re-indented last (original offset) and by how many spaces.
    let mut last: Option<(usize, usize)> = None;
    let documents = loop {
        let parsed_text = with_insertions(text, &insertions);
        match parse_events(text, &parsed_text, &insertions, limits) {
            Ok(documents) => break documents,
            Err((error, modified_at)) => {
                // Each retry parses the whole text again: fewer for big texts.
                let budget = MAX_INDENTATION_RETRIES.min(64 * 1024 * 1024 / text.len().max(1));
                let retries = insertions.len();
                let retry = retries < budget
                    && matches!(
                        error.message.as_str(),
                        "invalid YAML: invalid indentation"
                            | "invalid YAML: invalid indentation in flow construct"
                    );
                match retry
                    .then(|| under_indented_flow_line(&parsed_text, modified_at))
                    .flatten()
                {
                    Some(line_start) => {
                        let original = to_original(line_start, &insertions);
                        // The same line again: it needs more; double the
                        // spaces so a deep re-indentation takes few parses.
                        let spaces = match last {
                            Some((line, spaces)) if line == original => spaces,
                            _ => 1,
                        };
                        let at = insertions.partition_point(|&o| o <= original);
                        insertions.splice(at..at, std::iter::repeat_n(original, spaces));
                        let total = last
                            .filter(|&(line, _)| line == original)
                            .map_or(spaces, |(_, before)| before + spaces);
                        last = Some((original, total));
                    }
                    None => return Err(error),
                }
            }
        }
    };
    let mut documents = documents.into_iter();
    match documents.next() {
        None => Err(TemplateError::new(
            TemplateErrorKind::NotATemplate,
            Span::new(0, 0),
            "the template is empty",
        )),
        Some(first) => match documents.next() {
            Some(second) => Err(TemplateError::new(
                TemplateErrorKind::NotATemplate,
                second.span,
                "a template is one YAML document, but this file has more than one",
            )),
            None => Ok(first),
        },
    }
}

/// How many lenient re-indentations one document may need.
const MAX_INDENTATION_RETRIES: usize = 256;

/// PyYAML (and so the SAM CLI, cfn-lint and CloudFormation's own reader)
/// does not look at indentation inside a flow collection: an entry or a
/// closing `]`/`}` may sit at its parent key's column or left of it, which
/// YAML 1.2 and saphyr reject ("invalid indentation"). Templates in the
/// wild do this, e.g.
///
/// ```yaml
/// Resource: [
/// "arn:aws:s3:::bucket/*",
/// ]
/// ```
///
/// so leash accepts it too: saphyr reports "invalid indentation" only
/// inside a flow collection (in block context it closes the deeper blocks
/// instead), so the line at the error is indented further and the text
/// parsed again; spans are mapped back to the original text.
fn under_indented_flow_line(text: &str, at: usize) -> Option<usize> {
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    // Only a line whose first token is the one refused.
    let first =
        text.get(line_start..)?.len() - text.get(line_start..)?.trim_start_matches(' ').len();
    (line_start + first == at).then_some(line_start)
}

/// One parse of `parsed_text` (the original text with one space inserted
/// at each original offset in `insertions`). Spans are offsets into `original`. An error
/// also carries its offset in `parsed_text`.
fn parse_events(
    original: &str,
    parsed_text: &str,
    insertions: &[usize],
    limits: JsonLimits,
) -> Result<Vec<Value>, (TemplateError, usize)> {
    let mut builder = Builder {
        text: original,
        positions: CharToByte::new(parsed_text),
        insertions,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        documents: Vec::new(),
    };
    let mut parser = Parser::new_from_str(parsed_text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let span = Span::new(
                    builder.original(span.start.index()),
                    builder.original(span.end.index()),
                );
                builder.event(event, span).map_err(|e| (e, 0))?;
            }
            Err(error) => {
                let modified_at = builder.positions.byte(error.marker().index());
                let at = builder.original(error.marker().index());
                return Err((
                    TemplateError::new(
                        TemplateErrorKind::Syntax,
                        Span::new(at, at),
                        format!("invalid YAML: {}", error.info()),
                    ),
                    modified_at,
                ));
            }
        }
    }
    Ok(builder.documents)
}

fn with_insertions<'t>(text: &'t str, insertions: &[usize]) -> std::borrow::Cow<'t, str> {
    if insertions.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + insertions.len());
    let mut previous = 0;
    for &at in insertions {
        out.push_str(text.get(previous..at).unwrap_or(""));
        out.push(' ');
        previous = at;
    }
    out.push_str(text.get(previous..).unwrap_or(""));
    std::borrow::Cow::Owned(out)
}

/// Maps an offset in the text with insertions back to the original; an
/// inserted space maps to the character it was inserted before.
fn to_original(modified: usize, insertions: &[usize]) -> usize {
    let mut shift = 0;
    for (i, &original) in insertions.iter().enumerate() {
        if original + i < modified {
            shift = i + 1;
        } else {
            break;
        }
    }
    modified - shift
}

impl Builder<'_> {
    /// Byte offset in the original text of a character index in the parsed text.
    fn original(&self, char_index: usize) -> usize {
        to_original(self.positions.byte(char_index), self.insertions).min(self.text.len())
    }
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), TemplateError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) => {
                Ok(())
            }
            Event::DocumentEnd => Ok(()),
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(TemplateError::new(
                        TemplateErrorKind::Syntax,
                        span,
                        "alias to an unknown anchor",
                    ));
                };
                self.alias_nodes += count_nodes(target);
                if self.alias_nodes > ALIAS_NODE_BUDGET {
                    return Err(TemplateError::new(
                        TemplateErrorKind::TooLarge,
                        span,
                        format!(
                            "aliases expand to more than {ALIAS_NODE_BUDGET} nodes; the template is refused to protect memory"
                        ),
                    ));
                }
                let mut value = target.clone();
                value.span = span;
                self.complete(value, None)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let properties = self.properties(span.start, tag.map(|t| t.into_owned()), anchor);
                let content_span = Span::new(properties.content_start.min(span.end), span.end);
                let (kind, raw) =
                    self.scalar_kind(&text, style, properties.tag.as_ref(), content_span)?;
                let value = Value::new(kind, content_span);
                let value = self.apply_short_form(value, &properties, span, Some(&text))?;
                if properties.anchor != 0 {
                    self.anchors.insert(properties.anchor, value.clone());
                }
                self.complete(value, raw)
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(span)?;
                let properties = self.properties(span.start, tag.map(|t| t.into_owned()), anchor);
                self.stack.push(Frame::Sequence {
                    start: span.start,
                    properties,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(span)?;
                let properties = self.properties(span.start, tag.map(|t| t.into_owned()), anchor);
                self.stack.push(Frame::Mapping {
                    start: span.start,
                    properties,
                    members: Vec::new(),
                    key: None,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(TemplateError::new(
                        TemplateErrorKind::Syntax,
                        span,
                        "unbalanced YAML collection",
                    ));
                };
                let (start, properties, kind) = match frame {
                    Frame::Sequence {
                        start,
                        properties,
                        items,
                    } => (start, properties, ValueKind::Array(items)),
                    Frame::Mapping {
                        start,
                        properties,
                        members,
                        ..
                    } => (start, properties, ValueKind::Object(members)),
                };
                // Flow collections end at their closing bracket; block ones
                // at the end of their last entry (the parser reports the
                // position of whatever follows).
                let last_end = match &kind {
                    ValueKind::Array(items) => items.last().map(|v| v.span.end),
                    ValueKind::Object(members) => members.last().map(|m| m.value.span.end),
                    _ => None,
                };
                let end = if span.is_empty() {
                    last_end
                        .unwrap_or(properties.content_start)
                        .max(properties.content_start)
                } else {
                    span.end
                };
                let content_span = Span::new(properties.content_start.min(end), end);
                let value = self.typed_collection(Value::new(kind, content_span), &properties)?;
                let whole = Span::new(start.min(content_span.start), end);
                let value = self.apply_short_form(value, &properties, whole, None)?;
                if properties.anchor != 0 {
                    self.anchors.insert(properties.anchor, value.clone());
                }
                self.complete(value, None)
            }
        }
    }

    fn check_depth(&self, span: Span) -> Result<(), TemplateError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(TemplateError::new(
                TemplateErrorKind::TooDeep,
                span,
                format!(
                    "the template nests deeper than {} levels",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    /// Finds the tag's text and where the content starts after the node's
    /// properties (`!Tag`, `&anchor`), comments and white space.
    fn properties(&self, start: usize, tag: Option<Tag>, anchor: usize) -> Properties {
        let bytes = self.text.as_bytes();
        let mut position = start;
        let mut tag_span = None;
        while let Some(b'!' | b'&') = bytes.get(position) {
            let token_start = position;
            while let Some(&b) = bytes.get(position) {
                if b.is_ascii_whitespace() || b == b',' || b == b'[' || b == b'{' {
                    break;
                }
                position += 1;
            }
            if bytes.get(token_start) == Some(&b'!') && tag_span.is_none() {
                tag_span = Some(Span::new(token_start, position));
            }
            position = skip_blank(bytes, position);
        }
        if tag.is_none() && anchor == 0 {
            position = start;
        }
        Properties {
            tag_span: tag.as_ref().and(tag_span),
            tag,
            anchor,
            content_start: position,
        }
    }

    /// The kind of a scalar, and its raw text when it is used as a key.
    fn scalar_kind(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(ValueKind, Option<String>), TemplateError> {
        let raw = Some(text.to_string());
        if let Some(tag) = tag
            && tag.is_yaml_core_schema()
        {
            let kind = match tag.suffix.as_str() {
                "str" => ValueKind::String(text.to_string()),
                "null" => ValueKind::Null,
                "bool" | "int" | "float" => match plain_scalar_kind(text) {
                    kind @ (ValueKind::Bool(_) | ValueKind::Number(_))
                        if (tag.suffix == "bool") == matches!(kind, ValueKind::Bool(_)) =>
                    {
                        kind
                    }
                    _ => {
                        return Err(TemplateError::new(
                            TemplateErrorKind::Syntax,
                            span,
                            format!("`{text}` is not a valid `!!{}`", tag.suffix),
                        ));
                    }
                },
                other => {
                    return Err(TemplateError::new(
                        TemplateErrorKind::Syntax,
                        span,
                        format!("the YAML tag `!!{other}` cannot be used on a scalar"),
                    ));
                }
            };
            return Ok((kind, raw));
        }
        let kind = match style {
            ScalarStyle::Plain => plain_scalar_kind(text),
            _ => ValueKind::String(text.to_string()),
        };
        Ok((kind, raw))
    }

    fn typed_collection(
        &self,
        value: Value,
        properties: &Properties,
    ) -> Result<Value, TemplateError> {
        if let Some(tag) = &properties.tag
            && tag.is_yaml_core_schema()
        {
            let fits = matches!(
                (tag.suffix.as_str(), &value.kind),
                ("seq", ValueKind::Array(_)) | ("map", ValueKind::Object(_))
            );
            if !fits {
                return Err(TemplateError::new(
                    TemplateErrorKind::Syntax,
                    properties.tag_span.unwrap_or(value.span),
                    format!(
                        "the YAML tag `!!{}` does not fit this collection",
                        tag.suffix
                    ),
                ));
            }
        }
        Ok(value)
    }

    /// Rewrites `!Tag value` to `{"Fn::Tag": value}` (or `Ref`/`Condition`),
    /// with the key spanning the tag and the object spanning tag and value.
    fn apply_short_form(
        &self,
        value: Value,
        properties: &Properties,
        whole: Span,
        scalar_text: Option<&str>,
    ) -> Result<Value, TemplateError> {
        let Some(tag) = &properties.tag else {
            return Ok(value);
        };
        if tag.is_yaml_core_schema() {
            return Ok(value);
        }
        let tag_span = properties.tag_span.unwrap_or(whole);
        if tag.handle != "!" {
            return Err(TemplateError::new(
                TemplateErrorKind::Syntax,
                tag_span,
                format!(
                    "unknown tag `{tag}`: CloudFormation accepts only its short-form function tags"
                ),
            ));
        }
        let Some(&(_, long_name)) = SHORT_FORM_TAGS
            .iter()
            .find(|(short, _)| *short == tag.suffix)
        else {
            return Err(TemplateError::new(
                TemplateErrorKind::Syntax,
                tag_span,
                format!(
                    "unknown tag `!{}`: not a CloudFormation intrinsic function",
                    tag.suffix
                ),
            ));
        };
        let argument = match (long_name, &value.kind) {
            // `!GetAtt Resource.Attribute`: the resource name ends at the
            // first dot; attributes may contain dots (`Endpoint.Address`).
            ("Fn::GetAtt", ValueKind::String(text)) => {
                let (resource, attribute) = text.split_once('.').unwrap_or((text.as_str(), ""));
                let exact = scalar_text
                    .is_some_and(|t| self.text.get(value.span.start..value.span.end) == Some(t));
                let (resource_span, attribute_span) = if exact {
                    let dot = value.span.start + resource.len();
                    (
                        Span::new(value.span.start, dot),
                        Span::new((dot + 1).min(value.span.end), value.span.end),
                    )
                } else {
                    (value.span, value.span)
                };
                Value::new(
                    ValueKind::Array(vec![
                        Value::new(ValueKind::String(resource.to_string()), resource_span),
                        Value::new(ValueKind::String(attribute.to_string()), attribute_span),
                    ]),
                    value.span,
                )
            }
            // Scalars given to functions are strings (`!GetAZs ''`, `!Ref 1`).
            (_, ValueKind::Null) if scalar_text.is_some() => {
                Value::new(ValueKind::String(String::new()), value.span)
            }
            _ => value,
        };
        Ok(Value::new(
            ValueKind::Object(vec![Member {
                key: Spanned::new(long_name.to_string(), tag_span),
                value: argument,
            }]),
            whole,
        ))
    }

    fn complete(&mut self, value: Value, raw: Option<String>) -> Result<(), TemplateError> {
        match self.stack.last_mut() {
            None => {
                self.documents.push(value);
                Ok(())
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Mapping { members, key, .. }) => match key.take() {
                Some(key) => {
                    members.push(Member { key, value });
                    Ok(())
                }
                None => {
                    let text = match (&value.kind, raw) {
                        (ValueKind::String(s), _) => s.clone(),
                        (
                            ValueKind::Null | ValueKind::Bool(_) | ValueKind::Number(_),
                            Some(raw),
                        ) => raw,
                        _ => {
                            return Err(TemplateError::new(
                                TemplateErrorKind::Syntax,
                                value.span,
                                format!(
                                    "a mapping key must be a plain value, not {}",
                                    value.kind_name()
                                ),
                            ));
                        }
                    };
                    *key = Some(Spanned::new(text, value.span));
                    Ok(())
                }
            },
        }
    }
}

fn skip_blank(bytes: &[u8], mut position: usize) -> usize {
    loop {
        match bytes.get(position) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => position += 1,
            Some(b'#') => {
                while let Some(&b) = bytes.get(position) {
                    if b == b'\n' {
                        break;
                    }
                    position += 1;
                }
            }
            _ => return position,
        }
    }
}

fn count_nodes(value: &Value) -> usize {
    match &value.kind {
        ValueKind::Array(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        ValueKind::Object(members) => {
            1 + members.iter().map(|m| count_nodes(&m.value)).sum::<usize>()
        }
        _ => 1,
    }
}

/// YAML 1.2 core schema resolution of an untagged plain scalar
/// (<https://yaml.org/spec/1.2.2/#1032-tag-resolution>).
fn plain_scalar_kind(text: &str) -> ValueKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ValueKind::Null,
        "true" | "True" | "TRUE" => return ValueKind::Bool(true),
        "false" | "False" | "FALSE" => return ValueKind::Bool(false),
        _ => {}
    }
    if let Some(octal) = text.strip_prefix("0o")
        && let Ok(n) = u128::from_str_radix(octal, 8)
    {
        return ValueKind::Number(n.to_string());
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(n) = u128::from_str_radix(hex, 16)
    {
        return ValueKind::Number(n.to_string());
    }
    if is_core_number(text) {
        // JSON has no leading `+`; the number is the same without it.
        let written = text.strip_prefix('+').unwrap_or(text);
        return ValueKind::Number(written.to_string());
    }
    ValueKind::String(text.to_string())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let integer_digits = digits(&mut i);
    let mut fraction_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        fraction_digits = digits(&mut i);
        if integer_digits == 0 && fraction_digits == 0 {
            return false;
        }
    } else if integer_digits == 0 {
        return false;
    }
    if integer_digits == 0 && fraction_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn slice<'a>(text: &'a str, value: &Value) -> &'a str {
        &text[value.span.start..value.span.end]
    }

    #[test]
    fn short_form_ref_becomes_long_form_with_tag_span() {
        let text = "a: !Ref Bucket\n";
        let root = parse_yaml(text).unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(slice(text, a), "!Ref Bucket");
        let member = &a.as_object().unwrap()[0];
        assert_eq!(member.key.node, "Ref");
        assert_eq!(&text[member.key.span.start..member.key.span.end], "!Ref");
        assert_eq!(member.value.as_str(), Some("Bucket"));
        assert_eq!(slice(text, &member.value), "Bucket");
    }

    #[test]
    fn get_att_scalar_splits_at_the_first_dot() {
        let text = "a: !GetAtt Db.Endpoint.Address\n";
        let root = parse_yaml(text).unwrap();
        let args = root
            .get("a")
            .unwrap()
            .get("Fn::GetAtt")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(args[0].as_str(), Some("Db"));
        assert_eq!(args[1].as_str(), Some("Endpoint.Address"));
        assert_eq!(slice(text, &args[0]), "Db");
        assert_eq!(slice(text, &args[1]), "Endpoint.Address");
    }

    #[test]
    fn tagged_sequences_and_nested_tags() {
        let text = "a: !Sub\n  - 'x${Y}'\n  - Y: !Ref P\nb: !Join ['', [!Ref A, b]]\n";
        let root = parse_yaml(text).unwrap();
        let sub = root
            .get("a")
            .unwrap()
            .get("Fn::Sub")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(sub[0].as_str(), Some("x${Y}"));
        assert_eq!(slice(text, &sub[0]), "'x${Y}'");
        assert_eq!(
            sub[1].get("Y").unwrap().get("Ref").unwrap().as_str(),
            Some("P")
        );
        let join = root.get("b").unwrap();
        assert_eq!(slice(text, join), "!Join ['', [!Ref A, b]]");
        let args = join.get("Fn::Join").unwrap().as_array().unwrap();
        assert_eq!(slice(text, &args[1]), "[!Ref A, b]");
    }

    #[test]
    fn spans_are_bytes_in_non_ascii_text() {
        // Each `é` and `日` takes more than one byte; saphyr counts chars.
        let text = "é: \"日本\"\nk: !Ref Wert\u{e9}\nlast: v\n";
        let root = parse_yaml(text).unwrap();
        let members = root.as_object().unwrap();
        assert_eq!(
            &text[members[0].key.span.start..members[0].key.span.end],
            "é"
        );
        assert_eq!(slice(text, &members[0].value), "\"日本\"");
        assert_eq!(
            slice(text, members[1].value.get("Ref").unwrap()),
            "Wert\u{e9}"
        );
        assert_eq!(slice(text, &members[2].value), "v");
    }

    #[test]
    fn anchors_aliases_and_block_scalars() {
        let text = "base: &b\n  k: v\ncopy: *b\nlit: |\n  one\n  two\nfold: >-\n  a\n  b\n";
        let root = parse_yaml(text).unwrap();
        assert_eq!(
            root.get("copy").unwrap().get("k").unwrap().as_str(),
            Some("v")
        );
        assert_eq!(slice(text, root.get("copy").unwrap()), "*b");
        assert_eq!(root.get("lit").unwrap().as_str(), Some("one\ntwo\n"));
        assert_eq!(root.get("fold").unwrap().as_str(), Some("a b"));
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let text = "a: 1\nb: '1'\nc: true\nd: 2012-10-17\ne: ~\nf: 1.5e3\ng: !!str 3\nh: 0x1F\ni: +7\nj: yes\n";
        let root = parse_yaml(text).unwrap();
        assert_eq!(root.get("a").unwrap().kind, ValueKind::Number("1".into()));
        assert_eq!(root.get("b").unwrap().as_str(), Some("1"));
        assert_eq!(root.get("c").unwrap().kind, ValueKind::Bool(true));
        assert_eq!(root.get("d").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(root.get("e").unwrap().kind, ValueKind::Null);
        assert_eq!(
            root.get("f").unwrap().kind,
            ValueKind::Number("1.5e3".into())
        );
        assert_eq!(root.get("g").unwrap().as_str(), Some("3"));
        assert_eq!(root.get("h").unwrap().kind, ValueKind::Number("31".into()));
        assert_eq!(root.get("i").unwrap().kind, ValueKind::Number("7".into()));
        // YAML 1.2: `yes` is a string, not a boolean.
        assert_eq!(root.get("j").unwrap().as_str(), Some("yes"));
    }

    #[test]
    fn duplicate_keys_are_kept_in_order() {
        let root = parse_yaml("a: 1\na: 2\n").unwrap();
        let members = root.as_object().unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(root.get("a").unwrap().kind, ValueKind::Number("2".into()));
    }

    #[test]
    fn errors_have_positions_and_never_panic() {
        let error = parse_yaml("a: [1, 2\nb: c\n").unwrap_err();
        assert_eq!(error.kind, TemplateErrorKind::Syntax);
        assert!(error.message.starts_with("invalid YAML"));
        let error = parse_yaml("a: !Bogus x\n").unwrap_err();
        assert_eq!(error.span, Span::new(3, 9));
        assert!(error.message.contains("`!Bogus`"), "{}", error.message);
        assert!(parse_yaml("").is_err());
        assert!(parse_yaml("a: 1\n---\nb: 2\n").is_err());
        let deep = "[".repeat(20) + &"]".repeat(20);
        let limits = JsonLimits {
            max_depth: 10,
            max_size: 1000,
        };
        assert_eq!(
            parse_yaml_with_limits(&deep, limits).unwrap_err().kind,
            TemplateErrorKind::TooDeep
        );
        // saphyr-parser refuses very deep nesting itself; still an error, not a crash.
        let deeper = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse_yaml(&deeper).is_err());
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert_eq!(
            parse_yaml(bomb).unwrap_err().kind,
            TemplateErrorKind::TooLarge
        );
        for garbage in [
            "\u{feff}a: b",
            ":",
            "- !Ref",
            "{a: !GetAtt}",
            "'\u{e9}",
            "&a [*a]",
        ] {
            let _ = parse_yaml(garbage);
        }
    }

    #[test]
    fn under_indented_flow_closers_are_accepted_like_pyyaml() {
        let text = "a:\n  b: [{\n    \"k\": \"v\"\n  }]\n  c: d\n";
        let root = parse_yaml(text).unwrap();
        let b = root.get("a").unwrap().get("b").unwrap();
        let k = b.as_array().unwrap()[0].get("k").unwrap();
        assert_eq!(slice(text, k), "\"v\"");
        assert_eq!(slice(text, root.get("a").unwrap().get("c").unwrap()), "d");
    }

    #[test]
    fn byte_order_mark_keeps_byte_offsets() {
        let text = "\u{feff}a: bc\n";
        let root = parse_yaml(text).unwrap();
        assert_eq!(slice(text, root.get("a").unwrap()), "bc");
    }
}
