//! ## What it finds
//! An action paired, in one statement, with a resource of its own service
//! that it cannot act on: `s3:ListBucket` with an object ARN
//! (`arn:aws:s3:::bucket/*`), `s3:GetObject` with a bucket ARN, or an
//! action that supports only `"Resource": "*"` with a specific ARN. Only
//! actions written out in full are checked (a pattern such as `s3:*` is
//! meant to cover many resource types).
//!
//! A Lambda action on functions also applies to a function's version and
//! alias ARNs (`function:NAME:live`, `function:NAME:*`): Lambda documents
//! that "actions that operate on a function can be restricted to a
//! specific function by function, version, or alias ARN", though the
//! Service Authorization Reference lists only the `function` type for
//! them.
//!
//! ## Why it matters
//! The pair never matches a request, so the statement does not grant what
//! it seems to. It usually means the author granted every action on every
//! ARN ("both on both") instead of bucket actions on the bucket and object
//! actions on the objects, which hides what each permission is for.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
//!  "Resource": ["arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*"]}
//! ```
//!
//! ## Fix
//! Split the statement: bucket actions on the bucket ARN, object actions on
//! `bucket/prefix/*`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>
//! (the resource types column), and
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/security_iam_service-with-iam.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_catalog::{ArnPattern, catalog};
use leash_policy::arn::{Arn, ArnSegment};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub static RULE: Rule = Rule {
    code: "L105",
    name: "action-on-inapplicable-resource",
    severity: Severity::Warning,
    summary: "an action is paired with a resource of its service that it cannot act on",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = catalog();
    for (index, statement) in input.policy.statements.iter().enumerate() {
        let Some(resource) = &statement.resource else {
            continue;
        };
        if statement.action.node.negated || resource.node.negated {
            continue;
        }
        let actions: Vec<&'static leash_catalog::Action> = input
            .resolved_actions(index)
            .iter()
            .flatten()
            .copied()
            .collect();
        if actions.is_empty() {
            continue;
        }
        for pattern in &resource.node.patterns {
            let arn = pattern.node.as_str();
            // An ARN cut short after its service (`arn:aws:s3`) still
            // names it.
            let Some([_, Some(service), ..]) = Arn::parse_partial(arn) else {
                continue;
            };
            let service = service.as_str();
            // Compared exactly: an ARN whose service is not lowercase is
            // `arn-service-not-lowercase`'s finding, not a mismatch.
            if !actions.iter().any(|a| a.service() == service) {
                continue;
            }
            let Some(owner) = catalog.service(service) else {
                continue;
            };
            let Some(types) = types_denoted(owner, arn) else {
                continue; // not an ARN: cannot tell, say nothing
            };
            if types.is_empty() {
                continue; // an ARN no resource type describes: another rule's business
            }
            // An action applies when one of its resource types is among
            // them (the service's type names are unique ignoring case, as
            // its lookup by name reads them).
            let inapplicable: Vec<&leash_catalog::Action> = actions
                .iter()
                .copied()
                .filter(|a| a.service() == service)
                .filter(|a| {
                    !a.resource_types().iter().any(|r| {
                        types
                            .iter()
                            .any(|t| applies_to(service, r.resource_type(), t.name()))
                    })
                })
                .collect();
            if inapplicable.is_empty() {
                continue;
            }
            out.push(
                Diagnostic::new(&RULE, message(&inapplicable, arn, &types), pattern.span)
                    .with_label("not a resource of these actions")
                    .with_help(help(&inapplicable)),
            );
        }
    }
}

/// The resource types of `owner` that `arn` (a `Resource` pattern naming
/// `owner`'s service) can denote, decided once for all the statement's
/// actions; `None` when it is not an ARN. Only the ARN's own service can
/// describe it (a `${Vendor}`-style template elsewhere would not make the
/// pair apply either).
///
/// The same ARNs recur across the policies of a run (`arn:aws:ec2:*:*:instance/*`),
/// so each thread keeps the answers it worked out, up to a bound.
pub(crate) fn types_denoted(
    owner: &'static leash_catalog::Service,
    arn: &str,
) -> Option<Rc<[&'static leash_catalog::ResourceType]>> {
    type Known = HashMap<String, Option<Rc<[&'static leash_catalog::ResourceType]>>>;
    thread_local! {
        static KNOWN: RefCell<Known> = RefCell::new(HashMap::new());
    }
    const MAX_KNOWN: usize = 4096;
    if let Some(known) = KNOWN.with_borrow(|known| known.get(arn).cloned()) {
        return known;
    }
    let arn_without_variables = without_variables(arn);
    let arn_for_matching = with_empty_segments_open(&arn_without_variables);
    let types = ArnPattern::parse(&arn_for_matching).map(|parsed| {
        owner
            .resource_types()
            .iter()
            .filter(|t| {
                t.arn_templates()
                    .iter()
                    .any(|template| template.matches_pattern(&parsed))
            })
            .collect::<Rc<[_]>>()
    });
    KNOWN.with_borrow_mut(|known| {
        if known.len() >= MAX_KNOWN {
            known.clear();
        }
        known.insert(arn.to_string(), types.clone());
    });
    types
}

/// Resource types that stand for another type of their service: a
/// qualified Lambda function ARN (a version or an alias) names the
/// function for every action on functions.
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html>
const QUALIFIED_FORMS: &[(&str, &str, &[&str])] = &[(
    "lambda",
    "function",
    &["function version", "function alias"],
)];

/// Whether an action that acts on `accepted` (a resource type of
/// `service`) applies to an ARN of type `denoted`. Type names are unique
/// in a service ignoring case, as the catalog's lookup reads them.
fn applies_to(service: &str, accepted: &str, denoted: &str) -> bool {
    denoted.eq_ignore_ascii_case(accepted)
        || QUALIFIED_FORMS.iter().any(|(owner, base, forms)| {
            *owner == service
                && base.eq_ignore_ascii_case(accepted)
                && forms.iter().any(|form| form.eq_ignore_ascii_case(denoted))
        })
}

/// `` `s3:GetObject`, `s3:PutObject` cannot act on `ARN` (resource type bucket): ... ``
fn message(
    inapplicable: &[&leash_catalog::Action],
    arn: &str,
    types: &[&leash_catalog::ResourceType],
) -> String {
    let mut text = String::new();
    for (position, action) in inapplicable.iter().enumerate() {
        if position > 0 {
            text.push_str(", ");
        }
        push_action_name(&mut text, action);
    }
    text.push_str(" cannot act on `");
    text.push_str(arn);
    text.push_str("` (resource type ");
    for (position, resource_type) in types.iter().enumerate() {
        if position > 0 {
            text.push_str(", ");
        }
        text.push_str(resource_type.name());
    }
    text.push_str("): the pair grants nothing");
    text
}

/// What each inapplicable action acts on instead.
fn help(inapplicable: &[&leash_catalog::Action]) -> String {
    let mut text =
        String::from("split the statement so each action names only resources it acts on: ");
    for (position, action) in inapplicable.iter().enumerate() {
        if position > 0 {
            text.push_str("; ");
        }
        push_action_name(&mut text, action);
        if action.resource_types().is_empty() {
            text.push_str(" supports only `\"Resource\": \"*\"`");
        } else {
            text.push_str(" acts on ");
            for (index, accepted) in action.resource_types().iter().enumerate() {
                if index > 0 {
                    text.push_str(", ");
                }
                text.push_str(accepted.resource_type());
            }
        }
    }
    text
}

/// `` `service:Name` ``, written in place (a finding can name hundreds).
fn push_action_name(text: &mut String, action: &leash_catalog::Action) {
    text.push('`');
    text.push_str(action.service());
    text.push(':');
    text.push_str(action.name());
    text.push('`');
}

/// Some ARNs leave the region or account empty where the catalog's
/// template has a placeholder (AWS-owned SSM documents, public AMIs: "Some
/// resource ARNs don't require an account number, so this component might
/// be omitted", <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>).
/// The catalog's templates require text there, so to avoid reporting such
/// ARNs as inapplicable, an empty region or account is matched as `*`.
fn with_empty_segments_open(arn: &str) -> Cow<'_, str> {
    let Ok(mut parsed) = Arn::parse(arn) else {
        return Cow::Borrowed(arn);
    };
    if !parsed.region().is_empty() && !parsed.account().is_empty() {
        return Cow::Borrowed(arn);
    }
    for segment in [ArnSegment::Region, ArnSegment::Account] {
        if parsed.segment(segment).is_empty() {
            parsed = parsed.with(segment, "*").unwrap_or(parsed);
        }
    }
    Cow::Owned(parsed.to_string())
}

/// Policy variables stand for text unknown until a request: for the
/// question "which resource types can this ARN denote", treat them as `*`.
fn without_variables(arn: &str) -> Cow<'_, str> {
    if !arn.contains("${") {
        return Cow::Borrowed(arn);
    }
    let mut out = String::with_capacity(arn.len());
    let mut rest = arn;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::util::findings;
    use super::without_variables;

    // "Actions that operate on a function can be restricted to a specific
    // function by function, version, or alias ARN":
    // https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
    #[test]
    fn lambda_function_actions_apply_to_qualified_arns() {
        for arn in [
            "arn:aws:lambda:us-east-1:111122223333:function:orders",
            "arn:aws:lambda:us-east-1:111122223333:function:orders:*",
            "arn:aws:lambda:us-east-1:111122223333:function:orders:live",
            "arn:aws:lambda:us-east-1:111122223333:function:orders:7",
        ] {
            let text = format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"], "Resource": "{arn}"}}]}}"#
            );
            assert!(findings(&text, None, "L105").is_empty(), "{arn}");
        }
        // A layer version is not a function.
        let layer = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:111122223333:layer:deps:3"}]}"#;
        assert_eq!(findings(layer, None, "L105").len(), 1);
        // An action on aliases and versions only does not apply to the
        // unqualified function.
        let unqualified = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:PutProvisionedConcurrencyConfig", "Resource": "arn:aws:lambda:us-east-1:111122223333:function:orders"}]}"#;
        assert_eq!(findings(unqualified, None, "L105").len(), 1);
    }

    #[test]
    fn empty_region_and_account_match_anything() {
        assert_eq!(
            super::with_empty_segments_open("arn:aws:ssm:*::document/AWS-*"),
            "arn:aws:ssm:*:*:document/AWS-*"
        );
        assert_eq!(
            super::with_empty_segments_open("arn:aws:s3:::b/*"),
            "arn:aws:s3:*:*:b/*"
        );
    }

    #[test]
    fn variables_become_wildcards() {
        assert_eq!(
            without_variables("arn:aws:s3:::b/home/${aws:username}/*"),
            "arn:aws:s3:::b/home/*/*"
        );
        assert_eq!(
            without_variables("arn:aws:s3:::b/${x"),
            "arn:aws:s3:::b/${x"
        );
    }
}
