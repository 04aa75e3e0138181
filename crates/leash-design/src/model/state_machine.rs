//! A Step Functions state machine as a principal: what its definition
//! uses is read by `leash_iac::state_machine` (shared with `leash check`);
//! `model::read_state_machine` turns it into needs and supersedes what the
//! template grants beyond it. See docs/design.md, "State machines".

pub(crate) use leash_iac::state_machine::{Place, Reading, read_state_machine_definition};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::model::{PrincipalKind, Target, read_application};

    /// A state machine whose role grants `lambda:InvokeFunction` and
    /// `sqs:SendMessage` on `*`, and `dynamodb:*` on the table, while its
    /// definition (inline, with `DefinitionSubstitutions`) invokes one
    /// function, writes the table, sends to the queue with a JSONPath
    /// message only, and starts another state machine synchronously.
    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-east-1}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: Orders}
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {QueueName: jobs}
  Check:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: check, Handler: a.b, Runtime: python3.12}
  Other:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: other, Handler: a.b, Runtime: python3.12}
  Child:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: child
      RoleArn: !GetAtt ChildRole.Arn
      DefinitionString: '{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}'
  ChildRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: sts:AssumeRole}]
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: flow
      DefinitionSubstitutions:
        CheckArn: !GetAtt Check.Arn
        Queue: !Ref Jobs
      Definition:
        StartAt: Check
        States:
          Check:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters: {FunctionName: '${CheckArn}', 'Payload.$': '$'}
            Next: Save
          Save:
            Type: Task
            Resource: arn:aws:states:::dynamodb:putItem
            Parameters: {TableName: Orders, Item: {id: {'S.$': '$.id'}}}
            Next: Both
          Both:
            Type: Parallel
            Branches:
              - StartAt: Send
                States:
                  Send:
                    Type: Task
                    Resource: arn:aws:states:::sqs:sendMessage
                    Parameters: {QueueUrl: '${Queue}', 'MessageBody.$': '$'}
                    End: true
              - StartAt: Nested
                States:
                  Nested:
                    Type: Task
                    Resource: arn:aws:states:::states:startExecution.sync:2
                    Parameters: {StateMachineArn: !Ref Child}
                    End: true
            End: true
      Policies:
        - Statement:
            - {Effect: Allow, Action: ['lambda:InvokeFunction', 'sqs:SendMessage'], Resource: '*'}
            - {Effect: Allow, Action: 'dynamodb:*', Resource: !GetAtt Orders.Arn}
            - {Effect: Allow, Action: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution', 'events:PutTargets', 'events:PutRule', 'events:DescribeRule'], Resource: '*'}
"#;

    fn flow(template: &str) -> crate::model::Function {
        let template = leash_iac::read_template(template).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        app.functions
            .into_iter()
            .find(|f| f.logical_id == "Flow")
            .unwrap()
    }

    // https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html
    // https://docs.aws.amazon.com/step-functions/latest/dg/dynamo-iam.html
    // https://docs.aws.amazon.com/step-functions/latest/dg/sqs-iam.html
    // https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html
    #[test]
    fn needs_come_from_the_definition_and_supersede_the_template_grants() {
        let flow = flow(TEMPLATE);
        assert_eq!(flow.kind, PrincipalKind::StateMachine);
        let summary = flow.definition.as_ref().unwrap();
        assert_eq!(summary.states, 5, "{summary:?}");
        assert!(summary.unknown.is_empty(), "{:?}", summary.unknown);
        let needs: Vec<(String, Vec<String>)> = flow
            .needs
            .iter()
            .map(|n| (n.resource.clone(), n.actions.clone()))
            .collect();
        assert!(needs.contains(&("Check".into(), vec!["lambda:InvokeFunction".into()])));
        assert!(needs.contains(&("Orders".into(), vec!["dynamodb:PutItem".into()])));
        assert!(needs.contains(&("Jobs".into(), vec!["sqs:SendMessage".into()])));
        assert!(needs.contains(&("Child".into(), vec!["states:StartExecution".into()])));
        assert!(!needs.iter().any(|(r, _)| r == "Other"));
        // Versions and aliases; the nested execution's `.sync` extras.
        let service: Vec<(String, Vec<String>)> = flow
            .lambda_needs
            .iter()
            .map(|n| (n.resource.clone(), n.actions.clone()))
            .collect();
        assert!(service.contains(&(
            "arn:aws:lambda:us-east-1:111122223333:function:check:*".into(),
            vec!["lambda:InvokeFunction".into()]
        )));
        assert!(service.contains(&(
            "arn:aws:states:us-east-1:111122223333:execution:child:*".into(),
            vec![
                "states:DescribeExecution".into(),
                "states:StopExecution".into()
            ]
        )));
        assert!(service.contains(&(
            "arn:aws:events:us-east-1:111122223333:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule".into(),
            vec!["events:DescribeRule".into(), "events:PutRule".into(), "events:PutTargets".into()]
        )));
        // `*` and `dynamodb:*` are superseded by the definition, not kept.
        assert!(flow.kept_as_is.is_empty(), "{:?}", flow.kept_as_is);
        assert_eq!(flow.superseded_kept.len(), 3, "{:?}", flow.superseded_kept);
    }

    #[test]
    fn a_jsonpath_resource_keeps_the_services_grant_as_is() {
        let dynamic = TEMPLATE.replace(
            "Parameters: {FunctionName: '${CheckArn}', 'Payload.$': '$'}",
            "Parameters: {'FunctionName.$': '$.fn'}",
        );
        let flow = flow(&dynamic);
        let summary = flow.definition.as_ref().unwrap();
        assert!(summary.unknown.contains_key("lambda"), "{summary:?}");
        assert!(!summary.complete_for("lambda"));
        assert!(summary.complete_for("dynamodb"));
        // The `lambda`+`sqs` statement on `*` names an unknown service: kept
        // whole; `dynamodb:*` on the table is still superseded.
        assert_eq!(flow.kept_as_is.len(), 1, "{:?}", flow.kept_as_is);
        assert!(!flow.needs.iter().any(|n| n.resource == "Check"));
    }

    #[test]
    fn a_definition_leash_cannot_read_keeps_everything() {
        let unread = TEMPLATE.replace(
            "      Definition:\n        StartAt: Check",
            "      DefinitionUri: s3://bucket/flow.json\n      Unused:\n        StartAt: Check",
        );
        let flow = flow(&unread);
        let summary = flow.definition.as_ref().unwrap();
        assert!(summary.unknown.contains_key("*"), "{summary:?}");
        assert!(flow.superseded_kept.is_empty());
        assert_eq!(flow.kept_as_is.len(), 3, "{:?}", flow.kept_as_is);
    }

    #[test]
    fn a_call_the_template_does_not_grant_is_noted_not_granted() {
        let narrower = TEMPLATE.replace(
            "Action: ['lambda:InvokeFunction', 'sqs:SendMessage'], Resource: '*'",
            "Action: ['lambda:InvokeFunction'], Resource: '*'",
        );
        let flow = flow(&narrower);
        assert!(!flow.needs.iter().any(|n| n.resource == "Jobs"));
        assert!(
            flow.ignored
                .iter()
                .any(|i| i.contains("`sqs:SendMessage` on `Jobs`") && i.contains("not granted")),
            "{:?}",
            flow.ignored
        );
    }

    // https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html
    #[test]
    fn a_definition_string_with_a_distributed_map_starts_its_own_executions() {
        let template = r#"
Metadata:
  leash: {account: '111122223333', region: us-east-1}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: states.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: all
          PolicyDocument:
            Statement: [{Effect: Allow, Action: 'states:*', Resource: '*'}]
  Fan:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: fan
      RoleArn: !GetAtt Role.Arn
      DefinitionString: !Sub |
        {"StartAt": "Each", "States": {"Each": {"Type": "Map",
          "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}},
          "End": true}}}
"#;
        let template = leash_iac::read_template(template).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let fan = &app.functions[0];
        assert_eq!(fan.kind, PrincipalKind::StateMachine);
        assert_eq!(fan.definition.as_ref().unwrap().states, 2);
        assert!(
            fan.needs
                .iter()
                .any(|n| n.resource == "Fan" && n.actions == ["states:StartExecution"])
        );
        assert!(fan.lambda_needs.iter().any(|n| n.resource
            == "arn:aws:states:us-east-1:111122223333:execution:fan/*"
            && n.actions.contains(&"states:StopExecution".to_string())));
        // `states:*` on `*` is superseded by the definition.
        assert!(fan.kept_as_is.is_empty(), "{:?}", fan.kept_as_is);
        let roles = crate::design::design(&app).unwrap();
        assert!(roles[0].verified(), "{:#?}", roles[0].verification);
    }

    #[test]
    fn sqs_queue_urls_become_arns() {
        assert_eq!(
            leash_iac::state_machine::queue_arn(
                "https://sqs.us-east-1.amazonaws.com/111122223333/jobs"
            )
            .as_deref(),
            Some("arn:aws:sqs:us-east-1:111122223333:jobs")
        );
        assert_eq!(leash_iac::state_machine::queue_arn("jobs"), None);
    }
}
