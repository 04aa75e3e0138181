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

    pub fn from_bytes(path: String, bytes: &[u8]) -> Self {
        Self::new(path, String::from_utf8_lossy(bytes).into_owned())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.index.line_col(&self.text, offset)
    }

    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        self.index.line_range(&self.text, line)
    }
}
