//! Values known only at deployment written back into a CloudFormation
//! template: a designed string that holds symbols (`leash_policy::symbol`)
//! becomes `Fn::Sub` text, each symbol as the template writes it
//! (`${AWS::AccountId}`, `${OrdersTable}`, `${Queue.QueueName}`), and the
//! values `Fn::Sub` cannot name inline (an import, an `Fn::If` on a
//! condition only known at deployment, any other intrinsic) as variables of
//! the list form, bound to the intrinsic itself.
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html>
//!
//! Not for: which ARN a resource has (`access`), or the Terraform output
//! (`terraform`).

use leash_iac::Template;
use leash_policy::symbol::{Part, SymbolKind, SymbolTable, contains_symbol, parts};
use leash_policy::{Value, ValueKind};

use crate::json_tree::Node;

/// Writes designed strings with symbols as `Fn::Sub`.
pub(crate) struct SubWriter<'a> {
    table: SymbolTable,
    template: &'a Template,
    /// Set when a symbol could not be written (not in the table, or an
    /// intrinsic not found where the table says it is): the output would
    /// be wrong, so the writer refuses it.
    failed: std::cell::Cell<bool>,
}

impl<'a> SubWriter<'a> {
    pub(crate) fn new(template: &'a Template) -> SubWriter<'a> {
        SubWriter {
            table: template.symbols.table(),
            template,
            failed: std::cell::Cell::new(false),
        }
    }

    /// Whether every symbol met so far was written.
    pub(crate) fn succeeded(&self) -> bool {
        !self.failed.get()
    }

    /// A designed string: as it is when it holds no symbol, else
    /// `Fn::Sub` (its literal `${` escaped as `${!`).
    pub(crate) fn string(&self, text: &str) -> Node {
        if !contains_symbol(text) {
            return Node::string(text);
        }
        let mut variables = Vec::new();
        let body = self.body(text, true, &mut variables);
        sub_node(body, variables)
    }

    /// A `Fn::Sub` text of the designer's (literal parts already escaped)
    /// whose symbols are still to be written.
    pub(crate) fn sub(&self, text: &str) -> Node {
        let mut variables = Vec::new();
        let body = self.body(text, false, &mut variables);
        sub_node(body, variables)
    }

    fn body(&self, text: &str, escape: bool, variables: &mut Vec<(String, Node)>) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        for part in parts(text) {
            match part {
                Part::Text(literal) if escape => out.push_str(&literal.replace("${", "${!")),
                Part::Text(literal) => out.push_str(literal),
                Part::Symbol(index) => out.push_str(&self.symbol(index, variables)),
            }
        }
        out
    }

    /// How `Fn::Sub` names the symbol at `index`: inline where it can, else
    /// a variable bound to the intrinsic.
    fn symbol(&self, index: usize, variables: &mut Vec<(String, Node)>) -> String {
        let Some(symbol) = self.table.get(index) else {
            // Every symbol of a design comes from the template's table.
            self.failed.set(true);
            return "${!unknown}".to_string();
        };
        let bound = match &symbol.kind {
            SymbolKind::Pseudo(_)
            | SymbolKind::Parameter { .. }
            | SymbolKind::GeneratedName { .. }
            | SymbolKind::Attribute { .. } => return symbol.text.clone(),
            SymbolKind::Import { export } => {
                Node::object([("Fn::ImportValue", self.string(export))])
            }
            SymbolKind::Choice { condition, values } => {
                let mut arguments = vec![Node::string(condition.clone())];
                arguments.extend(values.iter().map(|v| self.string(v)));
                Node::object([("Fn::If", Node::Array(arguments))])
            }
            SymbolKind::Opaque { at, .. } => match intrinsic_at(&self.template.root, *at) {
                Some(value) => Node::from_value(value),
                None => {
                    self.failed.set(true);
                    return "${!unknown}".to_string();
                }
            },
        };
        if let Some((name, _)) = variables.iter().find(|(_, node)| *node == bound) {
            return format!("${{{name}}}");
        }
        let name = format!("LeashValue{}", variables.len() + 1);
        variables.push((name.clone(), bound));
        format!("${{{name}}}")
    }

    /// Every string of `root` (a designed template) that holds a symbol,
    /// written as `Fn::Sub`; `Fn::Sub` texts of the designer's get their
    /// symbols written in place.
    pub(crate) fn write_symbols(&self, node: &mut Node) {
        match node {
            Node::String(text) if contains_symbol(text) => *node = self.string(text),
            Node::Object(members) => {
                if let [(key, Node::String(text))] = members.as_slice()
                    && key == "Fn::Sub"
                {
                    if contains_symbol(text) {
                        *node = self.sub(&text.clone());
                    }
                    return;
                }
                for (_, value) in members {
                    self.write_symbols(value);
                }
            }
            Node::Array(items) => {
                for item in items {
                    self.write_symbols(item);
                }
            }
            _ => {}
        }
    }
}

/// `Fn::Sub` of `body`, in the list form when it binds variables.
fn sub_node(body: String, variables: Vec<(String, Node)>) -> Node {
    if variables.is_empty() {
        return Node::sub(body);
    }
    Node::object([(
        "Fn::Sub",
        Node::Array(vec![Node::String(body), Node::Object(variables)]),
    )])
}

/// The intrinsic the template writes at byte offset `at`.
fn intrinsic_at(value: &Value, at: usize) -> Option<&Value> {
    if value.span.start == at && matches!(value.kind, ValueKind::Object(_)) {
        return Some(value);
    }
    if !(value.span.start..=value.span.end).contains(&at) {
        return None;
    }
    match &value.kind {
        ValueKind::Object(members) => members
            .iter()
            .find_map(|member| intrinsic_at(&member.value, at)),
        ValueKind::Array(items) => items.iter().find_map(|item| intrinsic_at(item, at)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Symbols become `Fn::Sub` text as the template writes them; a symbol
    /// the template's table does not hold cannot be written, and the
    /// writer says so rather than emit a wrong ARN.
    #[test]
    fn symbols_become_sub_text_and_unknown_ones_fail() {
        let template = leash_iac::read_template("Resources: {}\n").unwrap();
        let account = template
            .symbols
            .intern(SymbolKind::Pseudo(leash_policy::symbol::Pseudo::AccountId))
            .unwrap();
        let writer = SubWriter::new(&template);
        assert_eq!(
            writer.string(&format!("arn:aws:iam::{account}:role/${{x}}")),
            Node::sub("arn:aws:iam::${AWS::AccountId}:role/${!x}")
        );
        assert_eq!(writer.string("plain"), Node::string("plain"));
        assert!(writer.succeeded());
        let stranger = leash_policy::symbol::symbol_char(500).unwrap();
        writer.string(&format!("table/{stranger}"));
        assert!(!writer.succeeded());
    }
}
