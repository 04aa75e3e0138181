//! Who may assume a principal's role: the service that runs it, with the
//! confused-deputy conditions where the service documents that it sends
//! them on `AssumeRole` (IAM-SEMANTICS.md, section 4: not blindly).

use super::*;
use crate::model::PrincipalKind;

/// The `aws:SourceArn` pattern a principal's service sends on
/// `AssumeRole`, where it documents one; `None` where it does not.
///
/// - Step Functions: `arn:aws:states:REGION:ACCOUNT:stateMachine:*`
///   ("Prevent cross-service confused deputy issue",
///   <https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html>).
///   The account's state machines, as AWS's example writes it: naming
///   the state machine would make the role depend on a name
///   CloudFormation may generate from the state machine, which depends on
///   the role (a cycle), and would not match its versions and aliases.
/// - EventBridge Pipes: the pipe's ARN, `arn:aws:pipes:REGION:ACCOUNT:pipe/NAME`
///   (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html>,
///   and the confused-deputy page of EventBridge,
///   <https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html>);
///   `pipe/*` for the same reason as state machines.
/// - EventBridge Scheduler: the schedule *group*'s ARN, never a schedule's
///   ("Do not scope the aws:SourceArn statement to a specific schedule",
///   <https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html>):
///   `schedule-group/*`, since a role may serve schedules of several groups.
/// - Lambda and EventBridge rules: none. Lambda does not document sending
///   `aws:SourceArn` when it assumes an execution role
///   (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>);
///   EventBridge's confused-deputy page asks for the keys in *resource*
///   policies, and names the rule ARN only for event bus targets, and its
///   page on target roles shows a trust without them
///   (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>):
///   a condition the service may not send would break every target.
fn source_pattern(app: &Application, kind: PrincipalKind) -> Option<String> {
    let (service, resource) = match kind {
        PrincipalKind::StateMachine => ("states", "stateMachine:*"),
        PrincipalKind::Pipe => ("pipes", "pipe/*"),
        PrincipalKind::Schedule => ("scheduler", "schedule-group/*"),
        PrincipalKind::Function | PrincipalKind::RuleTarget => return None,
    };
    Some(format!(
        "arn:aws:{service}:{}:{}:{resource}",
        app.region, app.account
    ))
}

/// The source the service names when it runs `function`, in `account`.
fn own_source(app: &Application, function: &Function, account: &str) -> Option<String> {
    let (service, resource) = match function.kind {
        PrincipalKind::StateMachine => ("states", format!("stateMachine:{}", function.name)),
        PrincipalKind::Pipe => ("pipes", format!("pipe/{}", function.name)),
        PrincipalKind::Schedule => ("scheduler", "schedule-group/default".to_string()),
        PrincipalKind::Function | PrincipalKind::RuleTarget => return None,
    };
    Some(format!(
        "arn:aws:{service}:{}:{account}:{resource}",
        app.region
    ))
}

/// The trust policy of a principal's role (see [`source_pattern`]).
pub(super) fn service_trust(app: &Application, function: &Function) -> Json {
    let statement = match source_pattern(app, function.kind) {
        None => json!({
            "Effect": "Allow",
            "Principal": { "Service": function.kind.service() },
            "Action": "sts:AssumeRole",
        }),
        Some(pattern) => json!({
            "Effect": "Allow",
            "Principal": { "Service": function.kind.service() },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": app.account },
                "ArnLike": { "aws:SourceArn": pattern },
            },
        }),
    };
    json!({ "Version": "2012-10-17", "Statement": [statement] })
}

/// The trust policy checked, for every principal but a function (whose
/// trust is Lambda's alone, checked with its routes): its service from
/// its own source in the account is allowed; where the trust has
/// conditions, from another account and without the source are denied;
/// another service is denied.
pub(super) fn service_trust_checks(
    app: &Application,
    function: &Function,
    trust: &leash_policy::Policy,
    role_arn: &str,
) -> Vec<Check> {
    if function.kind == PrincipalKind::Function {
        return Vec::new();
    }
    let prepared = PreparedPolicySet::new(
        &PolicySet::new().with_resource_policy("trust policy", trust.clone()),
    );
    let stranger = if app.account == "999988887777" {
        "999988887776"
    } else {
        "999988887777"
    };
    let service = function.kind.service();
    let other_service = "lambda.amazonaws.com";
    let with_source = |account: &str| -> Vec<(String, String)> {
        match own_source(app, function, account) {
            Some(source) => vec![
                ("aws:SourceAccount".into(), account.to_string()),
                ("aws:SourceArn".into(), source),
            ],
            None => Vec::new(),
        }
    };
    type Case<'a> = (&'a str, Vec<(String, String)>, bool);
    let mut cases: Vec<Case> = vec![(service, with_source(&app.account), true)];
    if source_pattern(app, function.kind).is_some() {
        cases.push((service, with_source(stranger), false));
        cases.push((service, Vec::new(), false));
    }
    cases.push((other_service, with_source(&app.account), false));
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
        })
        .collect()
}
