//! Policies written as JSON *strings* inside another document: a
//! Terraform plan's `"policy": "{\"Version\": ...}"`, or a template's
//! `PolicyDocument: !Sub |` block for `AWS::Logs::ResourcePolicy`, a
//! `KeyPolicy` given as a string, and so on.
//!
//! For: decoding such a string while recording, for every decoded byte,
//! the range of source bytes it came from, parsing the decoded text as
//! JSON, and moving every span of the result back into the source, so a
//! finding points at the characters the user wrote. Not for: deciding
//! where policies are (`extract`, `terraform`).

use leash_policy::json::{JsonError, parse_json};
use leash_policy::{Span, Value, ValueKind};

/// Parses the JSON document inside a string value of `text`, with spans
/// into `text`. `None` when `value` is not a string token of `text`.
pub fn parse_embedded_json(text: &str, value: &Value) -> Option<Result<Value, JsonError>> {
    value.as_str()?;
    let token = text.get(value.span.start..value.span.end)?;
    let raw = token.strip_prefix('"')?.strip_suffix('"')?;
    let decoded = DecodedString::decode(raw, value.span.start + 1)?;
    Some(match parse_json(&decoded.text) {
        Ok(mut document) => {
            decoded.move_value(&mut document);
            Ok(document)
        }
        Err(mut error) => {
            error.span = decoded.move_span(error.span);
            Err(error)
        }
    })
}

/// A JSON string's content, decoded, with the plan byte range every
/// decoded byte came from.
pub(crate) struct DecodedString {
    pub(crate) text: String,
    /// `sources[i]` is the source range of the character or escape that
    /// produced decoded byte `i`.
    sources: Vec<(usize, usize)>,
    /// Source offset just past the content (before the closing quote).
    end: usize,
}

impl DecodedString {
    /// Decodes `raw` (the text between the quotes, starting at `base` in the
    /// source). `None` for content that is not a valid JSON string.
    pub(crate) fn decode(raw: &str, base: usize) -> Option<DecodedString> {
        let bytes = raw.as_bytes();
        let mut text = String::with_capacity(raw.len());
        let mut sources = Vec::with_capacity(raw.len());
        let mut position = 0;
        while position < bytes.len() {
            let (c, length) = if bytes[position] == b'\\' {
                // https://www.rfc-editor.org/rfc/rfc8259#section-7
                let escape = *bytes.get(position + 1)?;
                match escape {
                    b'"' => ('"', 2),
                    b'\\' => ('\\', 2),
                    b'/' => ('/', 2),
                    b'b' => ('\u{8}', 2),
                    b'f' => ('\u{c}', 2),
                    b'n' => ('\n', 2),
                    b'r' => ('\r', 2),
                    b't' => ('\t', 2),
                    b'u' => {
                        let first = hex4(raw, position + 2)?;
                        if (0xD800..0xDC00).contains(&first) {
                            // A high surrogate must be followed by `\u` and a low one.
                            if raw.get(position + 6..position + 8) != Some("\\u") {
                                return None;
                            }
                            let second = hex4(raw, position + 8)?;
                            if !(0xDC00..0xE000).contains(&second) {
                                return None;
                            }
                            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                            (char::from_u32(code)?, 12)
                        } else {
                            (char::from_u32(first)?, 6)
                        }
                    }
                    _ => return None,
                }
            } else {
                let c = raw.get(position..)?.chars().next()?;
                (c, c.len_utf8())
            };
            let range = (base + position, base + position + length);
            if length == c.len_utf8() && bytes[position] != b'\\' {
                // Unescaped: byte for byte.
                for offset in 0..length {
                    sources.push((range.0 + offset, range.0 + offset + 1));
                }
            } else {
                sources.extend(std::iter::repeat_n(range, c.len_utf8()));
            }
            text.push(c);
            position += length;
        }
        Some(DecodedString {
            text,
            sources,
            end: base + bytes.len(),
        })
    }

    fn move_span(&self, span: Span) -> Span {
        move_span(&self.sources, self.end, span)
    }

    fn move_value(&self, value: &mut Value) {
        move_value(&self.sources, self.end, value);
    }
}

fn hex4(raw: &str, at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// Parses a string scalar of a template as a JSON policy document, with
/// spans into `source` (the template text) when the string can be matched
/// to its characters there: a JSON string token (escapes decoded), or a
/// YAML plain, quoted, literal (`|`) or folded (`>`) scalar (indentation,
/// block headers and line folding skipped). When it cannot (no source, or
/// an escape leash does not decode), every node gets the span of the whole
/// string, which is still the right line.
pub(crate) fn parse_string_policy(
    source: Option<&str>,
    value: &Value,
) -> Option<Result<Value, JsonError>> {
    let decoded = value.as_str()?;
    let sources = source.and_then(|text| source_map(text, value, decoded));
    Some(match parse_json(decoded) {
        Ok(mut document) => {
            match &sources {
                Some((map, end)) => move_value(map, *end, &mut document),
                None => respan(&mut document, value.span),
            }
            Ok(document)
        }
        Err(mut error) => {
            error.span = match &sources {
                Some((map, end)) => move_span(map, *end, error.span),
                None => value.span,
            };
            Err(error)
        }
    })
}

/// For each byte of `decoded` (the value of the string scalar at
/// `value.span` in `text`), the range of `text` it came from.
fn source_map(text: &str, value: &Value, decoded: &str) -> Option<(Vec<(usize, usize)>, usize)> {
    let token = text.get(value.span.start..value.span.end)?;
    if let Some(raw) = token.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        && let Some(json) = DecodedString::decode(raw, value.span.start + 1)
        && json.text == decoded
    {
        return Some((json.sources, json.end));
    }
    align(decoded, token, value.span.start).map(|map| (map, value.span.end))
}

/// Matches `decoded` against the scalar's source `token` (starting at
/// `base`) character by character: source characters that are layout
/// (indentation, line breaks, a block header such as `|-` or `>2`, the
/// quotes, the second `'` of a YAML `''` escape) are skipped, and a line
/// break folded into a space matches that space. `None` when a source
/// character can be neither matched nor skipped (an escape sequence of a
/// double-quoted YAML scalar, for instance).
fn align(decoded: &str, token: &str, base: usize) -> Option<Vec<(usize, usize)>> {
    let source = token.as_bytes();
    let single_quoted = token.starts_with('\'');
    let mut map = Vec::with_capacity(decoded.len());
    let mut position = 0;
    let mut matched_any = false;
    for c in decoded.chars() {
        let mut buffer = [0u8; 4];
        let wanted = c.encode_utf8(&mut buffer).as_bytes();
        loop {
            let Some(&byte) = source.get(position) else {
                // Chomping can add a final line break the token lacks.
                if c.is_whitespace() {
                    map.extend(std::iter::repeat_n(
                        (base + position, base + position),
                        wanted.len(),
                    ));
                    break;
                }
                return None;
            };
            if source.get(position..position + wanted.len()) == Some(wanted) {
                for offset in 0..wanted.len() {
                    map.push((base + position + offset, base + position + offset + 1));
                }
                position += wanted.len();
                matched_any = true;
                break;
            }
            if c.is_ascii_whitespace() && byte.is_ascii_whitespace() {
                // A line break folded into a space, or the reverse.
                map.push((base + position, base + position + 1));
                position += 1;
                matched_any = true;
                break;
            }
            let skippable = byte.is_ascii_whitespace()
                || (single_quoted && byte == b'\'')
                || (!matched_any
                    && matches!(byte, b'|' | b'>' | b'-' | b'+' | b'"' | b'\'' | b'0'..=b'9'));
            if !skippable {
                return None;
            }
            position += 1;
        }
    }
    Some(map)
}

fn move_span(sources: &[(usize, usize)], end: usize, span: Span) -> Span {
    let start = sources.get(span.start).map_or(end, |s| s.0);
    let stop = if span.end <= span.start {
        start
    } else {
        sources.get(span.end - 1).map_or(end, |s| s.1)
    };
    Span::new(start, stop.max(start))
}

fn move_value(sources: &[(usize, usize)], end: usize, value: &mut Value) {
    value.span = move_span(sources, end, value.span);
    match &mut value.kind {
        ValueKind::Array(items) => items.iter_mut().for_each(|v| move_value(sources, end, v)),
        ValueKind::Object(members) => {
            for member in members {
                member.key.span = move_span(sources, end, member.key.span);
                move_value(sources, end, &mut member.value);
            }
        }
        _ => {}
    }
}

/// Gives every node of `value` the span `span`.
pub(crate) fn respan(value: &mut Value, span: Span) {
    value.span = span;
    match &mut value.kind {
        ValueKind::Array(items) => items.iter_mut().for_each(|v| respan(v, span)),
        ValueKind::Object(members) => {
            for member in members {
                member.key.span = span;
                respan(&mut member.value, span);
            }
        }
        _ => {}
    }
}
