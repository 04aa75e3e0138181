//! How the resources of a Terraform plan fit together, for the rules that
//! judge a plan as a whole (`leash-lint`'s `template_rules`): the role each
//! `aws_lambda_function` runs with, the managed policies attached to each
//! role by ARN, the bucket policies that govern each bucket, and what in
//! the plan refers to each role.
//!
//! Not for: policy documents (`terraform`), judging anything (`leash-lint`),
//! or `.tf.json` configurations (not evaluated: their references are text).
//!
//! A link comes from a known planned value first (a role's name or ARN),
//! else from the configuration's `references`. Where a link is ambiguous (a
//! variable, a local, a module output, one of several instances of a
//! `count` / `for_each` resource) it is left out rather than guessed: a rule
//! then misses a case instead of reporting one that is not there.
//!
//! Resources: <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function>,
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy_attachment>,
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_policy_attachment>,
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role>
//! (`managed_policy_arns`),
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_policy>;
//! plan format: <https://developer.hashicorp.com/terraform/internals/json-format>.

use leash_policy::{Span, Spanned, Value, ValueKind};

use crate::terraform::{PlannedResource, planned_resources, resource_address, strip_indexes};

/// The links between a plan's roles, functions, attachments and buckets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TerraformModel {
    pub roles: Vec<TerraformRole>,
    pub functions: Vec<TerraformFunction>,
    pub managed_policy_attachments: Vec<TerraformManagedPolicyAttachment>,
    pub buckets: Vec<TerraformBucket>,
}

/// An `aws_iam_role` of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformRole {
    pub address: String,
    /// Span of the resource's `"address"` value in the plan.
    pub span: Span,
    /// Known at plan time when the configuration sets `name`.
    pub name: Option<String>,
    /// Known at plan time only for a role that already exists.
    pub arn: Option<String>,
    /// What refers to the role, other than its own policies and policy
    /// attachments: resource addresses, `output.NAME`, `module.NAME` (a
    /// module call's argument), `provider`; by configuration reference or by
    /// a planned value naming the role's known name or ARN.
    pub referenced_by: Vec<String>,
}

/// An `aws_lambda_function` of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformFunction {
    pub address: String,
    /// Span of the resource's `"address"` value in the plan.
    pub span: Span,
    pub function_name: Option<String>,
    pub role: TerraformRoleLink,
    /// Whether API Gateway invokes it: an `aws_lambda_permission` for
    /// `apigateway.amazonaws.com` on it, or an `aws_api_gateway_integration`
    /// / `aws_apigatewayv2_integration` whose URI is its (by reference or by
    /// its known name in the URI).
    pub serves_api: bool,
}

/// The execution role of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TerraformRoleLink {
    /// A role of the plan, by address.
    Role(String),
    /// A role the plan does not create, by its ARN as written.
    Outside(String),
    /// Not known at plan time and not traceable to one role of the plan.
    Unknown,
}

/// A managed policy attached to roles by ARN: `aws_iam_role_policy_attachment`,
/// `aws_iam_policy_attachment`, or an entry of a role's `managed_policy_arns`.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformManagedPolicyAttachment {
    /// The attachment's address (the role's for `managed_policy_arns`).
    pub address: String,
    pub resource_type: String,
    /// `policy_arn` or `managed_policy_arns[N]`.
    pub path: String,
    /// The ARN, with the span of its value in the plan. Attachments whose
    /// ARN is unknown at plan time (a policy created in the same apply) are
    /// not listed.
    pub policy_arn: Spanned<String>,
    /// Addresses of the plan's roles it attaches to; names as written for
    /// roles the plan does not create.
    pub roles: Vec<String>,
}

/// An `aws_s3_bucket` of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformBucket {
    pub address: String,
    /// Span of the resource's `"address"` value in the plan.
    pub span: Span,
    pub name: Option<String>,
    /// Addresses of the `aws_s3_bucket_policy` resources that govern it, or
    /// may: a policy whose `bucket` refers to a `count` / `for_each` bucket
    /// without its key is listed for every instance, and one whose `bucket`
    /// is unknown and not traceable to a bucket for every bucket.
    pub policies: Vec<String>,
    /// Whether the bucket's own (deprecated) `policy` argument is set, in
    /// the planned values or in the configuration.
    pub has_inline_policy: bool,
}

/// Resources whose reference to a role attaches a policy to it rather than
/// using the role.
const ROLE_POLICY_TYPES: &[&str] = &[
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_role_policies_exclusive",
    "aws_iam_role_policy_attachments_exclusive",
];

/// Reads the links of a plan (`terraform show -json`, parsed with
/// `leash_policy::json::parse_json`).
pub fn terraform_plan_model(plan: &Value) -> TerraformModel {
    let resources = planned_resources(plan);
    let configuration = configuration_resources(plan);
    let reader = ModelReader {
        resources: &resources,
        configuration: &configuration,
    };
    let mut model = TerraformModel::default();
    for resource in &resources {
        reader.read(resource, &mut model);
    }
    for bucket_policy in resources
        .iter()
        .filter(|r| r.resource_type == "aws_s3_bucket_policy")
    {
        reader.link_bucket_policy(bucket_policy, &mut model.buckets);
    }
    reader.find_role_uses(&mut model.roles);
    model
}

/// One resource, output, module call or provider block of the
/// configuration, with every resource it refers to.
struct ConfigurationEntry {
    /// The resource's address with its module prefix (no instance keys), or
    /// `output.NAME`, `module.NAME`, `provider`.
    owner: String,
    /// The resource type; `None` for outputs, module calls and providers.
    resource_type: Option<String>,
    /// Attributes set in `expressions` (resources only).
    attributes: Vec<String>,
    /// Attribute -> resource addresses it refers to (prefixed), top level.
    references_by_attribute: Vec<(String, Vec<String>)>,
    /// Every resource address referred to anywhere in the entry.
    references: Vec<String>,
}

fn configuration_resources(plan: &Value) -> Vec<ConfigurationEntry> {
    let mut out = Vec::new();
    let Some(configuration) = plan.get("configuration") else {
        return out;
    };
    if let Some(providers) = configuration.get("provider_config") {
        let mut references = Vec::new();
        collect_references(providers, "", &mut references);
        out.push(ConfigurationEntry {
            owner: "provider".to_string(),
            resource_type: None,
            attributes: Vec::new(),
            references_by_attribute: Vec::new(),
            references,
        });
    }
    if let Some(root) = configuration.get("root_module") {
        collect_module(root, "", &mut out, 0);
    }
    out
}

fn collect_module(module: &Value, prefix: &str, out: &mut Vec<ConfigurationEntry>, depth: usize) {
    // Nesting is bounded by the JSON reader's depth limit; this keeps the
    // walk obviously finite too.
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
        let expressions = resource
            .get("expressions")
            .and_then(Value::as_object)
            .unwrap_or_default();
        let mut references_by_attribute = Vec::new();
        for member in expressions {
            let mut found = Vec::new();
            if let Some(list) = member.value.get("references") {
                push_references(list, prefix, &mut found);
            }
            references_by_attribute.push((member.key.node.clone(), found));
        }
        let mut references = Vec::new();
        collect_references(resource, prefix, &mut references);
        out.push(ConfigurationEntry {
            owner: format!("{prefix}{address}"),
            resource_type: resource
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_string),
            attributes: expressions.iter().map(|m| m.key.node.clone()).collect(),
            references_by_attribute,
            references,
        });
    }
    for output in module
        .get("outputs")
        .and_then(Value::as_object)
        .unwrap_or_default()
    {
        let mut references = Vec::new();
        collect_references(&output.value, prefix, &mut references);
        out.push(ConfigurationEntry {
            owner: format!("{prefix}output.{}", output.key.node),
            resource_type: None,
            attributes: Vec::new(),
            references_by_attribute: Vec::new(),
            references,
        });
    }
    for call in module
        .get("module_calls")
        .and_then(Value::as_object)
        .unwrap_or_default()
    {
        // A module call's arguments are evaluated in the calling module.
        let mut references = Vec::new();
        for member in call.value.as_object().unwrap_or_default() {
            if member.key.node != "module" {
                collect_references(&member.value, prefix, &mut references);
            }
        }
        out.push(ConfigurationEntry {
            owner: format!("{prefix}module.{}", call.key.node),
            resource_type: None,
            attributes: Vec::new(),
            references_by_attribute: Vec::new(),
            references,
        });
        if let Some(child) = call.value.get("module") {
            let prefix = format!("{prefix}module.{}.", call.key.node);
            collect_module(child, &prefix, out, depth + 1);
        }
    }
}

/// Every `references` list anywhere inside `value`, as resource addresses.
fn collect_references(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match &value.kind {
        ValueKind::Object(members) => {
            for member in members {
                if member.key.node == "references" {
                    push_references(&member.value, prefix, out);
                } else {
                    collect_references(&member.value, prefix, out);
                }
            }
        }
        ValueKind::Array(items) => {
            for item in items {
                collect_references(item, prefix, out);
            }
        }
        _ => {}
    }
}

/// The entries of one `references` list. Non-resource references
/// (`var.x`, `local.y`, `module.z.out`, `count.index`) are kept as written,
/// prefixed with `~`, so a link through them can be told ambiguous.
fn push_references(list: &Value, prefix: &str, out: &mut Vec<String>) {
    for reference in list
        .as_array()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
    {
        let entry = match resource_address(reference) {
            Some(address) => format!("{prefix}{address}"),
            None => format!("~{reference}"),
        };
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
}

struct ModelReader<'a> {
    resources: &'a [PlannedResource<'a>],
    configuration: &'a [ConfigurationEntry],
}

impl ModelReader<'_> {
    fn read(&self, resource: &PlannedResource, model: &mut TerraformModel) {
        let values = resource.values;
        let known = |name: &str| {
            values
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match resource.resource_type.as_str() {
            "aws_iam_role" => {
                model.roles.push(TerraformRole {
                    address: resource.address.clone(),
                    span: resource.address_span,
                    name: known("name"),
                    arn: known("arn"),
                    referenced_by: Vec::new(),
                });
                // `managed_policy_arns` attaches exclusively, like an
                // `aws_iam_policy_attachment` for this one role.
                let arns = values
                    .get("managed_policy_arns")
                    .and_then(Value::as_array)
                    .unwrap_or_default();
                for (index, arn) in arns.iter().enumerate() {
                    if let Some(text) = arn.as_str().filter(|s| !s.is_empty()) {
                        model
                            .managed_policy_attachments
                            .push(TerraformManagedPolicyAttachment {
                                address: resource.address.clone(),
                                resource_type: resource.resource_type.clone(),
                                path: format!("managed_policy_arns[{index}]"),
                                policy_arn: Spanned::new(text.to_string(), arn.span),
                                roles: vec![resource.address.clone()],
                            });
                    }
                }
            }
            "aws_lambda_function" => model.functions.push(TerraformFunction {
                address: resource.address.clone(),
                span: resource.address_span,
                function_name: known("function_name"),
                role: self.function_role(resource),
                serves_api: self.serves_api(resource),
            }),
            "aws_iam_role_policy_attachment" | "aws_iam_policy_attachment" => {
                let Some(arn) = values
                    .get("policy_arn")
                    .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                else {
                    return;
                };
                let roles = if resource.resource_type == "aws_iam_role_policy_attachment" {
                    self.roles_named_in(resource, "role")
                } else {
                    self.roles_named_in(resource, "roles")
                };
                model
                    .managed_policy_attachments
                    .push(TerraformManagedPolicyAttachment {
                        address: resource.address.clone(),
                        resource_type: resource.resource_type.clone(),
                        path: "policy_arn".to_string(),
                        policy_arn: Spanned::new(
                            arn.as_str().unwrap_or_default().to_string(),
                            arn.span,
                        ),
                        roles,
                    });
            }
            "aws_s3_bucket" => {
                let set_in_values = values
                    .get("policy")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.trim().is_empty());
                let set_in_configuration = self
                    .configuration_of(resource)
                    .is_some_and(|entry| entry.attributes.iter().any(|a| a == "policy"));
                model.buckets.push(TerraformBucket {
                    address: resource.address.clone(),
                    span: resource.address_span,
                    name: known("bucket"),
                    policies: Vec::new(),
                    has_inline_policy: set_in_values || set_in_configuration,
                });
            }
            _ => {}
        }
    }

    fn configuration_of(&self, resource: &PlannedResource) -> Option<&ConfigurationEntry> {
        let address = strip_indexes(&resource.address);
        self.configuration
            .iter()
            .find(|entry| entry.resource_type.is_some() && entry.owner == address)
    }

    /// The references of one attribute of a resource's configuration.
    fn references(&self, resource: &PlannedResource, attribute: &str) -> &[String] {
        self.configuration_of(resource)
            .and_then(|entry| {
                entry
                    .references_by_attribute
                    .iter()
                    .find(|(name, _)| name == attribute)
            })
            .map_or(&[], |(_, references)| references.as_slice())
    }

    /// The planned resources of `resource_type` with a configuration
    /// address (instance keys dropped) equal to `address`.
    fn instances<'r>(
        &'r self,
        resource_type: &'r str,
        address: &'r str,
    ) -> impl Iterator<Item = &'r PlannedResource<'r>> + 'r {
        self.resources.iter().filter(move |r| {
            r.resource_type == resource_type && strip_indexes(&r.address) == address
        })
    }

    fn roles_with_name(&self, name: &str) -> Vec<String> {
        self.resources
            .iter()
            .filter(|r| {
                r.resource_type == "aws_iam_role"
                    && r.values.get("name").and_then(Value::as_str) == Some(name)
            })
            .map(|r| r.address.clone())
            .collect()
    }

    /// The one role instance a configuration reference list leads to, if
    /// the list names exactly one role resource and nothing else that could
    /// choose the value (a variable, a local, another resource).
    fn unique_role(&self, references: &[String]) -> Option<String> {
        let [role] = references else {
            return None;
        };
        if !(role.starts_with("aws_iam_role.") || role.contains(".aws_iam_role.")) {
            return None;
        }
        let mut instances = self.instances("aws_iam_role", role);
        match (instances.next(), instances.next()) {
            (Some(only), None) => Some(only.address.clone()),
            _ => None,
        }
    }

    /// A function's execution role: its `role` ARN matched to a role of
    /// the plan by ARN, else by name (`role/PATH/NAME`), else as an outside
    /// role; when unknown at plan time, the role its configuration refers to.
    fn function_role(&self, function: &PlannedResource) -> TerraformRoleLink {
        let written = function
            .values
            .get("role")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let Some(arn) = written else {
            return self
                .unique_role(self.references(function, "role"))
                .map_or(TerraformRoleLink::Unknown, TerraformRoleLink::Role);
        };
        let by_arn: Vec<&PlannedResource> = self
            .resources
            .iter()
            .filter(|r| {
                r.resource_type == "aws_iam_role"
                    && r.values.get("arn").and_then(Value::as_str) == Some(arn)
            })
            .collect();
        if let [role] = by_arn.as_slice() {
            return TerraformRoleLink::Role(role.address.clone());
        }
        let name = arn.rsplit('/').next().unwrap_or(arn);
        match self.roles_with_name(name).as_slice() {
            [] => TerraformRoleLink::Outside(arn.to_string()),
            [role] => TerraformRoleLink::Role(role.clone()),
            _ => TerraformRoleLink::Unknown,
        }
    }

    /// Whether API Gateway invokes `function` (see
    /// [`TerraformFunction::serves_api`]).
    fn serves_api(&self, function: &PlannedResource) -> bool {
        let configuration_address = strip_indexes(&function.address);
        let name = function
            .values
            .get("function_name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        self.resources.iter().any(|other| {
            let attribute = match other.resource_type.as_str() {
                "aws_lambda_permission" => {
                    let principal = other.values.get("principal").and_then(Value::as_str);
                    if principal != Some("apigateway.amazonaws.com") {
                        return false;
                    }
                    "function_name"
                }
                "aws_api_gateway_integration" => "uri",
                "aws_apigatewayv2_integration" => "integration_uri",
                _ => return false,
            };
            let by_reference = self
                .references(other, attribute)
                .contains(&configuration_address);
            let by_name = name.is_some_and(|name| {
                other
                    .values
                    .get(attribute)
                    .and_then(Value::as_str)
                    .is_some_and(|target| names_function(target, name))
            });
            by_reference || by_name
        })
    }

    /// The roles an attachment's `role` (a name) or `roles` (a list of
    /// names) attribute names: addresses of the plan's roles with those
    /// names, names as written for others; when unknown at plan time, the
    /// roles its configuration refers to, one instance each.
    fn roles_named_in(&self, resource: &PlannedResource, attribute: &str) -> Vec<String> {
        let value = resource.values.get(attribute);
        let names: Vec<&str> = match value.map(|v| &v.kind) {
            Some(ValueKind::String(name)) if !name.is_empty() => vec![name.as_str()],
            Some(ValueKind::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut roles = Vec::new();
        if names.is_empty() {
            let references = self.references(resource, attribute);
            if attribute == "roles" {
                // A list: each element names its own role.
                for reference in references {
                    roles.extend(self.unique_role(std::slice::from_ref(reference)));
                }
            } else {
                roles.extend(self.unique_role(references));
            }
        } else {
            for name in names {
                // `role` takes a name; accept an ARN's last part as well.
                let name = name.rsplit('/').next().unwrap_or(name);
                match self.roles_with_name(name).as_slice() {
                    [] => roles.push(name.to_string()),
                    found => roles.extend(found.iter().cloned()),
                }
            }
        }
        roles.sort();
        roles.dedup();
        roles
    }

    /// Lists an `aws_s3_bucket_policy` on the buckets it governs: the plan's
    /// buckets named by its known `bucket`, else every instance of the
    /// bucket resource its configuration refers to, else (untraceable)
    /// every bucket.
    fn link_bucket_policy(&self, policy: &PlannedResource, buckets: &mut [TerraformBucket]) {
        let named = policy
            .values
            .get("bucket")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let referenced = self.references(policy, "bucket");
        let is_bucket =
            |r: &String| r.starts_with("aws_s3_bucket.") || r.contains(".aws_s3_bucket.");
        let traceable = !referenced.is_empty() && referenced.iter().all(is_bucket);
        for bucket in buckets.iter_mut() {
            let governs = match named {
                Some(name) => bucket.name.as_deref() == Some(name),
                // Unknown and not traceable (a variable, a local): it may
                // be any bucket's.
                None if !traceable => true,
                None => referenced
                    .iter()
                    .any(|r| **r == strip_indexes(&bucket.address)),
            };
            if governs && !bucket.policies.contains(&policy.address) {
                bucket.policies.push(policy.address.clone());
            }
        }
    }

    /// Fills `referenced_by` of every role: configuration references from
    /// anything but the role itself and its policy attachments, and planned
    /// values of other resources that hold the role's known name or ARN.
    fn find_role_uses(&self, roles: &mut [TerraformRole]) {
        for role in roles.iter_mut() {
            let configuration_address = strip_indexes(&role.address);
            let mut users: Vec<String> = Vec::new();
            for entry in self.configuration {
                let attaches = entry
                    .resource_type
                    .as_deref()
                    .is_some_and(|t| ROLE_POLICY_TYPES.contains(&t));
                if attaches || entry.owner == configuration_address {
                    continue;
                }
                if entry.references.contains(&configuration_address) {
                    users.push(entry.owner.clone());
                }
            }
            for resource in self.resources {
                if resource.address == role.address
                    || ROLE_POLICY_TYPES.contains(&resource.resource_type.as_str())
                {
                    continue;
                }
                if names_role(resource.values, role) {
                    users.push(resource.address.clone());
                }
            }
            users.dedup();
            role.referenced_by = users;
        }
    }
}

/// Whether any string inside `value` is the role's known name, or holds
/// its known ARN or a role ARN ending in its name.
fn names_role(value: &Value, role: &TerraformRole) -> bool {
    match &value.kind {
        ValueKind::String(text) => {
            let by_name = role
                .name
                .as_deref()
                .is_some_and(|name| text == name || mentions_role_arn(text, name));
            let by_arn = role.arn.as_deref().is_some_and(|arn| text.contains(arn));
            by_name || by_arn
        }
        ValueKind::Object(members) => members.iter().any(|m| names_role(&m.value, role)),
        ValueKind::Array(items) => items.iter().any(|item| names_role(item, role)),
        _ => false,
    }
}

/// Whether a permission's `function_name` or an integration's URI names
/// the function `name`: the name itself, or an ARN with `:function:NAME`
/// followed by its end, a qualifier (`:live`) or `/invocations`.
fn names_function(target: &str, name: &str) -> bool {
    if target == name {
        return true;
    }
    let needle = format!(":function:{name}");
    target.match_indices(&needle).any(|(start, _)| {
        matches!(
            target[start + needle.len()..].chars().next(),
            None | Some(':' | '/')
        )
    })
}

/// Whether `text` holds a role ARN ending in `name`
/// (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), alone or inside longer text
/// (a state machine definition, a policy string).
fn mentions_role_arn(text: &str, name: &str) -> bool {
    // Characters IAM allows in role names:
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
    let in_name = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    let needle = format!("/{name}");
    text.match_indices(&needle).any(|(start, _)| {
        let after = text[start + needle.len()..].chars().next();
        let arn_start = text[..start].rfind("arn:").unwrap_or(0);
        let arn = &text[arn_start..start];
        after.is_none_or(|c| !in_name(c))
            && arn.contains(":role")
            && !arn.contains(|c: char| c.is_whitespace() || c == '"')
    })
}

#[cfg(test)]
mod tests {
    use super::mentions_role_arn;

    // Integration URIs: https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
    #[test]
    fn functions_are_named_by_name_arn_or_integration_uri() {
        use super::names_function;
        assert!(names_function("get-order", "get-order"));
        assert!(names_function(
            "arn:aws:lambda:us-east-1:123456789012:function:get-order:live",
            "get-order"
        ));
        assert!(names_function(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:get-order/invocations",
            "get-order"
        ));
        assert!(!names_function(
            "arn:aws:lambda:us-east-1:123456789012:function:get-orders",
            "get-order"
        ));
    }

    #[test]
    fn role_arns_are_found_inside_longer_text() {
        assert!(mentions_role_arn(
            "arn:aws:iam::123456789012:role/idle",
            "idle"
        ));
        assert!(mentions_role_arn(
            "{\"RoleArn\": \"arn:aws:iam::123456789012:role/service/idle\"}",
            "idle"
        ));
        assert!(!mentions_role_arn(
            "arn:aws:iam::123456789012:role/idle-2",
            "idle"
        ));
        assert!(!mentions_role_arn("arn:aws:s3:::bucket/idle", "idle"));
    }
}
