//! Host patterns: `name`, `name:port`, and ranges `web[01:10]`, `db-[a:c]`, `[1:10:2]`
//! expanded as Ansible expands them, at most [`MAX_HOSTS`] names a pattern. Plain string work:
//! knows nothing of groups or of the inventory's formats.

use super::MAX_HOSTS;
use super::vars::parse_port;

/// Splits a `:port` suffix off: exactly one `:` outside brackets, followed by digits only.
/// Names with more colons (IPv6 addresses) are left whole.
pub(super) fn split_port(pattern: &str) -> Result<(&str, Option<u16>), String> {
    let mut depth = 0i32;
    let mut colons = Vec::new();
    for (i, c) in pattern.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => colons.push(i),
            _ => {}
        }
    }
    if let [at] = colons[..] {
        let (name, port) = (&pattern[..at], &pattern[at + 1..]);
        if !name.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            let port = parse_port("port", port).map_err(|m| format!("host {pattern:?}: {m}"))?;
            return Ok((name, Some(port)));
        }
    }
    Ok((pattern, None))
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Expands every `[begin:end]` / `[begin:end:step]` in `pattern`, the first range varying
/// slowest, as Ansible does; refuses more than [`MAX_HOSTS`] names.
pub(super) fn expand_ranges(pattern: &str) -> Result<Vec<String>, String> {
    // Alternating literal text and ranges.
    let mut pieces: Vec<Vec<String>> = Vec::new();
    let mut rest = pattern;
    let mut total: usize = 1;
    while let Some(open) = rest.find('[') {
        pieces.push(vec![rest[..open].to_string()]);
        let after = &rest[open + 1..];
        let close = after
            .find(']')
            .ok_or_else(|| format!("host pattern {pattern:?}: unclosed range '[': expected ']'"))?;
        let values =
            range_values(&after[..close]).map_err(|m| format!("host pattern {pattern:?}: {m}"))?;
        total = total.saturating_mul(values.len());
        if total > MAX_HOSTS {
            return Err(format!(
                "host pattern {pattern:?} expands to too many hosts: expected at most {MAX_HOSTS}"
            ));
        }
        pieces.push(values);
        rest = &after[close + 1..];
    }
    pieces.push(vec![rest.to_string()]);
    let mut names = vec![String::new()];
    for piece in pieces {
        let mut next = Vec::with_capacity(names.len() * piece.len());
        for prefix in &names {
            for value in &piece {
                next.push(format!("{prefix}{value}"));
            }
        }
        names = next;
    }
    Ok(names)
}

/// The values of one range body (`01:10`, `a:c`, `1:10:2`, `:5`).
fn range_values(body: &str) -> Result<Vec<String>, String> {
    let bounds: Vec<&str> = body.split(':').collect();
    let (begin, end, step) = match bounds[..] {
        [b, e] => (b, e, "1"),
        [b, e, s] => (b, e, s),
        _ => {
            return Err(format!(
                "bad range [{body}]: expected [begin:end] or [begin:end:step]"
            ));
        }
    };
    let begin = if begin.is_empty() { "0" } else { begin };
    if end.is_empty() {
        return Err(format!("bad range [{body}]: expected an end value"));
    }
    let step = match step.parse::<usize>() {
        Ok(s) if s > 0 && step.bytes().all(|b| b.is_ascii_digit()) => s,
        _ => {
            return Err(format!(
                "bad range [{body}]: expected a positive whole step, found {step:?}"
            ));
        }
    };
    let letter = |s: &str| (s.len() == 1).then(|| LETTERS.find(s)).flatten();
    if let (Some(b), Some(e)) = (letter(begin), letter(end)) {
        if b > e {
            return Err(format!("bad range [{body}]: expected begin <= end"));
        }
        return Ok(LETTERS[b..=e]
            .chars()
            .step_by(step)
            .map(String::from)
            .collect());
    }
    let number = |s: &str| {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u64>().ok()
        } else {
            None
        }
    };
    let (Some(b), Some(e)) = (number(begin), number(end)) else {
        return Err(format!(
            "bad range [{body}]: expected numbers or single letters as begin and end"
        ));
    };
    let width = if begin.len() > 1 && begin.starts_with('0') {
        if begin.len() != end.len() {
            return Err(format!(
                "bad range [{body}]: expected begin and end of equal length when zero-padded"
            ));
        }
        begin.len()
    } else {
        0
    };
    if b > e {
        return Err(format!("bad range [{body}]: expected begin <= end"));
    }
    let count = (e - b) / step as u64 + 1;
    if count > MAX_HOSTS as u64 {
        return Err(format!(
            "range [{body}] expands to {count} values: expected at most {MAX_HOSTS}"
        ));
    }
    Ok((0..count)
        .map(|i| format!("{:0width$}", b + i * step as u64))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ini_err, names, yaml_err};
    use super::super::{parse_ini, parse_yaml};

    #[test]
    fn ranges() {
        let inv =
            parse_ini("[h]\nweb[01:03].example.com\ndb-[a:c]\nn[1:10:3]x[a:b]\nz[:2]\n").unwrap();
        assert_eq!(
            inv.groups["h"],
            names(&[
                "web01.example.com",
                "web02.example.com",
                "web03.example.com",
                "db-a",
                "db-b",
                "db-c",
                "n1xa",
                "n1xb",
                "n4xa",
                "n4xb",
                "n7xa",
                "n7xb",
                "n10xa",
                "n10xb",
                "z0",
                "z1",
                "z2",
            ])
        );
        for (bad, what) in [
            ("web[03:01]", "begin <= end"),
            ("web[1:x]", "numbers or single letters"),
            ("web[01:3]", "equal length"),
            ("web[1:5:0]", "positive whole step"),
            ("web[1]", "[begin:end]"),
            ("web[1:]", "end value"),
            ("web[1:3", "expected ']'"),
            ("web[0:99999999999999999999]", "numbers"),
            ("h[0:999999]", "at most 100000"),
            ("h[0:999]x[0:999]", "too many hosts"),
        ] {
            let e = ini_err(&format!("# inventory\n[g]\n{bad} ansible_user=x\n"));
            assert_eq!(e.line, 3, "{bad}");
            assert!(e.message.contains(what), "{bad}: {e}");
        }
        let yaml = parse_yaml("all:\n  hosts:\n    web[1:2]:\n      ansible_port: 2\n").unwrap();
        assert_eq!(yaml.groups["ungrouped"], names(&["web1", "web2"]));
        assert_eq!(yaml.hosts["web2"].ansible_port, Some(2));
        let e = yaml_err("all:\n  hosts:\n    ok:\n    web[2:1]:\n");
        assert_eq!(e.line, 4);
    }
}
