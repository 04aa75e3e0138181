//! leash's rules.
