//! Renders designs: the per-role IAM JSON file and report.md (the access
//! matrix, every permission with the need that produced it, how API routes
//! are deployed, what the designed template changed, and the verification).
//!
//! Not for: deciding what to grant (`design`).

use std::collections::BTreeMap;

use serde_json::json;

use crate::changes::{FunctionChanges, StatementChange};
use crate::cloudformation::{DesignedTemplate, RouteDeployment};
use crate::design::{Check, RoleDesign};
use crate::model::{Access, Application, Function, Need, NeedSource, PrincipalKind};

/// One role as JSON: name, trust policy, permissions policy, and the
/// Lambda permissions of the function's API routes.
pub fn role_document(role: &RoleDesign) -> String {
    let trust = role.trust_policy.json();
    let permissions = role.permissions_policy.json();
    let lambda_permissions: Vec<serde_json::Value> = role
        .lambda_permissions
        .iter()
        .map(|p| {
            json!({
                "Event": p.event,
                "Action": "lambda:InvokeFunction",
                "FunctionName": p.function_arn,
                "Principal": p.principal,
                "SourceArn": p.source_arn,
                "SourceAccount": p.source_account,
            })
        })
        .collect();
    let mut document = json!({
        "RoleName": role.role_name,
        "Function": role.function,
        "AssumeRolePolicyDocument": trust,
        "Policies": if role.grants_nothing() {
            json!([])
        } else {
            json!([{ "PolicyName": format!("{}-least-privilege", role.function_name), "PolicyDocument": permissions }])
        },
        "LambdaPermissions": lambda_permissions,
    });
    let managed: Vec<&str> = role.kept_managed_arns().collect();
    if !managed.is_empty() {
        document["ManagedPolicyArns"] = json!(managed);
    }
    if let Some(boundary) = &role.permissions_boundary {
        document["PermissionsBoundary"] = json!(boundary);
    }
    let named_as = match role.kind {
        crate::model::PrincipalKind::Function => None,
        crate::model::PrincipalKind::StateMachine => Some("StateMachine"),
        crate::model::PrincipalKind::ApiIntegration => Some("ApiIntegrationRole"),
        crate::model::PrincipalKind::ApiCloudWatchRole => Some("ApiGatewayCloudWatchRole"),
        crate::model::PrincipalKind::DeliveryStream => Some("DeliveryStream"),
        crate::model::PrincipalKind::AppSyncDataSource => Some("AppSyncDataSource"),
        crate::model::PrincipalKind::AppSyncLogging => Some("AppSyncApi"),
        crate::model::PrincipalKind::TopicRule => Some("TopicRule"),
        crate::model::PrincipalKind::SnsSubscription => Some("Subscription"),
        crate::model::PrincipalKind::SnsDeliveryStatus => Some("Topic"),
        crate::model::PrincipalKind::Pipe => Some("Pipe"),
        crate::model::PrincipalKind::Schedule => Some("Schedule"),
        crate::model::PrincipalKind::RuleTarget => Some("Rule"),
    };
    if let Some(named_as) = named_as
        && let Some(fields) = document.as_object_mut()
    {
        // Not a function's role: named for its principal, no Lambda
        // permissions.
        fields.remove("Function");
        fields.remove("LambdaPermissions");
        fields.insert(named_as.into(), json!(role.function));
    }
    if let Some(consumer) = &role.consumer
        && let Some(fields) = document.as_object_mut()
    {
        // A consumer's role serves no function.
        fields.remove("Function");
        fields.remove("LambdaPermissions");
        fields.insert("ConsumerAccount".into(), json!(consumer.account));
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// What the report can say beyond the design itself: how the output
/// format deployed it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportContext<'a> {
    /// Set for `--format cfn`: routes, removed properties and roles.
    pub designed_template: Option<&'a DesignedTemplate>,
    /// What each role changes against the template's original IAM.
    pub changes: Option<&'a [FunctionChanges]>,
}

/// report.md without output-specific sections.
pub fn render_report(app: &Application, roles: &[RoleDesign]) -> String {
    render_report_with(app, roles, &ReportContext::default())
}

/// report.md: the access matrix; per function, every permission with its
/// needs, the Lambda permissions, the needs to confirm, what was not
/// designed from, lint findings and verification; what the designed
/// template changed.
pub fn render_report_with(
    app: &Application,
    roles: &[RoleDesign],
    context: &ReportContext<'_>,
) -> String {
    let mut out = String::new();
    out.push_str("# leash design report\n\n");
    out.push_str(&format!(
        "Account `{}`, region `{}`{}.\n\n",
        app.account,
        app.region,
        if leash_policy::symbol::contains_symbol(&app.account)
            || leash_policy::symbol::contains_symbol(&app.region)
        {
            " (known at deployment: the design holds for every account and region; `--account` and `--region` pin them)"
        } else {
            ""
        }
    ));
    // The designed names hold these values: a deployment with others
    // needs another design.
    if app.stack_name.is_some() || !app.parameters.is_empty() {
        let mut given = Vec::new();
        if let Some(stack_name) = &app.stack_name {
            given.push(format!("stack name `{stack_name}`"));
        }
        given.extend(
            app.parameters
                .iter()
                .map(|(key, value)| format!("`{key}` = `{value}`")),
        );
        out.push_str(&format!(
            "Designed for {}: deploying with other values needs another design.\n\n",
            given.join(", ")
        ));
    }
    out.push_str(&first_law_section(app, roles, context.changes));
    out.push_str(&access_matrix(app));
    if let Some(designed) = context.designed_template
        && !designed.template_notes.is_empty()
    {
        out.push_str("## Template changes\n\n");
        for note in &designed.template_notes {
            out.push_str(&format!("- {note}\n"));
        }
        out.push('\n');
    }
    for role in roles {
        let function = app.functions.iter().find(|f| f.logical_id == role.function);
        match &role.consumer {
            Some(consumer) => {
                let mut conditions = Vec::new();
                if consumer.external_id.is_some() {
                    conditions.push("`sts:ExternalId`");
                }
                if consumer.organization.is_some() {
                    conditions.push("`aws:PrincipalOrgID`");
                }
                out.push_str(&format!(
                    "## `{}` (cross-account consumer)\n\nTrusted by account `{}` with {}.\n\n",
                    role.role_name,
                    consumer.account,
                    conditions.join(" and ")
                ));
            }
            None => {
                out.push_str(&format!(
                    "## `{}` ({} `{}`)\n\n",
                    role.role_name,
                    role.kind.as_str(),
                    role.function_name
                ));
                match role.kind {
                    crate::model::PrincipalKind::Function => {
                        out.push_str("Trusted by `lambda.amazonaws.com`.\n\n")
                    }
                    crate::model::PrincipalKind::StateMachine => out.push_str(
                        "Trusted by `states.amazonaws.com` from the account's state machines (`aws:SourceAccount`, `aws:SourceArn`), as Step Functions documents against the confused deputy (<https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html>).\n\n",
                    ),
                    crate::model::PrincipalKind::Pipe => out.push_str(
                        "Trusted by `pipes.amazonaws.com` from the account's pipes (`aws:SourceAccount`, `aws:SourceArn`), as EventBridge Pipes documents against the confused deputy (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html>).\n\n",
                    ),
                    crate::model::PrincipalKind::Schedule => out.push_str(
                        "Trusted by `scheduler.amazonaws.com` from the account's schedule groups (`aws:SourceAccount`, `aws:SourceArn`), as EventBridge Scheduler documents against the confused deputy (<https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html>).\n\n",
                    ),
                    crate::model::PrincipalKind::RuleTarget => out.push_str(
                        "Trusted by `events.amazonaws.com`, without source conditions: EventBridge documents them for resource policies, not for the roles of rule targets (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>).\n\n",
                    ),
                    crate::model::PrincipalKind::TopicRule => out.push_str(
                        "Trusted by `iot.amazonaws.com` from the account's topic rules (`aws:SourceAccount`, `aws:SourceArn`), as AWS IoT documents against the confused deputy (<https://docs.aws.amazon.com/iot/latest/developerguide/iot-create-role.html>).\n\n",
                    ),
                    crate::model::PrincipalKind::DeliveryStream => out.push_str(
                        "Trusted by `firehose.amazonaws.com` with `sts:ExternalId` set to the account, as Firehose documents (<https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html>).\n\n",
                    ),
                    crate::model::PrincipalKind::AppSyncDataSource
                    | crate::model::PrincipalKind::AppSyncLogging => out.push_str(
                        "Trusted by `appsync.amazonaws.com` (AppSync does not document sending `aws:SourceArn` or `aws:SourceAccount` when it assumes the role: no condition, IAM-SEMANTICS.md section 4).\n\n",
                    ),
                    crate::model::PrincipalKind::SnsDeliveryStatus => out.push_str(
                        "Trusted by `sns.amazonaws.com`, without a source condition: SNS's page on delivery status logging documents none for the role (<https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html>; IAM-SEMANTICS.md section 4).\n\n",
                    ),
                    crate::model::PrincipalKind::SnsSubscription => out.push_str(
                        "Trusted by `sns.amazonaws.com`, without a source condition: SNS's page on subscribing a Firehose stream gives the role's trust as the SNS service principal alone and documents no `aws:SourceArn` or `aws:SourceAccount` when it assumes the role (<https://docs.aws.amazon.com/sns/latest/dg/prereqs-kinesis-data-firehose.html>; IAM-SEMANTICS.md section 4).\n\n",
                    ),
                    crate::model::PrincipalKind::ApiIntegration => out.push_str(
                        "Trusted by `apigateway.amazonaws.com`, without a source condition: API Gateway documents none for the role its integrations assume (<https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html>). The designed role takes the place of the template's role (same logical id), so every integration's credentials name it as they did.\n\n",
                    ),
                    crate::model::PrincipalKind::ApiCloudWatchRole => out.push_str(
                        "Trusted by `apigateway.amazonaws.com`, without a source condition (none documented: <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>). `AWS::ApiGateway::Account` sets one CloudWatch role per account and region: every API of the account in the region logs through it, not only this template's.\n\n",
                    ),
                }
            }
        }
        if let Some(boundary) = &role.permissions_boundary {
            out.push_str(&format!("Permissions boundary: `{boundary}`.\n\n"));
        }
        out.push_str("### Permissions\n\n");
        out.push_str("| action | resource | condition | needs |\n|---|---|---|---|\n");
        for permission in &role.permissions {
            let condition = permission
                .conditions
                .iter()
                .map(|(operator, key, values)| {
                    format!("`{operator}` `{key}` = `{}`", values.join("`, `"))
                })
                .collect::<Vec<_>>()
                .join("; ");
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} |\n",
                permission.action,
                permission.resource,
                condition,
                permission.needs.join("; ")
            ));
        }
        out.push('\n');
        let deployments = context
            .designed_template
            .and_then(|d| d.routes.get(&role.function));
        if !role.lambda_permissions.is_empty() {
            out.push_str("### Lambda permissions\n\n");
            for (index, permission) in role.lambda_permissions.iter().enumerate() {
                out.push_str(&format!(
                    "- event `{}`: `{}` may invoke, `SourceArn` `{}`, `SourceAccount` `{}`",
                    permission.event,
                    permission.principal,
                    permission.source_arn,
                    permission.source_account
                ));
                match deployments.and_then(|d| d.get(index)).map(|(_, d)| d) {
                    Some(RouteDeployment::Written { logical_id }) => out.push_str(&format!(
                        "; written as `{logical_id}` in the designed template\n"
                    )),
                    Some(RouteDeployment::SamImplicit {
                        logical_id,
                        source_arn,
                    }) => out.push_str(&format!(
                        "; **not written**: SAM builds this route from the event and adds its own permission `{logical_id}` (`SourceArn` `{source_arn}`, every stage), which cannot be turned off, so a narrower one would grant nothing less. Define the route in the API's `DefinitionBody` to get the permission above\n"
                    )),
                    None => out.push('\n'),
                }
            }
            out.push('\n');
        }
        if let Some(notes) = context
            .designed_template
            .and_then(|d| d.function_notes.get(&role.function))
            .filter(|notes| !notes.is_empty())
        {
            out.push_str("### In the designed template\n\n");
            if let Some(role_id) = context
                .designed_template
                .and_then(|d| d.role_ids.get(&role.function))
                .filter(|_| !role.kind.is_role())
            {
                // Where the resource names its role: `Role`, a state
                // machine's or pipe's `RoleArn`, a schedule's
                // `Target.RoleArn`, a rule's `Targets[].RoleArn`.
                // (A function or state machine: `Role`, as before; an
                // `AWS::StepFunctions::StateMachine` names it `RoleArn`.)
                let property = match role.kind {
                    crate::model::PrincipalKind::Function
                    | crate::model::PrincipalKind::StateMachine => "Role",
                    crate::model::PrincipalKind::Pipe => "RoleArn",
                    crate::model::PrincipalKind::Schedule => "Target.RoleArn",
                    crate::model::PrincipalKind::RuleTarget => "Targets[].RoleArn",
                    crate::model::PrincipalKind::AppSyncDataSource => "ServiceRoleArn",
                    crate::model::PrincipalKind::SnsSubscription => "SubscriptionRoleArn",
                    crate::model::PrincipalKind::SnsDeliveryStatus => {
                        "DeliveryStatusLogging[].SuccessFeedbackRoleArn, FailureFeedbackRoleArn"
                    }
                    crate::model::PrincipalKind::AppSyncLogging => {
                        "LogConfig.CloudWatchLogsRoleArn"
                    }
                    crate::model::PrincipalKind::DeliveryStream
                    | crate::model::PrincipalKind::TopicRule => "RoleArn (each nested)",
                    // Designed in place (filtered out above).
                    crate::model::PrincipalKind::ApiIntegration
                    | crate::model::PrincipalKind::ApiCloudWatchRole => "Role",
                };
                // A role another resource names (a data source of SAM's
                // GraphQL API): where it names it.
                let slot = context
                    .designed_template
                    .and_then(|d| d.role_slots.get(&role.function));
                let property = slot.map_or(property, String::as_str);
                // A SAM event's schedule or rule: the event's `RoleArn`,
                // or the target of the rule written for it.
                let (property, place) = match function.and_then(|f| f.sam_event.as_ref()) {
                    Some(sam) if sam.event_type == "ScheduleV2" => (
                        format!("Events.{}.Properties.RoleArn", sam.event),
                        format!(" (in `{}`)", sam.resource),
                    ),
                    Some(_) => (
                        "Targets[0].RoleArn".to_string(),
                        format!(" (in the rule `{}`)", role.function),
                    ),
                    None => (property.to_string(), String::new()),
                };
                out.push_str(&format!(
                    "- role `{role_id}`, wired with `{property}: !GetAtt {role_id}.Arn`{place}\n"
                ));
            }
            for note in notes {
                out.push_str(&format!("- {note}\n"));
            }
            out.push('\n');
        }
        if let Some(function) = function {
            if let Some(role) = function.role.as_ref().filter(|_| !function.kind.is_role()) {
                out.push_str("### Execution role in the template\n\n");
                if role.generated_by_sam {
                    out.push_str(&format!(
                        "SAM generates the {}'s role, `{}` (the template does not write it; leash reads it as SAM writes it).",
                        function.kind.as_str(),
                        role.role,
                    ));
                } else {
                    out.push_str(&format!(
                        "The template runs the {} as `{}`{}.",
                        function.kind.as_str(),
                        role.role,
                        if role.in_template {
                            ""
                        } else {
                            " (not in the template)"
                        }
                    ));
                }
                if !role.shared_with.is_empty() {
                    out.push_str(&format!(
                        " **Shared** with `{}`: every function of the role can do what any of them needs; the design gives each function its own role.",
                        role.shared_with.join("`, `")
                    ));
                }
                out.push_str("\n\n");
            }
            if let Some(definition) = &function.definition {
                let source = if definition.source.is_empty() {
                    "nowhere"
                } else {
                    definition.source.as_str()
                };
                out.push_str(&match function.kind {
                    crate::model::PrincipalKind::ApiIntegration => format!(
                        "### Integrations\n\nThe role's uses are the union of its {} integration(s): {source}.",
                        definition.states
                    ),
                    crate::model::PrincipalKind::ApiCloudWatchRole => {
                        "### API Gateway logging\n\nThe account's CloudWatch role.".to_string()
                    }
                    crate::model::PrincipalKind::Pipe
                    | crate::model::PrincipalKind::Schedule
                    | crate::model::PrincipalKind::RuleTarget => format!(
                        "### Definition\n\nRead from {source}; {} part(s) (source, enrichment, target; or targets).",
                        definition.states
                    ),
                    crate::model::PrincipalKind::StateMachine | crate::model::PrincipalKind::Function => format!(
                        "### Definition\n\nRead from {source}; {} state(s).",
                        definition.states
                    ),
                    _ => format!(
                        "### Configuration\n\nRead from {source}; {} configuration(s) or action(s) read.",
                        definition.states
                    ),
                });
                if definition.unknown.is_empty() {
                    out.push_str(" It tells every use: what the template grants beyond it is superseded.\n\n");
                } else {
                    out.push_str(
                        " What the template grants for these services is not superseded by it:\n\n",
                    );
                    for (service, why) in &definition.unknown {
                        out.push_str(&format!("- `{service}`: {why}\n"));
                    }
                    out.push('\n');
                }
            }
            if let Some(note) = &function.code_note {
                out.push_str("### The handler code\n\n");
                out.push_str(&format!("{note}.\n\n"));
            }
            let by_code = function
                .needs
                .iter()
                .any(|n| n.source.trust() == crate::model::Trust::Code);
            if !function.superseded.is_empty() && by_code {
                out.push_str(
                    "### Narrowed to what the code calls (granted only as the code's needs above)\n\n",
                );
                for need in &function.superseded {
                    out.push_str(&format!("- {}\n", need.describe()));
                }
                out.push('\n');
            } else if !function.superseded.is_empty() {
                out.push_str(if function.definition.is_some() {
                    "### Superseded by declared needs or the definition (not granted)\n\n"
                } else {
                    "### Superseded by declared needs (not granted)\n\n"
                });
                for need in &function.superseded {
                    out.push_str(&format!("- {}\n", need.describe()));
                }
                out.push('\n');
            }
            if !function.to_confirm.is_empty() {
                out.push_str("### To confirm (not granted)\n\n");
                for reference in &function.to_confirm {
                    out.push_str(&format!(
                        "- environment variable `{}` references `{}`: declare a need if the code uses it\n",
                        reference.variable, reference.resource
                    ));
                }
                out.push('\n');
            }
            if !function.kept_as_is.is_empty() {
                out.push_str("### Kept as is (leash cannot narrow it)\n\n");
                for kept in &function.kept_as_is {
                    out.push_str(&format!("- {}: {}\n", kept.origin, kept.reason.describe()));
                }
                out.push('\n');
            }
            if !function.superseded_kept.is_empty() {
                out.push_str(&format!(
                    "### Not modeled, {} (not granted)\n\n",
                    superseded_by(Some(function))
                ));
                for kept in &function.superseded_kept {
                    out.push_str(&format!("- {}: {}\n", kept.origin, kept.reason.describe()));
                }
                out.push('\n');
            }
            if !function.ignored.is_empty() {
                out.push_str("### Notes on the template's IAM\n\n");
                for ignored in &function.ignored {
                    out.push_str(&format!("- {ignored}\n"));
                }
                out.push('\n');
            }
        }
        if let Some(changes) = context
            .changes
            .and_then(|all| all.iter().find(|c| c.function == role.function))
        {
            let noun = match role.kind {
                PrincipalKind::Function => "function".to_string(),
                kind => kind.as_str().to_string(),
            };
            out.push_str(&changes_section(changes, superseded_by(function), &noun));
        }
        out.push_str("### Lint\n\n");
        out.push_str(&lint_section(&role.lint_findings));
        out.push_str(&verification_section(&role.verification, "deny", |check| {
            format!(
                "{} ({})",
                if check.allowed { "allow" } else { "deny" },
                check.why
            )
        }));
    }
    // Values known only at deployment, as the template writes them.
    app.symbols.display(&out)
}

/// The top of report.md: per function, how each permission of the
/// template's IAM fares (the first law), what is kept as is and why, and
/// what was verified against what.
fn first_law_section(
    app: &Application,
    roles: &[RoleDesign],
    changes: Option<&[FunctionChanges]>,
) -> String {
    let functions: Vec<(&RoleDesign, Option<&crate::model::Function>)> = roles
        .iter()
        .filter(|r| r.consumer.is_none())
        .map(|r| (r, app.functions.iter().find(|f| f.logical_id == r.function)))
        .collect();
    let mut out = String::from("## The template's IAM in the design\n\n");
    out.push_str(
        "Each permission the template's IAM grants a function is kept, narrowed (leash's scoped grant allows every use it models: the needs checks below), superseded by a need the function declares (for a state machine, integration, pipe or other service principal: by what leash read of its definition or configuration), or kept as is (leash cannot model it: it is in the designed role unchanged). Added: designed permissions the template's IAM does not grant (`leash-prove`, no-new-access of each against the template's IAM).\n\n",
    );
    match changes {
        Some(changes) => {
            out.push_str("| function | kept | narrowed | superseded | kept as is | added | removed |\n|---|---|---|---|---|---|---|\n");
            for (role, _) in &functions {
                let Some(change) = changes.iter().find(|c| c.function == role.function) else {
                    continue;
                };
                let counts = change.counts();
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} | {} | {} |\n",
                    role.function,
                    counts.kept,
                    counts.narrowed,
                    counts.superseded,
                    counts.kept_as_is,
                    counts.added,
                    counts.removed
                ));
            }
            out.push('\n');
            for change in changes {
                for statement in &change.statements {
                    if statement.change == StatementChange::Removed {
                        out.push_str(&format!(
                            "- **removed** from `{}` without a declared need (leash should have kept it as is; please report it): {} `{}`\n",
                            change.function,
                            statement.origin,
                            cell(&statement.text)
                        ));
                    }
                }
            }
        }
        None => out.push_str("Not compared with the template's IAM (a manifest has none).\n\n"),
    }
    let kept: Vec<_> = functions
        .iter()
        .filter_map(|(role, function)| Some((role, (*function)?)))
        .filter(|(_, f)| !f.kept_as_is.is_empty())
        .collect();
    if kept.is_empty() {
        out.push_str("Kept as is: nothing.\n\n");
    } else {
        out.push_str("### Kept as is\n\n");
        out.push_str("**Warning**: these grants are in the designed roles unchanged, as broad as the template wrote them. Narrow them in the template (or declare the function's needs) and design again; `--strict` fails while any remain.\n\n");
        for (role, function) in kept {
            out.push_str(&format!("- `{}`:\n", role.function));
            for item in &function.kept_as_is {
                out.push_str(&format!(
                    "  - {}: {}\n",
                    item.origin,
                    item.reason.describe()
                ));
            }
        }
        out.push('\n');
    }
    out.push_str("### What was verified, against what\n\n");
    for (role, _) in &functions {
        let total = role.verification.len();
        let passed = role.verification.iter().filter(|c| c.passed).count();
        let mut line = if total == 0 {
            format!(
                "- `{}`: no engine check (nothing the engine could test)",
                role.function
            )
        } else {
            format!(
                "- `{}`: {passed} of {total} engine checks passed, against the designed role (leash's statements{}): each need allowed, each near miss denied",
                role.function,
                if role.kept_as_is.is_empty() {
                    ""
                } else {
                    ", the statements and AWS managed policies kept as is"
                }
            )
        };
        if !role.allowed_by_kept.is_empty() {
            line.push_str(&format!(
                "; {} near miss(es) not counted: only what is kept as is allows them",
                role.allowed_by_kept.len()
            ));
        }
        if let Some(change) = changes.and_then(|c| c.iter().find(|c| c.function == role.function)) {
            let counts = change.counts();
            line.push_str(&format!(
                "; compared with the template's IAM by `leash-prove`: {} added, {} undecided",
                counts.added, counts.undecided
            ));
        }
        line.push_str(&format!(
            "; lint of leash's statements: {} finding(s)\n",
            role.lint_findings.len()
        ));
        out.push_str(&line);
    }
    out.push('\n');
    out
}

/// The findings of the linter on a designed policy, one per line.
fn lint_section(findings: &[String]) -> String {
    if findings.is_empty() {
        return "No findings.\n\n".to_string();
    }
    let mut out: String = findings.iter().map(|f| format!("- {f}\n")).collect();
    out.push('\n');
    out
}

/// The engine's checks of a designed policy as a table; `expected_deny`
/// names an expected deny, `engine` says what the engine decided.
fn verification_section(
    checks: &[Check],
    expected_deny: &str,
    engine: impl Fn(&Check) -> String,
) -> String {
    if checks.is_empty() {
        return "### Verification\n\nNo check: there is nothing the engine could test.\n\n"
            .to_string();
    }
    let passed = checks.iter().filter(|c| c.passed).count();
    let mut out = format!(
        "### Verification\n\n{passed} of {} checks passed.\n\n| result | check | action | resource | context | expected | engine |\n|---|---|---|---|---|---|---|\n",
        checks.len()
    );
    for check in checks {
        let context: Vec<String> = check
            .context
            .iter()
            .map(|(k, v)| format!("`{k}`=`{v}`"))
            .collect();
        out.push_str(&format!(
            "| {} | {} | `{}` | `{}` | {} | {} | {} |\n",
            if check.passed { "PASS" } else { "FAIL" },
            check.kind.as_str(),
            check.action,
            check.resource,
            context.join(" "),
            if check.expected_allow {
                "allow"
            } else {
                expected_deny
            },
            engine(check)
        ));
    }
    out.push('\n');
    out
}

/// What the role changes against the template's IAM for the function.
/// What supersedes a statement of the principal's template IAM: the needs
/// its author declared, or else (a state machine, an integration, a pipe,
/// ...) what leash read of the resource's own definition or configuration.
fn superseded_by(function: Option<&Function>) -> &'static str {
    let declared = |f: &Function| {
        f.needs.iter().any(|n| {
            matches!(
                n.source,
                NeedSource::Declared { .. } | NeedSource::Manifest { .. }
            )
        })
    };
    match function {
        Some(f) if f.kind == PrincipalKind::Function || declared(f) => {
            "superseded by declared needs"
        }
        Some(f) if f.kind == PrincipalKind::StateMachine => "superseded by its definition",
        Some(_) => "superseded by its configuration",
        None => "superseded by declared needs",
    }
}

fn changes_section(changes: &FunctionChanges, superseded: &str, noun: &str) -> String {
    let mut out = String::from("### Changes against the template's IAM\n\n");
    if changes.statements.is_empty() {
        out.push_str(&format!(
            "The template gives this {noun} no IAM leash can read.\n\n"
        ));
    } else {
        out.push_str("| change | original statement | where |\n|---|---|---|\n");
        for statement in &changes.statements {
            let change = match &statement.change {
                StatementChange::Narrowed { by } => {
                    format!("narrowed to {}", by.join(", "))
                }
                StatementChange::Undecided(reason) => format!("undecided ({reason})"),
                StatementChange::Superseded => superseded.to_string(),
                other => other.as_str().to_string(),
            };
            out.push_str(&format!(
                "| {} | `{}` | {} |\n",
                cell(&change),
                cell(&statement.text),
                cell(&statement.origin)
            ));
        }
        out.push('\n');
    }
    if changes.added.is_empty() && changes.undecided.is_empty() {
        out.push_str(
            "Added: nothing (every designed permission was granted by the template's IAM).\n",
        );
    } else {
        for added in &changes.added {
            out.push_str(&format!(
                "- added: `{}` on `{}` (e.g. {}, which the template's IAM denies)\n",
                added.action, added.resource, added.example
            ));
        }
        for (permission, reason) in &changes.undecided {
            out.push_str(&format!("- undecided: {permission} ({reason})\n"));
        }
    }
    if !changes.unknown_managed.is_empty() {
        out.push_str(&format!(
            "- not compared: {} (leash has no document for it; pass `--managed-policies DIR`)\n",
            changes
                .unknown_managed
                .iter()
                .map(|arn| format!("`{arn}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for boundary in &changes.boundaries {
        out.push_str(&format!(
            "- the template's permissions boundary `{boundary}` narrowed the original; the comparison is with its policies alone\n"
        ));
    }
    for unresolved in &changes.unresolved {
        out.push_str(&format!("- approximated: {unresolved}\n"));
    }
    out.push('\n');
    out
}

/// Text for a Markdown table cell: `|` escaped, one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// report.md's section on the designed resource policies (bucket and API
/// policies): each policy, its lint findings and its checks.
pub fn render_resource_policies(policies: &[crate::perimeter::ResourcePolicyDesign]) -> String {
    let mut out = String::new();
    for policy in policies {
        out.push_str(&format!(
            "## `{}` ({} policy)\n\n```json\n{}\n```\n\n### Lint\n\n",
            policy.resource, policy.kind, policy.policy
        ));
        out.push_str(&lint_section(&policy.lint_findings));
        out.push_str(&verification_section(
            &policy.verification,
            "deny (by this policy)",
            |check| check.why.clone(),
        ));
    }
    out
}

/// The access matrix: one row per function, one column per resource any
/// function needs, each cell the access levels its needs ask for.
fn access_matrix(app: &Application) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for function in &app.functions {
        for need in &function.needs {
            if !columns.contains(&need.resource.as_str()) {
                columns.push(&need.resource);
            }
        }
    }
    let mut out = String::from("## Access matrix\n\n");
    out.push_str(
        "What each function may do to each resource (its needs; every function also writes its own log group).\n\n",
    );
    out.push_str("| function |");
    for column in &columns {
        out.push_str(&format!(" `{column}` |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(columns.len()));
    out.push('\n');
    for function in &app.functions {
        let mut cells: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for need in &function.needs {
            let cell = cells.entry(need.resource.as_str()).or_default();
            let level = access_level(need);
            if !cell.contains(&level) {
                cell.push(level);
            }
        }
        out.push_str(&format!(
            "| `{}` (`{}`) |",
            function.logical_id, function.name
        ));
        for column in &columns {
            match cells.get(column) {
                Some(levels) => out.push_str(&format!(" {} |", levels.join("; "))),
                None => out.push_str(" |"),
            }
        }
        out.push('\n');
    }
    out.push('\n');
    out
}

/// A need's access level in a matrix cell: `read + indexes`,
/// `put under receipts/`, or the listed actions.
fn access_level(need: &Need) -> String {
    let mut text = if need.access == Access::Listed {
        format!("`{}`", need.actions.join("`, `"))
    } else {
        need.access.as_str().to_string()
    };
    if need.index {
        text.push_str(" + indexes");
    }
    if let Some(prefix) = &need.prefix {
        text.push_str(&format!(" under `{prefix}`"));
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Target, read_application};

    const TEMPLATE: &str = r#"
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders: {Type: AWS::DynamoDB::Table, Properties: {TableName: Orders}}
  Receipts: {Type: AWS::S3::Bucket, Properties: {BucketName: receipts}}
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read, index: true}]
    Properties:
      FunctionName: get-order
      Events:
        Get: {Type: Api, Properties: {Path: '/orders/{id}', Method: get}}
  Upload:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Receipts, access: put, prefix: in/}
          - {resource: Orders, access: write}
    Properties: {FunctionName: upload}
"#;

    #[test]
    fn the_access_matrix_has_a_row_per_function_and_a_column_per_resource() {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let matrix = access_matrix(&app);
        assert!(
            matrix.contains("| function | `Orders` | `Receipts` |"),
            "{matrix}"
        );
        assert!(
            matrix.contains("| `GetOrder` (`get-order`) | read + indexes | |"),
            "{matrix}"
        );
        assert!(
            matrix.contains("| `Upload` (`upload`) | write | put under `in/` |"),
            "{matrix}"
        );
    }

    #[test]
    fn a_statement_is_superseded_by_what_the_principal_has() {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        // Functions that declare their needs.
        for function in &app.functions {
            assert_eq!(
                superseded_by(Some(function)),
                "superseded by declared needs"
            );
        }
        // A state machine or an integration role without declared needs:
        // what leash read of its definition or configuration.
        let mut machine = app.functions[0].clone();
        machine.needs.clear();
        machine.kind = PrincipalKind::StateMachine;
        assert_eq!(
            superseded_by(Some(&machine)),
            "superseded by its definition"
        );
        machine.kind = PrincipalKind::ApiIntegration;
        assert_eq!(
            superseded_by(Some(&machine)),
            "superseded by its configuration"
        );
        // Declared needs on it: those.
        machine.needs = app.functions[0].needs.clone();
        assert_eq!(
            superseded_by(Some(&machine)),
            "superseded by declared needs"
        );
    }

    #[test]
    fn the_report_says_how_each_route_is_deployed() {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let designed =
            crate::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
        let report = render_report_with(
            &app,
            &roles,
            &ReportContext {
                designed_template: Some(&designed),
                changes: None,
            },
        );
        assert!(
            report.contains("**not written**: SAM builds this route from the event and adds its own permission `GetOrderGetPermissionProd`"),
            "{report}"
        );
        assert!(
            report.contains("- role `GetOrderRole`, wired with `Role: !GetAtt GetOrderRole.Arn`")
        );
    }
}
