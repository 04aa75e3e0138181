//! One source text per input file: its bytes decoded once, up front, so
//! that every reader (JSON, YAML, templates, plans, requests) works on the
//! same `str` and every span falls on a character boundary of it.
//!
//! For: turning a file's bytes into the text leash reads, or a positioned
//! error saying why it cannot.
//!
//! Not for: parsing (see `json`, `leash-iac`), or printing positions.
//!
//! Decisions:
//! - UTF-8, with or without a byte order mark, is the text as it is (the
//!   mark stays in the text, so offsets are byte offsets into the file; the
//!   JSON reader skips it, RFC 8259 section 8.1).
//! - UTF-16 is read when a byte order mark says so (`FF FE` little-endian,
//!   `FE FF` big-endian), as editors on Windows save it; the mark is decoded
//!   to U+FEFF like UTF-8's. Without a mark the byte order is a guess, and
//!   leash does not guess: such a file reads as (invalid) UTF-8.
//! - UTF-32 (a `FF FE 00 00` or `00 00 FE FF` mark) is refused by name.
//! - An undecodable file still gets a text, for showing where it went
//!   wrong: what decoded, each bad sequence replaced by U+FFFD. The error's
//!   span covers the first U+FFFD, a whole character.

use crate::span::Span;

/// How a file's bytes were read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a leading byte order mark.
    Utf8WithBom,
    Utf16LittleEndian,
    Utf16BigEndian,
    /// Refused (see [`DecodeError`]); the text is only for showing where.
    Utf32,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8WithBom => "UTF-8 with a byte order mark",
            Encoding::Utf16LittleEndian => "UTF-16 little-endian",
            Encoding::Utf16BigEndian => "UTF-16 big-endian",
            Encoding::Utf32 => "UTF-32",
        }
    }
}

/// Why a file's bytes are not text leash reads, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    /// Byte offset of the first bad byte in the file.
    pub byte_offset: usize,
    /// Where that byte shows in [`SourceText::text`]: a whole character.
    pub span: Span,
    /// Lowercase, no trailing period.
    pub message: String,
}

/// A file's text, decoded once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceText {
    pub text: String,
    pub encoding: Encoding,
    /// Set when the bytes could not be decoded; `text` then holds what
    /// could, with U+FFFD in place of each bad sequence.
    pub error: Option<DecodeError>,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a file's bytes (see the module docs). Valid UTF-8 (nearly every
/// file) is kept without a copy.
pub fn decode(bytes: Vec<u8>) -> SourceText {
    if bytes.starts_with(b"\xFF\xFE\x00\x00") || bytes.starts_with(b"\x00\x00\xFE\xFF") {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let end = text.chars().next().map_or(0, char::len_utf8);
        return SourceText {
            text,
            encoding: Encoding::Utf32,
            error: Some(DecodeError {
                byte_offset: 0,
                span: Span::new(0, end),
                message: "the file is UTF-32 (its byte order mark says so), which leash does not read: save it as UTF-8".to_string(),
            }),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_utf16(rest, Encoding::Utf16LittleEndian, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_utf16(rest, Encoding::Utf16BigEndian, u16::from_be_bytes);
    }
    let encoding = if bytes.starts_with(UTF8_BOM) {
        Encoding::Utf8WithBom
    } else {
        Encoding::Utf8
    };
    match String::from_utf8(bytes) {
        Ok(text) => SourceText {
            text,
            encoding,
            error: None,
        },
        Err(error) => {
            let start = error.utf8_error().valid_up_to();
            let bytes = error.as_bytes();
            let bad = bytes.get(start).copied().unwrap_or(0);
            // The valid prefix is copied as is, and the first bad sequence
            // becomes one U+FFFD: the span is exactly that character.
            let text = String::from_utf8_lossy(bytes).into_owned();
            SourceText {
                text,
                encoding,
                error: Some(DecodeError {
                    byte_offset: start,
                    span: Span::new(start, start + char::REPLACEMENT_CHARACTER.len_utf8()),
                    message: format!(
                        "the file is not valid UTF-8: invalid byte `0x{bad:02x}` at byte offset {start} (leash reads UTF-8, or UTF-16 with a byte order mark)"
                    ),
                }),
            }
        }
    }
}

/// Reads a file and decodes it; an error says which file and, for
/// undecodable bytes, where.
pub fn read_file(path: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|error| format!("cannot read `{}`: {error}", path.display()))?;
    let decoded = decode(bytes);
    match decoded.error {
        None => Ok(decoded.text),
        Some(error) => Err(format!(
            "cannot read `{}`: {}",
            path.display(),
            error.message
        )),
    }
}

/// UTF-16 after its byte order mark; the mark is decoded as U+FEFF.
fn decode_utf16(rest: &[u8], encoding: Encoding, unit: fn([u8; 2]) -> u16) -> SourceText {
    let mut text = String::with_capacity(rest.len() / 2 + 3);
    text.push('\u{FEFF}');
    let mut error: Option<DecodeError> = None;
    let units = rest.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    // Byte offset in the file of each unit: the mark, then two per unit.
    let mut offset = 2;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(character) => {
                text.push(character);
                offset += 2 * character.len_utf16();
            }
            Err(bad) => {
                if error.is_none() {
                    let start = text.len();
                    error = Some(DecodeError {
                        byte_offset: offset,
                        span: Span::new(start, start + char::REPLACEMENT_CHARACTER.len_utf8()),
                        message: format!(
                            "the file is not valid {}: unpaired surrogate `0x{:04x}` at byte offset {offset}",
                            encoding.as_str(),
                            bad.unpaired_surrogate()
                        ),
                    });
                }
                text.push(char::REPLACEMENT_CHARACTER);
                offset += 2;
            }
        }
    }
    if rest.len() % 2 == 1 && error.is_none() {
        let start = text.len();
        error = Some(DecodeError {
            byte_offset: rest.len() + 1,
            span: Span::new(start, start + char::REPLACEMENT_CHARACTER.len_utf8()),
            message: format!(
                "the file is not valid {}: it ends in the middle of a character (an odd number of bytes)",
                encoding.as_str()
            ),
        });
        text.push(char::REPLACEMENT_CHARACTER);
    }
    SourceText {
        text,
        encoding,
        error,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn utf8_is_kept_as_is_with_or_without_a_mark() {
        let plain = decode(b"{\"a\": \"\xC3\xA9\"}".to_vec());
        assert_eq!(plain.text, "{\"a\": \"é\"}");
        assert_eq!(plain.encoding, Encoding::Utf8);
        assert!(plain.error.is_none());
        let marked = decode(b"\xEF\xBB\xBF{}".to_vec());
        assert_eq!(marked.text, "\u{FEFF}{}");
        assert_eq!(marked.encoding, Encoding::Utf8WithBom);
    }

    #[test]
    fn a_latin1_byte_is_an_error_on_a_whole_character() {
        let decoded = decode(b"{\"a\": \"caf\xE9\"}\n".to_vec());
        let error = decoded.error.unwrap();
        assert_eq!(error.byte_offset, 10);
        assert!(decoded.text.is_char_boundary(error.span.start));
        assert!(decoded.text.is_char_boundary(error.span.end));
        assert_eq!(&decoded.text[error.span.start..error.span.end], "\u{FFFD}");
        assert!(error.message.contains("0xe9"), "{}", error.message);
    }

    #[test]
    fn utf16_with_a_mark_is_decoded_both_ways() {
        let little = decode(utf16le("{\"é\": 1}"));
        assert_eq!(little.text, "\u{FEFF}{\"é\": 1}");
        assert_eq!(little.encoding, Encoding::Utf16LittleEndian);
        assert!(little.error.is_none());
        let mut big = vec![0xFE, 0xFF];
        for unit in "{}😀".encode_utf16() {
            big.extend_from_slice(&unit.to_be_bytes());
        }
        let big = decode(big);
        assert_eq!(big.text, "\u{FEFF}{}😀");
        assert_eq!(big.encoding, Encoding::Utf16BigEndian);
    }

    #[test]
    fn broken_utf16_is_refused_with_a_position() {
        let mut bytes = utf16le("{}");
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&u16::from(b'x').to_le_bytes());
        let decoded = decode(bytes);
        let error = decoded.error.unwrap();
        assert_eq!(error.byte_offset, 6);
        assert_eq!(&decoded.text[error.span.start..error.span.end], "\u{FFFD}");
        let odd = decode(vec![0xFF, 0xFE, b'{', 0, b'}']);
        let error = odd.error.unwrap();
        assert!(error.message.contains("odd number"), "{}", error.message);
        assert!(odd.text.is_char_boundary(error.span.start));
    }

    #[test]
    fn utf32_is_refused_by_name() {
        let decoded = decode(vec![0xFF, 0xFE, 0, 0, b'{', 0, 0, 0]);
        assert_eq!(decoded.encoding, Encoding::Utf32);
        assert!(decoded.error.unwrap().message.contains("UTF-32"));
    }

    #[test]
    fn every_error_span_is_on_character_boundaries() {
        for bytes in [
            vec![0xC3],
            vec![b'a', 0xE2, 0x82],
            vec![0xF0, 0x9F, 0x98, b'x', 0xFF],
            vec![0xFF, 0xFE, 0x00],
            vec![0xFE, 0xFF, 0xDC, 0x00],
        ] {
            let decoded = decode(bytes.clone());
            let error = decoded.error.unwrap();
            assert!(error.span.end <= decoded.text.len(), "{bytes:?}");
            assert!(decoded.text.is_char_boundary(error.span.start), "{bytes:?}");
            assert!(decoded.text.is_char_boundary(error.span.end), "{bytes:?}");
        }
    }
}
