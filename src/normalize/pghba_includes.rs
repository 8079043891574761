//! pg_hba.conf's `include`, `include_if_exists`, `include_dir` (PostgreSQL 16) and `@file`
//! (every version), followed across the files of one host as the server reads them: see
//! [`super::pghba`]'s `through` module, which reads its rules back from each file's tree.

pub use super::pghba::through::{
    Reference, is_directive, name_references, read_through, reads_others, references,
};
