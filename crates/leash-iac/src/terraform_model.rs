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

use std::collections::{HashMap, HashSet};

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
/// `aws_iam_policy_attachment`, an entry of a role's `managed_policy_arns`
/// or of an `aws_iam_role_policy_attachments_exclusive`'s `policy_arns`.
#[derive(Clone, Debug, PartialEq)]
pub struct TerraformManagedPolicyAttachment {
    /// The attachment's address (the role's for `managed_policy_arns`).
    pub address: String,
    pub resource_type: String,
    /// `policy_arn`, `managed_policy_arns[N]` or `policy_arns[N]`.
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
    let reader = ModelReader::new(&resources, &configuration);
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
    /// Configuration address of a resource -> its entry in `configuration`.
    configuration_index: HashMap<&'a str, usize>,
    /// Configuration address -> the planned resources (instances) it makes.
    instances_by_address: HashMap<String, Vec<usize>>,
    /// Known role name -> planned roles with it.
    roles_by_name: HashMap<&'a str, Vec<usize>>,
    /// Known role ARN -> planned roles with it.
    roles_by_arn: HashMap<&'a str, Vec<usize>>,
    /// Configuration addresses that API Gateway permissions and
    /// integrations refer to, and function names their known values hold.
    api_references: HashSet<String>,
    api_function_names: HashSet<String>,
}

impl<'a> ModelReader<'a> {
    /// Indexes the plan once, so that linking stays linear in its size.
    fn new(resources: &'a [PlannedResource<'a>], configuration: &'a [ConfigurationEntry]) -> Self {
        let mut reader = ModelReader {
            resources,
            configuration,
            configuration_index: HashMap::new(),
            instances_by_address: HashMap::new(),
            roles_by_name: HashMap::new(),
            roles_by_arn: HashMap::new(),
            api_references: HashSet::new(),
            api_function_names: HashSet::new(),
        };
        for (index, entry) in configuration.iter().enumerate() {
            if entry.resource_type.is_some() {
                reader
                    .configuration_index
                    .entry(entry.owner.as_str())
                    .or_insert(index);
            }
        }
        for (index, resource) in resources.iter().enumerate() {
            reader
                .instances_by_address
                .entry(strip_indexes(&resource.address))
                .or_default()
                .push(index);
            if resource.resource_type == "aws_iam_role" {
                let known = |name: &str| resource.values.get(name).and_then(Value::as_str);
                if let Some(name) = known("name") {
                    reader.roles_by_name.entry(name).or_default().push(index);
                }
                if let Some(arn) = known("arn") {
                    reader.roles_by_arn.entry(arn).or_default().push(index);
                }
            }
        }
        for resource in resources {
            let attribute = match resource.resource_type.as_str() {
                "aws_lambda_permission" => {
                    let principal = resource.values.get("principal").and_then(Value::as_str);
                    if principal != Some("apigateway.amazonaws.com") {
                        continue;
                    }
                    "function_name"
                }
                "aws_api_gateway_integration" => "uri",
                "aws_apigatewayv2_integration" => "integration_uri",
                _ => continue,
            };
            let references = reader.references(resource, attribute).to_vec();
            reader.api_references.extend(references);
            if let Some(target) = resource.values.get(attribute).and_then(Value::as_str) {
                reader.api_function_names.extend(function_names_in(target));
            }
        }
        reader
    }

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
            // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy_attachments_exclusive
            "aws_iam_role_policy_attachments_exclusive" => {
                let roles = self.roles_named_in(resource, "role_name");
                let arns = values
                    .get("policy_arns")
                    .and_then(Value::as_array)
                    .unwrap_or_default();
                for (index, arn) in arns.iter().enumerate() {
                    if let Some(text) = arn.as_str().filter(|s| !s.is_empty()) {
                        model
                            .managed_policy_attachments
                            .push(TerraformManagedPolicyAttachment {
                                address: resource.address.clone(),
                                resource_type: resource.resource_type.clone(),
                                path: format!("policy_arns[{index}]"),
                                policy_arn: Spanned::new(text.to_string(), arn.span),
                                roles: roles.clone(),
                            });
                    }
                }
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

    fn configuration_of(&self, resource: &PlannedResource) -> Option<&'a ConfigurationEntry> {
        let index = *self
            .configuration_index
            .get(strip_indexes(&resource.address).as_str())?;
        self.configuration.get(index)
    }

    /// The references of one attribute of a resource's configuration.
    fn references(&self, resource: &PlannedResource, attribute: &str) -> &'a [String] {
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
    fn instances(&self, resource_type: &str, address: &str) -> Vec<&'a PlannedResource<'a>> {
        self.instances_by_address
            .get(address)
            .map(|indexes| {
                indexes
                    .iter()
                    .filter_map(|&i| self.resources.get(i))
                    .filter(|r| r.resource_type == resource_type)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn role_addresses(&self, indexes: Option<&Vec<usize>>) -> Vec<String> {
        indexes
            .map(|indexes| {
                indexes
                    .iter()
                    .filter_map(|&i| self.resources.get(i))
                    .map(|r| r.address.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn roles_with_name(&self, name: &str) -> Vec<String> {
        self.role_addresses(self.roles_by_name.get(name))
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
        match self.instances("aws_iam_role", role).as_slice() {
            [only] => Some(only.address.clone()),
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
        if let [role] = self.role_addresses(self.roles_by_arn.get(arn)).as_slice() {
            return TerraformRoleLink::Role(role.clone());
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
        let by_name = function
            .values
            .get("function_name")
            .and_then(Value::as_str)
            .is_some_and(|name| self.api_function_names.contains(name));
        by_name
            || self
                .api_references
                .contains(&strip_indexes(&function.address))
    }

    /// The roles an attachment's `role` / `role_name` (a name) or `roles` (a
    /// list of names) attribute names: addresses of the plan's roles with those
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
    /// values of other resources that hold the role's known name or an ARN
    /// ending in it.
    fn find_role_uses(&self, roles: &mut [TerraformRole]) {
        // Configuration address -> what refers to it.
        let mut users_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for entry in self.configuration {
            let attaches = entry
                .resource_type
                .as_deref()
                .is_some_and(|t| ROLE_POLICY_TYPES.contains(&t));
            if attaches {
                continue;
            }
            for reference in &entry.references {
                users_of
                    .entry(reference.as_str())
                    .or_default()
                    .push(entry.owner.as_str());
            }
        }
        // Role index -> planned resources whose values name it.
        let mut role_index: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, role) in roles.iter().enumerate() {
            let arn_name = role.arn.as_deref().and_then(|a| a.rsplit('/').next());
            for name in role.name.as_deref().into_iter().chain(arn_name) {
                role_index.entry(name).or_default().push(index);
            }
        }
        let mut named_by: Vec<Vec<String>> = vec![Vec::new(); roles.len()];
        for resource in self.resources {
            if ROLE_POLICY_TYPES.contains(&resource.resource_type.as_str()) {
                continue;
            }
            let mut named = Vec::new();
            role_names_in(resource.values, &role_index, &mut named);
            named.sort_unstable();
            named.dedup();
            for index in named {
                let Some(role) = roles.get(index) else {
                    continue;
                };
                if role.address != resource.address
                    && let Some(users) = named_by.get_mut(index)
                {
                    users.push(resource.address.clone());
                }
            }
        }
        for (role, named) in roles.iter_mut().zip(named_by) {
            let configuration_address = strip_indexes(&role.address);
            let mut users: Vec<String> = users_of
                .get(configuration_address.as_str())
                .into_iter()
                .flatten()
                .filter(|owner| **owner != configuration_address)
                .map(|owner| owner.to_string())
                .collect();
            users.dedup();
            users.extend(named);
            role.referenced_by = users;
        }
    }
}

/// The indexes (in `roles`) of the roles a value names: a string that is a
/// role's name, or a role ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`) alone
/// or inside longer text (a state machine definition, a policy string).
fn role_names_in(value: &Value, roles: &HashMap<&str, Vec<usize>>, out: &mut Vec<usize>) {
    match &value.kind {
        ValueKind::String(text) => {
            if let Some(found) = roles.get(text.as_str()) {
                out.extend(found);
            }
            for name in role_names_in_arns(text) {
                if let Some(found) = roles.get(name) {
                    out.extend(found);
                }
            }
        }
        ValueKind::Object(members) => {
            for member in members {
                role_names_in(&member.value, roles, out);
            }
        }
        ValueKind::Array(items) => {
            for item in items {
                role_names_in(item, roles, out);
            }
        }
        _ => {}
    }
}

/// The function names a permission's `function_name` or an integration's
/// URI holds: the text itself (a name), and the name after each
/// `:function:` of an ARN, up to a qualifier (`:live`) or `/invocations`.
fn function_names_in(target: &str) -> Vec<String> {
    let mut names = vec![target.to_string()];
    for (start, needle) in target.match_indices(":function:") {
        let rest = &target[start + needle.len()..];
        let end = rest.find([':', '/']).unwrap_or(rest.len());
        names.push(rest[..end].to_string());
    }
    names
}

/// The role names of the role ARNs in `text`: the last part of the path
/// after each `:role/`.
fn role_names_in_arns(text: &str) -> impl Iterator<Item = &str> {
    // Characters IAM allows in role names and paths:
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
    let in_path = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c);
    text.match_indices(":role/").map(move |(start, needle)| {
        let rest = &text[start + needle.len()..];
        let end = rest.find(|c: char| !in_path(c)).unwrap_or(rest.len());
        let path = &rest[..end];
        path.rsplit('/').next().unwrap_or(path)
    })
}

#[cfg(test)]
mod tests {

    // Integration URIs: https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html
    #[test]
    fn functions_are_named_by_name_arn_or_integration_uri() {
        use super::function_names_in;
        assert_eq!(function_names_in("get-order"), ["get-order"]);
        assert!(
            function_names_in("arn:aws:lambda:us-east-1:123456789012:function:get-order:live")
                .contains(&"get-order".to_string())
        );
        assert!(
            function_names_in(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:get-order/invocations"
            )
            .contains(&"get-order".to_string())
        );
        assert!(
            !function_names_in("arn:aws:lambda:us-east-1:123456789012:function:get-orders")
                .contains(&"get-order".to_string())
        );
    }

    #[test]
    fn role_arns_are_found_inside_longer_text() {
        use super::role_names_in_arns;
        fn names(text: &str) -> Vec<&str> {
            role_names_in_arns(text).collect()
        }
        assert_eq!(names("arn:aws:iam::123456789012:role/idle"), ["idle"]);
        assert_eq!(
            names("{\"RoleArn\": \"arn:aws:iam::123456789012:role/service/idle\"}"),
            ["idle"]
        );
        assert_eq!(names("arn:aws:iam::123456789012:role/idle-2"), ["idle-2"]);
        assert!(names("arn:aws:s3:::bucket/idle").is_empty());
    }
}
