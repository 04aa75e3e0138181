//! The fuzzing harness (see the crate docs): every reader, the engine and
//! `prove` on arbitrary bytes and on structure-aware mutations of real
//! files. Each property holds for every input: no panic, and every span a
//! reader or rule reports lies inside the text, on character boundaries.
//!
//! Bounded for CI: `LEASH_FUZZ_CASES` cases per property (default 256; the
//! prove property runs a quarter of them, each under a short time limit).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use leash_lint::PolicyKind;
use leash_policy::Span;
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::Request;
use leash_policy::parse::parse_policy_text;
use leash_policy::source_text::{SourceText, decode};
use leash_prove::{Limits, Property, RegionSolver, Solver};
use proptest::prelude::*;

#[path = "../../leash-cli/tests/common/audit_generator.rs"]
mod audit_generator;

fn cases() -> u32 {
    std::env::var("LEASH_FUZZ_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(256)
}

fn config(divisor: u32) -> ProptestConfig {
    ProptestConfig {
        cases: (cases() / divisor).max(1),
        // Inputs are large; shrinking a failure still finds a small one.
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Real files to mutate, by what they are.
struct Seeds {
    policies: Vec<Vec<u8>>,
    templates: Vec<Vec<u8>>,
    plans: Vec<Vec<u8>>,
    requests: Vec<Vec<u8>>,
    /// Account authorization dumps: as the AWS CLI writes them (objects)
    /// and as the API does (URL-encoded documents).
    dumps: Vec<Vec<u8>>,
}

/// Every `step`-th file of a folder (sorted), recursively, with one of the
/// extensions.
fn sample(folder: &Path, extensions: &[&str], step: usize, into: &mut Vec<Vec<u8>>) {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files.into_iter().step_by(step.max(1)) {
        if let Ok(bytes) = std::fs::read(&path)
            && bytes.len() < 256 * 1024
        {
            into.push(bytes);
        }
    }
}

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = repo();
        let corpus = root.join("../shared/corpus");
        if !corpus.is_dir() {
            eprintln!(
                "notice: ../shared/corpus is absent; mutating the repository's fixtures only"
            );
        }
        let mut seeds = Seeds {
            policies: Vec::new(),
            templates: Vec::new(),
            plans: Vec::new(),
            requests: Vec::new(),
            dumps: Vec::new(),
        };
        sample(
            &corpus.join("aws-managed-policies"),
            &["json"],
            40,
            &mut seeds.policies,
        );
        sample(
            &root.join("crates/leash-prove/tests/fixtures"),
            &["json"],
            1,
            &mut seeds.policies,
        );
        sample(&root.join("examples"), &["json"], 1, &mut seeds.policies);
        sample(
            &corpus.join("sam-templates"),
            &["yaml", "yml", "json"],
            10,
            &mut seeds.templates,
        );
        sample(
            &root.join("examples"),
            &["yaml", "yml"],
            1,
            &mut seeds.templates,
        );
        sample(
            &root.join("crates/leash-iac/tests/fixtures"),
            &["yaml", "yml"],
            1,
            &mut seeds.templates,
        );
        sample(
            &root.join("crates/leash-iac/tests/fixtures"),
            &["json"],
            1,
            &mut seeds.plans,
        );
        sample(
            &root.join("crates/leash-lint/tests/fixtures/terraform"),
            &["json"],
            1,
            &mut seeds.plans,
        );
        seeds
            .plans
            .retain(|bytes| bytes.windows(14).any(|w| w == b"format_version"));
        // Requests: every conformance case's request, as a file.
        let mut suites = Vec::new();
        sample(
            &root.join("crates/leash-policy/tests/conformance"),
            &["json"],
            1,
            &mut suites,
        );
        for suite in suites {
            let Ok(suite) = serde_json::from_slice::<serde_json::Value>(&suite) else {
                continue;
            };
            for case in suite["cases"].as_array().into_iter().flatten().step_by(3) {
                seeds
                    .requests
                    .push(serde_json::to_vec_pretty(&case["request"]).unwrap());
            }
        }
        assert!(!seeds.policies.is_empty(), "no policy seeds");
        assert!(!seeds.templates.is_empty(), "no template seeds");
        assert!(!seeds.plans.is_empty(), "no plan seeds");
        assert!(!seeds.requests.is_empty(), "no request seeds");
        for index in 0..4 {
            seeds
                .dumps
                .push(audit_generator::generate(16, index, 1).text.into_bytes());
        }
        seeds
    })
}

/// Pieces of the languages leash reads, and bytes that break encodings.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"*",
    b"?",
    b"\\",
    b"\n",
    b"\r",
    b"\t",
    b" ",
    b"${aws:username}",
    b"${",
    b"${*}",
    b"!Ref ",
    b"!GetAtt ",
    b"!Sub ",
    b"Fn::Sub",
    b"Fn::If",
    b"&a ",
    b"*a",
    b"<<: ",
    b"- ",
    b"|",
    b">",
    b"#",
    b"'",
    b"---\n",
    b"arn:aws:",
    b":::",
    b"/*",
    b"\"Statement\"",
    b"\"Effect\": \"Deny\"",
    b"\"NotAction\"",
    b"\"NotResource\"",
    b"\"NotPrincipal\": {\"AWS\": \"arn:aws:iam::111122223333:role/a\"}",
    b"\"Principal\": \"*\"",
    b"\"Condition\": {\"StringLike\": {\"aws:PrincipalTag/team\": \"*\"}}",
    b"\"Condition\": {\"ForAllValues:StringEquals\": {\"aws:TagKeys\": []}}",
    b"\"Version\": \"2012-10-17\"",
    b"1e999",
    b"-0",
    b"0.1e-7",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"true",
    b"\xC3\xA9",
    b"\xF0\x9F\x98\x80",
    b"\xE9",
    b"\xFF",
    b"\x00",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xE2\x82",
    b"\xC0\xAF",
];

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: u16, length: u8 },
    Insert { at: u16, token: usize },
    Duplicate { at: u16, length: u16 },
    Byte { at: u16, byte: u8 },
    Truncate { at: u16 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<u16>(), any::<u8>()).prop_map(|(at, length)| Mutation::Delete { at, length }),
        3 => (any::<u16>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        1 => (any::<u16>(), any::<u16>()).prop_map(|(at, length)| Mutation::Duplicate { at, length }),
        1 => (any::<u16>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Byte { at, byte }),
        1 => any::<u16>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

/// `at` (0..=u16::MAX) scaled to a position in `length`.
fn scaled(at: u16, length: usize) -> usize {
    length * usize::from(at) / usize::from(u16::MAX)
}

fn mutate(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for mutation in mutations {
        let length = bytes.len();
        match *mutation {
            Mutation::Delete { at, length: cut } => {
                let start = scaled(at, length);
                let end = (start + usize::from(cut)).min(length);
                bytes.drain(start..end);
            }
            Mutation::Insert { at, token } => {
                let start = scaled(at, length);
                let token = TOKENS.get(token).copied().unwrap_or(b"");
                bytes.splice(start..start, token.iter().copied());
            }
            Mutation::Duplicate { at, length: span } => {
                let start = scaled(at, length);
                let end = (start + usize::from(span) % 512).min(length);
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
            Mutation::Byte { at, byte } => {
                if length > 0 {
                    let index = scaled(at, length - 1);
                    bytes[index] = byte;
                }
            }
            Mutation::Truncate { at } => bytes.truncate(scaled(at, length)),
        }
    }
    bytes
}

/// A seed of the list and mutations of it.
fn mutated(list: fn(&Seeds) -> &Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<prop::sample::Index>(),
        prop::collection::vec(mutation(), 1..8),
    )
        .prop_map(move |(index, mutations)| {
            let seeds = list(seeds());
            mutate(&seeds[index.index(seeds.len())], &mutations)
        })
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..2048)
}

/// A span inside `text`, on character boundaries.
fn assert_span(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} inside a character"
    );
}

/// The whole `leash check` path on one file: decoding, the kind, every
/// reader (JSON, YAML, templates with resolution, plans, configurations,
/// roles, policies) and every rule.
fn check_file(bytes: Vec<u8>) {
    let decoded: SourceText = decode(bytes);
    if let Some(error) = &decoded.error {
        assert_span(&decoded.text, error.span, "decode error");
    }
    for name in ["input.json", "input.yaml", "input.template"] {
        for kind in [None, Some(PolicyKind::Resource)] {
            let linted = leash_lint::lint_file(name, &decoded, kind);
            for d in &linted.diagnostics {
                assert_span(&decoded.text, d.span, d.code);
                for edit in d.fix.iter().flat_map(|fix| &fix.edits) {
                    assert_span(&decoded.text, edit.span, d.code);
                }
            }
        }
    }
}

/// Template reading and intrinsic resolution, directly.
fn read_and_resolve(bytes: &[u8]) {
    let decoded = decode(bytes.to_vec());
    match leash_iac::read_template(&decoded.text) {
        Ok(template) => {
            for context in [
                leash_iac::ResolveContext::default(),
                leash_iac::ResolveContext {
                    unnamed_resources: leash_iac::UnnamedResources::LogicalId,
                    ..Default::default()
                },
                // How `leash design` reads a template.
                leash_iac::ResolveContext {
                    partition: Some("aws".into()),
                    parameter_defaults: leash_iac::ParameterDefaults::Unknown,
                    ..Default::default()
                },
            ] {
                for policy in leash_iac::extract_policies_with(&template, &context) {
                    let _ = leash_policy::parse::parse_policy(&policy.document);
                }
                let _ = leash_iac::extract_managed_policy_references_with(&template, &context);
            }
        }
        Err(error) => assert_span(&decoded.text, error.span, "template error"),
    }
}

/// Terraform plans and configurations, directly.
fn read_terraform(bytes: &[u8]) {
    let decoded = decode(bytes.to_vec());
    if let Ok(value) = leash_policy::json::parse_json(&decoded.text) {
        let extraction = leash_iac::extract_terraform_plan(&decoded.text, &value);
        for invalid in &extraction.invalid {
            assert_span(&decoded.text, invalid.error.span, "plan policy");
        }
        let _ = leash_iac::terraform_plan_model(&value);
        let _ = leash_iac::extract_terraform_configuration(&decoded.text, &value);
    }
}

/// Requests a policy is decided on: a role session, a user, a service,
/// anonymous; in and out of the policy's account.
fn requests() -> Vec<Request> {
    [
        (
            "arn:aws:sts::111122223333:assumed-role/orders/s",
            "s3:GetObject",
            "arn:aws:s3:::orders/a",
        ),
        (
            "arn:aws:iam::111122223333:user/alice",
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/x",
        ),
        (
            "lambda.amazonaws.com",
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:q",
        ),
        ("anonymous", "s3:PutObject", "arn:aws:s3:::public/a"),
        (
            "arn:aws:iam::444455556666:root",
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/k",
        ),
    ]
    .into_iter()
    .map(|(principal, action, resource)| Request::new(principal, action, resource))
    .collect()
}

/// The policy parser and the engine, with the policy in every place.
fn parse_and_decide(bytes: &[u8]) {
    let decoded = decode(bytes.to_vec());
    let parsed = parse_policy_text(&decoded.text);
    for d in &parsed.diagnostics {
        assert_span(&decoded.text, d.span, "policy parser");
    }
    let Some(policy) = parsed.policy else {
        return;
    };
    let sets = [
        PolicySet::new().with_identity_policy("identity", policy.clone()),
        PolicySet::new()
            .with_identity_policy("identity", policy.clone())
            .with_permissions_boundary("boundary", policy.clone())
            .with_session_policy("session", policy.clone()),
        PolicySet::new().with_resource_policy("resource", policy.clone()),
        PolicySet::new()
            .with_scp_level(vec![leash_policy::authz::LabeledPolicy::new("scp", policy)]),
    ];
    for set in &sets {
        let prepared = PreparedPolicySet::new(set);
        for request in requests() {
            let _ = prepared.evaluate(&request);
        }
    }
}

/// Request files (with their inline policies), decided.
fn read_and_decide_request(bytes: &[u8]) {
    let decoded = decode(bytes.to_vec());
    match leash_policy::request::read_request_text(&decoded.text, None) {
        Ok(sim) => {
            let _ = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
        }
        Err(error) => assert_span(&decoded.text, error.span, "request error"),
    }
}

/// `prove` on a mutated policy: against itself before the mutation, and
/// for access not granted. Whatever it answers, a counterexample is
/// replayed through the engine by `prove` itself; here it must not panic,
/// and must stop at its time limit.
fn prove_mutated(original: &[u8], bytes: &[u8]) {
    let decoded = decode(bytes.to_vec());
    let Some(new) = parse_policy_text(&decoded.text).policy else {
        return;
    };
    let solver = RegionSolver {
        limits: Limits {
            max_automaton_states: 20_000,
            max_requests: 20_000,
            max_duration: Duration::from_millis(300),
            max_set_witnesses: 64,
        },
    };
    let started = std::time::Instant::now();
    if let Some(old) = std::str::from_utf8(original)
        .ok()
        .and_then(|text| parse_policy_text(text).policy)
    {
        let _ = solver.prove(&Property::NoNewAccess {
            old,
            new: new.clone(),
        });
    }
    let not_granted = solver.prove(&Property::NotGranted {
        policy: new.clone(),
        actions: vec!["iam:*".to_string(), "s3:GetObject".to_string()],
        resources: vec!["*".to_string()],
    });
    // Never a wrong "holds": requests the engine allows must not exist.
    if let Ok(proof) = &not_granted
        && matches!(proof.verdict, leash_prove::Verdict::Holds)
    {
        assert_no_grant(&new);
    }
    let _ = solver.prove(&Property::NoPublicAccess {
        policy: new,
        account: Some("111122223333".to_string()),
        organization: None,
    });
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "prove overran its limits: {:?}",
        started.elapsed()
    );
}

/// After `prove` said no `iam:*` or `s3:GetObject` is granted by an
/// identity policy: the engine allows no such request that the policy's
/// own resource patterns suggest (wildcards filled in, ARNs only: what
/// the request format accepts), from a role
/// session in the policy's account, with no context.
fn assert_no_grant(policy: &leash_policy::Policy) {
    // A policy with principals is proved as a resource policy: another
    // request space.
    if policy.statements.iter().any(|s| s.principal.is_some()) {
        return;
    }
    let prepared =
        PreparedPolicySet::new(&PolicySet::new().with_identity_policy("p", policy.clone()));
    let mut resources = vec!["arn:aws:s3:::b/k".to_string(), "*".to_string()];
    for statement in &policy.statements {
        for pattern in statement.resource.iter().flat_map(|r| &r.node.patterns) {
            // The request space of `prove`: six-part ARNs (and `*`). A
            // pattern whose first part is not `arn` (`!Ref arn:aws:s3:::b/*`,
            // a mutation) names no resource AWS can be asked about.
            let filled = pattern.node.replace(['*', '?'], "x");
            if filled.starts_with("arn:") && leash_policy::matching::split_arn(&filled).is_some() {
                resources.push(filled);
            }
        }
    }
    for action in [
        "s3:GetObject",
        "iam:PassRole",
        "iam:CreateUser",
        "iam:AttachRolePolicy",
    ] {
        for resource in &resources {
            let request = Request::new(
                "arn:aws:sts::111122223333:assumed-role/fuzz/s",
                action,
                resource.as_str(),
            );
            let decision = prepared.evaluate(&request);
            assert!(
                !decision.is_allowed(),
                "prove said holds, but the engine allows {action} on {resource}"
            );
        }
    }
}

proptest! {
    #![proptest_config(config(1))]

    #[test]
    fn json_reader_on_arbitrary_bytes(bytes in arbitrary_bytes()) {
        if let Err(error) = leash_policy::json::parse_json_bytes(&bytes) {
            prop_assert!(error.span.start <= error.span.end && error.span.end <= bytes.len());
        }
        let decoded = decode(bytes);
        if let Err(error) = leash_policy::json::parse_json(&decoded.text) {
            assert_span(&decoded.text, error.span, "json error");
        }
    }

    #[test]
    fn yaml_reader_on_arbitrary_bytes(bytes in arbitrary_bytes()) {
        let decoded = decode(bytes);
        if let Err(error) = leash_iac::parse_yaml(&decoded.text) {
            assert_span(&decoded.text, error.span, "yaml error");
        }
    }

    #[test]
    fn check_on_arbitrary_bytes(bytes in arbitrary_bytes()) {
        check_file(bytes);
    }

    #[test]
    fn check_on_mutated_policies(bytes in mutated(|s| &s.policies)) {
        check_file(bytes);
    }

    #[test]
    fn check_on_mutated_templates(bytes in mutated(|s| &s.templates)) {
        check_file(bytes);
    }

    #[test]
    fn template_resolution_on_mutated_templates(bytes in mutated(|s| &s.templates)) {
        read_and_resolve(&bytes);
    }

    #[test]
    fn terraform_on_mutated_plans(bytes in mutated(|s| &s.plans)) {
        read_terraform(&bytes);
        check_file(bytes);
    }

    #[test]
    fn audit_on_mutated_dumps(bytes in mutated(|s| &s.dumps)) {
        // `leash check` on a dump audits it.
        check_file(bytes);
    }

    #[test]
    fn policy_parser_and_engine_on_mutated_policies(bytes in mutated(|s| &s.policies)) {
        parse_and_decide(&bytes);
    }

    #[test]
    fn policy_parser_and_engine_on_arbitrary_bytes(bytes in arbitrary_bytes()) {
        parse_and_decide(&bytes);
    }

    #[test]
    fn request_files_on_mutated_requests(bytes in mutated(|s| &s.requests)) {
        read_and_decide_request(&bytes);
    }

    #[test]
    fn request_files_on_arbitrary_bytes(bytes in arbitrary_bytes()) {
        read_and_decide_request(&bytes);
    }
}

proptest! {
    #![proptest_config(config(4))]

    #[test]
    fn prove_on_mutated_policies(
        index in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let seeds = &seeds().policies;
        let original = &seeds[index.index(seeds.len())];
        prove_mutated(original, &mutate(original, &mutations));
    }
}
