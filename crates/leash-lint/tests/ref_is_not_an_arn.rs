//! `Resource: !Ref Role` is a common template mistake: `Ref` of a role is
//! its name (of a queue its URL, of a table its name), so the statement
//! matches nothing. L201 reports it, says why, and offers `Fn::GetAtt
//! NAME.Arn` as an unsafe fix (the statement starts granting).
//! What `Ref` returns per type:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html>.
#![allow(clippy::unwrap_used)]

use leash_lint::Applicability;

const YAML: &str = include_str!("fixtures/ref-is-not-an-arn.yaml");

#[test]
fn ref_of_a_resource_gets_the_get_att_fix_in_yaml() {
    let found = leash_lint::lint_template_text(YAML);
    let fixes: Vec<(&str, &str, Applicability)> = found
        .iter()
        .filter(|d| d.code == "L201")
        .map(|d| {
            let fix = d.fix.as_ref().unwrap();
            assert_eq!(fix.edits.len(), 1);
            assert!(d.help.as_ref().unwrap().contains("is not its ARN"));
            (
                &YAML[d.span.start..d.span.end],
                fix.edits[0].replacement.as_str(),
                fix.applicability,
            )
        })
        .collect();
    assert_eq!(
        fixes,
        [
            (
                "!Ref TaskRole",
                "!GetAtt TaskRole.Arn",
                Applicability::Unsafe
            ),
            ("!Ref Queue", "!GetAtt Queue.Arn", Applicability::Unsafe),
            ("!Ref Table", "!GetAtt Table.Arn", Applicability::Unsafe),
        ]
    );
}

#[test]
fn ref_of_a_resource_gets_the_get_att_fix_in_json() {
    let json = r#"{"Resources": {
  "Queue": {"Type": "AWS::SQS::Queue"},
  "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Ref": "Queue"}}]}}}}}"#;
    let found = leash_lint::lint_template_text(json);
    let l201: Vec<_> = found.iter().filter(|d| d.code == "L201").collect();
    assert_eq!(l201.len(), 1, "{found:#?}");
    let edit = &l201[0].fix.as_ref().unwrap().edits[0];
    assert_eq!(&json[edit.span.start..edit.span.end], r#"{"Ref": "Queue"}"#);
    assert_eq!(edit.replacement, r#"{"Fn::GetAtt": ["Queue", "Arn"]}"#);
}

#[test]
fn a_parameter_or_an_arn_returning_ref_gets_no_such_fix() {
    // A parameter holding a name: no resource to take the ARN of.
    let text = r#"{"Parameters": {"RoleName": {"Type": "String", "Default": "worker"}},
 "Resources": {
  "Topic": {"Type": "AWS::SNS::Topic"},
  "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
    "Version": "2012-10-17",
    "Statement": [
      {"Effect": "Allow", "Action": "iam:PassRole", "Resource": {"Ref": "RoleName"}},
      {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "Topic"}}]}}}}}"#;
    let found = leash_lint::lint_template_text(text);
    let l201: Vec<_> = found.iter().filter(|d| d.code == "L201").collect();
    // The parameter's value is not an ARN: reported, without the fix.
    assert_eq!(l201.len(), 1, "{found:#?}");
    assert!(l201[0].fix.is_none());
    // `Ref` of a topic is its ARN: nothing to report.
    assert!(
        !found
            .iter()
            .any(|d| d.code == "L201" && text[d.span.start..d.span.end].contains("Topic"))
    );
}
