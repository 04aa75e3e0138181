//! A file's text and the mapping from byte offsets to lines and columns.

use leash_policy::LineIndex;

pub struct SourceFile {
    /// The path as the user wrote it (or as found under a folder they named).
    pub path: String,
    /// The file's text, decoded once (`leash_policy::source_text`): every
    /// reader and every span works on this text. An undecodable file keeps
    /// what decoded, with U+FFFD in place of each bad sequence.
    pub text: String,
    index: LineIndex,
}

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        let index = LineIndex::new(&text);
        SourceFile { path, text, index }
    }

    /// A file read as bytes, decoded as every command decodes input: the
    /// text, or why it cannot be read (with the text that could, for
    /// showing where).
    pub fn decode(
        path: String,
        bytes: Vec<u8>,
    ) -> (Self, Option<leash_policy::source_text::DecodeError>) {
        let decoded = leash_policy::source_text::decode(bytes);
        (Self::new(path, decoded.text), decoded.error)
    }

    /// Reads and decodes a file; an undecodable one is an error message
    /// with the position of its first bad byte.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let bytes = std::fs::read(path)
            .map_err(|err| format!("error: cannot read `{}`: {err}", path.display()))?;
        match Self::decode(path.display().to_string(), bytes) {
            (source, None) => Ok(source),
            (source, Some(error)) => Err(crate::render::render_error(
                &source,
                error.span,
                &format!("cannot read `{}`: {}", source.path, error.message),
            )),
        }
    }

    /// 1-based line and column (in characters) of a byte offset. An offset
    /// at the very end of a text that ends with a newline ("unexpected end
    /// of input") is shown at the end of the last line, as editors do,
    /// rather than on an empty line after it.
    /// A byte order mark is not a column: editors do not show it.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, column) = self.index.line_col(&self.text, self.displayed(offset));
        if line == 1 && column > 1 && self.text.starts_with('\u{FEFF}') {
            (line, column - 1)
        } else {
            (line, column)
        }
    }

    /// The offset a position is displayed at (see [`SourceFile::line_col`]).
    pub fn displayed(&self, offset: usize) -> usize {
        if offset >= self.text.len() && self.text.ends_with('\n') {
            self.text.trim_end_matches(['\n', '\r']).len()
        } else {
            offset
        }
    }

    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        self.index.line_range(&self.text, line)
    }
}
