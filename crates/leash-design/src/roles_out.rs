//! The designed roles and resource policies made ready to write, once, for
//! every output format: each role's trust and permissions as trees (no
//! permissions policy when the role grants nothing), whether it is named,
//! the boundaries it may carry, its function; each designed bucket or API
//! policy as a tree, with the template's own policy when it already has
//! one (then the designed one is not written).
//!
//! Not for: any format's syntax, intrinsics or resource names (the
//! CloudFormation writer in `cloudformation`, the Terraform writer in
//! `terraform`), or deciding what to grant (`design`, `perimeter`).

use leash_iac::{Resource, Template};
use leash_policy::Value;

use crate::design::RoleDesign;
use crate::json_tree::Node;
use crate::model::{Application, Function, KeptItem, ResourceKind};
use crate::perimeter::ResourcePolicyDesign;

/// The name of the one inline permissions policy each designed role gets.
pub(crate) const PERMISSIONS_POLICY_NAME: &str = "least-privilege";

/// IAM role names are at most 64 characters:
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>.
const ROLE_NAME_LIMIT: usize = 64;

/// Whether `name` may be written as a role's name. A longer one is left
/// out (the deployment tool then generates a name) rather than written
/// for IAM to refuse.
pub(crate) fn role_name_fits(name: &str) -> bool {
    name.chars().count() <= ROLE_NAME_LIMIT
}

/// One designed role, ready to write.
pub(crate) struct RoleOut<'a> {
    pub design: &'a RoleDesign,
    /// The function's resource in the template (none for a consumer's
    /// role, or for an application read from a manifest).
    pub resource: Option<&'a Resource>,
    /// The application's function (none for a consumer's role).
    pub function: Option<&'a Function>,
    /// Whether the role gets a name of its own: a consumer's role always
    /// (the options name it, within IAM's limit), a function's when the
    /// template names the function and `<name>-role` fits IAM's limit
    /// ([`role_name_fits`]); otherwise the deployment tool generates one.
    pub named: bool,
    pub trust: Node,
    /// `None` when the role grants nothing: AWS rejects a policy without
    /// statements, while a role without policies is valid (see
    /// [`RoleDesign::grants_nothing`]).
    pub permissions: Option<Node>,
    /// The `PermissionsBoundary` the template sets for the logical id
    /// (with `Globals` merged in), as written.
    pub own_boundary: Option<&'a Value>,
    /// The `RolePath` the template sets for the logical id (with `Globals`
    /// merged in), as written.
    pub own_path: Option<&'a Value>,
    /// The boundary the design options ask for.
    pub options_boundary: Option<&'a str>,
}

/// The managed policies a role keeps as is, as the template wrote them
/// (a SAM name as the ARN SAM makes of it), for `ManagedPolicyArns`.
pub(crate) fn kept_managed_policies(role: &RoleDesign) -> Vec<Node> {
    role.kept_as_is
        .iter()
        .filter_map(|kept| match &kept.item {
            KeptItem::ManagedPolicy { written, .. } => Some(written.clone()),
            KeptItem::Statements { .. } => None,
        })
        .collect()
}

/// Takes the statements kept as is out of a permissions policy tree (they
/// follow leash's `scoped_statements`) and returns them as the template
/// wrote them, intrinsics and all; a `Sid` the design dropped (taken by
/// another statement) is dropped from the written one too.
pub(crate) fn split_kept_statements(permissions: &mut Node, role: &RoleDesign) -> Vec<Node> {
    let Some(Node::Array(statements)) = permissions.get_mut("Statement") else {
        return Vec::new();
    };
    let resolved = statements.split_off(role.scoped_statements.min(statements.len()));
    let written = role.kept_as_is.iter().flat_map(|kept| match &kept.item {
        KeptItem::Statements { written, .. } => written.as_slice(),
        KeptItem::ManagedPolicy { .. } => &[],
    });
    written
        .zip(&resolved)
        .map(|(written, resolved)| {
            let mut written = written.clone();
            if resolved.get("Sid").is_none() {
                written.remove("Sid");
            }
            written
        })
        .collect()
}

/// One designed bucket or API policy, ready to write.
pub(crate) struct ResourcePolicyOut<'a> {
    pub design: &'a ResourcePolicyDesign,
    pub document: Node,
    /// The report's note when the template already gives the resource a
    /// policy: a bucket has one policy, and replacing the author's would
    /// drop their statements; so does an API's.
    pub not_written: Option<String>,
}

/// The roles, in the order given.
pub(crate) fn roles_out<'a>(
    template: &'a Template,
    app: &'a Application,
    roles: &'a [RoleDesign],
) -> Vec<RoleOut<'a>> {
    roles
        .iter()
        .map(|role| {
            let id = &role.function;
            let trust = role.trust_policy.node();
            let permissions = role.permissions_policy.node();
            let function_named = app
                .resources
                .iter()
                .any(|r| r.named && r.kind == ResourceKind::Function && r.logical_id == *id);
            let function = app.functions.iter().find(|f| f.logical_id == *id);
            let sam_event = function.and_then(|f| f.sam_event.as_ref());
            // A SAM event's schedule or rule is no resource of the
            // template: its function's or state machine's (for its
            // condition). SAM gives its role the event's
            // `PermissionsBoundary` (`ScheduleV2`) or the state machine's.
            let resource = match sam_event {
                Some(sam) => template.resource(&sam.resource),
                None => template.resource(id),
            };
            let own_boundary = match sam_event {
                Some(sam) if sam.event_type == "ScheduleV2" => resource
                    .and_then(|r| r.properties.get("Events"))
                    .and_then(|e| e.get(&sam.event))
                    .and_then(|e| e.get("Properties"))
                    .and_then(|p| p.get("PermissionsBoundary")),
                _ => resource.and_then(|r| r.properties.get("PermissionsBoundary")),
            };
            let own_path = match sam_event {
                Some(_) => None,
                None => resource.and_then(|r| r.properties.get("RolePath")),
            };
            RoleOut {
                design: role,
                resource,
                function,
                named: role.consumer.is_some()
                    || (function_named && role_name_fits(&role.role_name)),
                trust,
                permissions: (!role.grants_nothing()).then_some(permissions),
                own_boundary,
                own_path,
                options_boundary: role.permissions_boundary.as_deref(),
            }
        })
        .collect()
}

/// The designed bucket and API policies, in the order given.
pub(crate) fn resource_policies_out<'a>(
    template: &Template,
    policies: &'a [ResourcePolicyDesign],
) -> Vec<ResourcePolicyOut<'a>> {
    policies
        .iter()
        .map(|policy| {
            let resource = &policy.resource;
            let not_written = if policy.kind == "bucket" {
                existing_bucket_policy(template, resource).map(|existing| {
                    format!(
                        "bucket policy for `{resource}` not written: the template has `{existing}` for it (the designed one is in this report)"
                    )
                })
            } else {
                existing_api_policy(template, resource).map(|existing| {
                    format!(
                        "API policy for `{resource}` not written: the API has {existing} already (the designed one is in this report)"
                    )
                })
            };
            let document = policy.policy.node();
            ResourcePolicyOut {
                design: policy,
                document,
                not_written,
            }
        })
        .collect()
}

/// The logical id of the template's `AWS::S3::BucketPolicy` for `bucket`
/// (`Bucket: !Ref bucket`), if it has one.
fn existing_bucket_policy(template: &Template, bucket: &str) -> Option<String> {
    template
        .resources
        .iter()
        .find(|r| {
            r.resource_type.node == "AWS::S3::BucketPolicy"
                && r.properties
                    .get("Bucket")
                    .and_then(|b| b.get("Ref"))
                    .and_then(|v| v.as_str())
                    == Some(bucket)
        })
        .map(|r| r.logical_id.node.clone())
}

/// Why the template's API `api` already has a resource policy, if it does:
/// SAM's `Auth.ResourcePolicy`, the `Policy` of an `AWS::ApiGateway::RestApi`,
/// or `x-amazon-apigateway-policy` in an inline definition.
fn existing_api_policy(template: &Template, api: &str) -> Option<&'static str> {
    let resource = template.resource(api)?;
    let properties = &resource.properties;
    if properties
        .get("Auth")
        .and_then(|auth| auth.get("ResourcePolicy"))
        .is_some()
    {
        return Some("`Auth.ResourcePolicy`");
    }
    if properties.get("Policy").is_some() {
        return Some("a `Policy`");
    }
    ["DefinitionBody", "Body"]
        .iter()
        .filter_map(|key| properties.get(key))
        .any(|definition| definition.get("x-amazon-apigateway-policy").is_some())
        .then_some("`x-amazon-apigateway-policy` in its definition")
}
