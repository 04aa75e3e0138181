//! The API Gateway resource policy written inside an inline OpenAPI
//! definition: the `x-amazon-apigateway-policy` extension at the top level
//! of an `AWS::Serverless::Api` `DefinitionBody` or an
//! `AWS::ApiGateway::RestApi` `Body`.
//!
//! For: reading that extension as the API's resource policy, a whole policy
//! document (`Version`, `Statement`), per
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html>.
//! Its resources are usually API Gateway's shorthand `execute-api:/*`,
//! which API Gateway expands on import to
//! `arn:aws:execute-api:REGION:ACCOUNT:API-ID/*`; they are kept as written
//! (the linter accepts `execute-api:/...` in resource policies).
//! Not for: definitions outside the template (`DefinitionUri`,
//! `BodyS3Location`, `Fn::Transform` of `AWS::Include`), HTTP APIs (no
//! resource policies:
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html>),
//! nor SAM's
//! `Auth.ResourcePolicy` or the RestApi's `Policy` property, read
//! elsewhere. When a template has both, each is its own policy at its own
//! position: SAM merges its `Auth.ResourcePolicy` statements into the
//! extension, and a linter finding belongs to the text that wrote it.

use super::{Extractor, PolicyKind};
use crate::template::{Resource, is_intrinsic};

/// The OpenAPI extension that holds a REST API's resource policy.
const POLICY_EXTENSION: &str = "x-amazon-apigateway-policy";

impl Extractor<'_> {
    /// `x-amazon-apigateway-policy` at the top level of the inline OpenAPI
    /// definition in `definition_property` (`DefinitionBody` or `Body`).
    pub(super) fn openapi_resource_policy(&mut self, api: &Resource, definition_property: &str) {
        let Some(definition) = api.properties.get(definition_property) else {
            return;
        };
        // An intrinsic (`Fn::Transform` with `AWS::Include`, `Fn::If`) is a
        // definition leash cannot see as written.
        if definition.as_object().is_none() || is_intrinsic(definition) {
            return;
        }
        let Some(document) = definition.get(POLICY_EXTENSION) else {
            return;
        };
        let Some(mut policy) = self.policy_property(
            api,
            document,
            format!("Properties.{definition_property}.{POLICY_EXTENSION}"),
            PolicyKind::Resource,
        ) else {
            return;
        };
        policy.target_resources = vec![api.logical_id.node.clone()];
        self.policies.push(policy);
    }
}
