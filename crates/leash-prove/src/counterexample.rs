//! Counterexamples: requests in the `leash sim` request format, and their
//! replay through the request reader and the engine.
//!
//! For: turning a candidate request that the search found into the JSON a
//! user can feed to `leash sim --request`, and checking that it is decided
//! as claimed. Not for: finding it (see `search`).

use leash_policy::authz::PreparedPolicySet;
use leash_policy::request::read_request_text;
use serde_json::{Map, Value as Json, json};

use crate::domain::KeyValue;

/// A request that shows a property does not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Counterexample {
    /// The request with, inline, the policies under which it is allowed
    /// (`leash sim --request` answers `allow`).
    pub request: Json,
    /// For no-new-access: the same request with the old policy, which
    /// denies it.
    pub baseline: Option<Json>,
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, KeyValue)>,
}

impl Counterexample {
    /// The request in a few readable lines.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "  principal: {}\n  action:    {}\n  resource:  {}\n",
            self.principal, self.action, self.resource
        );
        if self.context.is_empty() {
            text.push_str("  context:   (no condition keys)\n");
        } else {
            text.push_str("  context:\n");
            for (key, value) in &self.context {
                let shown = match value {
                    KeyValue::Absent => "(absent)".to_string(),
                    KeyValue::Single(single) => format!("{single:?}"),
                    KeyValue::Multiple(values) => format!("{values:?}"),
                };
                text.push_str(&format!("    {key}: {shown}\n"));
            }
        }
        text
    }
}

/// The fields of a request file, without its policies.
pub(crate) struct RequestFields<'a> {
    pub principal: &'a str,
    pub role_arn: Option<&'a str>,
    pub action: &'a str,
    pub resource: &'a str,
    pub resource_account: &'a str,
    pub context: &'a [(String, KeyValue)],
    pub current_time: i64,
}

/// The request file: fields plus identity policies and resource policy.
pub(crate) fn request_json(
    fields: &RequestFields<'_>,
    identity_policies: Vec<Json>,
    resource_policy: Option<Json>,
) -> Json {
    let mut context = Map::new();
    for (key, value) in fields.context {
        match value {
            KeyValue::Absent => {}
            KeyValue::Single(single) => {
                context.insert(key.clone(), Json::String(single.clone()));
            }
            KeyValue::Multiple(values) => {
                context.insert(
                    key.clone(),
                    Json::Array(values.iter().cloned().map(Json::String).collect()),
                );
            }
        }
    }
    let mut request = json!({
        "principal": fields.principal,
        "action": fields.action,
        "resource": fields.resource,
        "resource_account": fields.resource_account,
        "current_time": leash_policy::context::format_iso8601(fields.current_time),
        "context": context,
        "identity_policies": identity_policies,
        "resource_policy": resource_policy.unwrap_or(Json::Null),
    });
    if let (Some(role_arn), Some(object)) = (fields.role_arn, request.as_object_mut()) {
        object.insert("role_arn".into(), Json::String(role_arn.to_string()));
    }
    request
}

/// Reads the request file back as `leash sim` does and checks its
/// decision; `Err` says what went wrong (a bug in leash prove).
pub fn replay(request: &Json, expect_allowed: bool) -> Result<(), String> {
    let text = serde_json::to_string_pretty(request)
        .map_err(|error| format!("cannot serialize the counterexample: {error}"))?;
    let sim = read_request_text(&text, None)
        .map_err(|error| format!("the counterexample does not read back: {error}"))?;
    let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
    if decision.is_allowed() == expect_allowed {
        Ok(())
    } else {
        Err(format!(
            "the counterexample read back is {} instead of {}",
            if decision.is_allowed() {
                "allowed"
            } else {
                "denied"
            },
            if expect_allowed { "allowed" } else { "denied" },
        ))
    }
}
