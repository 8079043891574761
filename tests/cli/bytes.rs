//! Files that are not UTF-8 (issue 16, item 14): a Latin-1 postgresql.conf is read as
//! PostgreSQL reads it (bytes; values compared byte for byte, shown with `\xE9` escapes), and
//! binary files (a keystore, a DER certificate) are watched by content hash, never shown.

use crate::baseline_repo::{run_env, with_identity};
use crate::harness::{Fleet, kinds};
use std::path::Path;
use std::process::Command;

const PG: &str = "/etc/postgresql/15/main/postgresql.conf";

/// A Latin-1 postgresql.conf: comments and two string values with é (0xE9).
const LATIN1: &[u8] = b"# r\xe9glage du serveur (\xe9t\xe9 2026)\n\
max_connections = 150\n\
log_line_prefix = 'caf\xe9 '   # pr\xe9fixe\n\
search_path = 'caf\xe9'\n";

fn db_config(files: &[&str]) -> String {
    let files: Vec<String> = files.iter().map(|f| format!("{f:?}")).collect();
    format!(
        "[[group]]\nname = \"db\"\nhosts = [\"db-1\", \"db-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [{}]\n",
        files.join(", ")
    )
}

#[test]
fn a_latin1_postgresql_conf_is_compared_byte_for_byte_and_shown_escaped() {
    let f = Fleet::new(&db_config(&[PG]));
    f.write(&format!("baselines/groups/db{PG}"), LATIN1);
    f.commit("baseline");
    // db-1: other Latin-1 comments, other spacing: no drift.
    f.live(
        "db-1",
        PG,
        b"# r\xe9glages modifi\xe9s\nmax_connections=150\nlog_line_prefix='caf\xe9 '\nsearch_path='caf\xe9'   # \xe0 voir\n",
    );
    // db-2: one value changed by one byte (\xe9 -> \xe8), and one spelled in UTF-8.
    f.live(
        "db-2",
        PG,
        [
            &b"max_connections = 150\nlog_line_prefix = 'caf\xe8 '\n"[..],
            "search_path = 'café'\n".as_bytes(),
        ]
        .concat(),
    );
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["errors"], 0, "{}", out.stdout);
    let k = kinds(&r);
    assert_eq!(
        k,
        [
            (
                "db-2".into(),
                PG.into(),
                "log_line_prefix".into(),
                "changed".into()
            ),
            (
                "db-2".into(),
                PG.into(),
                "search_path".into(),
                "changed".into()
            ),
        ],
        "{}",
        out.stdout
    );
    let f0 = &r["findings"][0];
    assert_eq!(f0["baseline"], "caf\\xE9 ");
    assert_eq!(f0["live"], "caf\\xE8 ");
    assert_eq!(f0["line"], 2);
    assert_eq!(f0["baseline_line"], 3);
    assert_eq!(r["findings"][1]["baseline"], "caf\\xE9");
    assert_eq!(r["findings"][1]["live"], "café");
    let text = f.run(&["check"]);
    assert!(
        text.stdout.contains("baseline caf\\xE9 ") && text.stdout.contains("live     caf\\xE8 "),
        "{}",
        text.stdout
    );
}

/// The PostgreSQL server binary: on the PATH, else where Debian's packages put it. Missing is a
/// failure, never a skip (.ci/run installs the postgresql package).
pub fn postgres() -> std::path::PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("postgres"))
            .find(|p| p.is_file())
    });
    let debian = || {
        let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin/postgres"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    };
    on_path.or_else(debian).expect(
        "the PostgreSQL server (postgres) is needed for this test: apt-get install postgresql \
         (.ci/run does)",
    )
}

/// `\xHH` for each byte of `bytes` that is not part of valid UTF-8: how confdrift shows them.
fn escaped(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Differential: what the real server reads from the Latin-1 file is what confdrift reads.
#[test]
fn postgres_reads_the_latin1_file_as_confdrift_does() {
    let bin = postgres();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("postgresql.conf"), LATIN1).unwrap();
    std::fs::write(dir.path().join("postgresql.conf"), b"").unwrap();
    // `-C` first: the server only reads its configuration and prints one setting (and, as
    // the first argument, it may do so as root).
    let server = |setting: &str| {
        Command::new(&bin)
            .args(["-C", setting, "-D"])
            .arg(&data)
            .output()
            .unwrap()
    };
    let out = crate::harness::run_in(
        dir.path(),
        &[
            "diff",
            "--format",
            "json",
            "postgresql.conf",
            "data/postgresql.conf",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    let ours = |key: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .map(|f| {
                f["live"]
                    .as_str()
                    .map_or(f["live"].to_string(), str::to_string)
            })
            .unwrap_or_else(|| panic!("no {key} in {}", out.stdout))
    };
    for setting in ["max_connections", "log_line_prefix", "search_path"] {
        let pg = server(setting);
        assert!(
            pg.status.success(),
            "postgres -C {setting} failed: {}",
            String::from_utf8_lossy(&pg.stderr)
        );
        let value = pg.stdout.strip_suffix(b"\n").unwrap_or(&pg.stdout);
        assert_eq!(ours(setting), escaped(value), "{setting}");
    }
    assert_eq!(ours("log_line_prefix"), "caf\\xE9 ");
}

/// A keystore with a secret-looking marker inside: it must never show.
fn keystore(version: u8) -> Vec<u8> {
    let mut k = vec![0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1];
    k.extend_from_slice(b"KEYSTORE-MARKER-s3cr3t");
    k.extend((0u8..=255).cycle().take(300));
    k.push(version);
    k
}

#[test]
fn a_binary_file_is_watched_by_content_hash_and_accepted_as_is() {
    let (jks, der, blob) = (
        "/etc/ssl/app.jks",
        "/etc/ssl/certs/app.crt",
        "/etc/app/license",
    );
    let config = format!(
        "[[group]]\nname = \"app\"\nhosts = [\"app-1\", \"app-2\"]\ntransport = \"dir\"\nroot = \"fleet\"\nfiles = [{jks:?}, {der:?}, {{ path = {blob:?}, format = \"binary\" }}]\n"
    );
    let f = Fleet::new(&config);
    with_identity(&f);
    f.write(".gitignore", "fleet/\n");
    // A DER certificate starts 30 82 and holds NUL bytes; its name says nothing.
    let cert = b"\x30\x82\x01\x0a\x02\x01\x00\x30\x0d\x06\x09KEYSTORE-MARKER-s3cr3t".to_vec();
    let license = b"licensed to: example (plain text, read as binary)\n".to_vec();
    for (path, bytes) in [
        (jks, keystore(1)),
        (der, cert.clone()),
        (blob, license.clone()),
    ] {
        f.write(&format!("baselines/groups/app{path}"), &bytes);
        f.live("app-1", path, &bytes);
    }
    f.commit("baseline");
    f.live("app-2", jks, keystore(2));
    f.live("app-2", der, &cert);
    f.live("app-2", blob, b"licensed to: someone else\n");

    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["errors"], 0, "{}", out.stdout);
    assert_eq!(
        kinds(&r),
        [
            (
                "app-2".into(),
                blob.into(),
                "content".into(),
                "changed".into()
            ),
            (
                "app-2".into(),
                jks.into(),
                "content".into(),
                "changed".into()
            ),
        ],
        "an identical binary (the certificate) is no finding: {}",
        out.stdout
    );
    let f1 = &r["findings"][1];
    let (b, l) = (
        f1["baseline"].as_str().unwrap(),
        f1["live"].as_str().unwrap(),
    );
    assert!(
        b.starts_with("sha256:") && b.ends_with(", 335 bytes"),
        "{b}"
    );
    assert!(l.starts_with("sha256:") && l != b, "{l}");
    assert!(f1["line"].is_null() && f1["baseline_line"].is_null());
    for format in ["text", "json", "markdown", "junit", "github"] {
        let out = f.run(&["check", "--format", format]);
        assert!(
            !out.stdout.contains("KEYSTORE-MARKER") && !out.stdout.contains("someone"),
            "{format}: a binary file's content is never shown:\n{}",
            out.stdout
        );
    }
    // diff of two binary files says the same.
    let out = crate::harness::run_in(
        f.path(),
        &[
            "diff",
            "baselines/groups/app/etc/ssl/app.jks",
            "fleet/app-2/etc/ssl/app.jks",
        ],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("content") && out.stdout.contains("sha256:"),
        "{}",
        out.stdout
    );

    // accept stores the binary as it is; then it is no drift.
    let out = run_env(
        f.path(),
        &["accept", "--host", "app-2", "-m", "app-2's keystore"],
        &[],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let stored = Command::new("git")
        .args(["show", "HEAD:baselines/hosts/app-2/etc/ssl/app.jks"])
        .current_dir(f.path())
        .output()
        .unwrap();
    assert_eq!(stored.stdout, keystore(2), "stored byte for byte");
    assert_eq!(f.run(&["check"]).code, 0);
    assert!(Path::new(&f.path().join("baselines/hosts/app-2/etc/app/license")).exists());
}

/// Binary garbage in a file of no structured format is a binary file, not trouble; a NUL in a
/// structured format is still trouble, saying how to watch a binary file.
#[test]
fn binary_content_without_a_format_is_hashed_and_with_one_is_trouble() {
    let f = Fleet::new(&db_config(&["/etc/app/data.bin", PG]));
    let mut garbage = b"header\n".to_vec();
    garbage.extend((0u8..=255).cycle().take(4096));
    f.write("baselines/groups/db/etc/app/data.bin", &garbage);
    f.write(
        &format!("baselines/groups/db{PG}"),
        b"max_connections = 150\n",
    );
    f.commit("baseline");
    for h in ["db-1", "db-2"] {
        f.live(h, "/etc/app/data.bin", &garbage);
        f.live(h, PG, b"max_connections = 150\n");
    }
    f.live("db-2", PG, b"max_connections = 150\n\0");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(kinds(&r), Vec::<(String, String, String, String)>::new());
    let e = &r["errors"][0];
    assert_eq!(
        (e["host"].as_str(), e["file"].as_str()),
        (Some("db-2"), Some(PG))
    );
    assert_eq!(e["line"], 2);
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("not a text file") && msg.contains("format = \"binary\""),
        "{msg}"
    );
}

/// A secret with bytes that are not UTF-8 is fingerprinted in place, over its bytes, and the
/// rest of the file keeps its own bytes.
#[test]
fn a_latin1_secret_is_fingerprinted_in_place() {
    let conf = "/etc/redis/redis.conf";
    let f = Fleet::new(&db_config(&[conf]));
    f.write(".gitignore", "fleet/\n");
    let live: &[u8] = b"# cl\xe9 du cache\nrequirepass Mot-de-passe-\xe9t\xe9-42\nmaxmemory 1gb\n";
    f.live("db-1", conf, live);
    f.live("db-2", conf, live);
    let key = [("CONFDRIFT_SECRET_KEY", crate::baseline_repo::KEY)];
    let out = run_env(f.path(), &["init", "--from-live"], &key);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let written = std::fs::read(f.path().join("baselines/groups/db/etc/redis/redis.conf")).unwrap();
    assert!(written.starts_with(b"# cl\xe9 du cache\nrequirepass hmac-sha256:"));
    assert!(written.ends_with(b"\nmaxmemory 1gb\n"));
    assert!(
        !written.windows(5).any(|w| w == b"passe"),
        "no secret in clear"
    );
    f.commit("baseline");
    assert_eq!(run_env(f.path(), &["check"], &key).code, 0);
    f.live(
        "db-2",
        conf,
        b"requirepass Mot-de-passe-\xe8t\xe9-42\nmaxmemory 1gb\n",
    );
    let out = run_env(f.path(), &["check", "--format", "json"], &key);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("changed (secret value)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("passe"), "{}", out.stdout);
}
