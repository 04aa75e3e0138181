//! An ordered JSON tree for the files `leash design` writes whole (the
//! designed template, Terraform JSON): members keep the order they were
//! read or inserted in, so a rewritten template reads like its source.
//!
//! Not for: reading policies (`leash_policy::json`) or checking them; this
//! only carries values from a read document to printed text.

use leash_policy::{Value, ValueKind};

/// A JSON value whose objects keep their member order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Null,
    Bool(bool),
    /// As written; printed as a JSON number when it is one, else as a string.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// The tree of a read document. Of duplicate keys the last one is kept,
    /// as CloudFormation and IAM do.
    pub fn from_value(value: &Value) -> Node {
        match &value.kind {
            ValueKind::Null => Node::Null,
            ValueKind::Bool(b) => Node::Bool(*b),
            ValueKind::Number(n) => Node::Number(n.clone()),
            ValueKind::String(s) => Node::String(s.clone()),
            ValueKind::Array(items) => Node::Array(items.iter().map(Node::from_value).collect()),
            ValueKind::Object(members) => {
                let mut object = Node::Object(Vec::new());
                for member in members {
                    object.insert(&member.key.node, Node::from_value(&member.value));
                }
                object
            }
        }
    }

    /// The tree of a JSON text (e.g. a policy printed by `print_policy`).
    pub fn from_json_text(text: &str) -> Result<Node, String> {
        leash_policy::json::parse_json(text)
            .map(|value| Node::from_value(&value))
            .map_err(|error| error.message)
    }

    pub fn string(text: impl Into<String>) -> Node {
        Node::String(text.into())
    }

    /// An object from `(key, value)` pairs, in that order.
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// `{"Ref": target}`.
    pub fn reference(target: &str) -> Node {
        Node::object([("Ref", Node::string(target))])
    }

    /// `{"Fn::GetAtt": [target, attribute]}`.
    pub fn get_att(target: &str, attribute: &str) -> Node {
        Node::object([(
            "Fn::GetAtt",
            Node::Array(vec![Node::string(target), Node::string(attribute)]),
        )])
    }

    /// `{"Fn::Sub": text}`.
    pub fn sub(text: impl Into<String>) -> Node {
        Node::object([("Fn::Sub", Node::String(text.into()))])
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match self {
            Node::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Node)]> {
        match self {
            Node::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Object(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key`, in place when present, else at the end. No effect on a
    /// node that is not an object.
    pub fn insert(&mut self, key: &str, value: Node) {
        if let Node::Object(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, slot)) => *slot = value,
                None => members.push((key.to_string(), value)),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        match self {
            Node::Object(members) => {
                let position = members.iter().position(|(k, _)| k == key)?;
                Some(members.remove(position).1)
            }
            _ => None,
        }
    }

    /// Every string in the tree, rewritten by `rewrite` (which returns the
    /// replacement node, or `None` to keep the string).
    pub fn rewrite_strings(&mut self, rewrite: &dyn Fn(&str) -> Option<Node>) {
        match self {
            Node::String(text) => {
                if let Some(replacement) = rewrite(text) {
                    *self = replacement;
                }
            }
            Node::Array(items) => items.iter_mut().for_each(|i| i.rewrite_strings(rewrite)),
            Node::Object(members) => members
                .iter_mut()
                .for_each(|(_, v)| v.rewrite_strings(rewrite)),
            Node::Null | Node::Bool(_) | Node::Number(_) => {}
        }
    }

    /// Pretty JSON, 2-space indent, with a final newline.
    /// As a `serde_json` value (numbers that are not JSON numbers stay
    /// strings).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Node::Null => Json::Null,
            Node::Bool(b) => Json::Bool(*b),
            Node::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Json::Number)
                .unwrap_or_else(|_| Json::String(n.clone())),
            Node::String(s) => Json::String(s.clone()),
            Node::Array(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Node::Object(members) => Json::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    pub fn to_pretty_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    /// JSON on one line, no spaces (e.g. a policy embedded as a string).
    pub fn to_compact_json(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Node::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Node::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&quote(key));
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
            scalar => scalar.write(out, 0),
        }
    }

    fn write(&self, out: &mut String, depth: usize) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Node::Number(n) => out.push_str(&json_number(n)),
            Node::String(s) => out.push_str(&quote(s)),
            Node::Array(items) if items.is_empty() => out.push_str("[]"),
            Node::Object(members) if members.is_empty() => out.push_str("{}"),
            Node::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.write(out, depth + 1);
                }
                newline(out, depth);
                out.push(']');
            }
            Node::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    out.push_str(&quote(key));
                    out.push_str(": ");
                    value.write(out, depth + 1);
                }
                newline(out, depth);
                out.push('}');
            }
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// A number as JSON: YAML writes some numbers JSON does not accept (`.5`,
/// `5.`); those are printed in JSON's form, and anything else that is not
/// a number stays a string rather than producing invalid JSON.
fn json_number(written: &str) -> String {
    if serde_json::from_str::<serde_json::Number>(written).is_ok() {
        return written.to_string();
    }
    match written
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        Some(number) => number.to_string(),
        None => quote(written),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keeps_member_order_and_round_trips() {
        let text = r#"{"b": 1, "a": [true, null, "x\"y"], "c": {"z": 2.50, "y": {}}}"#;
        let node = Node::from_json_text(text).unwrap();
        let printed = node.to_pretty_json();
        assert!(printed.find("\"b\"").unwrap() < printed.find("\"a\"").unwrap());
        assert!(printed.contains("2.50"));
        let again: serde_json::Value = serde_json::from_str(&printed).unwrap();
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(again, original);
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let node = Node::from_json_text(r#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(node.get("a"), Some(&Node::Number("2".into())));
        assert_eq!(node.as_object().unwrap().len(), 1);
    }

    #[test]
    fn yaml_numbers_print_as_json_numbers() {
        assert_eq!(json_number(".5"), "0.5");
        assert_eq!(json_number("5."), "5.0");
        assert_eq!(json_number("1e3"), "1e3");
        assert_eq!(json_number("nan-ish"), "\"nan-ish\"");
    }
}
