//! Placeholder until the pgconf reader lands (being written in parallel).

use crate::tree::{ParseError, Tree};

pub fn parse(_text: &str) -> Result<Tree, ParseError> {
    Err(ParseError::new(1, 1, "pgconf reader not written yet"))
}
