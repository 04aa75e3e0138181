//! Services and their actions, as the AWS Service Authorization Reference
//! lists them.
//!
//! Not for deciding whether a policy allows an action: that is leash-policy.

use std::fmt;
use std::sync::OnceLock;

use crate::condition_key::ConditionKey;
use crate::resource_type::ResourceType;
use crate::text::compare_ignore_ascii_case;

/// An AWS service: its prefix, actions, resource types and condition keys.
///
/// A service's actions are decoded the first time they are asked for, so a
/// process that looks up `s3:GetObject` decodes S3's actions and no others.
pub struct Service {
    pub(crate) prefix: &'static str,
    pub(crate) name: &'static str,
    pub(crate) action_count: usize,
    /// The encoded actions and what decoding them needs (decode.rs).
    pub(crate) action_block: &'static [u8],
    pub(crate) strings: &'static [&'static str],
    pub(crate) first_action_description: u32,
    /// Sorted by name, ignoring ASCII case, once decoded.
    pub(crate) actions: OnceLock<Vec<Action>>,
    /// (hash of the lowercased name, position in `actions`), sorted: a
    /// lookup probes this small array instead of the large `Action`
    /// records, which matters when a linter looks up every action of every
    /// statement.
    pub(crate) action_index: OnceLock<Vec<(u64, u32)>>,
    /// Sorted by name, ignoring ASCII case.
    pub(crate) resource_types: Vec<ResourceType>,
    /// Sorted by name, ignoring ASCII case.
    pub(crate) condition_keys: Vec<ConditionKey>,
}

impl fmt::Debug for Service {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Service")
            .field("prefix", &self.prefix)
            .field("name", &self.name)
            .field("actions", &self.action_count)
            .field("resource_types", &self.resource_types.len())
            .field("condition_keys", &self.condition_keys.len())
            .finish()
    }
}

impl Service {
    /// The service prefix used in actions and ARNs (`s3`, `dynamodb`).
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// The human name (`Amazon S3`, `Amazon DynamoDB`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Every action, sorted by name ignoring ASCII case.
    pub fn actions(&self) -> &[Action] {
        self.actions.get_or_init(|| {
            // The tests decode every service, so this falls back to no
            // actions only if the embedded data were damaged.
            let mut actions = crate::decode::decode_actions(self).unwrap_or_default();
            actions.sort_by(|left, right| compare_ignore_ascii_case(left.name, right.name));
            actions
        })
    }

    /// How many actions the service has (without decoding them).
    pub fn action_count(&self) -> usize {
        self.action_count
    }

    /// The action named `name` (without the prefix), ignoring case.
    pub fn action(&self, name: &str) -> Option<&Action> {
        let actions = self.actions();
        let index = self.action_index.get_or_init(|| {
            let mut index: Vec<(u64, u32)> = actions
                .iter()
                .enumerate()
                .map(|(position, action)| (hash_ignore_ascii_case(action.name), position as u32))
                .collect();
            index.sort_unstable();
            index
        });
        let hash = hash_ignore_ascii_case(name);
        let start = index.partition_point(|(h, _)| *h < hash);
        index
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|(h, _)| *h == hash)
            .filter_map(|(_, position)| actions.get(*position as usize))
            .find(|action| action.name.eq_ignore_ascii_case(name))
    }

    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The resource type named `name` (`object`), ignoring ASCII case.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .binary_search_by(|resource_type| compare_ignore_ascii_case(resource_type.name, name))
            .ok()
            .and_then(|position| self.resource_types.get(position))
    }

    /// The condition keys this service declares, global `aws:` keys it
    /// supports included.
    pub fn condition_keys(&self) -> &[ConditionKey] {
        &self.condition_keys
    }
}

/// The access level the Service Authorization Reference gives an action
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    Tagging,
    PermissionsManagement,
}

impl AccessLevel {
    /// The access level for a code of the catalog format (see
    /// scripts/gen-catalog).
    pub(crate) fn from_code(code: u8) -> Option<AccessLevel> {
        match code {
            0 => Some(AccessLevel::List),
            1 => Some(AccessLevel::Read),
            2 => Some(AccessLevel::Write),
            3 => Some(AccessLevel::Tagging),
            4 => Some(AccessLevel::PermissionsManagement),
            _ => None,
        }
    }

    /// The name as AWS writes it (`Permissions management`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One action of a service (`s3:GetObject`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub(crate) service: &'static str,
    pub(crate) name: &'static str,
    pub(crate) access_level: AccessLevel,
    pub(crate) description_index: Option<u32>,
    pub(crate) resource_types: Vec<ActionResource>,
    pub(crate) condition_keys: Vec<&'static str>,
    pub(crate) dependent_actions: Vec<&'static str>,
}

impl Action {
    /// The service prefix (`s3`).
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// The canonical action name, without the prefix (`GetObject`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `service:Name` (`s3:GetObject`).
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    pub fn access_level(&self) -> AccessLevel {
        self.access_level
    }

    /// What the action grants permission to do, from the Service
    /// Authorization Reference. The first call inflates every description
    /// (a few milliseconds); lookups that never ask do not pay for it.
    pub fn description(&self) -> &'static str {
        crate::description(self.description_index)
    }

    /// The resource types the action works on. Empty means the action does
    /// not support resource-level permissions: a policy must name `*`.
    pub fn resource_types(&self) -> &[ActionResource] {
        &self.resource_types
    }

    /// Condition keys the action supports beyond those of its resource
    /// types.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// Other actions a caller also needs permission for (`iam:PassRole`).
    pub fn dependent_actions(&self) -> &[&'static str] {
        &self.dependent_actions
    }
}

/// One resource type an action works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResource {
    pub(crate) resource_type: &'static str,
    pub(crate) required: bool,
    pub(crate) condition_keys: Vec<&'static str>,
    pub(crate) dependent_actions: Vec<&'static str>,
}

impl ActionResource {
    /// The resource type's name within the action's service (look it up with
    /// [`Service::resource_type`]).
    pub fn resource_type(&self) -> &'static str {
        self.resource_type
    }

    /// Whether every call of the action involves a resource of this type
    /// (the reference marks these with `*`).
    pub fn required(&self) -> bool {
        self.required
    }

    /// Condition keys that apply to the action on this resource type.
    pub fn condition_keys(&self) -> &[&'static str] {
        &self.condition_keys
    }

    /// Actions also needed when the action is used on this resource type.
    pub fn dependent_actions(&self) -> &[&'static str] {
        &self.dependent_actions
    }
}

/// FNV-1a over the ASCII-lowercased bytes: action names compare ignoring
/// case, so their hashes must too.
fn hash_ignore_ascii_case(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_level_codes_match_the_generator() {
        // scripts/gen-catalog/generate.js: ACCESS_LEVELS.
        let levels = [
            AccessLevel::List,
            AccessLevel::Read,
            AccessLevel::Write,
            AccessLevel::Tagging,
            AccessLevel::PermissionsManagement,
        ];
        for (code, level) in (0_u8..).zip(levels) {
            assert_eq!(AccessLevel::from_code(code), Some(level));
        }
        assert_eq!(AccessLevel::from_code(5), None);
        assert_eq!(AccessLevel::Tagging.as_str(), "Tagging");
    }
}
