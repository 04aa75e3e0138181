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

/// A CloudFormation fragment (JSON) to merge into the template: one
/// `AWS::IAM::Role` per function (`<Function>Role`) and one
/// `AWS::Lambda::Permission` per API route (`<Function><Event>Permission`),
/// with `SourceArn` as `Fn::Sub` so the API id is filled in at deployment.
/// Each function must then set `Role: !GetAtt <Function>Role.Arn`.
///
/// Refuses when a role uses a resource whose name the template does not
/// set: its designed ARN holds the logical id, not the name CloudFormation
/// will generate (rendering it as `Fn::Sub` is not done yet).
pub fn cloudformation_fragment(app: &Application, roles: &[RoleDesign]) -> Result<String, String> {
    let mut resources = serde_json::Map::new();
    for role in roles {
        let function = app.functions.iter().find(|f| f.logical_id == role.function);
        for need in function.map(|f| f.needs.as_slice()).unwrap_or_default() {
            if let Some(resource) = app.resource(&need.resource)
                && !resource.named
            {
                return Err(format!(
                    "`{}` sets no name in the template; `--format cfn` needs every resource a role uses to be named (rendering generated names is not implemented yet)",
                    resource.logical_id
                ));
            }
        }
        if function.is_some_and(|f| !f.name.is_empty())
            && app.resource(&role.function).is_some_and(|r| !r.named)
        {
            return Err(format!(
                "`{}` sets no FunctionName; `--format cfn` needs it for the log group ARN (not implemented yet)",
                role.function
            ));
        }
        let trust: serde_json::Value =
            serde_json::from_str(&role.trust_policy).map_err(|e| format!("trust policy: {e}"))?;
        let permissions: serde_json::Value = serde_json::from_str(&role.permissions_policy)
            .map_err(|e| format!("permissions policy: {e}"))?;
        resources.insert(
            format!("{}Role", role.function),
            json!({
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role.role_name,
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [{
                        "PolicyName": format!("{}-least-privilege", role.function_name),
                        "PolicyDocument": permissions,
                    }],
                },
            }),
        );
        for permission in &role.lambda_permissions {
            let literal = format!("arn:aws:execute-api:{}:{}:", app.region, app.account);
            let source_arn = permission.source_arn.replacen(
                &literal,
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:",
                1,
            );
            resources.insert(
                format!("{}{}Permission", role.function, permission.event),
                json!({
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "Action": "lambda:InvokeFunction",
                        "FunctionName": { "Ref": role.function },
                        "Principal": permission.principal,
                        "SourceAccount": { "Ref": "AWS::AccountId" },
                        "SourceArn": { "Fn::Sub": source_arn },
                    },
                }),
            );
        }
    }
    let document = json!({ "Resources": resources });
    let mut text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
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
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read}]
    Properties:
      FunctionName: get-order
      Events:
        Get: {Type: Api, Properties: {Path: '/orders/{id}', Method: get}}
"#;

    #[test]
    fn the_cfn_fragment_reads_back_as_the_designed_policies() {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let fragment = cloudformation_fragment(&app, &roles).unwrap();
        // leash-iac reads the fragment as a template: the role's policies
        // and the Lambda permission come back out.
        let read = leash_iac::read_template(&fragment).unwrap();
        let policies = leash_iac::extract_policies(&read);
        let kinds: Vec<(&str, leash_iac::PolicyOrigin)> = policies
            .iter()
            .map(|p| (p.kind.as_str(), p.origin.clone()))
            .collect();
        assert!(
            kinds.contains(&("identity", leash_iac::PolicyOrigin::Written)),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("trust", leash_iac::PolicyOrigin::Written)),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("resource", leash_iac::PolicyOrigin::LambdaPermission)),
            "{kinds:?}"
        );
        let value: serde_json::Value = serde_json::from_str(&fragment).unwrap();
        assert_eq!(
            value["Resources"]["GetOrderGetPermission"]["Properties"]["SourceArn"]["Fn::Sub"],
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ServerlessRestApi}/Prod/GET/orders/*"
        );
    }

    #[test]
    fn the_cfn_fragment_refuses_unnamed_resources() {
        let text = TEMPLATE.replace("Properties: {TableName: Orders}", "Properties: {}");
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let error = cloudformation_fragment(&app, &roles).unwrap_err();
        assert!(error.contains("`Orders` sets no name"), "{error}");
    }
}
