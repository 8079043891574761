//! Where the reader is (`Loc`, a line and column) and what went wrong there (`YamlError`), in
//! the words of the previous reader: the leaf every other reader file imports. It imports
//! nothing of the reader itself.

use std::borrow::Cow;

/// A 1-based line and column; `Loc::UNKNOWN` (0, 0) when there is none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Loc {
    pub line: u32,
    pub column: u32,
}

impl Loc {
    pub const UNKNOWN: Loc = Loc { line: 0, column: 0 };

    /// From the parser's marker: its line, and its 0-based column plus one.
    pub fn from_marker(marker: &granit_parser::Marker) -> Loc {
        Loc {
            line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
            column: u32::try_from(marker.col().saturating_add(1)).unwrap_or(u32::MAX),
        }
    }

    /// The line a leaf is reported at: line 1 when unknown.
    pub fn line_or_first(self) -> u32 {
        self.line.max(1)
    }
}

/// A reader error before it becomes a [`ParseError`](crate::tree::ParseError): where (if
/// known) and what, in the words of the previous reader.
#[derive(Debug)]
pub(super) struct YamlError {
    pub loc: Option<Loc>,
    pub message: Cow<'static, str>,
}

impl YamlError {
    pub fn at(loc: Loc, message: impl Into<Cow<'static, str>>) -> YamlError {
        YamlError {
            loc: (loc != Loc::UNKNOWN).then_some(loc),
            message: message.into(),
        }
    }

    pub fn somewhere(message: impl Into<Cow<'static, str>>) -> YamlError {
        YamlError {
            loc: None,
            message: message.into(),
        }
    }

    pub fn eof(loc: Loc) -> YamlError {
        YamlError::at(loc, "unexpected end of input")
    }

    pub fn recursive_alias(loc: Loc) -> YamlError {
        YamlError::at(loc, "recursive references require weak recursion types")
    }

    /// An error met while reading a node that was reached through an alias is reported at
    /// the alias; otherwise where it happened (or, without a place, where the node starts).
    pub fn through(mut self, alias: Option<Loc>, defined: Loc) -> YamlError {
        let reference = alias.unwrap_or(defined);
        if reference != Loc::UNKNOWN && defined != Loc::UNKNOWN && reference != defined {
            self.loc = Some(reference);
        } else if self.loc.is_none() {
            self.loc = (reference != Loc::UNKNOWN).then_some(reference);
        }
        self
    }
}

pub(super) type Result<T> = std::result::Result<T, YamlError>;
