//! L514 on the schedules and rules SAM writes for a function's or a state
//! machine's events (`leash_iac::eventbridge::sam_events`) when the event
//! names a template role in `RoleArn`: the role serves that schedule only,
//! and what it reaches is what `leash design` reads for it.
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedulev2.html>
#![allow(clippy::unwrap_used)]

use leash_lint::Diagnostic;

fn l514(text: &str) -> Vec<Diagnostic> {
    leash_lint::lint_template_text(text)
        .into_iter()
        .filter(|d| d.code == "L514")
        .collect()
}

/// A function `Report` with a `ScheduleV2` event `Nightly` whose
/// `RoleArn` names `SchedulerRole`, granting `grant` (a YAML flow
/// mapping of `Action` and `Resource`); `role` is the function's own
/// `Role` property, if any.
fn template(grant: &str, role: Option<&str>) -> String {
    let role = role.map_or(String::new(), |r| format!(", Role: {r}"));
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Report:
    Type: AWS::Serverless::Function
    Properties:
      {{FunctionName: report, Handler: app.handler, Runtime: python3.12, CodeUri: src/{role},
       Events: {{Nightly: {{Type: ScheduleV2, Properties: {{ScheduleExpression: rate(1 day), RoleArn: !GetAtt SchedulerRole.Arn}}}}}}}}
  SchedulerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: [scheduler.amazonaws.com, lambda.amazonaws.com]}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {{Effect: Allow, {grant}}}
"#
    )
}

/// The schedule invokes `report` only: `lambda:InvokeFunction` on `*` is
/// reported at the statement's action, and the fix names the function.
#[test]
fn a_schedule_v2_role_invoking_every_function_is_reported() {
    let text = template(r#"Action: lambda:InvokeFunction, Resource: "*""#, None);
    let found = l514(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = &found[0];
    assert_eq!(
        &text[finding.span.start..finding.span.end],
        "lambda:InvokeFunction"
    );
    assert!(
        finding
            .message
            .contains("SAM `ScheduleV2` event `Nightly` of `Report`")
            && finding.message.contains("on every resource"),
        "{}",
        finding.message
    );
    let help = finding.help.as_deref().unwrap();
    assert!(help.contains("function:report`"), "{help}");
}

/// A role scoped to the function the schedule invokes reaches nothing
/// beyond it.
#[test]
fn a_schedule_v2_role_scoped_to_its_function_is_not_reported() {
    let text = template(
        "Action: lambda:InvokeFunction, Resource: [!GetAtt Report.Arn, !Sub '${Report.Arn}:*']",
        None,
    );
    assert!(l514(&text).is_empty(), "{:#?}", l514(&text));
}

/// The function runs as the same role: its statements serve the
/// function's code too, so none of them is beyond the schedule.
#[test]
fn a_role_the_function_also_runs_as_is_not_reported() {
    let text = template(
        r#"Action: lambda:InvokeFunction, Resource: "*""#,
        Some("!GetAtt SchedulerRole.Arn"),
    );
    assert!(l514(&text).is_empty(), "{:#?}", l514(&text));
}

/// Two events name the role: a statement one of them does not need may
/// serve the other, so neither is judged alone.
#[test]
fn a_role_two_events_run_as_is_not_reported() {
    let text = template(r#"Action: lambda:InvokeFunction, Resource: "*""#, None).replace(
        "Events: {Nightly:",
        "Events: {Hourly: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 hour), RoleArn: !GetAtt SchedulerRole.Arn}}, Nightly:",
    );
    assert!(text.contains("Hourly"));
    assert!(l514(&text).is_empty(), "{:#?}", l514(&text));
}

/// A state machine's `ScheduleV2` event starts the state machine (and
/// sends to its dead-letter queue): a role that may also send to every
/// topic allows a service the schedule never reaches.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-statemachine-statemachineschedulev2.html>
#[test]
fn a_state_machine_schedule_v2_role_reaching_another_service_is_reported() {
    let text = r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: flow
      Definition: {StartAt: Done, States: {Done: {Type: Pass, End: true}}}
      Events:
        Tick:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 hour)
            RoleArn: !GetAtt TickRole.Arn
            DeadLetterConfig: {Arn: !GetAtt Missed.Arn}
  Missed:
    Type: AWS::SQS::Queue
  TickRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: scheduler.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: start
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: states:StartExecution, Resource: !Ref Flow}
              - {Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Missed.Arn}
              - {Effect: Allow, Action: sns:Publish, Resource: "*"}
"#;
    let found = l514(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(&text[found[0].span.start..found[0].span.end], "sns:Publish");
    assert!(
        found[0]
            .message
            .contains("SAM `ScheduleV2` event `Tick` of `Flow`")
            && found[0].message.contains("never"),
        "{}",
        found[0].message
    );
}
