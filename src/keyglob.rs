//! Key globs for rules: `production.pool`, `*.pool` (`*` is one segment), `**.password`
//! (`**` is any number of segments, none included), `servers[*].port`, `*_pool_size`.
//!
//! Key paths are split the way the readers build them ([`crate::tree::push_key`]): on `.`
//! outside quotes and brackets; a quoted segment (`"io.containerd.grpc.v1.cri"`) is one
//! literal segment; a list index or identity (`[0]`, `[name=web]`) is a segment of its own.

use crate::tree::push_key;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    /// `**`
    AnyDepth,
    /// A segment with `*` or `?` in it.
    Wild(String),
    Literal(String),
}

/// A compiled key pattern.
#[derive(Clone, Debug)]
pub struct KeyGlob {
    text: String,
    segs: Vec<Seg>,
    /// The canonical key path when the pattern has no wildcard: matched by one lookup.
    literal: Option<String>,
}

/// One segment of a key path: its text, and whether it was quoted (so taken literally).
struct Part {
    text: String,
    quoted: bool,
}

/// Splits a key path into segments. `Err` names what is wrong (an unclosed quote or bracket).
fn split(path: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = path.chars().peekable();
    let flush = |cur: &mut String, quoted: &mut bool, parts: &mut Vec<Part>| {
        if !cur.is_empty() || *quoted {
            parts.push(Part {
                text: std::mem::take(cur),
                quoted: *quoted,
            });
        }
        *quoted = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut cur, &mut quoted, &mut parts),
            '"' if cur.is_empty() => {
                quoted = true;
                loop {
                    match chars.next() {
                        None => return Err("unclosed quote".into()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e) => cur.push(e),
                            None => return Err("unclosed quote".into()),
                        },
                        Some(o) => cur.push(o),
                    }
                }
            }
            '[' => {
                flush(&mut cur, &mut quoted, &mut parts);
                let mut seg = String::from('[');
                let mut in_quotes = false;
                loop {
                    let Some(o) = chars.next() else {
                        return Err("unclosed '['".into());
                    };
                    seg.push(o);
                    match o {
                        '\\' if in_quotes => {
                            if let Some(e) = chars.next() {
                                seg.push(e);
                            }
                        }
                        '"' => in_quotes = !in_quotes,
                        ']' if !in_quotes => break,
                        _ => {}
                    }
                }
                parts.push(Part {
                    text: seg,
                    quoted: false,
                });
            }
            _ => cur.push(c),
        }
    }
    flush(&mut cur, &mut quoted, &mut parts);
    Ok(parts)
}

impl KeyGlob {
    pub fn new(pattern: &str) -> Result<KeyGlob, String> {
        let parts = split(pattern)?;
        if parts.is_empty() {
            return Err("empty key pattern".into());
        }
        let segs: Vec<Seg> = parts
            .into_iter()
            .map(|p| match p.text.as_str() {
                "**" if !p.quoted => Seg::AnyDepth,
                t if !p.quoted && t.contains(['*', '?']) => Seg::Wild(p.text),
                _ => Seg::Literal(p.text),
            })
            .collect();
        let literal = segs.iter().all(|s| matches!(s, Seg::Literal(_))).then(|| {
            let mut path = String::new();
            for s in &segs {
                if let Seg::Literal(t) = s {
                    if t.starts_with('[') && t.ends_with(']') {
                        path.push_str(t);
                    } else {
                        push_key(&mut path, t);
                    }
                }
            }
            path
        });
        Ok(KeyGlob {
            text: pattern.to_string(),
            segs,
            literal,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The one key this pattern names, when it has no wildcard.
    pub fn literal(&self) -> Option<&str> {
        self.literal.as_deref()
    }

    pub fn is_match(&self, key: &str) -> bool {
        if let Some(l) = &self.literal {
            return l == key;
        }
        match split(key) {
            Ok(parts) => {
                let texts: Vec<&str> = parts.iter().map(|p| p.text.as_str()).collect();
                match_segs(&self.segs, &texts)
            }
            Err(_) => false,
        }
    }
}

fn match_segs(pat: &[Seg], key: &[&str]) -> bool {
    match pat.split_first() {
        None => key.is_empty(),
        Some((Seg::AnyDepth, rest)) => (0..=key.len()).any(|skip| match_segs(rest, &key[skip..])),
        Some((seg, rest)) => match key.split_first() {
            None => false,
            Some((k, krest)) => {
                let ok = match seg {
                    Seg::Literal(l) => l == k,
                    Seg::Wild(w) => wildcard(w.as_bytes(), k.as_bytes()),
                    Seg::AnyDepth => unreachable!("handled above"),
                };
                ok && match_segs(rest, krest)
            }
        },
    }
}

/// `*` (any run of characters) and `?` (one character) within one segment.
fn wildcard(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, k: &str) -> bool {
        KeyGlob::new(p).unwrap().is_match(k)
    }

    #[test]
    fn one_star_is_one_segment_and_two_are_any_depth() {
        assert!(m("production.pool", "production.pool"));
        assert!(m("*.pool", "production.pool"));
        assert!(!m("*.pool", "a.production.pool"));
        assert!(m("**.pool", "a.production.pool"));
        assert!(m("**.pool", "pool"), "** also matches no segment");
        assert!(m("**", "anything.at.all"));
        assert!(m("**.password", "spring.datasource.password"));
        assert!(!m("**.password", "spring.datasource.password_file"));
        assert!(m("*_pool_size", "default_pool_size"));
        assert!(m("pgbouncer.*pool*", "pgbouncer.default_pool_size"));
        assert!(!m("pgbouncer.*pool*", "databases.pool"));
        assert!(m("a.?", "a.b"));
        assert!(!m("a.?", "a.bc"));
    }

    #[test]
    fn list_items_quoted_segments_and_identities() {
        assert!(m("servers[*].port", "servers[0].port"));
        assert!(m("servers.*.port", "servers[name=web].port"));
        assert!(m("servers[name=web].port", "servers[name=web].port"));
        assert!(!m("servers[0].port", "servers[1].port"));
        assert!(m(
            r#"plugins."io.containerd.grpc.v1.cri".cni.bin_dir"#,
            r#"plugins."io.containerd.grpc.v1.cri".cni.bin_dir"#
        ));
        assert!(m(
            r#"plugins.*.cni.bin_dir"#,
            r#"plugins."io.containerd.grpc.v1.cri".cni.bin_dir"#
        ));
        assert!(
            !m(r#"plugins."*".cni"#, r#"plugins.x.cni"#),
            "quoted * is literal"
        );
        assert!(m(r#"a.b[name="web.1"].c"#, r#"a.b[name="web.1"].c"#));
    }

    #[test]
    fn literal_patterns_are_one_lookup_in_canonical_form() {
        let g = KeyGlob::new("production.pool").unwrap();
        assert_eq!(g.literal(), Some("production.pool"));
        let g = KeyGlob::new(r#"plugins."io.x".cni[0]"#).unwrap();
        assert_eq!(g.literal(), Some(r#"plugins."io.x".cni[0]"#));
        assert_eq!(KeyGlob::new("*.pool").unwrap().literal(), None);
    }

    #[test]
    fn malformed_patterns_are_refused() {
        assert!(KeyGlob::new("").is_err());
        assert!(KeyGlob::new("a.\"b").is_err());
        assert!(KeyGlob::new("a[0").is_err());
    }
}
