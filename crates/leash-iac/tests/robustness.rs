//! Hostile or broken input never panics: it reads, or it is an error with
//! a span inside the text.
#![allow(clippy::unwrap_used)]

use leash_iac::{extract_managed_policy_references, extract_policies, read_template};
use proptest::prelude::*;

const ORDERS: &str = include_str!("fixtures/orders.yaml");

fn check(text: &str) {
    match read_template(text) {
        Ok(template) => {
            for policy in extract_policies(&template) {
                assert!(policy.document.span.end <= text.len());
                let _ = leash_policy::parse::parse_policy(&policy.document);
            }
            let _ = extract_managed_policy_references(&template);
        }
        Err(error) => {
            assert!(
                error.span.start <= error.span.end && error.span.end <= text.len(),
                "{error:?}"
            );
            assert!(!error.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn yaml_like_noise_never_panics(text in "[a-z!&*:{}\\[\\],'\" \n#|>\\-é.${}]{0,200}") {
        check(&text);
    }

    #[test]
    fn damaged_fixture_never_panics(cut in 0usize..ORDERS.len(), length in 0usize..40, insert in "[!&*:{}\\[\\], \n'\"é]{0,4}") {
        let mut start = cut;
        while !ORDERS.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + length).min(ORDERS.len());
        while !ORDERS.is_char_boundary(end) {
            end -= 1;
        }
        let text = format!("{}{}{}", &ORDERS[..start], insert, &ORDERS[end..]);
        check(&text);
    }
}

#[test]
fn intrinsic_cycles_and_odd_arguments_resolve_to_wildcards() {
    let text = "\
Resources:
  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !GetAtt B.Arn}}
  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref A}}
  P:
    Type: AWS::IAM::Policy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [s3:GetObject, !Select [9, [a]], !Join [1, 2], !Sub [1], !GetAtt [], !Ref [x]]
            Resource: [!GetAtt A.Arn, !FindInMap [M, k, v], !If [Missing, a, b], !Split [',', !Ref A]]
";
    let template = read_template(text).unwrap();
    let policies = extract_policies(&template);
    assert_eq!(policies.len(), 1);
    assert!(!policies[0].unresolved.is_empty());
    let statement = &policies[0]
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[0];
    let resource = &statement.get("Resource").unwrap().as_array().unwrap()[0];
    // The cycle A -> B -> A ends in a wildcard, not a stack overflow.
    let shown = template.symbols.display(resource.as_str().unwrap());
    assert!(shown.starts_with("arn:${AWS::Partition}:s3:::"), "{shown}");
}

#[test]
fn fan_out_of_references_stays_fast() {
    // Each name uses the next one twice: without memoizing and the string
    // length cap, 2^40 steps and a 2^40-byte name.
    let mut text = String::from("Conditions:\n");
    for i in 0..40 {
        text.push_str(&format!(
            "  C{i}: !And [!Condition C{n}, !Condition C{n}]\n",
            n = i + 1
        ));
    }
    text.push_str("  C40: !Equals [a, a]\nResources:\n");
    for i in 0..40 {
        text.push_str(&format!(
            "  B{i}: {{Type: AWS::S3::Bucket, Properties: {{BucketName: !Sub '${{B{n}}}-${{B{n}}}'}}}}\n",
            n = i + 1
        ));
    }
    text.push_str("  B40: {Type: AWS::S3::Bucket, Properties: {BucketName: x}}\n");
    text.push_str("  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - {Effect: Allow, Action: s3:GetObject, Resource: !If [C0, !GetAtt B0.Arn, none]}\n");
    let template = read_template(&text).unwrap();
    let started = std::time::Instant::now();
    let policies = extract_policies(&template);
    assert!(started.elapsed().as_secs() < 5);
    let statement = &policies[0]
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[0];
    // The condition nests deeper than resolution follows: unknown, so the
    // `Resource` list holds both branches.
    let resources = statement.get("Resource").unwrap().as_array().unwrap();
    let resource = template.symbols.display(resources[0].as_str().unwrap());
    assert!(
        resource.starts_with("arn:${AWS::Partition}:s3:::"),
        "{resource}"
    );
}
