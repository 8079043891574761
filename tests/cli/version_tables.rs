//! One table per program version: a setting whose compiled-in default changed between two
//! shipped versions is an explicit default (no drift) under the version whose default it is,
//! and drift under the other, with `confdrift diff --program-version X`; the version in a
//! Debian path (`/etc/postgresql/16/main/`) picks that version's table; the notice names the
//! table used, and a version confdrift has no table for gets none (no neighbour is guessed).
//! Each pair of defaults is the one the generated tables hold (`src/normalize/defaults/`).

use std::process::Command;

/// `confdrift diff --program-version VERSION` of a file named `name` with text `a` and `b`:
/// (finding keys, notices).
fn diff(name: &str, version: &str, a: &str, b: &str) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("a", a), ("b", b)] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join(name), text).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_confdrift"))
        .args(["diff", "--program-version", version, "--format", "json"])
        .arg(dir.path().join("a").join(name))
        .arg(dir.path().join("b").join(name))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let strings = |v: &serde_json::Value, field: Option<&str>| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| match field {
                Some(f) => x[f].as_str(),
                None => x.as_str(),
            })
            .map(str::to_string)
            .collect()
    };
    (
        strings(&json["findings"], Some("key")),
        strings(&json["notices"], None),
    )
}

/// `line` added to `base`: no drift under `same` (whose default it writes out, and the notice
/// names that version's table), drift on `key` under `other`.
fn explicit_default_under(name: &str, base: &str, line: &str, key: &str, same: &str, other: &str) {
    let with = format!("{base}{line}\n");
    let (keys, notices) = diff(name, same, base, &with);
    assert!(keys.is_empty(), "{line} under {same}: {keys:?}");
    assert!(
        notices
            .iter()
            .any(|n| n.contains(" table for ") && n.contains(&format!(" {same}, from "))),
        "{line} under {same}: no notice names the table: {notices:?}"
    );
    let (keys, _) = diff(name, other, base, &with);
    assert_eq!(keys, [key], "{line} under {other}");
}

#[test]
fn postgresql_defaults_are_the_major_versions_own() {
    let base = "max_connections = 200\n";
    let pg = |line, key, same, other| {
        explicit_default_under("postgresql.conf", base, line, key, same, other)
    };
    // PostgreSQL 15 doubled hash_mem_multiplier, and logs checkpoints by default.
    pg(
        "hash_mem_multiplier = 1.0",
        "hash_mem_multiplier",
        "13",
        "15",
    );
    pg(
        "hash_mem_multiplier = 2.0",
        "hash_mem_multiplier",
        "15",
        "13",
    );
    pg("log_checkpoints = off", "log_checkpoints", "14", "15");
    pg("log_checkpoints = on", "log_checkpoints", "15", "14");
    // PostgreSQL 17 raised vacuum_buffer_usage_limit from 256kB to 2MB.
    pg(
        "vacuum_buffer_usage_limit = 256kB",
        "vacuum_buffer_usage_limit",
        "16",
        "17",
    );
    pg(
        "vacuum_buffer_usage_limit = '2MB'",
        "vacuum_buffer_usage_limit",
        "17",
        "16",
    );
    // No table for 12, none guessed from 13: drift, and the notice says why.
    let (keys, notices) = diff(
        "postgresql.conf",
        "12",
        base,
        &format!("{base}hash_mem_multiplier = 1.0\n"),
    );
    assert_eq!(keys, ["hash_mem_multiplier"]);
    assert!(
        notices.iter().any(|n| n
            .contains("no defaults table for PostgreSQL 12 (confdrift has 13, 14, 15, 16, 17)")),
        "{notices:?}"
    );
}

/// `check` of one host whose postgresql.conf at `path` adds `line` to the group's: (finding
/// keys, notices).
fn check_pg(path: &str, line: &str) -> (Vec<String>, Vec<String>) {
    let f = crate::harness::Fleet::new(&crate::harness::app_config(&["db"], &[path]));
    f.group_baseline("app", path, "max_connections = 200\n");
    f.commit("baseline");
    f.live("db", path, format!("max_connections = 200\n{line}\n"));
    let out = f.run(&["check", "--format", "json"]);
    assert!(out.code <= 1, "{}{}", out.stdout, out.stderr);
    let json = out.json();
    let list = |v: &serde_json::Value, field: Option<&str>| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| field.map_or(x.as_str(), |f| x[f].as_str()))
            .map(str::to_string)
            .collect()
    };
    (
        list(&json["findings"], Some("key")),
        list(&json["notices"], None),
    )
}

#[test]
fn the_version_in_debians_path_picks_its_table_and_the_notice_names_it() {
    let line = "vacuum_buffer_usage_limit = 256";
    let (keys, notices) = check_pg("/etc/postgresql/16/main/postgresql.conf", line);
    assert!(keys.is_empty(), "{keys:?}");
    assert!(
        notices.iter().any(|n| n
            .contains("defaults table for PostgreSQL 16, from postgres (PostgreSQL) 16.")
            && n.contains("the version read from the path")),
        "{notices:?}"
    );
    let (keys, _) = check_pg("/etc/postgresql/17/main/postgresql.conf", line);
    assert_eq!(keys, ["vacuum_buffer_usage_limit"]);
}

#[test]
fn sshd_defaults_are_the_openssh_versions_own() {
    let base = "PermitRootLogin no\n";
    // OpenSSH 10.0 marks interactive traffic EF, bulk CS1 (9.2: lowdelay, throughput).
    explicit_default_under(
        "sshd_config",
        base,
        "IPQoS lowdelay throughput",
        "ipqos",
        "9.2",
        "10.0",
    );
    explicit_default_under("sshd_config", base, "IPQoS ef cs1", "ipqos", "10.0", "9.2");
    // CASignatureAlgorithms: OpenSSH 9.2 puts ssh-ed25519 first (8.4: the ECDSA ones).
    let ca84 = "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,ssh-ed25519,sk-ssh-ed25519@openssh.com,rsa-sha2-512,rsa-sha2-256";
    let line = format!("CASignatureAlgorithms {ca84}");
    explicit_default_under(
        "sshd_config",
        base,
        &line,
        "casignaturealgorithms",
        "8.4",
        "9.2",
    );
    let (keys, notices) = diff(
        "sshd_config",
        "9.3",
        base,
        &format!("{base}IPQoS lowdelay throughput\n"),
    );
    assert_eq!(keys, ["ipqos"]);
    assert!(
        notices
            .iter()
            .any(|n| n.contains("no sshd_config table for OpenSSH 9.3")),
        "{notices:?}"
    );
}

/// `confdrift check` of a host whose sshd_config is its group's baseline (`PermitRootLogin no`)
/// with `line` added, under `version = "VERSION"`: (exit code, the errors as (file, line,
/// message)).
fn sshd_check(version: &str, line: &str) -> (i32, Vec<(String, u64, String)>) {
    let path = "/etc/ssh/sshd_config";
    let config = crate::harness::app_config(&["db"], &[path])
        .replace("files =", &format!("version = \"{version}\"\nfiles ="));
    let f = crate::harness::Fleet::new(&config);
    let base = "PermitRootLogin no\n";
    f.group_baseline("app", path, base);
    f.commit("baseline");
    f.live("db", path, format!("{base}{line}\n"));
    let out = f.run(&["check", "--format", "json"]);
    let errors = out.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or("").to_string(),
                e["line"].as_u64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    (out.code, errors)
}

/// `line` (the sshd_config's line 2) is what sshd of `refused_by` refuses, naming `name`, and
/// what sshd of `taken_by` takes: trouble (exit 2) at that file and line under the one, drift
/// only (exit 1) under the other.
fn refused_under_taken_under(line: &str, name: &str, refused_by: &str, taken_by: &str) {
    let (code, errors) = sshd_check(refused_by, line);
    assert_eq!(code, 2, "{line} under {refused_by}: {errors:?}");
    assert!(
        errors
            .iter()
            .any(|(file, l, message)| file == "/etc/ssh/sshd_config"
                && *l == 2
                && message.contains(name)
                && message.contains(&format!("OpenSSH {refused_by}'s sshd refuses"))),
        "{line} under {refused_by}: {errors:?}"
    );
    let (code, errors) = sshd_check(taken_by, line);
    assert_eq!((code, errors), (1, Vec::new()), "{line} under {taken_by}");
}

#[test]
fn sshd_8_4s_algorithm_names_are_its_own() {
    // OpenSSH 8.4p1 (Debian bullseye, openssh-server 1:8.4p1-5+deb11u7) still has the
    // rijndael-cbc@lysator.liu.se alias: its `sshd -t` takes `Ciphers rijndael-cbc@lysator.liu.se`,
    // where 9.2p1's (bookworm, 1:9.2p1-2+deb12u10) says "Bad SSH2 cipher spec".
    refused_under_taken_under(
        "Ciphers rijndael-cbc@lysator.liu.se",
        "rijndael-cbc@lysator.liu.se",
        "9.2",
        "8.4",
    );
    // And the other way: sntrup761x25519-sha512@openssh.com came in 8.5; 8.4p1's `sshd -t`
    // says "Bad SSH2 KexAlgorithms", 9.2p1's takes it.
    refused_under_taken_under(
        "KexAlgorithms sntrup761x25519-sha512@openssh.com",
        "sntrup761x25519-sha512@openssh.com",
        "8.4",
        "9.2",
    );
}

#[test]
fn sshd_10_0s_algorithm_names_are_its_own() {
    // OpenSSH 10.0 has no DSA: 10.0p2's `sshd -t` (Debian trixie, openssh-server
    // 1:10.0p1-7+deb13u4) says "Bad key types 'ssh-dss'", 9.2p1's (bookworm) takes it.
    refused_under_taken_under("HostKeyAlgorithms ssh-dss", "ssh-dss", "10.0", "9.2");
    // And the other way: mlkem768x25519-sha256 is new in 9.9; 9.2p1's `sshd -t` says "Bad
    // SSH2 KexAlgorithms", 10.0p2's takes it.
    refused_under_taken_under(
        "KexAlgorithms mlkem768x25519-sha256",
        "mlkem768x25519-sha256",
        "9.2",
        "10.0",
    );
}

#[test]
fn redis_defaults_are_the_versions_own() {
    let base = "port 6379\n";
    // Redis 7.0 syncs replicas diskless by default; 8.0 has a setting 7.0 does not.
    explicit_default_under(
        "redis.conf",
        base,
        "repl-diskless-sync no",
        "repl-diskless-sync",
        "6.0",
        "7.0",
    );
    explicit_default_under(
        "redis.conf",
        base,
        "repl-diskless-sync yes",
        "repl-diskless-sync",
        "7.0",
        "6.0",
    );
    explicit_default_under(
        "redis.conf",
        base,
        "max-new-connections-per-cycle 10",
        "max-new-connections-per-cycle",
        "8.0",
        "7.0",
    );
}

#[test]
fn pgbouncer_defaults_are_the_versions_own() {
    let base = "[pgbouncer]\nlisten_port = 6432\n";
    // PgBouncer 1.24 tries TLS to the server first.
    explicit_default_under(
        "pgbouncer.ini",
        base,
        "server_tls_sslmode = disable",
        "pgbouncer.server_tls_sslmode",
        "1.18",
        "1.24",
    );
    explicit_default_under(
        "pgbouncer.ini",
        base,
        "server_tls_sslmode = prefer",
        "pgbouncer.server_tls_sslmode",
        "1.24",
        "1.18",
    );
}

#[test]
fn ssh_client_defaults_are_the_openssh_versions_own() {
    let base = "Host *\n    SendEnv LANG LC_*\n";
    // CheckHostIP: yes in OpenSSH 8.4, no in 9.2.
    explicit_default_under(
        "ssh_config",
        base,
        "    CheckHostIP yes",
        "host.*.checkhostip",
        "8.4",
        "9.2",
    );
    explicit_default_under(
        "ssh_config",
        base,
        "    CheckHostIP no",
        "host.*.checkhostip",
        "9.2",
        "8.4",
    );
    // IPQoS: lowdelay throughput in 9.2, ef cs1 in 10.0.
    explicit_default_under(
        "ssh_config",
        base,
        "    IPQoS ef cs1",
        "host.*.ipqos",
        "10.0",
        "9.2",
    );
}

#[test]
fn mariadb_defaults_are_the_versions_own() {
    let base = "[mysqld]\nmax_connections = 500\n";
    // explicit_defaults_for_timestamp: off in MariaDB 10.5, on in 10.11.
    explicit_default_under(
        "my.cnf",
        base,
        "explicit_defaults_for_timestamp = 0",
        "mysqld.explicit_defaults_for_timestamp",
        "10.5",
        "10.11",
    );
    explicit_default_under(
        "my.cnf",
        base,
        "explicit_defaults_for_timestamp = 1",
        "mysqld.explicit_defaults_for_timestamp",
        "10.11",
        "10.5",
    );
    // innodb_undo_tablespaces: 0 in 10.11, 3 in 11.8.
    explicit_default_under(
        "my.cnf",
        base,
        "innodb_undo_tablespaces = 3",
        "mysqld.innodb_undo_tablespaces",
        "11.8",
        "10.11",
    );
}
