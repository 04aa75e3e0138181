//! The authorization engine: decides one request against every policy type
//! the way AWS does, and explains the decision.
//!
//! For: `leash sim`, the prover's counterexample replay, tests.
//!
//! Not for: reading request files (see `request`) or printing.
//!
//! Build a [`PolicySet`] from parsed policies, prepare it once with
//! [`PreparedPolicySet::new`] (patterns and conditions compiled), then call
//! [`PreparedPolicySet::evaluate`] per [`Request`]:
//!
//! ```
//! use leash_policy::authz::{DecisionReason, PolicySet, PreparedPolicySet};
//! use leash_policy::context::{Request, RequestContext};
//! use leash_policy::parse::parse_policy_text;
//!
//! let role_policy = parse_policy_text(r#"{"Version": "2012-10-17", "Statement": {
//!     "Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
//!     "Resource": "arn:aws:s3:::orders/*"}}"#)
//! .policy
//! .expect("valid policy");
//! let prepared = PreparedPolicySet::new(&PolicySet::new().with_identity_policy("role", role_policy));
//! let request = Request::new(
//!     "arn:aws:sts::111122223333:assumed-role/orders/session",
//!     "s3:GetObject",
//!     "arn:aws:s3:::orders/2024/receipt.pdf",
//! )
//! .with_context(RequestContext::new().with("aws:SecureTransport", "true"));
//! let decision = prepared.evaluate(&request);
//! assert_eq!(decision.reason, DecisionReason::Allowed);
//! assert_eq!(decision.deciding[0].sid.as_deref(), Some("Read"));
//! ```
//!
//! The decision flow follows
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html> and
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session>:
//!
//! 1. an applicable `Deny` in any policy: explicit deny;
//! 2. SCPs (principal's organization): every level must allow; skipped for
//!    the management account and service-linked roles;
//! 3. RCPs (resource's organization): every level must allow; skipped for
//!    resources in the management account and for service-linked roles;
//! 4. a VPC endpoint policy, when given, must allow;
//! 5. same account: a resource-based policy naming the caller exactly (user
//!    ARN, role-session ARN, federated-user ARN) grants on its own; naming
//!    the role is still limited by the boundary and the session policy;
//!    otherwise identity policies must allow, within the boundary and the
//!    session policy;
//! 6. cross-account: the identity side (identity policies within boundary and
//!    session policy) AND the resource-based policy must allow;
//! 7. role trust policies and KMS key policies: the resource side must allow
//!    on its own; naming only the account delegates to identity policies.

use std::sync::Arc;

use crate::ast::{Effect, Policy, PolicyVersion, Statement};
use crate::condition::{CompiledCondition, FailedCondition};
use crate::context::{PrincipalType, Request};
use crate::matching::{ActionPattern, ArnPattern};
use crate::principal::{PrincipalMatch, PrincipalMatcher};
use crate::span::Span;
use crate::variables::{Template, parse_template};

/// Which kind of policy a statement came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    Identity,
    PermissionsBoundary,
    Session,
    Resource,
    /// A service control policy at `level` (0 = organization root).
    Scp {
        level: usize,
    },
    /// A resource control policy at `level` (0 = organization root).
    Rcp {
        level: usize,
    },
    VpcEndpoint,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::PermissionsBoundary => "permissions_boundary",
            PolicyKind::Session => "session",
            PolicyKind::Resource => "resource",
            PolicyKind::Scp { .. } => "scp",
            PolicyKind::Rcp { .. } => "rcp",
            PolicyKind::VpcEndpoint => "vpc_endpoint",
        }
    }
}

/// How the resource-based policy behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResourcePolicyKind {
    /// Derived from the request: `sts:AssumeRole*` makes it a role trust
    /// policy, a `kms` resource a key policy, anything else a standard one.
    #[default]
    Auto,
    Standard,
    /// A role trust policy: it must allow on its own.
    RoleTrust,
    /// A KMS key policy: it must allow on its own; naming the account
    /// enables identity policies.
    KeyPolicy,
}

/// A policy with a label for explanations (a file name, a logical id,
/// `identity[0]`).
#[derive(Clone, Debug, PartialEq)]
pub struct LabeledPolicy {
    pub label: String,
    pub policy: Policy,
}

impl LabeledPolicy {
    pub fn new(label: impl Into<String>, policy: Policy) -> Self {
        LabeledPolicy {
            label: label.into(),
            policy,
        }
    }
}

/// Every policy that applies to a request.
///
/// `scps` and `rcps` hold one list of policies per level of the organization,
/// root first. A level whose list is empty is treated as not configured and
/// skipped: AWS never lets an entity have no SCP (see docs/semantics.md).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicySet {
    pub identity_policies: Vec<LabeledPolicy>,
    pub permissions_boundary: Option<LabeledPolicy>,
    pub session_policy: Option<LabeledPolicy>,
    pub resource_policy: Option<LabeledPolicy>,
    pub resource_policy_kind: ResourcePolicyKind,
    pub scps: Vec<Vec<LabeledPolicy>>,
    pub rcps: Vec<Vec<LabeledPolicy>>,
    pub vpc_endpoint_policy: Option<LabeledPolicy>,
}

impl PolicySet {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with_identity_policy(mut self, label: impl Into<String>, policy: Policy) -> Self {
        self.identity_policies
            .push(LabeledPolicy::new(label, policy));
        self
    }
    pub fn with_permissions_boundary(mut self, label: impl Into<String>, policy: Policy) -> Self {
        self.permissions_boundary = Some(LabeledPolicy::new(label, policy));
        self
    }
    pub fn with_session_policy(mut self, label: impl Into<String>, policy: Policy) -> Self {
        self.session_policy = Some(LabeledPolicy::new(label, policy));
        self
    }
    pub fn with_resource_policy(mut self, label: impl Into<String>, policy: Policy) -> Self {
        self.resource_policy = Some(LabeledPolicy::new(label, policy));
        self
    }
    pub fn with_resource_policy_kind(mut self, kind: ResourcePolicyKind) -> Self {
        self.resource_policy_kind = kind;
        self
    }
    /// Adds one SCP level (root first).
    pub fn with_scp_level(mut self, policies: Vec<LabeledPolicy>) -> Self {
        self.scps.push(policies);
        self
    }
    /// Adds one RCP level (root first).
    pub fn with_rcp_level(mut self, policies: Vec<LabeledPolicy>) -> Self {
        self.rcps.push(policies);
        self
    }
    pub fn with_vpc_endpoint_policy(mut self, label: impl Into<String>, policy: Policy) -> Self {
        self.vpc_endpoint_policy = Some(LabeledPolicy::new(label, policy));
        self
    }
}

/// `allow` or `deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionEffect {
    Allow,
    Deny,
}

impl DecisionEffect {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionEffect::Allow => "allow",
            DecisionEffect::Deny => "deny",
        }
    }
}

/// Why: `allowed`, `explicit_deny`, `implicit_deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionReason {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl DecisionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionReason::Allowed => "allowed",
            DecisionReason::ExplicitDeny => "explicit_deny",
            DecisionReason::ImplicitDeny => "implicit_deny",
        }
    }
}

/// What was missing when a request is implicitly denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImplicitDenyCause {
    /// No SCP at this level allows the request.
    ScpLevel(usize),
    /// No RCP at this level allows the request.
    RcpLevel(usize),
    VpcEndpointPolicy,
    /// No identity-based policy (nor a resource policy that could grant on
    /// its own) allows the request.
    NoIdentityAllow,
    PermissionsBoundary,
    SessionPolicy,
    /// The resource-based policy does not allow the caller: needed across
    /// accounts, for role trust and key policies, for service principals and
    /// anonymous callers.
    ResourcePolicy,
    /// The resource is protected by AWS: an AWS managed policy, which no
    /// one can change, or a role under `/aws-reserved/` or
    /// `/aws-service-role/`, which only its service changes.
    ServiceProtected,
}

impl ImplicitDenyCause {
    pub fn as_str(self) -> &'static str {
        match self {
            ImplicitDenyCause::ScpLevel(_) => "scp",
            ImplicitDenyCause::RcpLevel(_) => "rcp",
            ImplicitDenyCause::VpcEndpointPolicy => "vpc_endpoint_policy",
            ImplicitDenyCause::NoIdentityAllow => "no_identity_allow",
            ImplicitDenyCause::PermissionsBoundary => "permissions_boundary",
            ImplicitDenyCause::SessionPolicy => "session_policy",
            ImplicitDenyCause::ResourcePolicy => "resource_policy",
            ImplicitDenyCause::ServiceProtected => "service_protected",
        }
    }

    /// A sentence for people.
    pub fn describe(self) -> String {
        match self {
            ImplicitDenyCause::ScpLevel(level) => {
                format!("no service control policy at level {level} allows the request")
            }
            ImplicitDenyCause::RcpLevel(level) => {
                format!("no resource control policy at level {level} allows the request")
            }
            ImplicitDenyCause::VpcEndpointPolicy => {
                "the VPC endpoint policy does not allow the request".into()
            }
            ImplicitDenyCause::NoIdentityAllow => {
                "no identity-based policy allows the request".into()
            }
            ImplicitDenyCause::PermissionsBoundary => {
                "the permissions boundary does not allow the request".into()
            }
            ImplicitDenyCause::SessionPolicy => {
                "the session policy does not allow the request".into()
            }
            ImplicitDenyCause::ResourcePolicy => {
                "the resource-based policy does not allow the caller".into()
            }
            ImplicitDenyCause::ServiceProtected => {
                "the resource is protected by AWS: AWS managed policies cannot be changed, and roles under `/aws-reserved/` or `/aws-service-role/` only by their service".into()
            }
        }
    }
}

/// A statement that took part in a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementRef {
    pub policy_kind: PolicyKind,
    pub policy_label: Arc<str>,
    /// 0-based index of the statement in its policy.
    pub statement_index: usize,
    pub sid: Option<Arc<str>>,
    pub effect: Effect,
    /// Span of the statement in its policy's source.
    pub span: Span,
}

/// A statement whose action, resource and principal matched but whose
/// condition failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    pub statement: StatementRef,
    pub failed: FailedCondition,
}

/// The engine's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub decision: DecisionEffect,
    pub reason: DecisionReason,
    /// Allowed: the statements that granted (identity and/or resource-based).
    /// Explicit deny: every applicable `Deny`. Implicit deny: empty.
    pub deciding: Vec<StatementRef>,
    /// Set for implicit denies.
    pub cause: Option<ImplicitDenyCause>,
    /// `Allow` statements that applied except for their condition.
    pub near_misses: Vec<NearMiss>,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        self.decision == DecisionEffect::Allow
    }
}

// ---------------------------------------------------------------------------
// Prepared form

#[derive(Clone, Debug)]
struct PreparedPolicy {
    statements: Vec<PreparedStatement>,
}

#[derive(Clone, Debug)]
struct PreparedStatement {
    reference: StatementRef,
    principal: Option<PrincipalMatcher>,
    actions_negated: bool,
    actions: Vec<ActionPattern>,
    /// `None`: no Resource element (role trust policies): matches.
    resources: Option<PreparedResources>,
    condition: Option<CompiledCondition>,
}

#[derive(Clone, Debug)]
struct PreparedResources {
    negated: bool,
    patterns: Vec<ResourcePattern>,
}

#[derive(Clone, Debug)]
enum ResourcePattern {
    Fixed(ArnPattern),
    /// Has policy variables, resolved per request.
    Template(Template),
}

impl ResourcePattern {
    fn is_match(&self, request: &Request) -> bool {
        match self {
            ResourcePattern::Fixed(pattern) => {
                pattern.is_match_lazy(request.resource(), || request.resource_parts())
            }
            // An unresolvable variable makes the pattern match nothing.
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
            ResourcePattern::Template(template) => match template.resolve_pattern(request) {
                Some(tokens) => ArnPattern::from_tokens(tokens).is_match(request.resource()),
                None => false,
            },
        }
    }
}

impl PreparedPolicy {
    fn compile(labeled: &LabeledPolicy, kind: PolicyKind) -> Self {
        let label: Arc<str> = labeled.label.as_str().into();
        let version = labeled.policy.effective_version();
        let statements = labeled
            .policy
            .statements
            .iter()
            .enumerate()
            .map(|(index, statement)| {
                PreparedStatement::compile(statement, index, kind, &label, version)
            })
            .collect();
        PreparedPolicy { statements }
    }
}

impl PreparedStatement {
    fn compile(
        statement: &Statement,
        index: usize,
        kind: PolicyKind,
        label: &Arc<str>,
        version: PolicyVersion,
    ) -> Self {
        let resources = statement.resource.as_ref().map(|clause| {
            // Where a pattern has fewer than six segments (`arn:aws:sqs`),
            // AWS does not say whether it means itself or every ARN it
            // begins; leash takes the reading that grants less (see
            // docs/semantics.md): the wider one where matching means less
            // access (Allow + NotResource, Deny + Resource), the literal
            // one elsewhere.
            let widen = (statement.effect.node == Effect::Allow) == clause.negated;
            let mut patterns = Vec::with_capacity(clause.patterns.len());
            for pattern in &clause.patterns {
                patterns.push(compile_resource(&pattern.node, version));
                if widen && let Some(padded) = crate::matching::padded_short_arn(&pattern.node) {
                    patterns.push(compile_resource(&padded, version));
                }
            }
            PreparedResources {
                negated: clause.negated,
                patterns,
            }
        });
        PreparedStatement {
            reference: StatementRef {
                policy_kind: kind,
                policy_label: label.clone(),
                statement_index: index,
                sid: statement.sid.as_ref().map(|sid| sid.node.as_str().into()),
                effect: statement.effect.node,
                span: statement.span,
            },
            principal: statement
                .principal
                .as_ref()
                .map(|clause| PrincipalMatcher::compile(&clause.node)),
            actions_negated: statement.action.negated,
            actions: statement
                .action
                .patterns
                .iter()
                .map(|pattern| ActionPattern::new(&pattern.node))
                .collect(),
            resources,
            condition: statement
                .condition
                .as_ref()
                .map(|condition| CompiledCondition::compile(&condition.node, version)),
        }
    }

    fn action_matches(&self, action: &str) -> bool {
        // An empty list matches nothing (and so NotAction [] matches all).
        let listed = self.actions.iter().any(|pattern| pattern.is_match(action));
        listed != self.actions_negated
    }

    fn resource_matches(&self, request: &Request) -> bool {
        match &self.resources {
            None => true,
            Some(resources) => {
                let listed = resources
                    .patterns
                    .iter()
                    .any(|pattern| pattern.is_match(request));
                listed != resources.negated
            }
        }
    }
}

fn compile_resource(text: &str, version: PolicyVersion) -> ResourcePattern {
    if version == PolicyVersion::V2012_10_17
        && text.contains("${")
        && let Ok(template) = parse_template(text)
        && template.has_variables()
    {
        if template.variables().next().is_none() {
            // Only escapes: resolve once.
            if let Some(tokens) = template.resolve_pattern(&NoVariables) {
                return ResourcePattern::Fixed(ArnPattern::from_tokens(tokens));
            }
        }
        return ResourcePattern::Template(template);
    }
    ResourcePattern::Fixed(ArnPattern::new(text))
}

struct NoVariables;
impl crate::variables::VariableSource for NoVariables {
    fn variable_value(&self, _key: &str) -> Option<&str> {
        None
    }
}

/// A [`PolicySet`] with every pattern and condition compiled, ready to
/// evaluate many requests.
#[derive(Clone, Debug)]
pub struct PreparedPolicySet {
    identity: Vec<PreparedPolicy>,
    boundary: Option<PreparedPolicy>,
    session: Option<PreparedPolicy>,
    resource: Option<PreparedPolicy>,
    resource_kind: ResourcePolicyKind,
    scps: Vec<Vec<PreparedPolicy>>,
    rcps: Vec<Vec<PreparedPolicy>>,
    vpc_endpoint: Option<PreparedPolicy>,
}

/// What one scan of a policy found.
#[derive(Default)]
struct Scan<'a> {
    /// The first applicable Allow and how it named the caller (the best
    /// naming among applicable Allows).
    allow: Option<(&'a PreparedStatement, Option<PrincipalMatch>)>,
}

/// Collected across all policies.
struct Findings<'a> {
    denies: Vec<&'a PreparedStatement>,
    near_misses: Vec<(&'a PreparedStatement, FailedCondition)>,
}

impl PreparedPolicySet {
    pub fn new(set: &PolicySet) -> Self {
        let prepare_levels = |levels: &[Vec<LabeledPolicy>], make: fn(usize) -> PolicyKind| {
            levels
                .iter()
                .enumerate()
                .map(|(level, policies)| {
                    policies
                        .iter()
                        .map(|policy| PreparedPolicy::compile(policy, make(level)))
                        .collect()
                })
                .collect()
        };
        PreparedPolicySet {
            identity: set
                .identity_policies
                .iter()
                .map(|policy| PreparedPolicy::compile(policy, PolicyKind::Identity))
                .collect(),
            boundary: set
                .permissions_boundary
                .as_ref()
                .map(|policy| PreparedPolicy::compile(policy, PolicyKind::PermissionsBoundary)),
            session: set
                .session_policy
                .as_ref()
                .map(|policy| PreparedPolicy::compile(policy, PolicyKind::Session)),
            resource: set
                .resource_policy
                .as_ref()
                .map(|policy| PreparedPolicy::compile(policy, PolicyKind::Resource)),
            resource_kind: set.resource_policy_kind,
            scps: prepare_levels(&set.scps, |level| PolicyKind::Scp { level }),
            rcps: prepare_levels(&set.rcps, |level| PolicyKind::Rcp { level }),
            vpc_endpoint: set
                .vpc_endpoint_policy
                .as_ref()
                .map(|policy| PreparedPolicy::compile(policy, PolicyKind::VpcEndpoint)),
        }
    }

    /// Decides `request`.
    pub fn evaluate(&self, request: &Request) -> Decision {
        let principal_type = request.principal_type();
        // "No permissions are required to perform this operation. If an
        // administrator attaches a policy to your identity that explicitly
        // denies access to the sts:GetCallerIdentity action, you can still
        // perform this operation."
        // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
        if principal_type.is_iam()
            && request
                .action()
                .eq_ignore_ascii_case("sts:GetCallerIdentity")
        {
            return Decision {
                decision: DecisionEffect::Allow,
                reason: DecisionReason::Allowed,
                deciding: Vec::new(),
                cause: None,
                near_misses: Vec::new(),
            };
        }
        let mut findings = Findings {
            denies: Vec::new(),
            near_misses: Vec::new(),
        };
        let has_boundary = self.boundary.is_some() && boundary_applies(principal_type);

        // SCPs apply to IAM principals of member accounts, not to the
        // management account nor to service-linked roles.
        // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
        let scps_apply = principal_type.is_iam()
            && !request.is_management_account()
            && !request.is_service_linked_role();
        // RCPs apply to resources of member accounts; not to service-linked
        // roles' requests.
        // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
        let rcps_apply =
            !request.resource_in_management_account() && !request.is_service_linked_role();

        let identity_applies = principal_type.is_iam();
        let mut identity_allow: Option<&PreparedStatement> = None;
        if identity_applies {
            for policy in &self.identity {
                let scan = scan_policy(policy, request, has_boundary, &mut findings);
                if identity_allow.is_none() {
                    identity_allow = scan.allow.map(|(statement, _)| statement);
                }
            }
        }
        let boundary_allows = match (&self.boundary, boundary_applies(principal_type)) {
            (Some(policy), true) => scan_policy(policy, request, has_boundary, &mut findings)
                .allow
                .is_some(),
            _ => true,
        };
        let session_allows = match &self.session {
            Some(policy) if identity_applies => {
                scan_policy(policy, request, has_boundary, &mut findings)
                    .allow
                    .is_some()
            }
            // "if you do not pass any session policies, then the resulting
            // federated user session has no permissions" (only resource
            // policies naming the federated user can grant).
            // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
            None if principal_type == PrincipalType::FederatedUser => false,
            _ => true,
        };
        let resource_allow = match &self.resource {
            Some(policy) => scan_policy(policy, request, has_boundary, &mut findings).allow,
            None => None,
        };
        let mut scp_missing: Option<usize> = None;
        if scps_apply {
            for (level, policies) in self.scps.iter().enumerate() {
                let mut allowed = policies.is_empty();
                for policy in policies {
                    allowed |= scan_policy(policy, request, has_boundary, &mut findings)
                        .allow
                        .is_some();
                }
                if !allowed && scp_missing.is_none() {
                    scp_missing = Some(level);
                }
            }
        }
        let mut rcp_missing: Option<usize> = None;
        if rcps_apply {
            for (level, policies) in self.rcps.iter().enumerate() {
                let mut allowed = policies.is_empty();
                for policy in policies {
                    allowed |= scan_policy(policy, request, has_boundary, &mut findings)
                        .allow
                        .is_some();
                }
                if !allowed && rcp_missing.is_none() {
                    rcp_missing = Some(level);
                }
            }
        }
        let vpc_endpoint_allows = match &self.vpc_endpoint {
            Some(policy) => scan_policy(policy, request, has_boundary, &mut findings)
                .allow
                .is_some(),
            None => true,
        };

        let near_misses: Vec<NearMiss> = findings
            .near_misses
            .into_iter()
            .map(|(statement, failed)| NearMiss {
                statement: statement.reference.clone(),
                failed,
            })
            .collect();

        if !findings.denies.is_empty() {
            return Decision {
                decision: DecisionEffect::Deny,
                reason: DecisionReason::ExplicitDeny,
                deciding: findings
                    .denies
                    .iter()
                    .map(|statement| statement.reference.clone())
                    .collect(),
                cause: None,
                near_misses,
            };
        }
        let implicit = |cause: ImplicitDenyCause, near_misses: Vec<NearMiss>| Decision {
            decision: DecisionEffect::Deny,
            reason: DecisionReason::ImplicitDeny,
            deciding: Vec::new(),
            cause: Some(cause),
            near_misses,
        };
        if let Some(level) = scp_missing {
            return implicit(ImplicitDenyCause::ScpLevel(level), near_misses);
        }
        if let Some(level) = rcp_missing {
            return implicit(ImplicitDenyCause::RcpLevel(level), near_misses);
        }
        if !vpc_endpoint_allows {
            return implicit(ImplicitDenyCause::VpcEndpointPolicy, near_misses);
        }

        if is_service_protected(request) {
            return implicit(ImplicitDenyCause::ServiceProtected, near_misses);
        }

        let grants = Grants {
            request,
            identity_allow,
            boundary_allows,
            session_allows,
            resource_allow,
            resource_kind: self.effective_resource_kind(request),
        };
        match grants.decide() {
            Ok(granting) => Decision {
                decision: DecisionEffect::Allow,
                reason: DecisionReason::Allowed,
                deciding: granting
                    .into_iter()
                    .flatten()
                    .map(|statement| statement.reference.clone())
                    .collect(),
                cause: None,
                near_misses,
            },
            Err(cause) => implicit(cause, near_misses),
        }
    }

    fn effective_resource_kind(&self, request: &Request) -> ResourcePolicyKind {
        match self.resource_kind {
            ResourcePolicyKind::Auto => {
                // An STS action (`sts:AssumeRole*`, `sts:TagSession`,
                // `sts:SetSourceIdentity`) on a role is decided by the role's
                // trust policy.
                let parts = request.resource_parts();
                let is_sts = request
                    .action()
                    .get(..4)
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sts:"));
                let on_role =
                    parts.is_some_and(|parts| parts[2] == "iam" && parts[5].starts_with("role/"));
                if is_sts && on_role {
                    ResourcePolicyKind::RoleTrust
                } else if parts
                    .is_some_and(|parts| parts[2] == "kms" && parts[5].starts_with("key/"))
                {
                    // Only keys have key policies; an alias has no policy
                    // of its own, and IAM policies alone decide on it
                    // (https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html).
                    ResourcePolicyKind::KeyPolicy
                } else {
                    ResourcePolicyKind::Standard
                }
            }
            other => other,
        }
    }
}

/// IAM actions that change a managed policy (its versions, its tags, the
/// policy itself).
const POLICY_CHANGES: &[&str] = &[
    "createpolicy",
    "createpolicyversion",
    "deletepolicy",
    "deletepolicyversion",
    "setdefaultpolicyversion",
    "tagpolicy",
    "untagpolicy",
];

/// IAM actions that change a role's permissions, trust, boundary, tags or
/// existence. `UpdateRole`/`UpdateRoleDescription` are not among them: "You
/// can edit the description of any role", service-linked ones included
/// (id_roles_update-service-linked-role.html).
const ROLE_CHANGES: &[&str] = &[
    "attachrolepolicy",
    "detachrolepolicy",
    "putrolepolicy",
    "deleterolepolicy",
    "updateassumerolepolicy",
    "putrolepermissionsboundary",
    "deleterolepermissionsboundary",
    "deleterole",
    "tagrole",
    "untagrole",
];

/// Resources AWS protects whatever the policies say:
/// - an AWS managed policy (`arn:aws:iam::aws:policy/...`): "You cannot
///   change the permissions defined in AWS managed policies"
///   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies>);
/// - a service-linked role (`role/aws-service-role/...`): "Only the service
///   that depends on the service-linked role can modify or delete the role"
///   (`UnmodifiableEntity`, <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html>);
/// - a role under `/aws-reserved/` (IAM Identity Center's), changed by its
///   service through its service-linked role (`AWSSSOServiceRolePolicy`
///   grants them on `role/aws-reserved/sso.amazonaws.com/*`).
///
/// The service itself acts through a service-linked role or as a service
/// principal: those are not stopped here. Tagging such roles is taken as a
/// change (the docs do not say; the reading that grants less).
fn is_service_protected(request: &Request) -> bool {
    let Some(parts) = request.resource_parts() else {
        return false;
    };
    if parts[2] != "iam" {
        return false;
    }
    let Some(action) = request
        .action()
        .split_once(':')
        .filter(|(service, _)| service.eq_ignore_ascii_case("iam"))
        .map(|(_, name)| name.to_ascii_lowercase())
    else {
        return false;
    };
    if parts[4] == "aws" && parts[5].starts_with("policy/") {
        return POLICY_CHANGES.contains(&action.as_str());
    }
    let by_the_service =
        request.is_service_linked_role() || request.principal_type() == PrincipalType::Service;
    let protected_role = parts[5].starts_with("role/aws-service-role/")
        || parts[5].starts_with("role/aws-reserved/");
    protected_role && !by_the_service && ROLE_CHANGES.contains(&action.as_str())
}

/// Permissions boundaries are set on IAM users and roles (and so bound
/// their sessions and a user's federated sessions).
fn boundary_applies(principal_type: PrincipalType) -> bool {
    matches!(
        principal_type,
        PrincipalType::User
            | PrincipalType::Role
            | PrincipalType::RoleSession
            | PrincipalType::FederatedUser
    )
}

/// Scans one policy: records applicable denies and near misses, returns the
/// applicable allow.
fn scan_policy<'a>(
    policy: &'a PreparedPolicy,
    request: &Request,
    has_boundary: bool,
    findings: &mut Findings<'a>,
) -> Scan<'a> {
    let mut scan = Scan::default();
    for statement in &policy.statements {
        if !statement.action_matches(request.action()) || !statement.resource_matches(request) {
            continue;
        }
        let principal_match = match &statement.principal {
            None => None,
            Some(matcher) => {
                // "The NotPrincipal element with a Deny effect will always deny
                // any IAM principal that has a permissions boundary policy
                // attached, regardless of the values specified"
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
                let forced = matcher.is_negated()
                    && statement.reference.effect == Effect::Deny
                    && has_boundary;
                match (
                    forced,
                    matcher.applies_for(request, statement.reference.effect),
                ) {
                    (true, _) => Some(PrincipalMatch::Everyone),
                    (false, Some(found)) => Some(found),
                    (false, None) => continue,
                }
            }
        };
        if let Some(condition) = &statement.condition
            && let Err(failed) = condition.evaluate(request)
        {
            // Near misses explain what an Allow lacked; a Deny whose
            // condition does not hold is the normal case, not news.
            if statement.reference.effect == Effect::Allow {
                findings
                    .near_misses
                    .push((statement, condition.describe_failure(failed)));
            }
            continue;
        }
        match statement.reference.effect {
            Effect::Deny => findings.denies.push(statement),
            Effect::Allow => {
                let better = match scan.allow {
                    None => true,
                    Some((_, current)) => principal_match > current,
                };
                if better {
                    scan.allow = Some((statement, principal_match));
                }
            }
        }
    }
    scan
}

/// The allow side of the decision (steps 5 to 7), once no deny, SCP, RCP or
/// endpoint policy has decided.
struct Grants<'a, 'r> {
    request: &'r Request,
    identity_allow: Option<&'a PreparedStatement>,
    boundary_allows: bool,
    session_allows: bool,
    resource_allow: Option<(&'a PreparedStatement, Option<PrincipalMatch>)>,
    resource_kind: ResourcePolicyKind,
}

type Granting<'a> = [Option<&'a PreparedStatement>; 2];

impl<'a> Grants<'a, '_> {
    fn decide(&self) -> Result<Granting<'a>, ImplicitDenyCause> {
        let principal_type = self.request.principal_type();
        // How the resource policy named the caller; an Allow without a
        // Principal element (invalid in a resource policy) names nobody.
        let resource_named = self
            .resource_allow
            .and_then(|(statement, named)| named.map(|named| (statement, named)));
        match principal_type {
            // Services, identity providers, canonical users and anonymous
            // callers have no identity policies: only the resource policy
            // can grant.
            PrincipalType::Service
            | PrincipalType::FederatedProvider
            | PrincipalType::CanonicalUser
            | PrincipalType::Anonymous => match resource_named {
                Some((statement, named)) if named >= PrincipalMatch::Everyone => {
                    Ok([Some(statement), None])
                }
                _ => Err(ImplicitDenyCause::ResourcePolicy),
            },
            _ => self.decide_iam(resource_named),
        }
    }

    fn decide_iam(
        &self,
        resource_named: Option<(&'a PreparedStatement, PrincipalMatch)>,
    ) -> Result<Granting<'a>, ImplicitDenyCause> {
        let is_root = self.request.principal_type() == PrincipalType::Root;
        // The root user has full access in its own account
        // (reference_policies_evaluation-logic_policy-eval-denyallow.html);
        // identity policies do not apply to it.
        let identity_side: Result<Option<&'a PreparedStatement>, ImplicitDenyCause> = if is_root {
            Ok(None)
        } else {
            match self.identity_allow {
                None => Err(ImplicitDenyCause::NoIdentityAllow),
                Some(_) if !self.boundary_allows => Err(ImplicitDenyCause::PermissionsBoundary),
                Some(_) if !self.session_allows => Err(ImplicitDenyCause::SessionPolicy),
                Some(statement) => Ok(Some(statement)),
            }
        };
        let must_allow_on_its_own = matches!(
            self.resource_kind,
            ResourcePolicyKind::RoleTrust | ResourcePolicyKind::KeyPolicy
        );

        if self.request.is_cross_account() {
            // Both accounts must allow; the resource policy may name the
            // caller or just its account.
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
            let Some((resource_statement, _)) = resource_named else {
                return Err(ImplicitDenyCause::ResourcePolicy);
            };
            return identity_side.map(|identity| [identity, Some(resource_statement)]);
        }

        match resource_named {
            // Naming the caller exactly: the resource policy grants on its
            // own, "even if an implicit deny in an identity-based policy,
            // permissions boundary, or session policy is present".
            Some((statement, PrincipalMatch::Exact)) => Ok([Some(statement), None]),
            // Naming the role (for a session), or everyone: grants without
            // identity policies but stays within the boundary and the
            // session policy. For `*` this is leash's reading (AWS does not
            // say; see docs/semantics.md). The root user has neither: a
            // boundary is set on a user or a role
            // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)
            // and a session policy is passed for a role or federated user
            // session (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session),
            // so one given with a root request limits nothing, as on the
            // identity side above.
            Some((statement, PrincipalMatch::Role | PrincipalMatch::Everyone)) => {
                if is_root {
                    Ok([Some(statement), None])
                } else if !self.boundary_allows {
                    Err(ImplicitDenyCause::PermissionsBoundary)
                } else if !self.session_allows {
                    Err(ImplicitDenyCause::SessionPolicy)
                } else {
                    Ok([Some(statement), None])
                }
            }
            // Naming the account delegates to identity policies.
            Some((statement, PrincipalMatch::Account)) => {
                identity_side.map(|identity| [identity, Some(statement)])
            }
            // Role trust and key policies must allow on their own.
            None if must_allow_on_its_own => Err(ImplicitDenyCause::ResourcePolicy),
            None => identity_side.map(|identity| [identity, None]),
        }
    }
}

#[cfg(test)]
mod tests;
