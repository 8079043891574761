//! Values with the shape of a well-known credential, whatever the key is called: PEM private
//! key blocks and the documented token formats of AWS, GitHub, GitLab, Slack, Stripe, Google
//! and npm, and JWTs. Each shape is specific enough that an ordinary value never has it.

pub use crate::normalize::{closes_private_key, opens_private_key};
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// The shapes, each with what it is (for tests and people).
const SHAPES: &[(&str, &str)] = &[
    (
        "PEM private key block",
        r"(?s)-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|\z)",
    ),
    (
        "AWS access key id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b",
    ),
    (
        "GitHub token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b",
    ),
    (
        "GitHub fine-grained token",
        r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b",
    ),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20}\b"),
    ("Slack token", r"\bxox[abeoprs]-[A-Za-z0-9-]{10,}"),
    (
        "Slack webhook",
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,}",
    ),
    (
        "Stripe key",
        r"\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}\b",
    ),
    ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    (
        "HTTP Authorization header credential",
        r"(?i)authorization[\x22']?\s*[:=]?\s*[\x22']?(?:basic|bearer|token)\s+[A-Za-z0-9+/=._~-]{8,}",
    ),
    (
        "JWT",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
];

fn shapes() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let all: Vec<String> = SHAPES.iter().map(|(_, re)| format!("(?:{re})")).collect();
        Regex::new(&all.join("|")).expect("the token shapes are valid (every_shape_compiles)")
    })
}

/// Where tokens are in `s`.
pub fn ranges(s: &str) -> Vec<Range<usize>> {
    // Cheap test first: every shape holds one of these.
    const HINTS: &[&str] = &[
        "PRIVATE KEY",
        "AKIA",
        "ASIA",
        "ABIA",
        "ACCA",
        "A3T",
        "gh",
        "github_pat_",
        "glpat-",
        "xox",
        "hooks.slack.com",
        "k_live_",
        "k_test_",
        "k_prod_",
        "AIza",
        "npm_",
        "eyJ",
        "uthorization",
        "UTHORIZATION",
    ];
    if !HINTS.iter().any(|h| s.contains(h)) {
        return Vec::new();
    }
    shapes().find_iter(s).map(|m| m.range()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(s: &str) -> Vec<&str> {
        ranges(s).into_iter().map(|r| &s[r]).collect()
    }

    #[test]
    fn every_shape_compiles_alone() {
        for (what, re) in SHAPES {
            assert!(Regex::new(re).is_ok(), "{what}");
        }
    }

    #[test]
    fn known_shapes_are_found() {
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
        assert_eq!(found(&format!("key: {pem}\n")), [pem]);
        let enc =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\\nMIIFHz\\n-----END ENCRYPTED PRIVATE KEY-----";
        assert_eq!(found(&format!("\"{enc}\"")), [enc]);
        let unterminated = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow";
        assert_eq!(found(unterminated), [unterminated]);
        for token in [
            "AKIAIOSFODNN7EXAMPLE",
            "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
            "glpat-abcdefghij0123456789",
            "xoxb-123456789012-abcdefghijkl",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "AIzaSyA-1234567890abcdefghijklmnopqrstu",
            "npm_abcdefghijklmnopqrstuvwxyz0123456789",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "Authorization \"Basic dXNlcjpwYXNzd29yZA==",
            "authorization: Bearer abc.def-123_456",
        ] {
            assert_eq!(found(&format!("x={token} y")), [token], "{token}");
        }
        assert_eq!(
            found(
                "https://hooks.slack.com/services/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"
            ),
            ["hooks.slack.com/services/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"]
        );
    }

    #[test]
    fn ordinary_values_are_not_tokens() {
        for s in [
            "max_connections = 100",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----",
            "ghp_short",
            "AKIA lower",
            "sk_live_short",
            "eyJ.eyJ.x",
            "/var/lib/npm_cache",
            "github.com/ghost",
            "Authorization basic",
            "proxy_set_header Host $host",
        ] {
            assert!(ranges(s).is_empty(), "{s}");
        }
    }
}
