//! The organization's service and resource control policies and where
//! they apply
//! (`leash audit --organization FILE`).
//!
//! AWS Organizations does not give the policies that apply to an account
//! in one call, so the file says it (its format is in `docs/audit.md`):
//!
//! ```json
//! {
//!   "policies": {"p-FullAWSAccess": "full-access.json", "p-denyleave": "deny-leave.json"},
//!   "accounts": {
//!     "111122223333": [["p-FullAWSAccess"], ["p-FullAWSAccess", "p-denyleave"]],
//!     "*": [["p-FullAWSAccess"]]
//!   }
//! }
//! ```
//!
//! `policies` names each policy file (relative to the organization file):
//! the output of `aws organizations describe-policy` (its
//! `Policy.Content`; `PolicySummary.Type` tells an SCP from an RCP) or the
//! policy document itself (an SCP). `accounts` lists, for each account,
//! the policies attached at each level from the root to the account
//! itself; `*` is for accounts not listed. An account with no entry and no
//! `*` has no SCPs or RCPs (it is not in an organization). When an
//! account has SCPs, every level must list at least one (AWS requires one
//! at each level; `FullAWSAccess` is the default). `RCPFullAWSAccess`,
//! which AWS attaches to every level and which cannot be detached, is
//! added to each level: RCPs listed there can only deny.
//!
//! SCPs apply to the account's users and roles, not to service-linked
//! roles nor the management account
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>);
//! RCPs to requests for the account's resources, whoever makes them
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html>).

use crate::rules::privilege_escalation_path::{Standing, standings};
use leash_policy::Policy;
use leash_policy::json::parse_json;
use leash_policy::parse::parse_policy;
use std::collections::HashMap;
use std::sync::Arc;

/// Which kind of organization policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganizationPolicyKind {
    ServiceControl,
    ResourceControl,
}

/// One SCP or RCP, parsed.
#[derive(Clone, Debug)]
pub struct LevelPolicy {
    pub name: String,
    pub kind: OrganizationPolicyKind,
    pub policy: Arc<Policy>,
    pub(crate) standings: Arc<Vec<Standing>>,
}

/// The policies that apply to one account, root level first.
#[derive(Clone, Debug, Default)]
pub struct AccountPolicies {
    pub scps: Vec<Vec<LevelPolicy>>,
    /// Levels without RCPs are left out (they allow everything).
    pub rcps: Vec<Vec<LevelPolicy>>,
}

/// The SCPs and RCPs of each account.
#[derive(Clone, Debug, Default)]
pub struct Organization {
    accounts: HashMap<String, AccountPolicies>,
}

/// Why an organization file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct OrganizationError {
    pub message: String,
}

fn error(message: impl Into<String>) -> OrganizationError {
    OrganizationError {
        message: message.into(),
    }
}

impl Organization {
    /// Reads the organization file's text; `load` reads a policy file it
    /// names (relative to the organization file).
    pub fn read(
        text: &str,
        load: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Organization, OrganizationError> {
        let root = parse_json(text).map_err(|e| error(format!("not JSON: {}", e.message)))?;
        let files = root
            .get("policies")
            .and_then(|p| p.as_object())
            .ok_or_else(|| error("`policies` must be an object of policy id to file"))?;
        let mut policies: HashMap<&str, LevelPolicy> = HashMap::new();
        for member in files {
            let id = member.key.node.as_str();
            let file = member
                .value
                .as_str()
                .ok_or_else(|| error(format!("the file of policy `{id}` must be a string")))?;
            let content = load(file).map_err(|e| error(format!("policy `{id}`: {e}")))?;
            let (policy, kind) = read_policy(&content)
                .map_err(|e| error(format!("policy `{id}` (`{file}`): {}", e.message)))?;
            let standings = Arc::new(standings(&policy));
            policies.insert(
                id,
                LevelPolicy {
                    name: id.to_string(),
                    kind,
                    policy: Arc::new(policy),
                    standings,
                },
            );
        }
        let accounts = root
            .get("accounts")
            .and_then(|p| p.as_object())
            .ok_or_else(|| error("`accounts` must be an object of account id to levels"))?;
        let mut organization = Organization::default();
        for member in accounts {
            let account = member.key.node.as_str();
            let levels = member.value.as_array().ok_or_else(|| {
                error(format!(
                    "the levels of account `{account}` must be a list of lists of policy ids"
                ))
            })?;
            let mut read_levels: Vec<Vec<LevelPolicy>> = Vec::new();
            for level in levels {
                let ids = level.as_array().ok_or_else(|| {
                    error(format!(
                        "a level of account `{account}` must be a list of policy ids"
                    ))
                })?;
                let mut read_level = Vec::new();
                for id in ids {
                    let id = id.as_str().unwrap_or_default();
                    let policy = policies.get(id).ok_or_else(|| {
                        error(format!("account `{account}` names policy `{id}`, which `policies` does not list"))
                    })?;
                    read_level.push(policy.clone());
                }
                read_levels.push(read_level);
            }
            let of_kind = |kind| -> Vec<Vec<LevelPolicy>> {
                read_levels
                    .iter()
                    .map(|level| level.iter().filter(|p| p.kind == kind).cloned().collect())
                    .collect()
            };
            let scps = of_kind(OrganizationPolicyKind::ServiceControl);
            let mut rcps = of_kind(OrganizationPolicyKind::ResourceControl);
            rcps.retain(|level| !level.is_empty());
            // AWS attaches `RCPFullAWSAccess` to every root, OU and account,
            // and it cannot be detached: each level allows, then denies.
            for level in &mut rcps {
                level.push(rcp_full_access()?);
            }
            let has_scps = scps.iter().any(|level| !level.is_empty());
            if let Some(empty) = scps.iter().position(Vec::is_empty).filter(|_| has_scps) {
                return Err(error(format!(
                    "level {} of account `{account}` lists no SCP, which would deny everything: list the SCPs attached there (`FullAWSAccess` by default)",
                    empty + 1
                )));
            }
            organization.accounts.insert(
                account.to_string(),
                AccountPolicies {
                    scps: if has_scps { scps } else { Vec::new() },
                    rcps,
                },
            );
        }
        Ok(organization)
    }

    /// The SCP and RCP levels of `account`, root first (empty: none apply).
    pub fn levels_for(&self, account: &str) -> AccountPolicies {
        self.accounts
            .get(account)
            .or_else(|| self.accounts.get("*"))
            .cloned()
            .unwrap_or_default()
    }
}

/// `RCPFullAWSAccess`, as AWS attaches it to every level ("You cannot
/// detach this policy":
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html>).
fn rcp_full_access() -> Result<LevelPolicy, OrganizationError> {
    let value = parse_json(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
    )
    .map_err(|e| error(e.message))?;
    let policy = parse_policy(&value)
        .policy
        .ok_or_else(|| error("RCPFullAWSAccess is not a policy"))?;
    let standings = Arc::new(standings(&policy));
    Ok(LevelPolicy {
        name: "RCPFullAWSAccess".to_string(),
        kind: OrganizationPolicyKind::ResourceControl,
        policy: Arc::new(policy),
        standings,
    })
}

/// A policy file: `describe-policy` output or the document itself (an SCP).
fn read_policy(text: &str) -> Result<(Policy, OrganizationPolicyKind), OrganizationError> {
    let value = parse_json(text).map_err(|e| error(format!("not JSON: {}", e.message)))?;
    let (document, kind) = match value.get("Policy") {
        Some(described) => {
            let kind = described
                .get("PolicySummary")
                .and_then(|s| s.get("Type"))
                .and_then(|t| t.as_str())
                .map(str::to_string);
            let content = described
                .get("Content")
                .and_then(|c| c.as_str())
                .ok_or_else(|| error("`Policy.Content` is missing"))?;
            let document = parse_json(content)
                .map_err(|e| error(format!("`Content` is not JSON: {}", e.message)))?;
            (document, kind)
        }
        None => (value, None),
    };
    let kind = match kind.as_deref() {
        None | Some("SERVICE_CONTROL_POLICY") => OrganizationPolicyKind::ServiceControl,
        Some("RESOURCE_CONTROL_POLICY") => OrganizationPolicyKind::ResourceControl,
        Some(other) => {
            return Err(error(format!(
                "a `{other}`: only service and resource control policies limit access"
            )));
        }
    };
    let policy = parse_policy(&document)
        .policy
        .ok_or_else(|| error("not an IAM policy"))?;
    Ok((policy, kind))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn levels_by_account_with_a_default() {
        let text = r#"{"policies": {"p-all": "all.json", "p-deny": "deny.json"},
            "accounts": {"111122223333": [["p-all"], ["p-all", "p-deny"]], "*": [["p-all"]]}}"#;
        let org = Organization::read(text, |file| {
            Ok(match file {
                "all.json" => r#"{"Policy": {"PolicySummary": {"Type": "SERVICE_CONTROL_POLICY"}, "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}}"#.to_string(),
                _ => r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#.to_string(),
            })
        })
        .unwrap();
        assert_eq!(org.levels_for("111122223333").scps.len(), 2);
        assert_eq!(org.levels_for("111122223333").scps[1].len(), 2);
        assert_eq!(org.levels_for("444455556666").scps.len(), 1);
        assert!(org.levels_for("444455556666").rcps.is_empty());
    }

    #[test]
    fn policies_of_other_types_are_refused_and_a_level_needs_an_scp() {
        let text = r#"{"policies": {"p-t": "t.json"}, "accounts": {}}"#;
        let err = Organization::read(text, |_| {
            Ok(
                r#"{"Policy": {"PolicySummary": {"Type": "TAG_POLICY"}, "Content": "{}"}}"#
                    .to_string(),
            )
        })
        .unwrap_err();
        assert!(err.message.contains("TAG_POLICY"), "{}", err.message);
        let text = r#"{"policies": {"p-all": "all", "p-r": "rcp"},
            "accounts": {"111122223333": [["p-all"], ["p-r"]]}}"#;
        let load = |file: &str| {
            Ok(match file {
                "all" => r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#.to_string(),
                _ => r#"{"Policy": {"PolicySummary": {"Type": "RESOURCE_CONTROL_POLICY"}, "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}}"#.to_string(),
            })
        };
        let err = Organization::read(text, load).unwrap_err();
        assert!(err.message.contains("level 2"), "{}", err.message);
        let fixed = text.replace(r#"["p-r"]"#, r#"["p-all", "p-r"]"#);
        let org = Organization::read(&fixed, load).unwrap();
        let levels = org.levels_for("111122223333");
        assert_eq!((levels.scps.len(), levels.rcps.len()), (2, 1));
    }
}
