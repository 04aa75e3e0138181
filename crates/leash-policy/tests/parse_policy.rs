//! The policy reader: each grammar rule, with the AWS page it follows.
#![allow(clippy::unwrap_used)]

use leash_policy::diagnostic::{Severity, codes};
use leash_policy::parse::{PolicyParse, parse_policy_bytes, parse_policy_text};
use leash_policy::{
    ConditionValue, Effect, Operator, OperatorKind, PolicyVersion, Principal, PrincipalKind,
    SetQualifier,
};

fn codes_of(parse: &PolicyParse) -> Vec<&'static str> {
    parse.diagnostics.iter().map(|d| d.code).collect()
}

fn statement(body: &str) -> PolicyParse {
    parse_policy_text(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#
    ))
}

#[test]
fn reads_a_complete_policy() {
    let text = r#"{
      "Version": "2012-10-17",
      "Id": "example",
      "Statement": [{
        "Sid": "One",
        "Effect": "Deny",
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"], "Service": "lambda.amazonaws.com"},
        "NotAction": "s3:*",
        "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        "Condition": {
          "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
          "NumericLessThan": {"s3:max-keys": 10},
          "Bool": {"aws:SecureTransport": false}
        }
      }]
    }"#;
    let parse = parse_policy_text(text);
    assert!(parse.diagnostics.is_empty(), "{:?}", parse.diagnostics);
    let policy = parse.policy.unwrap();
    assert_eq!(policy.version.unwrap().node, PolicyVersion::V2012_10_17);
    assert_eq!(policy.id.unwrap().node, "example");
    assert!(!policy.single_statement);
    let s = &policy.statements[0];
    assert_eq!(s.sid.as_ref().unwrap().node, "One");
    assert_eq!(s.effect.node, Effect::Deny);
    assert!(s.action.negated);
    assert_eq!(s.action.patterns[0].node, "s3:*");
    let resource = s.resource.as_ref().unwrap();
    assert_eq!(resource.patterns.len(), 2);
    // The span points at the string in the source, quotes included.
    let span = resource.patterns[1].span;
    assert_eq!(&text[span.start..span.end], "\"arn:aws:s3:::b/*\"");
    let Principal::Map(entries) = &s.principal.as_ref().unwrap().principal else {
        panic!("expected a principal map")
    };
    assert_eq!(entries[0].kind.node, PrincipalKind::Aws);
    assert_eq!(entries[0].values.len(), 2);
    assert_eq!(entries[1].kind.node, PrincipalKind::Service);
    let blocks = &s.condition.as_ref().unwrap().blocks;
    assert_eq!(
        blocks[0].operator.node,
        Operator {
            qualifier: Some(SetQualifier::ForAnyValue),
            kind: OperatorKind::StringLike,
            if_exists: true
        }
    );
    assert_eq!(
        blocks[1].entries[0].values[0].node,
        ConditionValue::Number("10".into())
    );
    assert_eq!(
        blocks[2].entries[0].values[0].node,
        ConditionValue::Bool(false)
    );
}

#[test]
fn a_single_statement_object_is_remembered() {
    // "The Statement element can contain a single statement or an array of
    // individual statements."
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
    let parse =
        parse_policy_text(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#);
    assert!(parse.diagnostics.is_empty());
    let policy = parse.policy.unwrap();
    assert!(policy.single_statement);
    assert_eq!(policy.statements.len(), 1);
    // Absent Version means 2008-10-17.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    assert_eq!(policy.effective_version(), PolicyVersion::V2008_10_17);
}

#[test]
fn only_the_two_versions_are_valid() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    for bad in ["2012-10-18", "2012-10-17 ", "latest", ""] {
        let parse = parse_policy_text(&format!(r#"{{"Version": "{bad}", "Statement": []}}"#));
        assert!(codes_of(&parse).contains(&codes::INVALID_VERSION), "{bad}");
        assert!(parse.policy.unwrap().version.is_none());
    }
    let parse = parse_policy_text(r#"{"Version": 2012, "Statement": []}"#);
    assert!(codes_of(&parse).contains(&codes::WRONG_TYPE));
}

#[test]
fn effect_is_case_sensitive() {
    // "The Effect value is case sensitive."
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    let parse = statement(r#"{"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}"#);
    assert_eq!(codes_of(&parse), vec![codes::INVALID_EFFECT]);
    let diagnostic = &parse.diagnostics[0];
    assert_eq!(
        diagnostic.message,
        "invalid effect `allow`: expected `Allow` or `Deny`"
    );
    assert_eq!(
        diagnostic.help.as_deref(),
        Some("`Effect` is case-sensitive: write `Allow`")
    );
    assert!(parse.policy.unwrap().statements.is_empty());
}

#[test]
fn a_broken_statement_is_left_out_and_the_others_stay() {
    let parse = statement(
        r#"{"Sid": "Good", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
           {"Sid": "Bad", "Effect": "Allow", "Resource": "*"}"#,
    );
    assert_eq!(codes_of(&parse), vec![codes::MISSING_ACTION]);
    let policy = parse.policy.unwrap();
    assert_eq!(policy.statements.len(), 1);
    assert_eq!(policy.statements[0].sid.as_ref().unwrap().node, "Good");
}

#[test]
fn every_problem_is_reported() {
    let parse =
        statement(r#"{"Effect": "Permit", "Permissions": "s3:*", "Resource": 5, "Sid": true}"#);
    let codes = codes_of(&parse);
    for expected in [
        codes::INVALID_EFFECT,
        codes::UNKNOWN_ELEMENT,
        codes::WRONG_TYPE,
        codes::MISSING_ACTION,
    ] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
}

#[test]
fn a_misspelled_element_is_not_also_reported_missing() {
    let parse = statement(r#"{"Effect": "Allow", "Actions": "s3:*"}"#);
    assert_eq!(codes_of(&parse), vec![codes::UNKNOWN_ELEMENT]);
}

#[test]
fn near_misses_get_a_suggestion() {
    for (written, meant) in [
        ("Resources", "Resource"),
        ("Actions", "Action"),
        ("effect", "Effect"),
        ("Conditon", "Condition"),
        ("notaction", "NotAction"),
    ] {
        let parse = statement(&format!(
            r#"{{"Effect": "Allow", "Action": "*", "{written}": "*"}}"#
        ));
        let diagnostic = parse
            .diagnostics
            .iter()
            .find(|d| d.code == codes::UNKNOWN_ELEMENT)
            .unwrap();
        assert_eq!(
            diagnostic.help.as_deref(),
            Some(format!("did you mean `{meant}`?").as_str()),
            "{written}"
        );
    }
}

#[test]
fn action_and_not_action_together_is_an_error() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
    // (`action_block = ("Action" | "NotAction") : ...`: one or the other).
    let parse = statement(r#"{"Effect": "Allow", "Action": "*", "NotAction": "iam:*"}"#);
    assert_eq!(codes_of(&parse), vec![codes::CONFLICTING_ELEMENTS]);
    let parse =
        statement(r#"{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}"#);
    assert_eq!(codes_of(&parse), vec![codes::CONFLICTING_ELEMENTS]);
}

#[test]
fn duplicate_keys_warn_and_the_last_wins() {
    let text = r#"{"Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "*"}]}"#;
    let parse = parse_policy_text(text);
    assert_eq!(codes_of(&parse), vec![codes::DUPLICATE_KEY]);
    assert_eq!(parse.diagnostics[0].severity, Severity::Warning);
    // The warning points at the earlier occurrence, the one that is ignored.
    assert_eq!(
        parse.diagnostics[0].span.start,
        text.find("\"Effect\"").unwrap()
    );
    assert_eq!(
        parse.policy.unwrap().statements[0].effect.node,
        Effect::Allow
    );
}

#[test]
fn principal_shapes() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    let ok = statement(r#"{"Effect": "Allow", "Principal": "*", "Action": "*"}"#);
    assert!(ok.diagnostics.is_empty());
    let bad = [
        (
            r#""arn:aws:iam::111122223333:root""#,
            codes::INVALID_PRINCIPAL,
        ),
        (r#"{"Aws": "*"}"#, codes::INVALID_PRINCIPAL),
        (r#"{"User": "x"}"#, codes::INVALID_PRINCIPAL),
        (r#"["*"]"#, codes::WRONG_TYPE),
        (r#"{"AWS": 1}"#, codes::WRONG_TYPE),
        (r#"{"AWS": [["x"]]}"#, codes::WRONG_TYPE),
    ];
    for (principal, code) in bad {
        let parse = statement(&format!(
            r#"{{"Effect": "Allow", "Principal": {principal}, "Action": "*"}}"#
        ));
        assert_eq!(codes_of(&parse), vec![code], "{principal}");
    }
}

#[test]
fn operators_are_parsed_with_qualifiers_and_if_exists() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    let operator = Operator::parse("ForAllValues:ArnNotLikeIfExists");
    assert_eq!(operator.qualifier, Some(SetQualifier::ForAllValues));
    assert_eq!(operator.kind, OperatorKind::ArnNotLike);
    assert!(operator.if_exists);
    assert_eq!(operator.name(), "ForAllValues:ArnNotLikeIfExists");
    assert_eq!(Operator::parse("Null").kind, OperatorKind::Null);
    assert_eq!(
        Operator::parse("StringEqual").kind,
        OperatorKind::Unknown("StringEqual".into())
    );
}

#[test]
fn unknown_operators_are_reported_and_kept() {
    let parse = statement(
        r#"{"Effect": "Allow", "Action": "*", "Condition": {"stringequals": {"aws:username": "x"}}}"#,
    );
    assert_eq!(codes_of(&parse), vec![codes::UNKNOWN_OPERATOR]);
    assert_eq!(
        parse.diagnostics[0].help.as_deref(),
        Some("operator names are case-sensitive: did you mean `StringEquals`?")
    );
    let policy = parse.policy.unwrap();
    let condition = policy.statements[0].condition.as_ref().unwrap();
    assert_eq!(
        condition.blocks[0].operator.kind,
        OperatorKind::Unknown("stringequals".into())
    );
}

#[test]
fn null_cannot_take_if_exists() {
    // "You can use any condition operator except the Null condition with
    // IfExists" (condition operators page, ...IfExists section).
    let parse = statement(
        r#"{"Effect": "Allow", "Action": "*", "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}}"#,
    );
    assert_eq!(codes_of(&parse), vec![codes::INVALID_OPERATOR]);
}

#[test]
fn condition_values_must_be_scalars() {
    let parse = statement(
        r#"{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": [["x"]], "j": null, "m": {}}}}"#,
    );
    assert_eq!(
        codes_of(&parse),
        vec![codes::WRONG_TYPE, codes::WRONG_TYPE, codes::WRONG_TYPE]
    );
}

#[test]
fn empty_lists_are_kept() {
    let parse = statement(r#"{"Effect": "Allow", "Action": [], "Resource": []}"#);
    assert!(parse.diagnostics.is_empty());
    let policy = parse.policy.unwrap();
    assert!(policy.statements[0].action.patterns.is_empty());
    // AWS rejects a policy with no statements (IAM: MalformedPolicyDocument,
    // https://github.com/otterize/intents-operator/pull/481), but the empty
    // policy is still returned so a simulator can read it as "grants nothing".
    let parse = parse_policy_text(r#"{"Statement": []}"#);
    assert_eq!(codes_of(&parse), vec![codes::EMPTY_STATEMENT]);
    assert_eq!(parse.diagnostics[0].severity, Severity::Error);
    assert!(parse.policy.unwrap().statements.is_empty());
}

#[test]
fn json_errors_become_diagnostics() {
    let parse = parse_policy_text(r#"{"Statement": [}"#);
    assert_eq!(codes_of(&parse), vec![codes::JSON_SYNTAX]);
    assert!(parse.policy.is_none());
    let parse = parse_policy_bytes(b"{\"Sid\": \"\xc3\x28\"}");
    assert_eq!(codes_of(&parse), vec![codes::INVALID_UTF8]);
}

#[test]
fn the_top_level_must_be_an_object_with_a_statement() {
    let parse = parse_policy_text("[]");
    assert_eq!(codes_of(&parse), vec![codes::WRONG_TYPE]);
    assert!(parse.policy.is_none());
    let parse = parse_policy_text(r#"{"Version": "2012-10-17"}"#);
    assert_eq!(codes_of(&parse), vec![codes::MISSING_STATEMENT]);
    assert!(parse.policy.is_some());
}

#[test]
fn every_code_is_kebab_case_and_listed_once() {
    let mut seen = std::collections::HashSet::new();
    for code in codes::ALL {
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
        );
        assert!(seen.insert(code), "{code} listed twice");
    }
}
