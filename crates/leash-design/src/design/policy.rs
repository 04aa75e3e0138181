//! A designed policy as a value: the typed policy leash verified, with its
//! canonical JSON printed once from it. Writers take the text or the
//! ordered tree; the engine and the prover take the policy; nothing reads
//! the text back.

use leash_policy::Policy;
use leash_policy::parse::parse_policy;
use leash_policy::print::print_policy;
use serde_json::Value as Json;

use super::DesignError;
use crate::json_tree::Node;

/// A policy leash designed (or kept), in canonical form.
#[derive(Clone, Debug)]
pub struct DesignedPolicy {
    policy: Policy,
    /// The canonical text as leash reads JSON (member order kept).
    value: leash_policy::Value,
    /// `print_policy(&policy)`.
    text: String,
}

impl PartialEq for DesignedPolicy {
    /// Two designed policies are equal when their canonical texts are.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl DesignedPolicy {
    /// The document read as leash reads policies and printed canonically:
    /// what is verified is exactly what is written. `what` names the
    /// document in the error ("the designed trust policy").
    pub fn from_document(document: &Json, what: &'static str) -> Result<Self, DesignError> {
        let written = document.to_string();
        let read =
            leash_policy::json::parse_json(&written).map_err(|e| DesignError::NotAPolicy {
                what,
                detail: e.message,
            })?;
        let parsed = parse_policy(&read);
        let policy = parsed.policy.ok_or_else(|| DesignError::NotAPolicy {
            what,
            detail: parsed
                .diagnostics
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_else(|| "it does not read as an IAM policy".into()),
        })?;
        let text = print_policy(&policy);
        let value = leash_policy::json::parse_json(&text).map_err(|e| DesignError::NotAPolicy {
            what,
            detail: format!("its canonical form is not JSON: {}", e.message),
        })?;
        Ok(DesignedPolicy {
            policy,
            value,
            text,
        })
    }

    /// The typed policy, for the engine and the prover.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The canonical JSON as leash's JSON value (for the linter).
    pub fn value(&self) -> &leash_policy::Value {
        &self.value
    }

    /// The canonical JSON text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The canonical JSON as an ordered tree, for the writers.
    pub fn node(&self) -> Node {
        Node::from_value(&self.value)
    }

    /// The canonical JSON as a `serde_json` value (for JSON reports).
    pub fn json(&self) -> Json {
        self.node().to_json()
    }

    /// Whether the policy has no statement.
    pub fn is_empty(&self) -> bool {
        self.policy.statements.is_empty()
    }

    /// How many statements the policy has.
    pub fn statement_count(&self) -> usize {
        self.policy.statements.len()
    }
}

impl std::fmt::Display for DesignedPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}
