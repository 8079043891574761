//! sshd judges what confdrift calls trouble in an sshd_config (issue 18 item 6): pairs of
//! Debian's sshd_config (its Include left out) where one side adds a line sshd refuses (it does
//! not start, `sshd -t` fails) or a close one it takes: a repeated keyword's later line, `Match`
//! lines (unknown criteria, a missing argument, `all` with others, address lists with host bits
//! set, ports), ports out of range, algorithm lists (`Ciphers`, `MACs`, `KexAlgorithms`, key
//! and signature lists with `+`/`-`/`^`, patterns, short names; lists sshd selects nothing
//! from), `MaxStartups`, `PerSource*`, `IPQoS`, `PermitOpen`/`PermitListen`, `ListenAddress`.
//! `confdrift diff --program-version 9.2` must report each refused pair as trouble (exit 2)
//! at the line sshd names, and none it takes (those are judged as in sshd_effective.rs).

use crate::sshd_judge::{Pair, base};

/// (what, the line of the sample to replace, what replaces it); an empty line appends.
const EDITS: &[(&str, &str)] = &[
    // A repeated keyword: sshd checks every line, though the first value wins.
    (
        "#PermitRootLogin prohibit-password",
        "PermitRootLogin no\nPermitRootLogin maybe",
    ),
    (
        "#PermitRootLogin prohibit-password",
        "PermitRootLogin no\nPermitRootLogin yes",
    ),
    ("#MaxAuthTries 6", "MaxAuthTries 3\nMaxAuthTries lots"),
    ("#MaxAuthTries 6", "MaxAuthTries 3\nMaxAuthTries 4294967296"),
    ("#MaxAuthTries 6", "MaxAuthTries 3\nMaxAuthTries 4"),
    ("#LoginGraceTime 2m", "LoginGraceTime 1m\nLoginGraceTime 2x"),
    (
        "X11Forwarding yes",
        "X11Forwarding yes\nX11Forwarding maybe",
    ),
    ("PrintMotd no", "PrintMotd no\nPrintMotd no yes"),
    ("#TCPKeepAlive yes", "TCPKeepAlive yes\nKeepAlive maybe"),
    (
        "#ClientAliveInterval 0",
        "ClientAliveInterval 30\nClientAliveInterval 30y",
    ),
    (
        "",
        "Match User bob\n  X11Forwarding no\n  X11Forwarding maybe\n",
    ),
    // Match lines sshd refuses...
    ("", "Match Foo bar\n"),
    ("", "Match Foo bar\n  X11Forwarding no\n"),
    ("", "Match User\n"),
    ("", "Match User #bob\n"),
    ("", "Match User \"\"\n"),
    ("", "Match all User bob\n"),
    ("", "Match User bob all\n"),
    ("", "Match all extra\n"),
    ("", "Match User bob Group\n"),
    ("", "Match LocalPort 70000\n"),
    ("", "Match LocalPort -1\n"),
    ("", "Match Address 10.0.0.1/8\n"),
    ("", "Match Address 10/8\n"),
    ("", "Match Address 10.0.0.0/33\n"),
    ("", "Match Address 10.0.0.0/8,,192.0.2.1\n"),
    ("", "Match Address 10.0.0.0/8,\n"),
    ("", "Match Address !\n"),
    ("", "Match LocalAddress 192.168.1.1/16\n"),
    ("", "Match Address fe80::1/10\n"),
    ("", "Match Address 2001:db8::1/32\n"),
    ("", "Match Host x Address 192.0.2.0/24,198.51.100.1/24\n"),
    // ... and ones it takes (empty blocks: nothing in them to compare).
    ("", "Match ALL\n"),
    ("", "Match all # every connection\n"),
    ("", "Match user bob\n"),
    ("", "Match User=bob\n"),
    ("", "Match User bob # c\n"),
    ("", "Match Group \"a b\"\n"),
    ("", "Match RDomain x\n"),
    ("", "Match Host *.example.com User bob\n"),
    ("", "Match Address 10.0.0.0/8x\n"),
    ("", "Match Address foo*\n"),
    ("", "Match Address ::1/129\n"),
    ("", "Match Address 0x0a000000/8\n"),
    ("", "Match Address 012.0.0.0/8\n"),
    ("", "Match Address 2001:db8::/32,!192.0.2.1\n"),
    ("", "Match LocalAddress 192.0.2.0/24\n"),
    ("", "Match LocalPort 22\n"),
    ("", "Match LocalPort 0\n"),
    // Ports.
    ("#Port 22", "Port 0"),
    ("#Port 22", "Port 65536"),
    ("#Port 22", "Port -1"),
    ("#Port 22", "Port +0"),
    ("#Port 22", "Port 99999999999"),
    ("#Port 22", "Port 22 2222"),
    ("#Port 22", "Port 2222"),
    ("#Port 22", "Port 65535"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 0.0.0.0:0"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 0.0.0.0:70000"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 0.0.0.0:"),
    ("#ListenAddress 0.0.0.0", "ListenAddress [::1"),
    ("#ListenAddress 0.0.0.0", "ListenAddress [::1]x"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 192.0.2.0/24"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 127.0.0.1 foo"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 127.0.0.1 rdomain"),
    ("#ListenAddress 0.0.0.0", "ListenAddress 127.0.0.1:2222"),
    ("#ListenAddress 0.0.0.0", "ListenAddress [::1]:2222"),
    ("#ListenAddress 0.0.0.0", "ListenAddress ::1"),
    // Algorithm lists sshd refuses...
    ("", "Ciphers foo\n"),
    ("", "Ciphers aes128-ctr,foo\n"),
    ("", "Ciphers +foo\n"),
    ("", "Ciphers ^foo\n"),
    ("", "Ciphers aes*\n"),
    ("", "Ciphers AES128-CTR\n"),
    ("", "Ciphers none\n"),
    ("", "Ciphers ,foo\n"),
    ("", "Ciphers aes128-ctr aes256-ctr\n"),
    ("", "Ciphers aes128-ctr\nCiphers bogus\n"),
    ("", "MACs hmac-sha1,bar\n"),
    ("", "MACs +umac-32@openssh.com\n"),
    ("", "KexAlgorithms foo\n"),
    ("", "KexAlgorithms curve25519-sha256,bogus\n"),
    ("", "KexAlgorithms ^foo\n"),
    ("", "KexAlgorithms ,foo\n"),
    ("", "HostKeyAlgorithms foo*\n"),
    ("", "HostKeyAlgorithms ssh-ed25519?\n"),
    ("", "HostKeyAlgorithms RSA\n"),
    ("", "HostKeyAlgorithms !ssh*\n"),
    ("", "HostKeyAlgorithms ssh-ed25519,!ssh-rsa\n"),
    ("", "HostKeyAlgorithms +!ssh-rsa\n"),
    ("", "PubkeyAcceptedAlgorithms ssh-rsa,bogus\n"),
    ("", "PubkeyAcceptedKeyTypes bogus\n"),
    (
        "",
        "CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com\n",
    ),
    ("", "CASignatureAlgorithms *cert*\n"),
    ("", "HostbasedAcceptedAlgorithms +foo\n"),
    ("", "GSSAPIKexAlgorithms foo\n"),
    ("", "GSSAPIKexAlgorithms +gss-group14-sha256-\n"),
    ("", "GSSAPIKexAlgorithms GSS-GROUP14-SHA256-\n"),
    ("", "Match User bob\n  PubkeyAcceptedAlgorithms bogus\n"),
    ("", "Match all\n  PubkeyAcceptedAlgorithms RSA\n"),
    // ... and ones it takes.
    ("", "Ciphers aes128-ctr,aes256-gcm@openssh.com\n"),
    ("", "Ciphers -aes128-ctr\n"),
    ("", "Ciphers ^aes256-ctr\n"),
    ("", "Ciphers +3des-cbc\n"),
    ("", "Ciphers aes128-ctr,,foo\n"),
    ("", "Ciphers aes128-ctr,\n"),
    ("", "MACs ,hmac-sha1\n"),
    ("", "MACs -hmac-sha1*\n"),
    ("", "KexAlgorithms +diffie-hellman-group1-sha1\n"),
    ("", "KexAlgorithms -diffie*\n"),
    ("", "HostKeyAlgorithms ssh-ed25519*\n"),
    ("", "HostKeyAlgorithms ?sh-ed25519\n"),
    ("", "HostKeyAlgorithms RSA,ssh-ed25519\n"),
    ("", "HostKeyAlgorithms ed25519,ssh-ed25519\n"),
    ("", "HostKeyAlgorithms *cert*\n"),
    ("", "HostKeyAlgorithms ssh-ed25519\nHostKeyAlgorithms RSA\n"),
    ("", "PubkeyAcceptedAlgorithms rsa-sha2-256\n"),
    (
        "",
        "CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com,ssh-ed25519\n",
    ),
    ("", "CASignatureAlgorithms ^rsa-sha2-512\n"),
    ("", "GSSAPIKexAlgorithms gss-group14-sha256-x\n"),
    // MaxStartups, PerSource*, IPQoS: refused...
    ("#MaxStartups 10:30:100", "MaxStartups 10:30"),
    ("#MaxStartups 10:30:100", "MaxStartups 0"),
    ("#MaxStartups 10:30:100", "MaxStartups -5"),
    ("#MaxStartups 10:30:100", "MaxStartups 100:30:10"),
    ("#MaxStartups 10:30:100", "MaxStartups 10:0:100"),
    ("#MaxStartups 10:30:100", "MaxStartups 10:101:100"),
    ("#MaxStartups 10:30:100", "MaxStartups x"),
    ("#MaxStartups 10:30:100", "MaxStartups 10:30:100 5"),
    (
        "#MaxStartups 10:30:100",
        "MaxStartups 10:30:100\nMaxStartups 10:30",
    ),
    ("", "PerSourceMaxStartups x\n"),
    ("", "PerSourceMaxStartups NONE\n"),
    ("", "PerSourceNetBlockSize 33\n"),
    ("", "PerSourceNetBlockSize 24:129\n"),
    ("", "PerSourceNetBlockSize x\n"),
    ("", "IPQoS foo\n"),
    ("", "IPQoS 256\n"),
    ("", "IPQoS af21 foo\n"),
    ("", "IPQoS af21 cs1 ef\n"),
    ("", "IPQoS -1\n"),
    ("", "IPQoS 08\n"),
    ("", "IPQoS 0x100\n"),
    ("", "Match User bob\n  IPQoS foo\n"),
    // ... and taken.
    ("#MaxStartups 10:30:100", "MaxStartups 20"),
    ("#MaxStartups 10:30:100", "MaxStartups 10x"),
    ("#MaxStartups 10:30:100", "MaxStartups 10:x"),
    ("#MaxStartups 10:30:100", "MaxStartups 20:30:100x"),
    ("#MaxStartups 10:30:100", "MaxStartups 5:50:20"),
    ("", "PerSourceMaxStartups none\n"),
    ("", "PerSourceMaxStartups 5\n"),
    ("", "PerSourceNetBlockSize 24:56\n"),
    ("", "PerSourceNetBlockSize 24x\n"),
    ("", "IPQoS AF21 CS1\n"),
    ("", "IPQoS 0x10\n"),
    ("", "IPQoS 010\n"),
    ("", "IPQoS none\n"),
    ("", "IPQoS le\n"),
    ("", "IPQoS lowdelay reliability\n"),
    // PermitOpen, PermitListen: refused...
    ("", "PermitOpen ANY\n"),
    ("", "PermitOpen any host:22\n"),
    ("", "PermitOpen host:22 any\n"),
    ("", "PermitOpen host\n"),
    ("", "PermitOpen host:\n"),
    ("", "PermitOpen host:0\n"),
    ("", "PermitOpen host:65536\n"),
    ("", "PermitOpen ::1:22\n"),
    ("", "PermitOpen [::1]\n"),
    ("", "PermitOpen [::1\n"),
    ("", "PermitOpen host/22\n"),
    ("", "PermitListen 0\n"),
    ("", "PermitListen 70000\n"),
    ("", "PermitListen host:\n"),
    ("", "Match User bob\n  PermitOpen host\n"),
    ("", "Match User bob\n  PermitListen 70000\n"),
    // ... and taken.
    ("", "PermitOpen none\n"),
    ("", "PermitOpen host:22\n"),
    ("", "PermitOpen host:*\n"),
    ("", "PermitOpen [::1]:22\n"),
    ("", "PermitOpen host:22 other:23\n"),
    ("", "PermitOpen :22\n"),
    ("", "PermitListen 22\n"),
    ("", "PermitListen *\n"),
    ("", "PermitListen host:22\n"),
    ("", "PermitListen localhost:*\n"),
    // Commands and RekeyLimit.
    ("", "AuthorizedKeysCommand \"/usr/bin/x\"\n"),
    ("", "AuthorizedKeysCommand /usr/bin/x %u\n"),
    ("", "AuthorizedPrincipalsCommand /usr/bin/x\n"),
    ("", "AuthorizedKeysCommand none\n"),
    (
        "",
        "AuthorizedKeysCommand /usr/bin/x %u\nAuthorizedKeysCommandUser nobody\n",
    ),
    ("#RekeyLimit default none", "RekeyLimit 8"),
    ("#RekeyLimit default none", "RekeyLimit 1G 1h"),
];

fn pairs() -> Vec<Pair> {
    let base = base();
    EDITS
        .iter()
        .map(|(from, to)| Pair {
            what: if from.is_empty() {
                format!("appended: {}", to.trim_end().replace('\n', " / "))
            } else {
                format!("{from} -> {}", to.replace('\n', " / "))
            },
            a: base.clone(),
            b: if from.is_empty() {
                format!("{base}{to}")
            } else {
                assert!(base.contains(from), "{from}");
                base.replacen(from, to, 1)
            },
        })
        .collect()
}

#[test]
fn what_sshd_refuses_confdrift_calls_trouble() {
    let f = crate::sshd_judge::judge(&pairs());
    eprintln!(
        "{}: {} pairs; refused by sshd: {}, flagged by confdrift at sshd's line: {}, for a name that does not resolve here: {}; taken: {} judged alike, {} taken that sshd -T cannot print without a connection; {} disagreements",
        f.version,
        f.pairs,
        f.refused,
        f.flagged,
        f.unresolved,
        f.agreed,
        f.unprinted,
        f.disagreements.len()
    );
    assert!(
        f.disagreements.is_empty(),
        "{} pairs judged otherwise than {}:\n{}",
        f.disagreements.len(),
        f.version,
        f.disagreements.join("\n")
    );
    assert!(f.refused >= 100, "only {} refused pairs", f.refused);
}
