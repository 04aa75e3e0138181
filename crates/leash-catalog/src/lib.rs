//! The AWS service authorization catalog, embedded.
