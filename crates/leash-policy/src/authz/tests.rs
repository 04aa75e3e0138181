//! Decision-flow tests, one rule each, citing the AWS page it follows.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::context::RequestContext;
use crate::parse::parse_policy_text;

const EVALUATION: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html";
const CROSS_ACCOUNT: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html";
const BOUNDARIES: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html";
const SESSION_POLICIES: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session";

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/orders";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/orders/s1";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders";

fn policy(text: &str) -> Policy {
    let parsed = parse_policy_text(text);
    parsed
        .policy
        .unwrap_or_else(|| panic!("test policy does not parse: {:?}", parsed.diagnostics))
}

/// `{"Version": "2012-10-17", "Statement": [STATEMENTS]}`
fn statements(statements: &str) -> Policy {
    policy(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#
    ))
}

fn allow(action: &str, resource: &str) -> Policy {
    statements(&format!(
        r#"{{"Sid": "Grant", "Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}"#
    ))
}

fn deny(action: &str, resource: &str) -> Policy {
    statements(&format!(
        r#"{{"Sid": "Block", "Effect": "Deny", "Action": "{action}", "Resource": "{resource}"}}"#
    ))
}

fn resource_allow(principal: &str, action: &str, resource: &str) -> Policy {
    statements(&format!(
        r#"{{"Sid": "ResourceGrant", "Effect": "Allow", "Principal": {principal}, "Action": "{action}", "Resource": "{resource}"}}"#
    ))
}

fn decide(set: PolicySet, request: &Request) -> Decision {
    PreparedPolicySet::new(&set).evaluate(request)
}

fn get_item(principal: &str) -> Request {
    Request::new(principal, "dynamodb:GetItem", TABLE)
}

fn assert_decision(decision: &Decision, reason: DecisionReason, doc: &str) {
    assert_eq!(decision.reason, reason, "{doc}: {decision:#?}");
}

#[test]
fn default_is_implicit_deny() {
    let decision = decide(PolicySet::new(), &get_item(USER));
    assert_decision(&decision, DecisionReason::ImplicitDeny, EVALUATION);
    assert_eq!(decision.cause, Some(ImplicitDenyCause::NoIdentityAllow));
}

#[test]
fn identity_allow_allows_and_names_the_statement() {
    let decision = decide(
        PolicySet::new().with_identity_policy("p", allow("dynamodb:GetItem", TABLE)),
        &get_item(USER),
    );
    assert_decision(&decision, DecisionReason::Allowed, EVALUATION);
    assert_eq!(decision.deciding.len(), 1);
    assert_eq!(decision.deciding[0].sid.as_deref(), Some("Grant"));
    assert_eq!(&*decision.deciding[0].policy_label, "p");
}

#[test]
fn explicit_deny_in_any_policy_type_wins() {
    // "If the enforcement code finds even one explicit deny that applies,
    // the enforcement code returns a final decision of Deny."
    let grant = allow("*", "*");
    let block = deny("dynamodb:GetItem", "*");
    let sets = [
        PolicySet::new().with_identity_policy("a", grant.clone()).with_identity_policy("b", block.clone()),
        PolicySet::new().with_identity_policy("a", grant.clone()).with_permissions_boundary("b", {
            statements(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "*"}"#)
        }),
        PolicySet::new().with_identity_policy("a", grant.clone()).with_scp_level(vec![
            LabeledPolicy::new("full", allow("*", "*")),
            LabeledPolicy::new("deny", block.clone()),
        ]),
        PolicySet::new().with_identity_policy("a", grant.clone()).with_rcp_level(vec![
            LabeledPolicy::new("full", resource_allow(r#""*""#, "*", "*")),
            LabeledPolicy::new(
                "deny",
                statements(r#"{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}"#),
            ),
        ]),
        PolicySet::new().with_identity_policy("a", grant.clone()).with_resource_policy(
            "r",
            statements(r#"{"Sid": "X", "Effect": "Deny", "Principal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}"#),
        ),
    ];
    for set in sets {
        assert_decision(
            &decide(set, &get_item(USER)),
            DecisionReason::ExplicitDeny,
            EVALUATION,
        );
    }
}

#[test]
fn scps_need_an_allow_at_every_level() {
    // "If the enforcement code does not find any applicable Allow statements
    // in the SCPs, ... Deny" (per level of the hierarchy).
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
    let base = PolicySet::new().with_identity_policy("id", allow("*", "*"));
    let allowed = base
        .clone()
        .with_scp_level(vec![LabeledPolicy::new("root", allow("*", "*"))])
        .with_scp_level(vec![LabeledPolicy::new("ou", allow("dynamodb:*", "*"))]);
    assert_decision(
        &decide(allowed, &get_item(USER)),
        DecisionReason::Allowed,
        EVALUATION,
    );
    let missing = base
        .clone()
        .with_scp_level(vec![LabeledPolicy::new("root", allow("*", "*"))])
        .with_scp_level(vec![LabeledPolicy::new("ou", allow("s3:*", "*"))]);
    let decision = decide(missing.clone(), &get_item(USER));
    assert_decision(&decision, DecisionReason::ImplicitDeny, EVALUATION);
    assert_eq!(decision.cause, Some(ImplicitDenyCause::ScpLevel(1)));
    // Not for the management account, nor service-linked roles.
    let management = get_item(USER).with_management_account(true);
    assert_decision(
        &decide(missing.clone(), &management),
        DecisionReason::Allowed,
        EVALUATION,
    );
    let service_linked = get_item(
        "arn:aws:iam::111122223333:role/aws-service-role/dynamodb.amazonaws.com/AWSServiceRoleForX",
    );
    assert!(service_linked.is_service_linked_role());
    assert_decision(
        &decide(missing, &service_linked),
        DecisionReason::Allowed,
        EVALUATION,
    );
}

#[test]
fn rcps_need_an_allow_at_every_level() {
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
    let set = PolicySet::new()
        .with_identity_policy("id", allow("*", "*"))
        .with_rcp_level(vec![LabeledPolicy::new(
            "root",
            resource_allow(r#""*""#, "s3:*", "*"),
        )]);
    let decision = decide(set.clone(), &get_item(USER));
    assert_eq!(decision.cause, Some(ImplicitDenyCause::RcpLevel(0)));
    let exempt = get_item(USER).with_resource_in_management_account(true);
    assert_decision(&decide(set, &exempt), DecisionReason::Allowed, EVALUATION);
}

#[test]
fn boundary_limits_identity_policies() {
    let set = PolicySet::new()
        .with_identity_policy("id", allow("*", "*"))
        .with_permissions_boundary("b", allow("s3:*", "*"));
    let decision = decide(set, &get_item(USER));
    assert_decision(&decision, DecisionReason::ImplicitDeny, BOUNDARIES);
    assert_eq!(decision.cause, Some(ImplicitDenyCause::PermissionsBoundary));
    // A boundary alone grants nothing.
    let alone = PolicySet::new().with_permissions_boundary("b", allow("*", "*"));
    assert_decision(
        &decide(alone, &get_item(USER)),
        DecisionReason::ImplicitDeny,
        BOUNDARIES,
    );
}

#[test]
fn session_policy_limits_role_sessions() {
    let set = PolicySet::new()
        .with_identity_policy("id", allow("*", "*"))
        .with_session_policy("s", allow("s3:*", "*"));
    let decision = decide(set, &get_item(SESSION));
    assert_eq!(
        decision.cause,
        Some(ImplicitDenyCause::SessionPolicy),
        "{SESSION_POLICIES}"
    );
}

#[test]
fn resource_policy_naming_user_grants_past_boundary() {
    // "Within the same account, resource-based policies that grant
    // permissions to an IAM user ARN ... are not limited by an implicit deny
    // in an identity-based policy or permissions boundary."
    let set = PolicySet::new()
        .with_permissions_boundary("b", allow("s3:*", "*"))
        .with_resource_policy(
            "r",
            resource_allow(
                &format!(r#"{{"AWS": "{USER}"}}"#),
                "dynamodb:GetItem",
                TABLE,
            ),
        );
    let decision = decide(set, &get_item(USER));
    assert_decision(&decision, DecisionReason::Allowed, BOUNDARIES);
    assert_eq!(decision.deciding[0].policy_kind, PolicyKind::Resource);
}

#[test]
fn resource_policy_naming_role_is_limited_by_boundary_and_session_policy() {
    // "resource-based policies that grant permissions to the role ARN are
    // limited by an implicit deny in the permissions boundary or session
    // policy"; naming the session ARN is not.
    let role_grant = resource_allow(
        &format!(r#"{{"AWS": "{ROLE}"}}"#),
        "dynamodb:GetItem",
        TABLE,
    );
    let no_identity = PolicySet::new().with_resource_policy("r", role_grant.clone());
    assert_decision(
        &decide(no_identity, &get_item(SESSION)),
        DecisionReason::Allowed,
        BOUNDARIES,
    );
    let with_boundary = PolicySet::new()
        .with_permissions_boundary("b", allow("s3:*", "*"))
        .with_resource_policy("r", role_grant.clone());
    let decision = decide(with_boundary, &get_item(SESSION));
    assert_eq!(
        decision.cause,
        Some(ImplicitDenyCause::PermissionsBoundary),
        "{BOUNDARIES}"
    );
    let with_session = PolicySet::new()
        .with_session_policy("s", allow("s3:*", "*"))
        .with_resource_policy("r", role_grant);
    let decision = decide(with_session, &get_item(SESSION));
    assert_eq!(
        decision.cause,
        Some(ImplicitDenyCause::SessionPolicy),
        "{SESSION_POLICIES}"
    );

    let session_grant = resource_allow(
        &format!(r#"{{"AWS": "{SESSION}"}}"#),
        "dynamodb:GetItem",
        TABLE,
    );
    let limited = PolicySet::new()
        .with_permissions_boundary("b", allow("s3:*", "*"))
        .with_session_policy("s", allow("s3:*", "*"))
        .with_resource_policy("r", session_grant);
    assert_decision(
        &decide(limited, &get_item(SESSION)),
        DecisionReason::Allowed,
        SESSION_POLICIES,
    );
}

#[test]
fn account_principal_delegates_to_identity_policies() {
    // Principal page: naming the account delegates to its identity policies.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    let account_grant = resource_allow(
        &format!(r#"{{"AWS": "{ACCOUNT}"}}"#),
        "dynamodb:GetItem",
        TABLE,
    );
    let alone = PolicySet::new().with_resource_policy("r", account_grant.clone());
    assert_decision(
        &decide(alone, &get_item(USER)),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    let with_identity = PolicySet::new()
        .with_identity_policy("id", allow("dynamodb:GetItem", TABLE))
        .with_resource_policy("r", account_grant);
    assert_decision(
        &decide(with_identity, &get_item(USER)),
        DecisionReason::Allowed,
        EVALUATION,
    );
}

#[test]
fn cross_account_needs_both_sides() {
    let caller = "arn:aws:iam::444455556666:user/bob";
    let identity = PolicySet::new().with_identity_policy("id", allow("dynamodb:GetItem", TABLE));
    let decision = decide(identity.clone(), &get_item(caller));
    assert_eq!(
        decision.cause,
        Some(ImplicitDenyCause::ResourcePolicy),
        "{CROSS_ACCOUNT}"
    );
    let resource_only = PolicySet::new().with_resource_policy(
        "r",
        resource_allow(
            &format!(r#"{{"AWS": "{caller}"}}"#),
            "dynamodb:GetItem",
            TABLE,
        ),
    );
    let decision = decide(resource_only.clone(), &get_item(caller));
    assert_eq!(
        decision.cause,
        Some(ImplicitDenyCause::NoIdentityAllow),
        "{CROSS_ACCOUNT}"
    );
    let both = identity.with_resource_policy(
        "r",
        resource_allow(
            &format!(r#"{{"AWS": "{OTHER}"}}"#),
            "dynamodb:GetItem",
            TABLE,
        ),
    );
    let decision = decide(both, &get_item(caller));
    assert_decision(&decision, DecisionReason::Allowed, CROSS_ACCOUNT);
    assert_eq!(decision.deciding.len(), 2);
}

#[test]
fn root_user_has_full_access_in_its_account() {
    // "all requests are implicitly denied with the exception of the AWS
    // account root user, which has full access"
    let root = get_item("arn:aws:iam::111122223333:root");
    assert_decision(
        &decide(PolicySet::new(), &root),
        DecisionReason::Allowed,
        EVALUATION,
    );
    // SCPs still apply to a member account's root user.
    let scp = PolicySet::new().with_scp_level(vec![LabeledPolicy::new("s", allow("s3:*", "*"))]);
    assert_decision(
        &decide(scp, &root),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
}

#[test]
fn a_boundary_or_session_policy_given_with_a_root_request_limits_nothing() {
    // The root user has no permissions boundary (set on users and roles)
    // and no session policy (passed for role and federated sessions), so
    // one given with the request must not turn a resource policy's grant
    // into a deny: adding that grant must never allow less (found by the
    // property `removing_an_allow_never_allows_more`).
    let root = get_item("arn:aws:iam::111122223333:root");
    let limits = PolicySet::new()
        .with_session_policy("s", allow("s3:*", "*"))
        .with_permissions_boundary("b", allow("s3:*", "*"));
    assert_decision(
        &decide(limits.clone(), &root),
        DecisionReason::Allowed,
        EVALUATION,
    );
    let granted = limits.with_resource_policy(
        "table",
        statements(&format!(
            r#"{{"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "{TABLE}"}}"#
        )),
    );
    assert_decision(&decide(granted, &root), DecisionReason::Allowed, EVALUATION);
}

#[test]
fn service_principals_and_anonymous_need_the_resource_policy() {
    // API Gateway invoking a function through the function's resource policy.
    // https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
    let function = "arn:aws:lambda:us-east-1:111122223333:function:orders";
    let request = Request::new(
        "apigateway.amazonaws.com",
        "lambda:InvokeFunction",
        function,
    )
    .with_context(RequestContext::new().with(
        "aws:SourceArn",
        "arn:aws:execute-api:us-east-1:111122223333:api1/prod/POST/orders",
    ));
    let granted = PolicySet::new().with_resource_policy(
        "function",
        statements(&format!(
            r#"{{"Sid": "Api", "Effect": "Allow", "Principal": {{"Service": "apigateway.amazonaws.com"}}, "Action": "lambda:InvokeFunction", "Resource": "{function}",
                "Condition": {{"ArnLike": {{"aws:SourceArn": "arn:aws:execute-api:us-east-1:111122223333:api1/*/POST/orders"}}}}}}"#
        )),
    );
    assert_decision(
        &decide(granted.clone(), &request),
        DecisionReason::Allowed,
        EVALUATION,
    );
    let wrong_route = Request::new(
        "apigateway.amazonaws.com",
        "lambda:InvokeFunction",
        function,
    )
    .with_context(RequestContext::new().with(
        "aws:SourceArn",
        "arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/orders",
    ));
    let decision = decide(granted, &wrong_route);
    assert_decision(&decision, DecisionReason::ImplicitDeny, EVALUATION);
    assert_eq!(decision.near_misses.len(), 1);
    assert_eq!(&*decision.near_misses[0].failed.key, "aws:SourceArn");
    assert_eq!(&*decision.near_misses[0].failed.operator, "ArnLike");
    // Identity-style policies never grant to a service principal.
    let identity = PolicySet::new().with_identity_policy("id", allow("*", "*"));
    assert_decision(
        &decide(identity, &request),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    // Anonymous: only `*` principals.
    let public = PolicySet::new().with_resource_policy(
        "bucket",
        resource_allow(r#""*""#, "s3:GetObject", "arn:aws:s3:::b/*"),
    );
    let anonymous = Request::new("anonymous", "s3:GetObject", "arn:aws:s3:::b/k")
        .with_resource_account(ACCOUNT);
    assert_decision(
        &decide(public, &anonymous),
        DecisionReason::Allowed,
        EVALUATION,
    );
}

#[test]
fn role_trust_policy_must_allow_on_its_own() {
    // "the role trust policy ... is a resource-based policy"; identity
    // permissions alone cannot assume a role.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html
    let target = "arn:aws:iam::111122223333:role/target";
    let assume = Request::new(USER, "sts:AssumeRole", target);
    let identity_only =
        PolicySet::new().with_identity_policy("id", allow("sts:AssumeRole", target));
    let empty_trust = identity_only
        .clone()
        .with_resource_policy("trust", statements(""));
    let decision = decide(empty_trust, &assume);
    assert_eq!(decision.cause, Some(ImplicitDenyCause::ResourcePolicy));
    // Trust naming the account: identity must also allow.
    let trust_account = statements(
        r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}"#,
    );
    let both = identity_only.with_resource_policy("trust", trust_account.clone());
    assert_decision(&decide(both, &assume), DecisionReason::Allowed, EVALUATION);
    let trust_only = PolicySet::new().with_resource_policy("trust", trust_account);
    assert_decision(
        &decide(trust_only, &assume),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    // Trust naming the user directly grants on its own (same account).
    let direct = PolicySet::new().with_resource_policy(
        "trust",
        statements(&format!(
            r#"{{"Effect": "Allow", "Principal": {{"AWS": "{USER}"}}, "Action": "sts:AssumeRole"}}"#
        )),
    );
    assert_decision(
        &decide(direct, &assume),
        DecisionReason::Allowed,
        EVALUATION,
    );
}

#[test]
fn key_policy_must_allow_on_its_own() {
    // "Unless the key policy explicitly allows it, you cannot use IAM
    // policies to allow access to a KMS key."
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let decrypt = Request::new(SESSION, "kms:Decrypt", key);
    let identity_only = PolicySet::new().with_identity_policy("id", allow("kms:Decrypt", key));
    assert_decision(
        &decide(identity_only.clone(), &decrypt),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    let enables_iam = identity_only.with_resource_policy(
        "key",
        resource_allow(r#"{"AWS": "arn:aws:iam::111122223333:root"}"#, "kms:*", "*"),
    );
    assert_decision(
        &decide(enables_iam, &decrypt),
        DecisionReason::Allowed,
        EVALUATION,
    );
}

#[test]
fn deny_with_not_principal_and_a_boundary_always_denies() {
    // "The NotPrincipal element with a Deny effect will always deny any IAM
    // principal that has a permissions boundary policy attached"
    let resource = statements(&format!(
        r#"{{"Effect": "Deny", "NotPrincipal": {{"AWS": ["{USER}", "arn:aws:iam::111122223333:root"]}}, "Action": "*", "Resource": "*"}}"#
    ));
    let without_boundary = PolicySet::new()
        .with_identity_policy("id", allow("*", "*"))
        .with_resource_policy("r", resource.clone());
    assert_decision(
        &decide(without_boundary.clone(), &get_item(USER)),
        DecisionReason::Allowed,
        BOUNDARIES,
    );
    let with_boundary = without_boundary.with_permissions_boundary("b", allow("*", "*"));
    assert_decision(
        &decide(with_boundary, &get_item(USER)),
        DecisionReason::ExplicitDeny,
        BOUNDARIES,
    );
}

#[test]
fn resource_variables_resolve_per_request() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    let home = policy(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/home/${aws:username}/*"}}"#,
    );
    let set = PolicySet::new().with_identity_policy("home", home);
    let own = Request::new(USER, "s3:GetObject", "arn:aws:s3:::b/home/alice/x");
    assert_decision(
        &decide(set.clone(), &own),
        DecisionReason::Allowed,
        EVALUATION,
    );
    let other = Request::new(USER, "s3:GetObject", "arn:aws:s3:::b/home/bob/x");
    assert_decision(
        &decide(set.clone(), &other),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    // A role session has no aws:username: the statement matches nothing.
    let session = Request::new(SESSION, "s3:GetObject", "arn:aws:s3:::b/home/alice/x");
    assert_decision(
        &decide(set, &session),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    // 2008-10-17: literal.
    let literal = policy(
        r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/home/${aws:username}/*"}}"#,
    );
    let set = PolicySet::new().with_identity_policy("literal", literal);
    assert_decision(
        &decide(set.clone(), &own),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    let dollar = Request::new(
        USER,
        "s3:GetObject",
        "arn:aws:s3:::b/home/${aws:username}/x",
    );
    assert_decision(&decide(set, &dollar), DecisionReason::Allowed, EVALUATION);
}

#[test]
fn not_action_and_not_resource() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    let set = PolicySet::new().with_identity_policy(
        "p",
        statements(
            r#"{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}"#,
        ),
    );
    assert_decision(
        &decide(set.clone(), &get_item(USER)),
        DecisionReason::Allowed,
        EVALUATION,
    );
    let iam = Request::new(USER, "iam:CreateUser", "arn:aws:iam::111122223333:user/x");
    assert_decision(
        &decide(set.clone(), &iam),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
    let secret = Request::new(USER, "s3:GetObject", "arn:aws:s3:::secret/k");
    assert_decision(
        &decide(set, &secret),
        DecisionReason::ImplicitDeny,
        EVALUATION,
    );
}

#[test]
fn near_misses_name_the_failed_condition() {
    let set = PolicySet::new().with_identity_policy(
        "p",
        statements(
            r#"{"Sid": "Tls", "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#,
        ),
    );
    let decision = decide(set, &get_item(USER));
    assert_decision(&decision, DecisionReason::ImplicitDeny, EVALUATION);
    assert_eq!(
        decision.near_misses[0].statement.sid.as_deref(),
        Some("Tls")
    );
    assert_eq!(&*decision.near_misses[0].failed.key, "aws:SecureTransport");
}

#[test]
fn get_caller_identity_needs_no_permission() {
    // "No permissions are required to perform this operation ... you can
    // still perform this operation" even under an explicit deny.
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    let set = PolicySet::new().with_identity_policy("deny", deny("sts:*", "*"));
    let request = Request::new(SESSION, "sts:GetCallerIdentity", "*");
    assert_decision(&decide(set, &request), DecisionReason::Allowed, EVALUATION);
}

#[test]
fn a_role_caller_named_by_role_arn_stays_within_its_boundary() {
    // A request given with the role ARN stands for a session of the role;
    // a resource policy naming the role is limited by the boundary.
    let set = PolicySet::new()
        .with_permissions_boundary("b", allow("s3:*", "*"))
        .with_resource_policy(
            "r",
            resource_allow(
                &format!(r#"{{"AWS": "{ROLE}"}}"#),
                "dynamodb:GetItem",
                TABLE,
            ),
        );
    let decision = decide(set, &get_item(ROLE));
    assert_eq!(
        decision.cause,
        Some(ImplicitDenyCause::PermissionsBoundary),
        "{BOUNDARIES}"
    );
}

#[test]
fn tag_session_is_decided_by_the_trust_policy() {
    // "the role trust policy must allow sts:TagSession"
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
    let target = "arn:aws:iam::111122223333:role/target";
    let request = Request::new(USER, "sts:TagSession", target);
    let identity_only = PolicySet::new().with_identity_policy("id", allow("sts:*", "*"));
    let decision = decide(identity_only, &request);
    assert_eq!(decision.cause, Some(ImplicitDenyCause::ResourcePolicy));
}

#[test]
fn federated_user_without_session_policy_has_no_identity_permissions() {
    // "if you do not pass any session policies, then the resulting federated
    // user session has no permissions"; a resource policy naming the
    // federated user still grants.
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
    let federated = "arn:aws:sts::111122223333:federated-user/bob";
    let identity = PolicySet::new().with_identity_policy("user", allow("*", "*"));
    let decision = decide(identity.clone(), &get_item(federated));
    assert_eq!(decision.cause, Some(ImplicitDenyCause::SessionPolicy));
    let with_session = identity.with_session_policy("s", allow("dynamodb:*", "*"));
    assert_decision(
        &decide(with_session, &get_item(federated)),
        DecisionReason::Allowed,
        SESSION_POLICIES,
    );
    let named = PolicySet::new().with_resource_policy(
        "r",
        resource_allow(
            &format!(r#"{{"AWS": "{federated}"}}"#),
            "dynamodb:GetItem",
            TABLE,
        ),
    );
    assert_decision(
        &decide(named, &get_item(federated)),
        DecisionReason::Allowed,
        SESSION_POLICIES,
    );
}
