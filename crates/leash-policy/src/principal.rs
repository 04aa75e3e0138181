//! Matching the `Principal`/`NotPrincipal` element against the caller.
//!
//! For: resource-based policies, role trust policies, key policies and RCPs,
//! where the statement names who it applies to. The result says HOW the
//! caller was named, because that decides what a same-account resource
//! policy can grant on its own (see `authz`).
//!
//! Not for: `aws:PrincipalArn` conditions (those are ordinary ARN
//! conditions).
//!
//! Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>
//! - `"*"` and `{"AWS": "*"}` name everyone, anonymous callers included;
//! - an account id or `arn:aws:iam::ACCOUNT:root` names the account: it
//!   delegates to the account's identity policies;
//! - a role ARN names the role, and so every session of the role; a role
//!   session ARN names that one session;
//! - "You cannot use a wildcard to match part of a principal name or ARN":
//!   `arn:aws:iam::1:role/*` matches no caller.
//!
//! NotPrincipal: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>

use crate::ast::{Principal, PrincipalClause, PrincipalKind};
use crate::context::{PrincipalType, Request};
use crate::matching::split_arn;

/// How a statement's `Principal` named the caller, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    /// The caller's account (`123456789012` or `arn:aws:iam::123456789012:root`),
    /// for a caller other than the root user: a delegation to the account's
    /// own identity policies.
    Account,
    /// `"*"` or `{"AWS": "*"}`.
    Everyone,
    /// The role ARN, for a caller that is a session of that role.
    Role,
    /// The caller itself: its user, role-session or federated-user ARN, the
    /// account for the root user, its service principal, identity provider
    /// or canonical user id.
    Exact,
}

/// A compiled `Principal`/`NotPrincipal` element.
#[derive(Clone, Debug)]
pub(crate) struct PrincipalMatcher {
    negated: bool,
    everyone: bool,
    accounts: Vec<String>,
    /// IAM user, role-session and federated-user ARNs, compared exactly.
    arns: Vec<String>,
    /// Roles: (partition, account, full ARN, role name).
    roles: Vec<RoleName>,
    services: Vec<String>,
    federated: Vec<String>,
    canonical_users: Vec<String>,
}

#[derive(Clone, Debug)]
struct RoleName {
    account: String,
    arn: String,
    name: String,
}

impl PrincipalMatcher {
    pub(crate) fn compile(clause: &PrincipalClause) -> Self {
        let mut matcher = PrincipalMatcher {
            negated: clause.negated,
            everyone: false,
            accounts: Vec::new(),
            arns: Vec::new(),
            roles: Vec::new(),
            services: Vec::new(),
            federated: Vec::new(),
            canonical_users: Vec::new(),
        };
        match &clause.principal {
            Principal::Wildcard => matcher.everyone = true,
            Principal::Map(entries) => {
                for entry in entries {
                    for value in &entry.values {
                        matcher.add(entry.kind.node, &value.node);
                    }
                }
            }
        }
        matcher
    }

    fn add(&mut self, kind: PrincipalKind, value: &str) {
        match kind {
            PrincipalKind::Aws => {
                if value == "*" {
                    self.everyone = true;
                } else if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
                    self.accounts.push(value.to_string());
                } else if let Some([_, _, service, _, account, resource]) = split_arn(value) {
                    if service == "iam" && resource == "root" {
                        self.accounts.push(account.to_string());
                    } else if let (true, Some(role_path)) =
                        (service == "iam", resource.strip_prefix("role/"))
                    {
                        self.roles.push(RoleName {
                            account: account.to_string(),
                            arn: value.to_string(),
                            name: role_path
                                .rsplit('/')
                                .next()
                                .unwrap_or(role_path)
                                .to_string(),
                        });
                    } else {
                        self.arns.push(value.to_string());
                    }
                }
                // Anything else (a unique id such as AROA..., a malformed
                // value) names no caller leash can identify.
            }
            PrincipalKind::Service => self.services.push(value.to_ascii_lowercase()),
            PrincipalKind::Federated => self.federated.push(value.to_string()),
            PrincipalKind::CanonicalUser => self.canonical_users.push(value.to_string()),
        }
    }

    pub(crate) fn is_negated(&self) -> bool {
        self.negated
    }

    /// How the listed principals name the caller (ignoring negation).
    pub(crate) fn named(&self, request: &Request) -> Option<PrincipalMatch> {
        let principal = request.principal();
        let mut best: Option<PrincipalMatch> = None;
        let mut consider = |found: PrincipalMatch| {
            best = Some(best.map_or(found, |current| current.max(found)));
        };
        if self.everyone {
            consider(PrincipalMatch::Everyone);
        }
        match request.principal_type() {
            PrincipalType::Root
            | PrincipalType::User
            | PrincipalType::RoleSession
            | PrincipalType::Role
            | PrincipalType::FederatedUser => {
                if let Some(account) = request.principal_account()
                    && self.accounts.iter().any(|listed| listed == account)
                {
                    consider(if request.principal_type() == PrincipalType::Root {
                        PrincipalMatch::Exact
                    } else {
                        PrincipalMatch::Account
                    });
                }
                if self
                    .arns
                    .iter()
                    .any(|listed| same_principal_arn(listed, principal))
                {
                    consider(PrincipalMatch::Exact);
                }
                if matches!(
                    request.principal_type(),
                    PrincipalType::RoleSession | PrincipalType::Role
                ) && let Some(found) = self.role_match(request)
                {
                    consider(found);
                }
            }
            PrincipalType::Service => {
                if self
                    .services
                    .iter()
                    .any(|listed| listed.eq_ignore_ascii_case(principal))
                {
                    consider(PrincipalMatch::Exact);
                }
            }
            PrincipalType::FederatedProvider => {
                if self.federated.iter().any(|listed| listed == principal) {
                    consider(PrincipalMatch::Exact);
                }
            }
            PrincipalType::CanonicalUser => {
                if self
                    .canonical_users
                    .iter()
                    .any(|listed| listed == principal)
                {
                    consider(PrincipalMatch::Exact);
                }
            }
            PrincipalType::Anonymous => {}
        }
        best
    }

    fn role_match(&self, request: &Request) -> Option<PrincipalMatch> {
        let role_arn = request.role_arn()?;
        let (account, name, path_known) = request.role_identity()?;
        // When the caller's role ARN carries no path (derived from a session
        // ARN, which does not show it), compare account and role name.
        let found = self.roles.iter().any(|listed| {
            if path_known {
                same_principal_arn(&listed.arn, role_arn)
            } else {
                listed.account == account && listed.name.eq_ignore_ascii_case(name)
            }
        });
        if !found {
            return None;
        }
        // A request made with the role ARN itself stands for "some session
        // of this role": naming the role still names the role, not the
        // session, so the boundary and session policy limits apply.
        Some(PrincipalMatch::Role)
    }

    /// Whether a statement with this element applies to the caller, and how
    /// it named the caller. For `NotPrincipal`, the statement applies unless
    /// every identity of the caller (its account, its role, its session) is
    /// listed, as AWS's NotPrincipal page shows with its examples listing
    /// account, role and session ARNs together; it then reports
    /// [`PrincipalMatch::Everyone`].
    pub(crate) fn applies(&self, request: &Request) -> Option<PrincipalMatch> {
        if !self.negated {
            return self.named(request);
        }
        if self.everyone {
            return None;
        }
        if self.excludes_whole_chain(request) {
            None
        } else {
            Some(PrincipalMatch::Everyone)
        }
    }

    /// [`PrincipalMatcher::applies`] for a statement of `effect`. Where a
    /// `NotPrincipal` lists only part of the caller's identities (its role
    /// but not its session, its account but not the user), AWS's pages,
    /// whose examples are all `Deny`, do not say what an `Allow` does;
    /// leash takes the reading that grants less (docs/semantics.md): an
    /// `Allow` does not apply to a caller any of whose identities is
    /// listed, a `Deny` applies unless all of them are.
    pub(crate) fn applies_for(
        &self,
        request: &Request,
        effect: crate::ast::Effect,
    ) -> Option<PrincipalMatch> {
        if self.negated && effect == crate::ast::Effect::Allow && self.named(request).is_some() {
            return None;
        }
        self.applies(request)
    }

    fn excludes_whole_chain(&self, request: &Request) -> bool {
        let principal = request.principal();
        let account_listed = || {
            request
                .principal_account()
                .is_some_and(|account| self.accounts.iter().any(|listed| listed == account))
        };
        match request.principal_type() {
            PrincipalType::Root => account_listed(),
            PrincipalType::User | PrincipalType::FederatedUser => {
                account_listed()
                    && self
                        .arns
                        .iter()
                        .any(|listed| same_principal_arn(listed, principal))
            }
            PrincipalType::RoleSession => {
                account_listed()
                    && self.role_match(request).is_some()
                    && self
                        .arns
                        .iter()
                        .any(|listed| same_principal_arn(listed, principal))
            }
            PrincipalType::Role => account_listed() && self.role_match(request).is_some(),
            PrincipalType::Service => self
                .services
                .iter()
                .any(|listed| listed.eq_ignore_ascii_case(principal)),
            PrincipalType::FederatedProvider => {
                self.federated.iter().any(|listed| listed == principal)
            }
            PrincipalType::CanonicalUser => self
                .canonical_users
                .iter()
                .any(|listed| listed == principal),
            PrincipalType::Anonymous => false,
        }
    }
}

/// Whether a listed principal ARN names the caller's. IAM user and role
/// names are not case-sensitive: "Role names must be unique within the
/// account. They are not distinguished by case"
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>;
/// the same on CreateUser). So the name (the last part of a user or role
/// ARN, the role part of a session ARN) is compared without ASCII case;
/// the path and a session's name are compared exactly (the docs do not say
/// they are case-insensitive: the reading that matches less).
fn same_principal_arn(listed: &str, caller: &str) -> bool {
    if listed == caller {
        return true;
    }
    let named = |arn: &str| -> Option<(String, String, String)> {
        let [partition, service, _, account, resource] = split_principal_arn(arn)?;
        let prefix = format!("{partition}:{service}:{account}");
        if service == "sts" {
            let rest = resource.strip_prefix("assumed-role/")?;
            let (role, session) = rest.split_once('/')?;
            Some((
                format!("{prefix}:assumed-role"),
                role.to_ascii_lowercase(),
                session.to_string(),
            ))
        } else if service == "iam"
            && (resource.starts_with("user/") || resource.starts_with("role/"))
        {
            let (path, name) = resource.rsplit_once('/')?;
            Some((
                format!("{prefix}:{path}"),
                name.to_ascii_lowercase(),
                String::new(),
            ))
        } else {
            None
        }
    };
    matches!((named(listed), named(caller)), (Some(a), Some(b)) if a == b)
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` split after `arn:`.
fn split_principal_arn(arn: &str) -> Option<[&str; 5]> {
    let arn = crate::arn::Arn::parse(arn).ok()?;
    Some(arn.segments().map(|segment| segment.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::PrincipalEntry;
    use crate::span::{Span, Spanned};

    fn matcher(negated: bool, entries: &[(PrincipalKind, &[&str])]) -> PrincipalMatcher {
        PrincipalMatcher::compile(&PrincipalClause {
            negated,
            principal: Principal::Map(
                entries
                    .iter()
                    .map(|(kind, values)| PrincipalEntry {
                        kind: Spanned::new(*kind, Span::default()),
                        values: values
                            .iter()
                            .map(|v| Spanned::new(v.to_string(), Span::default()))
                            .collect(),
                    })
                    .collect(),
            ),
        })
    }

    fn caller(principal: &str) -> Request {
        Request::new(principal, "s3:GetObject", "arn:aws:s3:::b/k")
    }

    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/orders/i-1";

    #[test]
    fn role_arn_names_its_sessions() {
        // Principal page, "IAM role principals" and "Role session principals".
        let by_role = matcher(
            false,
            &[(
                PrincipalKind::Aws,
                &["arn:aws:iam::111122223333:role/orders"],
            )],
        );
        assert_eq!(
            by_role.applies(&caller(SESSION)),
            Some(PrincipalMatch::Role)
        );
        let by_path = matcher(
            false,
            &[(
                PrincipalKind::Aws,
                &["arn:aws:iam::111122223333:role/app/orders"],
            )],
        );
        assert_eq!(
            by_path.applies(&caller(SESSION)),
            Some(PrincipalMatch::Role)
        );
        let by_session = matcher(false, &[(PrincipalKind::Aws, &[SESSION])]);
        assert_eq!(
            by_session.applies(&caller(SESSION)),
            Some(PrincipalMatch::Exact)
        );
        let other_session = matcher(
            false,
            &[(
                PrincipalKind::Aws,
                &["arn:aws:sts::111122223333:assumed-role/orders/i-2"],
            )],
        );
        assert_eq!(other_session.applies(&caller(SESSION)), None);
        let other_account = matcher(
            false,
            &[(
                PrincipalKind::Aws,
                &["arn:aws:iam::444455556666:role/orders"],
            )],
        );
        assert_eq!(other_account.applies(&caller(SESSION)), None);
    }

    #[test]
    fn accounts_and_wildcards() {
        let account = matcher(false, &[(PrincipalKind::Aws, &["111122223333"])]);
        assert_eq!(
            account.applies(&caller(SESSION)),
            Some(PrincipalMatch::Account)
        );
        let root = matcher(
            false,
            &[(PrincipalKind::Aws, &["arn:aws:iam::111122223333:root"])],
        );
        assert_eq!(
            root.applies(&caller("arn:aws:iam::111122223333:user/a")),
            Some(PrincipalMatch::Account)
        );
        assert_eq!(
            root.applies(&caller("arn:aws:iam::111122223333:root")),
            Some(PrincipalMatch::Exact)
        );
        let everyone = matcher(false, &[(PrincipalKind::Aws, &["*"])]);
        assert_eq!(
            everyone.applies(&caller("anonymous")),
            Some(PrincipalMatch::Everyone)
        );
        // No partial wildcards in principals.
        let partial = matcher(
            false,
            &[(PrincipalKind::Aws, &["arn:aws:iam::111122223333:user/*"])],
        );
        assert_eq!(
            partial.applies(&caller("arn:aws:iam::111122223333:user/a")),
            None
        );
    }

    #[test]
    fn service_federated_canonical() {
        let service = matcher(
            false,
            &[(PrincipalKind::Service, &["apigateway.amazonaws.com"])],
        );
        assert_eq!(
            service.applies(&caller("apigateway.amazonaws.com")),
            Some(PrincipalMatch::Exact)
        );
        assert_eq!(service.applies(&caller("lambda.amazonaws.com")), None);
        let federated = matcher(
            false,
            &[(
                PrincipalKind::Federated,
                &["cognito-identity.amazonaws.com"],
            )],
        );
        assert_eq!(
            federated.applies(&caller("cognito-identity.amazonaws.com")),
            Some(PrincipalMatch::Exact)
        );
    }

    #[test]
    fn not_principal_needs_the_whole_chain() {
        // NotPrincipal page: to exclude a role session, list the session ARN,
        // the role ARN and the account.
        let partial = matcher(true, &[(PrincipalKind::Aws, &[SESSION])]);
        assert_eq!(
            partial.applies(&caller(SESSION)),
            Some(PrincipalMatch::Everyone)
        );
        let whole = matcher(
            true,
            &[(
                PrincipalKind::Aws,
                &[
                    SESSION,
                    "arn:aws:iam::111122223333:role/orders",
                    "arn:aws:iam::111122223333:root",
                ],
            )],
        );
        assert_eq!(whole.applies(&caller(SESSION)), None);
        assert_eq!(
            whole.applies(&caller("arn:aws:iam::111122223333:user/x")),
            Some(PrincipalMatch::Everyone)
        );
    }

    /// "Role names must be unique within the account. They are not
    /// distinguished by case"
    /// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html);
    /// the same for user names (API_CreateUser.html).
    #[test]
    fn user_and_role_names_are_compared_without_case() {
        assert!(same_principal_arn(
            "arn:aws:iam::111122223333:role/team/Super-Admin",
            "arn:aws:iam::111122223333:role/team/super-admin"
        ));
        assert!(same_principal_arn(
            "arn:aws:iam::111122223333:user/ALICE",
            "arn:aws:iam::111122223333:user/alice"
        ));
        assert!(same_principal_arn(
            "arn:aws:sts::111122223333:assumed-role/Admin/s1",
            "arn:aws:sts::111122223333:assumed-role/admin/s1"
        ));
        // Paths and session names are compared exactly.
        assert!(!same_principal_arn(
            "arn:aws:iam::111122223333:role/Team/admin",
            "arn:aws:iam::111122223333:role/team/admin"
        ));
        assert!(!same_principal_arn(
            "arn:aws:sts::111122223333:assumed-role/admin/S1",
            "arn:aws:sts::111122223333:assumed-role/admin/s1"
        ));
        assert!(!same_principal_arn(
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:iam::444455556666:role/admin"
        ));
    }
}
