//! Differential: a rule's key is read as the program reads its keywords. sshd (`sshd -T`)
//! and PostgreSQL (`postgres -C`) take a keyword in any case; a rule written in the case of
//! the documentation (`PermitRootLogin`, `MAX_CONNECTIONS`) checks the value the program
//! runs with, whatever case the file uses.

use crate::harness::{Fleet, app_config};
use std::path::Path;
use std::process::Command;

const SSHD: &str = "/usr/sbin/sshd";

/// What `sshd -T` reads for `keyword` (lowercase) from `config`.
fn sshd_reads(dir: &Path, config: &str, keyword: &str) -> String {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install openssh-server (.ci/run does)"
    );
    std::fs::create_dir_all("/run/sshd").unwrap(); // sshd -T checks it exists
    let key = dir.join("hostkey");
    if !key.exists() {
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let file = dir.join("sshd_config");
    std::fs::write(&file, format!("HostKey {}\n{config}", key.display())).unwrap();
    let out = Command::new(SSHD)
        .arg("-T")
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{keyword} ")).map(str::to_string))
        .unwrap_or_else(|| panic!("sshd -T printed no {keyword}"))
}

/// The check's findings on one file: (key, message).
fn findings(f: &Fleet) -> Vec<(String, String)> {
    let out = f.run(&["check", "--format", "json"]);
    assert!(out.code <= 1, "{}{}", out.stdout, out.stderr);
    out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["key"].as_str().unwrap().to_string(),
                x["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn sshd_keywords_in_any_case_are_the_rules_keyword() {
    let dir = tempfile::tempdir().unwrap();
    let path = "/etc/ssh/sshd_config";
    for (written, runs) in [
        ("PERMITROOTLOGIN yes\n", "yes"),
        ("permitRootLogin no\n", "no"),
    ] {
        assert_eq!(
            sshd_reads(dir.path(), written, "permitrootlogin"),
            runs,
            "{written}"
        );
        let f = Fleet::new(&format!(
            "{}\n[[rule]]\nkey = \"PermitRootLogin\"\none_of = [\"no\"]\n",
            app_config(&["h"], &[path])
        ));
        f.group_baseline("app", path, written);
        f.commit("baseline");
        f.live("h", path, written);
        let want: Vec<(String, String)> = if runs == "no" {
            Vec::new()
        } else {
            vec![(
                "permitrootlogin".to_string(),
                "permitrootlogin yes is not one of [no] (the baseline too)".to_string(),
            )]
        };
        assert_eq!(findings(&f), want, "{written}");
    }
}

#[test]
fn postgresql_settings_in_any_case_are_the_rules_setting() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let written = "MAX_Connections = 150\n";
    std::fs::write(data.join("postgresql.conf"), written).unwrap();
    let bin = crate::bytes::postgres();
    let out = Command::new(&bin)
        .args(["-C", "max_connections", "-D"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "150");

    let path = "/etc/postgresql/16/main/postgresql.conf";
    let f = Fleet::new(&format!(
        "{}\n[[rule]]\nkey = \"MAX_CONNECTIONS\"\nmin = 200\n",
        app_config(&["db"], &[path])
    ));
    f.group_baseline("app", path, written);
    f.commit("baseline");
    f.live("db", path, written);
    assert_eq!(
        findings(&f),
        [(
            "max_connections".to_string(),
            "max_connections 150 is below the minimum 200 (the baseline too)".to_string()
        )]
    );
}
