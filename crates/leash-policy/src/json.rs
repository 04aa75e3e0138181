//! A strict JSON (RFC 8259) reader that produces the spanned document tree.
//!
//! For: turning the text of a policy file (or a policy string embedded in a
//! Terraform plan) into a [`Value`] whose every node knows its byte span, so
//! diagnostics can point at the exact place. Errors say what was expected and
//! what was found, with a span.
//!
//! Not for: YAML or CloudFormation templates (see `leash-iac`), serializing
//! JSON (see `print`), or policy semantics (see `parse`).
//!
//! Decisions:
//! - Strict RFC 8259: no comments, no trailing commas, no single quotes, no
//!   leading zeros, no unescaped control characters, no lone surrogates.
//!   IAM itself rejects such documents as `MalformedPolicyDocument`.
//! - A leading UTF-8 byte order mark is skipped: RFC 8259 section 8.1 lets
//!   parsers ignore it "in the interests of interoperability", and editors
//!   on Windows add it to files. Spans stay byte offsets into the original
//!   text, BOM included.
//! - Duplicate object keys are all kept, in source order; the policy parser
//!   reports them.
//! - The parser is iterative (an explicit stack), so hostile nesting cannot
//!   overflow the call stack; [`JsonLimits`] bounds depth and size.

use crate::span::{Span, Spanned};
use crate::value::{Member, Value, ValueKind};

/// Bounds that protect against hostile input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonLimits {
    /// Deepest nesting of arrays and objects accepted. Real policies nest
    /// fewer than 10 levels.
    pub max_depth: usize,
    /// Largest input accepted, in bytes. IAM's own limits are far smaller
    /// (a managed policy is at most 6,144 characters), but CloudFormation
    /// templates and Terraform plans that embed policies can be large.
    pub max_size: usize,
}

impl JsonLimits {
    pub const DEFAULT_MAX_DEPTH: usize = 128;
    pub const DEFAULT_MAX_SIZE: usize = 32 * 1024 * 1024;
}

impl Default for JsonLimits {
    fn default() -> Self {
        JsonLimits {
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_size: Self::DEFAULT_MAX_SIZE,
        }
    }
}

/// What kind of problem stopped the parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JsonErrorKind {
    /// The text is not JSON.
    Syntax,
    /// Nesting deeper than [`JsonLimits::max_depth`].
    TooDeep,
    /// Input larger than [`JsonLimits::max_size`].
    TooLarge,
    /// The bytes are not UTF-8 (only from [`parse_json_bytes`]).
    InvalidUtf8,
}

/// Why a text is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    pub kind: JsonErrorKind,
    /// Byte range of the offending text (empty at the end of input).
    pub span: Span,
    /// Lowercase, no trailing period, user text in backticks.
    pub message: String,
}

impl JsonError {
    fn syntax(span: Span, message: impl Into<String>) -> Self {
        JsonError {
            kind: JsonErrorKind::Syntax,
            span,
            message: message.into(),
        }
    }
}

/// Parses JSON text with the default [`JsonLimits`].
pub fn parse_json(text: &str) -> Result<Value, JsonError> {
    parse_json_with_limits(text, JsonLimits::default())
}

/// Parses JSON bytes with the default [`JsonLimits`]; bytes that are not
/// UTF-8 are an error at the offset of the first bad byte.
pub fn parse_json_bytes(bytes: &[u8]) -> Result<Value, JsonError> {
    parse_json_bytes_with_limits(bytes, JsonLimits::default())
}

pub fn parse_json_bytes_with_limits(bytes: &[u8], limits: JsonLimits) -> Result<Value, JsonError> {
    // Check the size first so a huge file is refused before it is validated.
    check_size(bytes.len(), limits)?;
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_json_with_limits(text, limits),
        Err(error) => {
            let start = error.valid_up_to();
            let length = error.error_len().unwrap_or(bytes.len() - start).max(1);
            let bad = bytes.get(start).copied().unwrap_or(0);
            Err(JsonError {
                kind: JsonErrorKind::InvalidUtf8,
                span: Span::new(start, (start + length).min(bytes.len())),
                message: format!(
                    "the file is not valid UTF-8: invalid byte `0x{bad:02x}` at byte offset {start}"
                ),
            })
        }
    }
}

pub fn parse_json_with_limits(text: &str, limits: JsonLimits) -> Result<Value, JsonError> {
    check_size(text.len(), limits)?;
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        position: 0,
        limits,
    };
    if parser.bytes.starts_with(b"\xEF\xBB\xBF") {
        parser.position = 3;
    }
    parser.parse_document()
}

fn check_size(size: usize, limits: JsonLimits) -> Result<(), JsonError> {
    if size > limits.max_size {
        return Err(JsonError {
            kind: JsonErrorKind::TooLarge,
            span: Span::new(0, 0),
            message: format!(
                "the input is too large: {size} bytes, the limit is {} bytes",
                limits.max_size
            ),
        });
    }
    Ok(())
}

/// An array or object still open while its contents are read.
enum Frame {
    Array {
        start: usize,
        items: Vec<Value>,
    },
    Object {
        start: usize,
        members: Vec<Member>,
        /// The key whose value is being read.
        key: Spanned<String>,
    },
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    limits: JsonLimits,
}

impl<'a> Parser<'a> {
    fn parse_document(&mut self) -> Result<Value, JsonError> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Read the start of a value: a scalar completes at once, an
            // opening bracket pushes a frame and goes on to its first element.
            self.skip_whitespace();
            let mut value = match self.peek() {
                Some(b'{') => {
                    let start = self.position;
                    self.check_depth(stack.len(), start)?;
                    self.position += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(b'}') {
                        self.position += 1;
                        Value::new(
                            ValueKind::Object(Vec::new()),
                            Span::new(start, self.position),
                        )
                    } else {
                        let key = self.parse_key(start, None)?;
                        stack.push(Frame::Object {
                            start,
                            members: Vec::new(),
                            key,
                        });
                        continue;
                    }
                }
                Some(b'[') => {
                    let start = self.position;
                    self.check_depth(stack.len(), start)?;
                    self.position += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        self.position += 1;
                        Value::new(
                            ValueKind::Array(Vec::new()),
                            Span::new(start, self.position),
                        )
                    } else {
                        stack.push(Frame::Array {
                            start,
                            items: Vec::new(),
                        });
                        continue;
                    }
                }
                Some(b'"') => {
                    let (text, span) = self.parse_string()?;
                    Value::new(ValueKind::String(text), span)
                }
                Some(b'-' | b'0'..=b'9') => self.parse_number()?,
                Some(b't' | b'f' | b'n') => self.parse_literal()?,
                _ => return Err(self.unexpected("a value", stack.last())),
            };

            // Hand the finished value to its container; close containers
            // whose closing bracket follows.
            loop {
                let Some(frame) = stack.last_mut() else {
                    self.skip_whitespace();
                    if self.position < self.bytes.len() {
                        let found = self.describe_found();
                        if let Some(comment) = self.comment_error() {
                            return Err(comment);
                        }
                        return Err(JsonError::syntax(
                            self.found_span(),
                            format!("expected end of input after the JSON value, found {found}"),
                        ));
                    }
                    return Ok(value);
                };
                match frame {
                    Frame::Array { items, .. } => {
                        items.push(value);
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                let comma = self.position;
                                self.position += 1;
                                self.skip_whitespace();
                                if self.peek() == Some(b']') {
                                    return Err(trailing_comma(comma));
                                }
                                break;
                            }
                            Some(b']') => {
                                self.position += 1;
                                let Some(Frame::Array { start, items }) = stack.pop() else {
                                    break;
                                };
                                value = Value::new(
                                    ValueKind::Array(items),
                                    Span::new(start, self.position),
                                );
                            }
                            _ => {
                                return Err(self.unexpected(
                                    "`,` or `]` after an array element",
                                    stack.last(),
                                ));
                            }
                        }
                    }
                    Frame::Object { members, key, .. } => {
                        let key =
                            std::mem::replace(key, Spanned::new(String::new(), Span::default()));
                        members.push(Member { key, value });
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                let comma = self.position;
                                self.position += 1;
                                self.skip_whitespace();
                                if self.peek() == Some(b'}') {
                                    return Err(trailing_comma(comma));
                                }
                                let Some(Frame::Object { start, .. }) = stack.last() else {
                                    break;
                                };
                                let start = *start;
                                let next_key = self.parse_key(start, Some(&stack))?;
                                if let Some(Frame::Object { key, .. }) = stack.last_mut() {
                                    *key = next_key;
                                }
                                break;
                            }
                            Some(b'}') => {
                                self.position += 1;
                                let Some(Frame::Object { start, members, .. }) = stack.pop() else {
                                    break;
                                };
                                value = Value::new(
                                    ValueKind::Object(members),
                                    Span::new(start, self.position),
                                );
                            }
                            _ => {
                                return Err(self.unexpected(
                                    "`,` or `}` after an object member",
                                    stack.last(),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }

    fn check_depth(&self, open: usize, position: usize) -> Result<(), JsonError> {
        if open >= self.limits.max_depth {
            return Err(JsonError {
                kind: JsonErrorKind::TooDeep,
                span: Span::new(position, position + 1),
                message: format!(
                    "arrays and objects are nested too deeply: the limit is {} levels",
                    self.limits.max_depth
                ),
            });
        }
        Ok(())
    }

    /// Reads `"key"` and the `:` after it. `object_start` is where the
    /// enclosing object opened, for the message when the input ends.
    fn parse_key(
        &mut self,
        object_start: usize,
        stack: Option<&Vec<Frame>>,
    ) -> Result<Spanned<String>, JsonError> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            if self.peek().is_none() {
                return Err(self.unclosed("object", object_start));
            }
            return Err(self.unexpected("a string key", stack.and_then(|s| s.last())));
        }
        let (key, span) = self.parse_string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            if self.peek().is_none() {
                return Err(self.unclosed("object", object_start));
            }
            return Err(self.unexpected("`:` after an object key", None));
        }
        self.position += 1;
        Ok(Spanned::new(key, span))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        // RFC 8259 whitespace is exactly these four bytes.
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.position += 1;
        }
    }

    /// Reads a string starting at its opening quote; returns its decoded
    /// text and the span including both quotes.
    fn parse_string(&mut self) -> Result<(String, Span), JsonError> {
        let start = self.position;
        self.position += 1;
        let content_start = self.position;
        // Fast path: most strings have no escapes and can be copied whole.
        while let Some(&byte) = self.bytes.get(self.position) {
            match byte {
                b'"' => {
                    let text = self.slice(content_start, self.position).to_owned();
                    self.position += 1;
                    return Ok((text, Span::new(start, self.position)));
                }
                b'\\' => break,
                0x00..=0x1F => return Err(self.control_character(byte)),
                _ => self.position += 1,
            }
        }
        let mut text = String::with_capacity(self.position - content_start + 16);
        text.push_str(self.slice(content_start, self.position));
        loop {
            let run_start = self.position;
            while let Some(&byte) = self.bytes.get(self.position) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.position += 1;
            }
            text.push_str(self.slice(run_start, self.position));
            match self.peek() {
                None => return Err(self.unclosed("string", start)),
                Some(b'"') => {
                    self.position += 1;
                    return Ok((text, Span::new(start, self.position)));
                }
                Some(b'\\') => self.parse_escape(&mut text)?,
                Some(byte) => return Err(self.control_character(byte)),
            }
        }
    }

    /// `&self.text[from..to]` where both ends are known to sit on ASCII bytes.
    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or_default()
    }

    fn control_character(&self, byte: u8) -> JsonError {
        let span = Span::new(self.position, self.position + 1);
        let message = match byte {
            b'\n' | b'\r' => {
                "unescaped line break in a string: write it as `\\n`, or close the string with `\"`"
                    .to_owned()
            }
            b'\t' => "unescaped tab in a string: write it as `\\t`".to_owned(),
            _ => format!("control character U+{byte:04X} must be escaped in a JSON string"),
        };
        JsonError::syntax(span, message)
    }

    /// Reads one escape sequence starting at the backslash.
    fn parse_escape(&mut self, text: &mut String) -> Result<(), JsonError> {
        let start = self.position;
        self.position += 1;
        let Some(byte) = self.peek() else {
            return Err(JsonError::syntax(
                Span::new(start, self.position),
                "unexpected end of input inside an escape sequence",
            ));
        };
        self.position += 1;
        let decoded = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.parse_hex4(start)?;
                match first {
                    0xD800..=0xDBFF => {
                        // A high surrogate must be followed by `\u` and a low one.
                        if self.bytes.get(self.position..self.position + 2) != Some(b"\\u") {
                            return Err(lone_surrogate(start, self.position, first));
                        }
                        let second_start = self.position;
                        self.position += 2;
                        let second = self.parse_hex4(second_start)?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(lone_surrogate(start, second_start, first));
                        }
                        let scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(scalar)
                            .ok_or_else(|| lone_surrogate(start, self.position, first))?
                    }
                    0xDC00..=0xDFFF => return Err(lone_surrogate(start, self.position, first)),
                    _ => char::from_u32(first)
                        .ok_or_else(|| lone_surrogate(start, self.position, first))?,
                }
            }
            _ => {
                let end = self.char_end(self.position - 1);
                let shown = self.slice_lossy(start, end);
                return Err(JsonError::syntax(
                    Span::new(start, end),
                    format!(
                        "invalid escape sequence `{shown}`: JSON allows `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`"
                    ),
                ));
            }
        };
        text.push(decoded);
        Ok(())
    }

    /// Reads the four hex digits of `\uXXXX`; `escape_start` is the backslash.
    fn parse_hex4(&mut self, escape_start: usize) -> Result<u32, JsonError> {
        let mut code = 0u32;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| (b as char).to_digit(16));
            let Some(digit) = digit else {
                let end = self.char_end(self.position).max(self.position);
                return Err(JsonError::syntax(
                    Span::new(escape_start, end),
                    format!(
                        "invalid unicode escape `{}`: `\\u` must be followed by four hexadecimal digits",
                        self.slice_lossy(escape_start, end)
                    ),
                ));
            };
            code = code * 16 + digit;
            self.position += 1;
        }
        Ok(code)
    }

    /// End of the character that starts at `position` (or `position` at the end).
    fn char_end(&self, position: usize) -> usize {
        self.text
            .get(position..)
            .and_then(|rest| rest.chars().next())
            .map(|c| position + c.len_utf8())
            .unwrap_or(position)
    }

    fn slice_lossy(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or("?")
    }

    fn parse_number(&mut self) -> Result<Value, JsonError> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.position += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    self.skip_digits();
                    return Err(JsonError::syntax(
                        Span::new(start, self.position),
                        format!(
                            "leading zeros are not allowed in JSON numbers: `{}`",
                            self.slice(start, self.position)
                        ),
                    ));
                }
            }
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.unexpected("a digit after `-`", None)),
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after the decimal point", None));
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.position += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.position += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent", None));
            }
            self.skip_digits();
        }
        let span = Span::new(start, self.position);
        Ok(Value::new(
            ValueKind::Number(self.slice(start, self.position).to_owned()),
            span,
        ))
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.position += 1;
        }
    }

    fn parse_literal(&mut self) -> Result<Value, JsonError> {
        let start = self.position;
        let end = self.word_end(start);
        let kind = match self.slice(start, end) {
            "true" => ValueKind::Bool(true),
            "false" => ValueKind::Bool(false),
            "null" => ValueKind::Null,
            _ => return Err(self.unexpected("a value", None)),
        };
        self.position = end;
        Ok(Value::new(kind, Span::new(start, end)))
    }

    /// End of a run of identifier-like ASCII characters, for literals and
    /// for naming bare words in messages.
    fn word_end(&self, from: usize) -> usize {
        let mut end = from;
        while let Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'$' | b'.' | b'+' | b'-') =
            self.bytes.get(end)
        {
            end += 1;
        }
        end
    }

    /// "expected X, found Y" at the current position, or a more specific
    /// error when the input ends, a comment starts, or a bracket does not
    /// match.
    fn unexpected(&self, expected: &str, open: Option<&Frame>) -> JsonError {
        if self.position >= self.bytes.len() {
            return match open {
                Some(Frame::Array { start, .. }) => self.unclosed("array", *start),
                Some(Frame::Object { start, .. }) => self.unclosed("object", *start),
                None => JsonError::syntax(
                    Span::new(self.position, self.position),
                    format!("unexpected end of input: expected {expected}"),
                ),
            };
        }
        if let Some(comment) = self.comment_error() {
            return comment;
        }
        let found = self.describe_found();
        JsonError::syntax(
            self.found_span(),
            format!("expected {expected}, found {found}"),
        )
    }

    fn comment_error(&self) -> Option<JsonError> {
        match self.bytes.get(self.position..self.position + 2) {
            Some(b"//" | b"/*") => Some(JsonError::syntax(
                Span::new(self.position, self.position + 2),
                "comments are not allowed in JSON",
            )),
            _ => None,
        }
    }

    fn found_span(&self) -> Span {
        let end = match self.peek() {
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'$') => {
                self.word_end(self.position)
            }
            _ => self.char_end(self.position),
        };
        Span::new(self.position, end.max(self.position))
    }

    fn describe_found(&self) -> String {
        let Some(byte) = self.peek() else {
            return "end of input".to_owned();
        };
        match byte {
            b'"' => "a string".to_owned(),
            b'\'' => "`'` (JSON strings use double quotes)".to_owned(),
            b'{' => "`{`".to_owned(),
            b'[' => "`[`".to_owned(),
            b'-' | b'0'..=b'9' => {
                let span = self.found_span();
                format!(
                    "the number `{}`",
                    truncate(self.slice_lossy(span.start, span.end))
                )
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => {
                let span = self.found_span();
                format!("`{}`", truncate(self.slice_lossy(span.start, span.end)))
            }
            _ => {
                let span = self.found_span();
                let shown = self.slice_lossy(span.start, span.end);
                match shown.chars().next() {
                    Some(c) if c.is_control() || c.is_whitespace() || c == '\u{feff}' => {
                        format!("the character U+{:04X}", c as u32)
                    }
                    _ => format!("`{shown}`"),
                }
            }
        }
    }

    /// The input ended inside a string, array or object.
    fn unclosed(&self, what: &str, start: usize) -> JsonError {
        let (line, column) = line_column(self.text, start);
        let end = self.bytes.len();
        JsonError::syntax(
            Span::new(end, end),
            format!(
                "unexpected end of input: the {what} opened at line {line}, column {column} is not closed"
            ),
        )
    }
}

fn trailing_comma(comma: usize) -> JsonError {
    JsonError::syntax(
        Span::new(comma, comma + 1),
        "trailing comma is not allowed in JSON",
    )
}

fn lone_surrogate(start: usize, end: usize, code: u32) -> JsonError {
    JsonError::syntax(
        Span::new(start, end.max(start + 1)),
        format!(
            "lone surrogate `\\u{code:04X}` is not a Unicode character: a high surrogate (D800-DBFF) must be followed by a low surrogate (DC00-DFFF)"
        ),
    )
}

fn truncate(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// 1-based line and column (in characters) of a byte offset; used only on
/// the error path, so a linear scan is fine.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before
        .get(line_start..)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn error(text: &str) -> JsonError {
        parse_json(text).unwrap_err()
    }

    fn message(text: &str) -> String {
        error(text).message
    }

    #[test]
    fn parses_every_kind_of_value_with_spans() {
        let text = r#" {"a": [1, -2.5e3, true, false, null], "b": "x\ny"} "#;
        let value = parse_json(text).unwrap();
        assert_eq!(value.span, Span::new(1, text.len() - 1));
        let members = value.as_object().unwrap();
        assert_eq!(members[0].key.node, "a");
        assert_eq!(
            &text[members[0].key.span.start..members[0].key.span.end],
            "\"a\""
        );
        let items = members[0].value.as_array().unwrap();
        assert_eq!(items[1].kind, ValueKind::Number("-2.5e3".into()));
        assert_eq!(&text[items[1].span.start..items[1].span.end], "-2.5e3");
        assert_eq!(items[2].kind, ValueKind::Bool(true));
        assert_eq!(items[4].kind, ValueKind::Null);
        assert_eq!(members[1].value.as_str(), Some("x\ny"));
    }

    #[test]
    fn keeps_duplicate_keys_in_order() {
        let value = parse_json(r#"{"a": 1, "a": 2}"#).unwrap();
        let members = value.as_object().unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(value.get("a").unwrap().kind, ValueKind::Number("2".into()));
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let value = parse_json(r#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(value.as_str(), Some("\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}"));
    }

    #[test]
    fn rejects_lone_surrogates() {
        assert!(message(r#""\ud800""#).starts_with("lone surrogate `\\uD800`"));
        assert!(message(r#""\ud800\u0041""#).starts_with("lone surrogate"));
        assert!(message(r#""\udc00""#).starts_with("lone surrogate `\\uDC00`"));
    }

    #[test]
    fn rejects_invalid_escapes() {
        let e = error(r#""a\x""#);
        assert!(e.message.starts_with("invalid escape sequence `\\x`"));
        assert_eq!(e.span, Span::new(2, 4));
        assert!(message(r#""\u12g4""#).starts_with("invalid unicode escape"));
    }

    #[test]
    fn rejects_control_characters_in_strings() {
        assert!(message("\"a\nb\"").starts_with("unescaped line break"));
        assert_eq!(
            message("\"a\u{1}b\""),
            "control character U+0001 must be escaped in a JSON string"
        );
    }

    #[test]
    fn reports_expected_and_found() {
        assert_eq!(
            message(r#"{"a": 1 ]"#),
            "expected `,` or `}` after an object member, found `]`"
        );
        assert_eq!(
            message("[1 2]"),
            "expected `,` or `]` after an array element, found the number `2`"
        );
        assert_eq!(
            message(r#"{"a" 1}"#),
            "expected `:` after an object key, found the number `1`"
        );
        assert_eq!(message("{a: 1}"), "expected a string key, found `a`");
        assert_eq!(
            message("{'a': 1}"),
            "expected a string key, found `'` (JSON strings use double quotes)"
        );
        assert_eq!(message("[True]"), "expected a value, found `True`");
        assert_eq!(message("[NaN]"), "expected a value, found `NaN`");
        assert_eq!(message("[.5]"), "expected a value, found `.`");
        assert_eq!(message("[+1]"), "expected a value, found `+`");
        assert_eq!(message(""), "unexpected end of input: expected a value");
    }

    #[test]
    fn rejects_trailing_commas_and_comments() {
        let e = error("[1, 2, ]");
        assert_eq!(e.message, "trailing comma is not allowed in JSON");
        assert_eq!(e.span, Span::new(5, 6));
        assert_eq!(
            message(r#"{"a": 1,}"#),
            "trailing comma is not allowed in JSON"
        );
        assert_eq!(message("{ // note\n}"), "comments are not allowed in JSON");
        assert_eq!(message("[1 /* x */]"), "comments are not allowed in JSON");
        assert_eq!(message("{} // end"), "comments are not allowed in JSON");
    }

    #[test]
    fn reports_unclosed_containers_with_their_position() {
        assert_eq!(
            message("{\n  \"a\": [1,"),
            "unexpected end of input: the array opened at line 2, column 8 is not closed"
        );
        assert_eq!(
            message("{\"a\": 1"),
            "unexpected end of input: the object opened at line 1, column 1 is not closed"
        );
        assert_eq!(
            message("{\"a\""),
            "unexpected end of input: the object opened at line 1, column 1 is not closed"
        );
        assert_eq!(
            message("[\"abc"),
            "unexpected end of input: the string opened at line 1, column 2 is not closed"
        );
    }

    #[test]
    fn checks_number_grammar() {
        assert_eq!(
            message("01"),
            "leading zeros are not allowed in JSON numbers: `01`"
        );
        assert_eq!(
            message("-"),
            "unexpected end of input: expected a digit after `-`"
        );
        assert_eq!(
            message("[1.]"),
            "expected a digit after the decimal point, found `]`"
        );
        assert_eq!(
            message("[1e]"),
            "expected a digit in the exponent, found `]`"
        );
        assert!(parse_json("-0").is_ok());
        assert!(parse_json("0.5E+10").is_ok());
        assert!(parse_json("1E-2").is_ok());
    }

    #[test]
    fn rejects_trailing_content() {
        assert_eq!(
            message("{} {}"),
            "expected end of input after the JSON value, found `{`"
        );
    }

    #[test]
    fn skips_a_leading_byte_order_mark() {
        let value = parse_json("\u{feff}{}").unwrap();
        assert_eq!(value.span, Span::new(3, 5));
        // Elsewhere U+FEFF is not whitespace.
        assert_eq!(
            message("{}\u{feff}"),
            "expected end of input after the JSON value, found the character U+FEFF"
        );
    }

    #[test]
    fn reports_invalid_utf8_at_the_first_bad_byte() {
        let e = parse_json_bytes(b"{\"a\": \"\xff\"}").unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::InvalidUtf8);
        assert_eq!(e.span.start, 7);
        assert_eq!(
            e.message,
            "the file is not valid UTF-8: invalid byte `0xff` at byte offset 7"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let e = error(&text);
        assert_eq!(e.kind, JsonErrorKind::TooDeep);
        assert_eq!(e.span, Span::new(128, 129));
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(parse_json(&ok).is_ok());
        let limits = JsonLimits {
            max_depth: 200_000,
            max_size: usize::MAX,
        };
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        // Iterative parsing: even an absurd limit does not overflow the stack.
        let value = parse_json_with_limits(&deep, limits).unwrap();
        // Dropping the tree is recursive; leak it rather than test that here.
        std::mem::forget(value);
    }

    #[test]
    fn large_input_is_refused_before_parsing() {
        let limits = JsonLimits {
            max_depth: 128,
            max_size: 10,
        };
        let e = parse_json_with_limits("[1, 2, 3, 4, 5]", limits).unwrap_err();
        assert_eq!(e.kind, JsonErrorKind::TooLarge);
        assert_eq!(
            e.message,
            "the input is too large: 15 bytes, the limit is 10 bytes"
        );
    }

    #[test]
    fn agrees_with_serde_json_on_valid_documents() {
        let text = r#"{"k": ["a\u0041", 1.5, {"n": null}], "e": {}, "z": []}"#;
        let ours = parse_json(text).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        fn same(a: &Value, b: &serde_json::Value) -> bool {
            match (&a.kind, b) {
                (ValueKind::Null, serde_json::Value::Null) => true,
                (ValueKind::Bool(x), serde_json::Value::Bool(y)) => x == y,
                (ValueKind::Number(x), serde_json::Value::Number(y)) => {
                    x.parse::<f64>().ok() == y.as_f64()
                }
                (ValueKind::String(x), serde_json::Value::String(y)) => x == y,
                (ValueKind::Array(x), serde_json::Value::Array(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
                }
                (ValueKind::Object(x), serde_json::Value::Object(y)) => {
                    x.len() == y.len()
                        && x.iter()
                            .all(|m| y.get(&m.key.node).is_some_and(|v| same(&m.value, v)))
                }
                _ => false,
            }
        }
        assert!(same(&ours, &theirs));
    }
}
