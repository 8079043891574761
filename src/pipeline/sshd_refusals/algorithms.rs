//! Algorithm lists (`Ciphers`, `MACs`, `KexAlgorithms`, `HostKeyAlgorithms`,
//! `PubkeyAcceptedAlgorithms`, `HostbasedAcceptedAlgorithms`, `CASignatureAlgorithms`, and
//! Debian's `GSSAPIKexAlgorithms`), as sshd 9.2 checks them, against the names of the table's
//! `algorithm` rows (from `ssh -Q` of the same build, `scripts/defaults/openssh.sh`):
//!
//! - every line: one word, a comma list; after a leading `-` nothing is checked, after `+` or
//!   `^` the rest is; each name up to the first empty one must be in the keyword's list
//!   (`ciphers_valid`, `mac_valid`, `kex_names_valid`); a key list also takes a key type's
//!   short name in any case (`RSA`) and a pattern matching some key type (`ssh-ed25519*`,
//!   `!ssh-rsa`: `sshkey_names_valid2`); GSSAPI key exchanges are name starts, with no sign;
//! - the value sshd runs with (the first that applies, through the includes): sshd selects
//!   from its list the names the words match (`kex_assemble_names`): a `!` is refused there,
//!   and a list that selects nothing (`RSA` alone, a certificate type in
//!   `CASignatureAlgorithms`, `,foo`).

use super::{Judged, extra};
use crate::normalize::defaults::Table;
use crate::normalize::sshclient::glob;

/// What sshd says of an algorithm list on one line (every line is checked).
pub(super) fn judge(table: &Table, kw: &str, words: &[String]) -> Judged {
    let Some((list, all)) = lists(table, kw) else {
        return Judged::Unjudged;
    };
    if let Some(too_many) = extra(kw, words, 1) {
        return too_many;
    }
    let arg = words[0].as_str();
    let signs = all != "-";
    if signs && arg.starts_with('-') {
        return Judged::Taken;
    }
    let body = if signs {
        arg.strip_prefix(['+', '^']).unwrap_or(arg)
    } else {
        arg
    };
    let what = match list {
        "cipher" => "cipher",
        "mac" => "MAC",
        "kex" | "kex-gss" => "key exchange",
        _ => "key type or signature algorithm",
    };
    if body.is_empty() {
        return Judged::Refused(format!(
            "\"{arg}\" names no {what}; sshd expects a comma list of: {}",
            known(table, list)
        ));
    }
    for name in body.split(',').take_while(|n| !n.is_empty()) {
        if !valid(table, list, name) {
            return Judged::Refused(format!(
                "\"{name}\" is not a {what} sshd has; {kw} takes a comma list of: {}{}",
                known(table, list),
                if signs {
                    " (after +, - or ^ to add, remove or put first)"
                } else {
                    ""
                }
            ));
        }
    }
    Judged::Taken
}

/// Why sshd does not start with `value`, the value of `kw` it runs with (the first that
/// applies), when it selects nothing from it (`kex_assemble_names`): none when it does.
pub(super) fn selects_nothing(table: &Table, kw: &str, value: &str) -> Option<String> {
    let (_, all) = lists(table, kw)?;
    if all == "-" || value.starts_with('-') || value.contains(char::is_whitespace) {
        return None;
    }
    let body = value.strip_prefix(['+', '^']).unwrap_or(value);
    let words: Vec<&str> = body.split(',').collect();
    if let Some(not) = words.iter().find(|w| w.starts_with('!')) {
        return Some(format!(
            "\"{not}\": sshd selects the names {kw} lists and takes no ! there, so it does not start (\"{kw}: invalid argument\")"
        ));
    }
    if value.starts_with(['+', '^']) || words.iter().any(|w| names(table, all).any(|n| glob(n, w)))
    {
        return None;
    }
    Some(format!(
        "\"{value}\" selects none of the names sshd runs {kw} with ({}), so it does not start (\"{kw}: invalid argument\")",
        known(table, all)
    ))
}

/// The list a keyword's names are checked against, and the one sshd selects from.
fn lists(table: &Table, kw: &str) -> Option<(&'static str, &'static str)> {
    let row = table.rows("algorithms").find(|r| r.first() == Some(&kw))?;
    Some((*row.get(1)?, *row.get(2)?))
}

/// A list's names, sorted, for a message.
fn known(table: &Table, list: &str) -> String {
    let mut n: Vec<&str> = names(table, list).collect();
    n.sort_unstable();
    n.join(", ")
}

/// The names of one list of the table.
fn names<'t>(table: &'t Table, list: &'t str) -> impl Iterator<Item = &'static str> + 't {
    table
        .rows("algorithm")
        .filter(move |r| r.first() == Some(&list))
        .filter_map(|r| r.get(1).copied())
}

/// Whether sshd takes one name of a line for a keyword checked against `list`.
fn valid(table: &Table, list: &str, name: &str) -> bool {
    match list {
        // 10.0's CASignatureAlgorithms is checked against the signature algorithms (no
        // certificate types), with patterns as for key types.
        "key" | "sig" => {
            let pattern = name.strip_prefix('!').unwrap_or(name);
            names(table, list).any(|n| n == name || glob(n, pattern))
                || names(table, "key-short").any(|n| n.eq_ignore_ascii_case(name))
        }
        "kex-gss" => names(table, list).any(|n| name.starts_with(n)),
        _ => names(table, list).any(|n| n == name),
    }
}
