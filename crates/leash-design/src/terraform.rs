//! The design as Terraform JSON (`main.tf.json`): per function an
//! `aws_iam_role`, an `aws_iam_role_policy` with the designed permissions,
//! and an `aws_lambda_permission` per API route; the designed bucket and
//! API policies (`aws_s3_bucket_policy`, `aws_api_gateway_rest_api_policy`);
//! variables for what only
//! deployment knows (API ids, names the template leaves to CloudFormation).
//!
//! Not for: the functions or APIs themselves (they stay where they are
//! defined), or deciding what to grant (`design`).
//!
//! Argument names follow the AWS provider's registry pages:
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role>
//! (`name`, `path`, `assume_role_policy`, `permissions_boundary`),
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy>
//! (`name`, `role`, `policy`),
//! <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_permission>
//! (`statement_id`, `action`, `function_name`, `principal`, `source_arn`,
//! `source_account`). Policies are JSON strings, as those pages accept
//! (no `jsonencode`). In Terraform's JSON syntax every string is a
//! template, so a literal `${` is written `$${` and `%{` is `%%{`:
//! <https://developer.hashicorp.com/terraform/language/syntax/json> and
//! <https://developer.hashicorp.com/terraform/language/expressions/strings>.

use std::collections::BTreeMap;

use leash_iac::Template;

use crate::design::RoleDesign;
use crate::json_tree::Node;
use crate::model::{ApiRoute, Application};
use crate::perimeter::ResourcePolicyDesign;
use crate::roles_out::{PERMISSIONS_POLICY_NAME, resource_policies_out, roles_out};

/// `main.tf.json` and the variables it declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerraformDesign {
    /// Pretty JSON, final newline.
    pub text: String,
    /// Declared variables: name -> what to set it to.
    pub variables: BTreeMap<String, String>,
    /// For the report: designed policies written, or not and why.
    pub notes: Vec<String>,
    /// For the report: role settings of the template that only
    /// CloudFormation can resolve, and the variables written for them.
    pub role_notes: Vec<String>,
}

/// Renders the design as Terraform JSON: the roles, plus the designed
/// bucket policies as `aws_s3_bucket_policy` (`bucket`, `policy`) and API
/// policies as `aws_api_gateway_rest_api_policy` (`rest_api_id`, `policy`):
/// <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_policy>,
/// <https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/api_gateway_rest_api_policy>.
/// A bucket the template already gives a policy is skipped (a bucket has
/// one policy; replacing the author's would drop their statements), and
/// so is an API that has one.
pub fn terraform_design(
    template: &Template,
    app: &Application,
    roles: &[RoleDesign],
    resource_policies: &[ResourcePolicyDesign],
) -> Result<TerraformDesign, crate::write_error::WriteError> {
    let roles_ready = roles_out(template, app, roles);
    let policies_ready = resource_policies_out(template, resource_policies);
    let names = Names::new(app);
    let mut notes = Vec::new();
    let mut bucket_policies_out = Vec::new();
    let mut api_policies_out = Vec::new();
    for out in &policies_ready {
        let policy = out.design;
        let key = terraform_name(&policy.resource);
        if let Some(note) = &out.not_written {
            notes.push(note.clone());
            continue;
        }
        if policy.kind == "bucket" {
            let Some(bucket) = app
                .resources
                .iter()
                .find(|r| r.logical_id == policy.resource)
            else {
                continue;
            };
            bucket_policies_out.push((
                key.clone(),
                Node::object([
                    (
                        "bucket",
                        Node::string(names.in_arn(&template_text(&bucket.name))),
                    ),
                    ("policy", Node::string(names.policy_text(&out.document))),
                ]),
            ));
            notes.push(format!(
                "bucket policy for `{}` written as `aws_s3_bucket_policy.{key}`",
                policy.resource
            ));
        } else {
            let api_variable = format!("{key}_id");
            let text = names.policy_text(&out.document).replace(
                &format!("$${{{}}}", policy.resource),
                &format!("${{var.{api_variable}}}"),
            );
            names.declare(
                &api_variable,
                format!(
                    "the id of the API `{}` (API Gateway assigns it)",
                    policy.resource
                ),
            );
            api_policies_out.push((
                key.clone(),
                Node::object([
                    (
                        "rest_api_id",
                        Node::string(format!("${{var.{api_variable}}}")),
                    ),
                    ("policy", Node::string(text)),
                ]),
            ));
            notes.push(format!(
                "API policy for `{}` written as `aws_api_gateway_rest_api_policy.{key}`",
                policy.resource
            ));
        }
    }
    let mut iam_roles_out = Vec::new();
    let mut role_policies_out = Vec::new();
    let mut attachments_out = Vec::new();
    let mut permissions_out = Vec::new();
    let mut role_notes = Vec::new();
    for out in &roles_ready {
        let role = out.design;
        let key = terraform_name(&role.function);
        let mut role_arguments = Vec::new();
        if out.named {
            role_arguments.push(("name", Node::string(template_text(&role.role_name))));
        }
        // The function's `RolePath` goes with its role, as in the
        // CloudFormation output.
        if let Some(path) = out.own_path {
            let setting = RoleSetting {
                function: &role.function,
                property: "RolePath",
                variable: format!("{key}_role_path"),
                meaning: "the path",
            };
            role_arguments.push(("path", names.role_setting(path, &setting, &mut role_notes)));
        }
        role_arguments.push((
            "assume_role_policy",
            Node::string(names.policy_text(&out.trust)),
        ));
        // The function's own boundary, else the design options' one.
        let boundary = match out.own_boundary {
            Some(own) => {
                let setting = RoleSetting {
                    function: &role.function,
                    property: "PermissionsBoundary",
                    variable: format!("{key}_permissions_boundary"),
                    meaning: "the permissions boundary (a managed policy ARN)",
                };
                Some(names.role_setting(own, &setting, &mut role_notes))
            }
            None => out
                .options_boundary
                .map(|boundary| Node::string(template_text(boundary))),
        };
        if let Some(boundary) = boundary {
            role_arguments.push(("permissions_boundary", boundary));
        }
        iam_roles_out.push((key.clone(), Node::object(role_arguments)));
        if let Some(permissions) = &out.permissions {
            role_policies_out.push((
                key.clone(),
                Node::object([
                    ("name", Node::string(PERMISSIONS_POLICY_NAME)),
                    ("role", Node::string(format!("${{aws_iam_role.{key}.id}}"))),
                    ("policy", Node::string(names.policy_text(permissions))),
                ]),
            ));
        }
        // Managed policies kept as is (leash does not narrow them).
        for (index, kept) in role.kept_as_is.iter().enumerate() {
            if let crate::model::KeptItem::ManagedPolicy { arn, .. } = &kept.item {
                attachments_out.push((
                    format!("{key}_kept_{}", index + 1),
                    Node::object([
                        (
                            "role",
                            Node::string(format!("${{aws_iam_role.{key}.name}}")),
                        ),
                        ("policy_arn", Node::string(template_text(arn))),
                    ]),
                ));
            }
        }
        let Some(function) = out.function else {
            continue;
        };
        // One permission per route, in the order of the function's routes
        // (`design` makes them so); each names its own route's API.
        let routes: Vec<&ApiRoute> = function
            .routes
            .iter()
            .take(role.lambda_permissions.len())
            .collect();
        let suffixes = permission_suffixes(&routes);
        for ((route, permission), (name_suffix, statement_suffix)) in
            routes.iter().zip(&role.lambda_permissions).zip(suffixes)
        {
            let api_variable = format!("{}_id", terraform_name(&route.api));
            let source_arn = template_text(&permission.source_arn).replace(
                &format!("$${{{}}}", route.api),
                &format!("${{var.{api_variable}}}"),
            );
            permissions_out.push((
                format!("{key}_{name_suffix}"),
                Node::object([
                    (
                        "statement_id",
                        Node::string(format!("apigateway-{statement_suffix}")),
                    ),
                    ("action", Node::string("lambda:InvokeFunction")),
                    (
                        "function_name",
                        Node::string(names.in_arn(&template_text(&role.function_name))),
                    ),
                    ("principal", Node::string(permission.principal.clone())),
                    ("source_arn", Node::string(source_arn)),
                    (
                        "source_account",
                        Node::string(permission.source_account.clone()),
                    ),
                ]),
            ));
            names.declare(
                &api_variable,
                format!("the id of the API `{}` (API Gateway assigns it)", route.api),
            );
        }
    }
    let mut resources = vec![
        ("aws_iam_role".to_string(), Node::Object(iam_roles_out)),
        (
            "aws_iam_role_policy".to_string(),
            Node::Object(role_policies_out),
        ),
    ];
    if !attachments_out.is_empty() {
        // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role_policy_attachment
        resources.push((
            "aws_iam_role_policy_attachment".to_string(),
            Node::Object(attachments_out),
        ));
    }
    if !permissions_out.is_empty() {
        resources.push((
            "aws_lambda_permission".to_string(),
            Node::Object(permissions_out),
        ));
    }
    if !bucket_policies_out.is_empty() {
        resources.push((
            "aws_s3_bucket_policy".to_string(),
            Node::Object(bucket_policies_out),
        ));
    }
    if !api_policies_out.is_empty() {
        resources.push((
            "aws_api_gateway_rest_api_policy".to_string(),
            Node::Object(api_policies_out),
        ));
    }
    let mut resources = Node::Object(resources);
    names.write_symbols(&mut resources);
    if names.failed.get() {
        return Err(crate::write_error::WriteError::UnwritableSymbol {
            as_what: "as a Terraform expression",
        });
    }
    let data = names.data.take();
    let variables = names.variables.into_inner();
    let mut document = Vec::new();
    if !data.is_empty() {
        document.push((
            "data".to_string(),
            Node::Object(
                data.iter()
                    .map(|kind| {
                        (
                            kind.to_string(),
                            Node::object([("current", Node::Object(Vec::new()))]),
                        )
                    })
                    .collect(),
            ),
        ));
    }
    if !variables.is_empty() {
        document.push((
            "variable".to_string(),
            Node::Object(
                variables
                    .iter()
                    .map(|(name, description)| {
                        (
                            name.clone(),
                            Node::object([
                                ("type", Node::string("string")),
                                ("description", Node::string(template_text(description))),
                            ]),
                        )
                    })
                    .collect(),
            ),
        ));
    }
    document.push(("resource".to_string(), resources));
    Ok(TerraformDesign {
        text: Node::Object(document).to_pretty_json(),
        variables,
        notes,
        role_notes,
    })
}

/// Per route of one function, the suffix of its `aws_lambda_permission`
/// name (after the function's) and of its `statement_id` (after
/// `apigateway-`): the route's event, unique among the function's routes
/// in a template (events are the keys of its `Events`). From a manifest
/// the event is made of method and path, so the same route on two APIs
/// has the same event: those routes are told apart by their API, and any
/// still alike by their position. A function's statement ids must differ
/// (Lambda refuses a statement id its policy already has:
/// <https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html>),
/// and so must the resource names in `main.tf.json`.
fn permission_suffixes(routes: &[&ApiRoute]) -> Vec<(String, String)> {
    let shared = |event: &str| routes.iter().filter(|r| r.event == event).count() > 1;
    let mut suffixes: Vec<(String, String)> = routes
        .iter()
        .map(|route| {
            if shared(&route.event) {
                (
                    format!(
                        "{}_{}",
                        terraform_name(&route.api),
                        terraform_name(&route.event)
                    ),
                    format!("{}-{}", route.api, route.event),
                )
            } else {
                (terraform_name(&route.event), route.event.clone())
            }
        })
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (name, statement) in &mut suffixes {
        let count = seen.entry(name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            name.push_str(&format!("_{count}"));
            statement.push_str(&format!("-{count}"));
        }
    }
    suffixes
}

/// A role property the template sets for a function, to write in
/// Terraform.
struct RoleSetting<'a> {
    function: &'a str,
    /// `PermissionsBoundary` or `RolePath`.
    property: &'static str,
    /// The variable that stands for it when it is an intrinsic.
    variable: String,
    /// What the variable is to be set to.
    meaning: &'static str,
}

/// Values known only at deployment (`leash_policy::symbol`), as Terraform
/// expressions: the account and region from data sources
/// (`data.aws_caller_identity.current.account_id`,
/// `data.aws_region.current.name`), everything CloudFormation would fill
/// in (generated names, parameters, attributes, imports) as variables
/// (`${var.orders_table_name}`), declared as they are used.
struct Names {
    table: leash_policy::symbol::SymbolTable,
    variables: std::cell::RefCell<BTreeMap<String, String>>,
    /// Data sources used: `(type, attribute)`.
    data: std::cell::RefCell<std::collections::BTreeSet<&'static str>>,
    /// Set when a symbol is not in the table: the output would be wrong.
    failed: std::cell::Cell<bool>,
}

impl Names {
    fn new(app: &Application) -> Names {
        Names {
            table: app.symbols.table(),
            variables: std::cell::RefCell::new(BTreeMap::new()),
            data: std::cell::RefCell::new(std::collections::BTreeSet::new()),
            failed: std::cell::Cell::new(false),
        }
    }

    /// The Terraform expression for the symbol at `index`.
    fn expression(&self, index: usize) -> String {
        use leash_policy::symbol::{Pseudo, SymbolKind};
        let Some(symbol) = self.table.get(index) else {
            self.failed.set(true);
            return "unknown".to_string();
        };
        let (variable, description) = match &symbol.kind {
            SymbolKind::Pseudo(Pseudo::AccountId) => {
                self.data.borrow_mut().insert("aws_caller_identity");
                return "${data.aws_caller_identity.current.account_id}".to_string();
            }
            SymbolKind::Pseudo(Pseudo::Region) => {
                self.data.borrow_mut().insert("aws_region");
                return "${data.aws_region.current.name}".to_string();
            }
            SymbolKind::Pseudo(Pseudo::Partition) => {
                self.data.borrow_mut().insert("aws_partition");
                return "${data.aws_partition.current.partition}".to_string();
            }
            SymbolKind::Pseudo(pseudo) => (
                terraform_name(&pseudo.name().replace("AWS::", "")),
                format!(
                    "`{}` of the stack the template is deployed as",
                    pseudo.name()
                ),
            ),
            SymbolKind::Parameter { name, .. } => (
                terraform_name(name),
                format!("the template parameter `{name}`"),
            ),
            SymbolKind::GeneratedName { logical_id, .. } => (
                format!("{}_name", terraform_name(logical_id)),
                format!("the name CloudFormation gave `{logical_id}` (the template sets none)"),
            ),
            SymbolKind::Attribute {
                logical_id,
                attribute,
                ..
            } => (
                match attribute {
                    Some(attribute) => format!(
                        "{}_{}",
                        terraform_name(logical_id),
                        terraform_name(attribute)
                    ),
                    None => format!("{}_ref", terraform_name(logical_id)),
                },
                format!("`{}` of the deployed template", symbol.text),
            ),
            SymbolKind::Import { .. } | SymbolKind::Choice { .. } | SymbolKind::Opaque { .. } => (
                format!("value_{index}"),
                format!("`{}` of the deployed template", symbol.text),
            ),
        };
        self.declare(&variable, description);
        format!("${{var.{variable}}}")
    }

    /// Every symbol of `node`'s strings (already Terraform text) as its
    /// expression.
    fn write_symbols(&self, node: &mut Node) {
        node.rewrite_strings(&|text| {
            leash_policy::symbol::contains_symbol(text).then(|| Node::String(self.in_arn(text)))
        });
    }

    /// A role setting as a Terraform string: a literal as written; an
    /// intrinsic (`Ref`, `Fn::Sub`, ...), which only CloudFormation
    /// resolves, as a declared variable, with a note for the report. The
    /// CloudFormation output keeps the intrinsic, so Terraform keeps the
    /// setting too, rather than dropping it or falling back on the
    /// options' boundary.
    fn role_setting(
        &self,
        value: &leash_policy::Value,
        setting: &RoleSetting,
        role_notes: &mut Vec<String>,
    ) -> Node {
        if let Some(literal) = value.as_str() {
            return Node::string(template_text(literal));
        }
        let written = Node::from_value(value).to_compact_json();
        self.declare(
            &setting.variable,
            format!(
                "{} of the role of `{}`: the template's `{}` is `{written}`, which only CloudFormation resolves",
                setting.meaning, setting.function, setting.property
            ),
        );
        role_notes.push(format!(
            "`{}`: `{}` is `{written}`, an intrinsic Terraform cannot resolve; written as `${{var.{}}}`",
            setting.function, setting.property, setting.variable
        ));
        Node::string(format!("${{var.{}}}", setting.variable))
    }

    fn declare(&self, variable: &str, description: String) {
        self.variables
            .borrow_mut()
            .entry(variable.to_string())
            .or_insert(description);
    }

    /// A policy as one-line Terraform JSON text: literal `${` escaped,
    /// values known only at deployment as their expressions.
    fn policy_text(&self, policy: &Node) -> String {
        let mut node = policy.clone();
        node.rewrite_strings(&|text| Some(Node::String(self.in_arn(&template_text(text)))));
        node.to_compact_json()
    }

    /// Terraform text with each symbol written as its expression.
    fn in_arn(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for part in leash_policy::symbol::parts(text) {
            match part {
                leash_policy::symbol::Part::Text(literal) => out.push_str(literal),
                leash_policy::symbol::Part::Symbol(index) => out.push_str(&self.expression(index)),
            }
        }
        out
    }
}

/// Literal text in a Terraform JSON string: `${` and `%{` escaped.
fn template_text(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// A Terraform identifier from a logical id: `CreateOrderFunction` ->
/// `create_order_function` (letters, digits, `_`; not starting with a digit).
pub fn terraform_name(logical_id: &str) -> String {
    let mut name = String::new();
    let mut previous_lower = false;
    for c in logical_id.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            name.push(c);
            previous_lower = true;
        } else {
            name.push('_');
            previous_lower = false;
        }
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
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
  Jobs: {Type: AWS::SQS::Queue}
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Orders, access: read}
          - {resource: Jobs, access: publish}
    Properties:
      FunctionName: get-order
      PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary
      Events:
        Get: {Type: Api, Properties: {Path: '/orders/{id}', Method: get}}
"#;

    fn design() -> (TerraformDesign, serde_json::Value, Vec<RoleDesign>) {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let terraform = terraform_design(&template, &app, &roles, &[]).unwrap();
        let value = serde_json::from_str(&terraform.text).unwrap();
        (terraform, value, roles)
    }

    #[test]
    fn roles_policies_and_permissions_with_the_registry_arguments() {
        let (terraform, value, _) = design();
        let role = &value["resource"]["aws_iam_role"]["get_order"];
        assert_eq!(role["name"], "get-order-role");
        assert_eq!(
            role["permissions_boundary"],
            "arn:aws:iam::111122223333:policy/boundary"
        );
        let trust: serde_json::Value =
            serde_json::from_str(role["assume_role_policy"].as_str().unwrap()).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
        let policy = &value["resource"]["aws_iam_role_policy"]["get_order"];
        assert_eq!(policy["role"], "${aws_iam_role.get_order.id}");
        let permission = &value["resource"]["aws_lambda_permission"]["get_order_get"];
        for argument in [
            "statement_id",
            "action",
            "function_name",
            "principal",
            "source_arn",
            "source_account",
        ] {
            assert!(permission.get(argument).is_some(), "{argument}");
        }
        assert_eq!(
            permission["source_arn"],
            "arn:aws:execute-api:us-west-2:111122223333:${var.serverless_rest_api_id}/Prod/GET/orders/*"
        );
        assert_eq!(permission["function_name"], "get-order");
        assert!(terraform.variables.contains_key("serverless_rest_api_id"));
        // The unnamed queue is a variable, declared.
        let text = policy["policy"].as_str().unwrap();
        assert!(
            text.contains("arn:aws:sqs:us-west-2:111122223333:${var.jobs_name}"),
            "{text}"
        );
        assert!(value["variable"]["jobs_name"]["type"] == "string");
    }

    /// The Terraform and the CloudFormation outputs of one template, for
    /// the role settings both must carry alike.
    fn both_outputs(text: &str) -> (TerraformDesign, serde_json::Value, serde_json::Value) {
        let template = leash_iac::read_template(text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let terraform = terraform_design(&template, &app, &roles, &[]).unwrap();
        let value = serde_json::from_str(&terraform.text).unwrap();
        let designed =
            crate::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
        let cloudformation = serde_json::from_str(&designed.text).unwrap();
        (terraform, value, cloudformation)
    }

    /// IAM refuses role names over 64 characters
    /// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>):
    /// like the CloudFormation output, Terraform then writes no `name`.
    #[test]
    fn a_role_name_over_64_characters_is_not_written() {
        // `<name>-role` is 64 characters: still written.
        let fits = "f".repeat(59);
        let (_, value, cloudformation) = both_outputs(&TEMPLATE.replace("get-order", &fits));
        assert_eq!(
            value["resource"]["aws_iam_role"]["get_order"]["name"],
            format!("{fits}-role")
        );
        // The CloudFormation output names a role only where the original
        // named its role (SAM generated this one, unnamed).
        assert!(
            cloudformation["Resources"]["GetOrderRole"]["Properties"]
                .get("RoleName")
                .is_none()
        );
        // 65 characters: neither output names the role.
        let too_long = "f".repeat(60);
        let (_, value, cloudformation) = both_outputs(&TEMPLATE.replace("get-order", &too_long));
        let role = &value["resource"]["aws_iam_role"]["get_order"];
        assert!(role.get("name").is_none(), "{role}");
        assert!(role.get("assume_role_policy").is_some());
        assert!(
            cloudformation["Resources"]["GetOrderRole"]["Properties"]
                .get("RoleName")
                .is_none()
        );
        // The function itself keeps its name.
        let permission = &value["resource"]["aws_lambda_permission"]["get_order_get"];
        assert_eq!(permission["function_name"], too_long.as_str());
    }

    /// The function's `RolePath` is the role's `path`, as it is the
    /// role's `Path` in the CloudFormation output
    /// (<https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role>).
    #[test]
    fn the_role_path_is_written() {
        let text = TEMPLATE.replace(
            "      FunctionName: get-order\n",
            "      FunctionName: get-order\n      RolePath: /service/orders/\n",
        );
        let (terraform, value, cloudformation) = both_outputs(&text);
        assert_eq!(
            value["resource"]["aws_iam_role"]["get_order"]["path"],
            "/service/orders/"
        );
        assert_eq!(
            cloudformation["Resources"]["GetOrderRole"]["Properties"]["Path"],
            "/service/orders/"
        );
        assert!(
            terraform.role_notes.is_empty(),
            "{:#?}",
            terraform.role_notes
        );
        // Without one, no `path` (IAM's default `/`).
        let (_, value, _) = design();
        assert!(
            value["resource"]["aws_iam_role"]["get_order"]
                .get("path")
                .is_none()
        );
    }

    /// A boundary or path the template writes as an intrinsic is kept by
    /// the CloudFormation output as written; Terraform cannot resolve it,
    /// so it becomes a declared variable and the report says so, rather
    /// than being dropped or replaced by the options' boundary.
    #[test]
    fn intrinsic_role_settings_become_variables_and_notes() {
        let text = TEMPLATE
            .replace(
                "  leash: {account: '111122223333', region: us-west-2}\n",
                "  leash:\n    account: '111122223333'\n    region: us-west-2\n    permissions-boundary: arn:aws:iam::111122223333:policy/org-boundary\nParameters:\n  Path: {Type: String}\n",
            )
            .replace(
                "      PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary\n",
                "      PermissionsBoundary: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary'\n      RolePath: !Ref Path\n",
            );
        let (terraform, value, cloudformation) = both_outputs(&text);
        let role = &value["resource"]["aws_iam_role"]["get_order"];
        assert_eq!(
            role["permissions_boundary"],
            "${var.get_order_permissions_boundary}"
        );
        assert_eq!(role["path"], "${var.get_order_role_path}");
        let cloudformation_role = &cloudformation["Resources"]["GetOrderRole"]["Properties"];
        assert_eq!(
            cloudformation_role["PermissionsBoundary"],
            serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary"})
        );
        assert_eq!(
            cloudformation_role["Path"],
            serde_json::json!({"Ref": "Path"})
        );
        for variable in ["get_order_permissions_boundary", "get_order_role_path"] {
            assert_eq!(value["variable"][variable]["type"], "string", "{variable}");
            assert!(terraform.variables.contains_key(variable), "{variable}");
        }
        // The description names the intrinsic, its `${` escaped.
        let description = value["variable"]["get_order_permissions_boundary"]["description"]
            .as_str()
            .unwrap();
        assert!(description.contains("$${AWS::AccountId}"), "{description}");
        assert_eq!(terraform.role_notes.len(), 2, "{:#?}", terraform.role_notes);
        assert!(
            terraform
                .role_notes
                .iter()
                .any(|n| n.contains("`PermissionsBoundary`")
                    && n.contains("${var.get_order_permissions_boundary}"))
        );
        assert!(
            terraform
                .role_notes
                .iter()
                .any(|n| n.contains("`RolePath` is `{\"Ref\":\"Path\"}`"))
        );
    }

    #[test]
    fn each_policy_string_parses_and_lints_clean() {
        let (_, value, roles) = design();
        let policy = value["resource"]["aws_iam_role_policy"]["get_order"]["policy"]
            .as_str()
            .unwrap();
        // With the variable's value filled in, it is the designed policy.
        let jobs: String = roles[0]
            .permissions_policy
            .text()
            .chars()
            .filter(|c| leash_policy::symbol::symbol_index(*c).is_some())
            .take(1)
            .collect();
        assert!(!jobs.is_empty());
        let filled = policy.replace("${var.jobs_name}", &jobs);
        let parsed: serde_json::Value = serde_json::from_str(&filled).unwrap();
        let designed: serde_json::Value =
            serde_json::from_str(roles[0].permissions_policy.text()).unwrap();
        assert_eq!(parsed, designed);
        let trust = value["resource"]["aws_iam_role"]["get_order"]["assume_role_policy"]
            .as_str()
            .unwrap();
        for (text, kind) in [
            (filled.as_str(), leash_lint::PolicyKind::Identity),
            (trust, leash_lint::PolicyKind::Trust),
        ] {
            let value = leash_policy::json::parse_json(text).unwrap();
            assert!(!leash_policy::parse::parse_policy(&value).has_errors());
            let findings = leash_lint::lint_policy_value(&value, Some(kind));
            assert!(findings.is_empty(), "{findings:#?}");
        }
    }

    #[test]
    fn consumer_roles_are_named_by_the_options() {
        let text = TEMPLATE.replace(
            "  leash: {account: '111122223333', region: us-west-2}\n",
            "  leash:\n    account: '111122223333'\n    region: us-west-2\n    permissions-boundary: arn:aws:iam::111122223333:policy/org-boundary\n    consumers:\n      partner-reports:\n        account: '444455556666'\n        external-id: x-1\n        needs: [{resource: Orders, access: read}]\n",
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let mut roles = crate::design::design(&app).unwrap();
        roles.extend(crate::design::design_consumers(&app).unwrap());
        let terraform = terraform_design(&template, &app, &roles, &[]).unwrap();
        let value: serde_json::Value = serde_json::from_str(&terraform.text).unwrap();
        let roles = &value["resource"]["aws_iam_role"];
        // The function's own boundary wins over the option's.
        assert_eq!(
            roles["get_order"]["permissions_boundary"],
            "arn:aws:iam::111122223333:policy/boundary"
        );
        assert_eq!(roles["partner_reports"]["name"], "partner-reports");
        let trust = roles["partner_reports"]["assume_role_policy"]
            .as_str()
            .unwrap();
        assert!(trust.contains("444455556666"), "{trust}");
        assert!(
            value["resource"]["aws_iam_role_policy"]
                .get("partner_reports")
                .is_some()
        );
    }

    #[test]
    fn literal_dollar_braces_are_escaped() {
        assert_eq!(template_text("a${b}%{c}"), "a$${b}%%{c}");
        assert_eq!(
            terraform_name("CreateOrderFunction"),
            "create_order_function"
        );
        assert_eq!(terraform_name("API2Gw"), "api2_gw");
        assert_eq!(terraform_name("9x"), "_9x");
    }

    #[test]
    fn bucket_and_api_policies_are_written_unless_the_template_has_them() {
        let text = r#"
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Receipts:
    Type: AWS::S3::Bucket
    Metadata:
      leash:
        policy: {deny-insecure-transport: true, deny-outside: account}
  OrdersApi:
    Type: AWS::Serverless::Api
    Metadata:
      leash: {source-ip: [203.0.113.0/24]}
    Properties: {StageName: prod}
  Upload:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Receipts, access: put}]
    Properties:
      Events:
        Post: {Type: Api, Properties: {RestApiId: !Ref OrdersApi, Path: /r, Method: post}}
"#;
        let run = |text: &str| {
            let template = leash_iac::read_template(text).unwrap();
            let app = read_application(&template, &Target::default()).unwrap();
            let roles = crate::design::design(&app).unwrap();
            let policies = crate::perimeter::design_resource_policies(&app, &roles).unwrap();
            let terraform = terraform_design(&template, &app, &roles, &policies).unwrap();
            let value: serde_json::Value = serde_json::from_str(&terraform.text).unwrap();
            (terraform, value, policies)
        };
        let (terraform, value, policies) = run(text);
        assert_eq!(policies.len(), 2);
        let bucket = &value["resource"]["aws_s3_bucket_policy"]["receipts"];
        // The bucket sets no name: its name is a variable, as in ARNs.
        assert_eq!(bucket["bucket"], "${var.receipts_name}");
        let api = &value["resource"]["aws_api_gateway_rest_api_policy"]["orders_api"];
        assert_eq!(api["rest_api_id"], "${var.orders_api_id}");
        assert!(terraform.variables.contains_key("orders_api_id"));
        let receipts: String = policies
            .iter()
            .find(|p| p.kind == "bucket")
            .unwrap()
            .policy
            .text()
            .chars()
            .filter(|c| leash_policy::symbol::symbol_index(*c).is_some())
            .take(1)
            .collect();
        for (written, variable, stand_in) in [
            (&bucket["policy"], "${var.receipts_name}", receipts.as_str()),
            (&api["policy"], "${var.orders_api_id}", "${OrdersApi}"),
        ] {
            let filled = written.as_str().unwrap().replace(variable, stand_in);
            assert!(
                leash_policy::parse::parse_policy_text(&filled)
                    .policy
                    .is_some(),
                "{filled}"
            );
            let designed = policies
                .iter()
                .find(|p| p.policy.text().contains(stand_in))
                .unwrap();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&filled).unwrap(),
                serde_json::from_str::<serde_json::Value>(designed.policy.text()).unwrap()
            );
        }
        // The author's policies stay theirs; the report says why.
        let with_own = format!(
            "{text}  Own:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Receipts\n      PolicyDocument: {{Statement: []}}\n"
        )
        .replace(
            "Properties: {StageName: prod}",
            "Properties: {StageName: prod, Auth: {ResourcePolicy: {IpRangeWhitelist: [192.0.2.0/24]}}}",
        );
        let (terraform, value, _) = run(&with_own);
        assert!(value["resource"].get("aws_s3_bucket_policy").is_none());
        assert!(
            value["resource"]
                .get("aws_api_gateway_rest_api_policy")
                .is_none()
        );
        assert!(
            terraform
                .notes
                .iter()
                .any(|n| n.contains("the template has `Own`")),
            "{:#?}",
            terraform.notes
        );
        assert!(
            terraform
                .notes
                .iter()
                .any(|n| n.contains("API policy for `OrdersApi` not written")),
            "{:#?}",
            terraform.notes
        );
    }
}
