//! Reads Lambda handler code offline: the AWS SDK calls it makes, the IAM
//! actions each needs, and the template resource each reaches through the
//! function's environment variables.
//!
//! For: `leash needs` ([`template_needs`]) and `leash action --sdk`
//! ([`sdk`]). Not for: deciding whether a role allows the calls (the
//! engine does that) or designing roles (leash-design).
//!
//! The code is parsed with tree-sitter (Python, JavaScript, TypeScript,
//! Java, Go); see
//! docs/code.md for what is recognised and what is not.

mod calls;
pub mod go;
pub mod java;
pub mod javascript;
pub mod needs;
pub mod python;
pub mod sdk;
mod syntax;
pub mod value;

pub use needs::{FunctionNeeds, Language, Need, template_needs};
