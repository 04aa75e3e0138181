//! Issue 11's false-positive classes that came from reading a value known
//! only at deployment as `*`: each template here is a corpus template's
//! excerpt (cited) or, where the corpus has no such template, the pattern
//! as the issue reports it from real templates. Each test fails on the
//! reading that made the symbol a wildcard.
#![allow(clippy::unwrap_used)]

use leash_lint::{Diagnostic, lint_template_text};

fn codes(findings: &[Diagnostic]) -> Vec<&str> {
    findings.iter().map(|d| d.code).collect()
}

/// `s3-eventbridge.yaml`: a bucket named by a parameter without a default.
/// Read as `arn:aws:s3:::*` and `arn:aws:s3:::*/*`, the object ARN was
/// "already covered" by the bucket one (L406, 14 such findings on the
/// corpus) and the statement "on every bucket" (L106).
#[test]
fn a_bucket_name_parameter_is_one_bucket() {
    let text = "\
Transform: AWS::Serverless-2016-10-31
Parameters:
  BucketNameForImages:
    Type: String
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Policies:
        - Statement:
            - Effect: Allow
              Action: [s3:GetObject, s3:ListBucket]
              Resource:
                - !Sub 'arn:aws:s3:::${BucketNameForImages}/*'
                - !Sub 'arn:aws:s3:::${BucketNameForImages}'
";
    let found = lint_template_text(text);
    let codes = codes(&found);
    assert!(!codes.contains(&"L406"), "{found:#?}");
    assert!(!codes.contains(&"L106"), "{found:#?}");
    // The pairing of each action with the ARN it cannot act on is still
    // found, and shown as the template writes it.
    let pairing = found.iter().find(|d| d.code == "L105").unwrap();
    assert!(
        pairing.message.contains("${BucketNameForImages}"),
        "{}",
        pairing.message
    );
    assert!(!pairing.message.contains("s3:::*"), "{}", pairing.message);
}

/// The issue's `L002` on a valid template: `IpRangeBlacklist: !Ref Param`
/// of a `CommaDelimitedList` was wrapped in a second list; SAM resolves the
/// list first. (No corpus template lists IPs by parameter.)
#[test]
fn a_comma_delimited_list_parameter_is_the_list() {
    let text = "\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Blocked: {Type: CommaDelimitedList, Default: '198.51.100.0/24,203.0.113.0/24'}
  Allowed: {Type: CommaDelimitedList}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ResourcePolicy:
          IpRangeBlacklist: !Ref Blocked
          IpRangeWhitelist: !Ref Allowed
";
    let found = lint_template_text(text);
    let codes = codes(&found);
    assert!(!codes.contains(&"L002"), "{found:#?}");
    // A parameter without a default is one unknown range, not `*` (which
    // L213 used to call "not an IP address").
    assert!(!codes.contains(&"L213"), "{found:#?}");
    // The whitelist's Allow to everyone is taken back by its Deny.
    assert!(!codes.contains(&"L309"), "{found:#?}");
}

/// `!Join ['', [!Ref SourceTableARN, '/stream/*']]` of a parameter: an
/// ARN the linter cannot see, not `**` "not an ARN" (L201).
#[test]
fn an_arn_parameter_may_be_an_arn() {
    let text = "\
Parameters:
  SourceTableARN: {Type: String}
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: dynamodb:GetRecords
            Resource: !Join ['', [!Ref SourceTableARN, '/stream/*']]
";
    let found = lint_template_text(text);
    assert!(!codes(&found).contains(&"L201"), "{found:#?}");
    // `Ref` of a table (its name) is still not an ARN.
    let named = text
        .replace("Parameters:\n  SourceTableARN: {Type: String}\n", "")
        .replace(
            "Resources:\n",
            "Resources:\n  SourceTableARN: {Type: AWS::DynamoDB::Table}\n",
        );
    let found = lint_template_text(&named);
    assert!(codes(&found).contains(&"L201"), "{found:#?}");
}

/// A Bedrock foundation model in the stack's region and the same model in
/// another named region: `${AWS::Region}` read as `*` made the second
/// "redundant" (L406).
#[test]
fn the_region_is_one_region() {
    let text = "\
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: bedrock:InvokeModel
            Resource:
              - !Sub 'arn:${AWS::Partition}:bedrock:${AWS::Region}::foundation-model/amazon.nova-lite-v1:0'
              - !Sub 'arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0'
";
    let found = lint_template_text(text);
    assert!(!codes(&found).contains(&"L406"), "{found:#?}");
    // Two entries with the same symbols are still one resource twice.
    let twice = text.replace("bedrock:us-east-1::", "bedrock:${AWS::Region}::");
    let found = lint_template_text(&twice);
    assert!(codes(&found).contains(&"L406"), "{found:#?}");
}
