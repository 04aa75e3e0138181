//! Each principal kind other than a function, designed from a real corpus
//! template: the role is narrowed from what the template wrote, and its
//! near misses are denied (issue 13, acceptance point 2). Fails under
//! `CI=true` when `../shared/corpus` is absent.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use leash_design::changes::{Detail, StatementChange, compare_with_original};
use leash_design::model::PrincipalKind;
use leash_design::original::original_iam_all;
use leash_design::{CheckKind, Target, design, read_application, read_template};

fn corpus(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true and ../shared/corpus/{relative} is absent: the corpus test cannot run"
    );
    eprintln!("skipped: ../shared/corpus/{relative} is absent");
    None
}

/// `../shared/corpus/sam-templates/lambda-step-functions-sam-java.yml`
/// (its application, with `sfn-definition.asl.json`, in
/// `sam-apps/lambda-step-functions-sam-java/`): the state machine's SAM
/// `Policies` allow `cloudwatch:*`, `logs:*` and `lambda:InvokeFunction`
/// on `*`; its definition invokes four of the template's five functions
/// and configures no logging. The design invokes exactly those four (and
/// their versions), and nothing of CloudWatch; invoking the fifth
/// function is a near miss the design denies.
#[test]
fn a_corpus_state_machine_is_narrowed_to_the_functions_its_definition_calls() {
    let (Some(template_path), Some(app_dir)) = (
        corpus("sam-templates/lambda-step-functions-sam-java.yml"),
        corpus("sam-apps/lambda-step-functions-sam-java"),
    ) else {
        return;
    };
    let template = read_template(&std::fs::read_to_string(template_path).unwrap()).unwrap();
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        template_dir: Some(app_dir),
        ..Default::default()
    };
    let app = read_application(&template, &target).unwrap();
    let roles = design(&app).unwrap();
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::StateMachine)
        .unwrap();
    assert_eq!(role.function, "StateMachine");

    let arn = |id: &str| {
        format!(
            "arn:aws:lambda:us-east-1:111122223333:function:{}",
            app.resource(id).unwrap().name
        )
    };
    let mut granted: Vec<(String, String)> = role
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect();
    granted.sort();
    let mut expected: Vec<(String, String)> = [
        "ProcessOrder",
        "ProcessPayment",
        "ReserveInventory",
        "CancelOrder",
    ]
    .iter()
    .flat_map(|id| [arn(id), format!("{}:*", arn(id))])
    .map(|resource| ("lambda:InvokeFunction".to_string(), resource))
    .collect();
    expected.sort();
    assert_eq!(granted, expected);
    assert!(role.kept_as_is.is_empty(), "{:?}", role.kept_as_is);

    // Verified: every call allowed, every near miss denied, the trust
    // allows Step Functions of the account only.
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let other_function = arn("OrderEvent");
    assert!(
        role.verification.iter().any(|c| {
            c.kind == CheckKind::SameActionOtherResource
                && c.action == "lambda:InvokeFunction"
                && c.resource == other_function
                && !c.allowed
        }),
        "no denied near miss on `{other_function}`: {:#?}",
        role.verification
    );
    assert!(
        role.verification
            .iter()
            .any(|c| c.action == "sts:AssumeRole" && c.expected_allow && c.allowed)
    );
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);

    // The template's statement on `*`: narrowed (to the four functions);
    // its `cloudwatch:*` and `logs:*` are what the definition never calls.
    let originals = original_iam_all(&template, &app);
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(role),
        &originals,
        &|_| None,
        Detail::Full,
    );
    let statement = changes[0]
        .statements
        .iter()
        .find(|s| s.text.contains("lambda:InvokeFunction"))
        .unwrap();
    assert!(
        matches!(statement.change, StatementChange::Narrowed { .. }),
        "{statement:?}"
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);
    let machine = app
        .functions
        .iter()
        .find(|f| f.logical_id == "StateMachine")
        .unwrap();
    let definition = machine.definition.as_ref().unwrap();
    assert!(definition.unknown.is_empty(), "{definition:?}");
    assert!(!definition.services.contains("logs"));
    assert!(!definition.services.contains("cloudwatch"));
}
