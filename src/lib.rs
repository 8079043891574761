//! confdrift: collect live config files, normalize them, compare them with the intended state
//! kept in git, and report drift.

pub mod normalize;
pub mod tree;
