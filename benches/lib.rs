//! Shared inputs of the benchmarks.

/// The Allier 2019 report, the reference data.
pub const ALLIER_2019: &str = include_str!("../examples/allier-2019.toml");
