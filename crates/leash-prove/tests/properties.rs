//! Each property on small policies whose answer is known, including the
//! resource-policy rules and the cases that must answer unknown.
#![allow(clippy::unwrap_used)]

use leash_policy::Policy;
use leash_policy::parse::parse_policy_text;
use leash_prove::counterexample::replay;
use leash_prove::{Property, ProveError, Verdict, prove};
use serde_json::json;

fn policy(value: serde_json::Value) -> Policy {
    parse_policy_text(&value.to_string()).policy.unwrap()
}

fn identity(statements: serde_json::Value) -> Policy {
    policy(json!({"Version": "2012-10-17", "Statement": statements}))
}

fn no_new_access(old: &Policy, new: &Policy) -> Verdict {
    prove(&Property::NoNewAccess {
        old: old.clone(),
        new: new.clone(),
    })
    .unwrap()
    .verdict
}

/// Asserts "does not hold" and that the counterexample replays; returns it.
fn refuted(verdict: Verdict) -> leash_prove::Counterexample {
    let Verdict::DoesNotHold(counterexample) = verdict else {
        panic!("expected a counterexample, got {verdict:?}");
    };
    replay(&counterexample.request, true).unwrap();
    if let Some(baseline) = &counterexample.baseline {
        replay(baseline, false).unwrap();
    }
    *counterexample
}

fn bucket_policy(principal: serde_json::Value, condition: Option<serde_json::Value>) -> Policy {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::acme-orders-receipts/*"
    });
    if let Some(condition) = condition {
        statement["Condition"] = condition;
    }
    policy(json!({"Version": "2012-10-17", "Statement": [statement]}))
}

fn no_public(policy: Policy, org: Option<&str>) -> Verdict {
    prove(&Property::NoPublicAccess {
        policy,
        account: Some("111122223333".into()),
        organization: org.map(str::to_string),
    })
    .unwrap()
    .verdict
}

#[test]
fn cidr_boundaries_are_exact() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    let narrow = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/16"}}}]),
    );
    let wide = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]),
    );
    assert!(matches!(no_new_access(&wide, &narrow), Verdict::Holds));
    let counterexample = refuted(no_new_access(&narrow, &wide));
    let ip = counterexample.request["context"]["aws:SourceIp"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ip.starts_with("10.") && !ip.starts_with("10.0."), "{ip}");
}

#[test]
fn numeric_thresholds_are_exact() {
    let below_10 = identity(
        json!([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
        "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}]),
    );
    let up_to_10 = identity(
        json!([{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
        "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}}]),
    );
    assert!(matches!(
        no_new_access(&up_to_10, &below_10),
        Verdict::Holds
    ));
    let counterexample = refuted(no_new_access(&below_10, &up_to_10));
    assert_eq!(counterexample.request["context"]["s3:max-keys"], "10.0");
}

#[test]
fn multivalued_keys_with_set_operators() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
    let any_value = identity(
        json!([{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
        "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]),
    );
    let all_values = identity(
        json!([{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]),
    );
    // ForAllValues holds for an absent key (vacuously); ForAnyValue does not.
    let counterexample = refuted(no_new_access(&any_value, &all_values));
    assert!(
        counterexample.request["context"]
            .get("aws:TagKeys")
            .is_none_or(|v| v == &json!([]))
    );
    // A set with one listed and one unlisted key: ForAnyValue, not ForAllValues.
    refuted(no_new_access(&all_values, &any_value));
}

#[test]
fn wildcards_in_actions_and_resources() {
    let reads =
        identity(json!([{"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}]));
    let object = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/x*"}]),
    );
    assert!(matches!(no_new_access(&reads, &object), Verdict::Holds));
    let counterexample = refuted(no_new_access(&object, &reads));
    assert!(
        counterexample
            .action
            .to_ascii_lowercase()
            .starts_with("s3:get")
    );
}

#[test]
fn a_deny_removed_is_new_access() {
    let guarded = identity(json!([
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    ]));
    let open = identity(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    assert!(matches!(no_new_access(&open, &guarded), Verdict::Holds));
    let counterexample = refuted(no_new_access(&guarded, &open));
    assert_eq!(
        counterexample.action.to_ascii_lowercase(),
        "s3:deletebucket"
    );
}

#[test]
fn not_granted_with_patterns() {
    let seed = identity(
        json!([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"],
        "Resource": "arn:aws:s3:::acme-orders-receipts/*"}]),
    );
    let granted = prove(&Property::NotGranted {
        policy: seed.clone(),
        actions: vec!["s3:Delete*".into()],
        resources: vec!["arn:aws:s3:::acme-orders-receipts/*".into()],
    })
    .unwrap()
    .verdict;
    let counterexample = refuted(granted);
    assert_eq!(counterexample.action, "s3:DeleteObject");
    let not_granted = prove(&Property::NotGranted {
        policy: seed,
        actions: vec!["iam:*".into(), "s3:Put*".into()],
        resources: vec!["*".into()],
    })
    .unwrap()
    .verdict;
    assert!(matches!(not_granted, Verdict::Holds), "{not_granted:?}");
}

#[test]
fn public_bucket_policy() {
    // Principal "*" lets every caller in, anonymous included:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    let counterexample = refuted(no_public(bucket_policy(json!("*"), None), None));
    assert!(
        !counterexample.principal.contains("111122223333"),
        "{}",
        counterexample.principal
    );
}

#[test]
fn same_account_principal_is_not_public() {
    let own = bucket_policy(json!({"AWS": "arn:aws:iam::111122223333:root"}), None);
    assert!(matches!(no_public(own, None), Verdict::Holds));
    let role = bucket_policy(
        json!({"AWS": "arn:aws:iam::111122223333:role/reader"}),
        None,
    );
    assert!(matches!(no_public(role, None), Verdict::Holds));
}

#[test]
fn another_account_is_public() {
    let other = bucket_policy(json!({"AWS": "444455556666"}), None);
    let counterexample = refuted(no_public(other, None));
    assert!(counterexample.principal.contains("444455556666"));
}

#[test]
fn principal_account_condition_closes_the_door() {
    // aws:PrincipalAccount is derived from the caller, not chosen freely.
    let closed = bucket_policy(
        json!("*"),
        Some(json!({"StringEquals": {"aws:PrincipalAccount": "111122223333"}})),
    );
    assert!(matches!(no_public(closed, None), Verdict::Holds));
}

#[test]
fn organization_rule() {
    let org = bucket_policy(
        json!("*"),
        Some(json!({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
    );
    // Without --org, callers of any organization count as outside.
    refuted(no_public(org.clone(), None));
    // With --org, callers of that organization are not outside.
    assert!(matches!(
        no_public(org.clone(), Some("o-abc123")),
        Verdict::Holds
    ));
    refuted(no_public(org, Some("o-other")));
}

#[test]
fn account_is_inferred_or_required() {
    let queue = policy(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "444455556666"}, "Action": "sqs:SendMessage",
        "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"}]}),
    );
    let proof = prove(&Property::NoPublicAccess {
        policy: queue,
        account: None,
        organization: None,
    })
    .unwrap();
    refuted(proof.verdict);
    let bucket = bucket_policy(json!("*"), None);
    let error = prove(&Property::NoPublicAccess {
        policy: bucket,
        account: None,
        organization: None,
    })
    .unwrap_err();
    assert!(matches!(error, ProveError::UnknownAccount(_)));
}

#[test]
fn resource_policies_compare_with_each_other() {
    let own = bucket_policy(json!({"AWS": "111122223333"}), None);
    let shared = bucket_policy(json!({"AWS": ["111122223333", "444455556666"]}), None);
    assert!(matches!(no_new_access(&shared, &own), Verdict::Holds));
    let counterexample = refuted(no_new_access(&own, &shared));
    assert!(counterexample.principal.contains("444455556666"));
}

#[test]
fn mixed_kinds_are_an_error() {
    let own = bucket_policy(json!({"AWS": "111122223333"}), None);
    let identity_policy = identity(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    let error = prove(&Property::NoNewAccess {
        old: own,
        new: identity_policy,
    })
    .unwrap_err();
    assert_eq!(error, ProveError::MixedPolicyKinds);
}

#[test]
fn keys_compared_with_policy_variables() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
    let own_account = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}]),
    );
    let any_account =
        identity(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    assert!(matches!(
        no_new_access(&any_account, &own_account),
        Verdict::Holds
    ));
    let counterexample = refuted(no_new_access(&own_account, &any_account));
    let context = &counterexample.request["context"];
    assert_ne!(
        context.get("aws:ResourceAccount"),
        context.get("aws:PrincipalAccount")
    );
    // Equal keys inside one region of their own patterns: the negation
    // needs two distinct strings of the region `team-*`.
    let same_team = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"},
            "StringLike": {"aws:PrincipalTag/team": "team-*"}}}]),
    );
    let team_member = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalTag/team": "team-*"}}}]),
    );
    assert!(matches!(
        no_new_access(&team_member, &same_team),
        Verdict::Holds
    ));
    refuted(no_new_access(&same_team, &team_member));
}

#[test]
fn features_without_an_exact_split_answer_unknown() {
    let all = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    let mixed = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringLike": {"aws:EpochTime": "1*"}, "NumericLessThan": {"aws:EpochTime": "5"}}}]),
    );
    assert!(matches!(no_new_access(&all, &mixed), Verdict::Unknown(_)));
    let offset_date = identity(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00+01:00"}}}]),
    );
    assert!(matches!(
        no_new_access(&all, &offset_date),
        Verdict::Unknown(_)
    ));
}

#[test]
fn a_counterexample_that_does_not_replay_is_caught() {
    // The replay check is what turns a search bug into "unknown" rather
    // than a wrong answer: a request claimed allowed but denied fails it.
    let request = json!({
        "principal": "arn:aws:sts::111122223333:assumed-role/r/s",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/x",
        "current_time": "2026-01-01T00:00:00Z",
        "identity_policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}]
    });
    assert!(replay(&request, true).unwrap_err().contains("denied"));
    replay(&request, false).unwrap();
    // A request the reader refuses (an empty resource, which the search
    // once produced) is caught too.
    let mut unreadable = request.clone();
    unreadable["resource"] = json!("");
    assert!(
        replay(&unreadable, false)
            .unwrap_err()
            .contains("does not read back")
    );
}

/// Policy variables (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
/// the substituted value, a default when the key is absent, no match when
/// there is neither, and the escapes `${*}`, `${?}`, `${$}`. leash prove
/// over-approximates them (docs/prove.md): "holds" only when the
/// approximation proves it, counterexamples only when the real policies
/// confirm them, unknown otherwise.
#[test]
fn policy_variables() {
    let home = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:username}/*"}]));
    let all = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]));
    assert!(matches!(no_new_access(&all, &home), Verdict::Holds));
    // The counterexample's resource lies outside every user's folder, or
    // its user name is absent: the real policy denies it.
    refuted(no_new_access(&home, &all));
    // The same statement on both sides (and no Deny on the old side).
    assert!(matches!(no_new_access(&home, &home), Verdict::Holds));
    // A different key: a request with a team tag and no user name.
    let team = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}]));
    let counterexample = refuted(no_new_access(&home, &team));
    assert!(
        counterexample.request["context"]
            .get("aws:PrincipalTag/team")
            .is_some(),
        "{}",
        counterexample.request
    );
    // A default applies when the key is absent: `b/none/x` is allowed
    // without a user name, and other folders with one.
    let defaulted = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:username, 'none'}/x"}]));
    let none_only = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/none/x"}]));
    // True, but the old side's default is dropped by narrowing: holds or
    // unknown, never a counterexample.
    assert!(!matches!(
        no_new_access(&defaulted, &none_only),
        Verdict::DoesNotHold(_)
    ));
    let counterexample = refuted(no_new_access(&none_only, &defaulted));
    assert!(
        counterexample.request["context"]
            .get("aws:username")
            .is_some(),
        "{}",
        counterexample.request
    );
    // Escapes are literal characters: `q${*}` is the one object `q*`.
    let star = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/q${*}"}]));
    let prefix = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/q*"}]));
    assert!(matches!(no_new_access(&prefix, &star), Verdict::Holds));
    refuted(no_new_access(&star, &prefix));
    // Under 2008-10-17 `${...}` is text, read exactly.
    let old_version = policy(json!({"Version": "2008-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}));
    assert!(matches!(no_new_access(&all, &old_version), Verdict::Holds));
    // Conditions: a prefix per user, against none.
    let per_user = identity(json!([{"Effect": "Allow", "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::b",
        "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}}]));
    let any_prefix = identity(json!([{"Effect": "Allow", "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::b"}]));
    assert!(matches!(
        no_new_access(&any_prefix, &per_user),
        Verdict::Holds
    ));
    refuted(no_new_access(&per_user, &any_prefix));
    // Where the approximation cannot decide, unknown, never "holds": the
    // same statement on both sides when the old side has a Deny (no
    // shortcut), a variable in the account segment.
    let guarded = identity(json!([{"Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:username}/*"},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]));
    assert!(matches!(
        no_new_access(&guarded, &guarded),
        Verdict::Unknown(_)
    ));
    let account = identity(json!([{"Effect": "Allow", "Action": "dynamodb:GetItem",
        "Resource": "arn:aws:dynamodb:us-east-1:${aws:PrincipalAccount}:table/T"}]));
    let tables = identity(json!([{"Effect": "Allow", "Action": "dynamodb:GetItem",
        "Resource": "arn:aws:dynamodb:*:*:table/T"}]));
    assert!(!matches!(
        no_new_access(&tables, &account),
        Verdict::DoesNotHold(_)
    ));
    // not-granted: the over-approximation says nothing is granted outside
    // the bucket; inside, a user's folder is.
    let outside = prove(&Property::NotGranted {
        policy: home.clone(),
        actions: vec!["s3:*".into()],
        resources: vec!["arn:aws:s3:::c/*".into()],
    })
    .unwrap()
    .verdict;
    assert!(matches!(outside, Verdict::Holds));
    let inside = prove(&Property::NotGranted {
        policy: home,
        actions: vec!["s3:GetObject".into()],
        resources: vec!["arn:aws:s3:::b/*".into()],
    })
    .unwrap()
    .verdict;
    refuted(inside);
}

/// A resource policy with a variable: over-approximated the same way.
#[test]
fn policy_variables_in_resource_policies() {
    let per_account = policy(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}}]}));
    let verdict = prove(&Property::NoPublicAccess {
        policy: per_account,
        account: Some("111122223333".into()),
        organization: None,
    })
    .unwrap()
    .verdict;
    // The condition is dropped by widening: the approximation finds a
    // caller of another account, which the real policy does not let in
    // (unless the request says otherwise): never a wrong answer.
    match verdict {
        Verdict::Holds => panic!("the approximation cannot prove this"),
        Verdict::DoesNotHold(counterexample) => {
            replay(&counterexample.request, true).unwrap();
        }
        Verdict::Unknown(reason) => assert!(reason.contains("policy variable"), "{reason}"),
    }
}

/// Values known only at deployment (`leash_policy::symbol`: one
/// private-use character each) are read exactly: a symbol is one value,
/// equal only to itself; `*` covers it, whatever its length; a `?` never
/// matches it (its length is unknown: docs/semantics.md). So a design on
/// `table/${OrdersTable}` is proved inside `table/*` and inside
/// `table/${OrdersTable}`, and not inside another symbol's table or a
/// `?` pattern.
#[test]
fn symbols_are_one_value_each() {
    let account = leash_policy::symbol::symbol_char(0).unwrap();
    let orders = leash_policy::symbol::symbol_char(1).unwrap();
    let other = leash_policy::symbol::symbol_char(2).unwrap();
    let on = |table: String| {
        identity(json!([{
            "Effect": "Allow",
            "Action": "dynamodb:GetItem",
            "Resource": format!("arn:aws:dynamodb:us-east-1:{account}:table/{table}"),
        }]))
    };
    let designed = on(orders.to_string());
    assert!(matches!(
        no_new_access(&on("*".into()), &designed),
        Verdict::Holds
    ));
    assert!(matches!(
        no_new_access(&on(orders.to_string()), &designed),
        Verdict::Holds
    ));
    let counterexample = refuted(no_new_access(&on(other.to_string()), &designed));
    assert!(
        counterexample.resource.contains(orders),
        "{counterexample:?}"
    );
    refuted(no_new_access(&on("?".into()), &designed));
    // The other way round: `*` is wider than one table.
    refuted(no_new_access(&designed, &on("*".into())));
}

/// No-new-access between identity policies compares what they allow: a
/// grant on a KMS key or a role is new access, as it is with the key
/// policy every key gets by default (the account root, which lets IAM
/// policies allow) and a trust policy naming the account. Before, the
/// engine's "a key policy must allow on its own" denied both sides, and a
/// role given `kms:Decrypt` or `sts:AssumeRole` on an admin role "held".
/// <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam>
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>
#[test]
fn a_grant_on_a_key_or_a_role_is_new_access() {
    let old = identity(json!([{"Effect": "Allow", "Action": "sqs:ReceiveMessage",
        "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"}]));
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let decrypt = identity(
        json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
        "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}}]),
    );
    let counterexample = refuted(no_new_access(&old, &decrypt));
    assert_eq!(counterexample.action, "kms:Decrypt");
    assert_eq!(counterexample.resource, key);
    // The request file carries the default key policy it was decided with.
    assert!(
        counterexample.request["resource_policy"]
            .to_string()
            .contains("arn:aws:iam::111122223333:root"),
        "{}",
        counterexample.request
    );

    let assume = identity(json!([{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::111122223333:role/admin"}]));
    let counterexample = refuted(no_new_access(&old, &assume));
    assert_eq!(counterexample.action, "sts:AssumeRole");

    // The same grant on both sides is no new access.
    assert!(matches!(no_new_access(&decrypt, &decrypt), Verdict::Holds));
    // And not-granted reads identity policies the same way.
    let verdict = prove(&Property::NotGranted {
        policy: decrypt.clone(),
        actions: vec!["kms:Decrypt".into()],
        resources: vec![key.into()],
    })
    .unwrap()
    .verdict;
    assert!(matches!(verdict, Verdict::DoesNotHold(_)), "{verdict:?}");
}
