//! Byte spans into a source text, and values that carry one.
//!
//! Spans are byte ranges; line and column are computed only when a
//! diagnostic is printed (see [`LineIndex`]).

use std::fmt;

/// A half-open byte range `start..end` into one source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span that covers both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// A value with the span of the source text it was read from.
///
/// Equality and hashing look at the value only: two nodes are equal when
/// they say the same thing, wherever they were written. This is what makes
/// `parse(print(p)) == p` a meaningful property.
#[derive(Clone)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub const fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            node: f(self.node),
            span: self.span,
        }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.node.hash(state)
    }
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}@{}..{}", self.node, self.span.start, self.span.end)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.node
    }
}

/// Maps byte offsets of one text to 1-based line and column numbers.
///
/// Columns count characters (Unicode scalar values), not bytes, so that
/// editors and SARIF viewers point at the right place in non-ASCII text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// 1-based (line, column) of a byte offset. Offsets past the end map to
    /// the end; offsets inside a multi-byte character map to that character.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = text
            .get(start..)
            .map(|rest| {
                rest.char_indices()
                    .take_while(|(i, _)| start + i < offset)
                    .count()
            })
            .unwrap_or(0);
        (line + 1, column + 1)
    }

    /// Byte range of the 1-based line `line`, without its line terminator.
    pub fn line_range(&self, text: &str, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let mut end = self.line_starts.get(line).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        Some(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncd\n\u{e9}x";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 1), (1, 2));
        assert_eq!(index.line_col(text, 3), (2, 1));
        // 'x' follows a two-byte character: column 2, not 3.
        assert_eq!(index.line_col(text, 8), (3, 2));
        assert_eq!(index.line_col(text, 999), (3, 3));
    }

    #[test]
    fn spanned_equality_ignores_position() {
        let a = Spanned::new("x", Span::new(0, 1));
        let b = Spanned::new("x", Span::new(5, 6));
        assert_eq!(a, b);
    }
}
