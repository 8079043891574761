//! The ssh transport against real sshd servers (see `sshd.rs`), and the command transport.

use crate::harness::{Fleet, kinds};
use crate::sshd::{Behaviour, Lab};
use std::path::Path;
use std::time::{Duration, Instant};

const DB: &str = "production:\n  pool: 50\n  host: db-1\n";

/// Writes a host's files into `<lab>/files/<host>/...` (seen by that host's sshd at `mount`).
fn files(lab: &Lab, host: &str, rel: &str, content: &str) -> std::path::PathBuf {
    let root = lab.path().join("files").join(host);
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
    root
}

fn ssh_config(lab: &Lab, hosts: &[&str], patterns: &[&str], timeout: u64) -> String {
    let q = |xs: Vec<String>| {
        xs.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[ssh]\nconfig = {:?}\nconnect_timeout = {timeout}\ntimeout = {timeout}\n\n[[group]]\nname = \"app\"\nhosts = [{}]\ntransport = \"ssh\"\nfiles = [{}]\n",
        lab.ssh_config().display().to_string(),
        q(hosts.iter().map(|h| h.to_string()).collect()),
        q(patterns
            .iter()
            .map(|p| format!("{}{p}", lab.mount.display()))
            .collect()),
    )
}

#[test]
fn drift_missing_files_and_globs_over_ssh() {
    let mut lab = Lab::new();
    let m = lab.mount.display().to_string();
    let a1 = files(&lab, "app-1", "etc/app/database.yml", DB);
    files(&lab, "app-1", "etc/app/conf.d/a.conf", "gzip on;\n");
    let a2 = files(
        &lab,
        "app-2",
        "etc/app/database.yml",
        "production:\n  host: db-1\n  pool: 5\n",
    );
    files(&lab, "app-2", "etc/app/conf.d/a.conf", "gzip on;\n");
    files(&lab, "app-2", "etc/app/conf.d/b.conf", "gzip off;\n");
    let a3 = files(&lab, "app-3", "etc/app/conf.d/a.conf", "gzip on;\n");
    lab.host("app-1", Behaviour::Serve(a1));
    lab.host("app-2", Behaviour::Serve(a2));
    lab.host("app-3", Behaviour::Serve(a3));

    let f = Fleet::new(&ssh_config(
        &lab,
        &["app-1", "app-2", "app-3"],
        &["/etc/app/database.yml", "/etc/app/conf.d/*.conf"],
        60,
    ));
    f.group_baseline("app", &format!("{m}/etc/app/database.yml"), DB);
    f.group_baseline("app", &format!("{m}/etc/app/conf.d/a.conf"), "gzip on;\n");
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let t = |h: &str, p: &str, k: &str, kind: &str| {
        (
            h.to_string(),
            format!("{m}{p}"),
            k.to_string(),
            kind.to_string(),
        )
    };
    assert_eq!(
        kinds(&out.json()),
        vec![
            t("app-2", "/etc/app/conf.d/b.conf", "", "unexpected_file"),
            t(
                "app-2",
                "/etc/app/database.yml",
                "production.pool",
                "changed"
            ),
            t("app-3", "/etc/app/database.yml", "", "missing_file"),
        ]
    );
}

#[test]
fn broken_hosts_are_errors_and_the_rest_is_still_checked() {
    let mut lab = Lab::new();
    let m = lab.mount.display().to_string();
    let ok = files(
        &lab,
        "good",
        "etc/app/database.yml",
        "production:\n  pool: 5\n  host: db-1\n",
    );
    lab.host("good", Behaviour::Serve(ok.clone()));
    lab.host("down", Behaviour::Down);
    lab.host("silent", Behaviour::Silent);
    lab.host("stalls", Behaviour::Force(ok.clone(), "sleep 60"));
    lab.host(
        "garbage",
        Behaviour::Force(ok.clone(), "echo Welcome to the machine"),
    );
    lab.host(
        "truncated",
        Behaviour::Force(ok.clone(), "sh -s | head -c 80"),
    );
    lab.host(
        "midway",
        Behaviour::Force(ok, "sh -s | { head -c 80; sleep 60; }"),
    );
    let hosts = ["down", "silent", "stalls", "midway"];
    // Hosts that must fail by their behaviour, not by the clock, have a generous budget of
    // their own (a group's ssh = {...} wins over [ssh]), so a loaded machine cannot change
    // their error; the hosts whose point is the timeout get 3 s.
    let cfg = format!(
        "{}\n[[group]]\nname = \"healthy\"\nhosts = [\"good\", \"garbage\", \"truncated\", \"ghost@good\"]\ntransport = \"ssh\"\nssh = {{ timeout = 60, connect_timeout = 30 }}\nfiles = [\"{m}/etc/app/database.yml\"]\n",
        ssh_config(&lab, &hosts, &["/etc/app/database.yml"], 3)
    );
    let f = Fleet::new(&cfg);
    f.group_baseline("app", &format!("{m}/etc/app/database.yml"), DB);
    f.group_baseline("healthy", &format!("{m}/etc/app/database.yml"), DB);
    f.commit("baseline");
    let start = Instant::now();
    let out = f.run(&["check", "--format", "json"]);
    let took = start.elapsed();
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        took < Duration::from_secs(15),
        "bounded by the timeouts, took {took:?}"
    );
    let r = out.json();
    assert_eq!(
        kinds(&r).len(),
        1,
        "the good host's drift is reported: {}",
        out.stdout
    );
    let errors: Vec<(String, String)> = r["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["host"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let msg = |h: &str| {
        errors
            .iter()
            .find(|e| e.0 == h)
            .map(|e| e.1.clone())
            .unwrap_or_default()
    };
    assert_eq!(errors.len(), 7, "{errors:?}");
    // a user the host does not have: authentication fails
    assert!(
        msg("ghost@good").contains("Permission denied"),
        "{errors:?}"
    );
    assert!(msg("down").contains("Connection refused"), "{errors:?}");
    assert!(
        msg("silent").contains("timed out") || msg("silent").contains("banner"),
        "{errors:?}"
    );
    assert!(msg("stalls").contains("timed out after 3s"), "{errors:?}");
    assert!(
        msg("garbage").contains("unexpected output from the host"),
        "{errors:?}"
    );
    assert!(msg("truncated").contains("ended early"), "{errors:?}");
    assert!(msg("midway").contains("timed out after 3s"), "{errors:?}");
}

#[test]
fn hostile_host_names_never_reach_ssh() {
    let canary = tempfile::tempdir().unwrap();
    let pwned = canary.path().join("pwned");
    for bad in [
        format!("-oProxyCommand=touch {}", pwned.display()),
        format!("a;touch {}", pwned.display()),
        "$(reboot)".to_string(),
    ] {
        let cfg = format!(
            "[[group]]\nname = \"app\"\nhosts = [{bad:?}]\ntransport = \"ssh\"\nfiles = [\"/etc/x.yml\"]\n"
        );
        let f = Fleet::new(&cfg);
        let out = f.run(&["check"]);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("invalid host name"), "{}", out.stderr);
    }
    assert!(!pwned.exists());
}

#[test]
fn command_transport_runs_a_template_without_a_shell() {
    let f = Fleet::new("");
    let root = f.path().display().to_string();
    // Behaves like `kubectl exec POD -- cat PATH`: a missing pod is an error of its own.
    f.write(
        "kubectl-like",
        "#!/bin/sh\n[ -d \"$ROOT/fleet/$1\" ] || { echo \"Error from server (NotFound): pods \\\"$1\\\" not found\" >&2; exit 1; }\nexec cat \"$ROOT/fleet/$1$2\"\n",
    );
    let cfg = format!(
        "[[group]]\nname = \"pods\"\nhosts = [\"pod-a\", \"pod-b\", \"pod-gone\"]\ntransport = \"command\"\ncommand = [\"env\", \"ROOT={root}\", \"sh\", \"{root}/kubectl-like\", \"{{host}}\", \"{{path}}\"]\ntimeout = 5\nfiles = [\"/etc/app.properties\", \"/etc/extra.properties\"]\n"
    );
    f.write("confdrift.toml", &cfg);
    f.group_baseline("pods", "/etc/app.properties", "pool=50\n");
    f.commit("baseline");
    f.live("pod-a", "/etc/app.properties", "pool=50\n");
    f.live("pod-b", "/etc/app.properties", "pool=5\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let r = out.json();
    assert_eq!(
        kinds(&r),
        vec![(
            "pod-b".into(),
            "/etc/app.properties".into(),
            "pool".into(),
            "changed".into()
        )]
    );
    assert_eq!(r["errors"][0]["host"], "pod-gone");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("pods \"pod-gone\" not found"),
        "{}",
        out.stdout
    );
    assert_eq!(
        r["errors"].as_array().unwrap().len(),
        1,
        "a missing file is not an error"
    );
    assert!(!Path::new(&format!("{root}/fleet/pod-a/etc/extra.properties")).exists());
}

#[test]
fn collect_writes_the_fetch_layout_and_replaces_snapshots_whole() {
    let mut lab = Lab::new();
    let m = lab.mount.display().to_string();
    let a1 = files(&lab, "app-1", "etc/app/database.yml", DB);
    files(&lab, "app-1", "etc/app/conf.d/a.conf", "a\n");
    files(&lab, "app-1", "etc/app/conf.d/b.conf", "b\n");
    lab.host("app-1", Behaviour::Serve(a1.clone()));
    lab.host("app-2", Behaviour::Down);
    let f = Fleet::new(&ssh_config(
        &lab,
        &["app-1", "app-2"],
        &["/etc/app/database.yml", "/etc/app/conf.d/*.conf"],
        60,
    ));
    // an old snapshot of app-2, which must survive app-2 being unreachable
    f.write("snap/app-2/etc/old.yml", "old: true\n");

    let out = f.run(&["collect", "--out", "snap"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .starts_with("confdrift: collected 3 files from 1 of 2 hosts into snap; 1 error"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("error: app-2: "), "{}", out.stdout);
    let snap = f.path().join("snap");
    let read = |p: &str| std::fs::read_to_string(snap.join(p)).ok();
    assert_eq!(
        read(&format!("app-1{m}/etc/app/database.yml")).as_deref(),
        Some(DB)
    );
    assert_eq!(
        read(&format!("app-1{m}/etc/app/conf.d/b.conf")).as_deref(),
        Some("b\n")
    );
    assert_eq!(read("app-2/etc/old.yml").as_deref(), Some("old: true\n"));

    // b.conf is deleted on the host: the next snapshot has no trace of it
    std::fs::remove_file(a1.join("etc/app/conf.d/b.conf")).unwrap();
    let again = f.run(&["collect", "--out", "snap", "--host", "app-1"]);
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert_eq!(read(&format!("app-1{m}/etc/app/conf.d/b.conf")), None);
    assert_eq!(
        read(&format!("app-1{m}/etc/app/conf.d/a.conf")).as_deref(),
        Some("a\n")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&snap)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn ansible_inventory_hosts_ports_and_users_steer_ssh() {
    let mut lab = Lab::new();
    let m = lab.mount.display().to_string();
    let w1 = files(&lab, "w1", "etc/app/database.yml", DB);
    let w2 = files(
        &lab,
        "w2",
        "etc/app/database.yml",
        "production:\n  pool: 5\n  host: db-1\n",
    );
    let p1 = lab.host("unused-alias-1", Behaviour::Serve(w1));
    let p2 = lab.host("unused-alias-2", Behaviour::Serve(w2));
    let d = lab.path().display().to_string();
    // No per-host aliases: only the inventory says where web-1 and web-2 are, and as whom.
    std::fs::write(
        lab.path().join("plain_ssh_config"),
        format!(
            "Host *\n  User nobody\n  IdentityFile {d}/id_ed25519\n  IdentitiesOnly yes\n  \
             UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
        ),
    )
    .unwrap();
    let f = Fleet::new("");
    f.write(
        "inventory/hosts.ini",
        format!(
            "[web]\nweb-1 ansible_host=127.0.0.1 ansible_port={p1}\nweb-2 ansible_host=127.0.0.1 ansible_port={p2}\n\n[web:vars]\nansible_user=root\n"
        ),
    );
    f.write(
        "confdrift.toml",
        format!(
            "[inventory]\nansible = \"inventory/hosts.ini\"\n\n[ssh]\nconfig = {:?}\ntimeout = 60\n\n[[group]]\nname = \"web\"\ntransport = \"ssh\"\nfiles = [\"{m}/etc/app/database.yml\"]\n",
            format!("{d}/plain_ssh_config")
        ),
    );
    f.group_baseline("web", &format!("{m}/etc/app/database.yml"), DB);
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["summary"]["hosts"], 2);
    assert_eq!(
        kinds(&r),
        vec![(
            "web-2".into(),
            format!("{m}/etc/app/database.yml"),
            "production.pool".into(),
            "changed".into()
        )]
    );

    // A group the inventory does not have, with no hosts of its own, is a config error.
    f.write(
        "confdrift.toml",
        "[inventory]\nansible = \"inventory/hosts.ini\"\n\n[[group]]\nname = \"dbs\"\ntransport = \"ssh\"\nfiles = [\"/etc/x\"]\n",
    );
    let bad = f.run(&["check"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("the inventory has no group of that name"),
        "{}",
        bad.stderr
    );
}
