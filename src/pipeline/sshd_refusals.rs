//! What sshd refuses in an sshd_config (issue 18, item 6): sshd does not start with a keyword
//! it does not know ("Bad configuration option"), a keyword not allowed inside a `Match` block
//! ("Directive 'X' is not allowed within a Match block"; sshd checks every block at startup,
//! and only `Match all` reads as the main part), a `Match` line it cannot read, or a value it
//! does not take: an enum word, a time, a number (one word only), a port, an algorithm list,
//! `MaxStartups`, `IPQoS`, `PermitOpen`... Every line is checked, a repeated keyword's later
//! lines too (sshd checks them though the first value wins). From the version's table
//! (`scripts/defaults/openssh.sh`, asked of `sshd -T` and `ssh -Q`); with no version known,
//! nothing is assumed. As servconf.c of OpenSSH 9.2 reads them:
//! `process_server_config_line_depth`, `match_cfg_line`, `convtime`, `atoi_err`.

mod algorithms;
mod matching;
mod values;

use crate::normalize::defaults::{self, Table};
use crate::normalize::includes::ReadThrough;
use crate::normalize::openssh_includes;
use crate::normalize::sshclient::segments;
use crate::normalize::{RawLine, openssh_lines};
use crate::tree::Tree;

/// The OpenSSH versions whose sources (servconf.c, match.c, misc.c, addr.c, sshd.c) the checks
/// written here were read from: `Match` lines, ports, `MaxStartups`, `IPQoS`, `PermitOpen`,
/// algorithm lists, what sshd checks once it has read everything. Another version's table
/// gets the checks its own rows drive (keywords, `Match` blocks, enum words, times, numbers;
/// algorithm lists and `IPQoS` where [`NAMES_READ`] and [`IPQOS_READ`] say so).
const READ: &[&str] = &["9.2"];

/// The versions whose algorithm lists (`Ciphers`, `MACs`, `KexAlgorithms`, the key lists, with
/// `+`, `-`, `^`, patterns and short names) sshd checks as 9.2's does, against their own
/// table's `algorithm` and `algorithms` rows (`ssh -Q` and `sshd -T` of that build): held to
/// `sshd -t` of OpenSSH 8.4p1 (Debian bullseye) and 10.0p2 (Debian trixie) on the algorithm
/// pairs of tests/cli/sshd_refused.rs, 0 disagreements (run by hand with those builds).
const NAMES_READ: &[&str] = &["8.4", "9.2", "10.0"];

/// The versions whose `IPQoS` sshd reads as 9.2's does (a word of the table's `ipqos` rows, or
/// a number as `strtol(s, 0)` reads it): 8.4's agrees on the `IPQoS` pairs of
/// tests/cli/sshd_refused.rs. 10.0's reads numbers otherwise (its sshd takes `IPQoS 08` and
/// refuses `IPQoS 0x10`), so its numbers are not judged here.
const IPQOS_READ: &[&str] = &["8.4", "9.2"];

/// What one of the checks below says of a line.
enum Judged {
    /// sshd takes it: no other check applies.
    Taken,
    Refused(String),
    /// Not this check's keyword (or a value only the host can judge: a service name).
    Unjudged,
}

/// The lines of `text` (an sshd_config-format file) sshd refuses, with why and what it
/// expects; none without a table.
pub(crate) fn refusals(version: Option<&str>, text: &[u8]) -> Vec<(u32, String)> {
    let Some(table) = version.and_then(defaults::openssh) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(text);
    // Where the line stands: in the main part (or `Match all`), or in another `Match` block.
    let mut in_match = false;
    let mut out = Vec::new();
    for l in openssh_lines(&text) {
        let why = if l.keyword == "match" && !READ.contains(&table.version) {
            // `Match all` reads as the main part; no criteria judged.
            in_match = !l
                .rest
                .split('#')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("all");
            None
        } else if l.keyword == "match" {
            match matching::judge(&l.rest) {
                Ok(all) => {
                    in_match = !all;
                    None
                }
                Err(why) => {
                    in_match = true;
                    Some(why)
                }
            }
        } else {
            why(table, &l, in_match)
        };
        if let Some(why) = why {
            out.push((
                l.line,
                format!(
                    "OpenSSH {}'s sshd refuses this line and does not start: {why}",
                    table.version
                ),
            ));
        }
    }
    out
}

/// Why sshd refuses one keyword line, if it does.
fn why(table: &Table, l: &RawLine, in_match: bool) -> Option<String> {
    let raw = l.keyword.as_str();
    if !table.takes(raw) {
        return Some(format!(
            "Bad configuration option: {raw} (a keyword sshd does not know)"
        ));
    }
    let kw = table.alias(raw).unwrap_or(raw);
    if in_match && !table.takes_in_match(raw) && !table.takes_in_match(kw) {
        return Some(format!(
            "Directive '{raw}' is not allowed within a Match block"
        ));
    }
    if kw == "include" {
        return None;
    }
    let read = READ.contains(&table.version);
    let names = NAMES_READ.contains(&table.version);
    for check in [
        values::judge(
            table,
            kw,
            &l.words,
            &l.rest,
            read || (kw == "ipqos" && IPQOS_READ.contains(&table.version)),
        ),
        if names {
            algorithms::judge(table, kw, &l.words)
        } else {
            Judged::Unjudged
        },
    ] {
        match check {
            Judged::Taken => return None,
            Judged::Refused(why) => return Some(why),
            Judged::Unjudged => {}
        }
    }
    strict(table, kw, &l.words)
}

/// What sshd does not start with in the configuration it runs with, `tree` (a file's own, or
/// a main file's read through its includes: keywords set in an included file count), checked
/// once it has read everything: an algorithm list it selects nothing from (the value it runs
/// with: outside `Match` blocks, or `Match all`'s), an `AuthorizedKeysCommand` or
/// `AuthorizedPrincipalsCommand` without its user (sshd.c: "AuthorizedKeysCommand set without
/// AuthorizedKeysCommandUser"; [`READ`] versions only). The keys of `tree` at fault, with
/// why; none without a table.
pub(crate) fn unstartable(version: Option<&str>, tree: &Tree) -> Vec<(String, String)> {
    let Some(table) = version
        .and_then(defaults::openssh)
        .filter(|t| NAMES_READ.contains(&t.version))
    else {
        return Vec::new();
    };
    let says = |why: String| {
        format!(
            "OpenSSH {}'s sshd does not start with this value: {why}",
            table.version
        )
    };
    let mut out = Vec::new();
    for (key, e) in tree.iter() {
        let kw = match segments(key).as_slice() {
            [kw] => kw.clone(),
            [m, all, kw] if m == "match" && all.trim().eq_ignore_ascii_case("all") => {
                if tree.get(kw).is_some() {
                    continue; // the main part's value came first
                }
                kw.clone()
            }
            _ => continue,
        };
        if let Some(why) = algorithms::selects_nothing(table, &kw, &e.value.to_string()) {
            out.push((key.to_string(), says(why)));
        }
    }
    if !READ.contains(&table.version) {
        return out;
    }
    for (command, user) in [
        ("authorizedkeyscommand", "authorizedkeyscommanduser"),
        (
            "authorizedprincipalscommand",
            "authorizedprincipalscommanduser",
        ),
    ] {
        if let Some(e) = tree.get(command)
            && !e.value.to_string().eq_ignore_ascii_case("none")
            && tree.get(user).is_none()
        {
            out.push((
                command.to_string(),
                says(format!("{command} is set without {user}")),
            ));
        }
    }
    out
}

/// [`unstartable`] for each sshd_config-format file of `files` (path, its tree on one side)
/// that no other of them includes (one sshd reads first), read through its includes among
/// `files` (`version_of` its version; none: not judged): (the file that set the value, its
/// line, why), once each.
pub(crate) fn unstartable_in(
    files: &[(&str, &Tree)],
    version_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<(String, u32, String)> {
    let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    let lookup = |p: &str| files.iter().find(|(q, _)| *q == p).map(|(_, t)| *t);
    let reads: Vec<(&str, ReadThrough)> = files
        .iter()
        .map(|&(path, tree)| {
            (
                path,
                openssh_includes::read_through(path, tree, &lookup, &paths),
            )
        })
        .collect();
    let included = |path: &str| {
        reads
            .iter()
            .any(|(other, r)| *other != path && r.read.contains(path))
    };
    let mut out = Vec::new();
    for (path, read) in reads.iter().filter(|(p, _)| !included(p)) {
        let Some(version) = version_of(path) else {
            continue;
        };
        for (key, why) in unstartable(Some(&version), &read.tree) {
            let line = read.tree.get(&key).map_or(0, |e| e.line);
            let file = read.from.get(&key).map_or(*path, String::as_str);
            let problem = (file.to_string(), line, why);
            if !out.contains(&problem) {
                out.push(problem);
            }
        }
    }
    out
}

/// A keyword the table says sshd checks: one enum word, one time, one number.
fn strict(table: &Table, kw: &str, words: &[String]) -> Option<String> {
    let kind = table.strict(kw)?;
    let expected = match kind {
        "enum" => format!("one of: {}", table.enum_spellings(kw).join(", ")),
        "time" => "a time: seconds, or a number with s, m, h, d or w (1h30m)".to_string(),
        "number" => "a whole number from 0 to 2147483647".to_string(),
        _ => return None,
    };
    let text = words.join(" ");
    let bad = text.is_empty()
        || words.len() > 1
        || match kind {
            // `PermitTunnel NO` is refused: a keyword sshd reads in one case only.
            "enum" if !table.folds_case(kw) => !table.takes_word_exact(kw, &text),
            "enum" => !table.takes_word(kw, &text),
            "time" => !table.takes_word(kw, &text) && crate::normalize::convtime(&text).is_none(),
            _ => !is_number(&text),
        };
    let what = if words.len() > 1 {
        format!("more than one word, and {kw} takes one")
    } else {
        format!("not a value {kw} takes")
    };
    bad.then(|| format!("\"{text}\" is {what}; sshd expects {expected}"))
}

/// A number as `atoi_err` takes it (`strtonum(s, 0, INT_MAX)`: an optional sign, digits).
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && text
            .parse::<i64>()
            .is_ok_and(|n| (0..=i64::from(i32::MAX)).contains(&n))
}

/// "extra arguments at end of line": `kw` takes at most `n` words.
fn extra(kw: &str, words: &[String], n: usize) -> Option<Judged> {
    (words.len() > n).then(|| {
        Judged::Refused(format!(
            "\"{}\" is more words than {kw} takes ({n}): sshd stops at \"extra arguments at end of line\"",
            words.join(" ")
        ))
    })
}

#[cfg(test)]
mod tests;
