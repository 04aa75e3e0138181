//! What the handler code calls that its role does not allow: the calls
//! `leash-code` finds, each decided by the engine against the function's
//! role as the template writes it (`original`), for `leash check`.
//!
//! For: [`denied_calls`]. Not for: finding the calls (`leash-code`) or
//! rendering findings (`leash-cli`).
//!
//! A call whose resource is known is one request per action on that
//! resource. A call on objects of a bucket (`BUCKET/*`: the key is not
//! known) or whose resource is not known is denied only when the role
//! allows the action on no resource the call could reach: each resource
//! pattern of the role's `Allow` statements, its wildcards filled, is
//! tried (with the bucket's prefix for objects), so a role that allows the
//! action on some resource is never reported for an unknown one. A role
//! outside the template, a managed policy whose document leash does not
//! have, an `Allow` that fails only on its condition (the request carries
//! no context), a resource the template gives a resource-based policy (a
//! bucket policy, a role's trust policy: it may grant on its own) or a
//! client built with credentials of its own decides nothing: no finding.

use std::path::Path;

use leash_code::{FunctionNeeds, Need};
use leash_iac::{ResolveContext, Template, resolve_with};
use leash_policy::authz::{DecisionReason, PolicySet, PreparedPolicySet};
use leash_policy::context::Request;
use leash_policy::{Member, Policy, Span, Spanned, Value, ValueKind};

use crate::model::{Application, design_context};
use crate::original::{embedded_managed_policy, original_iam};

/// A call of the code that the function's role does not allow.
#[derive(Clone, Debug, PartialEq)]
pub struct DeniedCall {
    pub function: String,
    /// The call, as `leash needs` reports it.
    pub need: Need,
    /// The call's actions the role does not allow.
    pub denied: Vec<String>,
    /// Whether an explicit `Deny` decides (else no `Allow` applies).
    pub explicit: bool,
    /// Whether the call's resource is known: when not, the role allows the
    /// denied actions on no resource at all.
    pub resource_known: bool,
    /// The role as the template writes it.
    pub role: RoleSite,
    /// For an action with no resource-level permissions (IAM evaluates it
    /// on `*`): the role allows it, but only on resources it names. The
    /// Service Authorization Reference says such an action needs `*`; how
    /// each service evaluates it is not documented further, so this is
    /// the weaker claim.
    pub allowed_only_on_named_resources: bool,
}

/// Where the template gives a function its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleSite {
    /// `AWS::IAM::Role` `OrdersRole`, or SAM's `GetOrderRole` generated from
    /// the function's `Policies`.
    pub name: String,
    /// The role's logical id in the template, or the function's `Policies`
    /// (or its logical id) for a role SAM generates.
    pub span: Span,
}

/// A request of a role of the application's account, on a resource of
/// that account (the witnesses' filled wildcards name no account).
fn request(app: &Application, action: &str, resource: &str) -> Request {
    Request::new(
        format!("arn:aws:iam::{}:role/leash-check", app.account),
        action,
        resource,
    )
    .with_resource_account(app.account.clone())
}

/// Every call of `needs` (read from `template`) that the function's role
/// denies.
pub fn denied_calls(
    template: &Template,
    app: &Application,
    needs: &[FunctionNeeds],
) -> Vec<DeniedCall> {
    let context = design_context(
        &app.account,
        &app.region,
        app.stack_name.as_ref(),
        &app.parameters,
    );
    let resource_policies = leash_iac::extract_policies_with(template, &context);
    let mut out = Vec::new();
    for function in needs {
        let Some(model) = app
            .functions
            .iter()
            .find(|f| f.logical_id == function.function)
        else {
            continue;
        };
        if model.role.as_ref().is_some_and(|r| !r.in_template) {
            continue;
        }
        let original = original_iam(template, app, &function.function);
        let combined = original.combined(&embedded_managed_policy);
        if !combined.missing.is_empty() {
            continue;
        }
        let mut set = PolicySet::new().with_identity_policy("role", combined.policy.clone());
        for (index, boundary) in combined.boundaries.into_iter().enumerate() {
            set = set.with_permissions_boundary(format!("boundary {index}"), boundary);
        }
        let prepared = PreparedPolicySet::new(&set);
        let Some(role) = role_site(template, &function.function) else {
            continue;
        };
        // A call through a client with credentials of its own does not run
        // as the role.
        for need in function.needs.iter().filter(|n| {
            !n.own_credentials
                && !n
                    .resource_id
                    .as_deref()
                    .is_some_and(|r| has_resource_policy(&resource_policies, r))
        }) {
            if let Some(denied) = decide(
                template,
                app,
                &context,
                &prepared,
                &combined.policy,
                need,
                &role,
            ) {
                out.push(denied);
            }
        }
    }
    out
}

fn decide(
    template: &Template,
    app: &Application,
    context: &ResolveContext,
    prepared: &PreparedPolicySet,
    policy: &Policy,
    need: &Need,
    role: &RoleSite,
) -> Option<DeniedCall> {
    let exact = request_resource(template, context, need);
    let resource_known = matches!(exact, Resource::Exact(_));
    let candidates = match &exact {
        Resource::Exact(arn) => vec![arn.clone()],
        Resource::Prefix(prefix) => witnesses(policy, prefix),
        Resource::Unknown => witnesses(policy, ""),
    };
    let mut denied = Vec::new();
    let mut explicit = false;
    let catalog = leash_catalog::catalog();
    // An action the catalog does not know is not judged: leash cannot tell
    // what IAM evaluates.
    for action in need.actions.iter().filter(|a| catalog.action(a).is_some()) {
        let mut allowed_somewhere = false;
        let mut explicit_here = false;
        for resource in &candidates {
            let decision = prepared.evaluate(&request(app, action, resource));
            // An `Allow` that fails only on its condition may allow the
            // call at run time: nothing is claimed.
            if decision.is_allowed() || !decision.near_misses.is_empty() {
                allowed_somewhere = true;
                break;
            }
            explicit_here |= decision.reason == DecisionReason::ExplicitDeny;
        }
        if !allowed_somewhere {
            denied.push(action.clone());
            explicit |= explicit_here;
        }
    }
    if denied.is_empty() {
        return None;
    }
    let allowed_only_on_named_resources = matches!(&exact, Resource::Exact(r) if r == "*")
        && !explicit
        && denied.iter().all(|action| {
            witnesses(policy, "").iter().any(|resource| {
                prepared
                    .evaluate(&request(app, action, resource))
                    .is_allowed()
            })
        });
    Some(DeniedCall {
        function: need.function.clone(),
        need: need.clone(),
        denied,
        explicit,
        resource_known,
        role: role.clone(),
        allowed_only_on_named_resources,
    })
}

enum Resource {
    /// The one resource the call acts on.
    Exact(String),
    /// Objects under this prefix (a bucket's `arn:aws:s3:::b/`).
    Prefix(String),
    Unknown,
}

/// The ARN a request for `need` names, as the design's policies write
/// resources (values known only at deployment as the template's symbols,
/// resolved in `app`'s context): an object of the bucket for a call on its
/// objects, `*` for an action that takes no resource; `None` when the
/// call's resource is not known.
pub fn request_arn(template: &Template, app: &Application, need: &Need) -> Option<String> {
    let context = design_context(
        &app.account,
        &app.region,
        app.stack_name.as_ref(),
        &app.parameters,
    );
    match request_resource(template, &context, need) {
        Resource::Exact(arn) => Some(arn),
        Resource::Prefix(prefix) => Some(format!("{prefix}example-object")),
        Resource::Unknown => None,
    }
}

/// The call's resource as the design's policies write resources: the ARN
/// `leash-code` shows in template syntax, substituted as an `Fn::Sub`
/// with the design's context (values known only at deployment become the
/// template's symbols).
fn request_resource(template: &Template, context: &ResolveContext, need: &Need) -> Resource {
    if !need.resolved {
        return Resource::Unknown;
    }
    let Some(shown) = &need.resource else {
        // The action takes no resource: IAM evaluates it on `*`.
        return Resource::Exact("*".to_string());
    };
    let span = Span::default();
    let sub = Value::new(
        ValueKind::Object(vec![Member {
            key: Spanned::new("Fn::Sub".to_string(), span),
            value: Value::new(ValueKind::String(shown.clone()), span),
        }]),
        span,
    );
    let resolution = resolve_with(&sub, template, context);
    match resolution.value.as_str() {
        Some(arn) if resolution.unresolved.is_empty() => match arn.strip_suffix('*') {
            Some(prefix) if prefix.ends_with('/') => Resource::Prefix(prefix.to_string()),
            _ => Resource::Exact(arn.to_string()),
        },
        _ => Resource::Unknown,
    }
}

/// Resources under `prefix` the policy could allow: `prefix` and a name,
/// and each resource pattern of an `Allow` statement that could name
/// something under `prefix`, its wildcards filled.
fn witnesses(policy: &Policy, prefix: &str) -> Vec<String> {
    let mut out = vec![format!("{prefix}x")];
    if prefix.is_empty() {
        out.push("arn:aws:leash:us-east-1:111122223333:witness/x".to_string());
    }
    for statement in &policy.statements {
        if statement.effect.node != leash_policy::Effect::Allow {
            continue;
        }
        let Some(resource) = &statement.resource else {
            continue;
        };
        for pattern in &resource.node.patterns {
            let filled = pattern.node.replace(['*', '?'], "x");
            // A pattern that reaches under the prefix: it starts with the
            // prefix, or a wildcard comes before the prefix ends.
            let first_wildcard = pattern.node.find(['*', '?']).unwrap_or(pattern.node.len());
            let reaches = filled.starts_with(prefix)
                || prefix.starts_with(pattern.node.get(..first_wildcard).unwrap_or(""));
            if !reaches {
                continue;
            }
            let candidate = if filled.starts_with(prefix) {
                filled
            } else {
                format!("{prefix}x")
            };
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

/// Where the template gives `function` its role.
fn role_site(template: &Template, function: &str) -> Option<RoleSite> {
    let resource = template.resource(function)?;
    if let Some(role) = resource.properties.get("Role") {
        let id = role
            .get("Fn::GetAtt")
            .and_then(|a| {
                a.as_str()
                    .and_then(|t| t.split('.').next())
                    .or_else(|| a.as_array()?.first()?.as_str())
            })
            .or_else(|| role.get("Ref").and_then(Value::as_str))?;
        let role_resource = template.resource(id)?;
        return Some(RoleSite {
            name: format!("`{id}`"),
            span: role_resource.logical_id.span,
        });
    }
    let span = resource
        .properties
        .get("Policies")
        .map_or(resource.logical_id.span, |p| p.span);
    Some(RoleSite {
        name: format!("`{function}Role` (SAM's, from the function's `Policies`)"),
        span,
    })
}

/// [`denied_calls`] for a template read from `template_path`: its code
/// read with `leash-code`. A parameter is a symbol, one value a deployment
/// gives: a call is reported only when it is denied both with the
/// parameters as symbols and with their defaults (the deployment that
/// overrides none), so that a denial holds whatever the parameters are
/// rather than for some deployments only.
pub fn denied_calls_of(
    template: &Template,
    template_path: &Path,
    app: &Application,
) -> Vec<DeniedCall> {
    let needs = leash_code::template_needs(template, template_path);
    let denied = denied_calls(template, app, &needs);
    if denied.is_empty() {
        return denied;
    }
    let mut parameters = app.parameters.clone();
    for parameter in &template.parameters {
        if let Some(default) = parameter.default.as_ref().and_then(Value::as_str) {
            parameters
                .entry(parameter.name.node.clone())
                .or_insert_with(|| default.to_string());
        }
    }
    if parameters == app.parameters {
        return denied;
    }
    let target = crate::model::Target {
        account: None,
        region: None,
        stack_name: app.stack_name.clone(),
        parameters,
        // State machine definition files are beside the template.
        template_dir: template_path.parent().map(Path::to_path_buf),
    };
    let Ok(with_defaults) = crate::model::read_application(template, &target) else {
        return denied;
    };
    let also = denied_calls(template, &with_defaults, &needs);
    denied
        .into_iter()
        .filter(|d| {
            also.iter()
                .any(|a| a.function == d.function && a.need == d.need)
        })
        .collect()
}

/// Whether the template gives `resource` a resource-based policy (a bucket,
/// queue or topic policy, a role's trust policy): it may grant on its own,
/// which the role's policies alone cannot tell.
fn has_resource_policy(policies: &[leash_iac::EmbeddedPolicy], resource: &str) -> bool {
    policies.iter().any(|p| {
        matches!(
            p.kind,
            leash_iac::PolicyKind::Resource | leash_iac::PolicyKind::Trust
        ) && (p.target_resources.iter().any(|t| t == resource)
            || (p.kind == leash_iac::PolicyKind::Trust && p.resource_id == resource))
    })
}

/// What became of one function's code needs in the design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeNarrowing {
    pub function: String,
    /// Whether the code's needs narrowed the template's grants.
    pub narrowed: bool,
    /// What was narrowed, or why the template's grants were kept.
    pub note: String,
}

/// Needs from the handler code, after declared needs and before the
/// template's IAM in the order of trust: for each function of `app` whose
/// every SDK call was found and resolved (no gap, no unresolved resource),
/// each grant the template gives on a resource the code calls (a SAM
/// policy template, a connector, a statement) becomes the actions of that
/// grant the code calls on it, each with the calls' `file:line`; the grant
/// itself moves to `superseded` (the design's checks then verify that what
/// the code does not call is denied). Grants on resources the code never
/// names, event sources and Lambda's own needs are left as they are. A
/// function with declared needs, or whose code is not all known, keeps the
/// template's grants (the first law), with the reason in
/// `Function::code_note`.
pub fn narrow_with_code(
    template: &Template,
    app: &mut Application,
    needs: &[FunctionNeeds],
) -> Vec<CodeNarrowing> {
    let mut out = Vec::new();
    let snapshot = app.clone();
    for function in &mut app.functions {
        // A function whose code is not in the repository (no file read)
        // keeps the template's grants silently: there is nothing to say
        // about code leash did not see.
        let Some(code) = needs
            .iter()
            .find(|n| n.function == function.logical_id && !n.files.is_empty())
        else {
            continue;
        };
        let note = |narrowed: bool, note: String| CodeNarrowing {
            function: function.logical_id.clone(),
            narrowed,
            note,
        };
        let result = if function
            .needs
            .iter()
            .any(|n| n.source.trust() == crate::model::Trust::Declared)
        {
            note(
                false,
                "the function declares its needs: they come before the code's".to_string(),
            )
        } else if let Some(reason) = incomplete(code) {
            note(false, format!("the template's grants are kept: {reason}"))
        } else {
            narrow_function(template, &snapshot, function, code)
        };
        function.code_note = Some(result.note.clone());
        out.push(result);
    }
    out
}

/// Why the code's calls are not all known, if they are not.
fn incomplete(code: &FunctionNeeds) -> Option<String> {
    if let Some(gap) = code.gaps.first() {
        let at = gap
            .site
            .as_ref()
            .map(|s| format!("{}:{}: ", s.file, s.line))
            .unwrap_or_default();
        return Some(format!(
            "not every call of the code is known ({at}{})",
            gap.reason
        ));
    }
    if code.files.is_empty() {
        return Some("the code was not read".to_string());
    }
    code.needs.iter().find(|n| !n.resolved).map(|n| {
        format!(
            "the resource of `{}` at {}:{} is not known ({})",
            n.call,
            n.file,
            n.line,
            n.reason.as_deref().unwrap_or("unresolved")
        )
    })
}

/// The scope of a resource a call acts on: its objects (a bucket's
/// `BUCKET/*`), or the resource itself.
fn call_scope(
    kind: crate::model::ResourceKind,
    object_level: bool,
) -> Option<crate::access::Scope> {
    use crate::access::Scope;
    if object_level {
        return Some(Scope::Objects);
    }
    let scopes: Vec<Scope> = crate::access::ACCESS_TABLE
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.scope)
        .collect();
    [
        Scope::Table,
        Scope::Bucket,
        Scope::Queue,
        Scope::Topic,
        Scope::Function,
        Scope::Stream,
        Scope::StateMachine,
        Scope::Secret,
        Scope::Parameter,
        Scope::EventBus,
        Scope::Key,
    ]
    .into_iter()
    .find(|s| scopes.contains(s))
}

fn narrow_function(
    template: &Template,
    app: &Application,
    function: &mut crate::model::Function,
    code: &FunctionNeeds,
) -> CodeNarrowing {
    use crate::access::Scope;
    use crate::model::{Access, Need as ModelNeed, Trust};
    // The template's own IAM decides which of the code's actions a grant
    // gives: the design never grants what the template did not.
    let original = original_iam(template, app, &function.logical_id)
        .combined(&embedded_managed_policy)
        .policy;
    let prepared =
        PreparedPolicySet::new(&PolicySet::new().with_identity_policy("template", original));
    let allowed = |action: &str, resource: &str| {
        prepared
            .evaluate(&request(app, action, resource))
            .is_allowed()
    };
    // (template resource, scope) -> (actions, the calls).
    let mut called: std::collections::BTreeMap<(String, Scope), (Vec<String>, Vec<String>)> =
        std::collections::BTreeMap::new();
    let mut unexpressed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for need in code.needs.iter().filter(|n| !n.own_credentials) {
        let (Some(id), Some(arn)) = (
            need.resource_id.as_deref(),
            request_arn(template, app, need),
        ) else {
            continue;
        };
        let Some(resource) = app.resource(id) else {
            continue;
        };
        let object_level = need.resource.as_deref().is_some_and(|r| r.ends_with("/*"));
        let Some(scope) = call_scope(resource.kind, object_level) else {
            continue;
        };
        let site = format!("{}:{} `{}`", need.file, need.line, need.call);
        for action in &need.actions {
            let mut scopes = vec![(scope, arn.clone())];
            // A query or scan may name an index (`IndexName`, which the
            // code analysis does not follow): the table's indexes too.
            if scope == Scope::Table
                && matches!(action.as_str(), "dynamodb:Query" | "dynamodb:Scan")
            {
                scopes.push((Scope::TableIndexes, format!("{arn}/index/example-index")));
            }
            for (index, (scope, arn)) in scopes.into_iter().enumerate() {
                if !allowed(action, &arn) {
                    // The call itself (not an optional index): the
                    // template's grants on this resource cannot be
                    // narrowed to it (a key prefix, a missing permission),
                    // so they stay as they are.
                    if index == 0 {
                        unexpressed.insert(id.to_string());
                    }
                    continue;
                }
                let entry = called.entry((id.to_string(), scope)).or_default();
                if !entry.0.contains(action) {
                    entry.0.push(action.clone());
                }
                if !entry.1.contains(&site) {
                    entry.1.push(site.clone());
                }
            }
        }
    }
    called.retain(|(id, _), _| !unexpressed.contains(id));
    let resources_called: std::collections::BTreeSet<&str> =
        called.keys().map(|(id, _)| id.as_str()).collect();
    let mut narrowed_grants = Vec::new();
    let mut superseded = Vec::new();
    let mut needs = Vec::new();
    for need in std::mem::take(&mut function.needs) {
        let narrowable = matches!(
            need.source.trust(),
            Trust::SamPolicyTemplate | Trust::ExistingStatement
        );
        if narrowable && resources_called.contains(need.resource.as_str()) {
            narrowed_grants.push(format!("{} on `{}`", need.source.describe(), need.resource));
            superseded.push(need);
        } else {
            needs.push(need);
        }
    }
    for ((id, scope), (actions, calls)) in &called {
        // The grants of the template this narrows (at least one: the
        // template's IAM allowed the actions).
        let narrows: Vec<&ModelNeed> = superseded.iter().filter(|n| n.resource == *id).collect();
        let Some(first) = narrows.first() else {
            // Allowed by what leash does not narrow (a managed policy, a
            // statement kept as is): nothing to narrow, nothing to add.
            continue;
        };
        needs.push(ModelNeed {
            resource: id.clone(),
            access: Access::Listed,
            prefix: None,
            index: *scope == Scope::TableIndexes,
            actions: actions.clone(),
            scope: Some(*scope),
            source: crate::model::NeedSource::Code {
                calls: calls.clone(),
                narrows: Box::new(first.source.clone()),
            },
            conditions: first.conditions.clone(),
        });
    }
    function.needs = needs;
    function.superseded.extend(superseded);
    if narrowed_grants.is_empty() {
        return CodeNarrowing {
            function: function.logical_id.clone(),
            narrowed: false,
            note: "every call of the code is known; no grant of the template is on a resource it calls".to_string(),
        };
    }
    CodeNarrowing {
        function: function.logical_id.clone(),
        narrowed: true,
        note: format!(
            "every call of the code is known: the template's grants on the resources it calls are narrowed to the actions it calls that they allow ({})",
            narrowed_grants.join("; ")
        ),
    }
}
