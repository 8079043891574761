//! `glob(3)` without flags, as the programs that include by glob expand a pattern (sshd, ssh,
//! nginx, Redis): one `/`-separated component at a time, `*` `?` `[...]` as `fnmatch(3)`, a
//! name starting with `.` matched only by a pattern that starts with one.

/// Whether `glob(3)` (no flags) matches `path` with `pattern`: segment by segment, a
/// wildcard never matching a leading `.`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let n: Vec<&str> = path.split('/').collect();
    p.len() == n.len()
        && p.iter().zip(&n).all(|(p, n)| {
            let (p, n): (Vec<char>, Vec<char>) = (p.chars().collect(), n.chars().collect());
            if n.first() == Some(&'.') && !(p.first() == Some(&'.') || p.starts_with(&['\\', '.']))
            {
                return false;
            }
            fnmatch(&p, &n)
        })
}

/// `fnmatch(3)` of one segment: `*`, `?`, `[...]` (with `!` or `^`, ranges), `\` escapes.
fn fnmatch(p: &[char], n: &[char]) -> bool {
    let Some((&c, rest)) = p.split_first() else {
        return n.is_empty();
    };
    match c {
        '*' => (0..=n.len()).any(|i| fnmatch(rest, &n[i..])),
        '?' => !n.is_empty() && fnmatch(rest, &n[1..]),
        '[' => {
            let Some((&x, tail)) = n.split_first() else {
                return false;
            };
            match class(rest, x) {
                Some((hit, after)) => hit && fnmatch(after, tail),
                None => x == '[' && fnmatch(rest, tail), // no closing `]`: a literal `[`
            }
        }
        '\\' if !rest.is_empty() => n.first() == Some(&rest[0]) && fnmatch(&rest[1..], &n[1..]),
        c => n.first() == Some(&c) && fnmatch(rest, &n[1..]),
    }
}

/// A bracket expression after its `[`: whether `x` is in it, and the pattern after its `]`.
fn class(p: &[char], x: char) -> Option<(bool, &[char])> {
    let (negate, mut i) = match p.first() {
        Some('!' | '^') => (true, 1),
        _ => (false, 0),
    };
    let mut hit = false;
    let mut first = true;
    while i < p.len() {
        let c = p[i];
        if c == ']' && !first {
            return Some((hit != negate, &p[i + 1..]));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            hit |= (c..=p[i + 2]).contains(&x);
            i += 3;
        } else {
            hit |= c == x;
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_nginx_expands_its_includes() {
        assert!(matches("/e/*.conf", "/e/a.conf"));
        assert!(!matches("/e/*.conf", "/e/.a.conf"));
        assert!(matches("/e/.*", "/e/.a"));
        assert!(!matches("/e/*", "/e/d/a"));
        assert!(matches("/e/[a-c]?.conf", "/e/b1.conf"));
        assert!(!matches("/e/[!a-c]?.conf", "/e/b1.conf"));
        assert!(matches("/e/\\*", "/e/*"));
        assert!(!matches("/e/{a,b}", "/e/a"));
    }

    #[test]
    fn globs_as_glob_3() {
        assert!(matches(
            "/etc/ssh/ssh_config.d/*.conf",
            "/etc/ssh/ssh_config.d/a.conf"
        ));
        assert!(!matches(
            "/etc/ssh/ssh_config.d/*.conf",
            "/etc/ssh/ssh_config.d/.a.conf"
        ));
        assert!(!matches("/etc/ssh/*.conf", "/etc/ssh/ssh_config.d/a.conf"));
        assert!(matches("/etc/ssh/[a-c]?.conf", "/etc/ssh/b1.conf"));
        assert!(!matches("/etc/ssh/[!a-c]?.conf", "/etc/ssh/b1.conf"));
        assert!(matches("/etc/ssh/{a}.conf", "/etc/ssh/{a}.conf"));
    }
}
