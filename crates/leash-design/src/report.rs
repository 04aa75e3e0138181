//! Renders designs: the per-role IAM JSON file and report.md (every
//! permission with the need that produced it, and the verification).
//!
//! Not for: deciding what to grant (`design`).

use serde_json::json;

use crate::design::RoleDesign;
use crate::model::Application;

/// One role as JSON: name, trust policy, permissions policy, and the
/// Lambda permissions of the function's API routes.
pub fn role_document(role: &RoleDesign) -> String {
    let trust: serde_json::Value =
        serde_json::from_str(&role.trust_policy).unwrap_or(serde_json::Value::Null);
    let permissions: serde_json::Value =
        serde_json::from_str(&role.permissions_policy).unwrap_or(serde_json::Value::Null);
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
    let document = json!({
        "RoleName": role.role_name,
        "Function": role.function,
        "AssumeRolePolicyDocument": trust,
        "Policies": [{ "PolicyName": format!("{}-least-privilege", role.function_name), "PolicyDocument": permissions }],
        "LambdaPermissions": lambda_permissions,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// report.md: per function, every permission with its needs, the needs
/// to confirm, what was not designed from, lint findings and verification.
pub fn render_report(app: &Application, roles: &[RoleDesign]) -> String {
    let mut out = String::new();
    out.push_str("# leash design report\n\n");
    out.push_str(&format!(
        "Account `{}`, region `{}`.\n\n",
        app.account, app.region
    ));
    for role in roles {
        let function = app.functions.iter().find(|f| f.logical_id == role.function);
        out.push_str(&format!(
            "## `{}` (function `{}`)\n\n",
            role.role_name, role.function_name
        ));
        out.push_str("Trusted by `lambda.amazonaws.com`.\n\n### Permissions\n\n");
        out.push_str("| action | resource | condition | needs |\n|---|---|---|---|\n");
        for permission in &role.permissions {
            let condition = permission
                .condition
                .as_ref()
                .map(|(operator, key, values)| {
                    format!("`{operator}` `{key}` = `{}`", values.join("`, `"))
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} |\n",
                permission.action,
                permission.resource,
                condition,
                permission.needs.join("; ")
            ));
        }
        out.push('\n');
        if !role.lambda_permissions.is_empty() {
            out.push_str("### Lambda permissions (API Gateway)\n\n");
            for permission in &role.lambda_permissions {
                out.push_str(&format!(
                    "- event `{}`: `{}` may invoke, `SourceArn` `{}`, `SourceAccount` `{}`\n",
                    permission.event,
                    permission.principal,
                    permission.source_arn,
                    permission.source_account
                ));
            }
            out.push('\n');
        }
        if let Some(function) = function {
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
            if !function.ignored.is_empty() {
                out.push_str("### Not designed from\n\n");
                for ignored in &function.ignored {
                    out.push_str(&format!("- {ignored}\n"));
                }
                out.push('\n');
            }
        }
        out.push_str("### Lint\n\n");
        if role.lint_findings.is_empty() {
            out.push_str("No findings.\n\n");
        } else {
            for finding in &role.lint_findings {
                out.push_str(&format!("- {finding}\n"));
            }
            out.push('\n');
        }
        let passed = role.verification.iter().filter(|c| c.passed).count();
        out.push_str(&format!(
            "### Verification\n\n{passed} of {} checks passed.\n\n| result | check | action | resource | context | expected | engine |\n|---|---|---|---|---|---|---|\n",
            role.verification.len()
        ));
        for check in &role.verification {
            let context: Vec<String> = check
                .context
                .iter()
                .map(|(k, v)| format!("`{k}`=`{v}`"))
                .collect();
            out.push_str(&format!(
                "| {} | {} | `{}` | `{}` | {} | {} | {} ({}) |\n",
                if check.passed { "PASS" } else { "FAIL" },
                check.kind.as_str(),
                check.action,
                check.resource,
                context.join(" "),
                if check.expected_allow {
                    "allow"
                } else {
                    "deny"
                },
                if check.allowed { "allow" } else { "deny" },
                check.why
            ));
        }
        out.push('\n');
    }
    out
}
