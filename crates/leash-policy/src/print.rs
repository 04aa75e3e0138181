//! Writes a policy AST back as canonical, pretty JSON.
//!
//! For: showing policies to people (designs, fixes, reports) in one stable
//! layout: 2-space indent; `Version`, `Id`, `Statement`; in a statement
//! `Sid`, `Effect`, `Principal`/`NotPrincipal`, `Action`/`NotAction`,
//! `Resource`/`NotResource`, `Condition`. A one-element list is written as
//! a bare string, as AWS treats both the same. Numbers are written as they
//! were read. `parse_policy_text(&print_policy(&p)).policy == Some(p)`.
//!
//! Not for: preserving the user's formatting or comments (JSON has none);
//! edits that must keep the rest of a file intact should splice text at
//! spans instead.

use std::fmt::Write as _;

use crate::ast::{Condition, ConditionValue, Policy, Principal, PrincipalClause, Statement};
use crate::span::Spanned;

/// The policy as pretty JSON, ending with a newline.
pub fn print_policy(policy: &Policy) -> String {
    let mut printer = Printer {
        out: String::with_capacity(256 + policy.statements.len() * 256),
        indent: 0,
    };
    printer.policy(policy);
    printer.out.push('\n');
    printer.out
}

/// One statement as pretty JSON (no trailing newline), for reports that
/// quote a single statement.
pub fn print_statement(statement: &Statement) -> String {
    let mut printer = Printer {
        out: String::new(),
        indent: 0,
    };
    printer.statement(statement);
    printer.out
}

struct Printer {
    out: String,
    indent: usize,
}

/// Writes members of one object, handling commas and indentation.
struct ObjectWriter {
    first: bool,
}

impl Printer {
    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
    }

    fn open_object(&mut self) -> ObjectWriter {
        self.out.push('{');
        self.indent += 1;
        ObjectWriter { first: true }
    }

    fn key(&mut self, writer: &mut ObjectWriter, key: &str) {
        if !writer.first {
            self.out.push(',');
        }
        writer.first = false;
        self.newline();
        self.string(key);
        self.out.push_str(": ");
    }

    fn close_object(&mut self, writer: ObjectWriter) {
        self.indent -= 1;
        if writer.first {
            // An empty object stays on one line.
            self.out.push('}');
            return;
        }
        self.newline();
        self.out.push('}');
    }

    fn policy(&mut self, policy: &Policy) {
        let mut object = self.open_object();
        if let Some(version) = &policy.version {
            self.key(&mut object, "Version");
            self.string(version.node.as_str());
        }
        if let Some(id) = &policy.id {
            self.key(&mut object, "Id");
            self.string(&id.node);
        }
        self.key(&mut object, "Statement");
        match (policy.single_statement, policy.statements.as_slice()) {
            (true, [statement]) => self.statement(statement),
            (_, statements) => self.list(statements, |printer, statement| {
                printer.statement(statement)
            }),
        }
        self.close_object(object);
    }

    fn statement(&mut self, statement: &Statement) {
        let mut object = self.open_object();
        if let Some(sid) = &statement.sid {
            self.key(&mut object, "Sid");
            self.string(&sid.node);
        }
        self.key(&mut object, "Effect");
        self.string(statement.effect.node.as_str());
        if let Some(principal) = &statement.principal {
            let name = if principal.negated {
                "NotPrincipal"
            } else {
                "Principal"
            };
            self.key(&mut object, name);
            self.principal(principal);
        }
        let name = if statement.action.negated {
            "NotAction"
        } else {
            "Action"
        };
        self.key(&mut object, name);
        self.strings(&statement.action.patterns);
        if let Some(resource) = &statement.resource {
            let name = if resource.negated {
                "NotResource"
            } else {
                "Resource"
            };
            self.key(&mut object, name);
            self.strings(&resource.patterns);
        }
        if let Some(condition) = &statement.condition {
            self.key(&mut object, "Condition");
            self.condition(condition);
        }
        self.close_object(object);
    }

    fn principal(&mut self, clause: &PrincipalClause) {
        match &clause.principal {
            Principal::Wildcard => self.string("*"),
            Principal::Map(entries) => {
                let mut object = self.open_object();
                for entry in entries {
                    self.key(&mut object, entry.kind.node.as_str());
                    self.strings(&entry.values);
                }
                self.close_object(object);
            }
        }
    }

    fn condition(&mut self, condition: &Condition) {
        let mut object = self.open_object();
        for block in &condition.blocks {
            self.key(&mut object, &block.operator.node.name());
            let mut keys = self.open_object();
            for entry in &block.entries {
                self.key(&mut keys, &entry.key.node);
                match entry.values.as_slice() {
                    [value] => self.condition_value(&value.node),
                    values => self.list(values, |printer, value| {
                        printer.condition_value(&value.node)
                    }),
                }
            }
            self.close_object(keys);
        }
        self.close_object(object);
    }

    fn condition_value(&mut self, value: &ConditionValue) {
        match value {
            ConditionValue::String(text) => self.string(text),
            // Numbers keep their written form: `1.50` stays `1.50`.
            ConditionValue::Number(text) => self.out.push_str(text),
            ConditionValue::Bool(true) => self.out.push_str("true"),
            ConditionValue::Bool(false) => self.out.push_str("false"),
        }
    }

    /// A bare string for one element, an array otherwise (`[]` when empty).
    fn strings(&mut self, values: &[Spanned<String>]) {
        match values {
            [value] => self.string(&value.node),
            values => self.list(values, |printer, value| printer.string(&value.node)),
        }
    }

    fn list<T>(&mut self, items: &[T], mut write: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            self.out.push_str("[]");
            return;
        }
        self.out.push('[');
        self.indent += 1;
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.out.push(',');
            }
            self.newline();
            write(self, item);
        }
        self.indent -= 1;
        self.newline();
        self.out.push(']');
    }

    /// A JSON string literal: RFC 8259 requires escaping `"`, `\` and
    /// control characters; everything else is written as UTF-8.
    fn string(&mut self, text: &str) {
        self.out.reserve(text.len() + 2);
        self.out.push('"');
        let mut run_start = 0;
        for (index, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0C => "\\f",
                0x00..=0x1F => "",
                _ => continue,
            };
            self.out
                .push_str(text.get(run_start..index).unwrap_or_default());
            if escape.is_empty() {
                let _ = write!(self.out, "\\u{byte:04x}");
            } else {
                self.out.push_str(escape);
            }
            run_start = index + 1;
        }
        self.out.push_str(text.get(run_start..).unwrap_or_default());
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::parse::parse_policy_text;

    #[test]
    fn prints_in_canonical_order_and_layout() {
        let text = r#"{"Statement": [{"Condition": {"Bool": {"aws:SecureTransport": false}, "NumericLessThan": {"s3:max-keys": ["1.50", 10]}},
            "Resource": ["arn:aws:s3:::b/*"], "Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Deny", "Sid": "A",
            "Principal": {"AWS": "*"}}], "Id": "x", "Version": "2012-10-17"}"#;
        let policy = parse_policy_text(text).policy.unwrap();
        let expected = r#"{
  "Version": "2012-10-17",
  "Id": "x",
  "Statement": [
    {
      "Sid": "A",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "s3:GetObject",
        "s3:PutObject"
      ],
      "Resource": "arn:aws:s3:::b/*",
      "Condition": {
        "Bool": {
          "aws:SecureTransport": false
        },
        "NumericLessThan": {
          "s3:max-keys": [
            "1.50",
            10
          ]
        }
      }
    }
  ]
}
"#;
        assert_eq!(print_policy(&policy), expected);
    }

    #[test]
    fn keeps_a_single_statement_object_and_empty_lists() {
        let text = r#"{"Statement": {"Effect": "Allow", "NotAction": [], "NotResource": "*", "Condition": {}}}"#;
        let policy = parse_policy_text(text).policy.unwrap();
        let expected = "{\n  \"Statement\": {\n    \"Effect\": \"Allow\",\n    \"NotAction\": [],\n    \"NotResource\": \"*\",\n    \"Condition\": {}\n  }\n}\n";
        assert_eq!(print_policy(&policy), expected);
    }

    #[test]
    fn escapes_strings() {
        let text = r#"{"Statement": [], "Id": "q\"b\\s\n\u0001\u00e9/"}"#;
        let policy = parse_policy_text(text).policy.unwrap();
        let printed = print_policy(&policy);
        assert!(
            printed.contains(r#""Id": "q\"b\\s\n\u0001é/""#),
            "{printed}"
        );
        assert_eq!(parse_policy_text(&printed).policy.unwrap(), policy);
    }
}
