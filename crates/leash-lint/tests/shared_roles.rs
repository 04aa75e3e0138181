//! The rules that judge a principal's role against what the principal
//! uses (L512, L514, L515) do not judge a role another principal runs as
//! too: a statement beyond one principal's use may be the other's.

/// A state machine and a function that share one role: the role's
/// `dynamodb:PutItem` on `*` may be the function's, so L512 does not judge
/// the shared policy against the state machine's definition (which only
/// invokes the function); a role the state machine alone runs as is.
#[test]
fn a_role_a_state_machine_shares_with_a_function_is_not_judged_by_l512() {
    let template = |function_role: &str| {
        format!(
            r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties: {{Handler: app.handler, Runtime: python3.12, CodeUri: src/, Role: !GetAtt {function_role}.Arn}}
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Role: !GetAtt FlowRole.Arn
      Definition:
        StartAt: Work
        States:
          Work: {{Type: Task, Resource: !GetAtt Worker.Arn, End: true}}
  FlowRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: [states.amazonaws.com, lambda.amazonaws.com]}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {{Effect: Allow, Action: lambda:InvokeFunction, Resource: !GetAtt Worker.Arn}}
              - {{Effect: Allow, Action: dynamodb:PutItem, Resource: "*"}}
  OtherRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}
"#
        )
    };
    let l512 = |text: &str| {
        leash_lint::lint_template_text(text)
            .into_iter()
            .filter(|d| d.code == "L512")
            .count()
    };
    assert_eq!(l512(&template("FlowRole")), 0);
    assert_eq!(l512(&template("OtherRole")), 1);
}
