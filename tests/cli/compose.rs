//! Docker Compose files judged by Compose itself, both versions: `config` (it normalizes a
//! file without a daemon) prints the model Compose reads. The judges are Compose v1 (Debian
//! bookworm's docker-compose 1.29.2, Python) and Compose v2, the current one (Debian trixie's
//! docker-compose 2.26.1, a Go binary; `.ci/run` fetches it from trixie as
//! `docker-compose-v2`). Equivalent rewrites of a real upstream file (awesome-compose's
//! nextcloud-redis-mariadb) print the same model under both, and confdrift finds no drift in
//! them; edits print another under both, and confdrift names the key that changed. Where the
//! two disagree (a bare build argument), confdrift follows v2.

use crate::harness::run_in;

const UPSTREAM: &str = include_str!("../../fixtures/upstream/awesome-compose/compose.yaml");

/// Compose v1 and v2, as installed by `.ci/run`.
const V1: &str = "docker-compose";
const V2: &str = "docker-compose-v2";

/// What `PROGRAM config` prints for `text` (no environment: nothing substituted; one
/// project name and the directory as `DIR`, so nothing depends on where it ran).
fn judge_with(program: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(program)
        .args(["-p", "confdrift", "-f"])
        .arg(&file)
        .arg("config")
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} must be installed (.ci/run installs Compose v1 and v2): {e}")
        });
    assert!(
        out.status.success(),
        "{program} config refused:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A build context is printed as an absolute path: the temporary directory's.
    String::from_utf8(out.stdout)
        .unwrap()
        .replace(&dir.path().display().to_string(), "DIR")
}

/// Whether Compose v1 and v2 each read `a` and `b` as the same model.
fn same_for(a: &str, b: &str) -> [bool; 2] {
    [V1, V2].map(|p| judge_with(p, a) == judge_with(p, b))
}

/// `confdrift diff old/compose.yaml new/compose.yaml`: (key, kind) of each finding, and the
/// text report.
fn confdrift(old: &str, new: &str) -> (Vec<(String, String)>, String) {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("old", old), ("new", new)] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("compose.yaml"), text).unwrap();
    }
    let json = run_in(
        dir.path(),
        &[
            "diff",
            "--format",
            "json",
            "old/compose.yaml",
            "new/compose.yaml",
        ],
    );
    assert!(json.code == 0 || json.code == 1, "{}", json.stderr);
    let r = json.json();
    assert!(
        r["notices"][0]
            .as_str()
            .unwrap()
            .contains("read as compose")
    );
    let found = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let text = run_in(
        dir.path(),
        &["diff", "old/compose.yaml", "new/compose.yaml"],
    );
    (found, text.stdout)
}

/// Every `environment:` list written as a mapping (`- KEY=value` as `KEY: 'value'`).
fn env_as_map(text: &str) -> String {
    let mut out = String::new();
    let mut in_env = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(at) = in_env {
            match line.trim_start().strip_prefix("- ") {
                Some(item) if indent > at => {
                    let (k, v) = item.split_once('=').unwrap_or((item, ""));
                    let v = if item.contains('=') {
                        format!(" '{v}'")
                    } else {
                        String::new()
                    };
                    out.push_str(&format!("{}{k}:{v}\n", &line[..indent]));
                    continue;
                }
                _ => in_env = None,
            }
        }
        if line.trim_start() == "environment:" {
            in_env = Some(indent);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The top-level sections in reverse order (`networks:` first, `services:` last).
fn sections_reversed(text: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() || blocks.is_empty() {
            blocks.push(String::new());
        }
        let last = blocks.last_mut().unwrap();
        last.push_str(line);
        last.push('\n');
    }
    blocks.reverse();
    blocks.concat()
}

fn with_nc(text: &str, extra: &str) -> String {
    text.replacen(
        "  nc:\n    image: nextcloud:apache\n",
        &format!("  nc:\n    image: nextcloud:apache\n{extra}"),
        1,
    )
}

#[test]
fn equivalent_rewrites_are_no_drift_as_compose_reads_them() {
    let labels_list = "    labels:\n      - com.example.tier=front\n      - com.example.bare\n    deploy:\n      replicas: 2\n";
    let labels_map = "    deploy: {replicas: 2}\n    labels:\n      com.example.bare: ''\n      \"com.example.tier\": front\n";
    let base = with_nc(UPSTREAM, labels_list);
    for rewritten in [
        env_as_map(UPSTREAM),
        sections_reversed(UPSTREAM),
        UPSTREAM.replace("- MYSQL_USER=nextcloud", "- \"MYSQL_USER=nextcloud\""),
        sections_reversed(&env_as_map(UPSTREAM)),
    ] {
        assert_eq!(same_for(UPSTREAM, &rewritten), [true, true], "{rewritten}");
        let (found, _) = confdrift(UPSTREAM, &rewritten);
        assert_eq!(found, vec![], "{rewritten}");
    }
    let rewritten = with_nc(&env_as_map(UPSTREAM), labels_map);
    assert_eq!(same_for(&base, &rewritten), [true, true], "{rewritten}");
    assert_eq!(confdrift(&base, &rewritten).0, vec![], "{rewritten}");
}

#[test]
fn edits_are_drift_named_by_key_as_compose_reads_them() {
    let replicas = |n: u32| with_nc(UPSTREAM, &format!("    deploy:\n      replicas: {n}\n"));
    let k = |key: &str, kind: &str| (key.to_string(), kind.to_string());
    for (old, new, want) in [
        (
            UPSTREAM.to_string(),
            env_as_map(&UPSTREAM.replacen("- MYSQL_USER=nextcloud", "- MYSQL_USER=nc", 2)),
            vec![
                k("services.db.environment.MYSQL_USER", "changed"),
                k("services.nc.environment.MYSQL_USER", "changed"),
            ],
        ),
        (
            replicas(2),
            replicas(3),
            vec![k("services.nc.deploy.replicas", "changed")],
        ),
        // A bare variable comes from the shell; `KEY=` sets it empty.
        (
            UPSTREAM.to_string(),
            UPSTREAM.replace("- REDIS_HOST=redis", "- REDIS_HOST"),
            vec![k("services.nc.environment.REDIS_HOST", "changed")],
        ),
        (
            UPSTREAM.replace("- REDIS_HOST=redis", "- REDIS_HOST"),
            UPSTREAM.replace("- REDIS_HOST=redis", "- REDIS_HOST="),
            vec![k("services.nc.environment.REDIS_HOST", "changed")],
        ),
        (
            UPSTREAM.to_string(),
            UPSTREAM.replace("      - MYSQL_HOST=db\n", ""),
            vec![k("services.nc.environment.MYSQL_HOST", "removed")],
        ),
    ] {
        assert_eq!(same_for(&old, &new), [false, false], "{new}");
        let (found, _) = confdrift(&old, &new);
        assert_eq!(found, want, "{new}");
    }
}

#[test]
fn passwords_in_environment_lists_are_not_shown() {
    let new = UPSTREAM.replacen(
        "- MYSQL_ROOT_PASSWORD=nextcloud",
        "- MYSQL_ROOT_PASSWORD=Tr0ub4dor-3",
        1,
    );
    assert_eq!(same_for(UPSTREAM, &new), [false, false]);
    let (found, text) = confdrift(UPSTREAM, &new);
    assert_eq!(
        found,
        vec![(
            "services.db.environment.MYSQL_ROOT_PASSWORD".to_string(),
            "changed".to_string()
        )]
    );
    assert!(!text.contains("Tr0ub4dor"), "{text}");
    assert!(text.contains("MYSQL_ROOT_PASSWORD"), "{text}");
}

#[test]
fn a_bare_build_argument_is_taken_from_the_shell_as_compose_v2_reads_it() {
    // `- VERSION` alone: v2 passes the shell's value, or nothing at all (the Dockerfile's
    // default) when the shell has none; v1 printed (and passed) the empty string, as for
    // `- VERSION=`. confdrift follows v2: the bare argument is not the empty one.
    let build = |arg: &str| {
        format!(
            "services:\n  app:\n    image: app\n    build:\n      context: .\n      args:\n        - {arg}\n        - MODE=prod\n"
        )
    };
    let (bare, empty) = (build("VERSION"), build("VERSION="));
    assert_eq!(same_for(&bare, &empty), [true, false]);
    assert!(!judge_with(V2, &bare).contains("VERSION"));
    assert!(judge_with(V2, &empty).contains("VERSION: \"\""));
    assert_eq!(
        confdrift(&bare, &empty).0,
        vec![(
            "services.app.build.args.VERSION".to_string(),
            "changed".to_string()
        )]
    );
    // Written as a mapping, the same two.
    let map = |v: &str| {
        build("MODE=prod").replace(
            "        - MODE=prod\n        - MODE=prod\n",
            &format!("        MODE: prod\n        VERSION:{v}\n"),
        )
    };
    assert_eq!(same_for(&map(""), &bare), [true, true]);
    assert_eq!(same_for(&map(" ''"), &empty), [true, true]);
    assert_eq!(confdrift(&map(""), &bare).0, vec![]);
    assert_eq!(confdrift(&map(" ''"), &empty).0, vec![]);
}

/// A service's ports as Compose v2 reads them: the short syntax, quoted or not, with its
/// defaults written out, or the long one, is the same model (v1 printed some of these
/// differently: its answers are shown, not required); a changed published port, protocol,
/// address or target is drift named by its field.
#[test]
fn ports_in_short_and_long_syntax_are_one_model_as_compose_v2_reads_them() {
    let ports = |items: &str| {
        UPSTREAM.replacen(
            "    ports:\n      - 80:80\n",
            &format!("    ports:\n{items}"),
            1,
        )
    };
    let base = ports("      - 80:80\n      - 9000-9001:9000-9001\n");
    assert_ne!(base, UPSTREAM);
    for rewritten in [
        ports("      - \"80:80\"\n      - \"9000-9001:9000-9001/tcp\"\n"),
        ports("      - target: 80\n        published: 80\n      - 9000:9000\n      - 9001:9001\n"),
        ports(
            "      - {mode: ingress, target: 80, published: \"80\", protocol: tcp}\n      - 9000-9001:9000-9001\n",
        ),
        ports(
            "      - 080:80\n      - target: 9000\n        published: 9000\n      - {target: 9001, published: \"9001\", protocol: tcp}\n",
        ),
    ] {
        let [v1, v2] = same_for(&base, &rewritten);
        assert!(v2, "Compose v2 reads these alike (v1: {v1}):\n{rewritten}");
        let (found, _) = confdrift(&base, &rewritten);
        assert_eq!(found, vec![], "{rewritten}");
    }
    // Spellings v1 refuses and v2 takes: an upper-case protocol, an empty one.
    let v2_only = ports("      - 80:80/TCP\n      - 9000-9001:9000-9001/\n");
    assert_eq!(judge_with(V2, &base), judge_with(V2, &v2_only));
    assert_eq!(confdrift(&base, &v2_only).0, vec![]);
    let k = |key: &str| (key.to_string(), "changed".to_string());
    for (new, want) in [
        (
            ports("      - 8080:80\n      - 9000-9001:9000-9001\n"),
            vec![k("services.nc.ports[0].published")],
        ),
        (
            ports("      - 80:80/udp\n      - 9000-9001:9000-9001\n"),
            vec![k("services.nc.ports[0].protocol")],
        ),
        // The long syntax's protocol is kept as written: `TCP` is not `tcp` to v2.
        (
            ports(
                "      - {target: 80, published: 80, protocol: TCP}\n      - 9000-9001:9000-9001\n",
            ),
            vec![k("services.nc.ports[0].protocol")],
        ),
        (
            ports("      - 80:80\n      - 9000-9001:9000-9001\n")
                .replace("9000-9001:9000-9001", "9000-9001:9100-9101"),
            vec![
                k("services.nc.ports[1].target"),
                k("services.nc.ports[2].target"),
            ],
        ),
    ] {
        assert!(!same_for(&base, &new)[1], "{new}");
        let (found, _) = confdrift(&base, &new);
        assert_eq!(found, want, "{new}");
    }
    let (found, _) = confdrift(
        &base,
        &ports("      - 127.0.0.1:80:80\n      - 9000-9001:9000-9001\n"),
    );
    assert_eq!(
        found,
        vec![(
            "services.nc.ports[0].host_ip".to_string(),
            "added".to_string()
        )]
    );
}
