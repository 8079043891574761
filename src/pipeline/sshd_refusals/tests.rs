//! What sshd 9.2 refuses, line by line (each case checked with `sshd -t` of OpenSSH 9.2p1;
//! tests/cli/sshd_refused.rs asks sshd itself).

use super::*;

fn lines(text: &str, version: Option<&str>) -> Vec<u32> {
    refusals(version, text.as_bytes())
        .into_iter()
        .map(|(l, _)| l)
        .collect()
}

#[test]
fn what_sshd_refuses() {
    let text = "PasswordAuthentification no\nPermitRootLogin maybe\nMaxAuthTries lots\nLoginGraceTime 2x\nMaxSessions +6\nClientAliveInterval 1m30s\nRSAAuthentication yes\nKeepAlive no\nX11Forwarding no yes\nMatch User bob\n Port 22\n Foo 1\n PermitRootLogin maybe\n X11Forwarding no\n RSAAuthentication no\nMatch all\n Port 2222\n";
    assert_eq!(lines(text, Some("9.2")), [1, 2, 3, 4, 9, 11, 12, 13]);
    assert!(lines(text, None).is_empty());
    let why = &refusals(Some("9.2"), b"PermitRootLogin maybe\n")[0].1;
    assert!(why.contains("prohibit-password"), "{why}");
}

#[test]
fn a_repeated_keyword_s_later_lines_are_checked_too() {
    let text = "PermitRootLogin no\nPermitRootLogin maybe\nKeepAlive yes\nKeepAlive sometimes\nMaxAuthTries 3\nMaxAuthTries 4\n";
    assert_eq!(lines(text, Some("9.2")), [2, 4]);
}

#[test]
fn match_lines() {
    let text = "Match Foo bar\nMatch User bob\nMatch all User bob\nMatch Address 10.0.0.1/8\nMatch Address 10.0.0.0/8\nMatch ALL\nPort 2222\n";
    assert_eq!(lines(text, Some("9.2")), [1, 3, 4]);
    // An empty Match block: nothing in the tree, but sshd reads the line.
    assert_eq!(lines("UsePAM yes\nMatch User\n", Some("9.2")), [2]);
}

#[test]
fn ports_and_forwarding() {
    for (line, refused) in [
        ("Port 22", false),
        ("Port +22", false),
        ("Port ssh", false), // a service name: the host's /etc/services, not judged
        ("Port 0", true),
        ("Port 65536", true),
        ("Port -1", true),
        ("Port 22 2222", true),
        ("ListenAddress 0.0.0.0:2222", false),
        ("ListenAddress ::1", false),
        ("ListenAddress [::1]:22", false),
        ("ListenAddress 127.0.0.1 rdomain x", false),
        ("ListenAddress 0.0.0.0:0", true),
        ("ListenAddress 0.0.0.0:", true),
        ("ListenAddress [::1", true),
        ("ListenAddress 192.0.2.0/24", true),
        ("ListenAddress 127.0.0.1 foo", true),
        ("PermitOpen any", false),
        ("PermitOpen host:22 other:*", false),
        ("PermitOpen :22", false),
        ("PermitOpen ANY", true),
        ("PermitOpen any host:22", true),
        ("PermitOpen host", true),
        ("PermitOpen host:0", true),
        ("PermitOpen ::1:22", true),
        ("PermitOpen host/22", true),
        ("PermitListen 22", false),
        ("PermitListen *", false),
        ("PermitListen 70000", true),
        ("PermitListen host:", true),
    ] {
        assert_eq!(
            !lines(&format!("{line}\n"), Some("9.2")).is_empty(),
            refused,
            "{line}"
        );
    }
}

#[test]
fn startups_qos_and_commands() {
    for (line, refused) in [
        ("MaxStartups 10:30:100", false),
        ("MaxStartups 10", false),
        ("MaxStartups 10x", false),
        ("MaxStartups 10:x", false),
        ("MaxStartups 10:30:100x", false),
        ("MaxStartups 10:30", true),
        ("MaxStartups 0", true),
        ("MaxStartups 100:30:10", true),
        ("MaxStartups 10:0:100", true),
        ("MaxStartups 10:101:100", true),
        ("MaxStartups x", true),
        ("MaxStartups 10:30:100 5", true),
        ("PerSourceNetBlockSize 24:56", false),
        ("PerSourceNetBlockSize 24x", false),
        ("PerSourceNetBlockSize 33", true),
        ("PerSourceNetBlockSize 24:129", true),
        ("PerSourceMaxStartups none", false),
        ("PerSourceMaxStartups NONE", true),
        ("IPQoS af21 CS1", false),
        ("IPQoS lowdelay throughput", false),
        ("IPQoS 0x10", false),
        ("IPQoS foo", true),
        ("IPQoS af21 cs1 ef", true),
        ("IPQoS 08", true),
        ("AuthorizedKeysCommand /usr/bin/x %u", false),
        ("AuthorizedKeysCommand none", false),
        ("AuthorizedKeysCommand bin/x", true),
        ("AuthorizedKeysCommand \"/usr/bin/x\"", true),
        ("RekeyLimit 1G 1h", false),
        ("RekeyLimit 8", true),
    ] {
        assert_eq!(
            !lines(&format!("{line}\n"), Some("9.2")).is_empty(),
            refused,
            "{line}"
        );
    }
}

#[test]
fn algorithm_lists() {
    for (text, refused) in [
        ("Ciphers aes128-ctr,aes256-gcm@openssh.com", false),
        ("Ciphers -foo", false),
        ("Ciphers -*", false),
        ("Ciphers ^aes128-ctr", false),
        ("Ciphers aes128-ctr,,foo", false),
        ("Ciphers aes128-ctr,", false),
        ("Ciphers foo", true),
        ("Ciphers +foo", true),
        ("Ciphers aes*", true),
        ("Ciphers AES128-CTR", true),
        ("Ciphers none", true),
        ("Ciphers aes128-ctr aes256-ctr", true),
        ("MACs ,hmac-sha1", false),
        ("MACs hmac-sha1,bar", true),
        ("KexAlgorithms -foo", false),
        ("KexAlgorithms ^foo", true),
        ("HostKeyAlgorithms ssh-ed25519*", false),
        ("HostKeyAlgorithms ?sh-ed25519", false),
        ("HostKeyAlgorithms RSA,ssh-ed25519", false),
        ("HostKeyAlgorithms *cert*", false),
        ("HostKeyAlgorithms -!foo", false),
        ("HostKeyAlgorithms foo*", true),
        ("HostKeyAlgorithms ssh-ed25519?", true),
        ("PubkeyAcceptedAlgorithms rsa-sha2-256", false),
        ("PubkeyAcceptedKeyTypes bogus", true),
        (
            "CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com,ssh-ed25519",
            false,
        ),
        ("GSSAPIKexAlgorithms gss-group14-sha256-x", false),
        ("GSSAPIKexAlgorithms ,foo", false),
        ("GSSAPIKexAlgorithms +gss-group14-sha256-", true),
        ("GSSAPIKexAlgorithms GSS-GROUP14-SHA256-", true),
        ("Match User x\n PubkeyAcceptedAlgorithms bogus", true),
    ] {
        assert_eq!(
            !lines(&format!("{text}\n"), Some("9.2")).is_empty(),
            refused,
            "{text}"
        );
    }
}

#[test]
fn lists_sshd_selects_nothing_from() {
    let keys = |text: &str| -> Vec<String> {
        let doc = crate::normalize::Format::detect("/etc/ssh/sshd_config")
            .parse(text.as_bytes())
            .unwrap();
        unstartable(Some("9.2"), doc.tree().unwrap())
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    for (text, refused) in [
        ("HostKeyAlgorithms RSA", true),
        ("HostKeyAlgorithms !ssh*", true),
        ("HostKeyAlgorithms ssh-ed25519,!ssh-rsa", true),
        ("HostKeyAlgorithms +!ssh-rsa", true),
        ("Ciphers ,foo", true),
        ("KexAlgorithms ,foo", true),
        (
            "CASignatureAlgorithms ssh-ed25519-cert-v01@openssh.com",
            true,
        ),
        ("CASignatureAlgorithms *cert*", true),
        ("Match all\n PubkeyAcceptedAlgorithms RSA", true),
        ("AuthorizedKeysCommand /usr/bin/x", true),
        ("AuthorizedPrincipalsCommand /usr/bin/x", true),
        ("HostKeyAlgorithms RSA,ssh-ed25519", false),
        ("HostKeyAlgorithms -!foo", false),
        ("HostKeyAlgorithms *cert*", false),
        (
            "CASignatureAlgorithms +ssh-ed25519-cert-v01@openssh.com",
            false,
        ),
        ("Ciphers -*", false),
        // sshd selects from the first value that applies only.
        (
            "HostKeyAlgorithms ssh-ed25519\nHostKeyAlgorithms RSA",
            false,
        ),
        ("Match User x\n PubkeyAcceptedAlgorithms RSA", false),
        (
            "PubkeyAcceptedAlgorithms ssh-ed25519\nMatch all\n PubkeyAcceptedAlgorithms RSA",
            false,
        ),
        ("AuthorizedKeysCommand none", false),
        (
            "AuthorizedKeysCommand /usr/bin/x\nAuthorizedKeysCommandUser nobody",
            false,
        ),
    ] {
        assert_eq!(!keys(&format!("{text}\n")).is_empty(), refused, "{text}");
    }
}

#[test]
fn another_version_gets_the_checks_its_table_drives() {
    // OpenSSH 10.0's Match takes criteria 9.2's does not, so no Match line is judged under
    // 8.4 or 10.0; their algorithm names are in their tables. `IPQoS 08` (not octal): sshd
    // 8.4p1 and 9.2p1 refuse it, 10.0p2 takes it (each asked with `sshd -t`); 10.0's IPQoS
    // numbers are not judged.
    let text = "IPQoS 08\nCiphers bogus\nPermitRootLogin maybe\nMatch Foo bar\n";
    assert_eq!(lines(text, Some("9.2")), [1, 2, 3, 4]);
    assert_eq!(lines(text, Some("8.4")), [1, 2, 3]);
    assert_eq!(lines(text, Some("10.0")), [2, 3]);
}

#[test]
fn each_version_s_own_algorithm_names() {
    // Each asked with `sshd -t` of OpenSSH 8.4p1 (bullseye), 9.2p1 (bookworm) and 10.0p2
    // (trixie): 10.0 refuses a certificate type on a CASignatureAlgorithms line and short key
    // names (`RSA`), which 8.4 and 9.2 take; all three take a pattern there.
    for (line, refused_by) in [
        (
            "CASignatureAlgorithms ssh-ed25519,ssh-ed25519-cert-v01@openssh.com",
            &["10.0"][..],
        ),
        ("CASignatureAlgorithms ssh-ed25519*", &[][..]),
        ("HostKeyAlgorithms RSA,ssh-ed25519", &["10.0"][..]),
        ("Ciphers rijndael-cbc@lysator.liu.se", &["9.2", "10.0"][..]),
        ("KexAlgorithms mlkem768x25519-sha256", &["8.4", "9.2"][..]),
    ] {
        for version in ["8.4", "9.2", "10.0"] {
            let want: &[u32] = if refused_by.contains(&version) {
                &[1]
            } else {
                &[]
            };
            assert_eq!(lines(line, Some(version)), want, "{line} under {version}");
        }
    }
}
