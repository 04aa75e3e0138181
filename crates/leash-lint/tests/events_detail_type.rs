//! `events:detail-type` is multivalued: the AWS catalog types it
//! `ArrayOfString`, and EventBridge evaluates it against every value of the
//! rule's event pattern. EventBridge's guide
//! (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html>,
//! "Defining multiple sources that can be used in an event pattern
//! individually") shows a plain `StringEquals` on `events:source` with two
//! values denying a pattern that lists both, and `ForAllValues:` allowing
//! it. So L305 on a plain operator over `events:detail-type` (three AWS
//! managed policies have one) is right: such a statement only matches
//! patterns with a single detail type.
#![allow(clippy::unwrap_used)]

const PLAIN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": "events:PutRule", "Resource": "*",
  "Condition": {"StringEquals": {"events:detail-type": "Security Hub Findings - Imported"}}}]}"#;

const QUALIFIED: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": "events:PutRule", "Resource": "*",
  "Condition": {"ForAllValues:StringEquals": {"events:detail-type": "Security Hub Findings - Imported"},
                "Null": {"events:detail-type": "false"}}}]}"#;

fn l305(text: &str) -> usize {
    leash_lint::lint_policy_bytes(text.as_bytes())
        .iter()
        .filter(|d| d.code == "L305")
        .count()
}

#[test]
fn a_plain_operator_on_events_detail_type_is_reported() {
    assert_eq!(l305(PLAIN), 1);
    assert_eq!(l305(QUALIFIED), 0);
}
