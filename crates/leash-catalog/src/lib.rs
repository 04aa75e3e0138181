//! The AWS service authorization catalog, embedded: every service's actions
//! (access level, resource types, condition keys, dependent actions), its
//! resource types with their ARN templates, its condition keys with their
//! types, and the global condition keys.
//!
//! For: "what is `s3:GetObject`", "which actions does `s3:Get*` cover",
//! "which resource type is this ARN", "what type is `aws:SourceIp`". Not for
//! policies, requests or files: those live in leash-policy and above.
//!
//! The [`arn`] module is the one ARN parser of the workspace (the typed
//! [`Arn`], re-exported as `leash_policy::arn`): it lives here because the
//! catalog splits its ARN templates and patterns with it.
//!
//! The data is the npm package [`DATA_PACKAGE`] at [`DATA_VERSION`], turned
//! into `data/catalog.bin` by `scripts/gen-catalog/run.sh` (docs/catalog.md).
//! The version constants are plain text, so printing them decodes nothing.
//! The catalog itself is inflated and indexed on the first call to
//! [`catalog`], once per process; action descriptions are inflated
//! separately, on the first call to a `description()`.
//!
//! ```
//! let catalog = leash_catalog::catalog();
//! let action = catalog.action("s3:getobject").expect("s3:GetObject is in the catalog");
//! assert_eq!(action.full_name(), "s3:GetObject");
//! assert_eq!(action.access_level(), leash_catalog::AccessLevel::Read);
//! ```

use std::sync::OnceLock;

pub mod arn;
mod catalog;
mod condition_key;
mod data_version;
mod decode;
mod managed_policy;
mod managed_policy_version;
mod resource_type;
mod service;
mod text;

pub use arn::{Arn, ArnError, ArnSegment};
pub use catalog::Catalog;
pub use condition_key::{ConditionKey, ConditionKeyInfo, ConditionKeyType};
pub use data_version::{DATA_PACKAGE, DATA_UPDATED, DATA_VERSION};
pub use decode::DecodeError;
pub use managed_policy::{
    AwsManagedPolicy, MANAGED_POLICY_PACKAGE, MANAGED_POLICY_UPDATED, MANAGED_POLICY_VERSION,
    aws_managed_policies, aws_managed_policy,
};
pub use resource_type::{ArnPattern, ArnTemplate, Placeholder, ResourceType, TemplatePart};
pub use service::{AccessLevel, Action, ActionResource, Service};

/// The catalog file, as scripts/gen-catalog wrote it.
static CATALOG_FILE: &[u8] = include_bytes!("../data/catalog.bin");

static CATALOG: OnceLock<Result<Catalog, DecodeError>> = OnceLock::new();
static DESCRIPTIONS: OnceLock<Vec<&'static str>> = OnceLock::new();

/// The embedded catalog, decoded on first use.
///
/// Should the embedded data ever fail to decode (the crate's tests make sure
/// it does not), this is an empty catalog; [`try_catalog`] gives the error.
pub fn catalog() -> &'static Catalog {
    static EMPTY: OnceLock<Catalog> = OnceLock::new();
    match try_catalog() {
        Ok(catalog) => catalog,
        Err(_) => EMPTY.get_or_init(Catalog::empty),
    }
}

/// The embedded catalog, decoded on first use, or why it could not be.
pub fn try_catalog() -> Result<&'static Catalog, &'static DecodeError> {
    CATALOG
        .get_or_init(|| {
            let header = decode::read_header(CATALOG_FILE)?;
            let decoded = decode::decode_core(&header)?;
            Ok(Catalog::build(
                decoded,
                header.data_version,
                header.data_updated,
            ))
        })
        .as_ref()
}

/// The description with this index, inflating all of them on first use;
/// empty when there is none or the data cannot be read.
fn description(index: Option<u32>) -> &'static str {
    let descriptions = DESCRIPTIONS.get_or_init(|| {
        decode::read_header(CATALOG_FILE)
            .and_then(|header| decode::decode_descriptions(&header))
            .unwrap_or_default()
    });
    index
        .and_then(|index| usize::try_from(index).ok())
        .and_then(|index| descriptions.get(index))
        .copied()
        .unwrap_or("")
}
