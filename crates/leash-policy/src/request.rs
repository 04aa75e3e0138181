//! Reading `leash sim` request files, and writing decisions as JSON.
//!
//! For: turning the request file format of docs/architecture.md ("Request
//! file (sim)") into a [`Request`] and a [`PolicySet`], with positioned
//! errors, and serializing a [`Decision`] for the CLI.
//!
//! Not for: deciding (see `authz`) or printing diagnostics.
//!
//! # Format
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `principal` | string, required | caller: an ARN, a 12-digit account id (its root user), a service principal, `anonymous` |
//! | `principal_type` | string | `root`, `user`, `role_session`, `role`, `federated_user`, `service`, `federated_provider`, `canonical_user`, `anonymous`; derived from `principal` when absent |
//! | `role_arn` | string | for a role session: the role's full ARN (with path) |
//! | `action` | string, required | `service:Action` |
//! | `resource` | string, required | resource ARN or `*` |
//! | `resource_account` | string | owning account; default: from the ARN, else the principal's account |
//! | `context` | object | key -> string, number, boolean, or array of them (multivalued) |
//! | `current_time` | string or number | request time (ISO 8601 or epoch seconds); default: now |
//! | `identity_policies` | array | policies (inline object or path string) |
//! | `permissions_boundary`, `session_policy`, `resource_policy`, `vpc_endpoint_policy` | policy or null | |
//! | `resource_policy_kind` | string | `auto` (default), `standard`, `role_trust`, `key_policy` |
//! | `scps`, `rcps` | array of arrays | one list of policies per level, root first |
//! | `principal_in_management_account` (alias `is_management_account`) | bool | SCPs do not apply |
//! | `resource_in_management_account` | bool | RCPs do not apply |
//! | `principal_is_service_linked_role` | bool | SCPs and RCPs do not apply |
//!
//! A policy given as a string is a path relative to the request file, read
//! through the caller's loader.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json, json};

use crate::authz::{Decision, LabeledPolicy, PolicySet, ResourcePolicyKind, StatementRef};
use crate::context::{ContextValue, PrincipalType, Request, RequestContext};
use crate::json::parse_json;
use crate::matching::split_arn;
use crate::parse::parse_policy;
use crate::span::Span;
use crate::value::{Value, ValueKind};

/// Which text an error's span points into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorSource {
    /// The request file itself.
    Request,
    /// A policy file referenced by path (as written in the request).
    PolicyFile(String),
}

/// A problem with a request file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RequestError {
    pub message: String,
    pub span: Span,
    pub source_file: ErrorSource,
}

impl RequestError {
    fn at(span: Span, message: impl Into<String>) -> Self {
        RequestError {
            message: message.into(),
            span,
            source_file: ErrorSource::Request,
        }
    }
}

/// A request read from a file: the request and its policies.
#[derive(Clone, Debug)]
pub struct SimRequest {
    pub request: Request,
    pub policies: PolicySet,
}

/// Reads policy files named in a request; `path` is as written.
pub trait PolicyLoader {
    fn load(&mut self, path: &str) -> Result<String, String>;
}

/// Loads paths relative to a directory (the request file's).
pub struct DirectoryLoader {
    pub base: PathBuf,
}

impl PolicyLoader for DirectoryLoader {
    fn load(&mut self, path: &str) -> Result<String, String> {
        crate::source_text::read_file(&self.base.join(path))
    }
}

/// A loader that refuses every path (for inline-only requests).
pub struct NoFiles;

impl PolicyLoader for NoFiles {
    fn load(&mut self, path: &str) -> Result<String, String> {
        Err(format!("policy paths are not allowed here: `{path}`"))
    }
}

const FIELDS: &[&str] = &[
    "principal",
    "principal_type",
    "role_arn",
    "action",
    "resource",
    "resource_account",
    "context",
    "current_time",
    "identity_policies",
    "permissions_boundary",
    "session_policy",
    "resource_policy",
    "resource_policy_kind",
    "vpc_endpoint_policy",
    "scps",
    "rcps",
    "principal_in_management_account",
    "is_management_account",
    "resource_in_management_account",
    "principal_is_service_linked_role",
];

/// Reads a request from JSON text; policy paths resolve against `base_dir`
/// (or are refused when it is `None`).
pub fn read_request_text(text: &str, base_dir: Option<&Path>) -> Result<SimRequest, RequestError> {
    let value = parse_json(text).map_err(|error| RequestError::at(error.span, error.message))?;
    match base_dir {
        Some(base) => read_request(
            &value,
            &mut DirectoryLoader {
                base: base.to_path_buf(),
            },
        ),
        None => read_request(&value, &mut NoFiles),
    }
}

/// Reads a request file from disk.
pub fn read_request_file(path: &Path) -> Result<SimRequest, RequestError> {
    let text = crate::source_text::read_file(path)
        .map_err(|message| RequestError::at(Span::default(), message))?;
    let base = path.parent().unwrap_or(Path::new("."));
    read_request_text(&text, Some(base))
}

/// Reads a request from a document tree.
pub fn read_request(
    value: &Value,
    loader: &mut dyn PolicyLoader,
) -> Result<SimRequest, RequestError> {
    let Some(members) = value.as_object() else {
        return Err(RequestError::at(
            value.span,
            format!("a request must be an object, found {}", value.kind_name()),
        ));
    };
    for member in members {
        if !FIELDS.contains(&member.key.node.as_str()) {
            return Err(RequestError::at(
                member.key.span,
                format!("unknown field `{}` in request", member.key.node),
            ));
        }
    }
    let principal = required_string(value, "principal")?;
    let action = required_string(value, "action")?;
    let resource = required_string(value, "resource")?;
    if action.node.is_empty() || !action.node.contains(':') && action.node != "*" {
        return Err(RequestError::at(
            action.span,
            format!("action `{}` must be written `service:Action`", action.node),
        ));
    }
    if resource.node != "*" && split_arn(&resource.node).is_none_or(|parts| parts[0] != "arn") {
        return Err(RequestError::at(
            resource.span,
            format!(
                "resource `{}` is not an ARN (`arn:partition:service:region:account:resource`) or `*`",
                resource.node
            ),
        ));
    }
    let mut request = Request::new(
        principal.node.clone(),
        action.node.clone(),
        resource.node.clone(),
    );
    let principal_type = match optional_string(value, "principal_type")? {
        Some(text) => {
            let Some(principal_type) = PrincipalType::parse(&text.node) else {
                return Err(RequestError::at(
                    text.span,
                    format!("unknown principal type `{}`", text.node),
                ));
            };
            Some(principal_type)
        }
        None => {
            if PrincipalType::derive(request.principal()).is_none() {
                return Err(RequestError::at(
                    principal.span,
                    format!(
                        "cannot tell what kind of principal `{}` is; give an ARN, an account id, a service principal or `anonymous`, or set `principal_type`",
                        principal.node
                    ),
                ));
            }
            None
        }
    };
    let role_arn = optional_string(value, "role_arn")?.map(|r| r.node);
    let resource_account = optional_string(value, "resource_account")?.map(|a| a.node);
    if let Some(context) = field(value, "context") {
        request = request.with_context(read_context(context)?);
    }
    let time = match field(value, "current_time") {
        Some(time) => read_time(time)?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0),
    };
    request = request.with_settings(principal_type, role_arn, resource_account, time);
    let management = optional_bool(value, "principal_in_management_account")?
        .or(optional_bool(value, "is_management_account")?);
    request = request
        .with_management_account(management.unwrap_or(false))
        .with_resource_in_management_account(
            optional_bool(value, "resource_in_management_account")?.unwrap_or(false),
        )
        .with_service_linked_role(
            optional_bool(value, "principal_is_service_linked_role")?.unwrap_or(false),
        );

    let mut reader = PolicyReader { loader };
    let mut policies = PolicySet::new();
    if let Some(list) = field(value, "identity_policies") {
        for (index, item) in array(list, "identity_policies")?.iter().enumerate() {
            policies
                .identity_policies
                .push(reader.policy(item, format!("identity_policies[{index}]"))?);
        }
    }
    policies.permissions_boundary = reader.optional_policy(value, "permissions_boundary")?;
    policies.session_policy = reader.optional_policy(value, "session_policy")?;
    policies.resource_policy = reader.optional_policy(value, "resource_policy")?;
    policies.vpc_endpoint_policy = reader.optional_policy(value, "vpc_endpoint_policy")?;
    if let Some(kind) = optional_string(value, "resource_policy_kind")? {
        policies.resource_policy_kind = match kind.node.as_str() {
            "auto" => ResourcePolicyKind::Auto,
            "standard" => ResourcePolicyKind::Standard,
            "role_trust" => ResourcePolicyKind::RoleTrust,
            "key_policy" => ResourcePolicyKind::KeyPolicy,
            other => {
                return Err(RequestError::at(
                    kind.span,
                    format!(
                        "unknown resource policy kind `{other}`; expected `auto`, `standard`, `role_trust` or `key_policy`"
                    ),
                ));
            }
        };
    }
    policies.scps = reader.levels(value, "scps")?;
    policies.rcps = reader.levels(value, "rcps")?;
    Ok(SimRequest { request, policies })
}

struct PolicyReader<'a> {
    loader: &'a mut dyn PolicyLoader,
}

impl PolicyReader<'_> {
    fn optional_policy(
        &mut self,
        value: &Value,
        name: &str,
    ) -> Result<Option<LabeledPolicy>, RequestError> {
        match field(value, name) {
            None => Ok(None),
            Some(item) if matches!(item.kind, ValueKind::Null) => Ok(None),
            Some(item) => self.policy(item, name.to_string()).map(Some),
        }
    }

    fn levels(
        &mut self,
        value: &Value,
        name: &str,
    ) -> Result<Vec<Vec<LabeledPolicy>>, RequestError> {
        let Some(list) = field(value, name) else {
            return Ok(Vec::new());
        };
        if matches!(list.kind, ValueKind::Null) {
            return Ok(Vec::new());
        }
        let mut levels = Vec::new();
        for (level, item) in array(list, name)?.iter().enumerate() {
            let Some(policies) = item.as_array() else {
                return Err(RequestError::at(
                    item.span,
                    format!(
                        "`{name}` holds one array of policies per level, found {}",
                        item.kind_name()
                    ),
                ));
            };
            let mut read = Vec::new();
            for (index, policy) in policies.iter().enumerate() {
                read.push(self.policy(policy, format!("{name}[{level}][{index}]"))?);
            }
            levels.push(read);
        }
        Ok(levels)
    }

    fn policy(&mut self, item: &Value, label: String) -> Result<LabeledPolicy, RequestError> {
        match &item.kind {
            ValueKind::Object(_) => {
                // A policy AWS would reject (an empty `Statement`, say) is still
                // evaluated when it could be read: `sim` answers "what would this
                // do", `check` reports the errors.
                let parsed = parse_policy(item);
                match (
                    parsed.policy,
                    parsed.diagnostics.iter().find(|d| d.is_error()),
                ) {
                    (Some(policy), _) => Ok(LabeledPolicy::new(label, policy)),
                    (None, Some(error)) => Err(RequestError::at(
                        error.span,
                        format!("in `{label}`: {}", error.message),
                    )),
                    (None, None) => Err(RequestError::at(
                        item.span,
                        format!("`{label}` is not a policy"),
                    )),
                }
            }
            ValueKind::String(path) => {
                let text = self
                    .loader
                    .load(path)
                    .map_err(|message| RequestError::at(item.span, message))?;
                let in_file = |span: Span, message: String| RequestError {
                    message,
                    span,
                    source_file: ErrorSource::PolicyFile(path.clone()),
                };
                let value =
                    parse_json(&text).map_err(|error| in_file(error.span, error.message))?;
                let parsed = parse_policy(&value);
                match (
                    parsed.policy,
                    parsed.diagnostics.iter().find(|d| d.is_error()),
                ) {
                    (Some(policy), _) => Ok(LabeledPolicy::new(path.clone(), policy)),
                    (None, Some(error)) => Err(in_file(error.span, error.message.clone())),
                    (None, None) => Err(in_file(value.span, format!("`{path}` is not a policy"))),
                }
            }
            _ => Err(RequestError::at(
                item.span,
                format!(
                    "`{label}` must be a policy object or a path string, found {}",
                    item.kind_name()
                ),
            )),
        }
    }
}

fn field<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value.get(name)
}

fn required_string(
    value: &Value,
    name: &str,
) -> Result<crate::span::Spanned<String>, RequestError> {
    match optional_string(value, name)? {
        Some(text) => Ok(text),
        None => Err(RequestError::at(
            value.span,
            format!("request is missing the field `{name}`"),
        )),
    }
}

fn optional_string(
    value: &Value,
    name: &str,
) -> Result<Option<crate::span::Spanned<String>>, RequestError> {
    match field(value, name) {
        None => Ok(None),
        Some(item) => match &item.kind {
            ValueKind::Null => Ok(None),
            ValueKind::String(text) => Ok(Some(crate::span::Spanned::new(text.clone(), item.span))),
            _ => Err(RequestError::at(
                item.span,
                format!("`{name}` must be a string, found {}", item.kind_name()),
            )),
        },
    }
}

fn optional_bool(value: &Value, name: &str) -> Result<Option<bool>, RequestError> {
    match field(value, name) {
        None => Ok(None),
        Some(item) => match item.kind {
            ValueKind::Null => Ok(None),
            ValueKind::Bool(flag) => Ok(Some(flag)),
            _ => Err(RequestError::at(
                item.span,
                format!("`{name}` must be true or false, found {}", item.kind_name()),
            )),
        },
    }
}

fn array<'a>(value: &'a Value, name: &str) -> Result<&'a [Value], RequestError> {
    value.as_array().ok_or_else(|| {
        RequestError::at(
            value.span,
            format!("`{name}` must be an array, found {}", value.kind_name()),
        )
    })
}

fn scalar_text(item: &Value, key: &str) -> Result<String, RequestError> {
    match &item.kind {
        ValueKind::String(text) => Ok(text.clone()),
        ValueKind::Number(text) => Ok(text.clone()),
        ValueKind::Bool(flag) => Ok(flag.to_string()),
        _ => Err(RequestError::at(
            item.span,
            format!(
                "context key `{key}` takes a string, number, boolean or an array of them, found {}",
                item.kind_name()
            ),
        )),
    }
}

fn read_context(value: &Value) -> Result<RequestContext, RequestError> {
    if matches!(value.kind, ValueKind::Null) {
        return Ok(RequestContext::new());
    }
    let Some(members) = value.as_object() else {
        return Err(RequestError::at(
            value.span,
            format!("`context` must be an object, found {}", value.kind_name()),
        ));
    };
    let mut context = RequestContext::new();
    for member in members {
        let key = &member.key.node;
        let item = &member.value;
        let context_value = match &item.kind {
            ValueKind::Array(items) => ContextValue::Multiple(
                items
                    .iter()
                    .map(|element| scalar_text(element, key))
                    .collect::<Result<_, _>>()?,
            ),
            _ => ContextValue::Single(scalar_text(item, key)?),
        };
        context.insert(key.clone(), context_value);
    }
    Ok(context)
}

fn read_time(value: &Value) -> Result<i64, RequestError> {
    let text = match &value.kind {
        ValueKind::String(text) | ValueKind::Number(text) => text,
        _ => {
            return Err(RequestError::at(
                value.span,
                format!(
                    "`current_time` must be an ISO 8601 string or epoch seconds, found {}",
                    value.kind_name()
                ),
            ));
        }
    };
    crate::condition::parse_date(text)
        .and_then(|millis| i64::try_from(millis.div_euclid(1000)).ok())
        .ok_or_else(|| {
            RequestError::at(value.span, format!("`current_time` `{text}` is not a date"))
        })
}

/// The decision as the CLI prints it with `--json`:
///
/// ```json
/// {"decision": "deny", "reason": "implicit_deny",
///  "cause": {"code": "permissions_boundary", "message": "..."},
///  "deciding": [{"policy": "identity_policies[0]", "policy_kind": "identity",
///                "statement": 0, "sid": "Read", "effect": "Allow",
///                "span": {"start": 10, "end": 90}}],
///  "near_misses": [{"policy": ..., "failed_condition":
///                   {"operator": "StringEquals", "key": "aws:SourceVpc", "span": {...}}}]}
/// ```
///
/// `statement` is the 0-based index in its policy; `level` is added for SCPs
/// and RCPs.
pub fn decision_to_json(decision: &Decision) -> Json {
    let mut object = Map::new();
    object.insert("decision".into(), json!(decision.decision.as_str()));
    object.insert("reason".into(), json!(decision.reason.as_str()));
    if let Some(cause) = decision.cause {
        object.insert(
            "cause".into(),
            json!({"code": cause.as_str(), "message": cause.describe()}),
        );
    }
    object.insert(
        "deciding".into(),
        Json::Array(decision.deciding.iter().map(statement_json).collect()),
    );
    object.insert(
        "near_misses".into(),
        Json::Array(
            decision
                .near_misses
                .iter()
                .map(|miss| {
                    let mut entry = statement_json(&miss.statement);
                    if let Json::Object(map) = &mut entry {
                        map.insert(
                            "failed_condition".into(),
                            json!({
                                "operator": &*miss.failed.operator,
                                "key": &*miss.failed.key,
                                "span": span_json(miss.failed.span),
                            }),
                        );
                    }
                    entry
                })
                .collect(),
        ),
    );
    Json::Object(object)
}

fn statement_json(statement: &StatementRef) -> Json {
    let mut map = Map::new();
    map.insert("policy".into(), json!(&*statement.policy_label));
    map.insert("policy_kind".into(), json!(statement.policy_kind.as_str()));
    match statement.policy_kind {
        crate::authz::PolicyKind::Scp { level } | crate::authz::PolicyKind::Rcp { level } => {
            map.insert("level".into(), json!(level));
        }
        _ => {}
    }
    map.insert("statement".into(), json!(statement.statement_index));
    map.insert(
        "sid".into(),
        statement
            .sid
            .as_ref()
            .map_or(Json::Null, |sid| json!(&**sid)),
    );
    map.insert("effect".into(), json!(statement.effect.as_str()));
    map.insert("span".into(), span_json(statement.span));
    Json::Object(map)
}

fn span_json(span: Span) -> Json {
    json!({"start": span.start, "end": span.end})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::authz::PreparedPolicySet;

    const REQUEST: &str = r#"{
      "principal": "arn:aws:iam::111122223333:role/orders-create",
      "action": "dynamodb:PutItem",
      "resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
      "resource_account": "111122223333",
      "context": {"aws:SecureTransport": "true", "aws:TagKeys": ["team"], "n": 3},
      "identity_policies": [{"Version": "2012-10-17", "Statement": [
        {"Sid": "Put", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}]}],
      "permissions_boundary": null,
      "session_policy": null,
      "resource_policy": null,
      "scps": [[], []],
      "rcps": [[]]
    }"#;

    #[test]
    fn reads_the_documented_example() {
        let sim = read_request_text(REQUEST, None).unwrap();
        assert_eq!(sim.request.principal_type(), PrincipalType::Role);
        assert_eq!(sim.policies.identity_policies.len(), 1);
        assert_eq!(sim.policies.scps.len(), 2);
        let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
        let json = decision_to_json(&decision);
        assert_eq!(json["decision"], "allow");
        assert_eq!(json["reason"], "allowed");
        assert_eq!(json["deciding"][0]["sid"], "Put");
        assert_eq!(json["deciding"][0]["policy"], "identity_policies[0]");
    }

    #[test]
    fn positioned_errors() {
        let error = read_request_text(r#"{"principal": 5}"#, None).unwrap_err();
        assert_eq!(
            error.message,
            "`principal` must be a string, found a number"
        );
        assert_eq!(error.span, Span::new(14, 15));
        let error = read_request_text(
            r#"{"principal": "arn:aws:iam::1:user/a", "action": "s3:GetObject", "resource": "bucket", "extra": 1}"#,
            None,
        )
        .unwrap_err();
        assert!(
            error.message.contains("unknown field `extra`"),
            "{}",
            error.message
        );
        let error = read_request_text(
            r#"{"principal": "arn:aws:iam::1:user/a", "action": "s3:GetObject", "resource": "bucket"}"#,
            None,
        )
        .unwrap_err();
        assert!(error.message.contains("is not an ARN"), "{}", error.message);
        let error = read_request_text(
            r#"{"principal": "arn:aws:iam::1:user/a", "action": "s3:GetObject", "resource": "*", "identity_policies": ["p.json"]}"#,
            None,
        )
        .unwrap_err();
        assert!(error.message.contains("not allowed"), "{}", error.message);
    }

    #[test]
    fn policies_by_path() {
        struct Memory;
        impl PolicyLoader for Memory {
            fn load(&mut self, path: &str) -> Result<String, String> {
                match path {
                    "boundary.json" => Ok(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#.into()),
                    _ => Err(format!("no `{path}`")),
                }
            }
        }
        let text = r#"{"principal": "arn:aws:iam::111122223333:user/a", "action": "dynamodb:GetItem", "resource": "*",
            "identity_policies": [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
            "permissions_boundary": "boundary.json"}"#;
        let value = parse_json(text).unwrap();
        let sim = read_request(&value, &mut Memory).unwrap();
        assert_eq!(
            sim.policies.permissions_boundary.as_ref().unwrap().label,
            "boundary.json"
        );
        let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
        let json = decision_to_json(&decision);
        assert_eq!(json["reason"], "implicit_deny");
        assert_eq!(json["cause"]["code"], "permissions_boundary");
    }
}
