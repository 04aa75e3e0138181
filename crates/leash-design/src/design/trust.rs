//! Who may assume a principal's role: the service that runs it, with the
//! confused-deputy conditions where the service documents that it sends
//! them on `AssumeRole` (IAM-SEMANTICS.md, section 4: not blindly).

use super::*;
use crate::model::PrincipalKind;

/// The trust policy of a principal's role.
///
/// Step Functions documents `aws:SourceAccount` and `aws:SourceArn`
/// (`arn:aws:states:REGION:ACCOUNT:stateMachine:*`) in the trust policy
/// of a state machine's role ("Prevent cross-service confused deputy
/// issue",
/// <https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html>).
/// The ARN is the account's state machines, as AWS's example writes it:
/// naming the state machine would make the role depend on a name
/// CloudFormation may generate from the state machine, which depends on
/// the role (a cycle), and would not match its versions and aliases.
/// API Gateway's (an integration's credentials role, the account's
/// CloudWatch role) has none: API Gateway's pages give the role's trust
/// as `apigateway.amazonaws.com` alone and document no `aws:SourceArn`
/// or `aws:SourceAccount` when it assumes it
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html>,
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>).
/// Lambda's has no condition:
/// Lambda does not document sending `aws:SourceArn` when it assumes an
/// execution role
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>).
pub(super) fn service_trust(app: &Application, function: &Function) -> Json {
    let statement = match function.kind {
        PrincipalKind::Function
        | PrincipalKind::ApiIntegration
        | PrincipalKind::ApiCloudWatchRole => json!({
            "Effect": "Allow",
            "Principal": { "Service": function.kind.service() },
            "Action": "sts:AssumeRole",
        }),
        PrincipalKind::StateMachine => json!({
            "Effect": "Allow",
            "Principal": { "Service": function.kind.service() },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": app.account },
                "ArnLike": { "aws:SourceArn": states_source_pattern(app) },
            },
        }),
    };
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

fn states_source_pattern(app: &Application) -> String {
    format!(
        "arn:aws:states:{}:{}:stateMachine:*",
        app.region, app.account
    )
}

/// The trust policy checked, for a principal whose trust has conditions:
/// its service from its own state machine in the account is allowed; from
/// another account, without the source, and another service are denied.
pub(super) fn service_trust_checks(
    app: &Application,
    function: &Function,
    trust: &leash_policy::Policy,
    role_arn: &str,
) -> Vec<Check> {
    let prepared = PreparedPolicySet::new(
        &PolicySet::new().with_resource_policy("trust policy", trust.clone()),
    );
    if function.kind.is_role() {
        // No condition: API Gateway is allowed, another service is not.
        let cases = [
            (function.kind.service(), true),
            ("lambda.amazonaws.com", false),
        ];
        return cases
            .into_iter()
            .map(|(principal, expected_allow)| {
                let request = Request::new(principal, "sts:AssumeRole", role_arn)
                    .with_resource_account(app.account.clone());
                trust_check(
                    &prepared,
                    request,
                    vec![],
                    principal,
                    expected_allow,
                    role_arn,
                )
            })
            .collect();
    }
    if function.kind != PrincipalKind::StateMachine {
        return Vec::new();
    }
    let own = format!(
        "arn:aws:states:{}:{}:stateMachine:{}",
        app.region, app.account, function.name
    );
    let stranger = if app.account == "999988887777" {
        "999988887776"
    } else {
        "999988887777"
    };
    let other_account_source = format!(
        "arn:aws:states:{}:{stranger}:stateMachine:{}",
        app.region, function.name
    );
    let service = function.kind.service();
    type Case<'a> = (&'a str, Vec<(String, String)>, bool);
    let cases: Vec<Case> = vec![
        (
            service,
            vec![
                ("aws:SourceAccount".into(), app.account.clone()),
                ("aws:SourceArn".into(), own.clone()),
            ],
            true,
        ),
        (
            service,
            vec![
                ("aws:SourceAccount".into(), stranger.to_string()),
                ("aws:SourceArn".into(), other_account_source),
            ],
            false,
        ),
        (service, Vec::new(), false),
        (
            "lambda.amazonaws.com",
            vec![
                ("aws:SourceAccount".into(), app.account.clone()),
                ("aws:SourceArn".into(), own),
            ],
            false,
        ),
    ];
    cases
        .into_iter()
        .map(|(principal, context, expected_allow)| {
            let mut request_context = RequestContext::new();
            for (key, value) in &context {
                request_context = request_context.with(key.clone(), value.clone());
            }
            let request = Request::new(principal, "sts:AssumeRole", role_arn)
                .with_resource_account(app.account.clone())
                .with_context(request_context);
            trust_check(
                &prepared,
                request,
                context,
                principal,
                expected_allow,
                role_arn,
            )
        })
        .collect()
}

/// One `sts:AssumeRole` request decided by the engine against the trust.
pub(super) fn trust_check(
    prepared: &PreparedPolicySet,
    request: Request,
    context: Vec<(String, String)>,
    principal: &str,
    expected_allow: bool,
    role_arn: &str,
) -> Check {
    let decision = prepared.evaluate(&request);
    let allowed = decision.is_allowed();
    let mut shown = vec![("principal".to_string(), principal.to_string())];
    shown.extend(context);
    Check {
        kind: if expected_allow {
            CheckKind::Need
        } else {
            CheckKind::ResourcePolicy
        },
        action: "sts:AssumeRole".into(),
        resource: role_arn.to_string(),
        context: shown,
        expected_allow,
        allowed,
        passed: allowed == expected_allow,
        why: decision.reason.as_str().to_string(),
    }
}
