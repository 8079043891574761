//! Values of sshd_config keywords that sshd reads with a syntax of their own (servconf.c and
//! misc.c of OpenSSH 9.2): ports (`a2port`), `host:port` (`hpdelim`), `ListenAddress`,
//! `PermitOpen`/`PermitListen`, `MaxStartups`, `PerSourceNetBlockSize`, `PerSourceMaxStartups`
//! (`sscanf` and `atoi_err`), `IPQoS` (`parse_ipqos`: a word of the table's `ipqos` rows or a
//! number), `RekeyLimit`, and the commands that must be absolute paths. A port that is not a
//! number is a service name sshd looks up in the host's `/etc/services` (`getservbyname`):
//! confdrift does not read that file, so it does not judge one.

use super::{Judged, extra, is_number};
use crate::normalize::defaults::Table;

/// What sshd says of the value of `kw` (its words; `rest`, the text after the keyword as
/// written); [`Judged::Unjudged`] for the other keywords. `read`: the table's version is one
/// these checks were read from (else only `RekeyLimit` and the commands are judged).
pub(super) fn judge(table: &Table, kw: &str, words: &[String], rest: &str, read: bool) -> Judged {
    let refused = |why: String| Judged::Refused(why);
    let Some(first) = words.first() else {
        return Judged::Unjudged;
    };
    if !read
        && !matches!(
            kw,
            "rekeylimit" | "authorizedkeyscommand" | "authorizedprincipalscommand"
        )
    {
        return Judged::Unjudged;
    }
    match kw {
        "port" => extra(kw, words, 1).unwrap_or_else(|| match a2port(first) {
            Port::Number(n) if n > 0 => Judged::Taken,
            Port::Name => Judged::Taken,
            _ => refused(format!(
                "\"{first}\" is not a port; sshd expects a number from 1 to 65535 (\"Badly formatted port number\")"
            )),
        }),
        "listenaddress" => listen_address(words),
        "permitopen" | "permitlisten" => permit_open(kw, words),
        "maxstartups" => extra(kw, words, 1).unwrap_or_else(|| max_startups(first)),
        "persourcenetblocksize" => extra(kw, words, 1).unwrap_or_else(|| {
            let fits = |v: i64, max: i64| (0..=max).contains(&v);
            match scan_ints(first, 2) {
                None => Judged::Unjudged,
                Some(v) if v.len() == 2 && fits(v[0], 32) && fits(v[1], 128) => Judged::Taken,
                Some(v) if v.len() == 1 && fits(v[0], 32) => Judged::Taken,
                Some(_) => refused(format!(
                    "\"{first}\" is not a value persourcenetblocksize takes; sshd expects a mask length for IPv4 (0-32), then optionally : and one for IPv6 (0-128), as 32:128"
                )),
            }
        }),
        "persourcemaxstartups" => extra(kw, words, 1).unwrap_or_else(|| {
            if first == "none" || is_number(first) {
                Judged::Taken
            } else {
                refused(format!(
                    "\"{first}\" is not a value persourcemaxstartups takes; sshd expects none or a whole number from 0 to 2147483647"
                ))
            }
        }),
        "ipqos" => extra(kw, words, 2).unwrap_or_else(|| {
            match words.iter().find(|w| !ipqos(table, w)) {
                Some(bad) => refused(format!(
                    "\"{bad}\" is not a value ipqos takes; sshd expects one or two of: {}, or a number from 0 to 255",
                    table.rows("ipqos").map(|r| r[0]).collect::<Vec<_>>().join(", ")
                )),
                None => Judged::Taken,
            }
        }),
        "rekeylimit" => rekey_limit(words),
        // `parse_command`: the text after the keyword, as written, starts with `/` or is `none`.
        "authorizedkeyscommand" | "authorizedprincipalscommand" => {
            if rest.starts_with('/') || rest.eq_ignore_ascii_case("none") {
                Judged::Taken
            } else {
                refused(format!(
                    "{kw} must be an absolute path (or none); sshd expects a command starting with /"
                ))
            }
        }
        _ => Judged::Unjudged,
    }
}

/// A port as `a2port` reads it.
#[derive(Debug, PartialEq)]
pub(super) enum Port {
    /// `strtonum(s, 0, 65535)`: an optional sign, digits.
    Number(i64),
    /// A number out of range, or nothing.
    Bad,
    /// Something else: a service name for `getservbyname` (letters, digits, `-`, `_`, `.`,
    /// `+`: what names in `/etc/services` are made of).
    Name,
}

pub(super) fn a2port(s: &str) -> Port {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+');
    if s.is_empty() || !s.chars().all(name_char) {
        Port::Bad
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        match s.parse::<i64>() {
            Ok(n) if (0..=65535).contains(&n) => Port::Number(n),
            _ => Port::Bad,
        }
    } else {
        Port::Name
    }
}

/// `hpdelim`: `host`, `host:port`, `[host]`, `[host]:port` → (host, port); none where sshd
/// cannot split it (an unclosed `[`, a `/`, text after `]`).
fn hpdelim(s: &str) -> Option<(&str, Option<&str>)> {
    let at = if s.starts_with('[') {
        s.find(']')? + 1
    } else {
        s.find([':', '/']).unwrap_or(s.len())
    };
    match s[at..].chars().next() {
        None => Some((s, None)),
        Some(':') => Some((&s[..at], Some(&s[at + 1..]))),
        _ => None,
    }
}

/// `ListenAddress host[:port] [rdomain NAME]`.
fn listen_address(words: &[String]) -> Judged {
    if let Some(too_many) = extra("listenaddress", words, 3) {
        return too_many;
    }
    let arg = words[0].as_str();
    let bare_v6 = !arg.contains('[') && arg.find(':').is_some_and(|i| arg[i + 1..].contains(':'));
    if !bare_v6 {
        match hpdelim(arg) {
            None => {
                return Judged::Refused(format!(
                    "\"{arg}\" is not an address sshd can read; sshd expects host, host:port or [host]:port (\"bad address:port usage\")"
                ));
            }
            Some((_, Some(port))) if !matches!(a2port(port), Port::Number(1..) | Port::Name) => {
                return Judged::Refused(format!(
                    "\"{port}\" is not a port; sshd expects a number from 1 to 65535 (\"bad port number\")"
                ));
            }
            Some(_) => {}
        }
    }
    // The routing domain's name is the host's (a VRF device): not judged here.
    if words.len() > 1 && (words[1] != "rdomain" || words.len() < 3) {
        return Judged::Refused(format!(
            "\"{}\" is not how listenaddress ends; sshd expects nothing, or rdomain and a routing domain (\"bad ListenAddress syntax\")",
            words[1..].join(" ")
        ));
    }
    Judged::Taken
}

/// `PermitOpen`, `PermitListen`: `any`, `none`, or `host:port` words (`PermitListen` takes a
/// bare port too); a port is a number from 1 to 65535 or `*`.
fn permit_open(kw: &str, words: &[String]) -> Judged {
    if words[0] == "any" || words[0] == "none" {
        return extra(kw, words, 1).unwrap_or(Judged::Taken);
    }
    for (i, arg) in words.iter().enumerate() {
        if arg.is_empty() {
            // sshd stops at an empty word; anything after it is too much.
            return extra(kw, words, i + 1).unwrap_or(Judged::Taken);
        }
        let port = if kw == "permitlisten" && !arg.contains(':') {
            Some(arg.as_str())
        } else {
            match hpdelim(arg) {
                Some((_, port)) => port,
                None => {
                    return Judged::Refused(format!(
                        "\"{arg}\" has no host sshd can read; {kw} expects any, none, or host:port words (\"missing host\")"
                    ));
                }
            }
        };
        let ok =
            port.is_some_and(|p| p == "*" || matches!(a2port(p), Port::Number(1..) | Port::Name));
        if !ok {
            return Judged::Refused(format!(
                "\"{arg}\" has no port sshd takes; {kw} expects any, none, or host:port words with a port from 1 to 65535 or * (\"bad port number\")"
            ));
        }
    }
    Judged::Taken
}

/// `MaxStartups start:rate:full` or `full`, as `sscanf("%d:%d:%d")` reads it (what follows
/// the numbers it reads is not looked at: `10:30:100x` is taken).
fn max_startups(arg: &str) -> Judged {
    let ok = match scan_ints(arg, 3).as_deref() {
        None => return Judged::Unjudged,
        Some(&[begin, rate, full]) => begin <= full && (1..=100).contains(&rate) && begin > 0,
        Some(&[full]) => full > 0,
        Some(_) => false,
    };
    if ok {
        Judged::Taken
    } else {
        Judged::Refused(format!(
            "\"{arg}\" is not a value maxstartups takes; sshd expects start:rate:full (start no more than full, rate from 1 to 100) or one number above 0 (\"Invalid MaxStartups spec\")"
        ))
    }
}

/// The numbers `sscanf(s, "%d:%d...")` (`n` of them) reads, in order, until one does not
/// match; none when a number does not fit an int (what sscanf does then is not judged).
fn scan_ints(s: &str, n: usize) -> Option<Vec<i64>> {
    let mut out = Vec::new();
    let mut rest = s;
    while out.len() < n {
        if !out.is_empty() {
            match rest.strip_prefix(':') {
                Some(r) => rest = r,
                None => break,
            }
        }
        let body = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let signed = body.strip_prefix(['+', '-']).unwrap_or(body);
        let digits = signed.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            break;
        }
        let end = body.len() - signed.len() + digits;
        let v: i64 = body[..end].parse().ok()?;
        if i32::try_from(v).is_err() {
            return None;
        }
        out.push(v);
        rest = &body[end..];
    }
    Some(out)
}

/// One word of `IPQoS` as `parse_ipqos` reads it: a name (any case), or a number from 0 to
/// 255 as `strtol(s, 0)` reads it (`0x10`, `010` octal), nothing after it.
fn ipqos(table: &Table, word: &str) -> bool {
    if table.rows("ipqos").any(|r| r[0].eq_ignore_ascii_case(word)) {
        return true;
    }
    let body = word.strip_prefix(['+', '-']).unwrap_or(word);
    let negative = word.starts_with('-');
    let hex = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, digits) = match hex {
        Some(h) => (16, h),
        None if body.starts_with('0') => (8, body),
        None => (10, body),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    let value = u128::from_str_radix(digits, radix).unwrap_or(u128::MAX);
    value == 0 || (!negative && value <= 255)
}

/// `RekeyLimit SIZE [TIME]`: a size `scan_scaled` reads (digits, a unit) or `default`, not
/// between 1 and 15 bytes; a time or `none`.
fn rekey_limit(words: &[String]) -> Judged {
    let size_bad = words.first().is_some_and(|w| {
        *w != "default"
            && (w.starts_with(|c: char| c.is_alphabetic())
                || w.parse::<u64>().is_ok_and(|n| (1..16).contains(&n)))
    });
    let time_bad = words
        .get(1)
        .is_some_and(|w| *w != "none" && crate::normalize::convtime(w).is_none());
    if size_bad || time_bad || words.len() > 2 {
        Judged::Refused(format!(
            "\"{}\" is not a value rekeylimit takes; sshd expects a size (default, or 16 bytes or more, with K, M or G) and an optional time (none, or a time such as 1h)",
            words.join(" ")
        ))
    } else {
        Judged::Taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_addresses_as_sshd_splits_them() {
        assert_eq!(a2port("+22"), Port::Number(22));
        assert_eq!(a2port("65536"), Port::Bad);
        assert_eq!(a2port("-1"), Port::Bad);
        assert_eq!(a2port(""), Port::Bad);
        assert_eq!(a2port("ssh"), Port::Name);
        assert_eq!(a2port(":1:22"), Port::Bad);
        assert_eq!(hpdelim("h:22"), Some(("h", Some("22"))));
        assert_eq!(hpdelim("[::1]:22"), Some(("[::1]", Some("22"))));
        assert_eq!(hpdelim("[::1]"), Some(("[::1]", None)));
        assert_eq!(hpdelim("[::1"), None);
        assert_eq!(hpdelim("h/22"), None);
        assert_eq!(hpdelim(":22"), Some(("", Some("22"))));
    }

    #[test]
    fn numbers_as_sscanf_and_strtol_read_them() {
        assert_eq!(scan_ints("10:30:100x", 3), Some(vec![10, 30, 100]));
        assert_eq!(scan_ints("10:x", 3), Some(vec![10]));
        assert_eq!(scan_ints("x", 3), Some(vec![]));
        assert_eq!(scan_ints("+10:", 3), Some(vec![10]));
        assert_eq!(scan_ints("99999999999", 3), None);
        let t = crate::normalize::defaults::openssh("9.2").unwrap();
        for (w, ok) in [
            ("AF21", true),
            ("0x10", true),
            ("0X10", true),
            ("010", true),
            ("+5", true),
            ("-0", true),
            ("08", false),
            ("0x", false),
            ("256", false),
            ("-1", false),
            ("foo", false),
        ] {
            assert_eq!(ipqos(t, w), ok, "{w}");
        }
    }
}
