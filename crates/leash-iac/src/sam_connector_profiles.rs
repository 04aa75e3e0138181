//! AWS SAM's connector profiles: what an `AWS::Serverless::Connector` (or a
//! resource's embedded `Connectors`) grants, per source type, destination
//! type and access category (`Read`, `Write`), embedded from SAM's own data.
//!
//! For: looking up the profile of a connection so that `extract` can turn a
//! connector into the policies SAM deploys. Not for: substituting the
//! profile variables (`%{Source.Arn}`, ...) or resolving intrinsics (see
//! `extract` and `resolve`).
//!
//! The data is `samtranslator/model/connector_profiles/profiles.json` from
//! the `aws-sam-translator` package (the release in [`DATA_VERSION`]),
//! copied by `scripts/gen-sam-policy-templates/run.sh` into
//! `data/sam-connector-profiles.json`. Supported connections:
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/reference-sam-connector.html>.

use std::sync::OnceLock;

use leash_policy::Value;
use leash_policy::json::parse_json;

const DATA: &str = include_str!("../data/sam-connector-profiles.json");

/// The `aws-sam-translator` release the data comes from (shared with the
/// policy templates).
pub const DATA_VERSION: &str = crate::sam_policy_templates::DATA_VERSION;

/// How SAM deploys the permissions of one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileType {
    /// A managed policy attached to the role of the source (or, when
    /// `SourcePolicy` is false, of the destination).
    RoleManagedPolicy,
    /// An `AWS::Lambda::Permission` on the destination function.
    LambdaPermission,
    /// A statement in the destination queue's `AWS::SQS::QueuePolicy`.
    QueuePolicy,
    /// A statement in the destination topic's `AWS::SNS::TopicPolicy`.
    TopicPolicy,
}

/// One connection's profile.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectorProfile {
    pub profile_type: ProfileType,
    /// Whether a role policy goes on the source's role (else the destination's).
    pub source_policy: bool,
    /// `AccessCategories`: `Read` / `Write` -> `{"Statement": [...]}`, or
    /// for a Lambda permission `{"Action", "Principal", "SourceArn"}`, with
    /// `%{Source.Arn}`-style variables.
    pub access_categories: Value,
}

fn root() -> Option<&'static Value> {
    static ROOT: OnceLock<Option<Value>> = OnceLock::new();
    // Generated and committed data; this module's tests catch a bad file.
    ROOT.get_or_init(|| parse_json(DATA).ok()).as_ref()
}

/// The profile of a connection between two CloudFormation resource types
/// (SAM types mapped with [`cloudformation_type`] first), if SAM supports it.
pub fn profile(source_type: &str, destination_type: &str) -> Option<ConnectorProfile> {
    let entry = root()?
        .get("Permissions")?
        .get(source_type)?
        .get(destination_type)?;
    let profile_type = match entry.get("Type")?.as_str()? {
        "AWS_IAM_ROLE_MANAGED_POLICY" => ProfileType::RoleManagedPolicy,
        "AWS_LAMBDA_PERMISSION" => ProfileType::LambdaPermission,
        "AWS_SQS_QUEUE_POLICY" => ProfileType::QueuePolicy,
        "AWS_SNS_TOPIC_POLICY" => ProfileType::TopicPolicy,
        _ => return None,
    };
    let properties = entry.get("Properties")?;
    Some(ConnectorProfile {
        profile_type,
        source_policy: matches!(
            properties.get("SourcePolicy").map(|v| &v.kind),
            Some(leash_policy::ValueKind::Bool(true))
        ),
        access_categories: properties.get("AccessCategories")?.clone(),
    })
}

/// `CfnResourceProperties.<type>.Outputs.<name>` (`Arn`, `Name`, `Id`,
/// `Qualifier`): how SAM refers to a resource of that type, with
/// `%{logicalId}` for its logical id.
pub fn output(resource_type: &str, name: &str) -> Option<&'static Value> {
    root()?
        .get("CfnResourceProperties")?
        .get(resource_type)?
        .get("Outputs")?
        .get(name)
}

/// The CloudFormation type SAM turns a SAM resource type into, for the
/// profile lookup (SAM's connector code maps these five the same way).
pub fn cloudformation_type(resource_type: &str) -> &str {
    match resource_type {
        "AWS::Serverless::Function" => "AWS::Lambda::Function",
        "AWS::Serverless::StateMachine" => "AWS::StepFunctions::StateMachine",
        "AWS::Serverless::Api" => "AWS::ApiGateway::RestApi",
        "AWS::Serverless::HttpApi" => "AWS::ApiGatewayV2::Api",
        "AWS::Serverless::SimpleTable" => "AWS::DynamoDB::Table",
        "AWS::Serverless::GraphQLApi" => "AWS::AppSync::GraphQLApi",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_data_parses_and_has_every_connection_of_the_release() {
        let permissions = root().unwrap().get("Permissions").unwrap();
        let pairs: usize = permissions
            .as_object()
            .unwrap()
            .iter()
            .map(|m| m.value.as_object().unwrap().len())
            .sum();
        // aws-sam-translator 1.115.0 ships 31 connections.
        assert_eq!(pairs, 31);
        assert!(DATA_VERSION.contains("1.115.0"));
    }

    #[test]
    fn a_function_reading_a_table_is_a_policy_on_the_function_role() {
        let p = profile("AWS::Lambda::Function", "AWS::DynamoDB::Table").unwrap();
        assert_eq!(p.profile_type, ProfileType::RoleManagedPolicy);
        assert!(p.source_policy);
        let read = p.access_categories.get("Read").unwrap();
        let actions = read.get("Statement").unwrap().as_array().unwrap()[0]
            .get("Action")
            .unwrap();
        assert!(
            actions
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a.as_str() == Some("dynamodb:Scan"))
        );
        // A table feeding a function: the destination (function) role reads the stream.
        let stream = profile("AWS::DynamoDB::Table", "AWS::Lambda::Function").unwrap();
        assert!(!stream.source_policy);
        assert_eq!(
            profile("AWS::SNS::Topic", "AWS::SQS::Queue")
                .unwrap()
                .profile_type,
            ProfileType::QueuePolicy
        );
        assert!(profile("AWS::S3::Bucket", "AWS::DynamoDB::Table").is_none());
        assert_eq!(
            cloudformation_type("AWS::Serverless::SimpleTable"),
            "AWS::DynamoDB::Table"
        );
        assert!(output("AWS::SNS::Topic", "Arn").is_some());
    }
}
