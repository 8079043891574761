//! A `Match` line as sshd 9.2 checks it when it starts (servconf.c `match_cfg_line`, with no
//! connection to match): its words split as `strdelim` splits them; criteria `User`, `Group`,
//! `Host`, `Address`, `LocalAddress`, `LocalPort`, `RDomain` (any case), each with an argument
//! (one not starting with `#`); `All` alone; `Address` and `LocalAddress` lists as
//! `addr_match_list` checks them (addrmatch.c, addr.c: no empty entry, a network whose mask
//! length fits its family and whose host bits are zero: `10.0.0.1/8` is refused, addresses as
//! `getaddrinfo(AI_NUMERICHOST)` reads them, `10/8` being `0.0.0.10/8`); `LocalPort` a port.

use std::net::Ipv6Addr;

/// Whether the line is `Match all`, or why sshd refuses it.
pub(super) fn judge(rest: &str) -> Result<bool, String> {
    let mut cp = Some(rest);
    let mut attributes = 0;
    let bad = |why: String| Err(format!("{why} (\"Bad Match condition\")"));
    while let Some(attrib) = strdelim(&mut cp).filter(|a| !a.is_empty()) {
        if attrib.starts_with('#') {
            cp = None;
            break;
        }
        attributes += 1;
        if attrib.eq_ignore_ascii_case("all") {
            let arg = strdelim(&mut cp);
            if attributes > 1 || arg.is_some_and(|a| !a.is_empty() && !a.starts_with('#')) {
                return bad("'all' cannot be combined with other Match attributes".to_string());
            }
            return Ok(true);
        }
        let Some(arg) = strdelim(&mut cp).filter(|a| !a.is_empty() && !a.starts_with('#')) else {
            return bad(format!("Missing Match criteria for {attrib}"));
        };
        match attrib.to_ascii_lowercase().as_str() {
            "user" | "group" | "host" | "rdomain" => {}
            "address" | "localaddress" => {
                if !addresses_taken(&arg) {
                    return Err(format!(
                        "\"{arg}\" is not an address list sshd takes (\"Invalid Match {} argument\"): no empty entry, and a network's host bits zero (10.0.0.0/8, not 10.0.0.1/8)",
                        attrib.to_ascii_lowercase()
                    ));
                }
            }
            "localport" => {
                if super::values::a2port(&arg) == super::values::Port::Bad {
                    return bad(format!("Invalid LocalPort '{arg}' on Match line"));
                }
            }
            _ => return bad(format!("Unsupported Match attribute {attrib}")),
        }
    }
    if attributes == 0 {
        return bad("One or more attributes required for Match".to_string());
    }
    if cp.is_some_and(|c| !c.is_empty()) {
        return Err("extra arguments at end of line".to_string());
    }
    Ok(false)
}

/// OpenSSH's `strdelim`: the next word of `s`, split at whitespace, a quote (a quoted word)
/// or one `=`; `s` becomes none at the end (or at a quote that does not close: then none).
fn strdelim(s: &mut Option<&str>) -> Option<String> {
    let text = (*s)?;
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let skip_ws = |t: &str| t.trim_start_matches(is_ws).len();
    let Some(at) = text.find(|c: char| is_ws(c) || c == '"' || c == '=') else {
        *s = None;
        return Some(text.to_string());
    };
    let head = &text[..at];
    let after = &text[at + 1..];
    if text[at..].starts_with('"') {
        let Some(close) = after.find('"') else {
            *s = None;
            return None;
        };
        let rest = &after[close + 1..];
        *s = Some(&rest[rest.len() - skip_ws(rest)..]);
        return Some(format!("{head}{}", &after[..close]));
    }
    let mut rest = &after[after.len() - skip_ws(after)..];
    if !text[at..].starts_with('=')
        && let Some(r) = rest.strip_prefix('=')
    {
        rest = &r[r.len() - skip_ws(r)..];
    }
    *s = Some(rest);
    Some(head.to_string())
}

/// `addr_match_list(NULL, list)` is not -2: no empty entry, no network sshd refuses.
fn addresses_taken(list: &str) -> bool {
    list.split(',').all(|entry| {
        let entry = entry.strip_prefix('!').unwrap_or(entry);
        !entry.is_empty() && cidr(entry) != Cidr::Refused
    })
}

#[derive(Debug, PartialEq)]
enum Cidr {
    /// A network sshd takes.
    Network,
    /// Not an address: a wildcard pattern to sshd.
    Pattern,
    /// A mask too long for the family, or host bits set (-2).
    Refused,
}

/// `addr_pton_cidr`.
fn cidr(p: &str) -> Cidr {
    if p.len() >= 64 {
        return Cidr::Pattern;
    }
    let (addr, mask) = match p.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (p, None),
    };
    let masklen = match mask {
        None => None,
        Some(m) if !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()) => {
            match m.parse::<u32>() {
                Ok(n) if n <= 128 => Some(n),
                _ => return Cidr::Pattern,
            }
        }
        Some(_) => return Cidr::Pattern,
    };
    let bits: u128 = if let Some(v4) = inet_aton(addr) {
        u128::from(u32::from_be_bytes(v4)) << 96
    } else if let Ok(v6) = addr.parse::<Ipv6Addr>() {
        u128::from(v6)
    } else {
        // Not an address (or one with a scope, `fe80::1%eth0`, which depends on the host).
        return Cidr::Pattern;
    };
    let width = if inet_aton(addr).is_some() { 32 } else { 128 };
    let masklen = masklen.unwrap_or(width);
    if masklen > width {
        return Cidr::Refused;
    }
    // The host bits, counted from the top of the 128 bits the address is held in.
    let host = if masklen >= 128 {
        0
    } else {
        u128::MAX >> masklen
    };
    if bits & host != 0 {
        Cidr::Refused
    } else {
        Cidr::Network
    }
}

/// glibc's `inet_aton` without trailing text (what `getaddrinfo(AI_NUMERICHOST)` takes for
/// IPv4): one to four parts, each decimal, octal (`012`) or hex (`0x0a`), the last filling the
/// bytes left (`10` is 0.0.0.10, `10.1` is 10.0.0.1).
fn inet_aton(s: &str) -> Option<[u8; 4]> {
    let mut parts: Vec<u64> = Vec::new();
    let mut rest = s;
    loop {
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let (value, after) = strtoul0(rest);
        if value > 0xffff_ffff {
            return None;
        }
        rest = after;
        match rest.strip_prefix('.') {
            Some(r) => {
                if parts.len() > 2 || value > 0xff {
                    return None;
                }
                parts.push(value);
                rest = r;
            }
            None => {
                parts.push(value);
                break;
            }
        }
    }
    if !rest.is_empty() {
        return None;
    }
    let last = *parts.last()?;
    let room = 8 * (5 - parts.len() as u32);
    if room < 64 && last >> room != 0 {
        return None;
    }
    let mut n: u64 = last;
    for (i, p) in parts[..parts.len() - 1].iter().enumerate() {
        n |= p << (24 - 8 * i as u32);
    }
    Some(u32::try_from(n).ok()?.to_be_bytes())
}

/// `strtoul(s, &end, 0)` of digits: hex after `0x`, octal after `0`, else decimal; the value
/// (saturated) and what follows.
fn strtoul0(s: &str) -> (u64, &str) {
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, body) = match hex {
        Some(h) => (16, h),
        None if s.starts_with('0') => (8, s),
        None => (10, s),
    };
    let n = body.chars().take_while(|c| c.is_digit(radix)).count();
    let value = body[..n].chars().fold(0u64, |v, c| {
        v.saturating_mul(u64::from(radix))
            .saturating_add(u64::from(c.to_digit(radix).unwrap_or(0)))
    });
    (value, &body[n..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_lines_as_sshd_checks_them() {
        for (rest, ok) in [
            ("all", Some(true)),
            ("ALL", Some(true)),
            ("all # c", Some(true)),
            ("User bob", Some(false)),
            ("user bob # c", Some(false)),
            ("User=bob", Some(false)),
            ("Group \"a b\"", Some(false)),
            ("Address 10.0.0.0/8x", Some(false)),
            ("Address foo*", Some(false)),
            ("Address ::1/129", Some(false)),
            ("Address 0x0a000000/8", Some(false)),
            ("Address 012.0.0.0/8", Some(false)),
            ("Address 2001:db8::/32,!192.0.2.1", Some(false)),
            ("LocalPort 22", Some(false)),
            ("LocalPort ssh", Some(false)),
            ("Foo bar", None),
            ("User", None),
            ("User #bob", None),
            ("User \"#bob\"", None),
            ("User \"\"", None),
            ("all User bob", None),
            ("User bob all", None),
            ("all extra", None),
            ("User bob Group", None),
            ("LocalPort 70000", None),
            ("LocalPort -1", None),
            ("Address 10.0.0.1/8", None),
            ("Address 10/8", None),
            ("Address 10.0.0.0/33", None),
            ("Address 10.0.0.0/8,,192.0.2.1", None),
            ("Address !", None),
            ("Address 10.0.0.0/8,", None),
            ("LocalAddress 192.168.1.1/16", None),
            ("Address fe80::1/10", None),
            ("Address 2001:db8::1/32", None),
        ] {
            assert_eq!(judge(rest).ok(), ok, "Match {rest}");
        }
    }

    #[test]
    fn addresses_as_glibc_reads_them() {
        assert_eq!(inet_aton("10"), Some([0, 0, 0, 10]));
        assert_eq!(inet_aton("10.1"), Some([10, 0, 0, 1]));
        assert_eq!(inet_aton("012.0x10.0.1"), Some([10, 16, 0, 1]));
        assert_eq!(inet_aton("08.0.0.0"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("256.0.0.0"), None);
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("1.2.65535"), Some([1, 2, 255, 255]));
        assert_eq!(inet_aton("1.."), None);
        assert_eq!(cidr("10.0.0.0/8"), Cidr::Network);
        assert_eq!(cidr("0.0.0.0/0"), Cidr::Network);
        assert_eq!(cidr("::/0"), Cidr::Network);
        assert_eq!(cidr("192.0.2.1"), Cidr::Network);
        assert_eq!(cidr("192.0.2.1/32"), Cidr::Network);
        assert_eq!(cidr("192.0.2.1/31"), Cidr::Refused);
        assert_eq!(cidr("192.0.2.*"), Cidr::Pattern);
    }
}
