//! sshd itself judges confdrift on sshd_config: pairs built from Debian's sshd_config
//! (`fixtures/upstream/openssh-server/sshd_config`, its `Include` line left out so that sshd
//! reads only the file) by rewrites that keep what sshd runs with (a keyword written out at its
//! default, values in capitals, times in other units, `prohibit-password` for
//! `without-password`, one `AcceptEnv` line or several) and edits that change it. For each pair
//! `sshd -T` says which keywords it runs with differently, and `confdrift diff
//! --program-version 9.2` must name exactly those. Pairs sshd refuses (it does not start:
//! typos, values it does not take, keywords not allowed in a `Match` block) are counted apart,
//! and confdrift must report each as trouble (exit 2), and none that sshd takes.

use crate::sshd_judge::{Pair, base};

/// An edited value sshd should see as different.
fn edited(value: &str) -> String {
    if let Some((head, last)) = value.rsplit_once(':')
        && let Ok(n) = last.parse::<u64>()
    {
        return format!("{head}:{}", n + 1);
    }
    match value {
        "yes" => "no".into(),
        "no" => "yes".into(),
        v if v.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{}", v.parse::<u64>().unwrap() + 1)
        }
        v => format!("{v}x"),
    }
}

fn pairs() -> Vec<Pair> {
    let base = base();
    let mut out = Vec::new();
    let replace = |from: &str, to: &str| base.replacen(from, to, 1);
    for line in base.lines() {
        // `#Keyword value` at the start of a line: a commented setting, not a Match example.
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((keyword, value)) = rest.split_once([' ', '\t']) else {
            continue;
        };
        if keyword.is_empty()
            || !keyword.bytes().all(|b| b.is_ascii_alphanumeric())
            || !keyword.as_bytes()[0].is_ascii_uppercase()
            || matches!(keyword, "HostKey" | "Match")
        {
            continue;
        }
        let value = value.trim();
        out.push(Pair {
            what: format!("{keyword}: written out as the sample has it"),
            a: base.clone(),
            b: replace(line, rest),
        });
        out.push(Pair {
            what: format!("{keyword}: the sample's value in capitals"),
            a: replace(line, rest),
            b: replace(
                line,
                &format!("{} {}", keyword.to_uppercase(), value.to_uppercase()),
            ),
        });
        if !value.contains(char::is_whitespace) {
            out.push(Pair {
                what: format!("{keyword}: edited"),
                a: replace(line, rest),
                b: replace(line, &format!("{keyword} {}", edited(value))),
            });
        }
    }
    for (what, from, to) in [
        (
            "LoginGraceTime 2m is 120",
            "#LoginGraceTime 2m",
            "LoginGraceTime 120",
        ),
        (
            "LoginGraceTime 1m60s is 120",
            "#LoginGraceTime 2m",
            "LoginGraceTime 1m60s",
        ),
        (
            "LoginGraceTime 3m",
            "#LoginGraceTime 2m",
            "LoginGraceTime 3m",
        ),
        (
            "ClientAliveInterval 1h30m",
            "#ClientAliveInterval 0",
            "ClientAliveInterval 1h30m",
        ),
        (
            "PermitRootLogin without-password",
            "#PermitRootLogin prohibit-password",
            "PermitRootLogin without-password",
        ),
        (
            "PermitRootLogin no",
            "#PermitRootLogin prohibit-password",
            "PermitRootLogin no",
        ),
        (
            "X11Forwarding YES",
            "X11Forwarding yes",
            "X11Forwarding YES",
        ),
        ("X11Forwarding removed", "X11Forwarding yes\n", ""),
        ("UsePAM removed", "UsePAM yes\n", ""),
        (
            "AcceptEnv on two lines",
            "AcceptEnv LANG LC_*",
            "AcceptEnv LANG\nAcceptEnv LC_*",
        ),
        (
            "AcceptEnv reordered",
            "AcceptEnv LANG LC_*",
            "AcceptEnv LC_* LANG",
        ),
        ("AcceptEnv removed", "AcceptEnv LANG LC_*\n", ""),
        ("Port 22 written out", "#Port 22", "Port 22"),
        ("Port 2222 added", "#Port 22", "Port 22\nPort 2222"),
        (
            "PrintMotd repeated, first wins",
            "PrintMotd no",
            "PrintMotd no\nPrintMotd yes",
        ),
        (
            "PrintMotd repeated, first changed",
            "PrintMotd no",
            "PrintMotd yes\nPrintMotd no",
        ),
        (
            "Compression delayed",
            "#Compression delayed",
            "Compression delayed",
        ),
        ("Compression no", "#Compression delayed", "Compression no"),
        // What sshd refuses (it does not start): confdrift must flag each, and none it takes.
        (
            "a typo: PasswordAuthentification",
            "#PasswordAuthentication yes",
            "PasswordAuthentification no",
        ),
        (
            "a typo: PermitRootLogn",
            "#PermitRootLogin prohibit-password",
            "PermitRootLogn no",
        ),
        (
            "a typo: X11Forwardin",
            "X11Forwarding yes",
            "X11Forwardin yes",
        ),
        ("a typo: UsePAMs", "UsePAM yes", "UsePAMs yes"),
        ("UsePAM in lower case", "UsePAM yes", "usepam yes"),
        (
            "PermitRootLogin maybe",
            "#PermitRootLogin prohibit-password",
            "PermitRootLogin maybe",
        ),
        ("MaxAuthTries lots", "#MaxAuthTries 6", "MaxAuthTries lots"),
        ("MaxAuthTries -1", "#MaxAuthTries 6", "MaxAuthTries -1"),
        ("MaxAuthTries +6", "#MaxAuthTries 6", "MaxAuthTries +6"),
        (
            "MaxAuthTries past 2^31-1",
            "#MaxAuthTries 6",
            "MaxAuthTries 2147483648",
        ),
        ("MaxSessions 1x", "#MaxSessions 10", "MaxSessions 1x"),
        (
            "LoginGraceTime 2x",
            "#LoginGraceTime 2m",
            "LoginGraceTime 2x",
        ),
        (
            "LoginGraceTime 2m 2m",
            "#LoginGraceTime 2m",
            "LoginGraceTime 2m 2m",
        ),
        (
            "ClientAliveInterval 1y",
            "#ClientAliveInterval 0",
            "ClientAliveInterval 1y",
        ),
        ("LogLevel LOUD", "#LogLevel INFO", "LogLevel LOUD"),
        ("LogLevel VERBOSE", "#LogLevel INFO", "LogLevel VERBOSE"),
        ("LogLevel debug3", "#LogLevel INFO", "LogLevel debug3"),
        (
            "SyslogFacility LOCAL8",
            "#SyslogFacility AUTH",
            "SyslogFacility LOCAL8",
        ),
        (
            "SyslogFacility local7",
            "#SyslogFacility AUTH",
            "SyslogFacility local7",
        ),
        (
            "X11Forwarding yes please",
            "X11Forwarding yes",
            "X11Forwarding yes please",
        ),
        ("UseDNS nope", "#UseDNS no", "UseDNS nope"),
        (
            "Compression sometimes",
            "#Compression delayed",
            "Compression sometimes",
        ),
        (
            "AddressFamily ipv4",
            "#AddressFamily any",
            "AddressFamily ipv4",
        ),
        (
            "PermitTunnel maybe",
            "#PermitTunnel no",
            "PermitTunnel maybe",
        ),
        (
            "PermitTunnel point-to-point",
            "#PermitTunnel no",
            "PermitTunnel point-to-point",
        ),
        (
            "GatewayPorts sometimes",
            "#GatewayPorts no",
            "GatewayPorts sometimes",
        ),
        ("TCPKeepAlive 1", "#TCPKeepAlive yes", "TCPKeepAlive 1"),
        ("PrintMotd on", "PrintMotd no", "PrintMotd on"),
        (
            "a deprecated keyword sshd takes and ignores",
            "UsePAM yes",
            "UsePAM yes\nRSAAuthentication yes\nUsePrivilegeSeparation sandbox",
        ),
        (
            "an ignored keyword: Protocol",
            "UsePAM yes",
            "UsePAM yes\nProtocol 2",
        ),
        (
            "an old keyword: KeepAlive no",
            "#TCPKeepAlive yes",
            "KeepAlive no",
        ),
        (
            "an old keyword: KeepAlive yes is the default",
            "#TCPKeepAlive yes",
            "KeepAlive yes",
        ),
        (
            "an old keyword: ChallengeResponseAuthentication for KbdInteractiveAuthentication",
            "KbdInteractiveAuthentication no",
            "ChallengeResponseAuthentication no",
        ),
        (
            "an old keyword before the new one: the first wins",
            "KbdInteractiveAuthentication no",
            "ChallengeResponseAuthentication yes\nKbdInteractiveAuthentication no",
        ),
    ] {
        out.push(Pair {
            what: what.to_string(),
            a: base.clone(),
            b: replace(from, to),
        });
    }
    // Match blocks: sshd checks every line of them at startup, whether or not they apply.
    for (what, block) in [
        ("Port in a Match block", "Match User bob\n  Port 2222\n"),
        (
            "LoginGraceTime in a Match block",
            "Match User bob\n  LoginGraceTime 1m\n",
        ),
        (
            "a deprecated global keyword in a Match block",
            "Match User bob\n  UsePrivilegeSeparation yes\n",
        ),
        (
            "an unknown keyword in a Match block",
            "Match User bob\n  Foo yes\n",
        ),
        (
            "a typo in a Match block",
            "Match Address 10.0.0.0/8\n  PasswordAuthentification no\n",
        ),
        (
            "a bad value in a Match block",
            "Match User bob\n  PermitRootLogin maybe\n",
        ),
        (
            "a bad number in a Match block",
            "Match Group staff\n  MaxAuthTries many\n",
        ),
        (
            "a bad time in a Match block",
            "Match User bob\n  ClientAliveInterval 5x\n",
        ),
        (
            "a deprecated keyword sshd takes in a Match block",
            "Match User bob\n  RSAAuthentication no\n",
        ),
    ] {
        out.push(Pair {
            what: what.to_string(),
            a: base.clone(),
            b: format!("{base}{block}"),
        });
    }
    out
}

#[test]
fn confdrift_sees_sshd_config_as_sshd_does() {
    let f = crate::sshd_judge::judge(&pairs());
    eprintln!(
        "{}: {} pairs, {} agreed, {} disagreed, {} refused by sshd ({} of them flagged by confdrift, {} for a name that does not resolve here)",
        f.version,
        f.pairs,
        f.agreed,
        f.disagreements.len(),
        f.refused,
        f.flagged,
        f.unresolved
    );
    assert!(
        f.disagreements.is_empty(),
        "{} pairs judged otherwise than {}:\n{}",
        f.disagreements.len(),
        f.version,
        f.disagreements.join("\n")
    );
    assert!(f.agreed >= 100, "only {} pairs were judged", f.agreed);
}

#[test]
fn check_reads_sshd_config_with_the_groups_version() {
    let path = "/etc/ssh/sshd_config";
    let base = "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n";
    let live = "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\nPermitRootLogin prohibit-password\nLoginGraceTime 2m\nKerberosGetAFSToken yes\n";
    let run = |config: &str| {
        let f = crate::harness::Fleet::new(config);
        f.group_baseline("app", path, base);
        f.commit("baseline");
        f.live("db", path, live);
        let out = f.run(&["check", "--format", "json"]);
        let json = out.json();
        let keys: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        let notices: Vec<String> = json["notices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        (out.code, keys, notices)
    };
    let plain = crate::harness::app_config(&["db"], &[path]);
    // With the version: sshd's defaults, written out, and a keyword it ignores: no drift.
    let (code, keys, _) = run(&plain.replace("files =", "version = \"9.2\"\nfiles ="));
    assert_eq!((code, keys), (0, Vec::<String>::new()));
    // Without: drift as written, and a notice saying why.
    let (code, keys, notices) = run(&plain);
    assert_eq!(code, 1);
    assert_eq!(
        keys,
        ["kerberosgetafstoken", "logingracetime", "permitrootlogin"]
    );
    assert!(
        notices
            .iter()
            .any(|n| n.contains("no OpenSSH version known")),
        "{notices:?}"
    );
    // An explicit default before an Include is a change where the included file sets
    // another value: the line before the Include is read first, and wins.
    let f = crate::harness::Fleet::new(&plain.replace("files =", "version = \"9.2\"\nfiles ="));
    let included = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
    f.group_baseline("app", path, "Include /etc/ssh/sshd_config.d/*.conf\n");
    f.group_baseline("app", included, "PermitRootLogin no\n");
    f.commit("baseline");
    f.live(
        "db",
        path,
        "PermitRootLogin prohibit-password\nInclude /etc/ssh/sshd_config.d/*.conf\n",
    );
    f.live("db", included, "PermitRootLogin no\n");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    // Where the included directory is empty on both sides, it is no drift: the collection
    // asked the host, and nothing there sets it.
    std::fs::remove_file(f.path().join(format!("fleet/db{included}"))).unwrap();
    f.git(&["rm", "-q", &format!("baselines/groups/app{included}")]);
    f.commit("no cloud-init");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn a_rules_values_are_read_as_the_program_reads_them() {
    let path = "/etc/ssh/sshd_config";
    let config = format!(
        "{}\n[[rule]]\nkey = \"permitrootlogin\"\none_of = [\"prohibit-password\", \"no\"]\nseverity = \"critical\"\n",
        crate::harness::app_config(&["db"], &[path])
    );
    for (live, code) in [
        ("PermitRootLogin prohibit-password\n", 1),
        ("PermitRootLogin WITHOUT-PASSWORD\n", 1),
        ("PermitRootLogin yes\n", 1),
    ] {
        let f = crate::harness::Fleet::new(&config);
        f.group_baseline("app", path, "UsePAM yes\n");
        f.commit("baseline");
        f.live("db", path, live);
        let out = f.run(&["check", "--format", "json"]);
        assert_eq!(out.code, code, "{live}{}", out.stdout);
        let critical = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] == "critical");
        // Only `yes` breaks the rule: the other two are what the rule allows, as sshd reads it.
        assert_eq!(critical, live.contains("yes"), "{live}{}", out.stdout);
    }
}

#[test]
fn what_sshd_refuses_is_trouble_in_check_and_lint_naming_the_line() {
    let path = "/etc/ssh/sshd_config";
    let plain = crate::harness::app_config(&["db"], &[path]);
    let versioned = plain.replace("files =", "version = \"9.2\"\nfiles =");
    let base = "UsePAM yes\nMatch User bob\n  Port 2222\n";
    let live = "UsePAM yes\nPasswordAuthentification no\nPermitRootLogin maybe\nMatch User bob\n  Port 2222\n";
    let f = crate::harness::Fleet::new(&versioned);
    f.group_baseline("app", path, base);
    f.commit("baseline");
    f.live("db", path, live);
    let out = f.run(&["check"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    for (line, what) in [
        (2, "Bad configuration option: passwordauthentification"),
        (
            3,
            "\"maybe\" is not a value permitrootlogin takes; sshd expects one of: ",
        ),
        (5, "Directive 'port' is not allowed within a Match block"),
    ] {
        assert!(out.stdout.contains(what), "{what}\n{}", out.stdout);
        assert!(
            out.stdout.contains(&format!("sshd_config:{line}")),
            "{line}\n{}",
            out.stdout
        );
    }
    // lint names the intended state's own refusal, with the baseline file and line.
    let out = f.run(&["lint"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("Directive 'port' is not allowed within a Match block"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("sshd_config:3"), "{}", out.stdout);
    // Without the version, nothing is assumed.
    let f = crate::harness::Fleet::new(&plain);
    f.group_baseline("app", path, base);
    f.commit("baseline");
    f.live("db", path, live);
    assert_eq!(f.run(&["check"]).code, 1);
    assert_eq!(f.run(&["lint"]).code, 0);
}
