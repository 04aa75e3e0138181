//! Proofs about IAM policies, decided exactly, with concrete
//! counterexamples.
//!
//! For: `no-new-access` (a new policy allows nothing an old one denies),
//! `not-granted` (no request for given actions on given resources is
//! allowed) and `no-public-access` (a resource policy lets no principal
//! outside the resource's account in). Every answer "does not hold" comes
//! with a request that the engine, and the `leash sim` request reader,
//! decide the way the proof claims.
//!
//! Not for: printing (the CLI) or deciding single requests (the engine in
//! `leash-policy`, which this crate uses as its oracle).
//!
//! Method (see docs/prove.md): every request field the policies look at
//! (action, resource ARN, principal, each condition key) is split into
//! finitely many regions that no policy tells apart, each with a witness
//! value; the search evaluates the product of witnesses with the real
//! engine, pruned per statement. Where the split cannot be exact, the
//! answer is unknown, never a wrong "holds".

mod approximate;
pub mod automaton;
pub mod counterexample;
pub mod domain;
mod search;
pub mod summary;

use std::time::Duration;

use leash_policy::Policy;

pub use counterexample::Counterexample;

/// Whether the prover reads `text` exactly: ASCII, and symbols
/// (`leash_policy::symbol`: values known only at deployment, private-use
/// characters with no case mapping, each compared only with itself).
/// Other non-ASCII text has Unicode case mappings that are not one
/// character to one character.
pub(crate) fn exact_text(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii() || leash_policy::symbol::symbol_index(c).is_some())
}
pub use summary::{
    PatternSet, RowCondition, ServiceActions, Summary, SummaryError, SummaryRow, summarize,
};

/// A property to prove.
#[derive(Clone, Debug)]
pub enum Property {
    /// `new` allows no request that `old` denies. Both are identity
    /// policies, or both resource policies (they have `Principal`).
    NoNewAccess { old: Policy, new: Policy },
    /// No request for an action matching one of `actions` on a resource
    /// matching one of `resources` (patterns, `*` and `?` allowed) is
    /// allowed by `policy`, under any context (and, for a resource policy,
    /// any principal).
    NotGranted {
        policy: Policy,
        actions: Vec<String>,
        resources: Vec<String>,
    },
    /// The resource policy lets no IAM principal of another account, and no
    /// anonymous caller, in. `account` is the resource's account (inferred
    /// from the policy's resource ARNs when `None`); with `organization`,
    /// callers whose `aws:PrincipalOrgID` is that organization are not
    /// counted as outside.
    NoPublicAccess {
        policy: Policy,
        account: Option<String>,
        organization: Option<String>,
    },
}

/// The answer.
#[derive(Clone, Debug)]
pub enum Verdict {
    Holds,
    DoesNotHold(Box<Counterexample>),
    /// The method cannot decide (a feature it does not cover exactly, or a
    /// search bound); the reason says which.
    Unknown(String),
}

impl Verdict {
    /// `Some(true)` holds, `Some(false)` does not hold, `None` unknown.
    pub fn holds(&self) -> Option<bool> {
        match self {
            Verdict::Holds => Some(true),
            Verdict::DoesNotHold(_) => Some(false),
            Verdict::Unknown(_) => None,
        }
    }
}

/// A verdict with what it cost.
#[derive(Clone, Debug)]
pub struct Proof {
    pub verdict: Verdict,
    /// Candidate requests evaluated by the engine.
    pub requests_evaluated: u64,
    pub elapsed: Duration,
}

/// Inputs the proof cannot work with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    #[error(
        "cannot tell the resource's account from the policy: pass `--account` (resource ARNs name {0})"
    )]
    UnknownAccount(String),
    #[error("`{0}` is not a 12-digit account id")]
    InvalidAccount(String),
    #[error(
        "one policy is a resource policy (it has `Principal`) and the other is not: compare policies of the same kind"
    )]
    MixedPolicyKinds,
}

/// Bounds on the search; exceeding one makes the answer unknown.
#[derive(Clone, Debug)]
pub struct Limits {
    /// States of one product automaton (see `automaton`).
    pub max_automaton_states: usize,
    /// Candidate requests evaluated.
    pub max_requests: u64,
    pub max_duration: Duration,
    /// Witness sets tried for one multivalued key.
    pub max_set_witnesses: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_automaton_states: 200_000,
            max_requests: 5_000_000,
            max_duration: Duration::from_secs(20),
            max_set_witnesses: 512,
        }
    }
}

/// A decision procedure for [`Property`]. Kept behind a trait so another
/// method (an SMT encoding, say) can be swapped in; whatever the method,
/// counterexamples go through the engine before they are returned.
pub trait Solver {
    fn prove(&self, property: &Property) -> Result<Proof, ProveError>;
}

/// The region-splitting method of this crate (see the crate docs).
#[derive(Clone, Debug, Default)]
pub struct RegionSolver {
    pub limits: Limits,
}

impl Solver for RegionSolver {
    fn prove(&self, property: &Property) -> Result<Proof, ProveError> {
        search::prove(property, &self.limits)
    }
}

/// Proves with the default method and limits.
pub fn prove(property: &Property) -> Result<Proof, ProveError> {
    RegionSolver::default().prove(property)
}
