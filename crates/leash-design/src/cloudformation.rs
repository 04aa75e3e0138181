//! The designed template: the whole input template (not an overlay) with
//! the design applied, as JSON with intrinsics in their long form. Each
//! function gets its own `AWS::IAM::Role` (`<Function>Role`) and
//! `Role: {"Fn::GetAtt": [<Function>Role, Arn]}`; SAM's role properties
//! (`Policies`, `AssumeRolePolicyDocument`, ...) are removed; roles the
//! functions used before are removed when nothing else references them;
//! API routes get an `AWS::Lambda::Permission` where SAM would not create
//! a broader one anyway (see [`RouteDeployment`]).
//!
//! Not for: deciding what to grant (`design`) or writing files (the CLI).

use std::collections::{BTreeMap, BTreeSet};

use leash_iac::Template;
use leash_policy::arn::Arn;

use crate::design::RoleDesign;
use crate::json_tree::Node;
use crate::model::{ApiRoute, AppResource, Application, ResourceKind, SamEventOf};
use crate::roles_out::{
    PERMISSIONS_POLICY_NAME, ResourcePolicyOut, RoleOut, resource_policies_out, role_name_fits,
    roles_out,
};

/// How one API route reaches its function in the designed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteDeployment {
    /// The API's definition is the template author's (`DefinitionBody` or
    /// `DefinitionUri`), so the SAM event only added SAM's own permission:
    /// the event is removed and leash writes this `AWS::Lambda::Permission`.
    Written { logical_id: String },
    /// The API's routes are built by SAM from the function's events, so the
    /// event stays and SAM keeps creating its permission for it, which
    /// allows every stage of the API (`SourceArn` `.../${Api}/*/METHOD/PATH`).
    /// A second, narrower permission would grant nothing less: the function's
    /// resource policy allows what any of its statements allows.
    SamImplicit {
        logical_id: String,
        source_arn: String,
    },
}

/// The designed template and what was changed to get it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesignedTemplate {
    /// Pretty JSON, final newline.
    pub text: String,
    /// Per function (logical id): the logical id of its new role.
    pub role_ids: BTreeMap<String, String>,
    /// Per function (logical id), one per route, in the order of the
    /// function's routes: `(event, deployment)`.
    pub routes: BTreeMap<String, Vec<(String, RouteDeployment)>>,
    /// Per function: properties removed or moved, roles no longer used.
    pub function_notes: BTreeMap<String, Vec<String>>,
    /// Resources removed or kept, and why.
    pub template_notes: Vec<String>,
    /// Per principal whose role another resource names (a data source of
    /// SAM's GraphQL API): where, as `` `API` `DataSources.DynamoDb.NAME.ServiceRoleArn` ``.
    pub role_slots: BTreeMap<String, String>,
}

/// Why the designed template could not be written.
pub type CloudFormationError = crate::write_error::WriteError;
use crate::write_error::WriteError;

// SAM's execution-role properties; with `Role` set SAM ignores them, and
// leash moves what still matters (boundary, path) onto the designed role.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html
const SAM_ROLE_PROPERTIES: &[&str] = &[
    "Policies",
    "AssumeRolePolicyDocument",
    "PermissionsBoundary",
    "RolePath",
];

/// Writes the whole template with the design applied, plus the designed
/// bucket policies as `AWS::S3::BucketPolicy` resources and the designed
/// API policies in their `AWS::Serverless::Api` (see `write_api_policy`).
pub fn designed_template(
    template: &Template,
    app: &Application,
    roles: &[RoleDesign],
    policies: &[crate::perimeter::ResourcePolicyDesign],
) -> Result<DesignedTemplate, CloudFormationError> {
    let roles_ready = roles_out(template, app, roles);
    let policies_ready = resource_policies_out(template, policies);
    let mut root = Node::from_value(&template.root);
    if template.format == leash_iac::TemplateFormat::Yaml {
        stringify_policy_identifiers(&mut root);
    }
    if root.get("Resources").and_then(Node::as_object).is_none() {
        return Err(WriteError::NoResources);
    }
    let log_groups = plan_log_groups(&root, template, app, roles);
    let forms = ArnForms::new(template, app, &log_groups);
    let mut designed = DesignedTemplate {
        text: String::new(),
        role_ids: BTreeMap::new(),
        routes: BTreeMap::new(),
        function_notes: BTreeMap::new(),
        template_notes: Vec::new(),
        role_slots: BTreeMap::new(),
    };

    // 0. Template roles another resource's policy names as a principal
    // (a trust policy, an OpenSearch Serverless data access policy, a key
    // policy, ...) are designed in place: a new role would not be named there.
    let in_place = plan_roles_in_place(
        &root,
        template,
        &roles_ready,
        &forms,
        &mut designed.template_notes,
    );

    // 1. Unhook every function from its old role and SAM's role properties.
    let mut old_roles: BTreeSet<String> = BTreeSet::new();
    for role in roles
        .iter()
        .filter(|r| r.consumer.is_none() && !r.kind.is_role())
    {
        let function_id = role.function.as_str();
        let notes = designed
            .function_notes
            .entry(function_id.to_string())
            .or_default();
        // A role of SAM's GraphQL API: named in the API's properties.
        if let Some((holder, paths)) = sam_graphql_slots(template, function_id) {
            let api = resource_mut(&mut root, &holder)
                .ok_or_else(|| WriteError::NotAResource(holder.clone()))?;
            for path in &paths {
                match api
                    .get_mut("Properties")
                    .and_then(|p| node_at_mut(p, path))
                {
                    Some(slot) if !matches!(slot, Node::Null) => {
                        let previous = std::mem::replace(slot, Node::Null);
                        unhook(&previous, notes, &mut old_roles);
                    }
                    _ => notes.push(
                        "SAM no longer generates its role (the designed role is named in the API's properties)"
                            .to_string(),
                    ),
                }
            }
            continue;
        }
        // A SAM event's schedule or rule: its `RoleArn` (when SAM reads
        // one) is pointed at the designed role in step 3.
        if let Some(sam) = app
            .functions
            .iter()
            .find(|f| f.logical_id == function_id)
            .and_then(|f| f.sam_event.as_ref())
        {
            let previous = sam_event_mut(&mut root, sam)
                .and_then(|e| e.get_mut("Properties"))
                .and_then(|p| p.remove("RoleArn"));
            match previous {
                Some(previous) => unhook(&previous, notes, &mut old_roles),
                None => notes.push(format!(
                    "SAM no longer generates its role (`{function_id}Role` is now leash's)"
                )),
            }
            continue;
        }
        let function = resource_mut(&mut root, function_id)
            .ok_or_else(|| WriteError::NotAResource(function_id.to_string()))?;
        let resource_type = function
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        let is_sam = matches!(
            resource_type.as_str(),
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine"
        );
        if role.kind.is_eventbridge() {
            // The role is inside the resource (a schedule's `Target`, a
            // rule's targets): pointed at the designed role in step 2.
            if let Some(previous) = function.get("Properties").and_then(|p| {
                eventbridge_role_slots_of(p, &resource_type)
                    .into_iter()
                    .next()
            }) {
                unhook(previous, notes, &mut old_roles);
            }
            continue;
        }
        // `Role`, or a Step Functions state machine's `RoleArn`.
        let role_property = crate::model::PrincipalKind::role_property(&resource_type);
        if function.get("Properties").is_none() {
            function.insert("Properties", Node::Object(Vec::new()));
        }
        let Some(properties) = function.get_mut("Properties") else {
            continue;
        };
        // A delivery or data principal names its role in nested
        // properties (each source and destination of a delivery stream,
        // each action of a topic rule): each is emptied here and points
        // at the designed role below.
        let nested = nested_role_paths(template, function_id);
        if !nested.is_empty() {
            for path in &nested {
                let Some(slot) = node_at_mut(properties, path) else {
                    continue;
                };
                let previous = std::mem::replace(slot, Node::Null);
                match role_reference(&previous) {
                    Some(target) => {
                        let note =
                            format!("its previous role `{target}` is no longer its role");
                        if !notes.contains(&note) {
                            notes.push(note);
                        }
                        old_roles.insert(target);
                    }
                    None => notes.push(format!(
                        "its previous role {} is no longer its role (not in the template, not changed)",
                        short_json(&previous)
                    )),
                }
            }
            continue;
        }
        // A `Role` in `Globals` reaches the function through the merge
        // leash-iac does (SAM itself rejects it there).
        let written = properties.remove(role_property);
        let previous = written.or_else(|| {
            template
                .resource(function_id)
                .and_then(|r| r.properties.get(role_property))
                .map(Node::from_value)
        });
        if let Some(previous) = previous {
            unhook(&previous, notes, &mut old_roles);
        } else if is_sam {
            notes.push(format!(
                "SAM no longer generates its execution role (`{function_id}Role` is now leash's)"
            ));
        }
        if is_sam {
            for key in SAM_ROLE_PROPERTIES {
                if properties.remove(key).is_some() {
                    notes.push(match *key {
                        "Policies" => {
                            "SAM `Policies` removed (the designed role replaces them)".to_string()
                        }
                        "PermissionsBoundary" | "RolePath" => {
                            format!("`{key}` moved to the designed role")
                        }
                        _ => format!("`{key}` removed (the designed role has its own)"),
                    });
                }
            }
        }
    }
    // A role designed in place stays: it is the principal's designed role.
    for (principal, plan) in &in_place {
        old_roles.remove(&plan.role);
        let unhooked = format!("its previous role `{}` is no longer its role", plan.role);
        let notes = designed
            .function_notes
            .entry(principal.clone())
            .or_default();
        notes.retain(|n| *n != unhooked);
        notes.push(format!(
            "role `{}` designed in place: {} names it, so the designed role keeps its logical id and ARN",
            plan.role, plan.named_by
        ));
    }
    // Role settings in `Globals.Function` would apply to every function;
    // each now has its own role, so they go (boundary and path were read
    // from the merged properties and move to each role).
    if let Some(globals) = root.get_mut("Globals").and_then(|g| g.get_mut("Function")) {
        for key in ["Role"].iter().chain(SAM_ROLE_PROPERTIES) {
            if globals.remove(key).is_some() {
                designed.template_notes.push(format!(
                    "`Globals.Function.{key}` removed: every function has its own designed role"
                ));
            }
        }
    }
    // Keep only template roles (a `Ref` to a parameter is no resource).
    old_roles.retain(|id| {
        template
            .resource(id)
            .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role")
    });

    // 2. Remove old roles nothing else references; detach their policies.
    let mut removed: BTreeSet<String> = BTreeSet::new();
    // What the designed roles keep as is may name an old role (an
    // `iam:PassRole` on it, say): such a role stays.
    let mut named_by_kept = BTreeSet::new();
    for role in roles {
        for kept in &role.kept_as_is {
            match &kept.item {
                crate::model::KeptItem::Statements { written, .. } => written
                    .iter()
                    .for_each(|w| collect_references(w, &mut named_by_kept)),
                crate::model::KeptItem::ManagedPolicy { written, .. } => {
                    collect_references(written, &mut named_by_kept)
                }
            }
        }
    }
    for old in &old_roles {
        if named_by_kept.contains(old) {
            designed.template_notes.push(format!(
                "role `{old}` kept: a statement kept as is names it"
            ));
            continue;
        }
        let referrers = referrers_of(&root, old);
        if referrers.is_empty() {
            removed.insert(old.clone());
        } else {
            designed.template_notes.push(format!(
                "role `{old}` kept: still referenced by {}",
                backticked(&referrers)
            ));
        }
    }
    for old in &removed {
        remove_resource(&mut root, old);
        designed.template_notes.push(format!(
            "role `{old}` removed: no function uses it and nothing else references it"
        ));
    }
    detach_removed_roles(&mut root, &removed, &mut designed.template_notes);

    // 3. One role per function, wired; permissions for routes.
    for out in roles_ready
        .iter()
        .filter(|r| r.design.consumer.is_none() && !r.design.kind.is_role())
    {
        let role = out.design;
        let function_id = role.function.clone();
        let (Some(function_resource), Some(function)) = (out.resource, out.function) else {
            continue;
        };
        let condition = function_resource.condition.as_ref().map(|c| c.node.clone());
        let role_id = match in_place.get(&function_id) {
            // The template's role, its properties replaced.
            Some(plan) => {
                if let Some(resource) = resource_mut(&mut root, &plan.role) {
                    replace_role_properties(resource, out, out.own_boundary, &forms);
                }
                plan.role.clone()
            }
            None => {
                let role_id = free_id(
                    &root,
                    &format!("{function_id}Role"),
                    "LeashRole",
                    &function_id,
                );
                let mut role_properties = Vec::new();
                // A name only where the original named its role: a named
                // role needs `CAPABILITY_NAMED_IAM`, which the original did
                // not ask for.
                // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html#using-iam-capabilities
                if function.sam_event.is_none()
                    && original_names_its_role(template, function)
                    && let Some(name) = forms.role_name(&function_id, function_resource)
                {
                    role_properties.push(("RoleName".to_string(), name));
                }
                if let Some(path) = out.own_path {
                    role_properties.push(("Path".to_string(), Node::from_value(path)));
                }
                // A condition's ARN (a state machine's `aws:SourceArn`) in
                // its `Fn::Sub` form, as the permissions' ARNs.
                let mut trust = out.trust.clone();
                trust.rewrite_strings(&|text| forms.rewrite(text));
                role_properties.push(("AssumeRolePolicyDocument".to_string(), trust));
                // The function's own boundary, else the design options' one.
                let boundary = out
                    .own_boundary
                    .map(Node::from_value)
                    .or_else(|| out.options_boundary.map(Node::string));
                role_properties.extend(role_policy_properties(out, boundary, &forms));
                let mut role_resource = vec![("Type".to_string(), Node::string("AWS::IAM::Role"))];
                if let Some(condition) = &condition {
                    role_resource.push(("Condition".to_string(), Node::string(condition.clone())));
                }
                role_resource.push(("Properties".to_string(), Node::Object(role_properties)));
                insert_resource(&mut root, &role_id, Node::Object(role_resource));
                role_id
            }
        };
        let resource_type = function_resource.resource_type.node.as_str();
        let role_property = crate::model::PrincipalKind::role_property(resource_type);
        let nested = nested_role_paths(template, &function_id);
        if let Some((holder, paths)) = sam_graphql_slots(template, &function_id) {
            if let Some(properties) =
                resource_mut(&mut root, &holder).and_then(|f| f.get_mut("Properties"))
            {
                for path in &paths {
                    if let Some(slot) = node_at_creating(properties, path) {
                        *slot = Node::get_att(&role_id, "Arn");
                    }
                    let at = leash_iac::delivery::display_steps(path);
                    let at = if holder == function_id {
                        at
                    } else {
                        format!("{holder}.Properties.{at}")
                    };
                    designed.role_slots.insert(function_id.clone(), at);
                }
            }
        } else if let Some(sam) = &function.sam_event {
            let note = write_sam_event_role(&mut root, sam, &function_id, &role_id, &condition);
            designed
                .function_notes
                .entry(function_id.clone())
                .or_default()
                .push(note);
        } else if let Some(properties) =
            resource_mut(&mut root, &function_id).and_then(|f| f.get_mut("Properties"))
        {
            if out.design.kind.is_eventbridge() {
                for slot in eventbridge_role_slots(properties, resource_type) {
                    *slot = Node::get_att(&role_id, "Arn");
                }
            } else {
                if nested.is_empty() {
                    properties.insert(role_property, Node::get_att(&role_id, "Arn"));
                }
                for path in &nested {
                    if let Some(slot) = node_at_mut(properties, path) {
                        *slot = Node::get_att(&role_id, "Arn");
                    }
                }
            }
        }
        if let Some(log_group) = log_groups.get(&function_id) {
            let note = write_log_group(
                &mut root,
                &function_id,
                log_group,
                condition.as_deref(),
                app.options
                    .log_retention_days
                    .unwrap_or(crate::model::DEFAULT_LOG_RETENTION_DAYS),
            );
            designed
                .function_notes
                .entry(function_id.clone())
                .or_default()
                .push(note);
        }
        designed.role_ids.insert(function_id.clone(), role_id);

        let mut deployments = Vec::new();
        for (route, permission) in function.routes.iter().zip(&role.lambda_permissions) {
            let deployment = if api_has_own_definition(template, &route.api) {
                remove_event(&mut root, &function_id, &route.event);
                let logical_id = free_id(
                    &root,
                    &format!("{function_id}{}Permission", route.event),
                    "LeashPermission",
                    &format!("{function_id}{}", route.event),
                );
                let mut resource =
                    vec![("Type".to_string(), Node::string("AWS::Lambda::Permission"))];
                if let Some(condition) = &condition {
                    resource.push(("Condition".to_string(), Node::string(condition.clone())));
                }
                resource.push((
                    "Properties".to_string(),
                    Node::object([
                        ("Action", Node::string("lambda:InvokeFunction")),
                        ("FunctionName", Node::reference(&function_id)),
                        ("Principal", Node::string(permission.principal.clone())),
                        ("SourceAccount", Node::reference("AWS::AccountId")),
                        (
                            "SourceArn",
                            Node::sub(forms.execute_api(&permission.source_arn)),
                        ),
                    ]),
                ));
                insert_resource(&mut root, &logical_id, Node::Object(resource));
                designed
                    .function_notes
                    .entry(function_id.clone())
                    .or_default()
                    .push(format!(
                        "event `{}` removed: `{}` defines the route itself, and the event only made SAM add a permission for every stage; `{logical_id}` replaces it",
                        route.event, route.api
                    ));
                RouteDeployment::Written { logical_id }
            } else {
                sam_implicit(&function_id, route)
            };
            deployments.push((route.event.clone(), deployment));
        }
        designed.routes.insert(function_id, deployments);
    }
    // The policies attached to a role designed in place are part of the
    // template's IAM the designed policy replaces.
    let replaced: BTreeSet<String> = in_place.values().map(|p| p.role.clone()).collect();
    detach_removed_roles(&mut root, &replaced, &mut designed.template_notes);
    // 4. Roles that are principals themselves (an API integration's
    // credentials, the account's CloudWatch role): designed in place.
    write_roles_in_place(&mut root, &roles_ready, &forms, &mut designed);
    // 5. Cross-account consumers' roles: plain roles, no function.
    for out in roles_ready.iter().filter(|r| r.design.consumer.is_some()) {
        let role = out.design;
        let stem = format!("{}ConsumerRole", camel_case(&role.role_name));
        let role_id = free_id(&root, &stem, "Leash", &stem);
        let mut properties = vec![
            ("RoleName".to_string(), Node::string(role.role_name.clone())),
            ("AssumeRolePolicyDocument".to_string(), out.trust.clone()),
        ];
        // A consumer has no resource in the template: the options' boundary.
        let boundary = out.options_boundary.map(Node::string);
        properties.extend(role_policy_properties(out, boundary, &forms));
        insert_resource(
            &mut root,
            &role_id,
            Node::object([
                ("Type", Node::string("AWS::IAM::Role")),
                ("Properties", Node::Object(properties)),
            ]),
        );
        designed.template_notes.push(format!(
            "role `{role_id}` added for the cross-account consumer `{}`",
            role.role_name
        ));
        designed.role_ids.insert(role.function.clone(), role_id);
    }
    // 6. Bucket policies the options designed, unless the template has
    // one for the bucket already (a bucket has one policy; replacing the
    // author's would drop their statements).
    for out in policies_ready.iter().filter(|p| p.design.kind == "bucket") {
        let policy = out.design;
        if let Some(note) = &out.not_written {
            designed.template_notes.push(note.clone());
            continue;
        }
        let mut document = out.document.clone();
        document.rewrite_strings(&|text| forms.rewrite(text));
        let stem = format!("{}Policy", policy.resource);
        let id = free_id(&root, &stem, "Leash", &stem);
        insert_resource(
            &mut root,
            &id,
            Node::object([
                ("Type", Node::string("AWS::S3::BucketPolicy")),
                (
                    "Properties",
                    Node::object([
                        ("Bucket", Node::reference(&policy.resource)),
                        ("PolicyDocument", document),
                    ]),
                ),
            ]),
        );
        designed.template_notes.push(format!(
            "bucket policy `{id}` added for `{}`",
            policy.resource
        ));
    }
    // 6. API source-IP policies, in a SAM API's `Auth.ResourcePolicy`.
    for policy in policies_ready.iter().filter(|p| p.design.kind == "api") {
        let note = write_api_policy(&mut root, template, app, policy)?;
        designed.template_notes.push(note);
    }
    // 7. No dependency cycle through a role: statements naming what
    // depends on the function move to a policy of their own.
    let mut graph = ReferenceGraph::new(&root);
    for (function_id, role_id) in &designed.role_ids {
        if let Some(note) = split_dependent_statements(&mut root, &mut graph, function_id, role_id)
        {
            designed
                .function_notes
                .entry(function_id.clone())
                .or_default()
                .push(note);
        }
    }
    // 8. Values known only at deployment, as the template writes them.
    let writer = crate::sub_text::SubWriter::new(template);
    writer.write_symbols(&mut root);
    if !writer.succeeded() {
        return Err(WriteError::UnwritableSymbol {
            as_what: "back as the template writes it",
        });
    }
    designed.text = root.to_pretty_json();
    Ok(designed)
}

/// The boundary and the permissions policy of a designed role, as
/// `AWS::IAM::Role` properties (its ARNs in their `Fn::Sub` forms).
fn role_policy_properties(
    out: &RoleOut,
    boundary: Option<Node>,
    forms: &ArnForms,
) -> Vec<(String, Node)> {
    let mut properties = Vec::new();
    if let Some(boundary) = boundary {
        properties.push(("PermissionsBoundary".to_string(), boundary));
    }
    let managed = crate::roles_out::kept_managed_policies(out.design);
    if !managed.is_empty() {
        properties.push(("ManagedPolicyArns".to_string(), Node::Array(managed)));
    }
    if let Some(permissions) = &out.permissions {
        let mut permissions = permissions.clone();
        // leash's statements get their ARNs in `Fn::Sub` form; what is kept
        // as is goes in as the template wrote it.
        let kept = crate::roles_out::split_kept_statements(&mut permissions, out.design);
        permissions.rewrite_strings(&|text| forms.rewrite(text));
        if let Some(Node::Array(statements)) = permissions.get_mut("Statement") {
            statements.extend(kept);
        }
        properties.push((
            "Policies".to_string(),
            Node::Array(vec![Node::object([
                ("PolicyName", Node::string(PERMISSIONS_POLICY_NAME)),
                ("PolicyDocument", permissions),
            ])]),
        ));
    }
    properties
}

/// Writes a designed API policy into the API's resource, returning the
/// report's note. For an `AWS::Serverless::Api` the statements go into
/// `Auth.ResourcePolicy.CustomStatements`, which SAM adds to the API's
/// resource policy
/// (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-resourcepolicystatement.html>).
/// The API cannot name its own id there (`${Api}` in its own property is a
/// circular reference), so the resource is written `execute-api:/*`, which
/// API Gateway expands to `arn:aws:execute-api:REGION:ACCOUNT:API-ID/*` for
/// the API it is attached to
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html>).
/// A plain `AWS::ApiGateway::RestApi` is left alone: that expansion is
/// documented for OpenAPI import, not for its `Policy` property.
fn write_api_policy(
    root: &mut Node,
    template: &Template,
    app: &Application,
    policy: &ResourcePolicyOut,
) -> Result<String, CloudFormationError> {
    let api = policy.design.resource.as_str();
    let kind = template
        .resource(api)
        .map(|r| r.resource_type.node.as_str());
    if kind != Some("AWS::Serverless::Api") {
        return Ok(format!(
            "API policy for `{api}` not written: only an `AWS::Serverless::Api` gets one (the designed one is in this report)"
        ));
    }
    if let Some(note) = &policy.not_written {
        return Ok(note.clone());
    }
    if template
        .resource(api)
        .and_then(|r| r.properties.get("DefinitionUri"))
        .is_some()
    {
        // SAM does not edit a definition it reads from a file.
        return Ok(format!(
            "API policy for `{api}` not written: its definition is in `DefinitionUri`, which SAM does not change (the designed one is in this report)"
        ));
    }
    let mut document = policy.document.clone();
    let own_arn = format!(
        "arn:aws:execute-api:{}:{}:${{{api}}}",
        app.region, app.account
    );
    document.rewrite_strings(&|text| {
        text.strip_prefix(own_arn.as_str())
            .map(|rest| Node::string(format!("execute-api:{rest}")))
    });
    let statements = document
        .remove("Statement")
        .ok_or_else(|| WriteError::NoStatement(api.to_string()))?;
    let Some(resource) = resource_mut(root, api) else {
        return Err(WriteError::NotAResource(api.to_string()));
    };
    if resource.get("Properties").is_none() {
        resource.insert("Properties", Node::object(Vec::<(String, Node)>::new()));
    }
    let Some(properties) = resource.get_mut("Properties") else {
        return Err(WriteError::NotAMapping {
            resource: api.to_string(),
            key: "Properties",
        });
    };
    if properties.get("Auth").is_none() {
        properties.insert("Auth", Node::object(Vec::<(String, Node)>::new()));
    }
    let Some(auth) = properties.get_mut("Auth") else {
        return Err(WriteError::NotAMapping {
            resource: api.to_string(),
            key: "Auth",
        });
    };
    auth.insert(
        "ResourcePolicy",
        Node::object([("CustomStatements", statements)]),
    );
    Ok(format!(
        "API policy for `{api}` added in its `Auth.ResourcePolicy.CustomStatements` (source IP)"
    ))
}

/// A logical id part from a role name: `partner-reports` -> `PartnerReports`
/// (logical ids are alphanumeric).
fn camel_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// `Sid: 1` in YAML is a number, but CloudFormation passes the scalar's
/// text and IAM takes only strings for `Version`, `Id` and `Sid`; written
/// as a JSON number it would be a different, invalid policy. So in every
/// policy document (an object with `Statement`) those become strings with
/// the same text, as leash-iac reads them.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
fn stringify_policy_identifiers(node: &mut Node) {
    fn to_text(value: &mut Node) {
        let text = match value {
            Node::Number(text) => text.clone(),
            Node::Bool(b) => b.to_string(),
            _ => return,
        };
        *value = Node::String(text);
    }
    match node {
        Node::Object(members) => {
            let is_policy = members.iter().any(|(key, _)| key == "Statement");
            for (key, value) in members.iter_mut() {
                if is_policy && (key == "Version" || key == "Id") {
                    to_text(value);
                }
                if is_policy && key == "Statement" {
                    let statements: &mut [Node] = match value {
                        Node::Array(items) => items,
                        Node::Object(_) => std::slice::from_mut(value),
                        _ => &mut [],
                    };
                    for statement in statements.iter_mut() {
                        if let Some(sid) = statement.get_mut("Sid") {
                            to_text(sid);
                        }
                    }
                }
                stringify_policy_identifiers(value);
            }
        }
        Node::Array(items) => items.iter_mut().for_each(stringify_policy_identifiers),
        _ => {}
    }
}

/// SAM's permission for an event on an API whose routes SAM builds: one per
/// event, `SourceArn` with `*` for the stage, no `SourceAccount` (the
/// account is in the ARN). Its logical id ends with the stage name (`Prod`
/// for the implicit API). SAM has no property to turn it off.
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html
fn sam_implicit(function_id: &str, route: &ApiRoute) -> RouteDeployment {
    let method = if route.method == "ANY" {
        "*".to_string()
    } else {
        route.method.clone()
    };
    let path: String = route
        .path
        .trim_end_matches('/')
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let suffix =
        if route.event_type == "Api" && route.stage.chars().all(|c| c.is_ascii_alphanumeric()) {
            route.stage.clone()
        } else {
            String::new()
        };
    RouteDeployment::SamImplicit {
        logical_id: format!("{function_id}{}Permission{suffix}", route.event),
        source_arn: format!(
            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}/*/{method}{path}",
            route.api
        ),
    }
}

/// Whether the API's routes come from its own definition rather than from
/// the functions' events: SAM only builds an API's definition from events
/// when it has neither `DefinitionBody` nor `DefinitionUri`.
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html
fn api_has_own_definition(template: &Template, api: &str) -> bool {
    template.resource(api).is_some_and(|resource| {
        matches!(
            resource.resource_type.node.as_str(),
            "AWS::Serverless::Api" | "AWS::Serverless::HttpApi"
        ) && (resource.properties.get("DefinitionBody").is_some()
            || resource.properties.get("DefinitionUri").is_some())
    })
}

/// How each template resource's ARN is written in the designed template:
/// `arn:${AWS::Partition}:...:${AWS::Region}:${AWS::AccountId}:...`, with
/// the name as the template writes it (a literal, `${Parameter}`, a `Sub`
/// text) or, when the template sets no name, a reference to the resource
/// (`${Table}`, `${Queue.QueueName}`), which CloudFormation fills in.
struct ArnForms {
    /// `(designed ARN root, Fn::Sub form)`, longest root first.
    roots: Vec<(String, String)>,
    region: String,
    account: String,
    /// Function logical id -> its name as a `Fn::Sub` text, when it has one.
    function_names: BTreeMap<String, Option<String>>,
}

impl ArnForms {
    fn new(
        template: &Template,
        app: &Application,
        log_groups: &BTreeMap<String, NewLogGroup>,
    ) -> ArnForms {
        let mut roots = Vec::new();
        let mut function_names = BTreeMap::new();
        for resource in &app.resources {
            let Some(&scope) = crate::access::scopes(resource.kind).first() else {
                continue;
            };
            let literal =
                crate::access::scope_arn(scope, &resource.name, &app.region, &app.account, None);
            let name = name_expression(template, resource);
            let sub = if resource.kind == ResourceKind::Secret && !resource.named {
                // `Ref` of a secret is its ARN, random suffix included.
                // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values
                name.clone()
            } else {
                crate::access::scope_arn(scope, &name, "${AWS::Region}", "${AWS::AccountId}", None)
            };
            roots.push((literal, with_partition(&sub)));
            if resource.kind == ResourceKind::Function {
                let function = app
                    .functions
                    .iter()
                    .find(|f| f.logical_id == resource.logical_id);
                let group = function.map_or_else(
                    || format!("/aws/lambda/{}", resource.name),
                    crate::model::Function::log_group_name,
                );
                let configured = function.is_some_and(|f| f.log_group.is_some());
                roots.push((
                    format!(
                        "arn:aws:logs:{}:{}:log-group:{group}",
                        app.region, app.account
                    ),
                    match log_groups.get(&resource.logical_id) {
                        // The log group the designed template creates: its
                        // `Ref` is its name.
                        Some(group) => format!(
                            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{}}}",
                            group.id
                        ),
                        None if configured => format!(
                            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{}",
                            escape_sub(&group)
                        ),
                        None => format!(
                            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{name}"
                        ),
                    },
                ));
                function_names.insert(
                    resource.logical_id.clone(),
                    resource.named.then(|| name.clone()),
                );
            }
        }
        roots.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        ArnForms {
            roots,
            region: app.region.clone(),
            account: app.account.clone(),
            function_names,
        }
    }

    /// The `Fn::Sub` form of a designed ARN, or `None` for other strings.
    fn rewrite(&self, text: &str) -> Option<Node> {
        if !text.starts_with("arn:") {
            return None;
        }
        for (literal, sub) in &self.roots {
            if let Some(rest) = text.strip_prefix(literal.as_str())
                && (rest.is_empty() || rest.starts_with('/') || rest.starts_with(':'))
            {
                return Some(Node::sub(format!("{sub}{}", escape_sub(rest))));
            }
        }
        let arn = Arn::parse(text).ok()?;
        if arn.partition() != "aws" {
            return None;
        }
        let region = if arn.region() == self.region.as_str() {
            "${AWS::Region}".to_string()
        } else {
            escape_sub(&arn.region())
        };
        let account = if arn.account() == self.account.as_str() {
            "${AWS::AccountId}".to_string()
        } else {
            escape_sub(&arn.account())
        };
        Some(Node::sub(format!(
            "arn:${{AWS::Partition}}:{}:{region}:{account}:{}",
            escape_sub(&arn.service()),
            escape_sub(&arn.resource())
        )))
    }

    /// An execute-api `SourceArn` (`arn:aws:execute-api:R:A:${Api}/...`,
    /// where `${Api}` is meant for `Fn::Sub`) with pseudo parameters.
    fn execute_api(&self, source_arn: &str) -> String {
        let literal = format!("arn:aws:execute-api:{}:{}:", self.region, self.account);
        match source_arn.strip_prefix(&literal) {
            Some(rest) => format!(
                "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:{rest}"
            ),
            None => source_arn.to_string(),
        }
    }

    /// `RoleName` for a function's role: its name with `-role` when the
    /// template names the function; none (CloudFormation generates one)
    /// when it does not or a literal name would pass IAM's 64-character
    /// limit ([`role_name_fits`]).
    fn role_name(&self, function_id: &str, resource: &leash_iac::Resource) -> Option<Node> {
        let name = self.function_names.get(function_id)?.as_ref()?;
        match resource
            .properties
            .get("FunctionName")
            .and_then(|v| v.as_str())
        {
            Some(literal) => {
                let role_name = format!("{literal}-role");
                role_name_fits(&role_name).then(|| Node::string(role_name))
            }
            None => Some(Node::sub(format!("{name}-role"))),
        }
    }
}

/// The resource's name as `Fn::Sub` text: the name property as written
/// (literal, `Ref`, or a `Sub` text without variables), or a reference to
/// the resource when it sets no name. A named resource keeps a literal so
/// the role does not depend on it (an S3 bucket that notifies the function
/// would otherwise make a dependency cycle).
fn name_expression(template: &Template, resource: &AppResource) -> String {
    let id = &resource.logical_id;
    let property = template
        .resource(id)
        .and_then(|r| ResourceKind::name_property(&r.resource_type.node))
        .unwrap_or("Name");
    if !resource.named {
        // What `Ref`/`GetAtt` return for each kind:
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-dynamodb-table.html#aws-resource-dynamodb-table-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-s3-bucket.html#aws-resource-s3-bucket-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html#aws-resource-sns-topic-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html#aws-resource-lambda-function-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kinesis-stream.html#aws-resource-kinesis-stream-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html#aws-resource-stepfunctions-statemachine-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html#aws-resource-ssm-parameter-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html#aws-resource-logs-loggroup-return-values
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html#aws-resource-kms-key-return-values
        // (a secret's `Ref` is its whole ARN: see `ArnForms::new`).
        return match resource.kind {
            ResourceKind::Table
            | ResourceKind::Bucket
            | ResourceKind::Function
            | ResourceKind::Stream
            | ResourceKind::Parameter
            | ResourceKind::LogGroup
            | ResourceKind::EventBus
            | ResourceKind::Key
            | ResourceKind::Secret => format!("${{{id}}}"),
            ResourceKind::Queue => format!("${{{id}.QueueName}}"),
            ResourceKind::Topic => format!("${{{id}.TopicName}}"),
            ResourceKind::StateMachine => format!("${{{id}.Name}}"),
        };
    }
    let written = template
        .resource(id)
        .and_then(|r| r.properties.get(property));
    match written {
        Some(value) => {
            if let Some(text) = value.as_str() {
                return escape_sub(text);
            }
            if let Some(target) = value.get("Ref").and_then(|v| v.as_str()) {
                return format!("${{{target}}}");
            }
            if let Some(text) = value.get("Fn::Sub").and_then(|v| v.as_str()) {
                return text.to_string();
            }
            escape_sub(&resource.name)
        }
        None => escape_sub(&resource.name),
    }
}

fn with_partition(arn: &str) -> String {
    match arn.strip_prefix("arn:aws:") {
        Some(rest) => format!("arn:${{AWS::Partition}}:{rest}"),
        None => arn.to_string(),
    }
}

/// `${` in literal text written into `Fn::Sub` is `${!`.
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html
fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

fn resources_mut(root: &mut Node) -> Option<&mut Node> {
    root.get_mut("Resources")
}

fn resource_mut<'a>(root: &'a mut Node, id: &str) -> Option<&'a mut Node> {
    resources_mut(root)?.get_mut(id)
}

fn insert_resource(root: &mut Node, id: &str, resource: Node) {
    if let Some(resources) = resources_mut(root) {
        resources.insert(id, resource);
    }
}

fn remove_resource(root: &mut Node, id: &str) {
    if let Some(resources) = resources_mut(root) {
        resources.remove(id);
    }
}

fn remove_event(root: &mut Node, function_id: &str, event: &str) {
    let Some(properties) = resource_mut(root, function_id).and_then(|f| f.get_mut("Properties"))
    else {
        return;
    };
    if let Some(events) = properties.get_mut("Events") {
        events.remove(event);
        if events.as_object().is_some_and(<[_]>::is_empty) {
            properties.remove("Events");
        }
    }
}

/// The event `Events.<event>` of a SAM event principal's function or
/// state machine.
fn sam_event_mut<'a>(root: &'a mut Node, sam: &SamEventOf) -> Option<&'a mut Node> {
    resource_mut(root, &sam.resource)?
        .get_mut("Properties")?
        .get_mut("Events")?
        .get_mut(&sam.event)
}

/// Points a SAM event principal at its designed role: the event's
/// `RoleArn` for a `ScheduleV2`; a state machine's `Schedule` (whose
/// `RoleArn` SAM takes as a string only), `EventBridgeRule` or
/// `CloudWatchEvent` (no `RoleArn`) becomes the rule SAM would write for it
/// (`model/stepfunctions/events.py` of aws-sam-translator 1.110.0: same
/// logical id, `EventPattern` from `Pattern`, `Name` from `RuleName`, one
/// target starting the state machine with its `Id`, input and retry
/// settings and dead-letter queue), naming the designed role. Returns the
/// report's note.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-statemachine-statemachineeventbridgerule.html>
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-rule.html>
fn write_sam_event_role(
    root: &mut Node,
    sam: &SamEventOf,
    principal: &str,
    role_id: &str,
    condition: &Option<String>,
) -> String {
    let Some(event) = sam_event_mut(root, sam) else {
        return format!(
            "event `{}` of `{}` not found: its role is not pointed at `{role_id}`",
            sam.event, sam.resource
        );
    };
    // SAM reads a state machine `Schedule` event's `RoleArn` as a string
    // only (its transform rejects `Fn::GetAtt` there): written as a rule,
    // as the other rule events.
    if sam.event_type == "ScheduleV2" {
        if event.get("Properties").is_none() {
            event.insert("Properties", Node::Object(Vec::new()));
        }
        if let Some(properties) = event.get_mut("Properties") {
            properties.insert("RoleArn", Node::get_att(role_id, "Arn"));
        }
        return format!(
            "event `{}` of `{}`: `RoleArn` points at `{role_id}`",
            sam.event, sam.resource
        );
    }
    let properties = event
        .get("Properties")
        .cloned()
        .unwrap_or(Node::Object(Vec::new()));
    remove_event(root, &sam.resource, &sam.event);
    // SAM's target id: `<Rule>StepFunctionsTarget`, cut to 64 characters
    // keeping the suffix (`generate_valid_target_id`).
    let target_id = properties
        .get("Target")
        .and_then(|t| t.get("Id"))
        .cloned()
        .unwrap_or_else(|| {
            let suffix = "StepFunctionsTarget";
            let keep = 64usize.saturating_sub(suffix.len());
            let stem: String = principal.chars().take(keep).collect();
            Node::string(format!("{stem}{suffix}"))
        });
    let mut target = vec![
        ("Id".to_string(), target_id),
        ("Arn".to_string(), Node::reference(&sam.resource)),
        ("RoleArn".to_string(), Node::get_att(role_id, "Arn")),
    ];
    for key in ["Input", "InputPath"] {
        if let Some(value) = properties.get(key) {
            target.push((key.to_string(), value.clone()));
        }
    }
    if let Some(arn) = properties
        .get("DeadLetterConfig")
        .and_then(|d| d.get("Arn"))
    {
        target.push((
            "DeadLetterConfig".to_string(),
            Node::object([("Arn", arn.clone())]),
        ));
    }
    for key in ["RetryPolicy", "InputTransformer"] {
        if let Some(value) = properties.get(key) {
            target.push((key.to_string(), value.clone()));
        }
    }
    let mut rule = Vec::new();
    let fields: &[(&str, &str)] = if sam.event_type == "Schedule" {
        &[
            ("Schedule", "ScheduleExpression"),
            ("State", "State"),
            ("Name", "Name"),
            ("Description", "Description"),
        ]
    } else {
        &[
            ("EventBusName", "EventBusName"),
            ("Pattern", "EventPattern"),
            ("RuleName", "Name"),
            ("State", "State"),
        ]
    };
    for (from, to) in fields {
        if let Some(value) = properties.get(from) {
            rule.push((to.to_string(), value.clone()));
        }
    }
    // A `Schedule`'s `Enabled` is the rule's `State`.
    if let Some(Node::Bool(enabled)) = properties.get("Enabled") {
        let state = if *enabled { "ENABLED" } else { "DISABLED" };
        rule.push(("State".to_string(), Node::string(state)));
    }
    rule.push((
        "Targets".to_string(),
        Node::Array(vec![Node::Object(target)]),
    ));
    let mut resource = vec![("Type".to_string(), Node::string("AWS::Events::Rule"))];
    if let Some(condition) = condition {
        resource.push(("Condition".to_string(), Node::string(condition.clone())));
    }
    resource.push(("Properties".to_string(), Node::Object(rule)));
    insert_resource(root, principal, Node::Object(resource));
    format!(
        "event `{}` of `{}` written as the rule `{principal}` SAM would create for it, its target naming `{role_id}` (SAM's `{}` event takes no `RoleArn` a template role can be given by)",
        sam.event, sam.resource, sam.event_type
    )
}

/// `base`, or `base` with `suffix` (and a number) when another resource
/// already has that id.
fn free_id(root: &Node, base: &str, suffix: &str, stem: &str) -> String {
    let taken = |id: &str| root.get("Resources").and_then(|r| r.get(id)).is_some();
    if !taken(base) {
        return base.to_string();
    }
    let mut candidate = format!("{stem}{suffix}");
    let mut number = 2;
    while taken(&candidate) {
        candidate = format!("{stem}{suffix}{number}");
        number += 1;
    }
    candidate
}

/// The logical id a function's `Role` value points at (`Fn::GetAtt` of
/// `Arn`, `Ref`, or a `Sub` of one resource).
/// A principal's previous role: noted, and a role of the template
/// remembered (removed later when nothing else references it).
fn unhook(previous: &Node, notes: &mut Vec<String>, old_roles: &mut BTreeSet<String>) {
    match role_reference(previous) {
        Some(target) => {
            notes.push(format!(
                "its previous role `{target}` is no longer its role"
            ));
            old_roles.insert(target);
        }
        None => notes.push(format!(
            "its previous role {} is no longer its role (not in the template, not changed)",
            short_json(previous)
        )),
    }
}

/// The role values of an EventBridge principal's properties, as written:
/// a pipe's `RoleArn`, a schedule's `Target.RoleArn`, the `RoleArn` of
/// each rule target that names the same role as the first one (the
/// targets the designed role serves; see
/// `leash_iac::eventbridge::role_values`).
fn eventbridge_role_slots_of<'a>(properties: &'a Node, resource_type: &str) -> Vec<&'a Node> {
    match resource_type {
        "AWS::Pipes::Pipe" => properties.get("RoleArn").into_iter().collect(),
        "AWS::Scheduler::Schedule" => properties
            .get("Target")
            .and_then(|t| t.get("RoleArn"))
            .into_iter()
            .collect(),
        "AWS::Events::Rule" => properties
            .get("Targets")
            .and_then(Node::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(|t| t.get("RoleArn"))
            .collect(),
        _ => Vec::new(),
    }
}

/// [`eventbridge_role_slots_of`], to be pointed at the designed role.
fn eventbridge_role_slots<'a>(properties: &'a mut Node, resource_type: &str) -> Vec<&'a mut Node> {
    match resource_type {
        "AWS::Pipes::Pipe" => properties.get_mut("RoleArn").into_iter().collect(),
        "AWS::Scheduler::Schedule" => properties
            .get_mut("Target")
            .and_then(|t| t.get_mut("RoleArn"))
            .into_iter()
            .collect(),
        "AWS::Events::Rule" => match properties.get_mut("Targets") {
            Some(Node::Array(targets)) => {
                let first = targets
                    .iter()
                    .find_map(|t| t.get("RoleArn"))
                    .and_then(role_reference);
                targets
                    .iter_mut()
                    .filter_map(|t| t.get_mut("RoleArn"))
                    .filter(|r| role_reference(r) == first)
                    .collect()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn role_reference(value: &Node) -> Option<String> {
    let mut found = BTreeSet::new();
    collect_references(value, &mut found);
    (found.len() == 1)
        .then(|| found.into_iter().next())
        .flatten()
}

fn short_json(value: &Node) -> String {
    let text = value.to_pretty_json();
    let compact: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("`{compact}`")
}

fn backticked(items: &BTreeSet<String>) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Logical ids a node refers to with `Ref`, `Fn::GetAtt` or `${...}` in
/// `Fn::Sub` (pseudo parameters and `Sub` variables excluded).
fn collect_references(node: &Node, found: &mut BTreeSet<String>) {
    match node {
        Node::Object(members) => {
            if members.len() == 1 {
                let (key, value) = &members[0];
                match key.as_str() {
                    "Ref" => {
                        if let Some(target) = value.as_str()
                            && !target.starts_with("AWS::")
                        {
                            found.insert(target.to_string());
                        }
                        return;
                    }
                    "Fn::GetAtt" => {
                        let target = match value {
                            Node::String(text) => text.split('.').next().map(str::to_string),
                            Node::Array(items) => {
                                items.first().and_then(Node::as_str).map(str::to_string)
                            }
                            _ => None,
                        };
                        if let Some(target) = target {
                            found.insert(target);
                        }
                        return;
                    }
                    "Fn::Sub" => {
                        let (text, variables) = match value {
                            Node::String(text) => (Some(text.as_str()), None),
                            Node::Array(items) => {
                                (items.first().and_then(Node::as_str), items.get(1))
                            }
                            _ => (None, None),
                        };
                        let local: BTreeSet<&str> = variables
                            .and_then(Node::as_object)
                            .map(|m| m.iter().map(|(k, _)| k.as_str()).collect())
                            .unwrap_or_default();
                        if let Some(text) = text {
                            for name in sub_variables(text) {
                                let target = name.split('.').next().unwrap_or(&name).to_string();
                                if !target.contains("::") && !local.contains(target.as_str()) {
                                    found.insert(target);
                                }
                            }
                        }
                        if let Some(variables) = variables {
                            collect_references(variables, found);
                        }
                        return;
                    }
                    _ => {}
                }
            }
            for (_, value) in members {
                collect_references(value, found);
            }
        }
        Node::Array(items) => items.iter().for_each(|i| collect_references(i, found)),
        _ => {}
    }
}

/// The `${NAME}` variables of a `Fn::Sub` text (`${!...}` is literal).
fn sub_variables(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.starts_with('!') {
                    names.push(name.trim().to_string());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    names
}

fn depends_on(resource: &Node) -> Vec<String> {
    match resource.get("DependsOn") {
        Some(Node::String(id)) => vec![id.clone()],
        Some(Node::Array(items)) => items
            .iter()
            .filter_map(Node::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Resource types whose `Roles` property only attaches a policy to roles:
/// a reference there does not keep a role that no function uses.
const ATTACHMENT_TYPES: &[&str] = &["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"];

/// What references `id`, other than itself and policy attachments, by
/// logical id (or section name, e.g. `Outputs`).
fn referrers_of(root: &Node, id: &str) -> BTreeSet<String> {
    let mut referrers = BTreeSet::new();
    for (section, value) in root.as_object().unwrap_or(&[]) {
        if section != "Resources" {
            let mut found = BTreeSet::new();
            collect_references(value, &mut found);
            if found.contains(id) {
                referrers.insert(section.clone());
            }
            continue;
        }
        for (other, resource) in value.as_object().unwrap_or(&[]) {
            if other == id {
                continue;
            }
            let mut found = BTreeSet::new();
            let is_attachment = resource
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| ATTACHMENT_TYPES.contains(&t));
            for (key, part) in resource.as_object().unwrap_or(&[]) {
                if key == "Properties" && is_attachment {
                    for (property, inner) in part.as_object().unwrap_or(&[]) {
                        if property != "Roles" {
                            collect_references(inner, &mut found);
                        }
                    }
                } else if key != "DependsOn" {
                    collect_references(part, &mut found);
                }
            }
            found.extend(depends_on(resource));
            if found.contains(id) {
                referrers.insert(other.clone());
            }
        }
    }
    referrers
}

/// Whether resource `other` names `id` only in its `DependsOn`.
fn only_depends_on(root: &Node, other: &str, id: &str) -> bool {
    let Some(resource) = root.get("Resources").and_then(|r| r.get(other)) else {
        return false;
    };
    if !depends_on(resource).iter().any(|d| d == id) {
        return false;
    }
    let mut found = BTreeSet::new();
    for (key, part) in resource.as_object().unwrap_or(&[]) {
        if key != "DependsOn" {
            collect_references(part, &mut found);
        }
    }
    !found.contains(id)
}

/// Takes `id` out of every resource's `DependsOn` (a `DependsOn` left
/// empty goes).
fn remove_depends_on(root: &mut Node, id: &str) {
    let Some(Node::Object(resources)) = resources_mut(root) else {
        return;
    };
    for (_, resource) in resources.iter_mut() {
        let emptied = match resource.get_mut("DependsOn") {
            Some(Node::String(only)) => only == id,
            Some(Node::Array(items)) => {
                items.retain(|item| item.as_str() != Some(id));
                items.is_empty()
            }
            _ => false,
        };
        if emptied {
            resource.remove("DependsOn");
        }
    }
}

/// The properties of a role designed in place: the designed trust
/// policy and permissions take the place of the template's; its
/// `RoleName`, `Path`, `Tags` and the rest stay, and so does its own
/// `PermissionsBoundary` (else `boundary`, the principal's own, else the
/// design options').
fn replace_role_properties(
    resource: &mut Node,
    out: &crate::roles_out::RoleOut<'_>,
    boundary: Option<&leash_policy::Value>,
    forms: &ArnForms,
) {
    let mut properties = match resource.get("Properties") {
        Some(Node::Object(members)) => members.clone(),
        _ => Vec::new(),
    };
    let boundary = properties
        .iter()
        .find(|(k, _)| k == "PermissionsBoundary")
        .map(|(_, v)| v.clone())
        .or_else(|| boundary.map(Node::from_value))
        .or_else(|| out.options_boundary.map(Node::string));
    properties.retain(|(key, _)| {
        !matches!(
            key.as_str(),
            "AssumeRolePolicyDocument" | "Policies" | "ManagedPolicyArns" | "PermissionsBoundary"
        )
    });
    let mut trust = out.trust.clone();
    trust.rewrite_strings(&|text| forms.rewrite(text));
    properties.push(("AssumeRolePolicyDocument".to_string(), trust));
    properties.extend(role_policy_properties(out, boundary, forms));
    resource.insert("Properties", Node::Object(properties));
}

/// A principal's template role designed in place (`plan_roles_in_place`).
struct InPlace {
    /// The role's logical id.
    role: String,
    /// What names it ("the policy of `X`").
    named_by: String,
}

/// Resource types whose property grants access to the principals it
/// names: a trust policy, a data access policy, a resource policy. A new
/// role would not be among those principals.
const GRANTS_BY_PRINCIPAL: &[(&str, &str)] = &[
    ("AWS::IAM::Role", "AssumeRolePolicyDocument"),
    ("AWS::OpenSearchServerless::AccessPolicy", "Policy"),
    ("AWS::KMS::Key", "KeyPolicy"),
    ("AWS::KMS::ReplicaKey", "KeyPolicy"),
    ("AWS::S3::BucketPolicy", "PolicyDocument"),
    ("AWS::S3::AccessPoint", "Policy"),
    ("AWS::SQS::QueuePolicy", "PolicyDocument"),
    ("AWS::SNS::TopicPolicy", "PolicyDocument"),
    ("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy"),
    ("AWS::Events::EventBusPolicy", "Statement"),
    ("AWS::Events::EventBusPolicy", "Principal"),
    ("AWS::Lambda::Permission", "Principal"),
    ("AWS::Lambda::LayerVersionPermission", "Principal"),
    ("AWS::ECR::Repository", "RepositoryPolicyText"),
    ("AWS::OpenSearchService::Domain", "AccessPolicies"),
    ("AWS::Elasticsearch::Domain", "AccessPolicies"),
    ("AWS::Kinesis::ResourcePolicy", "ResourcePolicy"),
    ("AWS::DynamoDB::Table", "ResourcePolicy"),
    ("AWS::Logs::ResourcePolicy", "PolicyDocument"),
    ("AWS::ApiGateway::RestApi", "Policy"),
    ("AWS::LakeFormation::Permissions", "DataLakePrincipal"),
    ("AWS::LakeFormation::PrincipalPermissions", "Principal"),
];

/// The principals whose template role is designed in place (by the
/// principal's logical id): a role of the template (`AWS::IAM::Role`)
/// that only this principal runs as, named as a principal by another
/// resource's policy (`GRANTS_BY_PRINCIPAL`), or the role of a delivery
/// stream whose destination names it in a policy of its own (an
/// OpenSearch Serverless collection's data access policy, maybe outside
/// the template). A new role would not be in those policies: the
/// designed trust and permissions take the place of the role's under the
/// same logical id, so every policy naming it names the designed role.
///
/// Not in place, with a note, when something else uses the role (another
/// principal, a resource leash does not design) or the designed policy
/// would name a resource that names the role (a circular dependency).
fn plan_roles_in_place(
    root: &Node,
    template: &Template,
    roles_ready: &[crate::roles_out::RoleOut<'_>],
    forms: &ArnForms,
    notes: &mut Vec<String>,
) -> BTreeMap<String, InPlace> {
    let role_of = |out: &crate::roles_out::RoleOut<'_>| -> Option<String> {
        if out.design.consumer.is_some()
            || out.design.kind.is_role()
            || out.function.is_none_or(|f| f.sam_event.is_some())
        {
            return None;
        }
        let resource = out.resource?;
        if sam_graphql_slots(template, &resource.logical_id.node).is_some() {
            return None;
        }
        let role = leash_iac::delivery::reference_target(crate::model::role_value(resource)?)?;
        template
            .resource(&role)
            .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role")
            .then_some(role)
    };
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for out in roles_ready {
        if let Some(role) = role_of(out) {
            users
                .entry(role)
                .or_default()
                .push(out.design.function.clone());
        }
    }
    // Which resources' grants name each logical id, in one pass.
    let mut grants: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, resource) in root
        .get("Resources")
        .and_then(Node::as_object)
        .unwrap_or(&[])
    {
        let resource_type = resource.get("Type").and_then(Node::as_str);
        let mut found = BTreeSet::new();
        for (_, property) in GRANTS_BY_PRINCIPAL
            .iter()
            .filter(|(t, _)| Some(*t) == resource_type)
        {
            if let Some(value) = resource.get("Properties").and_then(|p| p.get(property)) {
                collect_references(value, &mut found);
            }
        }
        for named in found.into_iter().filter(|named| named != id) {
            grants.entry(named).or_default().insert(id.clone());
        }
    }
    let mut plans = BTreeMap::new();
    for (role, principals) in users {
        let named_by = grants.remove(&role).unwrap_or_default();
        let destination_names_it = principals.iter().any(|p| {
            template.resource(p).is_some_and(|r| {
                r.resource_type.node == "AWS::KinesisFirehose::DeliveryStream"
                    && r.properties
                        .get(leash_iac::delivery::FIREHOSE_NAMED_BY_DESTINATION)
                        .is_some()
            })
        });
        if named_by.is_empty() && !destination_names_it {
            continue;
        }
        let what = if named_by.is_empty() {
            "its OpenSearch Serverless destination's data access policy".to_string()
        } else {
            format!("the policy of {}", backticked(&named_by))
        };
        let [principal] = principals.as_slice() else {
            notes.push(format!(
                "role `{role}` is named by {what}, and {} run as it: each has a designed role of its own, which {what} does not name; add them there",
                backticked(&principals.iter().cloned().collect())
            ));
            continue;
        };
        let others: BTreeSet<String> = referrers_of(root, &role)
            .into_iter()
            .filter(|r| {
                r != principal
                    && r != "Outputs"
                    && !named_by.contains(r)
                    && !only_depends_on(root, r, &role)
            })
            .collect();
        if !others.is_empty() {
            notes.push(format!(
                "role `{role}` is named by {what}, and {} use it too: `{principal}` has a designed role of its own, which {what} does not name; add it there",
                backticked(&others)
            ));
            continue;
        }
        // What the designed policy names, as it will be written.
        let mut found = BTreeSet::new();
        if let Some(out) = roles_ready.iter().find(|o| o.design.function == *principal) {
            for (_, written) in role_policy_properties(out, None, forms) {
                collect_references(&written, &mut found);
            }
        }
        let cycle: BTreeSet<String> = found.intersection(&named_by).cloned().collect();
        if !cycle.is_empty() {
            notes.push(format!(
                "role `{role}` is named by {what}, and its designed policy names {}: designed in place, that would be a circular dependency, so `{principal}` has a designed role of its own, which {what} does not name; add it there",
                backticked(&cycle)
            ));
            continue;
        }
        plans.insert(
            principal.clone(),
            InPlace {
                role,
                named_by: what,
            },
        );
    }
    plans
}

/// A role that is a principal itself (`PrincipalKind::is_role`) is
/// designed in place: the designed trust and policies take the place of
/// the template's under the same logical id, so every integration's
/// credentials (`Fn::GetAtt ROLE.Arn` in a method, a V2 integration, an
/// OpenAPI body or an `AWS::Include` file leash cannot rewrite) names
/// the designed role as it named the template's. Its `RoleName`, `Path`,
/// `PermissionsBoundary`, `Tags` and the rest stay; the policies attached
/// to it by `AWS::IAM::Policy`/`ManagedPolicy` resources are detached
/// (the designed role's own policy replaces them).
fn write_roles_in_place(
    root: &mut Node,
    roles_ready: &[crate::roles_out::RoleOut<'_>],
    forms: &ArnForms,
    designed: &mut DesignedTemplate,
) {
    let mut replaced = BTreeSet::new();
    for out in roles_ready.iter().filter(|r| r.design.kind.is_role()) {
        let id = out.design.function.clone();
        let Some(resource) = resource_mut(root, &id) else {
            continue;
        };
        replace_role_properties(resource, out, None, forms);
        designed
            .function_notes
            .entry(id.clone())
            .or_default()
            .push(format!(
                "role `{id}` designed in place: {} as before",
                if out.design.kind == crate::model::PrincipalKind::ApiCloudWatchRole {
                    "`AWS::ApiGateway::Account` names it"
                } else {
                    "its integrations name it"
                }
            ));
        designed.role_ids.insert(id.clone(), id.clone());
        replaced.insert(id);
    }
    detach_removed_roles(root, &replaced, &mut designed.template_notes);
}

/// Takes removed roles out of policies' `Roles`; removes an
/// `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` left attached to
/// nothing, unless something references it.
fn detach_removed_roles(root: &mut Node, removed: &BTreeSet<String>, notes: &mut Vec<String>) {
    if removed.is_empty() {
        return;
    }
    let mut emptied = Vec::new();
    if let Some(Node::Object(resources)) = resources_mut(root) {
        for (id, resource) in resources.iter_mut() {
            let is_attachment = resource
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| ATTACHMENT_TYPES.contains(&t));
            if !is_attachment {
                continue;
            }
            let Some(properties) = resource.get_mut("Properties") else {
                continue;
            };
            let has_users_or_groups = ["Users", "Groups"].iter().any(|key| {
                properties
                    .get(key)
                    .and_then(Node::as_array)
                    .is_some_and(|items| !items.is_empty())
            });
            let Some(Node::Array(attached)) = properties.get_mut("Roles") else {
                continue;
            };
            let before = attached.len();
            attached.retain(|item| {
                item.get("Ref")
                    .and_then(Node::as_str)
                    .is_none_or(|target| !removed.contains(target))
            });
            if attached.len() == before {
                continue;
            }
            let no_roles_left = attached.is_empty();
            let attached_to_nothing = no_roles_left && !has_users_or_groups;
            if no_roles_left {
                properties.remove("Roles");
            }
            if attached_to_nothing {
                emptied.push(id.clone());
            } else {
                notes.push(format!("`{id}` no longer attached to the removed role(s)"));
            }
        }
    }
    for id in emptied {
        // A resource that only waits for the policy (`DependsOn`, as a
        // delivery stream waits for its role's policy) no longer needs
        // to: its designed role carries its own policy.
        let referrers: BTreeSet<String> = referrers_of(root, &id)
            .into_iter()
            .filter(|other| !only_depends_on(root, other, &id))
            .collect();
        if referrers.is_empty() {
            remove_resource(root, &id);
            remove_depends_on(root, &id);
            notes.push(format!(
                "`{id}` removed: it was attached only to removed role(s)"
            ));
        } else {
            notes.push(format!(
                "`{id}` kept unattached: referenced by {}",
                backticked(&referrers)
            ));
        }
    }
}

/// A log group the designed template creates for a function.
#[derive(Clone, Debug, PartialEq, Eq)]
struct NewLogGroup {
    /// Its logical id.
    id: String,
    /// `LogGroupName` as a `Fn::Sub` text.
    name: String,
    /// The name as the design resolved it.
    group: String,
}

/// The log groups to create: one per function whose design lets it write
/// its logs and whose template has no log group for it (none named
/// `/aws/lambda/<function>`, no `LoggingConfig.LogGroup`). Lambda creates
/// a missing group itself only with `logs:CreateLogGroup`, which the
/// design does not grant
/// (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html>);
/// the template creates it instead, so every function can write its logs.
///
/// The group's name does not depend on the function (a named function's
/// `/aws/lambda/<FunctionName>` as written; for an unnamed one,
/// `/aws/lambda/${AWS::StackName}-<logical id>`), and the function logs to
/// it through `LoggingConfig.LogGroup`
/// (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html>):
/// the role names the group, the function names the role and the group,
/// and nothing names the function, so there is no dependency cycle.
fn plan_log_groups(
    root: &Node,
    template: &Template,
    app: &Application,
    roles: &[RoleDesign],
) -> BTreeMap<String, NewLogGroup> {
    let mut planned: BTreeMap<String, NewLogGroup> = BTreeMap::new();
    for role in roles.iter().filter(|r| r.consumer.is_none()) {
        let Some(function) = app.functions.iter().find(|f| f.logical_id == role.function) else {
            continue;
        };
        let group = function.log_group_name();
        let own_group = format!(":log-group:{group}:*");
        let writes_logs = role
            .permissions
            .iter()
            .any(|p| p.action == "logs:PutLogEvents" && p.resource.ends_with(&own_group));
        // `LoggingConfig.LogGroup` as written (Globals merged in).
        let configured = template
            .resource(&function.logical_id)
            .and_then(|r| r.properties.get("LoggingConfig"))
            .and_then(|c| c.get("LogGroup"));
        let in_template = app
            .resources
            .iter()
            .any(|r| r.kind == ResourceKind::LogGroup && r.name == group);
        if !writes_logs || in_template {
            continue;
        }
        // Functions that log to one group named in `LoggingConfig` share
        // the group the design creates.
        if let Some(shared) = planned
            .values()
            .find(|p| p.group == group && configured.is_some())
            .cloned()
        {
            planned.insert(function.logical_id.clone(), shared);
            continue;
        }
        let stem = format!("{}LogGroup", function.logical_id);
        let mut id = free_id(root, &stem, "Leash", &stem);
        let mut number = 2;
        while planned.values().any(|p| p.id == id) {
            id = free_id(root, &format!("{stem}{number}"), "Leash", &stem);
            number += 1;
        }
        let name = match (configured, app.resource(&function.logical_id)) {
            // The name `LoggingConfig` gives, as written.
            (Some(written), _) => match written.get("Fn::Sub").and_then(|v| v.as_str()) {
                Some(text) => text.to_string(),
                None => escape_sub(&group),
            },
            (None, Some(resource)) if resource.named => {
                format!("/aws/lambda/{}", name_expression(template, resource))
            }
            _ => format!("/aws/lambda/${{AWS::StackName}}-{}", function.logical_id),
        };
        planned.insert(
            function.logical_id.clone(),
            NewLogGroup {
                id,
                name,
                group: group.clone(),
            },
        );
    }
    planned
}

/// A `Fn::Sub` text as a plain string when it has no variable (cfn-lint's
/// W1020), else as `Fn::Sub`.
fn sub_or_string(text: &str) -> Node {
    if sub_variables(text).is_empty() && !text.contains("${!") {
        Node::string(text)
    } else {
        Node::sub(text)
    }
}

/// Writes the function's new log group and points its `LoggingConfig` at
/// it; returns the report's note.
fn write_log_group(
    root: &mut Node,
    function_id: &str,
    group: &NewLogGroup,
    condition: Option<&str>,
    retention_days: u16,
) -> String {
    let mut resource = vec![("Type".to_string(), Node::string("AWS::Logs::LogGroup"))];
    if let Some(condition) = condition {
        resource.push(("Condition".to_string(), Node::string(condition)));
    }
    resource.push((
        "Properties".to_string(),
        Node::object([
            ("LogGroupName", sub_or_string(&group.name)),
            ("RetentionInDays", Node::Number(retention_days.to_string())),
        ]),
    ));
    insert_resource(root, &group.id, Node::Object(resource));
    if let Some(properties) = resource_mut(root, function_id).and_then(|f| f.get_mut("Properties"))
    {
        match properties.get_mut("LoggingConfig") {
            Some(config @ Node::Object(_)) => config.insert("LogGroup", Node::reference(&group.id)),
            _ => properties.insert(
                "LoggingConfig",
                Node::object([("LogGroup", Node::reference(&group.id))]),
            ),
        }
    }
    format!(
        "log group `{}` added ({retention_days} days' retention, `--log-retention` to change): the template had none, and the designed role does not let Lambda create one; the function logs to it through `LoggingConfig`",
        group.id
    )
}

/// Whether the function's original execution role is a role of the
/// template that sets `RoleName`.
/// Where a delivery or data principal names its role, from its
/// `Properties` (empty for a function or a state machine).
fn nested_role_paths(template: &Template, id: &str) -> Vec<Vec<leash_iac::delivery::Step>> {
    template
        .resource(id)
        .map(|r| {
            leash_iac::delivery::role_paths(r)
                .into_iter()
                .map(|p| p.steps)
                .collect()
        })
        .unwrap_or_default()
}

/// Where SAM's `AWS::Serverless::GraphQLApi` names the role of the
/// principal `id` (`leash_iac::sam_graphql`): the API's logical id and the
/// paths in its properties (`DataSources.DynamoDb.NAME.ServiceRoleArn`
/// for a data source SAM generates, `Logging.CloudWatchLogsRoleArn` for
/// the API's logging); `None` for any other principal.
fn sam_graphql_slots(
    template: &Template,
    id: &str,
) -> Option<(String, Vec<Vec<leash_iac::delivery::Step>>)> {
    if let Some((api, path)) = leash_iac::sam_graphql::data_source_slot(template, id) {
        return Some((api, vec![path]));
    }
    template
        .resource(id)
        .filter(|r| r.resource_type.node == "AWS::Serverless::GraphQLApi")
        .map(|_| (id.to_string(), nested_role_paths(template, id)))
}

/// The node at `path` inside `node`, its objects created on the way (a
/// SAM API's `Logging: true` becomes an object: SAM reads both the same,
/// with the default `FieldLogLevel` `ALL`).
fn node_at_creating<'a>(
    node: &'a mut Node,
    path: &[leash_iac::delivery::Step],
) -> Option<&'a mut Node> {
    let mut at = node;
    for step in path {
        let leash_iac::delivery::Step::Key(key) = step else {
            return None;
        };
        if at.as_object().is_none() {
            *at = Node::Object(Vec::new());
        }
        if at.get_mut(key).is_none() {
            at.insert(key, Node::Null);
        }
        at = at.get_mut(key)?;
    }
    Some(at)
}

/// The node at `path` inside `node`.
fn node_at_mut<'a>(node: &'a mut Node, path: &[leash_iac::delivery::Step]) -> Option<&'a mut Node> {
    let mut at = node;
    for step in path {
        at = match step {
            leash_iac::delivery::Step::Key(key) => at.get_mut(key)?,
            leash_iac::delivery::Step::Index(index) => match at {
                Node::Array(items) => items.get_mut(*index)?,
                _ => return None,
            },
        };
    }
    Some(at)
}

fn original_names_its_role(template: &Template, function: &crate::model::Function) -> bool {
    function
        .role
        .as_ref()
        .filter(|r| r.in_template)
        .and_then(|r| template.resource(&r.role))
        .is_some_and(|r| r.properties.get("RoleName").is_some())
}

/// What each resource of the template references (`Ref`, `Fn::GetAtt`,
/// `Fn::Sub`, `DependsOn`), and which resources SAM changes to invoke a
/// function (the bucket of an `S3` event gets a notification, the user
/// pool of a `Cognito` event a trigger): read once for step 7 and
/// refreshed for each resource it changes, so finding what depends on a
/// function does not walk the whole template for every function.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-s3.html>
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-cognito.html>
#[derive(Default)]
struct ReferenceGraph {
    edges: BTreeMap<String, ResourceEdges>,
    /// Who depends on each id (the reverse of `edges`), built on the first
    /// `dependents_of` after a change rather than once per function.
    dependents_by_id: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Default)]
struct ResourceEdges {
    /// What the resource references.
    references: BTreeSet<String>,
    /// What an event of the resource (a function) makes depend on it.
    notifiers: BTreeSet<String>,
}

impl ReferenceGraph {
    fn new(root: &Node) -> Self {
        let mut graph = ReferenceGraph::default();
        for (id, resource) in root
            .get("Resources")
            .and_then(Node::as_object)
            .unwrap_or(&[])
        {
            graph.edges.insert(id.clone(), ResourceEdges::of(resource));
        }
        graph
    }

    /// Reads `id` again after a change (or forgets it, removed).
    fn refresh(&mut self, root: &Node, id: &str) {
        self.dependents_by_id = None;
        match root.get("Resources").and_then(|r| r.get(id)) {
            Some(resource) => {
                self.edges
                    .insert(id.to_string(), ResourceEdges::of(resource));
            }
            None => {
                self.edges.remove(id);
            }
        }
    }

    /// Every resource that depends on `function_id` (references it,
    /// directly or through others, or is changed by SAM to invoke it), and
    /// the function itself.
    fn dependents_of(&mut self, function_id: &str) -> BTreeSet<String> {
        // Who depends on each id: the reverse of the edges.
        let edges = &self.edges;
        let dependents_by_id = self.dependents_by_id.get_or_insert_with(|| {
            let mut reverse: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (id, edges) in edges {
                for target in &edges.references {
                    reverse.entry(target.clone()).or_default().push(id.clone());
                }
                for notifier in &edges.notifiers {
                    reverse
                        .entry(id.clone())
                        .or_default()
                        .push(notifier.clone());
                }
            }
            reverse
        });
        let mut dependents = BTreeSet::from([function_id.to_string()]);
        let mut queue = vec![function_id];
        while let Some(id) = queue.pop() {
            for dependent in dependents_by_id.get(id).into_iter().flatten() {
                if dependents.insert(dependent.clone()) {
                    queue.push(dependent.as_str());
                }
            }
        }
        dependents
    }
}

impl ResourceEdges {
    fn of(resource: &Node) -> Self {
        let mut references = BTreeSet::new();
        collect_references(resource, &mut references);
        references.extend(depends_on(resource));
        let mut notifiers = BTreeSet::new();
        let events = resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Node::as_object)
            .unwrap_or(&[]);
        for (_, event) in events {
            let source = match event.get("Type").and_then(Node::as_str) {
                Some("S3") => "Bucket",
                Some("Cognito") => "UserPool",
                _ => continue,
            };
            if let Some(value) = event.get("Properties").and_then(|p| p.get(source)) {
                collect_references(value, &mut notifiers);
            }
        }
        ResourceEdges {
            references,
            notifiers,
        }
    }
}

/// The name of the policy that holds a role's statements on resources
/// that depend on its function.
const DEPENDENT_POLICY_NAME: &str = "least-privilege-dependents";

/// Moves the role's statements that name the function or what depends on
/// it (its log group named `/aws/lambda/${Function}`, a bucket that
/// notifies it, ...) into an `AWS::IAM::RolePolicy` of their own: in the
/// role they would make a cycle (role -> resource -> function -> role),
/// which CloudFormation rejects. An `AWS::Lambda::EventSourceMapping` of
/// the function then waits for that policy (`DependsOn`), since Lambda
/// checks the role's permissions on the source when it creates the
/// mapping.
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-rolepolicy.html>
/// <https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions>
fn split_dependent_statements(
    root: &mut Node,
    graph: &mut ReferenceGraph,
    function_id: &str,
    role_id: &str,
) -> Option<String> {
    let dependents = graph.dependents_of(function_id);
    let role = resource_mut(root, role_id)?;
    let condition = role.get("Condition").cloned();
    let policy = match role.get_mut("Properties")?.get_mut("Policies")? {
        Node::Array(policies) => policies.first_mut()?,
        _ => return None,
    };
    let Some(Node::Array(statements)) = policy
        .get_mut("PolicyDocument")
        .and_then(|d| d.get_mut("Statement"))
    else {
        return None;
    };
    let mut moved = Vec::new();
    let mut named = BTreeSet::new();
    statements.retain(|statement| {
        let mut found = BTreeSet::new();
        collect_references(statement, &mut found);
        let hits: Vec<String> = found.intersection(&dependents).cloned().collect();
        if hits.is_empty() {
            return true;
        }
        named.extend(hits);
        moved.push(statement.clone());
        false
    });
    if moved.is_empty() {
        return None;
    }
    let emptied = statements.is_empty();
    if emptied && let Some(properties) = resource_mut(root, role_id)?.get_mut("Properties") {
        properties.remove("Policies");
    }
    let stem = format!("{role_id}Dependents");
    let policy_id = free_id(root, &stem, "Leash", &stem);
    let mut resource = vec![("Type".to_string(), Node::string("AWS::IAM::RolePolicy"))];
    if let Some(condition) = condition {
        resource.push(("Condition".to_string(), condition));
    }
    resource.push((
        "Properties".to_string(),
        Node::object([
            ("RoleName", Node::reference(role_id)),
            ("PolicyName", Node::string(DEPENDENT_POLICY_NAME)),
            (
                "PolicyDocument",
                Node::object([
                    ("Version", Node::string("2012-10-17")),
                    ("Statement", Node::Array(moved)),
                ]),
            ),
        ]),
    ));
    insert_resource(root, &policy_id, Node::Object(resource));
    // Event source mappings of the function wait for the moved policy.
    let mappings: Vec<String> = root
        .get("Resources")
        .and_then(Node::as_object)
        .unwrap_or(&[])
        .iter()
        .filter(|(_, r)| {
            r.get("Type").and_then(Node::as_str) == Some("AWS::Lambda::EventSourceMapping")
                && r.get("Properties")
                    .and_then(|p| p.get("FunctionName"))
                    .is_some_and(|name| {
                        let mut found = BTreeSet::new();
                        collect_references(name, &mut found);
                        found.contains(function_id)
                    })
        })
        .map(|(id, _)| id.clone())
        .collect();
    for mapping in &mappings {
        if let Some(resource) = resource_mut(root, mapping) {
            let mut after = depends_on(resource);
            if !after.contains(&policy_id) {
                after.push(policy_id.clone());
            }
            resource.insert(
                "DependsOn",
                Node::Array(after.into_iter().map(Node::string).collect()),
            );
        }
    }
    // What changed: the role, the new policy, the mappings.
    for id in [role_id, policy_id.as_str()]
        .into_iter()
        .chain(mappings.iter().map(String::as_str))
    {
        graph.refresh(root, id);
    }
    Some(format!(
        "statements naming {} moved to `{policy_id}` (an `AWS::IAM::RolePolicy`): {} on the function, and in the role they would make a dependency cycle{}",
        backticked(&named),
        if named.len() == 1 {
            "it depends"
        } else {
            "they depend"
        },
        if mappings.is_empty() {
            String::new()
        } else {
            format!(
                "; {} now wait for it",
                backticked(&mappings.into_iter().collect())
            )
        }
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Target, read_application};

    fn designed(text: &str) -> (DesignedTemplate, serde_json::Value) {
        let template = leash_iac::read_template(text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let mut roles = crate::design::design(&app).unwrap();
        roles.extend(crate::design::design_consumers(&app).unwrap());
        let designed = designed_template(&template, &app, &roles, &[]).unwrap();
        let value = serde_json::from_str(&designed.text).unwrap();
        (designed, value)
    }

    #[test]
    fn what_is_kept_as_is_is_written_as_the_template_wrote_it() {
        let (_, value) = designed(
            r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Parameters:
  ModelId: {Type: String, Default: anthropic.claude}
Resources:
  Ask:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Policies:
        - AmazonS3ReadOnlyAccess
        - Statement:
            - Sid: Model
              Effect: Allow
              Action: bedrock:InvokeModel
              Resource: !Sub arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${ModelId}
"#,
        );
        let role = &value["Resources"]["AskRole"]["Properties"];
        assert_eq!(
            role["ManagedPolicyArns"],
            serde_json::json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess"}])
        );
        let statements = role["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        let kept = statements.last().unwrap();
        assert_eq!(kept["Sid"], "Model");
        assert_eq!(
            kept["Resource"],
            serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/${ModelId}"})
        );
    }

    const SHARED_ROLE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Orders: {Type: AWS::DynamoDB::Table}
  Shared:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  SharedPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: everything
      Roles: [!Ref Shared]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: '*', Resource: '*'}]
  Worker:
    Type: AWS::Lambda::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read}]
    Properties:
      Role: !GetAtt Shared.Arn
      Handler: a.b
      Runtime: python3.12
      Code: {ZipFile: x}
  Reader:
    Type: AWS::Serverless::Function
    Condition: Always
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary
      Policies:
        - SQSPollerPolicy: {QueueName: !GetAtt Jobs.QueueName}
Conditions:
  Always: !Equals [a, a]
"#;

    #[test]
    fn wires_one_role_per_function_and_removes_the_unused_shared_role() {
        let (designed, value) = designed(SHARED_ROLE);
        let resources = &value["Resources"];
        assert!(
            resources.get("Shared").is_none(),
            "{:#?}",
            designed.template_notes
        );
        assert!(resources.get("SharedPolicy").is_none());
        assert_eq!(
            resources["Worker"]["Properties"]["Role"],
            serde_json::json!({"Fn::GetAtt": ["WorkerRole", "Arn"]})
        );
        let reader = &resources["Reader"]["Properties"];
        assert_eq!(
            reader["Role"],
            serde_json::json!({"Fn::GetAtt": ["ReaderRole", "Arn"]})
        );
        assert!(reader.get("Policies").is_none());
        assert!(reader.get("PermissionsBoundary").is_none());
        let reader_role = &resources["ReaderRole"];
        // The function's condition and boundary go with its role.
        assert_eq!(reader_role["Condition"], "Always");
        assert_eq!(
            reader_role["Properties"]["PermissionsBoundary"],
            "arn:aws:iam::111122223333:policy/boundary"
        );
        // Unnamed resources: references, not the logical id as a name.
        let text = serde_json::to_string(&reader_role["Properties"]["Policies"]).unwrap();
        assert!(
            text.contains(
                "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName}"
            ),
            "{text}"
        );
        // The log group the design adds for it (none in the template).
        assert!(text.contains("log-group:${ReaderLogGroup}:*"), "{text}");
        // No RoleName for an unnamed function: CloudFormation names the role.
        assert!(reader_role["Properties"].get("RoleName").is_none());
        let worker = serde_json::to_string(&resources["WorkerRole"]).unwrap();
        assert!(worker.contains("table/${Orders}"), "{worker}");
        assert!(
            designed
                .template_notes
                .iter()
                .any(|n| n.contains("role `Shared` removed")),
            "{:#?}",
            designed.template_notes
        );
    }

    #[test]
    fn a_role_set_in_globals_is_replaced_and_removed() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Globals:
  Function:
    Runtime: python3.12
    Role: !GetAtt Shared.Arn
    PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary
Resources:
  Shared:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Worker:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: worker, Handler: a.b, CodeUri: s/}
"#;
        let (designed, value) = designed(text);
        assert_eq!(
            value["Globals"]["Function"],
            serde_json::json!({"Runtime": "python3.12"})
        );
        assert!(value["Resources"].get("Shared").is_none(), "{designed:#?}");
        assert_eq!(
            value["Resources"]["WorkerRole"]["Properties"]["PermissionsBoundary"],
            "arn:aws:iam::111122223333:policy/boundary"
        );
        assert!(
            designed.function_notes["Worker"]
                .iter()
                .any(|n| n.contains("previous role `Shared`"))
        );
    }

    #[test]
    fn a_role_referenced_elsewhere_is_kept() {
        let text = format!("{SHARED_ROLE}Outputs:\n  SharedArn: {{Value: !GetAtt Shared.Arn}}\n");
        let (designed, value) = designed(&text);
        assert!(value["Resources"].get("Shared").is_some());
        assert!(value["Resources"].get("SharedPolicy").is_some());
        assert!(
            designed
                .template_notes
                .iter()
                .any(|n| n.contains("role `Shared` kept: still referenced by `Outputs`")),
            "{:#?}",
            designed.template_notes
        );
    }

    #[test]
    fn routes_on_a_defined_api_get_a_permission_and_lose_the_event() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Defined:
    Type: AWS::Serverless::Api
    Properties: {StageName: live, DefinitionUri: s3://bucket/api.yaml}
  Built:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
  Get:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: get
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Events:
        One: {Type: Api, Properties: {RestApiId: !Ref Defined, Path: '/items/{id}', Method: get}}
        Two: {Type: Api, Properties: {RestApiId: !Ref Built, Path: /items, Method: get}}
"#;
        let (designed, value) = designed(text);
        let resources = &value["Resources"];
        let events = &resources["Get"]["Properties"]["Events"];
        assert!(events.get("One").is_none());
        assert!(events.get("Two").is_some());
        let permission = &resources["GetOnePermission"]["Properties"];
        assert_eq!(
            permission["SourceAccount"],
            serde_json::json!({"Ref": "AWS::AccountId"})
        );
        assert_eq!(
            permission["SourceArn"]["Fn::Sub"],
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Defined}/live/GET/items/*"
        );
        assert_eq!(
            permission["FunctionName"],
            serde_json::json!({"Ref": "Get"})
        );
        assert!(resources.get("GetTwoPermission").is_none());
        let routes = &designed.routes["Get"];
        assert_eq!(
            routes[1].1,
            RouteDeployment::SamImplicit {
                logical_id: "GetTwoPermissionprod".into(),
                source_arn: "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Built}/*/GET/items".into()
            }
        );
        // SAM generated the original role, unnamed: so is the design's
        // (a name would newly need CAPABILITY_NAMED_IAM).
        assert!(resources["GetRole"]["Properties"].get("RoleName").is_none());
    }

    #[test]
    fn yaml_numbers_in_policy_identifiers_stay_text() {
        let text = SHARED_ROLE.replace(
            "  Worker:\n",
            "  Other:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: 2012-10-17\n        Statement: [{Sid: 1, Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sts:AssumeRole}]\n      MaxSessionDuration: 3600\n  Worker:\n",
        );
        let (_, value) = designed(&text);
        let other = &value["Resources"]["Other"]["Properties"];
        assert_eq!(
            other["AssumeRolePolicyDocument"]["Statement"][0]["Sid"],
            "1"
        );
        assert_eq!(other["AssumeRolePolicyDocument"]["Version"], "2012-10-17");
        // Other numbers stay numbers.
        assert_eq!(other["MaxSessionDuration"], 3600);
    }

    #[test]
    fn consumers_get_plain_roles_and_the_boundary_option_applies() {
        let text = SHARED_ROLE.replace(
            "Metadata:\n  leash: {account: '111122223333', region: us-west-2}\n",
            "Metadata:\n  leash:\n    account: '111122223333'\n    region: us-west-2\n    permissions-boundary: arn:aws:iam::111122223333:policy/org-boundary\n    consumers:\n      partner-reports:\n        account: '444455556666'\n        external-id: x-1\n        needs: [{resource: Orders, access: read}]\n",
        );
        let (designed, value) = designed(&text);
        let consumer = &value["Resources"]["PartnerReportsConsumerRole"];
        assert_eq!(consumer["Type"], "AWS::IAM::Role", "{designed:#?}");
        assert_eq!(consumer["Properties"]["RoleName"], "partner-reports");
        let trust =
            serde_json::to_string(&consumer["Properties"]["AssumeRolePolicyDocument"]).unwrap();
        assert!(trust.contains("444455556666"), "{trust}");
        // The option's boundary where the function sets none of its own.
        assert_eq!(
            value["Resources"]["WorkerRole"]["Properties"]["PermissionsBoundary"],
            "arn:aws:iam::111122223333:policy/org-boundary"
        );
        assert_eq!(
            value["Resources"]["ReaderRole"]["Properties"]["PermissionsBoundary"],
            "arn:aws:iam::111122223333:policy/boundary"
        );
    }

    #[test]
    fn a_sam_api_gets_its_source_ip_policy_unless_it_has_one() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::Serverless::Api
    Metadata:
      leash: {source-ip: [203.0.113.0/24]}
    Properties: {StageName: prod}
  Get:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: get
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Events:
        One: {Type: Api, Properties: {RestApiId: !Ref Orders, Path: /items, Method: get}}
"#;
        let run = |text: &str| {
            let template = leash_iac::read_template(text).unwrap();
            let app = read_application(&template, &Target::default()).unwrap();
            let roles = crate::design::design(&app).unwrap();
            let policies = crate::perimeter::design_resource_policies(&app, &roles).unwrap();
            let designed = designed_template(&template, &app, &roles, &policies).unwrap();
            let value: serde_json::Value = serde_json::from_str(&designed.text).unwrap();
            (designed, value, policies)
        };
        let (designed, value, policies) = run(text);
        assert_eq!(policies.len(), 1);
        let statements = &value["Resources"]["Orders"]["Properties"]["Auth"]["ResourcePolicy"]["CustomStatements"];
        assert_eq!(statements[0]["Resource"], "execute-api:/*");
        // With API Gateway's expansion of `execute-api:/*` spelled out, the
        // statements are the designed policy's, and parse as a policy.
        let expanded = serde_json::to_string(statements).unwrap().replace(
            "\"execute-api:/*\"",
            "\"arn:aws:execute-api:us-west-2:111122223333:${Orders}/*\"",
        );
        let document = format!(r#"{{"Version":"2012-10-17","Statement":{expanded}}}"#);
        assert!(
            leash_policy::parse::parse_policy_text(&document)
                .policy
                .is_some(),
            "{document}"
        );
        let designed_policy: serde_json::Value =
            serde_json::from_str(policies[0].policy.text()).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&document).unwrap(),
            designed_policy
        );
        let errors: Vec<_> = leash_lint::lint_template_text(&designed.text)
            .into_iter()
            .filter(|d| d.severity == leash_lint::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // An API with its own resource policy keeps it.
        let with_own = text.replace(
            "Properties: {StageName: prod}",
            "Properties: {StageName: prod, Auth: {ResourcePolicy: {IpRangeWhitelist: [192.0.2.0/24]}}}",
        );
        let (designed, value, _) = run(&with_own);
        assert_eq!(
            value["Resources"]["Orders"]["Properties"]["Auth"]["ResourcePolicy"],
            serde_json::json!({"IpRangeWhitelist": ["192.0.2.0/24"]})
        );
        assert!(
            designed
                .template_notes
                .iter()
                .any(|n| n.contains("API policy for `Orders` not written")),
            "{:#?}",
            designed.template_notes
        );
    }

    #[test]
    fn designed_bucket_policies_are_written_unless_the_bucket_has_one() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Receipts:
    Type: AWS::S3::Bucket
    Metadata:
      leash:
        policy: {deny-insecure-transport: true, deny-outside: account}
    Properties: {BucketName: acme-receipts}
  Upload:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Receipts, access: put, prefix: in/}]
    Properties: {FunctionName: upload, Handler: a.b, Runtime: python3.12, CodeUri: s/}
"#;
        let run = |text: &str| {
            let template = leash_iac::read_template(text).unwrap();
            let app = read_application(&template, &Target::default()).unwrap();
            let roles = crate::design::design(&app).unwrap();
            let policies = crate::perimeter::design_resource_policies(&app, &roles).unwrap();
            assert_eq!(policies.len(), 1);
            let designed = designed_template(&template, &app, &roles, &policies).unwrap();
            let value: serde_json::Value = serde_json::from_str(&designed.text).unwrap();
            (designed, value)
        };
        let (designed, value) = run(text);
        let policy = &value["Resources"]["ReceiptsPolicy"];
        assert_eq!(policy["Type"], "AWS::S3::BucketPolicy");
        assert_eq!(
            policy["Properties"]["Bucket"],
            serde_json::json!({"Ref": "Receipts"})
        );
        let document = serde_json::to_string(&policy["Properties"]["PolicyDocument"]).unwrap();
        assert!(document.contains("aws:SecureTransport"), "{document}");
        assert!(
            document.contains("arn:${AWS::Partition}:s3:::acme-receipts"),
            "{document}"
        );
        let errors: Vec<_> = leash_lint::lint_template_text(&designed.text)
            .into_iter()
            .filter(|d| d.severity == leash_lint::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // The author's bucket policy stays; leash's is not written.
        let with_own = format!(
            "{text}  Own:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Receipts\n      PolicyDocument: {{Statement: [{{Effect: Deny, Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::acme-receipts/*', Condition: {{Bool: {{aws:SecureTransport: 'false'}}}}}}]}}\n"
        );
        let (designed, value) = run(&with_own);
        assert!(value["Resources"].get("ReceiptsPolicy").is_none());
        assert!(
            designed
                .template_notes
                .iter()
                .any(|n| n.contains("the template has `Own`")),
            "{:#?}",
            designed.template_notes
        );
    }

    #[test]
    fn references_cover_ref_getatt_sub_and_depends_on() {
        let node = Node::from_json_text(
            r#"{"a": {"Ref": "A"}, "b": {"Fn::GetAtt": "B.Arn"}, "c": {"Fn::Sub": ["${C}-${v}-${!D}-${AWS::Region}", {"v": {"Ref": "E"}}]}}"#,
        )
        .unwrap();
        let mut found = BTreeSet::new();
        collect_references(&node, &mut found);
        let found: Vec<&str> = found.iter().map(String::as_str).collect();
        assert_eq!(found, vec!["A", "B", "C", "E"]);
    }

    const LOGS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Named:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub '${Stage}-named'
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      LoggingConfig: {LogFormat: JSON}
  Unnamed:
    Type: AWS::Serverless::Function
    Condition: Always
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Tracing: Active
      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Jobs.Arn}
  Kept:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Kept}
  KeptLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Kept}
      RetentionInDays: 7
  KeptMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Kept, EventSourceArn: !GetAtt Jobs.Arn}
  Mine:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: mine
      Role: !GetAtt MineRole.Arn
      Handler: a.b
      Runtime: python3.12
      Code: {ZipFile: x}
  MineRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: mine-original
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  Always: !Equals [a, a]
"#;

    #[test]
    fn a_function_without_a_log_group_gets_one_it_logs_to() {
        let (designed, value) = designed(LOGS);
        let resources = &value["Resources"];
        // A named function: its usual group, named as the function is.
        let group = &resources["NamedLogGroup"];
        assert_eq!(group["Type"], "AWS::Logs::LogGroup");
        assert_eq!(
            group["Properties"]["LogGroupName"],
            serde_json::json!({"Fn::Sub": "/aws/lambda/${Stage}-named"})
        );
        assert_eq!(group["Properties"]["RetentionInDays"], 30);
        // The function's own logging settings stay; the group is added.
        assert_eq!(
            resources["Named"]["Properties"]["LoggingConfig"],
            serde_json::json!({"LogFormat": "JSON", "LogGroup": {"Ref": "NamedLogGroup"}})
        );
        let role = serde_json::to_string(&resources["NamedRole"]).unwrap();
        assert!(role.contains("log-group:${NamedLogGroup}:*"), "{role}");
        // An unnamed one: a name that does not depend on the function, so
        // role -> group and function -> role, group make no cycle; the
        // function's condition goes with its group.
        let group = &resources["UnnamedLogGroup"];
        assert_eq!(
            group["Properties"]["LogGroupName"],
            serde_json::json!({"Fn::Sub": "/aws/lambda/${AWS::StackName}-Unnamed"})
        );
        assert_eq!(group["Condition"], "Always");
        assert!(
            designed.function_notes["Unnamed"]
                .iter()
                .any(|n| n.contains("log group `UnnamedLogGroup` added")),
            "{:#?}",
            designed.function_notes
        );
        // A literal name is a plain string (no `Fn::Sub` without variables).
        assert_eq!(
            resources["MineLogGroup"]["Properties"]["LogGroupName"],
            "/aws/lambda/mine"
        );
        // A template that has the group keeps it and gets no second one.
        assert!(resources.get("KeptLogGroup").is_none());
        assert_eq!(resources["KeptLogs"]["Properties"]["RetentionInDays"], 7);
    }

    #[test]
    fn statements_on_what_depends_on_the_function_leave_the_role() {
        let (designed, value) = designed(LOGS);
        let resources = &value["Resources"];
        // `KeptLogs` and the function itself depend on `Kept`: in its role
        // they would close a cycle, so they move to a policy of their own.
        let role = serde_json::to_string(&resources["KeptRole"]).unwrap();
        assert!(!role.contains("${Kept"), "{role}");
        let policy = &resources["KeptRoleDependents"];
        assert_eq!(policy["Type"], "AWS::IAM::RolePolicy");
        assert_eq!(
            policy["Properties"]["RoleName"],
            serde_json::json!({"Ref": "KeptRole"})
        );
        let text = serde_json::to_string(&policy["Properties"]["PolicyDocument"]).unwrap();
        assert!(text.contains("lambda:InvokeFunction"), "{text}");
        assert!(text.contains("logs:PutLogEvents"), "{text}");
        // The function's event source mapping waits for it.
        assert_eq!(
            resources["KeptMapping"]["DependsOn"],
            serde_json::json!(["KeptRoleDependents"])
        );
        assert!(
            designed.function_notes["Kept"]
                .iter()
                .any(|n| n.contains("moved to `KeptRoleDependents`")),
            "{:#?}",
            designed.function_notes
        );
        // Nothing else moves.
        assert!(resources.get("NamedRoleDependents").is_none());
        assert!(resources.get("UnnamedRoleDependents").is_none());
    }

    #[test]
    fn a_role_is_named_only_where_the_original_named_its_role() {
        let (_, value) = designed(LOGS);
        let resources = &value["Resources"];
        let mine_role = resources["Mine"]["Properties"]["Role"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap();
        assert_eq!(resources[mine_role]["Properties"]["RoleName"], "mine-role");
        assert!(
            resources["NamedRole"]["Properties"]
                .get("RoleName")
                .is_none()
        );
    }

    #[test]
    fn lambda_keeps_its_vpc_xray_and_dead_letter_permissions() {
        let (_, value) = designed(LOGS);
        let policy =
            &value["Resources"]["UnnamedRole"]["Properties"]["Policies"][0]["PolicyDocument"];
        let text = serde_json::to_string(policy).unwrap();
        for expected in [
            // Describe actions and X-Ray's have no resource-level
            // permissions: `*`.
            r#""Action":["ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets","xray:GetSamplingRules","xray:GetSamplingTargets","xray:PutTelemetryRecords","xray:PutTraceSegments"],"Effect":"Allow","Resource":"*""#,
            // The network interface actions: the account and region.
            r#""Action":["ec2:AssignPrivateIpAddresses","ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:UnassignPrivateIpAddresses"],"Effect":"Allow","Resource":{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*/*"}"#,
            // The dead-letter queue.
            r#""Action":"sqs:SendMessage","Effect":"Allow","Resource":{"Fn::Sub":"arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName}"}"#,
        ] {
            assert!(text.contains(expected), "{expected} not in {text}");
        }
        // The named function has none of these.
        let named = serde_json::to_string(&value["Resources"]["NamedRole"]).unwrap();
        assert!(
            !named.contains("ec2:") && !named.contains("xray:"),
            "{named}"
        );
    }

    /// What Lambda sends or reads with the role besides the function's
    /// code: asynchronous-invocation destinations (SAM's
    /// `EventInvokeConfig`, for which SAM adds `sqs:SendMessage` on the
    /// queue it creates and `lambda:InvokeFunction` on a given function),
    /// a stream event's `OnFailure` queue, an Amazon MQ broker and its
    /// credentials, and the source of a hand-written event source mapping.
    /// <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-async-destinations>
    /// <https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html#events-mq-permissions>
    #[test]
    fn lambda_keeps_its_destinations_broker_and_mapped_sources() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Failed: {Type: AWS::SQS::Queue}
  Jobs: {Type: AWS::SQS::Queue}
  Clicks: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  Broker: {Type: AWS::AmazonMQ::Broker, Properties: {BrokerName: b}}
  Secret: {Type: AWS::SecretsManager::Secret}
  Next:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s/}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      # The mapping below polls with what the author granted: no more.
      Policies:
        - Statement:
            - {Effect: Allow, Action: sqs:ReceiveMessage, Resource: !GetAtt Jobs.Arn}
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: Lambda, Destination: !GetAtt Next.Arn}
          OnFailure: {Type: SQS}
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: LATEST
            DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
        Mq:
          Type: MQ
          Properties:
            Broker: !GetAtt Broker.Arn
            Queues: [q]
            SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: !Ref Secret}]
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Worker, EventSourceArn: !GetAtt Jobs.Arn}
"#;
        let (_, value) = designed(text);
        let role = serde_json::to_string(&value["Resources"]["WorkerRole"]).unwrap();
        for expected in [
            r#""Action":"lambda:InvokeFunction","Effect":"Allow","Resource":{"Fn::Sub":"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Next}"}"#,
            // The queue SAM creates for `OnFailure` without `Destination`.
            r#"${WorkerEventInvokeConfigOnFailureQueue.Arn}"#,
            r#""Resource":{"Fn::Sub":"arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Failed.QueueName}"}"#,
            r#""Action":"mq:DescribeBroker","Effect":"Allow","Resource":{"Fn::Sub":"${Broker.Arn}"}"#,
            r#""Action":"secretsmanager:GetSecretValue","Effect":"Allow","Resource":{"Fn::Sub":"${Secret}"}"#,
            // The mapped queue: consumed, as far as the template grants.
            "sqs:ReceiveMessage",
            "${Jobs.QueueName}",
        ] {
            assert!(role.contains(expected), "{expected} not in {role}");
        }
        // `consume`'s other actions the template does not grant: not added
        // (`original::limit_mapping_needs`).
        assert!(!role.contains("sqs:DeleteMessage"), "{role}");
    }

    #[test]
    fn functions_logging_to_a_named_group_get_that_group_once() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function:
    LoggingConfig: {LogGroup: !Sub '/aws/lambda/${Stage}-app', LogFormat: JSON}
Resources:
  One: {Type: AWS::Serverless::Function, Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s/}}
  Two: {Type: AWS::Serverless::Function, Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s/}}
"#;
        let (_, value) = designed(text);
        let resources = &value["Resources"];
        let groups: Vec<&String> = resources
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Logs::LogGroup")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(groups, ["OneLogGroup"]);
        assert_eq!(
            resources["OneLogGroup"]["Properties"]["LogGroupName"],
            serde_json::json!({"Fn::Sub": "/aws/lambda/${Stage}-app"})
        );
        for function in ["One", "Two"] {
            assert_eq!(
                resources[function]["Properties"]["LoggingConfig"]["LogGroup"],
                serde_json::json!({"Ref": "OneLogGroup"})
            );
            // The role writes to the group the function logs to.
            let role = serde_json::to_string(&resources[format!("{function}Role")]).unwrap();
            assert!(role.contains("log-group:${OneLogGroup}:*"), "{role}");
        }
    }
}
