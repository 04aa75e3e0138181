//! Fixes and sub-spans inside YAML strings: a plain scalar has no quotes,
//! a quoted one has them, and an escaped one has no exact inner offsets.
//! Found by the fuzzing harness (`crates/leash-fuzz`): the unknown-action
//! fix assumed an opening quote and, on a plain scalar, pointed one byte
//! late (past the end of a file that ended inside the name).
#![allow(clippy::unwrap_used)]

use leash_lint::lint_template_text;

fn template(action: &str) -> String {
    format!(
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Resource: '*'\n            Action: {action}"
    )
}

fn fixed_text(text: &str, code: &str) -> Option<String> {
    let findings = lint_template_text(text);
    let finding = findings.iter().find(|d| d.code == code).unwrap();
    let edit = finding.fix.as_ref()?.edits.first()?;
    Some(text[edit.span.start..edit.span.end].to_string())
}

#[test]
fn unknown_action_fix_points_at_the_name_plain_or_quoted() {
    for action in [
        "lambda:InvokeFuncti",
        "lambda:InvokeFuncti\n",
        "'lambda:InvokeFuncti'",
        "\"lambda:InvokeFuncti\"",
    ] {
        let text = template(action);
        assert_eq!(
            fixed_text(&text, "L102").as_deref(),
            Some("InvokeFuncti"),
            "{action:?}"
        );
    }
    // An escape moves the name: no fix rather than a wrong one.
    assert_eq!(
        fixed_text(&template("\"lambda:Invoke\\x46uncti\""), "L102"),
        None
    );
}

#[test]
fn unknown_service_fix_points_at_the_service_plain_or_quoted() {
    for action in ["lambdax:InvokeFunction", "'lambdax:InvokeFunction'"] {
        assert_eq!(
            fixed_text(&template(action), "L101").as_deref(),
            Some("lambdax"),
            "{action}"
        );
    }
    assert_eq!(
        fixed_text(&template("\"lambd\\x61x:InvokeFunction\""), "L101"),
        None
    );
}
