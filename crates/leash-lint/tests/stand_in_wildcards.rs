//! A value known only at deployment (a parameter without a default, an
//! attribute leash cannot compute) is resolved to `*`, a stand-in: rules
//! about wildcards must not report it as if the author had written one,
//! and must still report the wildcards the author did write.
#![allow(clippy::unwrap_used)]

const TEXT: &str = include_str!("fixtures/stand-in-wildcards.yaml");

fn findings_of(code: &str) -> Vec<&'static str> {
    leash_lint::lint_template_text(TEXT)
        .iter()
        .filter(|d| d.code == code)
        .map(|d| &TEXT[d.span.start..d.span.end])
        .collect()
}

#[test]
fn a_parameter_without_a_default_is_not_a_wildcard() {
    // `Resource: !Ref SecretArn` is one secret: no L106, no L411.
    assert!(!findings_of("L106").contains(&"!Ref SecretArn"));
    assert!(!findings_of("L411").contains(&"!Ref SecretArn"));
    // `aws:SourceVpce: !Ref EndpointId` is one endpoint id, not a pattern.
    assert!(!findings_of("L403").contains(&"!Ref EndpointId"));
}

#[test]
fn wildcards_the_author_wrote_are_still_reported() {
    // `table/*` is the author's, though the region and account are
    // stand-ins too.
    assert_eq!(
        findings_of("L106"),
        ["!Sub arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"]
    );
    assert_eq!(findings_of("L403"), ["vpce-*"]);
}
