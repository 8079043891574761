//! What sshd refuses in an sshd_config (issue 18, item 6): sshd does not start with a keyword
//! it does not know ("Bad configuration option"), a keyword not allowed inside a `Match` block
//! ("Directive 'X' is not allowed within a Match block"; sshd checks every block at startup,
//! and only `Match all` reads as the main part), or a value it does not take for a keyword it
//! checks (an enum word, a time, a number; one word only). From the version's table
//! (`scripts/defaults/openssh.sh`, asked of `sshd -T`); with no version known, nothing is
//! assumed. As servconf.c of OpenSSH 9.2 reads them: `process_server_config_line_depth`,
//! `convtime`, `atoi_err`.

use crate::normalize::defaults::{self, Table};
use crate::normalize::sshclient::segments;
use crate::tree::{Entry, Tree, Value};

/// The lines of `tree` sshd refuses, with why and what it expects; none without a table.
pub(crate) fn refusals(version: Option<&str>, tree: &Tree) -> Vec<(u32, String)> {
    let Some(table) = version.and_then(defaults::openssh) else {
        return Vec::new();
    };
    let mut out: Vec<(u32, String)> = tree
        .iter()
        .filter_map(|(key, e)| {
            why(table, key, e).map(|why| {
                (
                    e.line,
                    format!(
                        "OpenSSH {}'s sshd refuses this line and does not start: {why}",
                        table.version
                    ),
                )
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why sshd refuses one entry, if it does.
fn why(table: &Table, key: &str, e: &Entry) -> Option<String> {
    let segs = segments(key);
    let kw = segs.last()?.as_str();
    // A `Match` block other than `Match all` does not apply while sshd reads its files.
    let in_match = match segs.as_slice() {
        [m, criteria, _] if m == "match" => !criteria.trim().eq_ignore_ascii_case("all"),
        _ => false,
    };
    if !table.takes(kw) {
        return Some(format!(
            "Bad configuration option: {kw} (a keyword sshd does not know)"
        ));
    }
    if in_match && !table.takes_in_match(kw) {
        return Some(format!(
            "Directive '{kw}' is not allowed within a Match block"
        ));
    }
    let text = e.value.to_string();
    if let Some(why) = by_hand(kw, &text) {
        return Some(why);
    }
    let kind = table.strict(kw)?;
    let expected = match kind {
        "enum" => format!("one of: {}", table.enum_spellings(kw).join(", ")),
        "time" => "a time: seconds, or a number with s, m, h, d or w (1h30m)".to_string(),
        "number" => "a whole number from 0 to 2147483647".to_string(),
        _ => return None,
    };
    let bad = text.is_empty()
        || text.contains(char::is_whitespace)
        || match kind {
            // `PermitTunnel NO` is refused: a keyword sshd reads in one case only.
            "enum" if !table.folds_case(kw) => !table.takes_word_exact(kw, &text),
            "enum" => !table.takes_word(kw, &text),
            "time" => {
                !table.takes_word(kw, &text)
                    && crate::normalize::convtime(&text).is_none()
                    && !matches!(e.value, Value::Quantity { .. })
            }
            _ => !is_number(&text),
        };
    let what = if text.contains(char::is_whitespace) {
        format!("more than one word, and {kw} takes one")
    } else {
        format!("not a value {kw} takes")
    };
    bad.then(|| format!("\"{text}\" is {what}; sshd expects {expected}"))
}

/// What servconf.c checks in keywords whose values the table cannot tell: a command that is
/// not an absolute path (`parse_command`), a `RekeyLimit` whose size starts with a letter other
/// than `default` (`scan_scaled` reads digits), whose time is neither `none` nor a time, or with
/// a third word.
fn by_hand(kw: &str, text: &str) -> Option<String> {
    match kw {
        "authorizedkeyscommand" | "authorizedprincipalscommand"
            if !text.starts_with('/') && !text.eq_ignore_ascii_case("none") =>
        {
            Some(format!(
                "{kw} must be an absolute path (or none); sshd expects a command starting with /"
            ))
        }
        "rekeylimit" => {
            let words: Vec<&str> = text.split_whitespace().collect();
            let size_bad = words
                .first()
                .is_some_and(|w| *w != "default" && w.starts_with(|c: char| c.is_alphabetic()));
            let time_bad = words
                .get(1)
                .is_some_and(|w| *w != "none" && crate::normalize::convtime(w).is_none());
            (size_bad || time_bad || words.len() > 2).then(|| {
                format!("\"{text}\" is not a value rekeylimit takes; sshd expects a size (default, or a number with K, M or G) and an optional time (none, or a time such as 1h)")
            })
        }
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, version: Option<&str>) -> Vec<u32> {
        let doc = crate::normalize::Format::detect("/etc/ssh/sshd_config")
            .parse(text.as_bytes())
            .unwrap();
        refusals(version, doc.tree().unwrap())
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }

    #[test]
    fn what_sshd_refuses() {
        let text = "PasswordAuthentification no\nPermitRootLogin maybe\nMaxAuthTries lots\nLoginGraceTime 2x\nMaxSessions +6\nClientAliveInterval 1m30s\nRSAAuthentication yes\nKeepAlive no\nX11Forwarding no yes\nMatch User bob\n Port 22\n Foo 1\n PermitRootLogin maybe\n X11Forwarding no\n RSAAuthentication no\nMatch all\n Port 2222\n";
        assert_eq!(lines(text, Some("9.2")), [1, 2, 3, 4, 9, 11, 12, 13]);
        assert!(lines(text, None).is_empty());
        let doc = crate::normalize::Format::detect("/etc/ssh/sshd_config")
            .parse(b"PermitRootLogin maybe\n")
            .unwrap();
        let why = &refusals(Some("9.2"), doc.tree().unwrap())[0].1;
        assert!(why.contains("prohibit-password"), "{why}");
    }
}
