//! The resource policy SAM writes for `Auth.ResourcePolicy` of an
//! `AWS::Serverless::Api` (and of an `Api` event of a function).
//!
//! For: turning SAM's structured form
//! (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-resourcepolicystatement.html>,
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-resourcepolicystatement.html>)
//! into the statements of the API's policy, as aws-sam-translator 1.115.0
//! generates them (its `SwaggerEditor.add_resource_policy`):
//! - `AwsAccountWhitelist` / `AwsAccountBlacklist`: `Allow` / `Deny`
//!   `execute-api:Invoke` to `{"AWS": [accounts]}`;
//! - `IpRangeWhitelist` / `IpRangeBlacklist`: `Allow` to `*`, and `Deny` to
//!   `*` when `NotIpAddress` / `IpAddress` `aws:SourceIp` matches the list;
//! - `SourceVpcWhitelist` / `SourceVpcBlacklist` (with the `Intrinsic...`
//!   lists): `Allow` to `*`, and `Deny` to `*` when `StringNotEquals` /
//!   `StringEquals` `aws:SourceVpc` (`vpc-...`) or `aws:SourceVpce`
//!   (`vpce-...`) matches;
//! - `CustomStatements`: appended as written.
//!
//! The `Resource` of generated statements is each method of the API that a
//! function's `Api` event declares, `execute-api:/STAGE/METHOD/PATH` (`ANY`
//! is `*`, path parameters `*`), or `execute-api:/STAGE/*` when no event
//! names the API (its methods come from a definition leash does not read).
//! Not for: OpenAPI `DefinitionBody` policies (`x-amazon-apigateway-policy`,
//! read by `openapi_resource_policy`).

use leash_policy::{Span, Value, ValueKind};

use super::{
    Extractor, PolicyKind, PolicyOrigin, array, object, policy_document, referenced_id, string,
};
use crate::resolve::resolve_with;
use crate::template::Resource;

impl Extractor<'_> {
    /// `Auth.ResourcePolicy` of an `AWS::Serverless::Api`.
    pub(super) fn serverless_api_resource_policy(&mut self, api: &Resource) {
        let Some(policy) = api
            .properties
            .get("Auth")
            .and_then(|a| a.get("ResourcePolicy"))
        else {
            return;
        };
        let stage = self.stage_name(api);
        let mut methods = Vec::new();
        for resource in &self.template.resources {
            if resource.resource_type.node != "AWS::Serverless::Function" {
                continue;
            }
            for event in api_events(resource) {
                let targets_this_api = event
                    .get("RestApiId")
                    .and_then(|id| referenced_id(id, self.template))
                    .is_some_and(|id| id == api.logical_id.node);
                if targets_this_api && let Some(method) = method_path(event) {
                    methods.push(method);
                }
            }
        }
        let resources: Vec<String> = if methods.is_empty() {
            vec![format!("execute-api:/{stage}/*")]
        } else {
            methods
                .iter()
                .map(|(method, path)| format!("execute-api:/{stage}/{method}{path}"))
                .collect()
        };
        self.api_policy(
            api,
            policy,
            "Properties.Auth.ResourcePolicy".into(),
            &resources,
        );
    }

    /// `Auth.ResourcePolicy` of a function's `Api` event: the same
    /// statements, on that event's method only, in the policy of the API the
    /// event names (SAM's implicit API when it names none).
    pub(super) fn api_event_resource_policies(&mut self, function: &Resource) {
        let events = function
            .properties
            .get("Events")
            .and_then(Value::as_object)
            .unwrap_or(&[]);
        for event in events {
            if event.value.get("Type").and_then(Value::as_str) != Some("Api") {
                continue;
            }
            let Some(properties) = event.value.get("Properties") else {
                continue;
            };
            let Some(policy) = properties.get("Auth").and_then(|a| a.get("ResourcePolicy")) else {
                continue;
            };
            let api = properties
                .get("RestApiId")
                .and_then(|id| referenced_id(id, self.template));
            let stage = api
                .as_deref()
                .and_then(|id| self.template.resource(id))
                .map_or_else(|| "Prod".to_string(), |r| self.stage_name(r));
            let Some((method, path)) = method_path(properties) else {
                continue;
            };
            let resources = vec![format!("execute-api:/{stage}/{method}{path}")];
            let before = self.policies.len();
            self.api_policy(
                function,
                policy,
                format!(
                    "Properties.Events.{}.Properties.Auth.ResourcePolicy",
                    event.key.node
                ),
                &resources,
            );
            let target = api.unwrap_or_else(|| "ServerlessRestApi".to_string());
            for added in self.policies.iter_mut().skip(before) {
                added.target_resources = vec![target.clone()];
            }
        }
    }

    fn stage_name(&self, api: &Resource) -> String {
        api.properties
            .get("StageName")
            .map(|s| resolve_with(s, self.template, self.context).value)
            .and_then(|s| s.as_str().map(str::to_string))
            .unwrap_or_else(|| "*".to_string())
    }

    /// Builds the policy of a `ResourcePolicyStatement` and records it.
    fn api_policy(
        &mut self,
        holder: &Resource,
        policy: &Value,
        path: String,
        resources: &[String],
    ) {
        let span = policy.span;
        let resource_list =
            |span: Span| array(span, resources.iter().map(|r| string(span, r)).collect());
        let invoke = |span: Span| string(span, "execute-api:Invoke");
        // SAM resolves a list given by an intrinsic (`!Ref` of a
        // `CommaDelimitedList` parameter) before it writes the statement:
        // the list's items, not a list holding the list.
        let (template, context) = (self.template, self.context);
        let listed = |value: &Value| as_list(&resolve_with(value, template, context).value);
        let mut statements = Vec::new();
        for (list, effect) in [
            ("AwsAccountWhitelist", "Allow"),
            ("AwsAccountBlacklist", "Deny"),
        ] {
            let Some(accounts) = policy.get(list).filter(|v| !is_empty(v)) else {
                continue;
            };
            let key_span = key_span(policy, list);
            statements.push(object(
                key_span,
                vec![
                    ("Effect", string(key_span, effect)),
                    ("Action", invoke(key_span)),
                    ("Resource", resource_list(key_span)),
                    (
                        "Principal",
                        object(key_span, vec![("AWS", listed(accounts))]),
                    ),
                ],
            ));
        }
        for (list, operator) in [
            ("IpRangeWhitelist", "NotIpAddress"),
            ("IpRangeBlacklist", "IpAddress"),
        ] {
            let Some(ranges) = policy.get(list).filter(|v| !is_empty(v)) else {
                continue;
            };
            let key_span = key_span(policy, list);
            let condition = object(
                key_span,
                vec![(
                    operator,
                    object(key_span, vec![("aws:SourceIp", listed(ranges))]),
                )],
            );
            push_allow_and_deny(&mut statements, key_span, &resource_list, condition);
        }
        for (lists, operator) in [
            (
                [
                    "SourceVpcBlacklist",
                    "IntrinsicVpcBlacklist",
                    "IntrinsicVpceBlacklist",
                ],
                "StringEquals",
            ),
            (
                [
                    "SourceVpcWhitelist",
                    "IntrinsicVpcWhitelist",
                    "IntrinsicVpceWhitelist",
                ],
                "StringNotEquals",
            ),
        ] {
            let mut vpcs = Vec::new();
            let mut endpoints = Vec::new();
            let mut key_span_found = None;
            for (index, list) in lists.iter().enumerate() {
                let Some(values) = policy.get(list) else {
                    continue;
                };
                key_span_found.get_or_insert_with(|| key_span(policy, list));
                for value in listed(values).as_array().unwrap_or(&[]) {
                    match index {
                        // Plain strings are sorted by prefix, as SAM does.
                        0 => match value.as_str() {
                            Some(text) if text.starts_with("vpce-") => {
                                endpoints.push(value.clone())
                            }
                            Some(text) if text.starts_with("vpc-") => vpcs.push(value.clone()),
                            _ => {}
                        },
                        1 => vpcs.push(value.clone()),
                        _ => endpoints.push(value.clone()),
                    }
                }
            }
            let Some(key_span) = key_span_found else {
                continue;
            };
            let mut entries = Vec::new();
            if !vpcs.is_empty() {
                entries.push(("aws:SourceVpc", array(key_span, vpcs)));
            }
            if !endpoints.is_empty() {
                entries.push(("aws:SourceVpce", array(key_span, endpoints)));
            }
            if entries.is_empty() {
                continue;
            }
            let condition = object(key_span, vec![(operator, object(key_span, entries))]);
            push_allow_and_deny(&mut statements, key_span, &resource_list, condition);
        }
        if let Some(custom) = policy.get("CustomStatements") {
            match &custom.kind {
                ValueKind::Array(items) => statements.extend(items.iter().cloned()),
                _ => statements.push(custom.clone()),
            }
        }
        if statements.is_empty() {
            return;
        }
        let document = policy_document(span, statements);
        let mut embedded = self.written(holder, &document, path, PolicyKind::Resource);
        embedded.origin = PolicyOrigin::Written;
        embedded.span = span;
        embedded.target_resources = vec![holder.logical_id.node.clone()];
        self.policies.push(embedded);
    }
}

/// An `Allow` to everyone and the `Deny` that takes it back under
/// `condition`, as SAM writes both for IP and VPC lists (SAM adds each only
/// once per policy).
fn push_allow_and_deny(
    statements: &mut Vec<Value>,
    span: Span,
    resource_list: &dyn Fn(Span) -> Value,
    condition: Value,
) {
    let base = |effect: &str| {
        vec![
            ("Effect", string(span, effect)),
            ("Action", string(span, "execute-api:Invoke")),
            ("Resource", resource_list(span)),
            ("Principal", string(span, "*")),
        ]
    };
    let allow = object(span, base("Allow"));
    if !statements.iter().any(|s| same_statement(s, &allow)) {
        statements.push(allow);
    }
    let mut deny = base("Deny");
    deny.push(("Condition", condition));
    statements.push(object(span, deny));
}

/// Equality that ignores spans (SAM compares the statements themselves).
fn same_statement(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (ValueKind::Object(x), ValueKind::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(m, n)| m.key.node == n.key.node && same_statement(&m.value, &n.value))
        }
        (ValueKind::Array(x), ValueKind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(m, n)| same_statement(m, n))
        }
        (x, y) => x == y,
    }
}

fn key_span(object: &Value, key: &str) -> Span {
    object
        .as_object()
        .and_then(|members| members.iter().rev().find(|m| m.key.node == key))
        .map_or(object.span, |m| m.key.span)
}

fn is_empty(value: &Value) -> bool {
    matches!(&value.kind, ValueKind::Array(items) if items.is_empty())
        || matches!(value.kind, ValueKind::Null)
}

fn as_list(value: &Value) -> Value {
    match value.kind {
        ValueKind::Array(_) => value.clone(),
        _ => array(value.span, vec![value.clone()]),
    }
}

/// The `Properties` of a function's `Api` events.
fn api_events(function: &Resource) -> Vec<&Value> {
    function
        .properties
        .get("Events")
        .and_then(Value::as_object)
        .unwrap_or(&[])
        .iter()
        .filter(|e| e.value.get("Type").and_then(Value::as_str) == Some("Api"))
        .filter_map(|e| e.value.get("Properties"))
        .collect()
}

/// `(METHOD, path)` of an `Api` event: `ANY` is `*`, other methods upper
/// case; each path parameter (`{id}`, `{proxy+}`) becomes `*`, as SAM
/// writes them in the policy's resources.
fn method_path(properties: &Value) -> Option<(String, String)> {
    let method = properties.get("Method")?.as_str()?;
    let path = properties.get("Path")?.as_str()?;
    let method = if method.eq_ignore_ascii_case("any")
        || method.eq_ignore_ascii_case("x-amazon-apigateway-any-method")
    {
        "*".to_string()
    } else {
        method.to_ascii_uppercase()
    };
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push('*');
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Some((method, out))
}
