//! API Gateway's roles as principals: a role that integrations name in
//! their credentials (its needs are the union of what those integrations
//! call, read by `leash_iac::api_integration`), and the account's
//! CloudWatch role of `AWS::ApiGateway::Account`. See docs/design.md,
//! "API Gateway integrations".
//!
//! A role that a function or state machine also runs as stays that
//! principal's: it is designed once, as the function's role, and the
//! integrations keep naming the template's role.

use leash_iac::Template;
use leash_iac::api_integration::{
    CLOUDWATCH_ROLE, IntegrationRole, Place, cloudwatch_roles, read_integration_roles,
};
use leash_policy::Value;

use super::template_iam::{self, Located, TemplateIam};
use super::{AppResource, ExecutionRole, Function, NeedSource, PrincipalKind, apply_reading};

/// The integration roles and the CloudWatch role of the template, each
/// a principal, unless a function or state machine runs as it.
pub(super) fn read_api_principals(
    template: &Template,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
    template_dir: Option<&std::path::Path>,
) -> Vec<Function> {
    let mut principals = Vec::new();
    let integration_roles =
        read_integration_roles(template, resolve, &Place { account, region }, template_dir);
    let cloudwatch = cloudwatch_roles(template);
    let located = Located {
        account,
        region,
        resources,
        resolve,
        log_group: "",
    };
    for mut role in integration_roles {
        if iam.runs_as(&role.role).is_some() {
            continue;
        }
        // Used by the account's logging too: its log uses are not told by
        // the integrations.
        if let Some((account_id, _)) = cloudwatch.iter().find(|(_, r)| *r == role.role) {
            role.reading.summary.unknown.insert(
                "logs".into(),
                format!(
                    "`{account_id}` makes it API Gateway's CloudWatch role too, for every API of the account and region"
                ),
            );
        }
        mark_other_uses(template, &mut role);
        principals.push(read_role_principal(
            template,
            &role.role,
            PrincipalKind::ApiIntegration,
            role.reading,
            &located,
            iam,
        ));
    }
    for (account_id, role) in cloudwatch {
        if iam.runs_as(&role).is_some() || principals.iter().any(|p| p.logical_id == role) {
            continue;
        }
        let mut reading = leash_iac::state_machine::Reading::default();
        reading.summary.source = format!("`{account_id}` `CloudWatchRoleArn`");
        // One role per account and region: every API there writes its
        // execution and access logs through it (log groups named by API
        // id and stage, or by each stage's access log settings), so
        // nothing in one template tells all its uses.
        reading.summary.unknown.insert(
            "*".into(),
            format!(
                "API Gateway's CloudWatch role is one per account and region, used by every API there, not only this template's ({CLOUDWATCH_ROLE})"
            ),
        );
        principals.push(read_role_principal(
            template,
            &role,
            PrincipalKind::ApiCloudWatchRole,
            reading,
            &located,
            iam,
        ));
    }
    principals
}

/// A role referenced by more resources than the integrations that name it
/// (another service's `RoleArn`, say) does more than they tell.
fn mark_other_uses(template: &Template, role: &mut IntegrationRole) {
    let mut users = Vec::new();
    for resource in &template.resources {
        if matches!(
            resource.resource_type.node.as_str(),
            "AWS::IAM::Role" | "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy"
        ) {
            continue;
        }
        let count = references(&resource.properties, &role.role);
        let integrations = role
            .integrations
            .iter()
            .filter(|i| i.resource == resource.logical_id.node)
            .count();
        if count > integrations {
            users.push(resource.logical_id.node.clone());
        }
    }
    if !users.is_empty() {
        role.reading.summary.unknown.insert(
            "*".into(),
            format!(
                "the role is also used by `{}`, beyond the integrations",
                users.join("`, `")
            ),
        );
    }
}

/// How many `Ref`, `Fn::GetAtt` and `Fn::Sub` references to `id` a value
/// holds.
fn references(value: &Value, id: &str) -> usize {
    if let Some(target) = value.get("Ref").and_then(Value::as_str) {
        return usize::from(target == id);
    }
    if let Some(attribute) = value.get("Fn::GetAtt") {
        let target = match attribute.as_str() {
            Some(text) => text.split_once('.').map(|(t, _)| t),
            None => attribute
                .as_array()
                .and_then(|a| a.first())
                .and_then(Value::as_str),
        };
        return usize::from(target == Some(id));
    }
    if let Some(text) = value.as_str() {
        // `Fn::Sub` text: `${ID}` or `${ID.Attribute}`.
        return text
            .match_indices("${")
            .filter(|(at, _)| {
                let rest = &text[at + 2..];
                rest.strip_prefix(id)
                    .is_some_and(|after| after.starts_with(['}', '.']))
            })
            .count();
    }
    if let Some(items) = value.as_array() {
        return items.iter().map(|v| references(v, id)).sum();
    }
    value
        .as_object()
        .map(|members| members.iter().map(|m| references(&m.value, id)).sum())
        .unwrap_or(0)
}

/// A role of the template as a principal: its policies are its template
/// IAM, its uses the reading.
fn read_role_principal(
    template: &Template,
    role: &str,
    kind: PrincipalKind,
    reading: leash_iac::state_machine::Reading,
    located: &Located<'_>,
    iam: &TemplateIam,
) -> Function {
    let mut principal = Function {
        logical_id: role.to_string(),
        kind,
        name: role.to_string(),
        // API Gateway writes no log group of its own through an
        // integration's role.
        log_actions: Some(Vec::new()),
        role: Some(ExecutionRole {
            role: role.to_string(),
            in_template: true,
            ..ExecutionRole::default()
        }),
        ..Function::default()
    };
    let mut inline_needs = Vec::new();
    template_iam::read_policies(
        template,
        iam.policies_of_role(role),
        iam.managed_policies_of_role(role),
        located,
        &mut principal,
        &mut inline_needs,
    );
    principal.needs.extend(inline_needs);
    // Its statements that only write logs are not about a group of its
    // own: kept as is (superseded when the integrations tell every use of
    // CloudWatch Logs).
    let log_statements = std::mem::take(&mut principal.log_statements);
    principal.kept_as_is.extend(log_statements);
    apply_reading(&mut principal, reading, located, iam, &|at| {
        NeedSource::Integration { at: at.to_string() }
    });
    principal
}
