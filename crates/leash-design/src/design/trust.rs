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
/// AWS IoT documents the same two keys for a rule's role
/// (`arn:aws:iot:REGION:ACCOUNT:rule/*`, the account's rules, for the
/// same reason;
/// <https://docs.aws.amazon.com/iot/latest/developerguide/iot-create-role.html>).
/// Firehose documents `sts:ExternalId` set to the account in the trust
/// policy of a delivery stream's role
/// (<https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html>,
/// "Grant Firehose access to an Amazon S3 destination").
/// API Gateway's (an integration's credentials role, the account's
/// CloudWatch role) has none: API Gateway's pages give the role's trust
/// as `apigateway.amazonaws.com` alone and document no `aws:SourceArn`
/// or `aws:SourceAccount` when it assumes it
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html>,
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>).
/// EventBridge Pipes: the pipe's ARN, `arn:aws:pipes:REGION:ACCOUNT:pipe/*`
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html>,
/// <https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html>),
/// the account's pipes for the same reason as state machines.
/// EventBridge Scheduler: the schedule *group*'s ARN, never a schedule's
/// ("Do not scope the aws:SourceArn statement to a specific schedule",
/// <https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html>):
/// `schedule-group/*`, since a role may serve schedules of several groups.
/// EventBridge rules' target roles have none: EventBridge's confused-deputy
/// page asks for the keys in *resource* policies, and its page on target
/// roles shows a trust without them
/// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>):
/// a condition the service may not send would break every target.
/// Lambda's has no condition:
/// Lambda does not document sending `aws:SourceArn` when it assumes an
/// execution role
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>);
/// neither does AppSync for a data source's or the logging role
/// (<https://docs.aws.amazon.com/appsync/latest/devguide/attaching-a-data-source.html>
/// shows the trust policy without one): IAM-SEMANTICS.md, section 4, not
/// blindly.
pub(super) fn service_trust(app: &Application, function: &Function) -> Json {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": function.kind.service() },
        "Action": "sts:AssumeRole",
    });
    match trust_condition(&app.region, &app.account, function.kind) {
        TrustCondition::None => {}
        TrustCondition::Source { pattern, .. } => {
            statement["Condition"] = json!({
                "StringEquals": { "aws:SourceAccount": app.account },
                "ArnLike": { "aws:SourceArn": pattern },
            });
        }
        TrustCondition::ExternalId => {
            statement["Condition"] = json!({
                "StringEquals": { "sts:ExternalId": app.account },
            });
        }
    }
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

/// What a principal's service documents sending when it assumes the role.
enum TrustCondition {
    None,
    /// `aws:SourceAccount` and `aws:SourceArn`: the pattern of the
    /// account's resources of the kind (ending in `*`).
    Source {
        pattern: String,
    },
    /// `sts:ExternalId`, the account.
    ExternalId,
}

fn trust_condition(region: &str, account: &str, kind: PrincipalKind) -> TrustCondition {
    match kind {
        PrincipalKind::StateMachine => TrustCondition::Source {
            pattern: format!("arn:aws:states:{region}:{account}:stateMachine:*"),
        },
        PrincipalKind::TopicRule => TrustCondition::Source {
            pattern: format!("arn:aws:iot:{region}:{account}:rule/*"),
        },
        PrincipalKind::Pipe => TrustCondition::Source {
            pattern: format!("arn:aws:pipes:{region}:{account}:pipe/*"),
        },
        PrincipalKind::Schedule => TrustCondition::Source {
            pattern: format!("arn:aws:scheduler:{region}:{account}:schedule-group/*"),
        },
        PrincipalKind::DeliveryStream => TrustCondition::ExternalId,
        PrincipalKind::Function
        | PrincipalKind::AppSyncDataSource
        | PrincipalKind::AppSyncLogging
        | PrincipalKind::SnsSubscription
        | PrincipalKind::ApiIntegration
        | PrincipalKind::ApiCloudWatchRole
        | PrincipalKind::RuleTarget => TrustCondition::None,
    }
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
    let stranger = if app.account == "999988887777" {
        "999988887776"
    } else {
        "999988887777"
    };
    let service = function.kind.service();
    let other_service = if function.kind == PrincipalKind::Function {
        "states.amazonaws.com"
    } else {
        "lambda.amazonaws.com"
    };
    type Case<'a> = (&'a str, Vec<(String, String)>, bool);
    let cases: Vec<Case> = match trust_condition(&app.region, &app.account, function.kind) {
        // A function's trust is checked with its role (no condition).
        TrustCondition::None if function.kind == PrincipalKind::Function => return Vec::new(),
        // No condition: the service is allowed, another service is not.
        TrustCondition::None => vec![
            (service, Vec::new(), true),
            (other_service, Vec::new(), false),
        ],
        TrustCondition::Source { .. } => {
            // The principal's own ARN in `account`.
            let arn = |account: &str| match trust_condition(&app.region, account, function.kind) {
                TrustCondition::Source { pattern } => {
                    format!("{}{}", pattern.trim_end_matches('*'), function.name)
                }
                _ => String::new(),
            };
            let source = |account: &str| {
                vec![
                    ("aws:SourceAccount".to_string(), account.to_string()),
                    ("aws:SourceArn".to_string(), arn(account)),
                ]
            };
            vec![
                (service, source(&app.account), true),
                (service, source(stranger), false),
                (service, Vec::new(), false),
                (other_service, source(&app.account), false),
            ]
        }
        TrustCondition::ExternalId => {
            let external =
                |account: &str| vec![("sts:ExternalId".to_string(), account.to_string())];
            vec![
                (service, external(&app.account), true),
                (service, external(stranger), false),
                (service, Vec::new(), false),
                (other_service, external(&app.account), false),
            ]
        }
    };
    let prepared = PreparedPolicySet::new(
        &PolicySet::new().with_resource_policy("trust policy", trust.clone()),
    );
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
