//! The organization's service control policies and where they apply
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
//! `Policy.Content`) or the policy document itself. `accounts` lists, for
//! each account, the policies attached at each level from the root to
//! the account itself; `*` is for accounts not listed. An account with no
//! entry and no `*` has no SCPs (it is not in an organization).
//!
//! SCPs apply to the account's users and roles, not to service-linked
//! roles nor the management account
//! (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>).
//! Resource control policies (`RESOURCE_CONTROL_POLICY`) are refused: the
//! audit judges what principals may do, which RCPs do not limit inside
//! the account's own resources without a resource to judge.

use crate::rules::privilege_escalation_path::{Standing, standings};
use leash_policy::Policy;
use leash_policy::json::parse_json;
use leash_policy::parse::parse_policy;
use std::collections::HashMap;
use std::sync::Arc;

/// One SCP, parsed.
#[derive(Clone, Debug)]
pub struct LevelPolicy {
    pub name: String,
    pub policy: Arc<Policy>,
    pub(crate) standings: Arc<Vec<Standing>>,
}

/// The SCPs of each account, root level first.
#[derive(Clone, Debug, Default)]
pub struct Organization {
    accounts: HashMap<String, Vec<Vec<LevelPolicy>>>,
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
            let policy = read_policy(&content)
                .map_err(|e| error(format!("policy `{id}` (`{file}`): {}", e.message)))?;
            let standings = Arc::new(standings(&policy));
            policies.insert(
                id,
                LevelPolicy {
                    name: id.to_string(),
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
            let mut read_levels = Vec::new();
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
            organization
                .accounts
                .insert(account.to_string(), read_levels);
        }
        Ok(organization)
    }

    /// The SCP levels of `account`, root first (empty: none apply).
    pub fn levels_for(&self, account: &str) -> Vec<Vec<LevelPolicy>> {
        self.accounts
            .get(account)
            .or_else(|| self.accounts.get("*"))
            .cloned()
            .unwrap_or_default()
    }
}

/// A policy file: `describe-policy` output or the document itself.
fn read_policy(text: &str) -> Result<Policy, OrganizationError> {
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
    if let Some(kind) = kind.filter(|k| k != "SERVICE_CONTROL_POLICY") {
        return Err(error(format!(
            "a `{kind}`: only service control policies are applied (see docs/audit.md)"
        )));
    }
    parse_policy(&document)
        .policy
        .ok_or_else(|| error("not an IAM policy"))
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
        assert_eq!(org.levels_for("111122223333").len(), 2);
        assert_eq!(org.levels_for("111122223333")[1].len(), 2);
        assert_eq!(org.levels_for("444455556666").len(), 1);
    }

    #[test]
    fn resource_control_policies_are_refused() {
        let text = r#"{"policies": {"p-r": "r.json"}, "accounts": {}}"#;
        let err = Organization::read(text, |_| {
            Ok(r#"{"Policy": {"PolicySummary": {"Type": "RESOURCE_CONTROL_POLICY"}, "Content": "{}"}}"#.to_string())
        })
        .unwrap_err();
        assert!(
            err.message.contains("RESOURCE_CONTROL_POLICY"),
            "{}",
            err.message
        );
    }
}
