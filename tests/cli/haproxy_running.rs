//! HAProxy 2.6 running as the judge of what a haproxy.cfg means. Each case starts haproxy
//! (`-db`, loopback ports, a stats socket in a temporary directory) on a base file and on a
//! rewrite or an edit of it, and takes what the running process shows: `show stat` (each
//! proxy's, server's and listener's limits, weights, addresses, mode and balance algorithm),
//! `show servers state`, the sockets it listens on (`ss -ltnp`, its own pid), and two
//! timeouts as it applies them: `timeout server` (a request to a server that never answers
//! gets its 504 after it) and `timeout client` (an idle client is dropped after it). A rewrite
//! must run the same and be no drift; an edit must run differently and be named by key.
//! A missing haproxy or ss is a failure (`.ci/run` installs haproxy and iproute2).

use crate::harness::run_in;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (the kernel's choice, released for haproxy to take).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server that accepts connections and never answers (until the test ends).
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// One haproxy of a test, killed (by its own pid) when dropped.
struct Running {
    child: Child,
    dir: tempfile::TempDir,
}

impl Running {
    /// haproxy -db on `cfg`, `{SOCK}` in it replaced by the stats socket's path; waits until
    /// the stats socket answers.
    fn start(cfg: &str) -> Running {
        Running::start_files(&[cfg])
    }

    /// The same, the files given in order (`-f 0.cfg -f 1.cfg`): HAProxy reads them as one.
    fn start_files(cfgs: &[&str]) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("stats.sock");
        let mut command = Command::new("haproxy");
        command.arg("-db");
        for (i, cfg) in cfgs.iter().enumerate() {
            let file = dir.path().join(format!("{i}.cfg"));
            std::fs::write(&file, cfg.replace("{SOCK}", &sock.display().to_string())).unwrap();
            command.arg("-f").arg(file);
        }
        let log = std::fs::File::create(dir.path().join("haproxy.log")).unwrap();
        let child = command
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("haproxy must be installed for this test (.ci/run installs haproxy)");
        let mut r = Running { child, dir };
        let start = Instant::now();
        while UnixStream::connect(&sock).is_err() {
            if let Ok(Some(status)) = r.child.try_wait() {
                panic!("haproxy exited ({status}): {}", r.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "haproxy did not start: {}",
                r.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        r
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }

    /// One command on the stats socket, its whole answer.
    fn ask(&self, command: &str) -> String {
        let mut s = UnixStream::connect(self.dir.path().join("stats.sock")).unwrap();
        s.write_all(format!("{command}\n").as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// The columns `keep` of a CSV-like answer (`# ` header), rows sorted.
    fn table(&self, command: &str, sep: char, keep: &[&str]) -> Vec<Vec<String>> {
        let answer = self.ask(command);
        let mut lines = answer.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines
            .find(|l| l.starts_with("# "))
            .unwrap_or_else(|| panic!("{command}: {answer}"))[2..]
            .split(sep)
            .collect();
        let at: Vec<usize> = keep
            .iter()
            .map(|k| header.iter().position(|h| h == k).expect(k))
            .collect();
        let mut rows: Vec<Vec<String>> = lines
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.split(sep).count() >= header.len() - 1)
            .map(|l| {
                let cells: Vec<&str> = l.split(sep).collect();
                at.iter()
                    .map(|&i| cells.get(i).unwrap_or(&"").to_string())
                    .collect()
            })
            .collect();
        rows.sort();
        rows
    }

    /// The TCP sockets this haproxy listens on (`ss`, its pid).
    fn listening(&self) -> Vec<String> {
        let out = Command::new("ss")
            .args(["-Hltnp"])
            .output()
            .expect("ss must be installed for this test (.ci/run installs iproute2)");
        let pid = format!("pid={},", self.child.id());
        let mut socks: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(&pid))
            .map(|l| l.split_whitespace().nth(3).unwrap().to_string())
            .collect();
        socks.sort();
        socks
    }

    /// What this haproxy runs, as far as it shows it.
    fn profile(&self) -> Profile {
        Profile {
            stat: self.table(
                "show stat",
                ',',
                &[
                    "pxname", "svname", "type", "slim", "weight", "uweight", "act", "bck", "addr",
                    "mode", "algo", "rate_lim",
                ],
            ),
            servers: self.table(
                "show servers state",
                ' ',
                &[
                    "be_name",
                    "srv_name",
                    "srv_addr",
                    "srv_admin_state",
                    "srv_uweight",
                    "srv_iweight",
                    "srv_port",
                    "srv_use_ssl",
                ],
            ),
            listening: self.listening(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, PartialEq)]
struct Profile {
    stat: Vec<Vec<String>>,
    servers: Vec<Vec<String>>,
    listening: Vec<String>,
}

/// How long haproxy takes to answer a request on `port` whose server never answers (its
/// `timeout server`; none within 3 seconds: none set), and to drop a client on `port` that
/// sends nothing (`timeout client`).
fn timeouts(port: u16) -> (Option<Duration>, Option<Duration>) {
    let addr = format!("127.0.0.1:{port}");
    let wait = |request: &[u8]| {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        let start = Instant::now();
        s.write_all(request).unwrap();
        let mut answer = Vec::new();
        match s.read_to_end(&mut answer) {
            Ok(_) => Some((
                start.elapsed(),
                String::from_utf8_lossy(&answer).to_string(),
            )),
            Err(_) => None,
        }
    };
    let server = wait(b"GET / HTTP/1.0\r\n\r\n").map(|(t, answer)| {
        assert!(
            answer.starts_with("HTTP/1.1 504"),
            "port {port}: {answer:?}"
        );
        t
    });
    (server, wait(b"").map(|(t, _)| t))
}

/// Whether two measured timeouts are the same setting (they are a few hundred milliseconds
/// apart when not).
fn close(a: Option<Duration>, b: Option<Duration>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.abs_diff(b) < Duration::from_millis(150),
        (a, b) => a == b,
    }
}

/// `confdrift diff` of `a` and `b` as haproxy.cfg: the findings' keys, sorted.
fn confdrift(a: &str, b: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (side, text) in [("a", a), ("b", b)] {
        std::fs::create_dir(dir.path().join(side)).unwrap();
        std::fs::write(dir.path().join(side).join("haproxy.cfg"), text).unwrap();
    }
    let out = run_in(
        dir.path(),
        &["diff", "--format", "json", "a/haproxy.cfg", "b/haproxy.cfg"],
    );
    assert!(
        out.code == 0 || out.code == 1,
        "{}{}",
        out.stdout,
        out.stderr
    );
    let mut keys: Vec<String> = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

/// For each case (what, file, keys confdrift must name; none: a rewrite), haproxy runs the
/// base and the case; a rewrite must run the same (profile and timeouts) and be no drift, an
/// edit must run differently and be exactly the keys named.
fn judge(base: &str, ports: &[u16], cases: &[(&str, String, Vec<String>)]) {
    let measure = |cfg: &str| {
        let h = Running::start(cfg);
        let p = h.profile();
        let t: Vec<(Option<Duration>, Option<Duration>)> =
            ports.iter().map(|&port| timeouts(port)).collect();
        (p, t)
    };
    let (base_profile, base_times) = measure(base);
    let mut wrong = Vec::new();
    for (what, cfg, want) in cases {
        let (p, t) = measure(cfg);
        let same_times = base_times
            .iter()
            .zip(&t)
            .all(|(a, b)| close(a.0, b.0) && close(a.1, b.1));
        let runs_the_same = p == base_profile && same_times;
        if runs_the_same != want.is_empty() {
            wrong.push(format!(
                "{what}: haproxy runs it {}: {p:#?} {t:?} against {base_profile:#?} {base_times:?}",
                if runs_the_same {
                    "the same"
                } else {
                    "differently"
                }
            ));
        }
        let found = confdrift(base, cfg);
        if &found != want {
            wrong.push(format!("{what}: confdrift {found:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn settings_moved_between_defaults_and_proxies_run_the_same_and_are_no_drift() {
    let silent = silent_server();
    let (web, api) = (free_port(), free_port());
    let base = format!(
        "global\n\tstats socket {{SOCK}} level admin\n\n\
         defaults\n\tmode http\n\tmaxconn 300\n\ttimeout connect 1s\n\ttimeout client 600ms\n\ttimeout server 400ms\n\n\
         frontend web\n\tbind 127.0.0.1:{web}\n\tdefault_backend app\n\n\
         frontend api\n\tbind 127.0.0.1:{api}\n\tmaxconn 50\n\tdefault_backend api\n\n\
         backend app\n\tbalance leastconn\n\tserver a1 127.0.0.1:{silent} maxconn 20 weight 7\n\n\
         backend api\n\tserver p1 127.0.0.1:{silent} maxconn 10\n"
    );
    let k = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let cases = vec![
        (
            "timeout connect and server moved from defaults into each backend",
            replace(
                &replace(
                    &replace(&base, "\ttimeout connect 1s\n", ""),
                    "\ttimeout server 400ms\n",
                    "",
                ),
                "\tbalance leastconn\n",
                "\tbalance leastconn\n\ttimeout connect 1s\n\ttimeout server 400ms\n",
            )
            .replace(
                "\nbackend api\n",
                "\nbackend api\n\ttimeout server 400\n\ttimeout connect 1000\n",
            ),
            vec![],
        ),
        (
            "maxconn moved from defaults into the frontend that used it",
            replace(
                &replace(&base, "\tmaxconn 300\n", ""),
                "\tdefault_backend app\n",
                "\tmaxconn 300\n\tdefault_backend app\n",
            ),
            vec![],
        ),
        (
            "a defaults section that a later one replaces, removed",
            replace(
                &base,
                "defaults\n",
                "defaults\n\tmaxconn 7\n\ttimeout server 5s\n\ndefaults\n",
            ),
            vec![],
        ),
        (
            "the defaults' timeout server 400ms -> 1200ms",
            replace(&base, "timeout server 400ms", "timeout server 1200ms"),
            k(&["backend.api.timeout.server", "backend.app.timeout.server"]),
        ),
        (
            "the defaults' timeout server moved into one backend only",
            replace(
                &replace(&base, "\ttimeout server 400ms\n", ""),
                "\tbalance leastconn\n",
                "\tbalance leastconn\n\ttimeout server 400ms\n",
            ),
            k(&["backend.api.timeout.server"]),
        ),
        (
            "the defaults' maxconn 300 -> 200 (the frontend without its own)",
            replace(&base, "\tmaxconn 300\n", "\tmaxconn 200\n"),
            k(&["frontend.web.maxconn"]),
        ),
    ];
    judge(&base, &[web, api], &cases);
}

#[test]
fn bind_options_in_any_order_and_addresses_as_haproxy_reads_them() {
    let silent = silent_server();
    let (web, any) = (free_port(), free_port());
    let extra = free_port();
    let base = format!(
        "global\n\tstats socket {{SOCK}} level admin\n\n\
         defaults\n\tmode http\n\ttimeout connect 1s\n\ttimeout client 600ms\n\ttimeout server 400ms\n\n\
         frontend web\n\toption socket-stats\n\tbind 127.0.0.1:{web} name l1 maxconn 7 backlog 16\n\tbind *:{any} name l2\n\tdefault_backend app\n\n\
         backend app\n\tserver a1 127.0.0.1:{silent} maxconn 20 weight 7 inter 2s\n"
    );
    let l1 = format!("bind 127.0.0.1:{web} name l1 maxconn 7 backlog 16");
    let k = |keys: &[String]| keys.to_vec();
    let cases = vec![
        (
            "a bind line's options in another order",
            replace(
                &base,
                &l1,
                &format!("bind 127.0.0.1:{web} backlog 16 maxconn 7 name l1"),
            ),
            vec![],
        ),
        (
            "the IPv4 wildcard written 0.0.0.0",
            replace(
                &base,
                &format!("bind *:{any}"),
                &format!("bind 0.0.0.0:{any}"),
            ),
            vec![],
        ),
        (
            "the IPv4 wildcard written empty, with ipv4@",
            replace(
                &base,
                &format!("bind *:{any}"),
                &format!("bind ipv4@:{any}"),
            ),
            vec![],
        ),
        (
            "a server's options in another order",
            replace(
                &base,
                "maxconn 20 weight 7 inter 2s",
                "inter 2000 weight 7 maxconn 20",
            ),
            vec![],
        ),
        (
            "a bind's maxconn 7 -> 8",
            replace(
                &base,
                &l1,
                &format!("bind 127.0.0.1:{web} name l1 maxconn 8 backlog 16"),
            ),
            k(&[format!("frontend.web.bind.\"127.0.0.1:{web}\".maxconn")]),
        ),
        (
            "a second address on the wildcard's bind line",
            replace(
                &base,
                &format!("bind *:{any}"),
                &format!("bind *:{any},127.0.0.1:{extra}"),
            ),
            k(&[
                format!("frontend.web.bind.\"127.0.0.1:{extra}\""),
                format!("frontend.web.bind.\"127.0.0.1:{extra}\".name"),
            ]),
        ),
        (
            "the wildcard narrowed to loopback",
            replace(
                &base,
                &format!("bind *:{any}"),
                &format!("bind 127.0.0.1:{any}"),
            ),
            k(&[
                format!("frontend.web.bind.\"127.0.0.1:{any}\""),
                format!("frontend.web.bind.\"127.0.0.1:{any}\".name"),
                format!("frontend.web.bind.:{any}"),
                format!("frontend.web.bind.:{any}.name"),
            ]),
        ),
    ];
    judge(&base, &[web], &cases);
}

/// The ALPN protocol haproxy picks on `port` for a client offering `h2,http/1.1`
/// (`openssl s_client`).
fn alpn(port: u16) -> String {
    let out = Command::new("openssl")
        .args(["s_client", "-alpn", "h2,http/1.1", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .expect("openssl must be installed for this test (.ci/run installs openssl)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .find(|l| l.starts_with("ALPN protocol:") || l.starts_with("No ALPN"))
        .unwrap_or_else(|| panic!("{text}{}", String::from_utf8_lossy(&out.stderr)))
        .to_string()
}

#[test]
fn tls_bind_options_in_any_order_are_the_same_listener() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("site.pem");
    let (key, crt) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .expect("openssl must be installed for this test (.ci/run installs openssl)");
    assert!(made.status.success(), "{made:?}");
    let both = std::fs::read_to_string(&crt).unwrap() + &std::fs::read_to_string(&key).unwrap();
    std::fs::write(&pem, both).unwrap();
    let port = free_port();
    let pem = pem.display();
    let cfg = |bind: &str| {
        format!(
            "global\n\tstats socket {{SOCK}} level admin\n\ndefaults\n\tmode http\n\ttimeout connect 1s\n\ttimeout client 2s\n\ttimeout server 2s\n\n\
             frontend tls\n\t{bind}\n\thttp-request return status 200\n"
        )
    };
    let base = cfg(&format!(
        "bind 127.0.0.1:{port} ssl crt {pem} alpn h2,http/1.1"
    ));
    let run = |cfg: &str| {
        let h = Running::start(cfg);
        (h.profile(), alpn(port))
    };
    let judged = run(&base);
    assert_eq!(judged.1, "ALPN protocol: h2");
    let reordered = cfg(&format!(
        "bind ipv4@127.0.0.1:{port} alpn h2,http/1.1 crt {pem} ssl"
    ));
    assert_eq!(run(&reordered), judged);
    assert_eq!(confdrift(&base, &reordered), Vec::<String>::new());
    let edited = cfg(&format!(
        "bind 127.0.0.1:{port} alpn http/1.1 ssl crt {pem}"
    ));
    let (profile, picked) = run(&edited);
    assert_eq!(
        (profile, picked.as_str()),
        (judged.0, "ALPN protocol: http/1.1")
    );
    assert_eq!(
        confdrift(&base, &edited),
        vec![format!("frontend.tls.bind.\"127.0.0.1:{port}\".alpn")]
    );
}

/// A frontend's session limit (`show stat` slim) in a haproxy running `cfgs`.
fn frontend_limit(cfgs: &[&str], frontend: &str) -> String {
    let h = Running::start_files(cfgs);
    let stat = h.table("show stat", ',', &["pxname", "svname", "slim"]);
    stat.into_iter()
        .find(|r| r[0] == frontend && r[1] == "FRONTEND")
        .unwrap_or_else(|| panic!("no frontend {frontend}"))[2]
        .clone()
}

#[test]
fn a_new_defaults_starts_afresh_and_the_last_one_reaches_the_next_file() {
    let (p, q) = (free_port(), free_port());
    let global = "global\n\tstats socket {SOCK} level admin\n";
    let frontend = format!("frontend f\n\tbind 127.0.0.1:{p}\n");
    // A second unnamed defaults takes nothing from the first: the first's maxconn reaches
    // no proxy, so removing that section is no drift.
    let two = format!("{global}defaults\n\tmaxconn 10\ndefaults\n\ttimeout client 1s\n{frontend}");
    let one = format!("{global}defaults\n\ttimeout client 1s\n{frontend}");
    assert_eq!(frontend_limit(&[&two], "f"), frontend_limit(&[&one], "f"));
    assert_ne!(frontend_limit(&[&two], "f"), "10");
    assert_eq!(confdrift(&two, &one), Vec::<String>::new());
    // A file of global and defaults only (Debian's haproxy.cfg), the proxies in the next
    // file: the defaults' maxconn is the next file's frontend's, so it is compared itself.
    let main = |n: u32| format!("{global}defaults\n\tmaxconn {n}\n\ttimeout client 1s\n");
    let site = format!("frontend g\n\tbind 127.0.0.1:{q}\n");
    assert_eq!(frontend_limit(&[&main(77), &site], "g"), "77");
    assert_eq!(frontend_limit(&[&main(78), &site], "g"), "78");
    assert_eq!(confdrift(&main(77), &main(78)), vec!["defaults.maxconn"]);
}

/// The status line haproxy answers `GET path` with on `port`.
fn status(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.lines().next().unwrap_or("").to_string()
}

#[test]
fn a_proxys_own_stats_line_drops_all_of_the_defaults_stats() {
    let (one, two) = (free_port(), free_port());
    let cfg = |defaults: &str, first: &str| {
        format!(
            "global\n\tstats socket {{SOCK}} level admin\n\n\
             defaults\n\tmode http\n\ttimeout connect 1s\n\ttimeout client 2s\n\ttimeout server 2s\n{defaults}\n\
             listen one\n\tbind 127.0.0.1:{one}\n{first}\n\
             listen two\n\tbind 127.0.0.1:{two}\n\tstats auth ops:x\n"
        )
    };
    let base = cfg("\tstats enable\n\tstats uri /s\n", "");
    let moved = cfg("", "\tstats enable\n\tstats uri /s\n");
    let statuses = |cfg: &str| {
        let _h = Running::start(cfg);
        [status(one, "/s"), status(two, "/s")]
    };
    // `one` serves the defaults' stats page at /s; `two`, with a stats line of its own, takes
    // none of the defaults' (its page stays at HAProxy's default URI, behind a password).
    let judged = statuses(&base);
    assert!(judged[0].contains(" 200 "), "{judged:?}");
    assert!(
        !judged[1].contains(" 200 ") && !judged[1].contains(" 401 "),
        "{judged:?}"
    );
    assert_eq!(statuses(&moved), judged);
    assert_eq!(confdrift(&base, &moved), Vec::<String>::new());
}
