//! ## What it finds
//! A resource ARN whose region field is not empty, not a wildcard and not
//! shaped like a region code (`us-east-1`, `eu-central-2`,
//! `us-gov-west-1`, `cn-north-1`), such as `us-east`, `useast1` or
//! `US-EAST-1`.
//!
//! ## Why it matters
//! ARNs are matched case-sensitively, field by field: a region that is not
//! a region code matches no resource, so the statement does nothing.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "sqs:SendMessage",
//!  "Resource": "arn:aws:sqs:us-east:111122223333:orders"}
//! ```
//!
//! ## Fix
//! Use the region code, or `*` for every region.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>
//! and <https://docs.aws.amazon.com/general/latest/gr/rande.html#region-names-codes>

use super::util::resource_patterns;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::arn::Arn;

pub static RULE: Rule = Rule {
    code: "L205",
    name: "arn-with-malformed-region",
    severity: Severity::Error,
    summary: "the region field of a resource ARN is not a region code",
    access_analyzer: Some("Error – Invalid Region"),
    check: Some(check),
};

/// `xx-name-1`, `xx-name-name-1`: lowercase letters in dash-separated
/// words, ending with a number (`us-east-1`, `us-gov-west-1`,
/// `eusc-de-east-1`).
pub(crate) fn is_region_code(text: &str) -> bool {
    let words: Vec<&str> = text.split('-').collect();
    let Some((number, names)) = words.split_last() else {
        return false;
    };
    names.len() >= 2
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && names
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let Ok(arn) = Arn::parse(&pattern.node) else {
                continue;
            };
            let region = arn.region();
            // A symbol (`${AWS::Region}`) is the deployment's region.
            if region.is_empty() || !region.is_literal() || is_region_code(&region) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!("`{region}` in `{}` is not a region code", pattern.node),
                    pattern.span,
                )
                .with_label("malformed region")
                .with_help("use a region code such as `us-east-1`, or `*` for every region"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_have_words_and_a_number() {
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "cn-north-1",
            "eu-central-2",
            "eusc-de-east-1",
        ] {
            assert!(is_region_code(good), "{good}");
        }
        for bad in ["us-east", "useast1", "US-EAST-1", "global", "us--1"] {
            assert!(!is_region_code(bad), "{bad}");
        }
    }
}

/// A symbol (a value known only at deployment, such as
/// `${AWS::Region}`) stands for the deployment's one value: never
/// reported as malformed, while the same ARN with bad literal text is.
#[cfg(test)]
mod symbol_tests {
    #![allow(clippy::unwrap_used)]
    use super::super::util::findings;

    #[test]
    fn a_symbolic_field_is_not_reported() {
        let symbol = leash_policy::symbol::symbol_char(0).unwrap();
        let policy = |resource: &str| {
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "{resource}"}}]}}"#
            )
        };
        let symbolic =
            "arn:aws:dynamodb:FIELD:111122223333:table/T".replace("FIELD", &symbol.to_string());
        assert!(
            findings(&policy(&symbolic), None, "L205").is_empty(),
            "{symbolic}"
        );
        let literal = "arn:aws:dynamodb:FIELD:111122223333:table/T".replace("FIELD", "useast1");
        assert_eq!(
            findings(&policy(&literal), None, "L205").len(),
            1,
            "{literal}"
        );
    }
}
