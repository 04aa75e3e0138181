//! What a SAM connector grants is linted like any policy of the role it
//! lands on: template rules see it.
#![allow(clippy::unwrap_used)]

const TEMPLATE: &str = "\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::SimpleTable
  GetOrder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties: {Path: '/orders/{id}', Method: get}
    Connectors:
      Table:
        Properties:
          Destination: {Id: Orders}
          Permissions: [Read]
";

#[test]
fn a_connector_read_on_a_table_lets_an_api_function_scan_it() {
    let found = leash_lint::lint_template_text(TEMPLATE);
    let scan = found
        .iter()
        .find(|d| d.code == "L508")
        .unwrap_or_else(|| panic!("no L508 in {found:#?}"));
    // The finding points at the permission that grants the scan.
    assert_eq!(&TEMPLATE[scan.span.start..scan.span.end], "Read");
    // SAM's pairing of actions with the table's indexes is not the author's.
    assert!(!found.iter().any(|d| d.code == "L105"), "{found:#?}");
}
