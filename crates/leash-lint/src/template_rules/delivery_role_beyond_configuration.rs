//! ## What it finds
//! A delivery or data principal's role that reaches beyond what the
//! resource's configuration uses: a Kinesis Data Firehose delivery
//! stream (its Kinesis source and S3 destinations, Lambda processor and
//! logging), an AppSync data source (DynamoDB, with the operations its
//! resolvers' request mapping templates name; Lambda; EventBridge), an
//! AppSync API's logging role, an IoT topic rule (each action's
//! target), or an SNS subscription delivering to a Firehose stream (its
//! `SubscriptionRoleArn`: describing the stream and putting records in
//! it). Reported: an action of a service the configuration never
//! uses, or an action on every resource (`*`, `table/*`, ...) of a service
//! whose every resource the configuration names. The configuration is
//! read as `leash design` reads it (`leash_iac::delivery`); a service it
//! leaves to run time or to something leash does not model (an HTTP data
//! source signed for another service, a rule action's table named per
//! message, record format conversion) is not reported.
//!
//! A role another function or principal also runs as is not judged
//! (a statement beyond this one's use may be the other's).
//!
//! ## Why it matters
//! The service assumes the role to do what the resource is configured to
//! do and nothing else: a role that reaches further serves whoever else
//! can pass it to the service (or edit the configuration). An IoT rule
//! that writes to one bucket with `s3:Get*` and `s3:List*` on `*` can
//! read every bucket of the account.
//!
//! ## Example
//! ```yaml
//! Rule:
//!   Type: AWS::IoT::TopicRule
//!   Properties:
//!     TopicRulePayload:
//!       Sql: SELECT * FROM 'devices/+'
//!       Actions:
//!         - S3: {BucketName: !Ref Bucket, Key: "${topic()}", RoleArn: !GetAtt RuleRole.Arn}
//! RuleRole:
//!   Type: AWS::IAM::Role
//!   Properties:
//!     Policies:
//!       - PolicyName: s3
//!         PolicyDocument:
//!           Statement: [{Effect: Allow, Action: ["s3:Get*", "s3:PutObject"], Resource: "*"}]
//! ```
//!
//! ## Fix
//! Grant what the configuration uses, on the resources it names (the
//! finding lists them; `leash design` writes that role, the template's
//! grant superseded by the configuration), and nothing for services it
//! never uses.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html>,
//! <https://docs.aws.amazon.com/appsync/latest/devguide/attaching-a-data-source.html>,
//! <https://docs.aws.amazon.com/appsync/latest/devguide/monitoring.html>,
//! <https://docs.aws.amazon.com/iot/latest/developerguide/iot-rule-actions.html>

use super::TemplateInput;
use super::state_machine_role_beyond_definition::{Subject, report_role};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::delivery::{not_designed, read_delivery_configuration, role_paths};
use leash_iac::state_machine::Place;

pub static RULE: Rule = Rule {
    code: "L515",
    name: "delivery-role-beyond-configuration",
    severity: Severity::Warning,
    summary: "a delivery stream's, AppSync data source's or logging, IoT rule's or SNS subscription's role reaches beyond what its configuration uses",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    let context = leash_iac::ResolveContext::default();
    for resource in &input.template.resources {
        if role_paths(resource).is_empty() || not_designed(resource).is_some() {
            continue;
        }
        let what = match resource.resource_type.node.as_str() {
            "AWS::KinesisFirehose::DeliveryStream" => "delivery stream",
            "AWS::AppSync::DataSource" => "AppSync data source",
            "AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi" => "AppSync API (logging)",
            "AWS::SNS::Subscription" => "SNS subscription",
            "AWS::SNS::Topic" => "SNS topic (delivery-status logging)",
            _ => "IoT topic rule",
        };
        let id = &resource.logical_id.node;
        let resolve = |value: &leash_policy::Value| {
            leash_iac::resolve_with(value, input.template, &context).value
        };
        // Names as the template writes them: the uses are shown, not matched.
        let reading = read_delivery_configuration(
            resource,
            input.template,
            &resolve,
            &Place {
                account: "${AWS::AccountId}",
                region: "${AWS::Region}",
                name: id,
            },
        );
        if reading.summary.unknown.contains_key("*") {
            continue;
        }
        let subject = Subject {
            rule: &RULE,
            role: format!("{what} `{id}`'s role"),
            uses: "its configuration",
            uses_in: "the configuration",
            calls: "calls",
            names: "names",
            they_call: "it calls",
        };
        report_role(input, id, &subject, &reading, out);
    }
}
