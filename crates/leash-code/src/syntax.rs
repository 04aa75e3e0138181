//! Small helpers over tree-sitter trees shared by the languages.

use tree_sitter::{Node, Parser, Tree};

use crate::value::Site;

/// Parses `source` with `language`; `None` when tree-sitter gives up
/// (cancelled or a language version mismatch).
pub fn parse(source: &str, language: &tree_sitter::Language) -> Option<Tree> {
    let mut parser = Parser::new();
    parser.set_language(language).ok()?;
    parser.parse(source, None)
}

/// [`parse`], or the gap that says `file` could not be parsed, for a
/// language reader to return as the file's only finding.
pub fn parse_file(
    source: &str,
    language: &tree_sitter::Language,
    file: &str,
) -> Result<Tree, crate::value::Gap> {
    parse(source, language).ok_or_else(|| crate::value::Gap {
        site: None,
        reason: format!("`{file}` could not be parsed"),
    })
}

/// The text of a node.
pub fn text<'s>(node: Node<'_>, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or("")
}

/// Every node of the tree, depth first, in source order.
pub fn each_node<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    loop {
        visit(cursor.node());
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The 1-based line and character column of a node's start.
pub fn site(node: Node<'_>, source: &str, file: &str) -> Site {
    let point = node.start_position();
    let line_start = node.start_byte().saturating_sub(point.column);
    let column = source
        .get(line_start..node.start_byte())
        .map_or(point.column, |s| s.chars().count());
    Site {
        file: file.to_string(),
        line: point.row + 1,
        column: column + 1,
    }
}

/// The named children of a node.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}
