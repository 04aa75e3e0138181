//! ## What it finds
//! A call of a function's handler code to AWS that the function's role
//! does not allow. `leash check` reads the code of each function of a
//! template (as `leash needs` does: `CodeUri`, the handler's module and
//! what it imports; Python, JavaScript/TypeScript, Java, Go), and the
//! engine decides each call's actions against the role the template gives
//! the function (its policies as `leash design` reads them: SAM policy
//! templates expanded, inline and attached policies, AWS managed policies,
//! boundaries; values known only at deployment as symbols). The finding is
//! at the role in the template, with the call's file, line and column as a
//! related location (SARIF `relatedLocations`).
//!
//! A call whose resource the code computes (from the event, a lookup) is
//! reported only when the role allows the action on no resource at all; a
//! call on objects of a bucket, only when the role allows it on no object
//! of that bucket. A role outside the template, a managed policy whose
//! document leash does not have, or an `Allow` that fails only on its
//! condition is no finding: leash cannot tell.
//!
//! ## Why it matters
//! A denied call is not seen until it runs: the function fails with
//! `AccessDenied` in production, often on a path the tests did not take.
//! The code is the ground truth of what the function does.
//!
//! ## Example
//! ```yaml
//! PutOrder:
//!   Type: AWS::Serverless::Function
//!   Properties:
//!     CodeUri: src/
//!     Handler: app.handler
//!     Runtime: python3.12
//!     Environment: {Variables: {TABLE: !Ref Orders}}
//!     Policies: [{DynamoDBReadPolicy: {TableName: !Ref Orders}}]
//! ```
//! with `src/app.py` calling
//! `boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(...)`:
//! `put_item` on `Orders` is denied, the role allows no `dynamodb:PutItem`
//! on it.
//!
//! ## Fix
//! Grant the action on the resource the call acts on
//! (`DynamoDBCrudPolicy`, or a statement allowing `dynamodb:PutItem` on
//! the table's ARN), or remove the call. `leash design` designs the role
//! from what the code calls.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L511",
    name: "code-call-denied-by-role",
    severity: Severity::Error,
    summary: "the handler code calls AWS with an action its function's role does not allow",
    access_analyzer: None,
    check: None,
};
