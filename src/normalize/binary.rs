//! Binary files (a Java keystore, a DER certificate, a PKCS#12 bundle): watched by content
//! hash. Nothing in them is parsed or shown; two versions are the same file exactly when their
//! SHA-256 is, and a difference is one `changed` finding showing the two short hashes and
//! sizes. A file is read this way when its entry says `format = "binary"`, when its extension
//! is a binary store's (`.jks`, `.p12`, ...), or when it was given no structured format and
//! its content is not text (see [`looks_binary`]).

use sha2::{Digest as _, Sha256};
use std::fmt;

/// Extensions of binary key and certificate stores.
pub const EXTENSIONS: &[&str] = &[
    "jks",
    "jceks",
    "bks",
    "p12",
    "pfx",
    "der",
    "keystore",
    "truststore",
];

/// What is known of a binary file: its SHA-256 and its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub sha256: [u8; 32],
    pub size: usize,
}

pub fn digest(bytes: &[u8]) -> Digest {
    Digest {
        sha256: Sha256::digest(bytes).into(),
        size: bytes.len(),
    }
}

impl fmt::Display for Digest {
    /// `sha256:1a2b3c4d5e6f, 2048 bytes`: enough of the hash to tell two versions apart.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for b in &self.sha256[..6] {
            write!(f, "{b:02x}")?;
        }
        write!(
            f,
            ", {} byte{}",
            self.size,
            if self.size == 1 { "" } else { "s" }
        )
    }
}

/// Whether a file given no structured format is binary rather than text: it holds a NUL byte
/// (text never does; keystores and DER certificates always do), or more than 1 byte in 20 is
/// a control character that text does not use (not tab, line breaks, form feed or escape).
/// Bytes above 0x7F do not count: text in Latin-1 or another 8-bit encoding is still text.
pub fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.contains(&0) {
        return true;
    }
    let control = bytes
        .iter()
        .filter(|&&b| matches!(b, 0x01..=0x08 | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f))
        .count();
    control * 20 > bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_or_text() {
        assert!(looks_binary(b"\x30\x82\x01\x0a\x02\x82\x01\x01\x00\xc3"));
        assert!(looks_binary(&[
            0xfe, 0xed, 0xfe, 0xed, 0x00, 0x00, 0x00, 0x02
        ]));
        assert!(looks_binary(b"\x01\x02\x03\x04abc"));
        assert!(!looks_binary(b"# r\xe9glage\nmax_connections = 100\n"));
        assert!(!looks_binary("Привет\n".as_bytes()));
        assert!(!looks_binary(b"\x1b[1mbanner\x1b[0m\n"));
        assert!(!looks_binary(b""));
    }

    #[test]
    fn a_digest_shows_a_short_hash_and_the_size() {
        let d = digest(b"abc");
        assert_eq!(d.to_string(), "sha256:ba7816bf8f01, 3 bytes");
        assert_eq!(d, digest(b"abc"));
        assert_ne!(d, digest(b"abd"));
    }
}
