//! Why a writer (`cloudformation`, `terraform`) could not write a design.

/// Why the designed template or Terraform configuration could not be
/// written. None is expected on a template `read_application` accepted;
/// each is reported rather than written wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("the template has no `Resources` mapping")]
    NoResources,
    #[error("`{0}` is not a resource of the template")]
    NotAResource(String),
    #[error("`{resource}` has no `{key}` mapping")]
    NotAMapping { resource: String, key: &'static str },
    #[error("the API policy of `{0}` has no `Statement`")]
    NoStatement(String),
    /// A symbol outside the template's table, or an intrinsic the writer
    /// cannot spell where it stands.
    #[error(
        "a value known only at deployment could not be written {as_what} (a bug in leash: please report it with the template)"
    )]
    UnwritableSymbol { as_what: &'static str },
}
