//! ARNs, typed: the [`Arn`] every crate above leash-policy uses to look
//! inside an ARN, with each field ([`Segment`]) classified as a literal, a
//! wildcard pattern, or text holding symbols (values known only at
//! deployment, [`crate::symbol`]) or policy variables.
//!
//! The type and its parser are `leash_catalog::arn`, re-exported here:
//! the catalog splits its ARN templates and patterns with the same parser
//! and sits below this crate, so there is one parser for all of them.
//! Nothing else splits an ARN at its colons (a test in `leash-lint` scans
//! the sources for the colon splits the crates used before).
//!
//! ```
//! use leash_policy::arn::Arn;
//! use leash_policy::symbol::{Pseudo, SymbolKind, SymbolTable};
//!
//! let mut table = SymbolTable::new();
//! let account = table.intern(SymbolKind::Pseudo(Pseudo::AccountId)).expect("room");
//! let text = format!("arn:aws:dynamodb:us-east-1:{account}:table/*");
//! let arn = Arn::parse(&text).expect("an ARN");
//! assert!(arn.account().has_symbol() && !arn.account().is_pattern());
//! assert!(arn.resource().is_pattern());
//! assert_eq!(arn.resource_type(), "table");
//! assert_eq!(
//!     leash_policy::arn::display(&arn, &table),
//!     "arn:aws:dynamodb:us-east-1:${AWS::AccountId}:table/*"
//! );
//! ```

pub use leash_catalog::arn::*;

use crate::symbol::SymbolTable;

/// `arn` as the template writes it: each symbol as `table` displays it.
pub fn display(arn: &Arn<'_>, table: &SymbolTable) -> String {
    table.display(&arn.to_string()).into_owned()
}
