//! The roles AWS SAM generates for an `AWS::Serverless::GraphQLApi`
//! (issue 13, point 4), as template resources a design can read.
//!
//! SAM turns the API into an `AWS::AppSync::GraphQLApi` and, unless the
//! template names the roles itself:
//! - for its `Logging` (absent, `true`, or without
//!   `CloudWatchLogsRoleArn`; not for `Logging: false`), a role
//!   `{Api}CloudWatchRole` trusted by `appsync.amazonaws.com` with the
//!   AWS managed policy `AWSAppSyncPushToCloudWatchLogs`;
//! - for each `DataSources.DynamoDb.NAME` without `ServiceRoleArn`, the
//!   data source `{Api}{NAME}DynamoDBDataSource`, a role
//!   `{DataSource}Role` and a SAM connector from the data source to the
//!   table (`Permissions`, by default `[Read, Write]`, on `TableArn`, else
//!   the ARN built from `TableName` and `Region`, and its indexes), the
//!   managed policy `{DataSource}ToTableConnectorPolicy`;
//! - for each `DataSources.Lambda.NAME` without `ServiceRoleArn`, the data
//!   source `{Api}{NAME}LambdaDataSource`, a role and a connector invoking
//!   `FunctionArn` (`{DataSource}ToLambdaConnectorPolicy`);
//! - for each `Functions.NAME` (without `Id`), the
//!   `AWS::AppSync::FunctionConfiguration` `{Api}{NAME}` of the data
//!   source its `DataSource` names (JavaScript code: no request mapping
//!   template).
//!
//! The facts are SAM's (`aws-sam-translator` 1.110,
//! `samtranslator/model/sam_resources.py`, `SamGraphQLApi`; the connector
//! statements are SAM's connector profiles, `sam_connector_profiles`) and
//! the SAM GraphQLApi reference
//! (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-graphqlapi.html>).
//!
//! [`expand`] adds those resources to a template's `resources` (the
//! `root`, the document as written, is unchanged): the API gets the role
//! SAM would name in `Logging.CloudWatchLogsRoleArn`, each data source is
//! an `AWS::AppSync::DataSource` of its own. [`data_source_slot`] says
//! where in the API's properties a data source's role is named, so that a
//! designed role can be wired in with SAM's own properties.
//!
//! Not for: anything but the roles (API keys, caches, domains, the schema
//! and resolvers other than the data sources they name are not added).

use leash_policy::{Span, Spanned, Value, ValueKind};

use crate::delivery::Step;
use crate::extract::{array, object, string};
use crate::template::{Resource, Template};

const SAM_GRAPHQL_API: &str = "AWS::Serverless::GraphQLApi";

/// The two data source kinds SAM's `DataSources` has: the key, the
/// suffix of the data source's logical id, its AppSync type, its
/// connector's destination type and the connector's suffix.
const DATA_SOURCE_KINDS: &[(&str, &str)] = &[("DynamoDb", "DynamoDB"), ("Lambda", "Lambda")];

/// The logical id SAM gives the data source `name` of `DataSources.KEY`
/// of the API `api`.
fn data_source_id(api: &str, name: &str, key: &str) -> Option<String> {
    let (_, suffix) = DATA_SOURCE_KINDS.iter().find(|(k, _)| *k == key)?;
    Some(format!("{api}{name}{suffix}DataSource"))
}

/// Where the API's properties name the role of the data source
/// `data_source` (a logical id [`expand`] adds): the API's logical id and
/// `DataSources.KEY.NAME.ServiceRoleArn`.
pub fn data_source_slot(template: &Template, data_source: &str) -> Option<(String, Vec<Step>)> {
    for api in template
        .resources
        .iter()
        .filter(|r| r.resource_type.node == SAM_GRAPHQL_API)
    {
        let Some(sources) = api.properties.get("DataSources") else {
            continue;
        };
        for (key, _) in DATA_SOURCE_KINDS {
            for member in sources.get(key).and_then(Value::as_object).unwrap_or(&[]) {
                let name = member.key.node.as_str();
                if data_source_id(&api.logical_id.node, name, key).as_deref() == Some(data_source) {
                    return Some((
                        api.logical_id.node.clone(),
                        vec![
                            Step::Key("DataSources".into()),
                            Step::Key((*key).into()),
                            Step::Key(name.into()),
                            Step::Key("ServiceRoleArn".into()),
                        ],
                    ));
                }
            }
        }
    }
    None
}

/// `template` with the resources SAM generates for each of its
/// `AWS::Serverless::GraphQLApi`s that bear on roles (see the module
/// documentation); the template itself when it has none. A resource the
/// template already declares under the same logical id is not added.
pub fn expand(mut template: Template) -> Template {
    let mut added: Vec<Resource> = Vec::new();
    for api in template
        .resources
        .iter_mut()
        .filter(|r| r.resource_type.node == SAM_GRAPHQL_API)
    {
        added.extend(expand_api(api));
    }
    for resource in added {
        if template.resource(&resource.logical_id.node).is_none() {
            template.resources.push(resource);
        }
    }
    template
}

fn get_att(span: Span, id: &str, attribute: &str) -> Value {
    object(
        span,
        vec![(
            "Fn::GetAtt",
            array(span, vec![string(span, id), string(span, attribute)]),
        )],
    )
}

/// `Fn::Sub [text, {variables}]`.
fn sub_with(span: Span, text: &str, variables: Vec<(&str, Value)>) -> Value {
    object(
        span,
        vec![(
            "Fn::Sub",
            array(span, vec![string(span, text), object(span, variables)]),
        )],
    )
}

fn reference(span: Span, id: &str) -> Value {
    object(span, vec![("Ref", string(span, id))])
}

fn resource(api: &Resource, id: &str, resource_type: &str, properties: Value) -> Resource {
    Resource {
        logical_id: Spanned::new(id.to_string(), api.logical_id.span),
        resource_type: Spanned::new(resource_type.to_string(), api.resource_type.span),
        properties,
        metadata: None,
        condition: api.condition.clone(),
        span: api.span,
    }
}

/// The role SAM writes for an AppSync principal: trusted by AppSync,
/// with `managed` (the AWS managed policies' ARNs) attached.
fn appsync_role(api: &Resource, id: &str, managed: Vec<Value>) -> Resource {
    let span = api.span;
    let trust = object(
        span,
        vec![
            ("Version", string(span, "2012-10-17")),
            (
                "Statement",
                array(
                    span,
                    vec![object(
                        span,
                        vec![
                            ("Action", array(span, vec![string(span, "sts:AssumeRole")])),
                            ("Effect", string(span, "Allow")),
                            (
                                "Principal",
                                object(
                                    span,
                                    vec![(
                                        "Service",
                                        array(span, vec![string(span, "appsync.amazonaws.com")]),
                                    )],
                                ),
                            ),
                        ],
                    )],
                ),
            ),
        ],
    );
    let mut properties = vec![("AssumeRolePolicyDocument", trust)];
    if !managed.is_empty() {
        properties.push(("ManagedPolicyArns", array(span, managed)));
    }
    resource(api, id, "AWS::IAM::Role", object(span, properties))
}

fn is_false(value: &Value) -> bool {
    match &value.kind {
        ValueKind::Bool(b) => !b,
        ValueKind::String(text) => text.eq_ignore_ascii_case("false"),
        _ => false,
    }
}

/// Sets `key` of an object value (added at the end when absent).
fn set(value: &mut Value, key: &str, to: Value) {
    if let ValueKind::Object(members) = &mut value.kind {
        match members.iter_mut().find(|m| m.key.node == key) {
            Some(member) => member.value = to,
            None => members.push(leash_policy::Member {
                key: Spanned::new(key.to_string(), to.span),
                value: to,
            }),
        }
    }
}

/// What SAM generates for one API; the API's `Logging` gets the role SAM
/// names there.
fn expand_api(api: &mut Resource) -> Vec<Resource> {
    let span = api.span;
    let id = api.logical_id.node.clone();
    let mut out = Vec::new();

    // Logging: SAM's role unless `Logging: false` or the template names
    // one.
    let logging = api.properties.get("Logging").cloned();
    let names_role = logging
        .as_ref()
        .and_then(|l| l.get("CloudWatchLogsRoleArn"))
        .is_some();
    if !logging.as_ref().is_some_and(is_false) && !names_role {
        let role_id = format!("{id}CloudWatchRole");
        let mut config = match logging {
            Some(value) if value.as_object().is_some() => value,
            _ => object(span, Vec::new()),
        };
        set(
            &mut config,
            "CloudWatchLogsRoleArn",
            get_att(span, &role_id, "Arn"),
        );
        set(&mut api.properties, "Logging", config);
        let managed = object(
            span,
            vec![(
                "Fn::Sub",
                string(
                    span,
                    "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs",
                ),
            )],
        );
        out.push(appsync_role(api, &role_id, vec![managed]));
    }

    // Data sources: SAM's data source, and its role and connector unless
    // the template names the role.
    let mut names: Vec<(String, String)> = Vec::new();
    let sources = api.properties.get("DataSources").cloned();
    for (key, _) in DATA_SOURCE_KINDS {
        let members = sources
            .as_ref()
            .and_then(|s| s.get(key))
            .and_then(Value::as_object)
            .unwrap_or(&[]);
        for member in members {
            let name = member.key.node.as_str();
            let source = &member.value;
            let Some(source_id) = data_source_id(&id, name, key) else {
                continue;
            };
            names.push((name.to_string(), source_id.clone()));
            let role = match source.get("ServiceRoleArn") {
                Some(role) => role.clone(),
                None => {
                    let role_id = format!("{source_id}Role");
                    out.push(appsync_role(api, &role_id, Vec::new()));
                    if let Some(policy) = connector_policy(api, &source_id, &role_id, key, source) {
                        out.push(policy);
                    }
                    get_att(span, &role_id, "Arn")
                }
            };
            let display = source
                .get("Name")
                .cloned()
                .unwrap_or_else(|| string(span, name));
            let mut properties = vec![("Name", display)];
            if *key == "DynamoDb" {
                properties.push(("Type", string(span, "AMAZON_DYNAMODB")));
                let mut config = vec![(
                    "AwsRegion",
                    source
                        .get("Region")
                        .cloned()
                        .unwrap_or_else(|| reference(span, "AWS::Region")),
                )];
                if let Some(table) = source.get("TableName") {
                    config.push(("TableName", table.clone()));
                }
                if let Some(sync) = source.get("DeltaSync") {
                    config.push(("DeltaSyncConfig", sync.clone()));
                }
                properties.push(("DynamoDBConfig", object(span, config)));
            } else {
                properties.push(("Type", string(span, "AWS_LAMBDA")));
                if let Some(function) = source.get("FunctionArn") {
                    properties.push((
                        "LambdaConfig",
                        object(span, vec![("LambdaFunctionArn", function.clone())]),
                    ));
                }
            }
            properties.push(("ServiceRoleArn", role));
            out.push(resource(
                api,
                &source_id,
                "AWS::AppSync::DataSource",
                object(span, properties),
            ));
        }
    }

    // Functions: the data source each one names (its JavaScript code is
    // not read).
    let functions = api.properties.get("Functions").cloned();
    for member in functions.as_ref().and_then(Value::as_object).unwrap_or(&[]) {
        let function = &member.value;
        if function.get("Id").is_some() {
            continue;
        }
        let Some(source) = function.get("DataSource") else {
            continue;
        };
        let source = match source
            .as_str()
            .and_then(|n| names.iter().find(|(name, _)| name == n))
        {
            Some((_, source_id)) => get_att(span, source_id, "Name"),
            None => source.clone(),
        };
        let mut properties = vec![("DataSourceName", source)];
        for key in ["Runtime", "InlineCode", "CodeUri"] {
            if let Some(value) = function.get(key) {
                properties.push((key, value.clone()));
            }
        }
        out.push(resource(
            api,
            &format!("{id}{}", member.key.node),
            "AWS::AppSync::FunctionConfiguration",
            object(span, properties),
        ));
    }
    out
}

/// SAM's connector from a data source to its table or function: the
/// managed policy on the data source's role with the statements of the
/// connector profile for the data source's `Permissions` (a DynamoDB data
/// source's default `[Read, Write]`; a Lambda data source's `Write`).
fn connector_policy(
    api: &Resource,
    source_id: &str,
    role_id: &str,
    key: &str,
    source: &Value,
) -> Option<Resource> {
    let span = api.span;
    let (destination_type, destination, suffix, permissions) = if key == "DynamoDb" {
        let table = match source.get("TableArn") {
            Some(arn) => arn.clone(),
            None => sub_with(
                span,
                "arn:${AWS::Partition}:dynamodb:${__Region__}:${AWS::AccountId}:table/${__TableName__}",
                vec![
                    ("__TableName__", source.get("TableName")?.clone()),
                    (
                        "__Region__",
                        source
                            .get("Region")
                            .cloned()
                            .unwrap_or_else(|| reference(span, "AWS::Region")),
                    ),
                ],
            ),
        };
        let permissions: Vec<String> = match source.get("Permissions").and_then(Value::as_array) {
            Some(items) => items
                .iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect(),
            None => vec!["Read".into(), "Write".into()],
        };
        ("AWS::DynamoDB::Table", table, "Table", permissions)
    } else {
        (
            "AWS::Lambda::Function",
            source.get("FunctionArn")?.clone(),
            "Lambda",
            vec!["Write".into()],
        )
    };
    let profile =
        crate::sam_connector_profiles::profile("AWS::AppSync::DataSource", destination_type)?;
    let mut statements = Vec::new();
    for permission in &permissions {
        let Some(category) = profile.access_categories.get(permission) else {
            continue;
        };
        for statement in category
            .get("Statement")
            .and_then(Value::as_array)
            .unwrap_or(&[])
        {
            statements.push(with_destination(statement, &destination, span));
        }
    }
    let document = object(
        span,
        vec![
            ("Version", string(span, "2012-10-17")),
            ("Statement", array(span, statements)),
        ],
    );
    Some(resource(
        api,
        &format!("{source_id}To{suffix}ConnectorPolicy"),
        "AWS::IAM::ManagedPolicy",
        object(
            span,
            vec![
                ("PolicyDocument", document),
                ("Roles", array(span, vec![reference(span, role_id)])),
            ],
        ),
    ))
}

/// A connector profile statement with `%{Destination.Arn}` written as SAM
/// writes it: the ARN itself, or `Fn::Sub ["${DestinationArn}/index/*",
/// {DestinationArn: ARN}]` when followed by more.
fn with_destination(value: &Value, destination: &Value, span: Span) -> Value {
    const VARIABLE: &str = "%{Destination.Arn}";
    match &value.kind {
        ValueKind::String(text) if text == VARIABLE => destination.clone(),
        ValueKind::String(text) if text.starts_with(VARIABLE) => sub_with(
            span,
            &text.replacen(VARIABLE, "${DestinationArn}", 1),
            vec![("DestinationArn", destination.clone())],
        ),
        ValueKind::Array(items) => array(
            span,
            items
                .iter()
                .map(|i| with_destination(i, destination, span))
                .collect(),
        ),
        ValueKind::Object(members) => Value::new(
            ValueKind::Object(
                members
                    .iter()
                    .map(|m| leash_policy::Member {
                        key: Spanned::new(m.key.node.clone(), span),
                        value: with_destination(&m.value, destination, span),
                    })
                    .collect(),
            ),
            span,
        ),
        _ => Value::new(value.kind.clone(), span),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::template::read_template;

    const API: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Fn: {Type: AWS::Serverless::Function, Properties: {Handler: h, Runtime: python3.12, InlineCode: x}}
  Api:
    Type: AWS::Serverless::GraphQLApi
    Properties:
      Auth: {Type: API_KEY}
      DataSources:
        DynamoDb:
          Items: {TableName: !Ref Table, TableArn: !GetAtt Table.Arn, Permissions: [Read]}
        Lambda:
          Calls: {FunctionArn: !GetAtt Fn.Arn}
      Functions:
        getItem: {Runtime: {Name: APPSYNC_JS, Version: 1.0.0}, DataSource: Items, CodeUri: a.js}
"#;

    #[test]
    fn sam_roles_and_data_sources_are_added() {
        let template = expand(read_template(API).unwrap());
        let types = |id: &str| {
            template
                .resource(id)
                .map(|r| r.resource_type.node.clone())
                .unwrap_or_default()
        };
        assert_eq!(types("ApiCloudWatchRole"), "AWS::IAM::Role");
        assert_eq!(
            types("ApiItemsDynamoDBDataSource"),
            "AWS::AppSync::DataSource"
        );
        assert_eq!(types("ApiItemsDynamoDBDataSourceRole"), "AWS::IAM::Role");
        assert_eq!(
            types("ApiItemsDynamoDBDataSourceToTableConnectorPolicy"),
            "AWS::IAM::ManagedPolicy"
        );
        assert_eq!(
            types("ApiCallsLambdaDataSource"),
            "AWS::AppSync::DataSource"
        );
        assert_eq!(
            types("ApiCallsLambdaDataSourceToLambdaConnectorPolicy"),
            "AWS::IAM::ManagedPolicy"
        );
        assert_eq!(types("ApigetItem"), "AWS::AppSync::FunctionConfiguration");
        // `Permissions: [Read]`: the read statement only.
        let policy = template
            .resource("ApiItemsDynamoDBDataSourceToTableConnectorPolicy")
            .unwrap();
        let statements = policy
            .properties
            .get("PolicyDocument")
            .and_then(|d| d.get("Statement"))
            .and_then(Value::as_array)
            .unwrap();
        assert_eq!(statements.len(), 1);
        // The API names SAM's logging role.
        let api = template.resource("Api").unwrap();
        assert!(
            api.properties
                .get("Logging")
                .and_then(|l| l.get("CloudWatchLogsRoleArn"))
                .is_some()
        );
        assert_eq!(
            data_source_slot(&template, "ApiItemsDynamoDBDataSource")
                .unwrap()
                .0,
            "Api"
        );
        assert!(data_source_slot(&template, "Api").is_none());
    }

    #[test]
    fn named_roles_and_logging_off_add_no_role() {
        let text = API
            .replace("Permissions: [Read]", "ServiceRoleArn: !GetAtt R.Arn")
            .replace(
                "Auth: {Type: API_KEY}",
                "Auth: {Type: API_KEY}\n      Logging: false",
            );
        let template = expand(read_template(&text).unwrap());
        assert!(template.resource("ApiCloudWatchRole").is_none());
        assert!(
            template
                .resource("ApiItemsDynamoDBDataSourceRole")
                .is_none()
        );
        assert!(template.resource("ApiItemsDynamoDBDataSource").is_some());
    }
}
