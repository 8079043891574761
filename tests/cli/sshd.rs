//! Real OpenSSH servers on loopback for the ssh transport's tests: throwaway host and user
//! keys, one sshd per host in its own mount namespace (so every host has its own files at the
//! same absolute path), and a generated ssh_config with one alias per host.
//!
//! Needs root (for the mount namespaces), `/usr/sbin/sshd` and `unshare`: `.ci/run` installs
//! openssh-server. A missing piece fails the test; it is never skipped.
//!
//! Unprivileged users ([`Lab::user`]) exist only inside the sshds' mount namespaces: copies of
//! `/etc/passwd` and `/etc/shadow` with the user added, and an `/etc/sudoers` of the lab's own,
//! are bound over the real ones there, so no user or sudo rule is ever added to the machine
//! (tests run as root, on a developer's machine too). Sudo rules need `sudo` (`.ci/run` installs
//! it).

use std::collections::HashSet;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Lab {
    pub dir: tempfile::TempDir,
    /// The mount point every host sees its own files under (same absolute path everywhere).
    pub mount: PathBuf,
    servers: Vec<Child>,
    aliases: String,
    known_hosts: String,
    /// `/etc/passwd` lines, `/etc/shadow` lines and sudoers rules of [`Lab::user`]s.
    users: Vec<(String, String, String)>,
    _listeners: Vec<TcpListener>,
    _refusing: Vec<OwnedFd>,
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

/// Ports this test process has handed to an sshd. The tests run in parallel: without this, a
/// port freed here could be handed out again (to another test's sshd or listener) before the
/// sshd it was meant for has bound it.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port on 127.0.0.1 nothing listens on now and no other test of this process will be given.
fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if claim(port) {
            return port;
        }
    }
}

/// Records `port` as handed out; false if it already was.
fn claim(port: u16) -> bool {
    let mut set = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    set.get_or_insert_with(HashSet::new).insert(port)
}

/// A port on 127.0.0.1 that refuses connections for as long as the returned socket lives: the
/// socket is bound but never listens, so the kernel answers every SYN with a reset, and no other
/// socket (another test's sshd or silent listener) can take the port meanwhile. A port that was
/// merely free when chosen once gave a timeout instead of "Connection refused" in CI, when a
/// parallel test's silent listener was handed the same port.
fn refusing_port() -> (OwnedFd, u16) {
    // SAFETY: plain socket calls on a fresh descriptor that is owned by the OwnedFd at once; the
    // address structs are fully initialised and their sizes passed.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        let owned = OwnedFd::from_raw_fd(fd);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let rc = libc::bind(fd, (&raw const addr).cast(), len);
        assert_eq!(rc, 0, "bind: {}", std::io::Error::last_os_error());
        let mut len = len;
        let rc = libc::getsockname(fd, (&raw mut addr).cast(), &mut len);
        assert_eq!(rc, 0, "getsockname: {}", std::io::Error::last_os_error());
        (owned, u16::from_be(addr.sin_port))
    }
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
            users: Vec::new(),
            _listeners: Vec::new(),
            _refusing: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Adds an unprivileged user that the sshds started after this call know, who logs in with
    /// the lab's key, and the sudoers rule `sudo_rule` (e.g. `NAME ALL=(ALL) NOPASSWD: ALL`).
    /// The lab's directory becomes readable to all, so that the user can reach the
    /// authorized_keys file and the served files.
    pub fn user(&mut self, name: &str, sudo_rule: &str) {
        let uid = 64000 + self.users.len();
        self.users.push((
            format!("{name}:x:{uid}:65534:confdrift test:/:/bin/sh\n"),
            // `*`: no password, and not locked (sshd without PAM refuses a `!` account)
            format!("{name}:*:19000:0:99999:7:::\n"),
            format!("{sudo_rule}\n"),
        ));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The commands that bind the lab's passwd, shadow and sudoers over the real ones in an
    /// sshd's mount namespace (nothing without users).
    fn user_mounts(&self) -> String {
        if self.users.is_empty() {
            return String::new();
        }
        assert!(
            Path::new("/etc/sudoers").exists() && Path::new("/usr/bin/sudo").exists(),
            "sudo is missing: install it (.ci/run does); the become tests need a real sudo"
        );
        let d = self.path();
        let mut mounts = String::new();
        for (file, index) in [("passwd", 0), ("shadow", 1)] {
            let mut text = std::fs::read_to_string(format!("/etc/{file}")).unwrap();
            for u in &self.users {
                text.push_str(match index {
                    0 => &u.0,
                    _ => &u.1,
                });
            }
            let copy = d.join(format!("etc-{file}"));
            std::fs::write(&copy, text).unwrap();
            mounts.push_str(&format!("mount --bind {} /etc/{file} && ", copy.display()));
        }
        let mut sudoers = "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n".to_string();
        for u in &self.users {
            sudoers.push_str(&u.2);
        }
        let copy = d.join("etc-sudoers");
        std::fs::write(&copy, sudoers).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o440)).unwrap();
        mounts.push_str(&format!("mount --bind {} /etc/sudoers && ", copy.display()));
        mounts
    }

    /// Adds host `alias` behaving as `b`; returns its port on 127.0.0.1.
    pub fn host(&mut self, alias: &str, b: Behaviour) -> u16 {
        let d = self.path().to_path_buf();
        let port = match b {
            Behaviour::Down => {
                let (socket, port) = refusing_port();
                self._refusing.push(socket);
                port
            }
            Behaviour::Silent => {
                let (l, port) = loop {
                    let l = TcpListener::bind("127.0.0.1:0").unwrap();
                    let port = l.local_addr().unwrap().port();
                    if claim(port) {
                        break (l, port);
                    }
                };
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
                let force = match b {
                    Behaviour::Force(_, cmd) => format!("ForceCommand {cmd}\n"),
                    _ => String::new(),
                };
                // An sshd that could not bind its port (something outside this process took it
                // first) exits: start it again on another port.
                let mut attempt = 0;
                loop {
                    let port = free_port();
                    let mut child = self.spawn_sshd(alias, files, port, &force);
                    match wait_listening(port, &mut child) {
                        Ok(()) => {
                            self.servers.push(child);
                            break port;
                        }
                        Err(why) if attempt < 3 => {
                            eprintln!("sshd for {alias}: {why}; again on another port");
                            attempt += 1;
                        }
                        Err(why) => panic!(
                            "sshd for {alias}: {why}; log: {}",
                            std::fs::read_to_string(d.join(format!("sshd.{alias}.log")))
                                .unwrap_or_default()
                        ),
                    }
                }
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

    /// Starts an sshd for `alias` on `port` in its own mount namespace, `files` bound over the
    /// mount point.
    fn spawn_sshd(&self, alias: &str, files: &Path, port: u16, force: &str) -> Child {
        let d = self.path();
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
            "mount --make-rprivate / && {users}mount --bind {src} {mnt} && exec {SSHD} -D -e -f {cfg}",
            users = self.user_mounts(),
            src = files.display(),
            mnt = self.mount.display(),
            cfg = cfg.display()
        );
        let log = std::fs::File::create(d.join(format!("sshd.{alias}.log"))).unwrap();
        Command::new("unshare")
            .args(["--mount", "sh", "-c", &script])
            .stderr(log)
            .spawn()
            .expect("unshare and sshd")
    }

    /// The generated client config (pass as `[ssh] config`).
    pub fn ssh_config(&self) -> PathBuf {
        self.path().join("ssh_config")
    }
}

/// Waits until `port` accepts connections while `child` (the sshd meant for it) still runs.
fn wait_listening(port: u16, child: &mut Child) -> Result<(), String> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("exited ({status}) before listening on port {port}"));
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            // still running after its port answered: the port is its own (a second sshd on a
            // taken port fails to bind and exits)
            std::thread::sleep(Duration::from_millis(20));
            if child.try_wait().unwrap().is_none() {
                return Ok(());
            }
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not listen on port {port} within 60 s"));
        }
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
