//! Real OpenSSH servers on loopback for the ssh transport's tests: throwaway host and user
//! keys, one sshd per host in its own mount namespace (so every host has its own files at the
//! same absolute path), and a generated ssh_config with one alias per host.
//!
//! Needs root (for the mount namespaces), `/usr/sbin/sshd` and `unshare`: `.ci/run` installs
//! openssh-server. A missing piece fails the test; it is never skipped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Lab {
    pub dir: tempfile::TempDir,
    /// The mount point every host sees its own files under (same absolute path everywhere).
    pub mount: PathBuf,
    servers: Vec<Child>,
    aliases: String,
    known_hosts: String,
    _listeners: Vec<TcpListener>,
}

/// How a host behaves.
pub enum Behaviour {
    /// A normal sshd serving `files` (the directory bound over the mount point).
    Serve(PathBuf),
    /// An sshd whose session runs `command` instead of confdrift's collector.
    Force(PathBuf, &'static str),
    /// Nothing listens: connection refused.
    Down,
    /// Accepts TCP and never says a word.
    Silent,
}

fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Lab {
    pub fn new() -> Lab {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: install openssh-server (.ci/run does)"
        );
        let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
        assert_eq!(
            uid.trim(),
            "0",
            "the ssh tests need root for mount namespaces"
        );
        std::fs::create_dir_all("/run/sshd").unwrap(); // sshd's privilege separation directory
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (key, kind) in [("host_key", "ed25519"), ("id_ed25519", "ed25519")] {
            sh(Command::new("ssh-keygen")
                .args(["-q", "-t", kind, "-N", "", "-C", "confdrift-test", "-f"])
                .arg(d.join(key)));
        }
        std::fs::copy(d.join("id_ed25519.pub"), d.join("authorized_keys")).unwrap();
        let mount = d.join("mnt");
        std::fs::create_dir_all(&mount).unwrap();
        Lab {
            dir,
            mount,
            servers: Vec::new(),
            aliases: String::new(),
            known_hosts: String::new(),
            _listeners: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Adds host `alias` behaving as `b`; returns its port on 127.0.0.1.
    pub fn host(&mut self, alias: &str, b: Behaviour) -> u16 {
        let d = self.path().to_path_buf();
        let port = match b {
            Behaviour::Down => free_port(),
            Behaviour::Silent => {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                let port = l.local_addr().unwrap().port();
                let l2 = l.try_clone().unwrap();
                std::thread::spawn(move || {
                    let mut held = Vec::new();
                    for s in l2.incoming().flatten() {
                        held.push(s); // accept, never speak, never close
                    }
                });
                self._listeners.push(l);
                port
            }
            Behaviour::Serve(ref files) | Behaviour::Force(ref files, _) => {
                let port = free_port();
                let force = match b {
                    Behaviour::Force(_, cmd) => format!("ForceCommand {cmd}\n"),
                    _ => String::new(),
                };
                let cfg = d.join(format!("sshd_config.{alias}"));
                std::fs::write(
                    &cfg,
                    format!(
                        "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.{alias}.pid\n\
                         AuthorizedKeysFile {d}/authorized_keys\nPasswordAuthentication no\n\
                         KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
                         StrictModes no\nUsePAM no\nLogLevel ERROR\n{force}",
                        hk = d.join("host_key").display(),
                        d = d.display()
                    ),
                )
                .unwrap();
                let script = format!(
                    "mount --make-rprivate / && mount --bind {src} {mnt} && exec {SSHD} -D -e -f {cfg}",
                    src = files.display(),
                    mnt = self.mount.display(),
                    cfg = cfg.display()
                );
                let log = std::fs::File::create(d.join(format!("sshd.{alias}.log"))).unwrap();
                let child = Command::new("unshare")
                    .args(["--mount", "sh", "-c", &script])
                    .stderr(log)
                    .spawn()
                    .expect("unshare and sshd");
                self.servers.push(child);
                wait_listening(port);
                port
            }
        };
        let pubkey = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        let pubkey: Vec<&str> = pubkey.split_whitespace().take(2).collect();
        self.known_hosts
            .push_str(&format!("[127.0.0.1]:{port} {}\n", pubkey.join(" ")));
        self.aliases.push_str(&format!(
            "Host {alias}\n  HostName 127.0.0.1\n  Port {port}\n  User root\n  IdentityFile {key}\n  \
             IdentitiesOnly yes\n  UserKnownHostsFile {kh}\n  GlobalKnownHostsFile /dev/null\n  \
             StrictHostKeyChecking yes\n  ConnectionAttempts 1\n",
            key = d.join("id_ed25519").display(),
            kh = d.join("known_hosts").display(),
        ));
        std::fs::write(d.join("known_hosts"), &self.known_hosts).unwrap();
        std::fs::write(d.join("ssh_config"), &self.aliases).unwrap();
        port
    }

    /// The generated client config (pass as `[ssh] config`).
    pub fn ssh_config(&self) -> PathBuf {
        self.path().join("ssh_config")
    }
}

fn wait_listening(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "sshd did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for s in &mut self.servers {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}
