//! A file's text and the mapping from byte offsets to lines and columns.

use leash_policy::LineIndex;

pub struct SourceFile {
    /// The path as the user wrote it (or as found under a folder they named).
    pub path: String,
    /// The file's text. Invalid UTF-8 is replaced after the first bad byte;
    /// offsets before it are exact, and the only finding on such a file
    /// points at that byte.
    pub text: String,
    index: LineIndex,
}

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        let index = LineIndex::new(&text);
        SourceFile { path, text, index }
    }

    /// A file read as bytes: valid UTF-8 (nearly every file) is kept
    /// without a copy, anything else converted lossily.
    pub fn from_vec(path: String, bytes: Vec<u8>) -> Self {
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned());
        Self::new(path, text)
    }

    /// 1-based line and column (in characters) of a byte offset. An offset
    /// at the very end of a text that ends with a newline ("unexpected end
    /// of input") is shown at the end of the last line, as editors do,
    /// rather than on an empty line after it.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.index.line_col(&self.text, self.displayed(offset))
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
