//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'x'}`,
//! and the escapes `${*}`, `${?}`, `${$}`.
//!
//! For: splitting a policy string into literal text and variables, reporting
//! malformed variables with their byte range (the linter), and resolving a
//! template against a request's context (the engine).
//!
//! Not for: deciding where variables are allowed (the engine only resolves
//! them in `Resource` and in String, ARN and Bool condition values, and only
//! under `"Version": "2012-10-17"`; elsewhere the text is literal).
//!
//! Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
//! - "Policy variables are marked using a `$` prefix followed by a pair of
//!   curly braces";
//! - the escapes `${*}`, `${?}`, `${$}` stand for the literal characters;
//! - a default value is written `${key, 'default'}`: single quotes, separated
//!   from the key by a comma and a space. leash accepts any amount of
//!   whitespace (including none) around the key and the comma;
//! - a variable whose key has no value "is effectively null. There is no
//!   equal or like value": the element it sits in matches nothing.

use std::ops::Range;

use crate::matching::PatternToken;

/// A policy string split into literal text and variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Text as written; `*` and `?` in it are wildcards where the element
    /// supports wildcards.
    Text(String),
    /// `${*}`, `${?}` or `${$}`: the character, never a wildcard.
    Escaped(char),
    Variable(PolicyVariable),
}

/// `${key}` or `${key, 'default'}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVariable {
    /// The context key as written (compared case-insensitively).
    pub key: String,
    pub default: Option<String>,
    /// Byte range of the whole `${...}` within the template text.
    pub range: Range<usize>,
}

/// A malformed `${...}`, with its byte range within the template text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub range: Range<usize>,
    pub message: String,
}

/// The values a variable can resolve to.
pub trait VariableSource {
    /// The single value of the context key `key`, or `None` when the key is
    /// absent or multivalued (multivalued keys cannot be used as variables).
    fn variable_value(&self, key: &str) -> Option<&str>;
}

impl Template {
    /// A template that is all literal text (what `2008-10-17` policies get).
    pub fn literal(text: &str) -> Self {
        Template {
            parts: vec![TemplatePart::Text(text.to_string())],
        }
    }

    pub fn has_variables(&self) -> bool {
        self.parts
            .iter()
            .any(|part| matches!(part, TemplatePart::Variable(_) | TemplatePart::Escaped(_)))
    }

    /// The variables, in order.
    pub fn variables(&self) -> impl Iterator<Item = &PolicyVariable> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Variable(variable) => Some(variable),
            _ => None,
        })
    }

    /// Resolves to plain text (for operators without wildcards); `None` when
    /// a variable has neither a value nor a default.
    pub fn resolve_text(&self, source: &dyn VariableSource) -> Option<String> {
        let mut text = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(literal) => text.push_str(literal),
                TemplatePart::Escaped(character) => text.push(*character),
                TemplatePart::Variable(variable) => text.push_str(resolve_one(variable, source)?),
            }
        }
        Some(text)
    }

    /// Resolves to wildcard tokens: `*`/`?` in written text are wildcards,
    /// escapes and substituted values are literal. `None` when a variable
    /// cannot be resolved.
    pub fn resolve_pattern(&self, source: &dyn VariableSource) -> Option<Vec<PatternToken>> {
        let mut tokens = Vec::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(literal) => tokens.extend(crate::matching::tokenize(literal)),
                TemplatePart::Escaped(character) => {
                    tokens.push(PatternToken::Literal(character.to_string()))
                }
                TemplatePart::Variable(variable) => tokens.push(PatternToken::Literal(
                    resolve_one(variable, source)?.to_string(),
                )),
            }
        }
        Some(tokens)
    }
}

fn resolve_one<'a>(
    variable: &'a PolicyVariable,
    source: &'a dyn VariableSource,
) -> Option<&'a str> {
    source
        .variable_value(&variable.key)
        .or(variable.default.as_deref())
}

/// Parses `text` as a policy-variable template (the `2012-10-17` reading).
///
/// A `$` not followed by `{` is literal text.
pub fn parse_template(text: &str) -> Result<Template, TemplateError> {
    let mut parts = Vec::new();
    let mut literal_start = 0;
    let mut position = 0;
    let bytes = text.as_bytes();
    while position < bytes.len() {
        if bytes[position] == b'$' && bytes.get(position + 1) == Some(&b'{') {
            if literal_start < position {
                parts.push(TemplatePart::Text(
                    text[literal_start..position].to_string(),
                ));
            }
            let (part, end) = parse_variable(text, position)?;
            parts.push(part);
            position = end;
            literal_start = end;
        } else {
            position += 1;
        }
    }
    if literal_start < bytes.len() {
        parts.push(TemplatePart::Text(text[literal_start..].to_string()));
    }
    Ok(Template { parts })
}

/// Parses the `${...}` starting at `start`; returns the part and the byte
/// just after the closing brace.
fn parse_variable(text: &str, start: usize) -> Result<(TemplatePart, usize), TemplateError> {
    let body_start = start + 2;
    let error = |end: usize, message: String| TemplateError {
        range: start..end,
        message,
    };
    // The default value may contain `}`, so find the end by scanning the
    // quoted default, if any.
    let rest = &text[body_start..];
    let close = match (rest.find('}'), rest.find('\'')) {
        (Some(brace), Some(quote)) if quote < brace => {
            // Closing quote of the default, then `}`.
            let after_quote = &rest[quote + 1..];
            let Some(closing_quote) = after_quote.find('\'') else {
                return Err(error(
                    text.len(),
                    "unterminated default value in policy variable".into(),
                ));
            };
            let tail = &after_quote[closing_quote + 1..];
            let trimmed = tail.trim_start();
            if !trimmed.starts_with('}') {
                return Err(error(
                    text.len(),
                    "expected `}` after the default value of a policy variable".into(),
                ));
            }
            quote + 1 + closing_quote + 1 + (tail.len() - trimmed.len())
        }
        (Some(brace), _) => brace,
        (None, _) => {
            return Err(error(
                text.len(),
                "policy variable is missing its closing `}`".into(),
            ));
        }
    };
    let end = body_start + close + 1;
    let body = &rest[..close];
    match body {
        "*" => return Ok((TemplatePart::Escaped('*'), end)),
        "?" => return Ok((TemplatePart::Escaped('?'), end)),
        "$" => return Ok((TemplatePart::Escaped('$'), end)),
        _ => {}
    }
    let (key_text, default) = match body.find(',') {
        Some(comma) => {
            let default_text = body[comma + 1..].trim();
            let inner = default_text
                .strip_prefix('\'')
                .and_then(|rest| rest.strip_suffix('\''))
                .ok_or_else(|| {
                    error(
                        end,
                        format!(
                            "default value `{default_text}` must be in single quotes, as in `${{aws:username, 'anonymous'}}`"
                        ),
                    )
                })?;
            (&body[..comma], Some(inner.to_string()))
        }
        None => (body, None),
    };
    let key = key_text.trim();
    if key.is_empty() {
        return Err(error(end, "policy variable has no key name".into()));
    }
    if let Some(bad) = key
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '$' | '{' | '\'' | '"'))
    {
        return Err(error(
            end,
            format!("unexpected `{bad}` in policy variable key `{key}`"),
        ));
    }
    Ok((
        TemplatePart::Variable(PolicyVariable {
            key: key.to_string(),
            default,
            range: start..end,
        }),
        end,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Values(Vec<(&'static str, &'static str)>);
    impl VariableSource for Values {
        fn variable_value(&self, key: &str) -> Option<&str> {
            self.0
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| *v)
        }
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    #[test]
    fn variables_text_and_escapes() {
        let template = parse_template("home/${aws:username}/${*}x$y").unwrap();
        assert_eq!(
            template.parts,
            vec![
                TemplatePart::Text("home/".into()),
                TemplatePart::Variable(PolicyVariable {
                    key: "aws:username".into(),
                    default: None,
                    range: 5..20
                }),
                TemplatePart::Text("/".into()),
                TemplatePart::Escaped('*'),
                TemplatePart::Text("x$y".into()),
            ]
        );
        let source = Values(vec![("aws:UserName", "bob")]);
        assert_eq!(template.resolve_text(&source).unwrap(), "home/bob/*x$y");
        let tokens = template.resolve_pattern(&source).unwrap();
        assert!(tokens.iter().all(|t| matches!(t, PatternToken::Literal(_))));
    }

    #[test]
    fn default_values() {
        // "${aws:PrincipalTag/team, 'company-wide'}"
        let template = parse_template("${aws:PrincipalTag/team, 'company-wide'}").unwrap();
        let empty = Values(vec![]);
        assert_eq!(template.resolve_text(&empty).unwrap(), "company-wide");
        let with_team = Values(vec![("aws:principaltag/team", "orders")]);
        assert_eq!(template.resolve_text(&with_team).unwrap(), "orders");
        let braces = parse_template("${aws:username,'a}b'}!").unwrap();
        assert_eq!(braces.resolve_text(&empty).unwrap(), "a}b!");
    }

    #[test]
    fn unresolvable_variable_yields_none() {
        // "effectively null. There is no equal or like value"
        let template = parse_template("${aws:username}").unwrap();
        assert_eq!(template.resolve_text(&Values(vec![])), None);
        assert_eq!(template.resolve_pattern(&Values(vec![])), None);
    }

    #[test]
    fn malformed_variables_report_ranges() {
        let error = parse_template("ab${aws:username").unwrap_err();
        assert_eq!(error.range, 2..16);
        assert!(error.message.contains("closing"));
        let error = parse_template("${}").unwrap_err();
        assert!(error.message.contains("no key"));
        let error = parse_template("${aws:username, anonymous}").unwrap_err();
        assert!(error.message.contains("single quotes"));
        let error = parse_template("x${a b}").unwrap_err();
        assert_eq!(error.range, 1..7);
    }

    #[test]
    fn dollar_without_brace_is_literal() {
        let template = parse_template("a$b$").unwrap();
        assert_eq!(template.parts, vec![TemplatePart::Text("a$b$".into())]);
        assert!(!template.has_variables());
    }
}
