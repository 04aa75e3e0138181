//! AWS SAM's policy templates (`DynamoDBCrudPolicy`, `S3ReadPolicy`, ...),
//! embedded from SAM's own data.
//!
//! For: looking up a policy template's parameters and statements so that
//! `extract` can expand `Policies: [{DynamoDBCrudPolicy: {TableName: T}}]`
//! into the policy SAM would deploy. Not for: resolving the statements'
//! intrinsics (see `resolve`).
//!
//! The data is `samtranslator/policy_templates_data/policy_templates.json`
//! from the `aws-sam-translator` package, compacted by
//! `scripts/gen-sam-policy-templates/run.sh` into
//! `data/sam-policy-templates.json`; [`DATA_VERSION`] names the release.
//! Policy template list: <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-template-list.html>.

use std::sync::OnceLock;

use leash_policy::Value;
use leash_policy::json::parse_json;

const DATA: &str = include_str!("../data/sam-policy-templates.json");

/// The `aws-sam-translator` release the data comes from.
pub const DATA_VERSION: &str = include_str!("../data/sam-policy-templates.version");

/// One policy template: its parameter names and its `Definition`
/// (`{"Statement": [...]}`, with `Fn::Sub` / `Ref` to the parameters).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyTemplate {
    pub name: String,
    pub parameters: Vec<String>,
    pub definition: Value,
}

fn templates() -> &'static [PolicyTemplate] {
    static TEMPLATES: OnceLock<Vec<PolicyTemplate>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        // The data is generated and committed; a parse failure would be
        // caught by this module's tests, so an empty table is enough here.
        let Ok(root) = parse_json(DATA) else {
            return Vec::new();
        };
        let Some(members) = root.get("Templates").and_then(Value::as_object) else {
            return Vec::new();
        };
        members
            .iter()
            .filter_map(|member| {
                let parameters = member
                    .value
                    .get("Parameters")
                    .and_then(Value::as_array)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                Some(PolicyTemplate {
                    name: member.key.node.clone(),
                    parameters,
                    definition: member.value.get("Definition")?.clone(),
                })
            })
            .collect()
    })
}

/// The policy template named `name`, if SAM has one.
pub fn policy_template(name: &str) -> Option<&'static PolicyTemplate> {
    templates().iter().find(|t| t.name == name)
}

/// The names of all policy templates, sorted.
pub fn template_names() -> Vec<&'static str> {
    templates().iter().map(|t| t.name.as_str()).collect()
}

/// Whether a value is a policy template's `Definition` with statements.
#[cfg(test)]
fn has_statements(definition: &Value) -> bool {
    definition
        .get("Statement")
        .and_then(Value::as_array)
        .is_some()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn embedded_data_reads_and_has_the_common_templates() {
        let names = template_names();
        assert!(names.len() >= 70, "{}", names.len());
        for template in templates() {
            assert!(has_statements(&template.definition), "{}", template.name);
        }
        let crud = policy_template("DynamoDBCrudPolicy").unwrap();
        assert_eq!(crud.parameters, ["TableName"]);
        assert!(
            policy_template("VPCAccessPolicy")
                .unwrap()
                .parameters
                .is_empty()
        );
        assert!(DATA_VERSION.starts_with("aws-sam-translator "));
    }
}
