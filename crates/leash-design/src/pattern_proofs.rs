//! Proofs that need no region search: sufficient conditions, read off the
//! policies' patterns, under which `no-new-access` or `not-granted` holds.
//! Each answers only "holds" or "cannot tell": when it cannot tell, the
//! caller asks `leash-prove`, so a weak answer costs time, never
//! correctness. A test checks both against `leash-prove` on generated
//! policies (`tests` below).
//!
//! Why they are sound:
//! - IAM allows a request when an `Allow` statement matches it and no
//!   `Deny` does
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
//!   `covers` requires `old` to have no `Deny`, and every `(action,
//!   resource)` pattern pair of each `Allow` of `new` to lie inside one
//!   unconditional `Allow` of `old`; `new`'s conditions only narrow it.
//! - `disjoint` ignores the statement's conditions (they only narrow it)
//!   and treats `*` as crossing colons everywhere, which matches more than
//!   IAM's ARN matching does
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>):
//!   no common string under that reading means no common resource.

use leash_policy::Policy;
use leash_policy::ast::{Effect, Statement};
use leash_policy::matching::{ArnPattern, CaseMode, WildcardPattern};
use leash_policy::symbol::symbol_index;

/// Whether every request `new` allows, `old` allows too (as identity
/// policies, no context needed): `true` only when the patterns show it.
pub(crate) fn covers(old: &Policy, new: &Policy) -> bool {
    if old.statements.iter().any(|s| s.effect.node == Effect::Deny) {
        return false;
    }
    let plain_old: Vec<&Statement> = old.statements.iter().filter(|s| plain(s)).collect();
    new.statements
        .iter()
        .filter(|s| s.effect.node == Effect::Allow)
        .all(|statement| {
            // The same statement (its `Sid` aside) allows the same requests.
            if old.statements.iter().any(|o| same_statement(o, statement)) {
                return true;
            }
            if !plain(statement) {
                return false;
            }
            let Some(resources) = &statement.resource else {
                return false;
            };
            statement.action.node.patterns.iter().all(|action| {
                resources.node.patterns.iter().all(|resource| {
                    plain_old.iter().any(|outer| {
                        // An unconditional statement, or one with the same
                        // condition as `statement` (which then holds for
                        // every request `statement` allows).
                        (outer.condition.is_none()
                            || outer.condition.as_ref().map(|c| &c.node)
                                == statement.condition.as_ref().map(|c| &c.node))
                            && outer
                                .action
                                .node
                                .patterns
                                .iter()
                                .any(|a| action_contains(&a.node, &action.node))
                            && outer.resource.as_ref().is_some_and(|r| {
                                r.node
                                    .patterns
                                    .iter()
                                    .any(|r| resource_contains(&r.node, &resource.node))
                            })
                    })
                })
            })
        })
}

/// Whether the one-statement `policy` allows no request for any of
/// `actions` on any resource the `resources` patterns match: `true` only
/// when the patterns show it.
pub(crate) fn disjoint(policy: &Policy, actions: &[String], resources: &[String]) -> bool {
    let [statement] = policy.statements.as_slice() else {
        return false;
    };
    if statement.effect.node == Effect::Deny {
        return true;
    }
    if !plain(statement) {
        return false;
    }
    let no_action = statement.action.node.patterns.iter().all(|pattern| {
        let compiled = WildcardPattern::new(&pattern.node, CaseMode::Insensitive);
        actions
            .iter()
            .all(|action| !action.contains(['*', '?']) && !compiled.is_match(action))
    });
    if no_action {
        return true;
    }
    let Some(own) = &statement.resource else {
        return false;
    };
    if resources.iter().any(|r| r.contains("${")) {
        return false;
    }
    own.node
        .patterns
        .iter()
        .all(|pattern| resources.iter().all(|r| !intersect(&pattern.node, r)))
}

/// Whether two statements say the same, their `Sid` aside.
fn same_statement(a: &Statement, b: &Statement) -> bool {
    a.effect == b.effect
        && a.principal == b.principal
        && a.action == b.action
        && a.resource == b.resource
        && a.condition == b.condition
}

/// An `Allow` or `Deny` of `Action` and `Resource` lists (no `NotAction`,
/// `NotResource`, `Principal`) without policy variables.
fn plain(statement: &Statement) -> bool {
    statement.principal.is_none()
        && !statement.action.node.negated
        && statement.resource.as_ref().is_some_and(|r| {
            !r.node.negated && r.node.patterns.iter().all(|p| !p.node.contains("${"))
        })
}

/// Whether every action `inner` matches, `outer` matches (names compare
/// without case).
fn action_contains(outer: &str, inner: &str) -> bool {
    if !inner.contains(['*', '?']) {
        return WildcardPattern::new(outer, CaseMode::Insensitive).is_match(inner);
    }
    let (outer, inner) = (outer.to_ascii_lowercase(), inner.to_ascii_lowercase());
    outer == "*"
        || outer == inner
        || outer
            .strip_suffix('*')
            .is_some_and(|prefix| !prefix.contains(['*', '?']) && inner.starts_with(prefix))
}

/// Whether every resource `inner` matches, `outer` matches, as IAM
/// matches `Resource` (case-sensitive).
fn resource_contains(outer: &str, inner: &str) -> bool {
    if !inner.contains(['*', '?']) {
        return ArnPattern::new(outer).is_match(inner);
    }
    outer == "*"
        || outer == inner
        // `PREFIX*` with the `*` in the resource part (after the fifth
        // colon), where it matches any run of characters.
        || outer.strip_suffix('*').is_some_and(|prefix| {
            !prefix.contains(['*', '?'])
                && prefix.matches(':').count() >= 5
                && inner.starts_with(prefix)
        })
}

/// Whether some string matches both glob patterns (`*` any run, `?` one
/// character that is not a symbol, anything else itself): a search over
/// pairs of positions of the two patterns.
fn intersect(left: &str, right: &str) -> bool {
    let p: Vec<char> = left.chars().collect();
    let q: Vec<char> = right.chars().collect();
    let is_symbol = |c: char| symbol_index(c).is_some();
    let width = q.len() + 1;
    let mut seen = vec![false; (p.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        if i == p.len() && j == q.len() {
            return true;
        }
        let a = p.get(i).copied();
        let b = q.get(j).copied();
        let mut next = Vec::with_capacity(3);
        // A `*` may match nothing.
        if a == Some('*') {
            next.push((i + 1, j));
        }
        if b == Some('*') {
            next.push((i, j + 1));
        }
        // One character both accept.
        match (a, b) {
            (Some('*'), Some('*')) | (None, _) | (_, None) => {}
            (Some('*'), Some(_)) => next.push((i, j + 1)),
            (Some(_), Some('*')) => next.push((i + 1, j)),
            (Some('?'), Some('?')) => next.push((i + 1, j + 1)),
            (Some('?'), Some(c)) | (Some(c), Some('?')) => {
                if !is_symbol(c) {
                    next.push((i + 1, j + 1));
                }
            }
            (Some(c), Some(d)) => {
                if c == d {
                    next.push((i + 1, j + 1));
                }
            }
        }
        stack.extend(next);
    }
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use leash_policy::parse::parse_policy_text;
    use leash_prove::{Limits, Property, RegionSolver, Solver, Verdict};

    fn policy(statements: &str) -> Policy {
        parse_policy_text(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
        ))
        .policy
        .unwrap()
    }

    fn allow(actions: &str, resources: &str) -> String {
        format!(r#"{{"Effect":"Allow","Action":{actions},"Resource":{resources}}}"#)
    }

    #[test]
    fn glob_intersection() {
        assert!(intersect("arn:aws:s3:::b/*", "arn:aws:s3:::b/x"));
        assert!(intersect("arn:aws:s3:::b/a*", "arn:aws:s3:::b/*z"));
        assert!(intersect("a?c", "a*"));
        assert!(!intersect("arn:aws:s3:::b/*", "arn:aws:s3:::c/*"));
        assert!(!intersect("a?c", "abd"));
        assert!(!intersect("table/Orders", "table/Orders/index/*"));
        let symbol = leash_policy::symbol::symbol_char(0).unwrap();
        // `?` never stands for a value known only at deployment.
        assert!(!intersect("table/?", &format!("table/{symbol}")));
        assert!(intersect("table/*", &format!("table/{symbol}")));
    }

    /// The shortcuts agree with `leash-prove` on every pair of a set of
    /// statements written to probe their edges: whenever a shortcut says
    /// "holds", the prover proves it.
    #[test]
    fn shortcuts_never_claim_what_the_prover_refutes() {
        let table = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders";
        let statements = [
            allow(r#""dynamodb:GetItem""#, &format!(r#""{table}""#)),
            allow(r#""dynamodb:Get*""#, &format!(r#""{table}""#)),
            allow(r#""dynamodb:*""#, &format!(r#""{table}*""#)),
            allow(r#""dynamodb:GetItem""#, &format!(r#""{table}/index/*""#)),
            allow(r#"["dynamodb:GetItem","dynamodb:PutItem"]"#, r#""*""#),
            allow(r#""s3:GetObject""#, r#""arn:aws:s3:::bucket/*""#),
            allow(r#""s3:GetObject""#, r#""arn:aws:s3:::bucket/re?eipts/*""#),
            allow(r#""s3:*Object""#, r#""arn:aws:s3:::bucket/receipts/*""#),
            allow(r#""logs:PutLogEvents""#, r#""arn:aws:logs:*:*:*""#),
            allow(
                r#""logs:PutLogEvents""#,
                r#""arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*""#,
            ),
            format!(
                r#"{{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"{table}","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}}"#
            ),
            format!(r#"{{"Effect":"Allow","NotAction":"dynamodb:GetItem","Resource":"{table}"}}"#),
        ];
        let solver = RegionSolver {
            limits: Limits::default(),
        };
        let proves = |property: Property| {
            matches!(
                solver.prove(&property).map(|p| p.verdict),
                Ok(Verdict::Holds)
            )
        };
        let mut covered = 0;
        let mut apart = 0;
        for old in &statements {
            for new in &statements {
                let (old, new) = (policy(old), policy(new));
                if covers(&old, &new) {
                    covered += 1;
                    assert!(
                        proves(Property::NoNewAccess {
                            old: old.clone(),
                            new: new.clone()
                        }),
                        "covers() claims {old:?} covers {new:?}"
                    );
                }
                let statement = &new.statements[0];
                if statement.action.node.negated || statement.resource.is_none() {
                    continue;
                }
                let actions: Vec<String> = statement
                    .action
                    .node
                    .patterns
                    .iter()
                    .map(|p| p.node.clone())
                    .filter(|a| !a.contains('*'))
                    .collect();
                let resources: Vec<String> = statement
                    .resource
                    .as_ref()
                    .unwrap()
                    .node
                    .patterns
                    .iter()
                    .map(|p| p.node.clone())
                    .collect();
                if actions.is_empty() {
                    continue;
                }
                if disjoint(&old, &actions, &resources) {
                    apart += 1;
                    assert!(
                        proves(Property::NotGranted {
                            policy: old.clone(),
                            actions: actions.clone(),
                            resources: resources.clone(),
                        }),
                        "disjoint() claims {old:?} grants nothing of {actions:?} on {resources:?}"
                    );
                }
            }
        }
        // The shortcuts decide a good share of the pairs (else they would
        // save nothing).
        assert!(covered >= 20, "covers() decided only {covered} pairs");
        assert!(apart >= 10, "disjoint() decided only {apart} pairs");
    }
}
