//! The remote side of the ssh transport: a POSIX `sh` script that prints every requested file
//! framed by a per-run nonce, and the parser that reads that output back.
//!
//! The script is sent on ssh's standard input to `sh -s`, so the user's login shell only has to
//! start `sh`. Literal paths are single-quoted; glob patterns are expanded by the remote `sh`
//! with their literal parts quoted (or, for `**` and `{a,b}`, by `find` over the literal prefix,
//! a superset that is filtered here). Every path that comes back is checked against what was
//! asked for: a host cannot name a file it was not asked about, nor one with `.` or `..`.
//!
//! Output frames, one per file:
//! `<nonce> FILE <status> <hex path>\n` then, for `OK`, the bytes and `\n<nonce> END\n`;
//! the whole output ends with `<nonce> DONE\n` (its absence means the transfer was cut).

use super::{Fetched, Snapshot};
use crate::collect::FileSpec;

/// `'...'` with embedded `'` written as `'\''`: safe for any bytes in POSIX sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A glob for the remote `sh`: literal runs quoted, glob characters bare. `None` when the
/// pattern needs `find` (`**`, `{a,b}`) or holds characters that must not be left bare.
fn sh_glob(pattern: &str) -> Option<String> {
    if pattern.contains("**") || pattern.contains(['{', '}']) {
        return None;
    }
    let mut out = String::new();
    let mut literal = String::new();
    let mut in_class = false;
    for c in pattern.chars() {
        let bare = if in_class {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '!' | '^' | ']')
        } else {
            matches!(c, '*' | '?' | '[')
        };
        if in_class && !bare {
            return None; // only plain characters inside [...]
        }
        if bare {
            if !literal.is_empty() {
                out.push_str(&sh_quote(&literal));
                literal.clear();
            }
            out.push(c);
            if c == '[' {
                in_class = true;
            } else if c == ']' {
                in_class = false;
            }
        } else {
            literal.push(c);
        }
    }
    if in_class {
        return None;
    }
    if !literal.is_empty() {
        out.push_str(&sh_quote(&literal));
    }
    Some(out)
}

/// The directory `find` starts from for a pattern: its segments before the first glob one.
fn literal_prefix(pattern: &str) -> String {
    let segs: Vec<&str> = pattern
        .split('/')
        .take_while(|s| !s.contains(['*', '?', '[', '{']))
        .collect();
    let p = segs.join("/");
    if p.is_empty() { "/".into() } else { p }
}

/// A `find -path` pattern matching at least what the glob matches (`find`'s `*` crosses `/`):
/// `**/` and `**` become `*`, and `{a,b}` becomes `*`. The exact glob is applied here.
fn find_superset(pattern: &str) -> String {
    let mut out = pattern.replace("**/", "*").replace("**", "*");
    while let (Some(a), Some(b)) = (out.find('{'), out.find('}')) {
        if b < a {
            break;
        }
        out.replace_range(a..=b, "*");
    }
    while out.contains("**") {
        out = out.replace("**", "*");
    }
    out
}

/// The script that prints every file of `specs`, each at most `max` bytes.
pub fn script(specs: &[FileSpec], nonce: &str, max: u64) -> String {
    let mut s = String::with_capacity(1024);
    s.push_str("# confdrift collector: read-only; prints the requested files, nothing else\n");
    s.push_str(&format!("N={nonce}\nM={max}\n"));
    s.push_str(concat!(
        "export LC_ALL=C\n",
        "hex() { printf '%s' \"$1\" | od -An -v -tx1 | tr -d ' \\n'; }\n",
        "emit() {\n",
        "  h=${2:-$(hex \"$1\")}\n",
        "  if [ ! -e \"$1\" ]; then printf '%s FILE MISSING %s\\n' \"$N\" \"$h\"; return; fi\n",
        "  if [ ! -f \"$1\" ]; then printf '%s FILE NOTFILE %s\\n' \"$N\" \"$h\"; return; fi\n",
        "  if [ ! -r \"$1\" ]; then printf '%s FILE UNREADABLE %s\\n' \"$N\" \"$h\"; return; fi\n",
        "  printf '%s FILE OK %s\\n' \"$N\" \"$h\"\n",
        "  head -c $((M + 1)) \"$1\" 2>/dev/null\n",
        "  printf '\\n%s END\\n' \"$N\"\n",
        "}\n",
    ));
    for spec in specs {
        if spec.glob.is_none() {
            // The hex name is computed here, sparing the host an `od` per file.
            s.push_str(&format!(
                "emit {} {}\n",
                sh_quote(&spec.pattern),
                hex(&spec.pattern)
            ));
        } else if let Some(g) = sh_glob(&spec.pattern) {
            s.push_str(&format!(
                "for p in {g}; do if [ -f \"$p\" ]; then emit \"$p\"; fi; done\n"
            ));
        } else {
            s.push_str(&format!(
                "find {} -type f -path {} 2>/dev/null | while IFS= read -r p; do emit \"$p\"; done\n",
                sh_quote(&literal_prefix(&spec.pattern)),
                sh_quote(&find_superset(&spec.pattern))
            ));
        }
    }
    s.push_str("printf '%s DONE\\n' \"$N\"\n");
    s
}

/// Reads the script's output back into a snapshot. Errors describe garbage or truncation.
pub fn parse_output(
    out: &[u8],
    specs: &[FileSpec],
    nonce: &str,
    max: u64,
) -> Result<Snapshot, String> {
    let mut snap = Snapshot::default();
    for spec in specs.iter().filter(|s| s.glob.is_none()) {
        snap.files.insert(spec.pattern.clone(), Fetched::Missing);
    }
    let head = format!("{nonce} ");
    let end = format!("\n{nonce} END\n");
    let mut rest = out;
    loop {
        let Some(line_end) = rest.iter().position(|&b| b == b'\n') else {
            return Err(truncated(out));
        };
        let line =
            std::str::from_utf8(&rest[..line_end]).map_err(|_| garbage(&rest[..line_end]))?;
        rest = &rest[line_end + 1..];
        let Some(fields) = line.strip_prefix(&head) else {
            return Err(garbage(line.as_bytes()));
        };
        let mut f = fields.split(' ');
        match (f.next(), f.next(), f.next()) {
            (Some("DONE"), None, None) if rest.is_empty() => return Ok(snap),
            (Some("FILE"), Some(status), Some(hex)) => {
                let path = unhex(hex).ok_or_else(|| garbage(line.as_bytes()))?;
                // `find` supersets send more than was asked for, and a hostile host may send
                // anything: a path no entry selects is read past and never used.
                let keep = wanted(specs, &path);
                let fetched = match status {
                    "MISSING" => Fetched::Missing,
                    "NOTFILE" => Fetched::Failed("not a regular file".into()),
                    "UNREADABLE" => Fetched::Failed("permission denied".into()),
                    "TOOLARGE" => Fetched::Failed(format!(
                        "too large: {} bytes, the limit is {max}",
                        f.next().unwrap_or("?")
                    )),
                    "OK" => {
                        let at = find(rest, end.as_bytes()).ok_or_else(|| truncated(out))?;
                        let body = &rest[..at];
                        rest = &rest[at + end.len()..];
                        // The host sends at most max + 1 bytes (`head -c`): one more than the
                        // limit means the file is larger.
                        if body.len() as u64 > max {
                            Fetched::Failed(format!("too large: over {max} bytes"))
                        } else {
                            Fetched::Present(body.to_vec())
                        }
                    }
                    _ => return Err(garbage(line.as_bytes())),
                };
                if keep {
                    snap.files.insert(path, fetched);
                }
            }
            _ => return Err(garbage(line.as_bytes())),
        }
    }
}

/// Whether a path the host sent is one that was asked for.
fn wanted(specs: &[FileSpec], path: &str) -> bool {
    path.starts_with('/')
        && !path
            .split('/')
            .skip(1)
            .any(|s| s.is_empty() || s == "." || s == "..")
        && specs.iter().any(|s| s.matches(path))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) || s.len() > 8192 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn truncated(out: &[u8]) -> String {
    format!(
        "output ended early after {} bytes (connection cut or host stalled)",
        out.len()
    )
}

/// A short, printable excerpt of unexpected output.
fn garbage(bytes: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("unexpected output from the host (not confdrift's collector): {text:?}")
}

/// At most this much output is read from one host, whatever it sends.
pub(super) const MAX_HOST_BYTES: u64 = 256 * 1024 * 1024;

/// A fresh random token that frames this run's output.
pub(super) fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("CONFDRIFT-");
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), "CONFDRIFT-".len() + 32);
    }

    fn specs(patterns: &[&str]) -> Vec<FileSpec> {
        patterns
            .iter()
            .map(|p| FileSpec::new(p, None).unwrap())
            .collect()
    }

    /// Runs the script with the local `sh`, as the remote side would.
    fn run(script: &str) -> Vec<u8> {
        let mut child = Command::new("sh")
            .arg("-s")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().stdout
    }

    #[test]
    fn quoting_survives_hostile_names() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(
            sh_glob("/etc/my dir/*.conf").unwrap(),
            "'/etc/my dir/'*'.conf'"
        );
        assert_eq!(sh_glob("/etc/$(reboot)/*").unwrap(), "'/etc/$(reboot)/'*");
        assert_eq!(sh_glob("/etc/**/*.conf"), None);
        assert_eq!(sh_glob("/etc/[;]x"), None);
        assert_eq!(find_superset("/etc/**/{a,b}.conf"), "/etc/*.conf");
    }

    #[test]
    fn the_script_round_trips_real_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let r = root.display();
        std::fs::create_dir_all(root.join("conf.d/sub")).unwrap();
        std::fs::write(root.join("a b.yml"), "x: 1\nno newline at end").unwrap();
        std::fs::write(root.join("conf.d/1.conf"), b"\x00binary\n").unwrap();
        std::fs::write(root.join("conf.d/2.conf"), "").unwrap();
        std::fs::write(root.join("conf.d/sub/3.conf"), "deep").unwrap();
        std::fs::write(root.join("big"), vec![b'x'; 100]).unwrap();
        let sp = specs(&[
            &format!("{r}/a b.yml"),
            &format!("{r}/missing"),
            &format!("{r}/conf.d"),
            &format!("{r}/conf.d/*.conf"),
            &format!("{r}/**/3.conf"),
            &format!("{r}/big"),
        ]);
        let nonce = "n0nce";
        let out = run(&script(&sp, nonce, 50));
        let snap = parse_output(&out, &sp, nonce, 50).unwrap();
        let get = |p: &str| snap.files.get(&format!("{r}/{p}")).cloned();
        assert_eq!(
            get("a b.yml"),
            Some(Fetched::Present(b"x: 1\nno newline at end".to_vec()))
        );
        assert_eq!(get("missing"), Some(Fetched::Missing));
        assert_eq!(
            get("conf.d"),
            Some(Fetched::Failed("not a regular file".into()))
        );
        assert_eq!(
            get("conf.d/1.conf"),
            Some(Fetched::Present(b"\x00binary\n".to_vec()))
        );
        assert_eq!(get("conf.d/2.conf"), Some(Fetched::Present(vec![])));
        assert_eq!(
            get("conf.d/sub/3.conf"),
            Some(Fetched::Present(b"deep".to_vec()))
        );
        assert_eq!(
            get("big"),
            Some(Fetched::Failed("too large: over 50 bytes".into()))
        );
        assert_eq!(snap.files.len(), 7);
    }

    #[test]
    fn truncated_forged_and_garbage_output_are_errors() {
        let sp = specs(&["/etc/a.yml", "/etc/conf.d/*.conf"]);
        let n = "N1";
        let hex = |p: &str| p.bytes().map(|b| format!("{b:02x}")).collect::<String>();
        let ok = format!(
            "N1 FILE OK {}\nx: 1\n\nN1 END\nN1 DONE\n",
            hex("/etc/a.yml")
        );
        assert!(parse_output(ok.as_bytes(), &sp, n, 100).is_ok());
        let cut = &ok[..ok.len() - 8];
        assert!(
            parse_output(cut.as_bytes(), &sp, n, 100)
                .unwrap_err()
                .contains("ended early")
        );
        for sneaky in [
            "/etc/shadow",
            "/etc/conf.d/../../x.conf",
            "/etc/conf.d//x.conf",
        ] {
            let forged = format!("N1 FILE OK {}\nroot\nN1 END\nN1 DONE\n", hex(sneaky));
            let snap = parse_output(forged.as_bytes(), &sp, n, 100).unwrap();
            assert_eq!(
                snap.files.keys().collect::<Vec<_>>(),
                ["/etc/a.yml"],
                "{sneaky} is dropped"
            );
        }
        let motd = b"Welcome to Ubuntu!\n";
        assert!(
            parse_output(motd, &sp, n, 100)
                .unwrap_err()
                .contains("unexpected output")
        );
        let big = format!(
            "N1 FILE OK {}\n{}\nN1 END\nN1 DONE\n",
            hex("/etc/a.yml"),
            "y".repeat(200)
        );
        let snap = parse_output(big.as_bytes(), &sp, n, 100).unwrap();
        assert_eq!(
            snap.files["/etc/a.yml"],
            Fetched::Failed("too large: over 100 bytes".into()),
            "an oversized file fails alone, not the host"
        );
    }
}
