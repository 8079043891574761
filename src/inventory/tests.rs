//! The inventory's tests across readers: INI and YAML giving the same inventory, loading
//! files, groups, variables and limits as both readers resolve them; and the helpers the
//! readers' own tests use. Tests of one reader alone live in its file.

use super::*;
use crate::tree::ParseError;
use std::path::Path;

pub(super) const INI: &str = "\
# staging
bastion ansible_host=203.0.113.10 ansible_user=ops

[web]
web[01:03].example.com
web04.example.com ansible_host=10.0.1.14 ansible_port=2222 # new rack

[app]
app-[a:c] ansible_user=deploy
web04.example.com

[db]
db1 ansible_host=10.0.2.11 ansible_ssh_port=5522
db2:2200 note=\"quoted value # not a comment\"

[frontend:children]
web
app

[staging:children]
frontend
db

[staging:vars]
ansible_user=admin
ansible_port=22

[frontend:vars]
ansible_user=www
";

pub(super) const YAML: &str = "\
all:
  hosts:
    bastion: {ansible_host: 203.0.113.10, ansible_user: ops}
  children:
    staging:
      vars: {ansible_user: admin, ansible_port: 22}
      children:
        frontend:
          vars:
            ansible_user: www
          children:
            web:
              hosts:
                web[01:03].example.com:
                web04.example.com:
                  ansible_host: 10.0.1.14
                  ansible_port: 2222
            app:
              hosts:
                app-[a:c]:
                  ansible_user: deploy
                web04.example.com: null
        db:
          hosts:
            db1:
              ansible_host: 10.0.2.11
              ansible_ssh_port: 5522
            db2:2200:
              note: quoted value # a comment
";

pub(super) fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub(super) fn vars(host: Option<&str>, port: Option<u16>, user: Option<&str>) -> HostVars {
    HostVars {
        ansible_host: host.map(String::from),
        ansible_port: port,
        ansible_user: user.map(String::from),
        ..HostVars::default()
    }
}

pub(super) fn ini_err(text: &str) -> ParseError {
    parse_ini(text).expect_err(text)
}

pub(super) fn yaml_err(text: &str) -> ParseError {
    parse_yaml(text).expect_err(text)
}

#[test]
fn ini_and_yaml_give_the_same_inventory() {
    let ini = parse_ini(INI).unwrap();
    let yaml = parse_yaml(YAML).unwrap();
    assert_eq!(ini, yaml);

    let web = names(&[
        "web01.example.com",
        "web02.example.com",
        "web03.example.com",
        "web04.example.com",
    ]);
    assert_eq!(ini.groups["web"], web);
    // File order is order of first appearance: web04 was met in [web] before app-a.
    assert_eq!(
        ini.groups["app"],
        names(&["web04.example.com", "app-a", "app-b", "app-c"])
    );
    // Children included, file order, no repeats.
    let mut frontend = web.clone();
    frontend.extend(names(&["app-a", "app-b", "app-c"]));
    assert_eq!(ini.groups["frontend"], frontend);
    let mut staging = frontend.clone();
    staging.extend(names(&["db1", "db2"]));
    assert_eq!(ini.groups["staging"], staging);
    assert_eq!(ini.groups["ungrouped"], names(&["bastion"]));
    let mut all = names(&["bastion"]);
    all.extend(staging);
    assert_eq!(ini.groups["all"], all);
    assert_eq!(ini.groups.len(), 7);
    assert_eq!(ini.hosts.len(), 10);

    let h = &ini.hosts;
    assert_eq!(h["bastion"], vars(Some("203.0.113.10"), None, Some("ops")));
    // frontend (child) beats staging (parent) for the user; the port comes from staging.
    assert_eq!(h["web01.example.com"], vars(None, Some(22), Some("www")));
    // Host vars beat group vars.
    assert_eq!(
        h["web04.example.com"],
        vars(Some("10.0.1.14"), Some(2222), Some("www"))
    );
    assert_eq!(h["app-b"], vars(None, Some(22), Some("deploy")));
    // Old spelling accepted; `name:port` sets the port.
    assert_eq!(h["db1"], vars(Some("10.0.2.11"), Some(5522), Some("admin")));
    assert_eq!(h["db2"], vars(None, Some(2200), Some("admin")));
}

#[test]
fn fixtures_load_and_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory");
    let ini = load(&dir.join("hosts.ini")).unwrap();
    let yaml = load(&dir.join("hosts.yml")).unwrap();
    assert_eq!(ini, yaml);
    assert_eq!(ini.hosts.len(), 16);
    assert_eq!(
        ini.groups["cache"],
        names(&[
            "cache1.example.com",
            "cache3.example.com",
            "cache5.example.com"
        ])
    );
    assert_eq!(ini.groups["backend"].len(), 6);
    assert_eq!(ini.groups["production"].len(), 14);
    assert_eq!(ini.groups["ungrouped"], names(&["bastion.example.com"]));
    let h = &ini.hosts;
    assert_eq!(
        h["bastion.example.com"],
        vars(Some("203.0.113.10"), None, Some("ops"))
    );
    // all:vars loses to every other group.
    assert_eq!(h["grafana.example.com"], vars(None, None, Some("grafana")));
    assert_eq!(h["cache3.example.com"], vars(None, Some(22), Some("admin")));
    assert_eq!(
        h["db2.example.com"],
        vars(None, Some(2200), Some("postgres"))
    );
    assert_eq!(
        h["db3.example.com"],
        vars(Some("10.0.2.13"), Some(22), Some("postgres"))
    );
    assert_eq!(
        h["web05.example.com"],
        vars(Some("10.0.1.15"), Some(2222), Some("www"))
    );
    // The same text without a telling extension is still recognised.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("inventory");
    std::fs::copy(dir.join("hosts.yml"), &copy).unwrap();
    assert_eq!(load(&copy).unwrap(), yaml);
    let err = load(&tmp.path().join("missing")).unwrap_err();
    assert!(err.to_string().contains("cannot read inventory"), "{err}");
}

#[test]
fn load_errors_name_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("hosts");
    std::fs::write(&path, "[web]\nweb1\nweb2 ansible_port=99999\n").unwrap();
    let err = load(&path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}:3:1: ", path.display())),
        "{err}"
    );
    assert!(err.contains("expected a port number"), "{err}");
}

#[test]
fn bad_ports_name_the_line_and_what_was_expected() {
    for text in [
        "[web]\nweb1 ansible_port=abc\n",
        "[web]\nweb1 ansible_port=70000\n",
        "[web]\nweb1 ansible_port=0\n",
        "[web]\nweb1 ansible_port=-1\n",
    ] {
        let e = ini_err(text);
        assert_eq!(e.line, 2, "{text}");
        assert!(e.message.contains("ansible_port"), "{e}");
        assert!(
            e.message.contains("expected a port number from 1 to 65535"),
            "{e}"
        );
    }
    let e = ini_err("[web]\nweb1\n[web:vars]\nansible_ssh_port = 22x\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("ansible_ssh_port"), "{e}");
    let e = ini_err("web1:99999\n");
    assert_eq!(e.line, 1);
    assert!(e.message.contains("expected a port"), "{e}");
    let e = yaml_err("all:\n  hosts:\n    web1:\n      ansible_port: http\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("expected a port number"), "{e}");
    let e = yaml_err("all:\n  vars:\n    ansible_port: 65536\n");
    assert_eq!(e.line, 3);
}

#[test]
fn group_cycles_are_errors_naming_the_groups() {
    let e = ini_err("[a:children]\nb\n[b:children]\nc\n[c:children]\na\n");
    assert_eq!(e.line, 6);
    assert!(e.message.contains("a -> b -> c -> a"), "{e}");
    let e = ini_err("[a:children]\na\n");
    assert!(e.message.contains("a -> a"), "{e}");
    let e = yaml_err(
        "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n",
    );
    assert_eq!(e.line, 7);
    assert!(e.message.contains("a -> b -> a"), "{e}");
    let e = ini_err("[a:children]\nall\n");
    assert!(e.message.contains("group all cannot be a child"), "{e}");
}

#[test]
fn hostile_names_are_refused_with_their_line() {
    let e = ini_err("[web]\nweb1\n-oProxyCommand=x\n");
    assert_eq!(e.line, 3);
    assert!(
        e.message.contains("invalid host name \"-oProxyCommand=x\""),
        "{e}"
    );
    let e = ini_err("ok\n'-oProxyCommand=x' ansible_host=h\n");
    assert_eq!(e.line, 2);
    let e = yaml_err("all:\n  hosts:\n    ok:\n    -oProxyCommand=x:\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("invalid host name"), "{e}");
    let e = ini_err("web1 ansible_host=-oProxyCommand=x\n");
    assert!(e.message.contains("invalid ansible_host name"), "{e}");
    let e = ini_err("web1 ansible_user=\"-oProxyCommand=x\"\n");
    assert!(e.message.contains("invalid ansible_user name"), "{e}");
    let e = ini_err("[../etc]\nweb1\n");
    assert!(e.message.contains("invalid group name"), "{e}");
    let e = yaml_err("all:\n  children:\n    web/x:\n");
    assert_eq!(e.line, 3);
    assert!(e.message.contains("invalid group name"), "{e}");
}

#[test]
fn variable_precedence() {
    // Same depth: by name (b after a wins), unless ansible_group_priority says otherwise.
    let inv =
        parse_ini("[a]\nh\n[b]\nh\n[a:vars]\nansible_user=a\n[b:vars]\nansible_user=b\n").unwrap();
    assert_eq!(inv.hosts["h"].ansible_user.as_deref(), Some("b"));
    let inv = parse_ini(
        "[a]\nh\n[b]\nh\n[a:vars]\nansible_user=a\nansible_group_priority=5\n\
         [b:vars]\nansible_user=b\n",
    )
    .unwrap();
    assert_eq!(inv.hosts["h"].ansible_user.as_deref(), Some("a"));
    // Depth is the longest path from all: z (depth 3 via p -> q -> z) beats q (depth 2).
    let inv = parse_ini(
        "[p:children]\nq\nz\n[q:children]\nz\n[z]\nh\n[q]\n\
         [z:vars]\nansible_port=3\n[q:vars]\nansible_port=2\n[p:vars]\nansible_port=1\n",
    )
    .unwrap();
    assert_eq!(inv.hosts["h"].ansible_port, Some(3));
    // Old and new spellings are separate variables; the old one wins, as in the ssh plugin.
    let inv = parse_ini("[g]\nh ansible_port=1\n[g:vars]\nansible_ssh_port=2\n").unwrap();
    assert_eq!(inv.hosts["h"].ansible_port, Some(2));
}

#[test]
fn deep_or_huge_inputs_fail_cleanly() {
    // Nesting beyond the YAML reader's depth limit is an error, not a crash.
    let mut text = String::from("all:\n");
    for level in 1..200 {
        text.push_str(&"  ".repeat(level * 2 - 1));
        text.push_str("children:\n");
        text.push_str(&"  ".repeat(level * 2));
        text.push_str(&format!("g{level}:\n"));
    }
    assert!(parse_yaml(&text).is_err());
    // A long INI chain of children is fine (nothing recurses).
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!("[g{i}:children]\ng{}\n", i + 1));
    }
    text.push_str("[g3000]\nh\n[g3000:vars]\nansible_port=9\n[g0:vars]\nansible_port=1\n");
    let inv = parse_ini(&text).unwrap();
    assert_eq!(inv.groups["g0"], names(&["h"]));
    assert_eq!(inv.hosts["h"].ansible_port, Some(9));
    // Too many hosts in total.
    let text = "[a]\nh[0:60000]\n[b]\nk[0:60000]\n";
    let e = ini_err(text);
    assert_eq!(e.line, 4);
    assert!(e.message.contains("too many hosts"), "{e}");
    // The same huge range over and over.
    let mut text = String::from("[a]\n");
    for _ in 0..12 {
        text.push_str("h[0:99999]\n");
    }
    let e = ini_err(&text);
    assert!(e.message.contains("inventory too large"), "{e}");
}

/// A big inventory without aliases is read whole, as the YAML reader reads a big file
/// (what counts towards the alias-bomb limits is what aliases copy); a bomb is refused.
#[test]
fn yaml_detection() {
    assert!(looks_like_yaml("# c\n\nall:\n  hosts:\n"));
    assert!(looks_like_yaml("---\nall:\n"));
    assert!(looks_like_yaml("web: {hosts: {a: }}\n"));
    assert!(!looks_like_yaml("[web]\nall:\n"));
    assert!(!looks_like_yaml("web1:2222 ansible_user=x\n"));
    assert!(!looks_like_yaml("web1 note=a:b\n"));
    assert!(!looks_like_yaml(""));
}
