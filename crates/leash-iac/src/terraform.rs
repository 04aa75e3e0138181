//! Finds the IAM policies in a Terraform plan read as JSON
//! (`terraform show -json plan.out`), with spans into the plan file.
//!
//! For: [`is_terraform_plan`] (is this JSON document a plan?) and
//! [`extract_terraform_plan`] / [`extract_terraform_policies`] (the policy
//! documents of `aws_iam_role`, `aws_iam_policy`, `aws_iam_role_policy`,
//! `aws_iam_user_policy`, `aws_iam_group_policy`, `aws_s3_bucket_policy`,
//! `aws_sqs_queue_policy`, `aws_sns_topic_policy`, `aws_kms_key`, the
//! statement an `aws_lambda_permission` adds,
//! and the roles each policy reaches through `aws_iam_role_policy_attachment`
//! and `aws_iam_policy_attachment`). Not for: HCL source files, Terraform
//! state files, or judging the policies (`leash-lint`).
//!
//! The plan keeps each policy document as a JSON *string*
//! (`"policy": "{\"Version\":...}"`). The string is decoded with a table
//! from every decoded byte back to the plan bytes it came from (an escape
//! such as `\"` or `\u0041` is several plan bytes for one decoded byte), the
//! decoded text is parsed, and every span of the result is moved through the
//! table: a finding points at the characters of the plan file itself.
//!
//! Values Terraform knows only after apply are absent from `planned_values`
//! (and `true` in `resource_changes[].change.after_unknown`): a policy
//! document that is unknown cannot be read and is listed in
//! [`TerraformExtraction::unread`]; an unknown `source_arn` or
//! `source_account` of a Lambda permission still becomes its condition,
//! with the value `*`.
//!
//! Plan format: <https://developer.hashicorp.com/terraform/internals/json-format>.

use std::collections::HashMap;

use leash_policy::arn::LambdaFunction;
use leash_policy::json::JsonError;
#[cfg(test)]
use leash_policy::json::parse_json;

pub use crate::policy_string::parse_embedded_json;
use leash_policy::{Member, Span, Spanned, Value, ValueKind};

use crate::extract::{PolicyKind, PolicyOrigin};

/// One policy document found in (or synthesized from) a Terraform plan.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformPolicy {
    /// The resource address, e.g. `aws_iam_role.orders` or
    /// `module.api.aws_s3_bucket_policy.assets`.
    pub address: String,
    pub resource_type: String,
    /// The attribute the document was read from, e.g. `assume_role_policy`,
    /// `inline_policy[0].policy`; empty for a synthesized statement.
    pub path: String,
    pub kind: PolicyKind,
    /// [`PolicyOrigin::Written`], or [`PolicyOrigin::LambdaPermission`].
    pub origin: PolicyOrigin,
    /// The policy, spans into the plan file.
    pub document: Value,
    /// Span of the plan text the policy was read from or synthesized for.
    pub span: Span,
    /// Roles the policy applies to (identity and trust policies): addresses
    /// of roles in the plan, or role names as written when the role is not
    /// in the plan.
    pub attached_roles: Vec<String>,
    /// For resource policies: the bucket or function governed.
    pub target_resources: Vec<String>,
    /// Attributes of a synthesized statement that were unknown at plan time.
    pub unknown_attributes: Vec<String>,
}

/// A policy attribute whose string is not a JSON document.
#[derive(Clone, Debug, PartialEq)]
pub struct InvalidTerraformPolicy {
    pub address: String,
    pub resource_type: String,
    pub path: String,
    /// The parse error, its span moved into the plan file.
    pub error: JsonError,
}

/// A policy attribute Terraform knows only after apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadTerraformPolicy {
    pub address: String,
    pub resource_type: String,
    pub path: String,
}

/// Everything read from a plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TerraformExtraction {
    pub policies: Vec<TerraformPolicy>,
    pub invalid: Vec<InvalidTerraformPolicy>,
    pub unread: Vec<UnreadTerraformPolicy>,
}

/// Whether a JSON document is a Terraform plan: a top-level
/// `format_version` with `planned_values` or `resource_changes`.
pub fn is_terraform_plan(value: &Value) -> bool {
    value.get("format_version").is_some()
        && (value.get("planned_values").is_some() || value.get("resource_changes").is_some())
}

/// The policy documents of a plan (see [`extract_terraform_plan`]).
pub fn extract_terraform_policies(text: &str, plan: &Value) -> Vec<TerraformPolicy> {
    extract_terraform_plan(text, plan).policies
}

/// Reads every policy of a plan. `plan` must be `text` parsed with
/// `leash_policy::json::parse_json`: embedded documents are located through
/// its spans.
pub fn extract_terraform_plan(text: &str, plan: &Value) -> TerraformExtraction {
    let resources = planned_resources(plan);
    let configuration = configuration_references(plan);
    let unknown = after_unknown(plan);
    let reader = Reader {
        text,
        resources: &resources,
        configuration: &configuration,
        unknown: &unknown,
    };
    let mut out = TerraformExtraction::default();
    for resource in &resources {
        reader.read(resource, &mut out);
    }
    out
}

/// Whether a JSON document is a Terraform configuration in JSON syntax (a
/// `*.tf.json` file, such as `leash design --format terraform` writes): a
/// top-level `resource` object, and no `Statement` (a policy).
/// Syntax: <https://developer.hashicorp.com/terraform/language/syntax/json>.
pub fn is_terraform_configuration(value: &Value) -> bool {
    value.get("Statement").is_none() && value.get("resource").and_then(Value::as_object).is_some()
}

/// Reads every policy of a Terraform JSON configuration's
/// `resource.TYPE.NAME` blocks, with the same table of resource types and
/// attributes as a plan. Interpolations (`${aws_iam_role.x.id}`) stay as
/// written: a configuration is not evaluated, so references between
/// resources are not followed. A block written as an array of objects
/// (also valid JSON syntax) is read object by object.
pub fn extract_terraform_configuration(text: &str, configuration: &Value) -> TerraformExtraction {
    let mut resources = Vec::new();
    for by_type in configuration
        .get("resource")
        .and_then(Value::as_object)
        .unwrap_or_default()
    {
        for by_name in by_type.value.as_object().unwrap_or_default() {
            let blocks: Vec<&Value> = match by_name.value.as_array() {
                Some(blocks) => blocks.iter().collect(),
                None => vec![&by_name.value],
            };
            for values in blocks.into_iter().filter(|v| v.as_object().is_some()) {
                resources.push(PlannedResource {
                    address: format!("{}.{}", by_type.key.node, by_name.key.node),
                    address_span: by_name.key.span,
                    resource_type: by_type.key.node.clone(),
                    values,
                });
            }
        }
    }
    let references = HashMap::new();
    let unknown = HashMap::new();
    let reader = Reader {
        text,
        resources: &resources,
        configuration: &references,
        unknown: &unknown,
    };
    let mut out = TerraformExtraction::default();
    for resource in &resources {
        reader.read(resource, &mut out);
    }
    out
}

/// One managed resource with its planned values.
pub(crate) struct PlannedResource<'a> {
    pub(crate) address: String,
    /// Span of the `"address"` value (the block's name in a `.tf.json`):
    /// where findings about the resource as a whole point.
    pub(crate) address_span: Span,
    pub(crate) resource_type: String,
    pub(crate) values: &'a Value,
}

struct Reader<'a> {
    text: &'a str,
    resources: &'a [PlannedResource<'a>],
    /// Configuration address -> attribute -> resource addresses referenced.
    configuration: &'a HashMap<String, HashMap<String, Vec<String>>>,
    /// Resource address -> `after_unknown`.
    unknown: &'a HashMap<String, &'a Value>,
}

impl Reader<'_> {
    fn read(&self, resource: &PlannedResource, out: &mut TerraformExtraction) {
        let values = resource.values;
        match resource.resource_type.as_str() {
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role
            "aws_iam_role" => {
                let roles = vec![resource.address.clone()];
                self.document(
                    resource,
                    "assume_role_policy",
                    values.get("assume_role_policy"),
                    PolicyKind::Trust,
                    &roles,
                    &[],
                    out,
                );
                if let Some(blocks) = values.get("inline_policy").and_then(Value::as_array) {
                    for (index, block) in blocks.iter().enumerate() {
                        self.document(
                            resource,
                            &format!("inline_policy[{index}].policy"),
                            block.get("policy"),
                            PolicyKind::Identity,
                            &roles,
                            &[],
                            out,
                        );
                    }
                }
            }
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_policy
            "aws_iam_policy" => {
                let roles = self.roles_attaching(resource);
                self.document(
                    resource,
                    "policy",
                    values.get("policy"),
                    PolicyKind::Identity,
                    &roles,
                    &[],
                    out,
                );
            }
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy
            "aws_iam_role_policy" => {
                let roles = self.role(resource, "role").into_iter().collect::<Vec<_>>();
                self.document(
                    resource,
                    "policy",
                    values.get("policy"),
                    PolicyKind::Identity,
                    &roles,
                    &[],
                    out,
                );
            }
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_policy
            "aws_s3_bucket_policy" => {
                let buckets = match values.get("bucket").and_then(Value::as_str) {
                    Some(bucket) => vec![bucket.to_string()],
                    None => self.references(resource, "bucket"),
                };
                self.document(
                    resource,
                    "policy",
                    values.get("policy"),
                    PolicyKind::Resource,
                    &[],
                    &buckets,
                    out,
                );
            }
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_user_policy
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_group_policy
            // (the principal's name as written; users and groups are not
            // linked to their plan addresses)
            "aws_iam_user_policy" | "aws_iam_group_policy" => {
                self.document(
                    resource,
                    "policy",
                    values.get("policy"),
                    PolicyKind::Identity,
                    &[],
                    &[],
                    out,
                );
            }
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue_policy
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sns_topic_policy
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key
            "aws_sqs_queue_policy" | "aws_sns_topic_policy" | "aws_kms_key" => {
                let target_attribute = match resource.resource_type.as_str() {
                    "aws_sqs_queue_policy" => Some("queue_url"),
                    "aws_sns_topic_policy" => Some("arn"),
                    _ => None,
                };
                let targets = match target_attribute {
                    Some(attribute) => match values.get(attribute).and_then(Value::as_str) {
                        Some(target) => vec![target.to_string()],
                        None => self.references(resource, attribute),
                    },
                    None => vec![resource.address.clone()],
                };
                self.document(
                    resource,
                    "policy",
                    values.get("policy"),
                    PolicyKind::Resource,
                    &[],
                    &targets,
                    out,
                );
            }
            "aws_lambda_permission" => self.lambda_permission(resource, out),
            _ => {}
        }
    }

    /// Parses one policy attribute, or records why it cannot be read.
    #[allow(clippy::too_many_arguments)]
    fn document(
        &self,
        resource: &PlannedResource,
        path: &str,
        value: Option<&Value>,
        kind: PolicyKind,
        roles: &[String],
        targets: &[String],
        out: &mut TerraformExtraction,
    ) {
        let Some(value) = value.filter(|v| !matches!(v.kind, ValueKind::Null)) else {
            if self.is_unknown(resource, path) {
                out.unread.push(UnreadTerraformPolicy {
                    address: resource.address.clone(),
                    resource_type: resource.resource_type.clone(),
                    path: path.to_string(),
                });
            }
            return;
        };
        // An empty string is how the provider shows "no policy" in blocks.
        if value.as_str().is_none_or(|s| s.trim().is_empty()) {
            return;
        }
        match parse_embedded_json(self.text, value) {
            Some(Ok(document)) => out.policies.push(TerraformPolicy {
                address: resource.address.clone(),
                resource_type: resource.resource_type.clone(),
                path: path.to_string(),
                kind,
                origin: PolicyOrigin::Written,
                document,
                span: value.span,
                attached_roles: roles.to_vec(),
                target_resources: targets.to_vec(),
                unknown_attributes: Vec::new(),
            }),
            Some(Err(error)) => out.invalid.push(InvalidTerraformPolicy {
                address: resource.address.clone(),
                resource_type: resource.resource_type.clone(),
                path: path.to_string(),
                error,
            }),
            // The plan's spans do not cover a string token: not this text.
            None => {}
        }
    }

    /// Whether `after_unknown` marks an attribute path (`a`, `a[0].b`) unknown.
    fn is_unknown(&self, resource: &PlannedResource, path: &str) -> bool {
        let Some(mut node) = self.unknown.get(&resource.address).copied() else {
            return false;
        };
        for part in path.split('.') {
            let (name, index) = match part.split_once('[') {
                Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (part, None),
            };
            let Some(next) = node.get(name) else {
                return false;
            };
            node = match index {
                Some(i) => match next.as_array().and_then(|items| items.get(i)) {
                    Some(item) => item,
                    None => return matches!(next.kind, ValueKind::Bool(true)),
                },
                None => next,
            };
            if matches!(node.kind, ValueKind::Bool(true)) {
                return true;
            }
        }
        false
    }

    /// The role a resource names in `attribute`: the address of the plan's
    /// role with that name, the name itself, or (unknown at plan time) the
    /// role the configuration refers to.
    fn role(&self, resource: &PlannedResource, attribute: &str) -> Option<String> {
        match resource.values.get(attribute).and_then(Value::as_str) {
            Some(name) => Some(self.role_by_name(name)),
            None => self
                .references(resource, attribute)
                .into_iter()
                .find(|r| r.starts_with("aws_iam_role.") || r.contains(".aws_iam_role.")),
        }
    }

    fn role_by_name(&self, name: &str) -> String {
        // `role` accepts a name; an ARN ends with `role/<path>/<name>`.
        let name = name.rsplit('/').next().unwrap_or(name);
        self.resources
            .iter()
            .find(|r| {
                r.resource_type == "aws_iam_role"
                    && r.values.get("name").and_then(Value::as_str) == Some(name)
            })
            .map(|r| r.address.clone())
            .unwrap_or_else(|| name.to_string())
    }

    /// Roles an `aws_iam_policy` is attached to by the plan's attachments:
    /// matched by known ARN, or by the configuration's reference.
    fn roles_attaching(&self, policy: &PlannedResource) -> Vec<String> {
        let arn = policy.values.get("arn").and_then(Value::as_str);
        let mut roles = Vec::new();
        for attachment in self.resources {
            let is_attachment = matches!(
                attachment.resource_type.as_str(),
                "aws_iam_role_policy_attachment" | "aws_iam_policy_attachment"
            );
            if !is_attachment {
                continue;
            }
            let by_arn =
                arn.is_some() && attachment.values.get("policy_arn").and_then(Value::as_str) == arn;
            let by_reference = self
                .references(attachment, "policy_arn")
                .iter()
                .any(|r| *r == strip_indexes(&policy.address));
            if !(by_arn || by_reference) {
                continue;
            }
            if attachment.resource_type == "aws_iam_role_policy_attachment" {
                roles.extend(self.role(attachment, "role"));
            } else if let Some(names) = attachment.values.get("roles").and_then(Value::as_array) {
                roles.extend(
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|n| self.role_by_name(n)),
                );
            }
        }
        roles.sort();
        roles.dedup();
        roles
    }

    /// Resource addresses (`type.name`, module prefix kept) that the
    /// configuration of `resource` refers to in `attribute`.
    fn references(&self, resource: &PlannedResource, attribute: &str) -> Vec<String> {
        self.configuration
            .get(&strip_indexes(&resource.address))
            .and_then(|attributes| attributes.get(attribute))
            .cloned()
            .unwrap_or_default()
    }

    /// `aws_lambda_permission` as the statement Lambda adds to the
    /// function's resource-based policy, as `leash-iac` does for
    /// `AWS::Lambda::Permission`:
    /// <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_permission>,
    /// <https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>.
    /// `source_arn` becomes `ArnLike aws:SourceArn`, `source_account`
    /// `StringEquals aws:SourceAccount`, `principal_org_id`
    /// `StringEquals aws:PrincipalOrgID`, `function_url_auth_type`
    /// `StringEquals lambda:FunctionUrlAuthType`.
    fn lambda_permission(&self, resource: &PlannedResource, out: &mut TerraformExtraction) {
        let values = resource.values;
        let span = values.span;
        let mut unknown_attributes = Vec::new();
        let known = |name: &str| {
            values
                .get(name)
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        };
        let mut statement: Vec<(&str, Value)> = Vec::new();
        let sid = known("statement_id")
            .cloned()
            .unwrap_or_else(|| string(span, &sid(&resource.address)));
        statement.push(("Sid", sid));
        statement.push(("Effect", string(span, "Allow")));
        if let Some(principal) = known("principal") {
            let text = principal.as_str().unwrap_or("*");
            let value = if text == "*" {
                principal.clone()
            } else {
                let kind =
                    if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
                        "Service"
                    } else {
                        "AWS"
                    };
                object(principal.span, vec![(kind, principal.clone())])
            };
            statement.push(("Principal", value));
        } else {
            unknown_attributes.push("principal".to_string());
        }
        match known("action") {
            Some(action) => statement.push(("Action", action.clone())),
            None => unknown_attributes.push("action".to_string()),
        }
        let qualifier = known("qualifier").and_then(Value::as_str);
        let (function_span, function_name) = match known("function_name") {
            Some(f) => (f.span, f.as_str().unwrap_or("*").to_string()),
            None => {
                unknown_attributes.push("function_name".to_string());
                (span, self.function_name_from_configuration(resource))
            }
        };
        let mut arn = if function_name.starts_with("arn:") {
            function_name.clone()
        } else {
            // A bare name or the `account:function:name` partial ARN,
            // either with an optional `:qualifier`.
            match LambdaFunction::from_reference(&function_name) {
                Some(LambdaFunction {
                    name,
                    qualifier: Some(qualifier),
                }) => format!("arn:aws:lambda:*:*:function:{name}:{qualifier}"),
                Some(LambdaFunction { name, .. }) => format!("arn:aws:lambda:*:*:function:{name}"),
                None => format!("arn:aws:lambda:*:*:function:{function_name}"),
            }
        };
        if let Some(qualifier) = qualifier {
            arn = format!("{arn}:{qualifier}");
        }
        statement.push(("Resource", string(function_span, &arn)));
        let mut by_operator: Vec<(&str, Vec<(&str, Value)>)> = Vec::new();
        for (attribute, operator, key) in [
            ("source_arn", "ArnLike", "aws:SourceArn"),
            ("source_account", "StringEquals", "aws:SourceAccount"),
            ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
            (
                "function_url_auth_type",
                "StringEquals",
                "lambda:FunctionUrlAuthType",
            ),
        ] {
            let value = match known(attribute) {
                Some(value) => value.clone(),
                None if self.is_unknown(resource, attribute) => {
                    unknown_attributes.push(attribute.to_string());
                    string(span, "*")
                }
                None => continue,
            };
            match by_operator.iter_mut().find(|(o, _)| *o == operator) {
                Some((_, entries)) => entries.push((key, value)),
                None => by_operator.push((operator, vec![(key, value)])),
            }
        }
        if !by_operator.is_empty() {
            let blocks = by_operator
                .into_iter()
                .map(|(operator, entries)| (operator, object(span, entries)))
                .collect();
            statement.push(("Condition", object(span, blocks)));
        }
        let document = object(
            span,
            vec![
                ("Version", string(span, "2012-10-17")),
                (
                    "Statement",
                    Value::new(ValueKind::Array(vec![object(span, statement)]), span),
                ),
            ],
        );
        out.policies.push(TerraformPolicy {
            address: resource.address.clone(),
            resource_type: resource.resource_type.clone(),
            path: String::new(),
            kind: PolicyKind::Resource,
            origin: PolicyOrigin::LambdaPermission,
            document,
            span,
            attached_roles: Vec::new(),
            target_resources: vec![function_name],
            unknown_attributes,
        });
    }

    /// The name of the function a permission refers to when its
    /// `function_name` is unknown: the plan's function's known name, else
    /// the function resource's Terraform name, else `*`.
    fn function_name_from_configuration(&self, resource: &PlannedResource) -> String {
        let Some(target) = self
            .references(resource, "function_name")
            .into_iter()
            .find(|r| r.contains("aws_lambda_function."))
        else {
            return "*".to_string();
        };
        self.resources
            .iter()
            .find(|r| strip_indexes(&r.address) == target)
            .and_then(|r| r.values.get("function_name").and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| target.rsplit('.').next().unwrap_or("*").to_string())
    }
}

/// Every managed resource of `planned_values` (modules included), or of
/// `resource_changes[].change.after` when the plan has no `planned_values`.
pub(crate) fn planned_resources(plan: &Value) -> Vec<PlannedResource<'_>> {
    let mut out = Vec::new();
    if let Some(root) = plan
        .get("planned_values")
        .and_then(|p| p.get("root_module"))
    {
        collect_module(root, &mut out);
    } else if let Some(changes) = plan.get("resource_changes").and_then(Value::as_array) {
        for change in changes {
            let after = change.get("change").and_then(|c| c.get("after"));
            if let Some(values) = after.filter(|a| a.as_object().is_some()) {
                push_resource(change, values, &mut out);
            }
        }
    }
    out
}

fn collect_module<'a>(module: &'a Value, out: &mut Vec<PlannedResource<'a>>) {
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        if let Some(values) = resource.get("values") {
            push_resource(resource, values, out);
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        collect_module(child, out);
    }
}

fn push_resource<'a>(resource: &'a Value, values: &'a Value, out: &mut Vec<PlannedResource<'a>>) {
    // Data sources are read, not created: their policies are in the
    // resources that use them.
    if resource.get("mode").and_then(Value::as_str) == Some("data") {
        return;
    }
    let (Some(address_value), Some(resource_type)) = (
        resource.get("address"),
        resource.get("type").and_then(Value::as_str),
    ) else {
        return;
    };
    let Some(address) = address_value.as_str() else {
        return;
    };
    out.push(PlannedResource {
        address: address.to_string(),
        address_span: address_value.span,
        resource_type: resource_type.to_string(),
        values,
    });
}

/// `resource_changes[].change.after_unknown` by resource address.
fn after_unknown(plan: &Value) -> HashMap<String, &Value> {
    let mut out = HashMap::new();
    for change in plan
        .get("resource_changes")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        let address = change.get("address").and_then(Value::as_str);
        let unknown = change.get("change").and_then(|c| c.get("after_unknown"));
        if let (Some(address), Some(unknown)) = (address, unknown) {
            out.insert(address.to_string(), unknown);
        }
    }
    out
}

/// For every resource of `configuration` (modules included, addresses
/// prefixed with `module.<name>.`), the resources each attribute's
/// expression refers to, as `type.name` addresses.
pub(crate) fn configuration_references(
    plan: &Value,
) -> HashMap<String, HashMap<String, Vec<String>>> {
    let mut out = HashMap::new();
    if let Some(root) = plan.get("configuration").and_then(|c| c.get("root_module")) {
        collect_configuration(root, "", &mut out, 0);
    }
    out
}

fn collect_configuration(
    module: &Value,
    prefix: &str,
    out: &mut HashMap<String, HashMap<String, Vec<String>>>,
    depth: usize,
) {
    // Module nesting is bounded by the JSON reader's depth limit, but a
    // second bound keeps this obviously finite.
    if depth > 64 {
        return;
    }
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        let Some(address) = resource.get("address").and_then(Value::as_str) else {
            continue;
        };
        let mut attributes = HashMap::new();
        for member in resource
            .get("expressions")
            .and_then(Value::as_object)
            .unwrap_or_default()
        {
            let references: Vec<String> = member
                .value
                .get("references")
                .and_then(Value::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .filter_map(resource_address)
                .map(|a| format!("{prefix}{a}"))
                .collect();
            if !references.is_empty() {
                attributes.insert(member.key.node.clone(), references);
            }
        }
        out.insert(format!("{prefix}{address}"), attributes);
    }
    for call in module
        .get("module_calls")
        .and_then(Value::as_object)
        .unwrap_or_default()
    {
        if let Some(child) = call.value.get("module") {
            let prefix = format!("{prefix}module.{}.", call.key.node);
            collect_configuration(child, &prefix, out, depth + 1);
        }
    }
}

/// `aws_iam_role.orders` from a reference such as `aws_iam_role.orders.name`;
/// `None` for variables, locals, data sources and module outputs.
pub(crate) fn resource_address(reference: &str) -> Option<String> {
    let mut parts = reference.split('.');
    let resource_type = parts.next()?;
    let name = parts.next()?;
    if !resource_type.starts_with("aws_") {
        return None;
    }
    let name = name.split('[').next().unwrap_or(name);
    Some(format!("{resource_type}.{name}"))
}

/// `module.a[0].aws_iam_role.x["k"]` -> `module.a.aws_iam_role.x`: the
/// configuration names resources without their `count`/`for_each` keys.
pub(crate) fn strip_indexes(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut in_index = false;
    let mut in_quotes = false;
    let mut escaped = false;
    for c in address.chars() {
        if in_index {
            if escaped {
                escaped = false;
            } else if in_quotes && c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = !in_quotes;
            } else if c == ']' && !in_quotes {
                in_index = false;
            }
        } else if c == '[' {
            in_index = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// A statement id from an address: letters and digits only, as IAM asks.
fn sid(address: &str) -> String {
    address
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn string(span: Span, text: &str) -> Value {
    Value::new(ValueKind::String(text.to_string()), span)
}

fn object(span: Span, members: Vec<(&str, Value)>) -> Value {
    let members = members
        .into_iter()
        .map(|(key, value)| Member {
            key: Spanned::new(key.to_string(), value.span),
            value,
        })
        .collect();
    Value::new(ValueKind::Object(members), span)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::policy_string::DecodedString;

    fn embedded(plan_text: &str) -> Value {
        let plan = parse_json(plan_text).unwrap();
        parse_embedded_json(plan_text, plan.get("policy").unwrap())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn spans_of_a_policy_without_escapes_other_than_quotes() {
        let text = r#"{"policy": "{\"Action\":\"s3:GetObject\"}"}"#;
        let document = embedded(text);
        let action = document.get("Action").unwrap();
        assert_eq!(action.as_str(), Some("s3:GetObject"));
        // The span covers the escaped quotes around the value in the plan.
        assert_eq!(
            &text[action.span.start..action.span.end],
            r#"\"s3:GetObject\""#
        );
        let key = &document.as_object().unwrap()[0].key;
        assert_eq!(&text[key.span.start..key.span.end], r#"\"Action\""#);
    }

    #[test]
    fn spans_after_newline_backslash_and_unicode_escapes() {
        // `\n` (2 bytes), `\\` inside a string, `\u0041` (6 bytes for `A`),
        // `\u00e9` (6 bytes for 2 decoded bytes), a surrogate pair (12 bytes
        // for 4 decoded bytes) all shift what follows.
        let text = r#"{"policy": "{\n \"K\": \"a\\\\b\u0041\u00e9\ud83d\ude00\",\n \"Action\": \"s3:Get*\"}"}"#;
        let document = embedded(text);
        assert_eq!(document.get("K").unwrap().as_str(), Some("a\\bAé😀"));
        let k = document.get("K").unwrap();
        assert_eq!(
            &text[k.span.start..k.span.end],
            r#"\"a\\\\b\u0041\u00e9\ud83d\ude00\""#
        );
        let action = document.get("Action").unwrap();
        assert_eq!(&text[action.span.start..action.span.end], r#"\"s3:Get*\""#);
        // The whole document spans the string's content, quotes excluded.
        let content_start = text.find(r#"{\n"#).unwrap();
        assert_eq!(document.span.start, content_start);
        assert_eq!(&text[document.span.end..], r#""}"#);
    }

    #[test]
    fn an_escaped_solidus_and_raw_non_ascii_keep_byte_positions() {
        let text =
            "{\"policy\": \"{\\\"R\\\": \\\"arn:aws:s3:::b\\/é\\\", \\\"A\\\": \\\"x\\\"}\"}";
        let document = embedded(text);
        assert_eq!(
            document.get("R").unwrap().as_str(),
            Some("arn:aws:s3:::b/é")
        );
        let a = document.get("A").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "\\\"x\\\"");
    }

    #[test]
    fn a_syntax_error_points_into_the_plan() {
        let text = r#"{"policy": "{\"Action\": }"}"#;
        let plan = parse_json(text).unwrap();
        let error = parse_embedded_json(text, plan.get("policy").unwrap())
            .unwrap()
            .unwrap_err();
        assert_eq!(&text[error.span.start..error.span.end], "}");
    }

    #[test]
    fn invalid_string_content_is_not_decoded() {
        assert!(DecodedString::decode(r"\ud83d", 0).is_none());
        assert!(DecodedString::decode(r"\x", 0).is_none());
        assert!(DecodedString::decode(r"\u12", 0).is_none());
        assert!(DecodedString::decode("\\", 0).is_none());
    }

    #[test]
    fn plans_are_recognised_by_format_version_and_planned_values() {
        let plan = parse_json(r#"{"format_version": "1.2", "planned_values": {}}"#).unwrap();
        assert!(is_terraform_plan(&plan));
        let changes = parse_json(r#"{"format_version": "1.2", "resource_changes": []}"#).unwrap();
        assert!(is_terraform_plan(&changes));
        let state = parse_json(r#"{"format_version": "1.0", "values": {}}"#).unwrap();
        assert!(!is_terraform_plan(&state));
        let policy = parse_json(r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
        assert!(!is_terraform_plan(&policy));
    }

    #[test]
    fn indexes_are_stripped_from_addresses() {
        assert_eq!(
            strip_indexes(r#"module.a[0].aws_iam_role.x["k]"]"#),
            "module.a.aws_iam_role.x"
        );
        assert_eq!(
            resource_address("aws_iam_role.orders.name").as_deref(),
            Some("aws_iam_role.orders")
        );
        assert_eq!(resource_address("var.role_name"), None);
    }
}
