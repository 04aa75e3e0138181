//! The request being authorized and its context keys.
//!
//! For: describing one request (who, what, on which resource, with which
//! context keys) and answering "what are the values of key K" for the
//! condition operators and policy variables, including keys leash derives
//! from the request itself.
//!
//! Not for: reading request files (see `request`) or deciding (see `authz`).
//!
//! # Derived keys
//!
//! A key given explicitly in the context always wins. Otherwise these keys
//! are derived (global keys:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>):
//!
//! | key | derived value | when |
//! |---|---|---|
//! | `aws:PrincipalArn` | the caller's ARN; for a role session, the role ARN `arn:aws:iam::ACCOUNT:role/NAME` (path from [`Request::with_role_arn`] when given) | IAM principals |
//! | `aws:PrincipalAccount` | account of the caller | IAM principals |
//! | `aws:PrincipalType` | `Account`, `User`, `AssumedRole`, `FederatedUser`, `Anonymous` | all but service principals |
//! | `aws:username` | the user name (last path segment of the user ARN) | IAM users |
//! | `aws:userid` | root: the account id; STS federated user: `ACCOUNT:NAME`; anonymous: `anonymous` (users' and roles' unique ids cannot be derived) | those three |
//! | `aws:PrincipalIsAWSService` | `true` for a service principal, `false` otherwise | always |
//! | `aws:PrincipalServiceName` | the service principal name | service principals |
//! | `aws:ResourceAccount` | the resource's account | when known |
//! | `aws:RequestedRegion` | the region segment of the resource ARN (leash's choice: AWS uses the endpoint's region, which a request file does not carry) | regional resource ARNs |
//! | `aws:CurrentTime`, `aws:EpochTime` | the request time | when [`Request::with_time`] was called |

use std::borrow::Cow;
use std::fmt;

use crate::matching::split_arn;
use crate::variables::VariableSource;

/// What kind of caller makes the request.
///
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// The account root user: `arn:aws:iam::ACCOUNT:root`.
    Root,
    /// An IAM user: `arn:aws:iam::ACCOUNT:user/NAME`.
    User,
    /// A role session: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    RoleSession,
    /// A role named by its ARN (`arn:aws:iam::ACCOUNT:role/NAME`): treated as
    /// a session of that role whose session name is unknown.
    Role,
    /// An STS federated user: `arn:aws:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser,
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service,
    /// An identity provider (for `sts:AssumeRoleWithWebIdentity`/`WithSAML`
    /// trust policies): `cognito-identity.amazonaws.com`, a SAML provider ARN.
    FederatedProvider,
    /// An S3 canonical user id.
    CanonicalUser,
    /// An unsigned request.
    Anonymous,
}

impl PrincipalType {
    /// Derives the type from the principal string; `None` when it is not a
    /// recognizable principal.
    pub fn derive(principal: &str) -> Option<Self> {
        if principal == "*" || principal.eq_ignore_ascii_case("anonymous") {
            return Some(PrincipalType::Anonymous);
        }
        if let Some(parts) = split_arn(principal) {
            let [arn, _, service, _, _, resource] = parts;
            if arn != "arn" {
                return None;
            }
            return match service {
                "iam" if resource == "root" => Some(PrincipalType::Root),
                "iam" if resource.starts_with("user/") => Some(PrincipalType::User),
                "iam" if resource.starts_with("role/") => Some(PrincipalType::Role),
                "iam"
                    if resource.starts_with("saml-provider/")
                        || resource.starts_with("oidc-provider/") =>
                {
                    Some(PrincipalType::FederatedProvider)
                }
                "sts" if resource.starts_with("assumed-role/") => Some(PrincipalType::RoleSession),
                "sts" if resource.starts_with("federated-user/") => {
                    Some(PrincipalType::FederatedUser)
                }
                _ => None,
            };
        }
        if principal.ends_with(".amazonaws.com") || principal.ends_with(".amazonaws.com.cn") {
            // `cognito-identity.amazonaws.com` is an identity provider, not a
            // service that calls on its own behalf.
            if principal == "cognito-identity.amazonaws.com" {
                return Some(PrincipalType::FederatedProvider);
            }
            return Some(PrincipalType::Service);
        }
        if matches!(
            principal,
            "accounts.google.com" | "graph.facebook.com" | "www.amazon.com"
        ) {
            return Some(PrincipalType::FederatedProvider);
        }
        if principal.len() == 64 && principal.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(PrincipalType::CanonicalUser);
        }
        None
    }

    /// Whether the caller is an IAM principal of an account (subject to SCPs,
    /// identity policies, cross-account rules).
    pub fn is_iam(self) -> bool {
        matches!(
            self,
            PrincipalType::Root
                | PrincipalType::User
                | PrincipalType::RoleSession
                | PrincipalType::Role
                | PrincipalType::FederatedUser
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Root => "root",
            PrincipalType::User => "user",
            PrincipalType::RoleSession => "role_session",
            PrincipalType::Role => "role",
            PrincipalType::FederatedUser => "federated_user",
            PrincipalType::Service => "service",
            PrincipalType::FederatedProvider => "federated_provider",
            PrincipalType::CanonicalUser => "canonical_user",
            PrincipalType::Anonymous => "anonymous",
        }
    }

    /// Parses [`PrincipalType::as_str`] names (and a few aliases).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "root" | "account" => PrincipalType::Root,
            "user" | "iam_user" => PrincipalType::User,
            "role_session" | "assumed_role" | "assumedrole" => PrincipalType::RoleSession,
            "role" => PrincipalType::Role,
            "federated_user" | "federateduser" => PrincipalType::FederatedUser,
            "service" => PrincipalType::Service,
            "federated_provider" | "federated" => PrincipalType::FederatedProvider,
            "canonical_user" | "canonicaluser" => PrincipalType::CanonicalUser,
            "anonymous" => PrincipalType::Anonymous,
            _ => return None,
        })
    }
}

impl fmt::Display for PrincipalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value(s) of one context key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextValue {
    Single(String),
    /// A multivalued key such as `aws:TagKeys`; may be empty.
    Multiple(Vec<String>),
}

/// A borrowed view of a key's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextValues<'a> {
    Single(&'a str),
    Multiple(&'a [String]),
}

impl<'a> ContextValues<'a> {
    /// The values one by one.
    pub fn iter(self) -> impl Iterator<Item = &'a str> {
        let (single, multiple): (Option<&'a str>, &'a [String]) = match self {
            ContextValues::Single(value) => (Some(value), &[]),
            ContextValues::Multiple(values) => (None, values),
        };
        single
            .into_iter()
            .chain(multiple.iter().map(String::as_str))
    }

    pub fn is_empty(self) -> bool {
        matches!(self, ContextValues::Multiple(values) if values.is_empty())
    }

    /// The one value of a single-valued key, or of a multivalued key that
    /// has exactly one; `None` for none or several.
    pub fn only(self) -> Option<&'a str> {
        match self {
            ContextValues::Single(value) => Some(value),
            ContextValues::Multiple([value]) => Some(value),
            ContextValues::Multiple(_) => None,
        }
    }
}

/// Context keys given with a request. Key names compare case-insensitively
/// ("Condition key names are not case-sensitive",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// (lowercased key, key as written, value); a later insert of the same
    /// key replaces the earlier one. The keys a request derives are
    /// borrowed from constants (a request is built per engine check).
    entries: Vec<(Cow<'static, str>, Cow<'static, str>, ContextValue)>,
}

impl RequestContext {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: impl Into<String>, value: ContextValue) {
        let key = key.into();
        let lowered = key.to_ascii_lowercase();
        self.insert_entry(Cow::Owned(lowered), Cow::Owned(key), value);
    }

    /// `insert` of a key a request derives, into a context that does not
    /// have it yet (`Request::refresh` builds a new one, each key once):
    /// nothing to look for, nothing to copy.
    fn insert_derived(&mut self, key: &'static str, value: ContextValue) {
        match derived_key_lowered(key) {
            Some(lowered) => {
                debug_assert!(self.get_lowered(lowered).is_none(), "{key} derived twice");
                self.entries
                    .push((Cow::Borrowed(lowered), Cow::Borrowed(key), value));
            }
            None => self.insert(key, value),
        }
    }

    fn insert_entry(
        &mut self,
        lowered: Cow<'static, str>,
        key: Cow<'static, str>,
        value: ContextValue,
    ) {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.0 == lowered) {
            *entry = (lowered, key, value);
        } else {
            self.entries.push((lowered, key, value));
        }
    }

    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.insert(key, ContextValue::Single(value.into()));
        self
    }

    pub fn with_values<I, S>(mut self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert(
            key,
            ContextValue::Multiple(values.into_iter().map(Into::into).collect()),
        );
        self
    }

    /// Looks a key up; `lowered_key` must already be ASCII-lowercase.
    pub fn get_lowered(&self, lowered_key: &str) -> Option<ContextValues<'_>> {
        self.entries
            .iter()
            .find(|entry| entry.0 == lowered_key)
            .map(|entry| view(&entry.2))
    }

    pub fn get(&self, key: &str) -> Option<ContextValues<'_>> {
        self.entries
            .iter()
            .find(|entry| entry.0.eq_ignore_ascii_case(key))
            .map(|entry| view(&entry.2))
    }

    /// Keys as written, with their values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.entries
            .iter()
            .map(|entry| (entry.1.as_ref(), &entry.2))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The lowercased form of each key a request derives (`Request::refresh`).
fn derived_key_lowered(key: &str) -> Option<&'static str> {
    Some(match key {
        "aws:CurrentTime" => "aws:currenttime",
        "aws:EpochTime" => "aws:epochtime",
        "aws:PrincipalAccount" => "aws:principalaccount",
        "aws:PrincipalArn" => "aws:principalarn",
        "aws:PrincipalIsAWSService" => "aws:principalisawsservice",
        "aws:PrincipalServiceName" => "aws:principalservicename",
        "aws:PrincipalType" => "aws:principaltype",
        "aws:RequestedRegion" => "aws:requestedregion",
        "aws:ResourceAccount" => "aws:resourceaccount",
        "aws:userid" => "aws:userid",
        "aws:username" => "aws:username",
        _ => return None,
    })
}

fn view(value: &ContextValue) -> ContextValues<'_> {
    match value {
        ContextValue::Single(text) => ContextValues::Single(text),
        ContextValue::Multiple(values) => ContextValues::Multiple(values),
    }
}

/// One request to authorize. Build with [`Request::new`] and the `with_*`
/// methods; derived context keys are computed when the request is built, so
/// evaluating it does not allocate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    principal: String,
    principal_type: PrincipalType,
    principal_account: Option<String>,
    action: String,
    resource: String,
    /// Byte offsets of the first five colons of `resource`, when it is an ARN.
    resource_colons: Option<[usize; 5]>,
    explicit_resource_account: Option<String>,
    resource_account: Option<String>,
    context: RequestContext,
    role_arn: Option<String>,
    role_identity: Option<(String, String, bool)>,
    /// The role ARN's path is `/aws-service-role/`.
    role_is_service_linked: bool,
    time_epoch_seconds: Option<i64>,
    is_management_account: bool,
    resource_in_management_account: bool,
    is_service_linked_role: bool,
    derived: RequestContext,
}

impl Request {
    /// A request by `principal` (an ARN, an account id, a service principal,
    /// `*`/`anonymous`) for `action` on `resource` (an ARN or `*`).
    ///
    /// The principal type is derived from the principal string (an
    /// unrecognized one is treated as anonymous; set it explicitly with
    /// [`Request::with_principal_type`]). The resource account defaults to
    /// the account segment of the resource ARN, and when that is empty (S3
    /// buckets) to the principal's account.
    pub fn new(
        principal: impl Into<String>,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        let mut principal: String = principal.into();
        // A bare account id names the account's root user.
        if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
            principal = format!("arn:aws:iam::{principal}:root");
        }
        let principal_type = PrincipalType::derive(&principal).unwrap_or(PrincipalType::Anonymous);
        let mut request = Request {
            principal,
            principal_type,
            principal_account: None,
            action: action.into(),
            resource: resource.into(),
            resource_colons: None,
            explicit_resource_account: None,
            resource_account: None,
            context: RequestContext::new(),
            role_arn: None,
            role_identity: None,
            role_is_service_linked: false,
            time_epoch_seconds: None,
            is_management_account: false,
            resource_in_management_account: false,
            is_service_linked_role: false,
            derived: RequestContext::new(),
        };
        request.refresh();
        request
    }

    /// Sets what a request file can set, deriving the context once rather
    /// than once per builder call (the batch path decides one request per
    /// line, where that derivation was a fifth of the time).
    pub(crate) fn with_settings(
        mut self,
        principal_type: Option<PrincipalType>,
        role_arn: Option<String>,
        resource_account: Option<String>,
        time_epoch_seconds: i64,
    ) -> Self {
        if let Some(principal_type) = principal_type {
            self.principal_type = principal_type;
        }
        if role_arn.is_some() {
            self.role_arn = role_arn;
        }
        if resource_account.is_some() {
            self.explicit_resource_account = resource_account;
        }
        self.time_epoch_seconds = Some(time_epoch_seconds);
        self.refresh();
        self
    }

    pub fn with_principal_type(mut self, principal_type: PrincipalType) -> Self {
        self.principal_type = principal_type;
        self.refresh();
        self
    }

    pub fn with_resource_account(mut self, account: impl Into<String>) -> Self {
        self.explicit_resource_account = Some(account.into());
        self.refresh();
        self
    }

    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }

    /// The full role ARN (with its path) of a role session, used for
    /// `aws:PrincipalArn` and for matching policies that name the role.
    pub fn with_role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self.refresh();
        self
    }

    /// The request time, as seconds since the Unix epoch (feeds
    /// `aws:CurrentTime` and `aws:EpochTime`).
    pub fn with_time(mut self, epoch_seconds: i64) -> Self {
        self.time_epoch_seconds = Some(epoch_seconds);
        self.refresh();
        self
    }

    /// The principal's account is the organization's management account:
    /// SCPs do not apply.
    pub fn with_management_account(mut self, is_management_account: bool) -> Self {
        self.is_management_account = is_management_account;
        self
    }

    /// The resource's account is the organization's management account:
    /// RCPs do not apply.
    pub fn with_resource_in_management_account(mut self, value: bool) -> Self {
        self.resource_in_management_account = value;
        self
    }

    /// The principal is a service-linked role: SCPs and RCPs do not apply.
    /// Roles under the path `/aws-service-role/` are recognized without this
    /// flag; sessions need it (a session ARN does not show the role's path)
    /// unless [`Request::with_role_arn`] gives the full role ARN.
    pub fn with_service_linked_role(mut self, is_service_linked_role: bool) -> Self {
        self.is_service_linked_role = is_service_linked_role;
        self
    }

    pub fn principal(&self) -> &str {
        &self.principal
    }
    pub fn principal_type(&self) -> PrincipalType {
        self.principal_type
    }
    pub fn action(&self) -> &str {
        &self.action
    }
    pub fn resource(&self) -> &str {
        &self.resource
    }
    /// The resource ARN split into its six parts, when it is an ARN.
    pub fn resource_parts(&self) -> Option<[&str; 6]> {
        let colons = self.resource_colons?;
        let text = self.resource.as_str();
        Some([
            text.get(..colons[0])?,
            text.get(colons[0] + 1..colons[1])?,
            text.get(colons[1] + 1..colons[2])?,
            text.get(colons[2] + 1..colons[3])?,
            text.get(colons[3] + 1..colons[4])?,
            text.get(colons[4] + 1..)?,
        ])
    }
    pub fn context(&self) -> &RequestContext {
        &self.context
    }
    pub fn is_management_account(&self) -> bool {
        self.is_management_account
    }
    pub fn resource_in_management_account(&self) -> bool {
        self.resource_in_management_account
    }
    /// Whether the caller is a service-linked role (flag, or a role ARN under
    /// `/aws-service-role/`).
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>
    pub fn is_service_linked_role(&self) -> bool {
        self.is_service_linked_role || self.role_is_service_linked
    }
    pub fn time_epoch_seconds(&self) -> Option<i64> {
        self.time_epoch_seconds
    }

    /// The principal's account, for IAM principals.
    pub fn principal_account(&self) -> Option<&str> {
        self.principal_account.as_deref()
    }

    /// The account that owns the resource: given, else from the resource
    /// ARN, else (S3 ARNs carry no account) the principal's account.
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }

    /// The role ARN of a role session (derived without a path unless given).
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.as_deref()
    }

    /// (account, role name, whether the role ARN's path is known) of the
    /// caller's role, precomputed for principal matching.
    pub(crate) fn role_identity(&self) -> Option<(&str, &str, bool)> {
        self.role_identity
            .as_ref()
            .map(|(account, name, path_known)| (account.as_str(), name.as_str(), *path_known))
    }

    /// Whether principal and resource are in different accounts.
    pub fn is_cross_account(&self) -> bool {
        match (self.principal_account(), self.resource_account()) {
            (Some(principal), Some(resource)) => principal != resource,
            _ => false,
        }
    }

    /// The values of context key `key` (case-insensitive): explicit context
    /// first, then derived keys.
    pub fn context_values(&self, key: &str) -> Option<ContextValues<'_>> {
        self.context.get(key).or_else(|| self.derived.get(key))
    }

    /// Same as [`Request::context_values`] for an already-lowercased key.
    pub fn context_values_lowered(&self, lowered_key: &str) -> Option<ContextValues<'_>> {
        self.context
            .get_lowered(lowered_key)
            .or_else(|| self.derived.get_lowered(lowered_key))
    }

    /// The derived keys (see the module documentation).
    pub fn derived_context(&self) -> &RequestContext {
        &self.derived
    }

    /// Recomputes everything derived from the request's fields.
    fn refresh(&mut self) {
        let arn_parts = split_arn(&self.principal);
        self.principal_account = match (self.principal_type.is_iam(), arn_parts) {
            (true, Some(parts)) if !parts[4].is_empty() => Some(parts[4].to_string()),
            _ => None,
        };
        if self.principal_type == PrincipalType::RoleSession
            && self.role_arn.is_none()
            && let (Some(parts), Some(account)) = (arn_parts, self.principal_account.as_deref())
        {
            let role_name = parts[5]
                .strip_prefix("assumed-role/")
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_default();
            self.role_arn = Some(format!("arn:{}:iam::{account}:role/{role_name}", parts[1]));
        }
        if self.principal_type == PrincipalType::Role && self.role_arn.is_none() {
            self.role_arn = Some(self.principal.clone());
        }
        self.role_identity = self
            .role_arn
            .as_deref()
            .and_then(split_arn)
            .and_then(|parts| {
                let resource = parts[5];
                let name = resource.rsplit('/').next()?;
                // A session ARN does not show the role's path: with a derived
                // role ARN only account and name can be compared.
                let path_known =
                    resource.matches('/').count() > 1 || self.principal_type == PrincipalType::Role;
                Some((parts[4].to_string(), name.to_string(), path_known))
            });
        self.role_is_service_linked = self
            .role_arn
            .as_deref()
            .is_some_and(|arn| arn.contains(":role/aws-service-role/"));
        let mut colons = self.resource.match_indices(':').map(|(index, _)| index);
        self.resource_colons = match (
            colons.next(),
            colons.next(),
            colons.next(),
            colons.next(),
            colons.next(),
        ) {
            (Some(a), Some(b), Some(c), Some(d), Some(e)) => Some([a, b, c, d, e]),
            _ => None,
        };
        let resource_parts = split_arn(&self.resource);
        let resource_account = self.explicit_resource_account.clone().or_else(|| {
            resource_parts
                .filter(|parts| !parts[4].is_empty())
                .map(|parts| parts[4].to_string())
                .or_else(|| self.principal_account.clone())
        });

        let mut derived = RequestContext::new();
        let principal_type_value = match self.principal_type {
            PrincipalType::Root => Some("Account"),
            PrincipalType::User => Some("User"),
            PrincipalType::RoleSession | PrincipalType::Role => Some("AssumedRole"),
            PrincipalType::FederatedUser => Some("FederatedUser"),
            PrincipalType::Anonymous => Some("Anonymous"),
            _ => None,
        };
        if self.principal_type.is_iam() {
            let principal_arn = match self.principal_type {
                PrincipalType::RoleSession | PrincipalType::Role => self.role_arn.clone(),
                _ => Some(self.principal.clone()),
            };
            if let Some(arn) = principal_arn {
                derived.insert_derived("aws:PrincipalArn", ContextValue::Single(arn));
            }
            if let Some(account) = &self.principal_account {
                derived.insert_derived(
                    "aws:PrincipalAccount",
                    ContextValue::Single(account.clone()),
                );
            }
        }
        if let Some(value) = principal_type_value {
            derived.insert_derived("aws:PrincipalType", ContextValue::Single(value.to_string()));
        }
        if self.principal_type == PrincipalType::User
            && let Some(name) = arn_parts.and_then(|parts| parts[5].rsplit('/').next())
        {
            derived.insert_derived("aws:username", ContextValue::Single(name.to_string()));
        }
        // aws:userid per principal type, from the "Principal key values"
        // table of the policy variables page; users' and roles' unique ids
        // (AIDA..., AROA...) cannot be derived from an ARN.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html ("Principal key values")
        let user_id = match self.principal_type {
            PrincipalType::Root => self.principal_account.clone(),
            PrincipalType::FederatedUser => match (&self.principal_account, arn_parts) {
                (Some(account), Some(parts)) => parts[5]
                    .strip_prefix("federated-user/")
                    .map(|name| format!("{account}:{name}")),
                _ => None,
            },
            PrincipalType::Anonymous => Some("anonymous".to_string()),
            _ => None,
        };
        if let Some(user_id) = user_id {
            derived.insert_derived("aws:userid", ContextValue::Single(user_id));
        }
        let is_service = self.principal_type == PrincipalType::Service;
        derived.insert_derived(
            "aws:PrincipalIsAWSService",
            ContextValue::Single(if is_service { "true" } else { "false" }.to_string()),
        );
        if is_service {
            derived.insert_derived(
                "aws:PrincipalServiceName",
                ContextValue::Single(self.principal.clone()),
            );
        }
        if let Some(account) = &resource_account {
            derived.insert_derived("aws:ResourceAccount", ContextValue::Single(account.clone()));
        }
        if let Some(parts) = resource_parts
            && !parts[3].is_empty()
        {
            derived.insert_derived(
                "aws:RequestedRegion",
                ContextValue::Single(parts[3].to_string()),
            );
        }
        if let Some(seconds) = self.time_epoch_seconds {
            derived.insert_derived("aws:EpochTime", ContextValue::Single(seconds.to_string()));
            derived.insert_derived(
                "aws:CurrentTime",
                ContextValue::Single(format_iso8601(seconds)),
            );
        }
        self.derived = derived;
        self.resource_account = resource_account;
    }
}

impl VariableSource for Request {
    fn variable_value(&self, key: &str) -> Option<&str> {
        match self.context_values(key)? {
            ContextValues::Single(value) => Some(value),
            // Multivalued keys cannot be used as policy variables.
            ContextValues::Multiple(_) => None,
        }
    }
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn format_iso8601(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let seconds_of_day = epoch_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day % 3600 / 60,
        seconds_of_day % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01.
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn principal_types_from_arns() {
        // Principal forms: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
        assert_eq!(
            PrincipalType::derive("arn:aws:iam::111122223333:root"),
            Some(PrincipalType::Root)
        );
        assert_eq!(
            PrincipalType::derive("arn:aws:iam::111122223333:user/a/b"),
            Some(PrincipalType::User)
        );
        assert_eq!(
            PrincipalType::derive("arn:aws:sts::111122223333:assumed-role/r/s"),
            Some(PrincipalType::RoleSession)
        );
        assert_eq!(
            PrincipalType::derive("arn:aws:sts::111122223333:federated-user/bob"),
            Some(PrincipalType::FederatedUser)
        );
        assert_eq!(
            PrincipalType::derive("lambda.amazonaws.com"),
            Some(PrincipalType::Service)
        );
        assert_eq!(PrincipalType::derive("*"), Some(PrincipalType::Anonymous));
    }

    #[test]
    fn derived_keys_for_a_role_session() {
        // aws:PrincipalArn of a role session is the role ARN:
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
        let request = Request::new(
            "arn:aws:sts::111122223333:assumed-role/orders/i-123",
            "s3:GetObject",
            "arn:aws:s3:::bucket/key",
        )
        .with_time(0);
        let value = |key: &str| match request.context_values(key) {
            Some(ContextValues::Single(value)) => Some(value.to_string()),
            _ => None,
        };
        assert_eq!(
            value("aws:principalarn").as_deref(),
            Some("arn:aws:iam::111122223333:role/orders")
        );
        assert_eq!(
            value("AWS:PrincipalAccount").as_deref(),
            Some("111122223333")
        );
        assert_eq!(value("aws:PrincipalType").as_deref(), Some("AssumedRole"));
        assert_eq!(
            value("aws:ResourceAccount").as_deref(),
            Some("111122223333")
        );
        assert_eq!(
            value("aws:CurrentTime").as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert_eq!(value("aws:username"), None);
        assert_eq!(value("aws:RequestedRegion"), None);
        assert!(!request.is_cross_account());
    }

    #[test]
    fn user_ids_per_principal_type() {
        // "Principal key values" table:
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html ("Principal key values")
        let user_id = |principal: &str| {
            Request::new(principal, "s3:GetObject", "*")
                .context_values("aws:userid")
                .and_then(|values| values.iter().next().map(str::to_string))
        };
        assert_eq!(
            user_id("arn:aws:iam::111122223333:root").as_deref(),
            Some("111122223333")
        );
        assert_eq!(
            user_id("arn:aws:sts::111122223333:federated-user/bob").as_deref(),
            Some("111122223333:bob")
        );
        assert_eq!(user_id("anonymous").as_deref(), Some("anonymous"));
        assert_eq!(user_id("arn:aws:iam::111122223333:user/alice"), None);
        let anonymous = Request::new("anonymous", "s3:GetObject", "*");
        assert_eq!(
            anonymous.context_values("aws:PrincipalType"),
            Some(ContextValues::Single("Anonymous"))
        );
    }

    #[test]
    fn explicit_context_wins() {
        let request = Request::new("arn:aws:iam::111122223333:user/alice", "s3:GetObject", "*")
            .with_context(RequestContext::new().with("aws:username", "mallory"));
        assert_eq!(
            request.context_values("aws:username"),
            Some(ContextValues::Single("mallory"))
        );
    }

    #[test]
    fn dates_round_trip() {
        for days in [-800_000, -1, 0, 1, 59, 365, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn derived_keys_are_found_by_any_case() {
        for key in [
            "aws:CurrentTime",
            "aws:EpochTime",
            "aws:PrincipalAccount",
            "aws:PrincipalArn",
            "aws:PrincipalIsAWSService",
            "aws:PrincipalServiceName",
            "aws:PrincipalType",
            "aws:RequestedRegion",
            "aws:ResourceAccount",
            "aws:userid",
            "aws:username",
        ] {
            assert_eq!(
                derived_key_lowered(key),
                Some(key.to_ascii_lowercase().as_str()),
                "{key}"
            );
            let mut context = RequestContext::new();
            context.insert_derived(key, ContextValue::Single("v".into()));
            assert!(context.get(&key.to_ascii_uppercase()).is_some(), "{key}");
            assert!(context.get_lowered(&key.to_ascii_lowercase()).is_some());
        }
    }
}
