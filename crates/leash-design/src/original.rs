//! The IAM that applies to each function in the template as written: what
//! `leash design` replaces, and what its design must stay inside.
//!
//! For: collecting, per function, the identity policies of its execution
//! role (SAM `Policies` with policy templates expanded from SAM's own data,
//! inline statements, the `AWS::IAM::Role` named by `Role` with its inline
//! policies, the `AWS::IAM::Policy`/`ManagedPolicy` resources attached to
//! it, SAM's `DeadLetterQueue` statement), the managed policies attached by
//! name or ARN (SAM's implicit ones included), and permissions boundaries.
//! Not for: fetching managed policy documents (the caller passes a lookup
//! to [`OriginalIam::combined`]; `changes` uses leash-catalog's) or comparing with a
//! design (`leash-prove`, the report).
//!
//! The collection is `leash_iac`'s extraction (`extract_policies_with`,
//! `extract_managed_policy_references_with`) filtered to the function,
//! resolved with the same target and naming as the application model, so
//! ARNs in the original and in the design name the same resources.
//!
//! What SAM adds implicitly to the role it generates (a function without
//! `Role`) is SAM's own list, extracted by `leash_iac`
//! (`sam_implicit_policies`): `AWSLambdaBasicExecutionRole` (or its durable
//! variant), and the managed policies for `Tracing`, `VpcConfig` and
//! `SQS`/`Kinesis`/`DynamoDB`/`MSK` event sources
//! (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies>);
//! SAM attaches `AWSLambdaSQSQueueExecutionRole` for an `SQS` event even
//! when `Policies` grants the queue (aws/serverless-application-model#2118).
//! With `Role`, SAM creates no role and ignores `Policies`.

use leash_iac::{PolicyKind, PolicyOrigin, ResolveContext, Template, extract_all_with};
use leash_policy::Policy;
use leash_policy::arn::Arn;
use leash_policy::parse::parse_policy;

use crate::model::Application;

/// One identity policy that applies to the function's execution role.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginalPolicy {
    /// Where it comes from, e.g. "`GetOrder` Properties.Policies[0]
    /// (SAM policy template `DynamoDBCrudPolicy`)".
    pub origin: String,
    pub policy: Policy,
}

/// The IAM of one function as the template writes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OriginalIam {
    /// Logical id of the function.
    pub function: String,
    /// Identity policies whose documents are in the template (inline,
    /// SAM policy templates expanded, `AWS::IAM::Policy`, customer managed
    /// policies declared in the template).
    pub policies: Vec<OriginalPolicy>,
    /// Managed policies attached by ARN (a SAM name is turned into the ARN
    /// SAM uses), SAM's implicit ones included; documents not in leash.
    pub managed: Vec<String>,
    /// Permissions boundaries by ARN (they narrow the role: what the role
    /// may do is the policies' grant inside every boundary).
    pub boundaries: Vec<String>,
    /// What could not be read exactly, lowercase sentences: a role outside
    /// the template, an intrinsic only known at deployment (resolved to
    /// `*`, which widens the original), a document that does not parse.
    pub unresolved: Vec<String>,
}

/// The original IAM merged into one policy, with what the lookup lacked.
#[derive(Clone, Debug, PartialEq)]
pub struct CombinedIam {
    /// Every statement of `policies` and of the managed policies found, in
    /// one identity policy (identity policies of one principal combine as
    /// the union of their statements: an explicit deny in any denies, an
    /// allow in any allows;
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
    pub policy: Policy,
    /// Boundaries found by the lookup.
    pub boundaries: Vec<Policy>,
    /// Managed policies and boundaries the lookup did not know (ARNs).
    pub missing: Vec<String>,
}

impl OriginalIam {
    /// Whether the template attaches nothing to the function's role.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty() && self.managed.is_empty()
    }

    /// The original as one policy, managed policies and boundaries taken
    /// from `lookup` (given an ARN; [`managed_policy_name`] gives the name
    /// the AWS managed policy files are named after).
    pub fn combined(&self, lookup: &dyn Fn(&str) -> Option<Policy>) -> CombinedIam {
        let mut statements = Vec::new();
        let mut missing = Vec::new();
        for original in &self.policies {
            statements.extend(original.policy.statements.iter().cloned());
        }
        for arn in &self.managed {
            match lookup(arn) {
                Some(policy) => statements.extend(policy.statements),
                None => missing.push(arn.clone()),
            }
        }
        let mut boundaries = Vec::new();
        for arn in &self.boundaries {
            match lookup(arn) {
                Some(policy) => boundaries.push(policy),
                None => missing.push(arn.clone()),
            }
        }
        // Each policy is evaluated with its own `Version`; merged, they
        // keep 2012-10-17 (policy variables substituted) when every policy
        // with statements has it, else none (variables read literally).
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
        let parts: Vec<&Policy> = self.policies.iter().map(|p| &p.policy).collect();
        let with_statements: Vec<&&Policy> =
            parts.iter().filter(|p| !p.statements.is_empty()).collect();
        let version = with_statements
            .first()
            .and_then(|first| first.version.clone())
            .filter(|first| {
                with_statements
                    .iter()
                    .all(|p| p.version.as_ref().is_some_and(|v| v.node == first.node))
            });
        CombinedIam {
            policy: Policy {
                version,
                id: None,
                statements,
                single_statement: false,
                span: leash_policy::Span::default(),
            },
            boundaries,
            missing,
        }
    }
}

/// The name of a managed policy from its ARN (the path dropped):
/// `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole` ->
/// `AWSLambdaBasicExecutionRole`.
pub fn managed_policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Whether an ARN is an AWS managed policy (account `aws`), as opposed to a
/// customer managed policy of some account.
pub fn is_aws_managed(arn: &str) -> bool {
    Arn::parse(arn)
        .is_ok_and(|parsed| parsed.account() == "aws" && parsed.resource().starts_with("policy/"))
}

/// The IAM the template gives `function` (a logical id), resolved for
/// `app`'s account and region with unnamed resources named by their
/// logical id, as the model names them.
pub fn original_iam(template: &Template, app: &Application, function: &str) -> OriginalIam {
    let context = resolve_context(app);
    let (policies, references) = extract_all_with(template, &context);
    original_from(template, function, &policies, &references)
}

/// [`original_iam`] for every function of `app`, extracting once.
pub fn original_iam_all(template: &Template, app: &Application) -> Vec<OriginalIam> {
    let context = resolve_context(app);
    let (policies, references) = extract_all_with(template, &context);
    app.functions
        .iter()
        .map(|f| original_from(template, &f.logical_id, &policies, &references))
        .collect()
}

/// [`original_iam_all`] from an extraction already made (with the
/// context of `app`), computed on the first use only.
pub(crate) struct Originals<'a> {
    template: &'a Template,
    policies: &'a [leash_iac::EmbeddedPolicy],
    references: &'a [leash_iac::ManagedPolicyReference],
    all: std::cell::OnceCell<Vec<OriginalIam>>,
}

impl<'a> Originals<'a> {
    pub(crate) fn new(
        template: &'a Template,
        policies: &'a [leash_iac::EmbeddedPolicy],
        references: &'a [leash_iac::ManagedPolicyReference],
    ) -> Self {
        Originals {
            template,
            policies,
            references,
            all: std::cell::OnceCell::new(),
        }
    }

    /// The original IAM of each function of `app`, in order (the
    /// functions must be the same on every call).
    pub(crate) fn get(&self, app: &Application) -> &[OriginalIam] {
        self.all.get_or_init(|| {
            app.functions
                .iter()
                .map(|f| {
                    original_from(self.template, &f.logical_id, self.policies, self.references)
                })
                .collect()
        })
    }
}

fn resolve_context(app: &Application) -> ResolveContext {
    crate::model::design_context(
        &app.account,
        &app.region,
        app.stack_name.as_ref(),
        &app.parameters,
    )
}

fn original_from(
    template: &Template,
    function: &str,
    policies: &[leash_iac::EmbeddedPolicy],
    references: &[leash_iac::ManagedPolicyReference],
) -> OriginalIam {
    let mut original = OriginalIam {
        function: function.to_string(),
        ..OriginalIam::default()
    };
    if let Some(resource) = template.resource(function)
        && let Some(role) = crate::model::role_value(resource)
    {
        let in_template = role_logical_id(role).is_some_and(|id| {
            template
                .resource(&id)
                .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role")
        });
        if !in_template {
            original.unresolved.push(format!(
                "`{function}` runs as a role that is not declared in the template"
            ));
        }
    }
    // A principal that is a role itself (an integration's credentials):
    // the policies attached to that role.
    let is_role = template
        .resource(function)
        .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role");
    let attached = |functions: &[String], roles: &[String]| {
        if is_role {
            roles.iter().any(|r| r == function)
        } else {
            functions.iter().any(|f| f == function)
        }
    };
    for embedded in policies {
        if embedded.kind != PolicyKind::Identity
            || !attached(&embedded.attached_functions, &embedded.attached_roles)
        {
            continue;
        }
        let origin = describe_origin(embedded);
        for unresolved in &embedded.unresolved {
            original
                .unresolved
                .push(format!("{origin}: {}", unresolved.reason));
        }
        let parsed = parse_policy(&embedded.document);
        match parsed.policy {
            Some(policy) if !parsed.has_errors() => {
                original.policies.push(OriginalPolicy { origin, policy })
            }
            _ => original
                .unresolved
                .push(format!("{origin}: the policy does not parse")),
        }
    }
    for reference in references {
        let own = is_role && reference.resource_id == function;
        if !own && !attached(&reference.attached_functions, &reference.attached_roles) {
            continue;
        }
        // A customer managed policy declared in the template is already
        // among the documents (attached to the roles that list it).
        if reference.managed_policy_id.is_some() {
            continue;
        }
        let list = match reference.kind {
            PolicyKind::Boundary => &mut original.boundaries,
            _ => &mut original.managed,
        };
        match reference.arn.as_str() {
            Some(arn) if arn != "*" && !arn.contains('*') => {
                if !list.iter().any(|a| a == arn) {
                    list.push(arn.to_string());
                }
            }
            _ => original.unresolved.push(format!(
                "`{}` {}: a managed policy whose ARN is only known at deployment",
                reference.resource_id, reference.path
            )),
        }
    }
    original
}

fn describe_origin(embedded: &leash_iac::EmbeddedPolicy) -> String {
    let what = match &embedded.origin {
        PolicyOrigin::SamPolicyTemplate { name } => format!(" (SAM policy template `{name}`)"),
        PolicyOrigin::SamDeadLetterQueue => " (SAM's dead-letter queue statement)".to_string(),
        PolicyOrigin::SamEventSource => " (SAM's statement for the event source)".to_string(),
        PolicyOrigin::SamEventRole => " (the role SAM generates for the event)".to_string(),
        PolicyOrigin::SamEventInvokeDestination => {
            " (SAM's statement for an event-invoke destination)".to_string()
        }
        _ => String::new(),
    };
    format!("`{}` {}{what}", embedded.resource_id, embedded.path)
}

/// The logical id a `Role` value names (`!GetAtt R.Arn`, `!Ref R`,
/// `!Sub '${R.Arn}'`), if it names one.
fn role_logical_id(value: &leash_policy::Value) -> Option<String> {
    if let Some(target) = value.get("Ref").and_then(leash_policy::Value::as_str) {
        return Some(target.to_string());
    }
    if let Some(attribute) = value.get("Fn::GetAtt") {
        if let Some(text) = attribute.as_str() {
            return text.split('.').next().map(str::to_string);
        }
        return attribute.as_array()?.first()?.as_str().map(str::to_string);
    }
    let text = match value.get("Fn::Sub") {
        Some(sub) => match sub.as_str() {
            Some(text) => text,
            None => sub.as_array()?.first()?.as_str()?,
        },
        None => return None,
    };
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    inner.split('.').next().map(str::to_string)
}

/// AWS managed policies that allow `logs:CreateLogStream` and
/// `logs:PutLogEvents` on every log group (checked against the documents
/// of `../shared/corpus/aws-managed-policies` by `tests/corpus.rs`).
pub const LOG_WRITING_MANAGED_POLICIES: &[&str] = &[
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaBasicDurableExecutionRolePolicy",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaMSKExecutionRole",
    "AWSLambdaExecute",
    "CloudWatchLogsFullAccess",
];

/// The log actions the design grants every function on its own log group.
const DESIGN_LOG_ACTIONS: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];

/// Sets `Function::log_actions` for the functions that run as a role
/// declared in the template: the design's log actions that the role's
/// policies allow on the function's own log group (decided by the engine),
/// all of them when a managed policy of [`LOG_WRITING_MANAGED_POLICIES`]
/// is attached. A function whose role grants no logs gets none: the
/// design must not grant what the template did not, even where the
/// template is probably wrong (a function that cannot write its logs).
pub(crate) fn limit_log_actions(app: &mut Application, originals: &Originals<'_>) {
    // A state machine writes no log group of its own (`log_actions` is
    // empty from the start).
    let with_template_role = |f: &crate::model::Function| {
        f.kind == crate::model::PrincipalKind::Function
            && f.role.as_ref().is_some_and(|r| r.in_template)
    };
    if !app.functions.iter().any(with_template_role) {
        return;
    }
    let originals = originals.get(app);
    let principal = format!("arn:aws:iam::{}:role/leash-design-check", app.account);
    let (region, account) = (app.region.clone(), app.account.clone());
    for (function, original) in app.functions.iter_mut().zip(originals) {
        if !with_template_role(function) || original.function != function.logical_id {
            continue;
        }
        let writes_logs = original.managed.iter().any(|arn| {
            is_aws_managed(arn) && LOG_WRITING_MANAGED_POLICIES.contains(&managed_policy_name(arn))
        });
        if writes_logs {
            continue;
        }
        let policy = original.combined(&embedded_managed_policy).policy;
        let prepared = leash_policy::authz::PreparedPolicySet::new(
            &leash_policy::authz::PolicySet::new().with_identity_policy("template", policy),
        );
        let stream = format!(
            "arn:aws:logs:{region}:{account}:log-group:{}:log-stream:2026/01/01/[$LATEST]example",
            function.log_group_name()
        );
        let allowed: Vec<String> = DESIGN_LOG_ACTIONS
            .iter()
            .filter(|action| {
                let request = leash_policy::context::Request::new(
                    principal.clone(),
                    **action,
                    stream.clone(),
                );
                prepared.evaluate(&request).is_allowed()
            })
            .map(|action| (*action).to_string())
            .collect();
        if allowed.len() < DESIGN_LOG_ACTIONS.len() {
            function.log_actions = Some(allowed);
        }
    }
}

/// An AWS managed policy's document from the catalog's embedded copy
/// (`leash_catalog::managed_policy`), parsed; `None` for a customer
/// managed policy or a name the catalog does not know.
pub fn embedded_managed_policy(arn: &str) -> Option<leash_policy::Policy> {
    let managed = leash_catalog::aws_managed_policy(arn)?;
    let parsed = leash_policy::parse::parse_policy_text(managed.document);
    if parsed.has_errors() {
        return None;
    }
    parsed.policy
}

/// AWS managed policies that grant Lambda's own needs
/// ([`crate::model::LambdaNeed`]) on every resource, and which of them
/// (checked against the documents of `../shared/corpus/aws-managed-policies`
/// by `tests/corpus.rs`). Their documents are not in leash, so
/// [`limit_lambda_needs`] reads an attachment of one of them from here.
pub const LAMBDA_NEED_MANAGED_POLICIES: &[(&str, &[&str])] = &[
    ("AWSLambdaVPCAccessExecutionRole", VPC_ACTIONS),
    ("AWSLambdaENIManagementAccess", VPC_ENI_ACTIONS),
    ("AWSXrayWriteOnlyAccess", XRAY_ACTIONS),
    ("AWSXRayDaemonWriteAccess", XRAY_ACTIONS),
    ("AWSXrayFullAccess", XRAY_ACTIONS),
];

const VPC_ACTIONS: &[&str] = &[
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
];
const VPC_ENI_ACTIONS: &[&str] = &[
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:UnassignPrivateIpAddresses",
];
const XRAY_ACTIONS: &[&str] = &[
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// `policy` as the identity policy of `principal` (a role ARN), with the
/// default key policy of the principal's account as the key's policy.
fn with_default_key_policy(
    policy: &leash_policy::Policy,
    principal: &str,
) -> Option<leash_policy::authz::PreparedPolicySet> {
    let account = leash_policy::arn::Arn::parse(principal)
        .ok()?
        .account()
        .as_str()
        .to_string();
    let key_policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{account}:root") },
            "Action": "kms:*",
            "Resource": "*",
        }],
    });
    let key_policy = leash_policy::parse::parse_policy_text(&key_policy.to_string()).policy?;
    Some(leash_policy::authz::PreparedPolicySet::new(
        &leash_policy::authz::PolicySet::new()
            .with_identity_policy("template", policy.clone())
            .with_resource_policy("default key policy", key_policy),
    ))
}

/// The account an ARN names, when it names one: written out or a symbol,
/// not empty (S3) and not a pattern. A question about identity policies
/// alone asks it with a principal of this account: a hard-coded ARN of
/// another account than the template's symbolic one would otherwise be a
/// request across accounts, which an identity policy alone never allows
/// (the comparison's witnesses, the limits below, the design's checks).
pub(crate) fn named_account(resource: &str) -> Option<String> {
    leash_policy::arn::Arn::parse(resource)
        .ok()
        .map(|arn| arn.account())
        .filter(|a| !a.as_str().is_empty() && !a.is_pattern())
        .map(|a| a.as_str().to_string())
}

/// The principal that asks whether the template's identity policies grant
/// a request on `resource`: a role of the account it names, else of
/// `account`.
fn check_principal(resource: &str, account: &str) -> String {
    format!(
        "arn:aws:iam::{}:role/leash-design-check",
        named_account(resource).as_deref().unwrap_or(account)
    )
}

/// Keeps of each function's Lambda needs the actions its original IAM
/// grants (the engine decides on the template's policies, SAM's implicit
/// ones included; an attached managed policy is read from
/// [`LAMBDA_NEED_MANAGED_POLICIES`]): the design never grants what the
/// template did not. A function whose role is outside the template keeps
/// them all (nothing to stay inside, as for logs).
pub(crate) fn limit_lambda_needs(app: &mut Application, originals: &Originals<'_>) {
    if app.functions.iter().all(|f| f.lambda_needs.is_empty()) {
        return;
    }
    let originals = originals.get(app);
    let account = app.account.clone();
    for (function, original) in app.functions.iter_mut().zip(originals) {
        // A state machine's are limited with notes (`limit_definition_needs`).
        if function.lambda_needs.is_empty()
            || original.function != function.logical_id
            || function.kind != crate::model::PrincipalKind::Function
        {
            continue;
        }
        if function.role.as_ref().is_some_and(|r| !r.in_template) {
            continue;
        }
        let managed: Vec<&str> = original
            .managed
            .iter()
            .filter(|arn| is_aws_managed(arn))
            .map(|arn| managed_policy_name(arn))
            .collect();
        let policy = original.combined(&embedded_managed_policy).policy;
        let prepared = leash_policy::authz::PreparedPolicySet::new(
            &leash_policy::authz::PolicySet::new().with_identity_policy("template", policy.clone()),
        );
        for need in &mut function.lambda_needs {
            need.actions.retain(|action| {
                let by_managed = LAMBDA_NEED_MANAGED_POLICIES.iter().any(|(name, actions)| {
                    managed.contains(name) && actions.contains(&action.as_str())
                });
                by_managed || {
                    let principal = check_principal(&need.example, &account);
                    let request = leash_policy::context::Request::new(
                        principal.clone(),
                        action.clone(),
                        need.example.clone(),
                    );
                    if action.starts_with("kms:") {
                        // A key is used as far as its key policy allows: the
                        // default one lets the account's IAM policies grant
                        // it, which is the question here.
                        // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
                        with_default_key_policy(&policy, &principal)
                            .is_some_and(|set| set.evaluate(&request).is_allowed())
                    } else {
                        prepared.evaluate(&request).is_allowed()
                    }
                }
            });
        }
        function.lambda_needs.retain(|n| !n.actions.is_empty());
    }
}

/// Keeps of each consume need from a hand-written
/// `AWS::Lambda::EventSourceMapping` only the actions the function's
/// original IAM grants on its source (the engine decides, AWS managed
/// policies from the catalog): unlike a SAM event, for which SAM attaches
/// its poller policy to the role it generates, nothing adds them, and the
/// design grants nothing the template did not (`no-new-access`). The need
/// becomes the listed actions; none granted, it goes. A function whose role
/// is outside the template keeps the need (nothing to stay inside).
pub(crate) fn limit_mapping_needs(
    template: &Template,
    app: &mut Application,
    originals: &Originals<'_>,
) {
    let is_mapping = |need: &crate::model::Need| match &need.source {
        crate::model::NeedSource::EventSource { event } => template
            .resource(event)
            .is_some_and(|r| r.resource_type.node == "AWS::Lambda::EventSourceMapping"),
        _ => false,
    };
    if !app.functions.iter().any(|f| f.needs.iter().any(is_mapping)) {
        return;
    }
    let originals = originals.get(app);
    let (region, account) = (app.region.clone(), app.account.clone());
    let resources = app.resources.clone();
    for (function, original) in app.functions.iter_mut().zip(originals) {
        if original.function != function.logical_id
            || function.role.as_ref().is_some_and(|r| !r.in_template)
            || !function.needs.iter().any(is_mapping)
        {
            continue;
        }
        let policy = original.combined(&embedded_managed_policy).policy;
        let prepared = leash_policy::authz::PreparedPolicySet::new(
            &leash_policy::authz::PolicySet::new().with_identity_policy("template", policy),
        );
        let mut limited = Vec::new();
        for need in std::mem::take(&mut function.needs) {
            let source = resources.iter().find(|r| r.logical_id == need.resource);
            let (true, Some(source)) = (is_mapping(&need), source) else {
                limited.push(need);
                continue;
            };
            for row in crate::access::entries(source.kind, need.access) {
                let arn =
                    crate::access::scope_arn(row.scope, &source.name, &region, &account, None);
                // A stream of a table: one of them, for the request.
                let example = match arn.strip_suffix('*') {
                    Some(stem) => format!("{stem}2026-01-01T00:00:00.000"),
                    None => arn.clone(),
                };
                let actions: Vec<String> = row
                    .actions
                    .iter()
                    .filter(|action| {
                        let request = leash_policy::context::Request::new(
                            check_principal(&example, &account),
                            **action,
                            example.clone(),
                        );
                        prepared.evaluate(&request).is_allowed()
                    })
                    .map(|action| (*action).to_string())
                    .collect();
                if !actions.is_empty() {
                    limited.push(crate::model::Need {
                        access: crate::model::Access::Listed,
                        actions,
                        scope: Some(row.scope),
                        ..need.clone()
                    });
                }
            }
        }
        function.needs = limited;
    }
}

/// Keeps of each state machine's definition needs the actions its
/// original IAM grants (the engine decides on a resource inside the
/// need's scope, AWS managed policies from the catalog): the design
/// grants nothing the template did not (`no-new-access`). A definition
/// call the template does not allow is noted, not granted. A state
/// machine whose role is outside the template keeps them (nothing to stay
/// inside).
pub(crate) fn limit_definition_needs(app: &mut Application, originals: &Originals<'_>) {
    let is_definition = |need: &crate::model::Need| {
        matches!(
            need.source,
            crate::model::NeedSource::Definition { .. }
                | crate::model::NeedSource::Integration { .. }
        )
    };
    let from_definition = |f: &crate::model::Function| {
        f.kind.configured() && (f.needs.iter().any(is_definition) || !f.lambda_needs.is_empty())
    };
    if !app.functions.iter().any(from_definition) {
        return;
    }
    let originals = originals.get(app);
    let principal = format!("arn:aws:iam::{}:role/leash-design-check", app.account);
    let (region, account) = (app.region.clone(), app.account.clone());
    let resources = app.resources.clone();
    for (function, original) in app.functions.iter_mut().zip(originals) {
        if original.function != function.logical_id
            // A role outside the template: nothing to stay inside (read
            // from the original, which follows `!Sub "${Role.Arn}"` too).
            || original
                .unresolved
                .iter()
                .any(|u| u.contains("runs as a role that is not declared in the template"))
            || !from_definition(function)
        {
            continue;
        }
        let policy = original.combined(&embedded_managed_policy).policy;
        let prepared = leash_policy::authz::PreparedPolicySet::new(
            &leash_policy::authz::PolicySet::new().with_identity_policy("template", policy.clone()),
        );
        // A key's own policy decides too: the account's default key policy
        // delegates to IAM, so the template's grant is what counts.
        let prepared_kms = with_default_key_policy(&policy, &principal);
        let set_for = |action: &str| match &prepared_kms {
            Some(kms) if action.to_ascii_lowercase().starts_with("kms:") => kms,
            _ => &prepared,
        };
        let mut limited = Vec::new();
        let mut refused_services = std::collections::BTreeSet::new();
        // A refused use on a value known only at deployment, whose action
        // the template grants on some other resource, may be one the grant
        // does not name as written (`model::unsupersede`); one whose action
        // it grants nowhere, or on a resource written out, is simply not
        // granted, and the reading still tells every use of the service.
        let mut refuse = |action: &str, resource: &str| {
            if grants_action_somewhere(&policy, action)
                && leash_policy::symbol::contains_symbol(resource)
                && let Some((service, _)) = action.split_once(':')
            {
                refused_services.insert(service.to_ascii_lowercase());
            }
        };
        for mut need in std::mem::take(&mut function.needs) {
            let target = resources.iter().find(|r| r.logical_id == need.resource);
            let (true, Some(target), Some(scope)) = (is_definition(&need), target, need.scope)
            else {
                limited.push(need);
                continue;
            };
            let arn = crate::access::scope_arn(
                scope,
                &target.name,
                &region,
                &account,
                need.prefix.as_deref(),
            );
            let example = match arn.strip_suffix('*') {
                Some(stem) => format!("{stem}leash-example"),
                None => arn.clone(),
            };
            let (granted, refused): (Vec<String>, Vec<String>) =
                need.actions.iter().cloned().partition(|action| {
                    let request = leash_policy::context::Request::new(
                        principal.clone(),
                        action.clone(),
                        example.clone(),
                    )
                    .with_resource_account(account.clone());
                    set_for(action).evaluate(&request).is_allowed()
                });
            for action in &refused {
                refuse(action, &example);
                function.ignored.push(format!(
                    "{}: `{action}` on `{}`, which the template's IAM does not grant: not granted",
                    need.source.describe(),
                    need.resource
                ));
            }
            if !granted.is_empty() {
                need.actions = granted;
                limited.push(need);
            }
        }
        function.needs = limited;
        let mut kept_needs = Vec::new();
        for mut need in std::mem::take(&mut function.lambda_needs) {
            need.actions.retain(|action| {
                // The role's side only: another account's resource (a
                // cross-account function) has its own policy there.
                let request = leash_policy::context::Request::new(
                    principal.clone(),
                    action.clone(),
                    need.example.clone(),
                )
                .with_resource_account(account.clone());
                let allowed = set_for(action).evaluate(&request).is_allowed();
                if !allowed {
                    refuse(action, &need.example);
                    function.ignored.push(format!(
                        "{}: `{action}` on `{}`, which the template's IAM does not grant: not granted",
                        need.why, need.resource
                    ));
                }
                allowed
            });
            if !need.actions.is_empty() {
                kept_needs.push(need);
            }
        }
        function.lambda_needs = kept_needs;
        crate::model::unsupersede(function, &refused_services, &resources);
    }
}

/// Whether an `Allow` statement of `policy` names `action` (on any
/// resource, under any condition); a `NotAction` statement may.
fn grants_action_somewhere(policy: &leash_policy::Policy, action: &str) -> bool {
    use leash_policy::matching::{CaseMode, WildcardPattern};
    policy.statements.iter().any(|statement| {
        statement.effect.node == leash_policy::Effect::Allow
            && (statement.action.node.negated
                || statement.action.node.patterns.iter().any(|pattern| {
                    WildcardPattern::new(&pattern.node, CaseMode::Insensitive).is_match(action)
                }))
    })
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
  Orders:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: Orders}
  Jobs:
    Type: AWS::SQS::Queue
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Orders}
        - AmazonS3ReadOnlyAccess
        - Statement:
            - {Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Jobs.Arn}
      PermissionsBoundary: arn:aws:iam::111122223333:policy/Boundary
      Events:
        Work:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn}
  WithRole:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt WorkerRole.Arn
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement: [{Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Orders.Arn}]
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref WorkerRole]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Jobs.Arn}]
  Outside:
    Type: AWS::Serverless::Function
    Properties:
      Role: arn:aws:iam::111122223333:role/existing
"#;

    fn originals() -> Vec<OriginalIam> {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        original_iam_all(&template, &app)
    }

    #[test]
    fn sam_function_gets_its_policies_and_the_implicit_managed_policies() {
        let sam = &originals()[0];
        assert_eq!(sam.function, "Sam");
        assert_eq!(sam.policies.len(), 2, "{:#?}", sam.policies);
        assert!(sam.policies[0].origin.contains("DynamoDBReadPolicy"));
        // The expanded template is scoped to the table, named as the model names it.
        let expanded = leash_policy::print::print_policy(&sam.policies[0].policy);
        assert!(
            expanded.contains("arn:aws:dynamodb:us-west-2:111122223333:table/Orders"),
            "{expanded}"
        );
        assert!(expanded.contains("dynamodb:Scan"), "{expanded}");
        assert_eq!(
            sam.managed,
            vec![
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            ]
        );
        assert_eq!(
            sam.boundaries,
            vec!["arn:aws:iam::111122223333:policy/Boundary"]
        );
        assert!(sam.unresolved.is_empty(), "{:?}", sam.unresolved);
    }

    #[test]
    fn role_function_gets_the_role_and_policies_attached_to_it() {
        let with_role = &originals()[1];
        assert_eq!(with_role.function, "WithRole");
        let origins: Vec<&str> = with_role
            .policies
            .iter()
            .map(|p| p.origin.as_str())
            .collect();
        assert_eq!(
            origins,
            vec![
                "`WorkerRole` Properties.Policies[0].PolicyDocument",
                "`Extra` Properties.PolicyDocument"
            ]
        );
        assert_eq!(
            with_role.managed,
            vec!["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
        );
        assert!(with_role.unresolved.is_empty());
    }

    fn log_actions_of(text: &str) -> (Option<Vec<String>>, Vec<String>) {
        let template = leash_iac::read_template(text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let function = app
            .functions
            .iter()
            .find(|f| f.logical_id == "WithRole")
            .unwrap();
        let roles = crate::design::design(&app).unwrap();
        let role = roles.iter().find(|r| r.function == "WithRole").unwrap();
        assert!(role.verified(), "{:#?}", role.verification);
        let granted = role
            .permissions
            .iter()
            .filter(|p| p.action.starts_with("logs:"))
            .map(|p| p.action.clone())
            .collect();
        (function.log_actions.clone(), granted)
    }

    #[test]
    fn the_design_writes_logs_only_where_the_template_role_does() {
        // AWSLambdaBasicExecutionRole on the role: both log actions.
        let (limit, granted) = log_actions_of(TEMPLATE);
        assert_eq!(limit, None);
        assert_eq!(granted, ["logs:CreateLogStream", "logs:PutLogEvents"]);
        // A role with neither: none (the template's function cannot log;
        // the design does not add it).
        let without = TEMPLATE.replace(
            "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]\n",
            "",
        );
        let (limit, granted) = log_actions_of(&without);
        assert_eq!(limit, Some(vec![]));
        assert!(granted.is_empty(), "{granted:?}");
        // A role statement with PutLogEvents only: that one.
        let put_only = without.replace(
            "            Statement: [{Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Orders.Arn}]\n",
            "            Statement: [{Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Orders.Arn}, {Effect: Allow, Action: logs:PutLogEvents, Resource: 'arn:aws:logs:*:*:*'}]\n",
        );
        let (limit, granted) = log_actions_of(&put_only);
        assert_eq!(limit, Some(vec!["logs:PutLogEvents".to_string()]));
        assert_eq!(granted, ["logs:PutLogEvents"]);
        // The log statement is understood (the function's own logs), not
        // left among what was not designed from.
        let template = leash_iac::read_template(&put_only).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let with_role = app
            .functions
            .iter()
            .find(|f| f.logical_id == "WithRole")
            .unwrap();
        assert!(with_role.ignored.is_empty(), "{:?}", with_role.ignored);
    }

    #[test]
    fn a_role_outside_the_template_is_unresolved() {
        let outside = &originals()[2];
        assert!(outside.is_empty());
        assert_eq!(outside.unresolved.len(), 1, "{:?}", outside.unresolved);
        assert!(outside.unresolved[0].contains("not declared in the template"));
    }

    #[test]
    fn combined_merges_statements_and_reports_missing_managed_policies() {
        let sam = &originals()[0];
        let basic = leash_policy::parse::parse_policy_text(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
        )
        .policy
        .unwrap();
        let lookup = |arn: &str| {
            (managed_policy_name(arn) == "AWSLambdaBasicExecutionRole").then(|| basic.clone())
        };
        let combined = sam.combined(&lookup);
        let own: usize = sam.policies.iter().map(|p| p.policy.statements.len()).sum();
        assert_eq!(combined.policy.statements.len(), own + 1);
        assert_eq!(
            combined.missing,
            vec![
                "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                "arn:aws:iam::111122223333:policy/Boundary",
            ]
        );
        assert!(is_aws_managed(&sam.managed[0]));
        assert!(!is_aws_managed(&sam.boundaries[0]));
    }

    /// A role whose only grant is an AWS managed policy leash carries
    /// (`AdministratorAccess` here) lets the function write its logs: the
    /// design reads the policy's document from the catalog, so it keeps
    /// the log permissions instead of leaving the function unable to log.
    #[test]
    fn managed_policies_from_the_catalog_grant_logs() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s/, Role: !GetAtt Role.Arn}
"#;
        let template = leash_iac::read_template(text).unwrap();
        let app =
            crate::model::read_application(&template, &crate::model::Target::default()).unwrap();
        assert_eq!(app.functions[0].log_actions, None);
        assert!(embedded_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess").is_some());
        assert!(embedded_managed_policy("arn:aws:iam::111122223333:policy/Mine").is_none());
    }
}
