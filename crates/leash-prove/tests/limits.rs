//! `leash prove` at the limits of its automaton: beyond one, the answer is
//! unknown with the reason, never a wrong "holds". Before the limits were
//! checked, a pattern longer than 65,535 characters lost its accepting
//! position and the proof below said "holds" for a policy that grants.
#![allow(clippy::unwrap_used)]

use leash_policy::parse::parse_policy_text;
use leash_prove::{Property, Verdict, prove};

fn granting_on(resource: &str) -> leash_policy::Policy {
    let text = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "{resource}"}}]}}"#
    );
    parse_policy_text(&text).policy.unwrap()
}

fn not_granted(policy: leash_policy::Policy) -> Verdict {
    prove(&Property::NotGranted {
        policy,
        actions: vec!["s3:GetObject".to_string()],
        resources: vec!["*".to_string()],
    })
    .unwrap()
    .verdict
}

#[test]
fn a_pattern_beyond_the_position_limit_is_unknown_not_holds() {
    let long = format!("arn:aws:s3:::orders/{}", "k".repeat(70_000));
    match not_granted(granting_on(&long)) {
        Verdict::Unknown(reason) => {
            assert!(reason.contains("characters"), "{reason}");
        }
        other => panic!("expected unknown, got {other:?}"),
    }
}

#[test]
fn a_long_pattern_within_the_limit_is_decided() {
    let long = format!("arn:aws:s3:::orders/{}", "k".repeat(300));
    assert!(matches!(
        not_granted(granting_on(&long)),
        Verdict::DoesNotHold(_)
    ));
}
