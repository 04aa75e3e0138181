//! Policy variables, over-approximated: a policy with `${...}` is replaced
//! by one without, that allows more (or less) than it, so that a proof
//! about the replacements is a proof about the policies.
//!
//! For: `Resource`/`NotResource` patterns and condition values with policy
//! variables or the escapes `${*}`, `${?}`, `${$}`
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
//! Which string a variable stands for depends on the request (the key's
//! value, or the default `${key, 'text'}` when the key is absent, or no
//! match at all when there is neither: "there is no equal or like value",
//! #policy-vars-no-value), and "the resource contains the key's value"
//! is not something the regions of `automaton` can express. So:
//!
//! - **Widening** a statement (it applies to at least every request it
//!   applied to): a `Resource` pattern whose first variable or escape sits
//!   in the sixth ARN segment (the resource part, where `*` matches any
//!   text) has each variable and escape replaced by `*`, which matches any
//!   substituted text; elsewhere the pattern becomes `*`. A `NotResource`
//!   pattern with a variable is dropped (the statement then excludes
//!   less). A condition entry with a variable is dropped (the condition,
//!   an AND of its entries, then holds more often).
//! - **Narrowing** a statement (it applies to at most the requests it
//!   applied to): `Resource` patterns with a variable are dropped (no
//!   pattern left: the statement goes), `NotResource` patterns are widened
//!   as above, and a statement with a variable in a condition goes.
//!
//! A policy allows more when its Allows are widened and its Denies
//! narrowed; less the other way round. For `no-new-access OLD NEW` NEW
//! allows more and OLD less, so "holds" for the replacements is "holds"
//! for the policies; a counterexample for the replacements is checked with
//! the real policies (the engine resolves the variables), and shown only
//! when they agree. Otherwise the answer is unknown, never a wrong
//! "holds".
//!
//! Not for: the exact case `StringEquals`/`StringNotEquals` against a
//! value that is exactly `${key}` in identity policies, which `domain`
//! handles exactly (linked keys).

use leash_policy::condition::accepts_variables;
use leash_policy::variables::{Template, TemplatePart, parse_template};
use leash_policy::{Effect, OperatorKind, Policy, PolicyVersion, Statement};

/// The template of a policy string, when the engine reads it as one (the
/// 2012-10-17 version, a well-formed `${...}` with a variable or escape).
pub(crate) fn template_of(text: &str, version: PolicyVersion) -> Option<Template> {
    if version != PolicyVersion::V2012_10_17 || !text.contains("${") {
        return None;
    }
    let template = parse_template(text).ok()?;
    template.has_variables().then_some(template)
}

/// The key of a value that is exactly `${key}` without a default.
fn exact_key(template: &Template) -> Option<&str> {
    match template.parts.as_slice() {
        [TemplatePart::Variable(variable)] if variable.default.is_none() => {
            Some(variable.key.as_str())
        }
        _ => None,
    }
}

/// A `Resource` pattern that matches every text the template can become.
fn widened_pattern(template: &Template) -> String {
    let mut text = String::new();
    let mut in_resource_part = false;
    for part in &template.parts {
        match part {
            TemplatePart::Text(literal) => text.push_str(literal),
            _ => {
                if !in_resource_part && text.matches(':').count() < 5 {
                    // Before the resource part a substituted `:` would move
                    // the segments: nothing narrower than `*` is safe.
                    return "*".to_string();
                }
                in_resource_part = true;
                text.push('*');
            }
        }
    }
    text
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// The statement applies to at least the requests it applied to.
    Wider,
    /// At most.
    Narrower,
}

/// What the approximation did.
#[derive(Clone, Debug, Default)]
pub(crate) struct Approximation {
    /// Whether any policy changed (then answers need checking with the
    /// real policies).
    pub changed: bool,
}

/// The statement approximated in `direction`; `None` when it goes.
fn approximate_statement(
    statement: &Statement,
    version: PolicyVersion,
    direction: Direction,
    keep_exact_links: bool,
    changed: &mut bool,
) -> Option<Statement> {
    let mut statement = statement.clone();
    if let Some(resource) = &mut statement.resource {
        let negated = resource.node.negated;
        let mut kept = Vec::new();
        for pattern in resource.node.patterns.drain(..) {
            let Some(template) = template_of(&pattern.node, version) else {
                kept.push(pattern);
                continue;
            };
            *changed = true;
            // Resource and Wider, or NotResource and Narrower: a larger
            // pattern. Otherwise the pattern goes.
            if negated == (direction == Direction::Narrower) {
                let mut widened = pattern.clone();
                widened.node = widened_pattern(&template);
                kept.push(widened);
            }
        }
        if kept.is_empty() {
            if negated {
                // `NotResource` with nothing left excludes nothing.
                resource.node.negated = false;
                let mut everything = leash_policy::Spanned::new("*".to_string(), resource.span);
                everything.span = resource.span;
                kept.push(everything);
            } else {
                return None;
            }
        }
        resource.node.patterns = kept;
    }
    if let Some(condition) = &mut statement.condition {
        let mut drop_statement = false;
        for block in &mut condition.node.blocks {
            let operator = block.operator.node.clone();
            if !accepts_variables(&operator.kind) {
                continue;
            }
            block.entries.retain(|entry| {
                let templates: Vec<Template> = entry
                    .values
                    .iter()
                    .filter_map(|value| template_of(&value.node.as_text(), version))
                    .collect();
                if templates.is_empty() {
                    return true;
                }
                let exact_link = keep_exact_links
                    && operator.qualifier.is_none()
                    && matches!(
                        operator.kind,
                        OperatorKind::StringEquals | OperatorKind::StringNotEquals
                    )
                    && templates
                        .iter()
                        .all(|template| exact_key(template).is_some());
                if exact_link {
                    return true;
                }
                *changed = true;
                match direction {
                    Direction::Wider => false,
                    Direction::Narrower => {
                        drop_statement = true;
                        true
                    }
                }
            });
        }
        if drop_statement {
            return None;
        }
        condition
            .node
            .blocks
            .retain(|block| !block.entries.is_empty());
        if condition.node.blocks.is_empty() {
            statement.condition = None;
        }
    }
    Some(statement)
}

/// `policy` made variable-free so that it allows at least (`more`) or at
/// most (`!more`) what it allows.
pub(crate) fn approximate_policy(
    policy: &Policy,
    more: bool,
    keep_exact_links: bool,
    approximation: &mut Approximation,
) -> Policy {
    let version = policy.effective_version();
    let mut approximated = policy.clone();
    approximated.statements = policy
        .statements
        .iter()
        .filter_map(|statement| {
            let direction = match (statement.effect.node, more) {
                (Effect::Allow, true) | (Effect::Deny, false) => Direction::Wider,
                _ => Direction::Narrower,
            };
            approximate_statement(
                statement,
                version,
                direction,
                keep_exact_links,
                &mut approximation.changed,
            )
        })
        .collect();
    approximated
}

/// Whether a statement has a policy variable or escape anywhere the engine
/// resolves them.
pub(crate) fn has_variables(statement: &Statement, version: PolicyVersion) -> bool {
    let in_resource = statement.resource.as_ref().is_some_and(|resource| {
        resource
            .node
            .patterns
            .iter()
            .any(|pattern| template_of(&pattern.node, version).is_some())
    });
    let in_condition = statement.condition.as_ref().is_some_and(|condition| {
        condition.node.blocks.iter().any(|block| {
            accepts_variables(&block.operator.node.kind)
                && block.entries.iter().any(|entry| {
                    entry
                        .values
                        .iter()
                        .any(|value| template_of(&value.node.as_text(), version).is_some())
                })
        })
    });
    in_resource || in_condition
}

/// For no-new-access between identity policies: NEW without its Allow
/// statements with variables that OLD has as they are, when OLD has no
/// Deny. Sound: a request such a statement allows in NEW, it allows in OLD
/// too (same statement, same version, same request), and nothing in OLD
/// can deny it. Keeps the common "same variable statement on both sides"
/// exact instead of approximated.
pub(crate) fn without_shared_allows(old: &Policy, new: &Policy) -> Policy {
    let mut reduced = new.clone();
    let old_version = old.effective_version();
    if old_version != new.effective_version()
        || old
            .statements
            .iter()
            .any(|statement| statement.effect.node == Effect::Deny)
    {
        return reduced;
    }
    reduced.statements.retain(|statement| {
        !(statement.effect.node == Effect::Allow
            && has_variables(statement, old_version)
            && old.statements.iter().any(|theirs| theirs == statement))
    });
    reduced
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use leash_policy::matching::ArnPattern;
    use leash_policy::variables::VariableSource;

    struct One(&'static str);
    impl VariableSource for One {
        fn variable_value(&self, _key: &str) -> Option<&str> {
            Some(self.0)
        }
    }

    /// The widened pattern matches whatever the engine's reading matches,
    /// for values with colons, slashes and wildcard characters.
    #[test]
    fn widened_patterns_cover_every_value() {
        let templates = [
            "arn:aws:s3:::b/home/${aws:username}/*",
            "arn:aws:s3:::b/${aws:username}",
            "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}",
            "arn:aws:s3:::b/${aws:username, 'none'}/x${*}",
            "arn:aws:dynamodb:*:*:table/${aws:PrincipalTag/team}-*",
            "arn:${aws:x}",
        ];
        let values = ["alice", "", "a:b", "a/b", "*", "?", "x:y:z:w:v:u"];
        let resources = [
            "arn:aws:s3:::b/home/alice/f",
            "arn:aws:s3:::b/home/a:b/f",
            "arn:aws:s3:::b/home/a/b/f",
            "arn:aws:s3:::b/home//f",
            "arn:aws:s3:::b/alice",
            "arn:aws:s3:::b/none/x*",
            "arn:aws:iam::alice:user/alice",
            "arn:aws:iam::a:b:user/a:b",
            "arn:aws:dynamodb:us-east-1:1:table/alice-x",
            "arn:x:y:z:w:v:u",
            "arn:alice",
        ];
        for text in templates {
            let template = parse_template(text).unwrap();
            let widened = ArnPattern::new(&widened_pattern(&template));
            for value in values {
                let tokens = template.resolve_pattern(&One(value)).unwrap();
                let exact = ArnPattern::from_tokens(tokens);
                for resource in resources {
                    if exact.is_match(resource) {
                        assert!(
                            widened.is_match(resource),
                            "{text} with {value:?} matches {resource} but {} does not",
                            widened_pattern(&template)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_variable_before_the_resource_part_widens_to_everything() {
        let template = parse_template("arn:aws:iam::${aws:PrincipalAccount}:user/x").unwrap();
        assert_eq!(widened_pattern(&template), "*");
        let template = parse_template("arn:aws:s3:::b/${aws:username}/*").unwrap();
        assert_eq!(widened_pattern(&template), "arn:aws:s3:::b/*/*");
    }
}
