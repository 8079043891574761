//! The inventory variables that change how a host is reached, against real sshd servers (see
//! `sshd.rs`): a private key file, extra ssh arguments, `ansible_connection=local`, become
//! through a real `sudo -n`, and the warning for variables confdrift does not use.

use crate::harness::{Fleet, kinds};
use crate::sshd::{Behaviour, Lab};
use std::os::unix::fs::PermissionsExt;

/// A client config that reaches nothing by itself: no usable key (the one named does not
/// exist, no agent), the lab's known_hosts. Only what the inventory adds can open a host.
fn keyless_ssh_config(lab: &Lab) -> String {
    let d = lab.path().display();
    let path = lab.path().join("keyless_ssh_config");
    std::fs::write(
        &path,
        format!(
            "Host *\n  IdentityFile {d}/no-such-key\n  IdentitiesOnly yes\n  IdentityAgent none\n  \
             UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  \
             StrictHostKeyChecking yes\n  ConnectionAttempts 1\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

fn errors(out: &crate::harness::Output) -> Vec<(String, String)> {
    out.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["host"].as_str().unwrap_or("").to_string(),
                e["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn message(errors: &[(String, String)], host: &str) -> String {
    errors
        .iter()
        .find(|e| e.0 == host)
        .map(|e| e.1.clone())
        .unwrap_or_default()
}

#[test]
fn a_private_key_file_and_ssh_arguments_from_the_inventory_open_the_host() {
    let mut lab = Lab::new();
    let m = lab.mount.display().to_string();
    let root = lab.path().join("files/k");
    std::fs::create_dir_all(root.join("etc/app")).unwrap();
    std::fs::write(root.join("etc/app/app.yml"), "pool: 5\n").unwrap();
    let port = lab.host("k", Behaviour::Serve(root));
    let key = lab.path().join("id_ed25519").display().to_string();
    let cfg = keyless_ssh_config(&lab);
    let at = format!("ansible_host=127.0.0.1 ansible_port={port} ansible_user=root");
    let f = Fleet::new("");
    f.write(
        "hosts.ini",
        format!(
            "[app]\n\
             by-key {at} ansible_ssh_private_key_file={key}\n\
             by-old-name {at} ansible_private_key_file={key}\n\
             by-common-args {at} ansible_ssh_common_args='-o IdentityFile={key}'\n\
             by-extra-args {at} \"ansible_ssh_extra_args=-i {key} -o ServerAliveInterval=5\"\n\
             no-key {at}\n"
        ),
    );
    f.write(
        "confdrift.toml",
        format!(
            "[inventory]\nansible = \"hosts.ini\"\n\n[ssh]\nconfig = {cfg:?}\ntimeout = 60\n\n\
             [[group]]\nname = \"app\"\ntransport = \"ssh\"\nfiles = [\"{m}/etc/app/app.yml\"]\n"
        ),
    );
    f.group_baseline("app", &format!("{m}/etc/app/app.yml"), "pool: 50\n");
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let drifted: Vec<String> = kinds(&out.json()).into_iter().map(|k| k.0).collect();
    assert_eq!(
        drifted,
        ["by-common-args", "by-extra-args", "by-key", "by-old-name"],
        "every host the inventory gives a key was read: {}",
        out.stdout
    );
    let errors = errors(&out);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        message(&errors, "no-key").contains("Permission denied"),
        "{errors:?}"
    );

    // Arguments that are not ssh options (a destination, `--`, an option hidden as a value)
    // are refused when the inventory is read, naming the variable and the line.
    for bad in [
        "ansible_ssh_extra_args='other-host'",
        "ansible_ssh_common_args='-o A=1 -- other-host sh'",
        "ansible_ssh_common_args='-J -oProxyCommand=touch/tmp/pwned'",
        "ansible_ssh_extra_args='-N'",
    ] {
        f.write("hosts.ini", format!("[app]\nh1 {at}\nh2 {at} {bad}\n"));
        let out = f.run(&["check"]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("hosts.ini:3:"), "{bad}: {}", out.stderr);
        let var = bad.split('=').next().unwrap();
        assert!(out.stderr.contains(var), "{bad}: {}", out.stderr);
    }
}

#[test]
fn become_reads_a_root_only_file_as_an_unprivileged_ssh_user() {
    let mut lab = Lab::new();
    let m = lab.mount.display().to_string();
    // the narrowest rule the README suggests: the collector's own command, as root
    lab.user("cd-reader", "cd-reader ALL=(root) NOPASSWD: /bin/sh -s");
    lab.user("cd-passwd", "cd-passwd ALL=(ALL:ALL) ALL");
    let root = lab.path().join("files/r");
    std::fs::create_dir_all(root.join("etc/redis")).unwrap();
    let conf = root.join("etc/redis/redis.conf");
    std::fs::write(&conf, "maxclients 100\n").unwrap();
    // redis.conf as packaged: mode 640, root's group; the ssh users are in neither
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o640)).unwrap();
    let port = lab.host("r", Behaviour::Serve(root));
    let d = lab.path().display();
    let cfg = lab.path().join("plain_ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host *\n  IdentityFile {d}/id_ed25519\n  IdentitiesOnly yes\n  \
             UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  \
             StrictHostKeyChecking yes\n"
        ),
    )
    .unwrap();
    let at = format!("ansible_host=127.0.0.1 ansible_port={port}");
    let f = Fleet::new("");
    f.write(
        "hosts.ini",
        format!(
            "[cache]\n\
             plain {at} ansible_user=cd-reader\n\
             sudo-root {at} ansible_user=cd-reader ansible_become=true\n\
             sudo-method {at} ansible_user=cd-reader ansible_become=yes ansible_become_method=sudo\n\
             needs-password {at} ansible_user=cd-passwd ansible_become=true\n\
             su {at} ansible_user=cd-reader ansible_become=true ansible_become_method=su\n\
             \n[cfg]\nby-group {at} ansible_user=cd-reader\n\
             group-overridden {at} ansible_user=cd-reader ansible_become=false\n"
        ),
    );
    let file = format!("{m}/etc/redis/redis.conf");
    f.write(
        "confdrift.toml",
        format!(
            "[inventory]\nansible = \"hosts.ini\"\n\n[ssh]\nconfig = {:?}\ntimeout = 60\n\n\
             [[group]]\nname = \"cache\"\ntransport = \"ssh\"\nfiles = [\"{file}\"]\n\n\
             [[group]]\nname = \"cfg\"\ntransport = \"ssh\"\nbecome = true\nbecome_user = \"root\"\n\
             become_method = \"sudo\"\nfiles = [\"{file}\"]\n",
            cfg.display().to_string()
        ),
    );
    f.group_baseline("cache", &file, "maxclients 200\n");
    f.group_baseline("cfg", &file, "maxclients 200\n");
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let read: Vec<String> = kinds(&out.json()).into_iter().map(|k| k.0).collect();
    assert_eq!(
        read,
        ["by-group", "sudo-method", "sudo-root"],
        "the file was read through sudo: {}",
        out.stdout
    );
    let errors = errors(&out);
    assert!(
        message(&errors, "plain").contains("permission denied"),
        "without become the file is unreadable: {errors:?}"
    );
    assert!(
        message(&errors, "group-overridden").contains("permission denied"),
        "the inventory's ansible_become=false wins over the group's become: {errors:?}"
    );
    assert_eq!(
        message(&errors, "needs-password"),
        "sudo refused (a password is required; allow NOPASSWD for confdrift's read command \
         (sudo -n -u root -- sh -s) or connect as a user who can read the files)",
        "{errors:?}"
    );
    assert!(
        message(&errors, "su").contains("become method \"su\" is not supported"),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 4, "{errors:?}");

    // A group's other become methods are a config error.
    f.write(
        "confdrift.toml",
        format!(
            "[[group]]\nname = \"x\"\nhosts = [\"a\"]\ntransport = \"ssh\"\nbecome = true\n\
             become_method = \"doas\"\nfiles = [\"{file}\"]\n"
        ),
    );
    let bad = f.run(&["check"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("become_method \"doas\" is not supported"),
        "{}",
        bad.stderr
    );
}

#[test]
fn ansible_connection_local_reads_this_machine_and_others_are_refused() {
    assert!(
        std::path::Path::new("/usr/bin/sudo").exists(),
        "sudo is missing: install it (.ci/run does); local become runs a real sudo -n"
    );
    let f = Fleet::new("");
    // `nobody` must be able to reach the files, so that only their own mode decides
    std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = f
        .write("here/etc/app.yml", "pool: 5\n")
        .display()
        .to_string();
    let secret = f
        .write("here/etc/secret.yml", "pool: 5\n")
        .display()
        .to_string();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    f.write(
        "hosts.ini",
        "[app]\nlocalhost ansible_connection=local\nbox ansible_connection=docker\n",
    );
    f.write(
        "confdrift.toml",
        format!(
            "[inventory]\nansible = \"hosts.ini\"\n\n[[group]]\nname = \"app\"\ntransport = \"ssh\"\n\
             files = [{file:?}]\n\n\
             [[group]]\nname = \"nobody\"\nhosts = [\"as-nobody\"]\ntransport = \"local\"\n\
             become = true\nbecome_user = \"nobody\"\nfiles = [{file:?}, {secret:?}]\n"
        ),
    );
    f.group_baseline("app", &file, "pool: 50\n");
    f.group_baseline("nobody", &file, "pool: 50\n");
    f.group_baseline("nobody", &secret, "pool: 5\n");
    f.commit("baseline");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    let found: Vec<(String, String)> = kinds(&r).into_iter().map(|k| (k.0, k.1)).collect();
    assert_eq!(
        found,
        [
            ("as-nobody".to_string(), file.clone()),
            ("localhost".to_string(), file.clone())
        ],
        "{}",
        out.stdout
    );
    let errors = errors(&out);
    assert_eq!(
        message(&errors, "box"),
        "ansible_connection=docker is not supported: confdrift reads files over ssh or on this \
         machine (ansible_connection=ssh or local)",
        "{errors:?}"
    );
    // read through `sudo -n -u nobody`: root's 0600 file is out of reach (this test runs as root)
    assert!(
        errors
            .iter()
            .any(|e| e.0 == "as-nobody" && e.1.contains("permission denied")),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn unused_connection_variables_are_warned_about_once_and_never_shown() {
    let f = Fleet::new("");
    let file = f.write("etc/app.yml", "pool: 50\n").display().to_string();
    f.write(
        "hosts.ini",
        "[app]\n\
         a1 ansible_connection=local ansible_ssh_pass=hunter2-pass ansible_ssh_pipelining=true\n\
         a2 ansible_connection=local ansible_ssh_pass=hunter2-pass\n\
         a3 ansible_connection=local\n\
         [app:vars]\n\
         ansible_become_password=hunter2-sudo\n\
         [other]\n\
         far ansible_password=hunter2-far\n",
    );
    f.write(
        "confdrift.toml",
        format!(
            "[inventory]\nansible = \"hosts.ini\"\n\n[[group]]\nname = \"app\"\ntransport = \"ssh\"\n\
             files = [{file:?}]\n\n[[group]]\nname = \"copy\"\ntransport = \"ssh\"\nhosts = [\"a1\"]\n\
             files = [{file:?}]\n"
        ),
    );
    f.group_baseline("app", &file, "pool: 50\n");
    f.group_baseline("copy", &file, "pool: 50\n");
    f.commit("baseline");
    let out = f.run(&["check"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(
        warnings,
        [
            "warning: ansible_become_password is set in the inventory (for a1 and 2 more hosts) \
             but confdrift does not use it: become runs sudo -n, which never sends a password: \
             allow NOPASSWD for confdrift's read command (sh -s)",
            "warning: ansible_ssh_pass is set in the inventory (for a1 and 1 more host) but \
             confdrift does not use it: ssh runs with BatchMode=yes and never sends a password: \
             use a key (ansible_ssh_private_key_file) or an ssh agent",
        ],
        "once per variable (a1 is in two groups), only for hosts confdrift reaches, \
         pipelining is no warning: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"),
        "{}",
        out.stderr
    );
}
