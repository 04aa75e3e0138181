//! A template role that another resource's policy names as a principal (a
//! role's trust policy, an OpenSearch Serverless data access policy, a key
//! policy, a table's resource policy, ...) is designed in place by
//! `--format cfn`: a new role would not be named there, and the access
//! that policy gives would be lost (the first law). In place, the designed
//! trust and permissions take the place of the role's under the same
//! logical id, so the policy names the designed role. Fails under
//! `CI=true` when `../shared/corpus` is absent.
#![allow(clippy::unwrap_used)]

mod common;
use common::corpus;

use leash_design::cloudformation::{DesignedTemplate, designed_template};
use leash_design::{Target, design, read_application, read_template};

/// The designed template of `text` and its resources as JSON.
fn designed(text: &str) -> (DesignedTemplate, serde_json::Value) {
    let template = read_template(text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let output = designed_template(&template, &app, &roles, &[]).unwrap();
    let value: serde_json::Value = serde_json::from_str(&output.text).unwrap();
    (output, value)
}

fn get_att(id: &str) -> serde_json::Value {
    serde_json::json!({"Fn::GetAtt": [id, "Arn"]})
}

/// `../shared/corpus/sam-templates/serverless-multi-tenant-api.yaml`: the
/// authorizer function runs as `AuthorizerExecutionRole`, and the role it
/// assumes, `AuthorizerAccessRole`, trusts that role by `Fn::GetAtt`. A
/// new role would not be trusted: the authorizer could no longer assume
/// its access role. The design writes its role in place: the execution
/// role keeps its logical id, loses its managed policies, and gets the
/// designed permissions; the trust policy is untouched.
#[test]
fn a_role_another_roles_trust_policy_names_is_designed_in_place() {
    let Some(path) = corpus("sam-templates/serverless-multi-tenant-api.yaml") else {
        return;
    };
    let (output, value) = designed(&std::fs::read_to_string(path).unwrap());
    let resources = value["Resources"].as_object().unwrap();
    assert_eq!(output.role_ids["authFunction"], "AuthorizerExecutionRole");
    assert!(!resources.contains_key("authFunctionRole"));
    assert_eq!(
        resources["authFunction"]["Properties"]["Role"],
        get_att("AuthorizerExecutionRole")
    );
    let role = &resources["AuthorizerExecutionRole"]["Properties"];
    // `AWSLambdaBasicExecutionRole` is narrowed into the designed policy;
    // what leash keeps as is stays a managed policy.
    assert!(
        !role["ManagedPolicyArns"]
            .to_string()
            .contains("AWSLambdaBasicExecutionRole"),
        "{role}"
    );
    assert_eq!(role["Path"], "/");
    let policy = role["Policies"][0]["PolicyDocument"].to_string();
    assert!(
        policy.contains("dynamodb:GetItem") && policy.contains("ConfigTable"),
        "{policy}"
    );
    assert_eq!(
        resources["AuthorizerAccessRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
            ["Principal"]["AWS"][0],
        get_att("AuthorizerExecutionRole")
    );
    assert!(
        output.function_notes["authFunction"]
            .iter()
            .any(|n| n.contains("designed in place") && n.contains("AuthorizerAccessRole")),
        "{:?}",
        output.function_notes["authFunction"]
    );
    // The other functions, whose roles nothing names, get new roles.
    assert!(
        output
            .role_ids
            .iter()
            .filter(|(f, _)| *f != "authFunction")
            .all(|(f, r)| *r == format!("{f}Role")),
        "{:?}",
        output.role_ids
    );
}

/// `../shared/corpus/sam-templates/s3-lambda-bedrock-aoss.yaml`: two
/// functions each run as a role of their own that the collection's data
/// access policy `AccessPolicy` names. OpenSearch Serverless authorizes
/// data access by that policy: both roles are designed in place.
#[test]
fn roles_an_opensearch_serverless_data_access_policy_names_are_designed_in_place() {
    let Some(path) = corpus("sam-templates/s3-lambda-bedrock-aoss.yaml") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let (output, value) = designed(&text);
    let resources = value["Resources"].as_object().unwrap();
    for (function, role) in [
        (
            "IndexCreationLambdaFunction",
            "IndexCreationLambdaExecutionRole",
        ),
        (
            "DocumentIngestionLambdaFunction",
            "DocumentIngestionLambdaExecutionRole",
        ),
    ] {
        assert_eq!(output.role_ids[function], role);
        assert_eq!(resources[function]["Properties"]["Role"], get_att(role));
        assert!(!resources.contains_key(&format!("{function}Role")));
        assert_eq!(resources[role]["Type"], "AWS::IAM::Role");
    }
    // The data access policy is as the template wrote it.
    let original = read_template(&text).unwrap();
    let written =
        serde_json::to_string(&value["Resources"]["AccessPolicy"]["Properties"]["Policy"]).unwrap();
    let policy = original.resource("AccessPolicy").unwrap();
    assert!(policy.properties.get("Policy").is_some());
    for role in [
        "IndexCreationLambdaExecutionRole",
        "DocumentIngestionLambdaExecutionRole",
    ] {
        assert!(written.contains(role), "{written}");
    }
}

const KEY_POLICY: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Table, actions: [dynamodb:GetItem]}
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): pass"
      Role: !GetAtt ReaderRole.Arn
  ReaderRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reader
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
      Tags:
        - {Key: team, Value: orders}
  ReaderPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref ReaderRole]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents]
            Resource: '*'
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}
            Action: kms:*
            Resource: '*'
          - Effect: Allow
            Principal: {AWS: !GetAtt ReaderRole.Arn}
            Action: kms:Decrypt
            Resource: '*'
Outputs:
  ReaderRoleArn:
    Value: !GetAtt ReaderRole.Arn
"#;

/// A key policy naming the role (with the role in `Outputs` too, which
/// does not stop it): designed in place. Its `RoleName` and `Tags` stay,
/// its managed policy goes, the `AWS::IAM::Policy` attached to it alone is
/// removed (the designed policy replaces what it granted).
#[test]
fn a_role_a_key_policy_names_keeps_its_name_and_tags_and_loses_its_attachments() {
    let (output, value) = designed(KEY_POLICY);
    let resources = value["Resources"].as_object().unwrap();
    assert_eq!(output.role_ids["Reader"], "ReaderRole");
    let role = &resources["ReaderRole"]["Properties"];
    assert_eq!(role["RoleName"], "reader");
    assert_eq!(role["Tags"][0]["Value"], "orders");
    assert!(role.get("ManagedPolicyArns").is_none(), "{role}");
    let policy = role["Policies"][0]["PolicyDocument"].to_string();
    assert!(policy.contains("dynamodb:GetItem"), "{policy}");
    assert!(!resources.contains_key("ReaderPolicy"));
    assert!(!resources.contains_key("ReaderRole2"));
    assert_eq!(
        value["Outputs"]["ReaderRoleArn"]["Value"],
        get_att("ReaderRole")
    );
}

/// Two functions run as the role a key policy names: neither can have it
/// in place (each gets its own designed role), and the template notes say
/// the key policy must name them.
#[test]
fn a_shared_role_a_policy_names_is_not_designed_in_place_and_the_notes_say_so() {
    let text = KEY_POLICY.replace(
        "  ReaderRole:\n",
        "  Writer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: \"def handler(e, c): pass\"
      Role: !GetAtt ReaderRole.Arn
  ReaderRole:\n",
    );
    let (output, _) = designed(&text);
    assert_ne!(output.role_ids["Reader"], "ReaderRole");
    assert_ne!(output.role_ids["Writer"], "ReaderRole");
    assert!(
        output
            .template_notes
            .iter()
            .any(|n| n.contains("`ReaderRole` is named by")
                && n.contains("`Key`")
                && n.contains("`Reader`, `Writer`")),
        "{:?}",
        output.template_notes
    );
}

/// A table whose resource policy names the role, which the designed
/// policy names in turn: in place, the role would depend on the table and
/// the table on the role (CloudFormation rejects the cycle). The function
/// gets a new role, and the note says the table's policy must name it.
#[test]
fn a_role_whose_designed_policy_names_the_resource_naming_it_gets_a_new_role() {
    let text = KEY_POLICY
        .replace(
            "      KeySchema: [{AttributeName: id, KeyType: HASH}]\n",
            "      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ResourcePolicy:
        PolicyDocument:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: {AWS: !GetAtt ReaderRole.Arn}
              Action: dynamodb:GetItem
              Resource: '*'\n",
        )
        .replace("  Key:\n", "  UnusedKey:\n")
        .replace("Principal: {AWS: !GetAtt ReaderRole.Arn}\n            Action: kms:Decrypt", "Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}\n            Action: kms:Decrypt");
    let (output, value) = designed(&text);
    assert_ne!(output.role_ids["Reader"], "ReaderRole");
    assert!(
        output
            .template_notes
            .iter()
            .any(|n| n.contains("`ReaderRole` is named by") && n.contains("circular dependency")),
        "{:?}",
        output.template_notes
    );
    // The table's policy still names the old role, which stays.
    assert_eq!(value["Resources"]["ReaderRole"]["Type"], "AWS::IAM::Role");
}
