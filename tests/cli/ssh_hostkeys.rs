//! ssh's host key failures told apart, and `-v`'s trace of each ssh run, against a real sshd.

use crate::harness::Fleet;
use crate::sshd::{Behaviour, Lab};

/// A lab with one sshd and four aliases for it: `good` (its key is known), `unknown-strict`
/// (`StrictHostKeyChecking yes`, empty known_hosts), `unknown-ask` (the default `ask`, which
/// BatchMode turns into a silent refusal) and `changed` (known_hosts holds another key).
fn lab_with_aliases() -> (Lab, u16, Fleet) {
    let mut lab = Lab::new();
    let files = lab.path().join("files/h");
    std::fs::create_dir_all(files.join("etc")).unwrap();
    std::fs::write(files.join("etc/app.yml"), "pool: 50\n").unwrap();
    let port = lab.host("h", Behaviour::Serve(files));
    let d = lab.path().display().to_string();
    std::fs::write(lab.path().join("empty_known_hosts"), "").unwrap();
    let other = lab.path().join("other_host_key");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(keygen.success());
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other_pub: Vec<&str> = other_pub.split_whitespace().take(2).collect();
    std::fs::write(
        lab.path().join("wrong_known_hosts"),
        format!("[127.0.0.1]:{port} {}\n", other_pub.join(" ")),
    )
    .unwrap();
    let alias = |name: &str, known_hosts: &str, strict: &str| {
        format!(
            "Host {name}\n  HostName 127.0.0.1\n  Port {port}\n  User root\n  \
             IdentityFile {d}/id_ed25519\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/{known_hosts}\n  \
             GlobalKnownHostsFile /dev/null\n{strict}"
        )
    };
    let strict = "  StrictHostKeyChecking yes\n";
    std::fs::write(
        lab.path().join("aliases"),
        [
            alias("good", "known_hosts", strict),
            alias("unknown-strict", "empty_known_hosts", strict),
            alias("unknown-ask", "empty_known_hosts", ""),
            alias("changed", "wrong_known_hosts", strict),
        ]
        .concat(),
    )
    .unwrap();
    let f = Fleet::new(&format!(
        "[ssh]\nconfig = \"{d}/aliases\"\ntimeout = 60\n\n[[group]]\nname = \"app\"\n\
         hosts = [\"good\", \"unknown-strict\", \"unknown-ask\", \"changed\"]\ntransport = \"ssh\"\n\
         files = [\"{}/etc/app.yml\"]\n",
        lab.mount.display()
    ));
    f.group_baseline(
        "app",
        &format!("{}/etc/app.yml", lab.mount.display()),
        "pool: 50\n",
    );
    f.commit("baseline");
    (lab, port, f)
}

fn errors(out: &crate::harness::Output) -> Vec<(String, String)> {
    out.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["host"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn unknown_and_changed_host_keys_are_told_apart_with_what_to_do() {
    let (lab, port, f) = lab_with_aliases();
    let d = lab.path().display().to_string();
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let unknown = format!(
        "the host key of [127.0.0.1]:{port} is not in known_hosts: verify it out of band, then add \
         it (ssh-keyscan -p {port} 127.0.0.1 >> {d}/empty_known_hosts, or set \
         StrictHostKeyChecking=accept-new in your ssh config, your choice)"
    );
    let changed = format!(
        "THE HOST KEY OF [127.0.0.1]:{port} HAS CHANGED (possible man-in-the-middle): stop and \
         verify it with the host's owner before removing the old key (ssh-keygen -f \
         {d}/wrong_known_hosts -R '[127.0.0.1]:{port}')"
    );
    assert_eq!(
        errors(&out),
        [
            ("changed".to_string(), changed),
            ("unknown-ask".to_string(), unknown.clone()),
            ("unknown-strict".to_string(), unknown),
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn verbose_shows_each_ssh_command_line_its_time_and_all_ssh_said() {
    let (lab, _port, f) = lab_with_aliases();
    let d = lab.path().display().to_string();
    let quiet = f.run(&["check", "--host", "good", "--host", "changed"]);
    assert!(
        !quiet.stderr.contains("confdrift: good:"),
        "no trace without -v: {}",
        quiet.stderr
    );
    let out = f.run(&["check", "-v", "--host", "good", "--host", "changed"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let e = &out.stderr;
    assert!(
        e.contains(&format!(
            "confdrift: good: ssh -F {d}/aliases -T -o BatchMode=yes -o ConnectTimeout=10 -- good sh -s\n"
        )),
        "{e}"
    );
    assert!(
        e.contains("confdrift: good: ssh exited with 0 after "),
        "{e}"
    );
    assert!(
        e.contains("confdrift: changed: ssh exited with 255 after "),
        "{e}"
    );
    for line in [
        "REMOTE HOST IDENTIFICATION HAS CHANGED!",
        "Offending ED25519 key in",
        "Host key verification failed.",
    ] {
        assert!(
            e.lines()
                .any(|l| l.starts_with("confdrift: changed: ssh said: ") && l.contains(line)),
            "ssh's whole error is shown: {line}: {e}"
        );
    }
}
