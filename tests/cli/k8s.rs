//! Kubernetes manifests, held to kubectl's own reading of them: `kubectl kustomize` (offline,
//! no cluster) reads a manifest set with the YAML reader kubectl applies with and writes the
//! objects out sorted, in one canonical layout. Rewrites it writes out the same are no change
//! to confdrift; edits it writes out differently are found, named by key and line. And a
//! Secret's values appear in no output and no git object.

use crate::baseline_repo::{KEY, all_objects_text, run_env, with_identity};
use crate::harness::{Fleet, kinds};
use std::path::Path;
use std::process::Command;

/// A pgbouncer tier as it is deployed: its config in a ConfigMap, its auth file in a Secret,
/// the application that connects through it.
const BASE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  namespace: prod
spec:
  replicas: 6
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: app
        image: registry.example.com/shop:1.4.2
        env:
        - name: DB_HOST
          value: pgbouncer.prod.svc
        - name: DB_POOL_SIZE
          value: \"20\"
        - name: DB_TIMEOUT
          value: 30s
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pgbouncer
  namespace: prod
data:
  pgbouncer.ini: |
    [databases]
    shop = host=pg-primary port=5432 dbname=shop

    [pgbouncer]
    listen_port = 6432
    max_client_conn = 200
    default_pool_size = 20
---
apiVersion: v1
kind: Secret
metadata:
  name: pgbouncer-auth
  namespace: prod
type: Opaque
data:
  DB_PASSWORD: czNjcjN0LXBndy1aeDk=
stringData:
  userlist.txt: |
    \"shop\" \"Zk8-userlist-pw\"
";

/// The Secret's values, as written and decoded: none may appear in any output.
const SECRETS: [&str; 3] = ["czNjcjN0LXBndy1aeDk=", "s3cr3t-pgw-Zx9", "Zk8-userlist-pw"];

/// `kubectl kustomize` of one manifest file: its canonical output.
fn kustomize(manifest: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), manifest).unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- app.yaml\n",
    )
    .unwrap();
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir.path())
        .output()
        .expect("kubectl must be installed for the tests (.ci/run installs it)");
    assert!(
        out.status.success(),
        "kubectl kustomize refused:\n{}\n{manifest}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `confdrift diff --format json` of two manifests (as `.yaml` files, detected by content):
/// its exit code and the findings' (key, line).
fn confdrift(dir: &Path, a: &str, b: &str) -> (i32, Vec<(String, u64)>) {
    std::fs::write(dir.join("a.yaml"), a).unwrap();
    std::fs::write(dir.join("b.yaml"), b).unwrap();
    let out = crate::harness::run_in(dir, &["diff", "a.yaml", "b.yaml", "--format", "json"]);
    let report = out.json();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    for s in SECRETS {
        assert!(!out.stdout.contains(s), "{s} shown:\n{}", out.stdout);
    }
    (out.code, found)
}

fn documents() -> Vec<String> {
    BASE.split("---\n").map(str::to_string).collect()
}

/// Rewrites kubectl reads as the same objects.
fn same_objects() -> Vec<(&'static str, String)> {
    let d = documents();
    vec![
        (
            "documents in another order",
            format!("{}---\n{}---\n{}", d[2], d[0], d[1]),
        ),
        (
            "keys in another order, flow style, other quoting, comments",
            BASE.replace(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  namespace: prod\n",
                "# the shop\nmetadata: {namespace: \"prod\", name: 'shop'}\nkind: \"Deployment\"\napiVersion: apps/v1\n",
            )
            .replace(
                "        image: registry.example.com/shop:1.4.2\n",
                "        image: 'registry.example.com/shop:1.4.2'   # pinned\n",
            )
            .replace("        ports:\n        - containerPort: 8080\n", "        ports: [{containerPort: 8080}]\n"),
        ),
        (
            "replicas in octal, as YAML 1.1 reads it",
            BASE.replace("replicas: 6", "replicas: 06"),
        ),
        (
            "the explicit document end and start markers",
            format!("---\n{}...\n", BASE.replace("---\n", "...\n---\n")),
        ),
    ]
}

/// Edits kubectl reads as other objects, and the key and line confdrift names.
fn edits() -> Vec<(&'static str, String, &'static str, u64)> {
    vec![
        (
            "replicas",
            BASE.replace("replicas: 6", "replicas: 8"),
            "Deployment/prod/shop.spec.replicas",
            7,
        ),
        (
            "replicas 010 is 8 to kubectl",
            BASE.replace("replicas: 6", "replicas: 010"),
            "Deployment/prod/shop.spec.replicas",
            7,
        ),
        (
            "an env value",
            BASE.replace("value: \"20\"", "value: \"40\""),
            "Deployment/prod/shop.spec.template.spec.containers[name=app].env[name=DB_POOL_SIZE].value",
            21,
        ),
        (
            "the image",
            BASE.replace("shop:1.4.2", "shop:1.4.3"),
            "Deployment/prod/shop.spec.template.spec.containers[name=app].image",
            16,
        ),
        (
            "a setting of the pgbouncer.ini the ConfigMap holds",
            BASE.replace("max_client_conn = 200", "max_client_conn = 500"),
            "ConfigMap/prod/pgbouncer.data.\"pgbouncer.ini\".pgbouncer.max_client_conn",
            39,
        ),
        (
            "a namespace",
            BASE.replace(
                "  name: shop\n  namespace: prod\n",
                "  name: shop\n  namespace: staging\n",
            ),
            "Deployment/staging/shop.kind",
            2,
        ),
    ]
}

#[test]
fn manifests_are_compared_as_kubectl_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let judged = kustomize(BASE);
    for (what, text) in same_objects() {
        assert_ne!(text, BASE, "{what}: not a rewrite");
        assert_eq!(
            kustomize(&text),
            judged,
            "{what}: kubectl reads other objects"
        );
        assert_eq!(confdrift(dir.path(), BASE, &text), (0, vec![]), "{what}");
    }
    for (what, text, key, line) in edits() {
        assert_ne!(
            kustomize(&text),
            judged,
            "{what}: kubectl reads the same objects"
        );
        let (code, found) = confdrift(dir.path(), BASE, &text);
        assert_eq!(code, 1, "{what}: {found:?}");
        assert!(
            found.contains(&(key.to_string(), line)),
            "{what}: want {key} at line {line}, found {found:?}"
        );
    }
}

/// Where confdrift and kubectl part, on purpose: kubectl keeps a container's `env` list in the
/// order written (a `$(VAR)` reference sees only the variables before it), confdrift keys it
/// by name, so a reordering with no reference is no change. Written down so that the day
/// either side changes, this test says so.
#[test]
fn env_order_is_no_change_to_confdrift_though_kubectl_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let swapped = BASE.replace(
        "        - name: DB_HOST\n          value: pgbouncer.prod.svc\n        - name: DB_POOL_SIZE\n          value: \"20\"\n",
        "        - name: DB_POOL_SIZE\n          value: \"20\"\n        - name: DB_HOST\n          value: pgbouncer.prod.svc\n",
    );
    assert_ne!(swapped, BASE);
    assert_ne!(kustomize(&swapped), kustomize(BASE));
    assert_eq!(confdrift(dir.path(), BASE, &swapped), (0, vec![]));
}

/// Two hosts deploying the manifest from `/srv/deploy/pgbouncer.yaml`.
fn fleet() -> Fleet {
    let f = Fleet::new(&crate::harness::app_config(
        &["ctl-1", "ctl-2"],
        &["/srv/deploy/pgbouncer.yaml"],
    ));
    with_identity(&f);
    f.write(".gitignore", "fleet/\n");
    for h in ["ctl-1", "ctl-2"] {
        f.live(h, "/srv/deploy/pgbouncer.yaml", BASE);
    }
    f.commit("confdrift config");
    f
}

fn assert_no_secret(what: &str, text: &str, also: &[&str]) {
    for s in SECRETS.iter().chain(also) {
        assert!(!text.contains(s), "{what} shows the secret {s:?}:\n{text}");
    }
}

#[test]
fn a_secrets_values_appear_in_no_output_and_no_git_object() {
    let f = fleet();
    let env = [("CONFDRIFT_SECRET_KEY", KEY)];
    let out = run_env(f.path(), &["accept", "-m", "Intended state"], &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_secret("accept", &format!("{}{}", out.stdout, out.stderr), &[]);
    let objects = all_objects_text(&f);
    assert_no_secret("a git object", &objects, &[]);
    assert!(objects.contains("hmac-sha256:"), "{objects}");

    // Rotated on ctl-2 (both the base64 value and the auth file's), and a setting changed.
    let rotated = BASE
        .replace("czNjcjN0LXBndy1aeDk=", "bjN3LXBndy1Rdzc=")
        .replace("Zk8-userlist-pw", "Rot-userlist-77")
        .replace("default_pool_size = 20", "default_pool_size = 25");
    let also = ["bjN3LXBndy1Rdzc=", "n3w-pgw-Qw7", "Rot-userlist-77"];
    f.live("ctl-2", "/srv/deploy/pgbouncer.yaml", &rotated);
    for args in [
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["check", "-vv"],
        vec!["check", "--format", "junit"],
    ] {
        let out = run_env(f.path(), &args, &env);
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert_no_secret(
            &format!("{args:?}"),
            &format!("{}{}", out.stdout, out.stderr),
            &also,
        );
    }
    let r = run_env(f.path(), &["check", "--format", "json"], &env).json();
    let found: Vec<(String, String)> = kinds(&r)
        .into_iter()
        .map(|(host, _, key, kind)| (format!("{host} {key}"), kind))
        .collect();
    let changed = |k: &str| (format!("ctl-2 {k}"), "changed".to_string());
    assert_eq!(
        found,
        [
            changed("ConfigMap/prod/pgbouncer.data.\"pgbouncer.ini\".pgbouncer.default_pool_size"),
            changed("Secret/prod/pgbouncer-auth.data.DB_PASSWORD"),
            changed("Secret/prod/pgbouncer-auth.stringData.\"userlist.txt\".shop"),
        ]
    );
    let out = run_env(
        f.path(),
        &["accept", "--host", "ctl-2", "-m", "Rotated"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_secret("a git object", &all_objects_text(&f), &also);
    assert_eq!(run_env(f.path(), &["check"], &env).code, 0);
}

#[test]
fn manifests_are_known_by_their_path_and_by_their_content() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("deploy/app.yaml", BASE),
        ("k8s/app.yml", BASE),
        ("app.k8s.yaml", BASE),
        // Read as k8s by its path, a document that is no object keeps its index.
        ("manifests/extra.yaml", "replicas: 3\n---\nfoo: 1\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        let edited = content
            .replace("replicas: 6", "replicas: 7")
            .replace("replicas: 3", "replicas: 4");
        let other = dir.path().join(format!("{name}.new.yaml"));
        std::fs::write(&other, &edited).unwrap();
        let out = crate::harness::run_in(
            dir.path(),
            &[
                "diff",
                name,
                &format!("{name}.new.yaml"),
                "--format",
                "json",
            ],
        );
        let keys: Vec<String> = out.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap().to_string())
            .collect();
        let want = if name.starts_with("manifests/") {
            "[0].replicas"
        } else {
            "Deployment/prod/shop.spec.replicas"
        };
        assert_eq!(keys, [want], "{name}");
    }
}

/// A Deployment's replicas as a capacity multiplier: the application's pool size (an env
/// value) times its replicas must fit in the pgbouncer.ini its ConfigMap holds.
#[test]
fn replicas_multiply_a_pool_against_the_pgbouncer_in_a_configmap() {
    let manifest = "/srv/deploy/shop.yaml";
    let config = format!(
        "{}\n[[capacity]]\nname = \"shop pools fit in pgbouncer\"\nper_host = true\n\
         demand = {{ group = \"app\", file = \"{manifest}\", key = 'Deployment/prod/shop.spec.template.spec.containers[name=app].env[name=DB_POOL_SIZE].value', multiplier = \"Deployment/prod/shop.spec.replicas\" }}\n\
         supply = {{ group = \"app\", file = \"{manifest}\", key = 'ConfigMap/prod/pgbouncer.data.\"pgbouncer.ini\".pgbouncer.max_client_conn' }}\n",
        crate::harness::app_config(&["ctl-1"], &[manifest])
    );
    let f = Fleet::new(&config);
    let d = documents();
    let fits = format!("{}---\n{}", d[0], d[1]);
    f.live("ctl-1", manifest, &fits);
    f.group_baseline("app", manifest, &fits);
    f.commit("c");
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(
        out.code, 0,
        "20×6 = 120 fits in 200: {}{}",
        out.stdout, out.stderr
    );

    f.live(
        "ctl-1",
        manifest,
        fits.replace("replicas: 6", "replicas: 12"),
    );
    let out = f.run(&["check", "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    let capacity: Vec<(&str, &str, u64)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == "capacity")
        .map(|x| {
            (
                x["key"].as_str().unwrap(),
                x["message"].as_str().unwrap(),
                x["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        capacity,
        [(
            "ConfigMap/prod/pgbouncer.data.\"pgbouncer.ini\".pgbouncer.max_client_conn",
            "20×12 = 240 > ConfigMap/prod/pgbouncer.data.\"pgbouncer.ini\".pgbouncer.max_client_conn 200",
            39
        )]
    );
}

fn upstream(rel: &str) -> String {
    let path = format!("{}/fixtures/upstream/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `confdrift diff` of two files named `name` in two directories: exit code, (key, line)s.
fn diff_named(dir: &Path, name: &str, a: &str, b: &str) -> (i32, Vec<(String, u64)>) {
    for (side, text) in [("old", a), ("new", b)] {
        std::fs::create_dir_all(dir.join(side)).unwrap();
        std::fs::write(dir.join(side).join(name), text).unwrap();
    }
    let out = crate::harness::run_in(
        dir,
        &[
            "diff",
            &format!("old/{name}"),
            &format!("new/{name}"),
            "--format",
            "json",
        ],
    );
    assert!(out.code < 2, "{}{}", out.stdout, out.stderr);
    let found = out.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (out.code, found)
}

/// The documents of a file in the reverse order, each ending in a newline.
fn reversed(text: &str) -> String {
    let mut docs: Vec<String> = text
        .split("\n---\n")
        .map(|d| format!("{}\n", d.trim_end_matches('\n')))
        .collect();
    docs.reverse();
    docs.join("---\n")
}

/// Without the comment lines and blank lines outside block scalars (a block scalar's lines,
/// blank or `#`, are its content).
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    // The indentation of the line that opened the block scalar we are in.
    let mut block: Option<usize> = None;
    for l in text.lines() {
        let indent = l.len() - l.trim_start_matches(' ').len();
        let t = l.trim();
        if let Some(opened) = block {
            if t.is_empty() || indent > opened {
                out.push_str(l);
                out.push('\n');
                continue;
            }
            block = None;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        out.push_str(l);
        out.push('\n');
        let code = t.split(" #").next().unwrap_or(t).trim_end();
        let last = code.rsplit(' ').next().unwrap_or(code);
        if last.starts_with(['|', '>']) && code.len() > last.len() {
            block = Some(indent);
        }
    }
    out
}

/// Real manifests from kubernetes/examples (fixtures/upstream/SOURCES.md): keys and lines as
/// expected; the same to kubectl and to confdrift with the documents reversed and without the
/// top-level comments and blank lines; edits found by key and line (and by kubectl).
#[test]
fn upstream_manifests_from_kubernetes_examples() {
    let dir = tempfile::tempdir().unwrap();
    type Case = (&'static str, &'static str, &'static str, u64);
    let cases: [(&str, Vec<Case>); 2] = [
        (
            "guestbook-all-in-one.yaml",
            vec![
                (
                    "replicas: 3",
                    "replicas: 5",
                    "Deployment/frontend.spec.replicas",
                    126,
                ),
                (
                    "value: dns",
                    "value: env",
                    "Deployment/redis-replica.spec.template.spec.containers[name=replica].env[name=GET_HOSTS_FROM].value",
                    89,
                ),
                (
                    "  - port: 80\n",
                    "  - port: 8080\n",
                    "Service/frontend.spec.ports[port=8080].port",
                    112,
                ),
            ],
        ),
        (
            "cassandra-statefulset.yaml",
            vec![
                (
                    "replicas: 3",
                    "replicas: 4",
                    "StatefulSet/cassandra.spec.replicas",
                    9,
                ),
                (
                    "value: 512M",
                    "value: 1G",
                    "StatefulSet/cassandra.spec.template.spec.containers[name=cassandra].env[name=MAX_HEAP_SIZE].value",
                    52,
                ),
                (
                    "9042",
                    "9043",
                    "StatefulSet/cassandra.spec.template.spec.containers[name=cassandra].ports[name=cql].containerPort",
                    30,
                ),
                (
                    "type: pd-ssd",
                    "type: pd-standard",
                    "StorageClass/fast.parameters.type",
                    115,
                ),
            ],
        ),
    ];
    for (file, edits) in cases {
        let text = upstream(&format!("kubernetes-examples/{file}"));
        let judged = kustomize(&text);
        for (what, rewrite) in [
            ("reversed", reversed(&text)),
            ("without comments", without_comments(&text)),
        ] {
            assert_ne!(rewrite, text, "{file} {what}");
            assert_eq!(
                kustomize(&rewrite),
                judged,
                "{file} {what}: kubectl differs"
            );
            assert_eq!(
                diff_named(dir.path(), "app.yaml", &text, &rewrite),
                (0, vec![]),
                "{file} {what}"
            );
        }
        for (from, to, key, line) in edits {
            assert!(text.contains(from), "{file}: {from}");
            let edited = text.replacen(from, to, 1);
            assert_ne!(
                kustomize(&edited),
                judged,
                "{file} {from}: kubectl reads the same"
            );
            let (code, found) = diff_named(dir.path(), "app.yaml", &text, &edited);
            assert_eq!(code, 1, "{file} {from}");
            assert!(
                found.contains(&(key.to_string(), line)),
                "{file} {from}: want {key} at {line}, found {found:?}"
            );
        }
    }
}

/// kubernetes/examples' prometheus-adapter.yaml holds, in a ConfigMap, a `config.yaml` that no
/// YAML reader takes: its second rule is indented two spaces too far (line 122). kubectl applies
/// it (it never reads the entry); the adapter's YAML reader refuses it, and so does confdrift,
/// at the line in the manifest. Indented as meant, it reads, and an edit of a rule is found
/// at its line.
#[test]
fn upstream_configmap_whose_config_yaml_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let text = upstream("kubernetes-examples/prometheus-adapter.yaml");
    kustomize(&text);
    std::fs::write(dir.path().join("adapter.yaml"), &text).unwrap();
    let out = crate::harness::run_in(dir.path(), &["diff", "adapter.yaml", "adapter.yaml"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "adapter.yaml:122:9: in the entry config.yaml (read as yaml): while parsing a block mapping, did not find expected key"
        ),
        "{}",
        out.stdout
    );
    let lines: Vec<&str> = text.lines().collect();
    let fixed: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match i + 1 {
            120..=130 => format!("{}\n", l.strip_prefix("  ").unwrap()),
            _ => format!("{l}\n"),
        })
        .collect();
    let rules = "ConfigMap/monitoring/prometheus-adapter.data.\"config.yaml\".rules";
    let edited = fixed.replace("by (<<.GroupBy>>)'", "by (pod)'");
    let (code, found) = diff_named(dir.path(), "app.yaml", &fixed, &edited);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [
            (format!("{rules}[0].metricsQuery"), 119),
            (format!("{rules}[1].metricsQuery"), 130)
        ]
    );
    assert_eq!(
        diff_named(dir.path(), "app.yaml", &fixed, &reversed(&fixed)),
        (0, vec![])
    );
}

/// Bitnami's PostgreSQL chart's values.yaml: plain YAML, read as YAML 1.1 by its name as helm
/// reads it; the same without comments and respelled; edits found by key and line, and the
/// chart's password values never shown.
#[test]
fn upstream_helm_values_of_bitnamis_postgresql_chart() {
    let dir = tempfile::tempdir().unwrap();
    let text = upstream("bitnami-charts/values.yaml");
    assert_eq!(
        diff_named(dir.path(), "values.yaml", &text, &without_comments(&text)),
        (0, vec![])
    );
    // A tag quoted or not; 1 as 0x1, and as 01 (octal to YAML 1.1, as to helm).
    let respelled = text
        .replace("tag: 17.6.0-debian-12-r4", "tag: \"17.6.0-debian-12-r4\"")
        .replace("  replicaCount: 1\n", "  replicaCount: 0x1\n")
        .replace("architecture: standalone", "architecture: 'standalone'");
    assert_eq!(
        diff_named(dir.path(), "values.yaml", &text, &respelled),
        (0, vec![])
    );
    let edited = text
        .replace("  replicaCount: 1\n", "  replicaCount: 010\n")
        .replace("tag: 17.6.0-debian-12-r4", "tag: 17.7.0-debian-12-r1");
    assert_eq!(
        diff_named(dir.path(), "values.yaml", &text, &edited),
        (
            1,
            vec![
                ("image.tag".to_string(), 126),
                ("readReplicas.replicaCount".to_string(), 867)
            ]
        )
    );
    let password = text.replacen(
        "  postgresPassword: \"\"",
        "  postgresPassword: \"Zq-s3cret-41\"",
        1,
    );
    std::fs::write(dir.path().join("values.yaml"), &password).unwrap();
    let out = crate::harness::run_in(
        dir.path(),
        &["diff", "old/values.yaml", "values.yaml", "--format", "json"],
    );
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains("Zq-s3cret-41"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("global.postgresql.auth.postgresPassword"),
        "{}",
        out.stdout
    );
}

/// A ConfigMap holding a file in no format confdrift reads: its lines are judged as an unknown
/// file's; `accept` writes the fingerprint of a secret on a later line of the block in place.
#[test]
fn a_password_in_a_configmaps_unknown_file_is_fingerprinted_in_place() {
    let file = "/srv/deploy/app.yaml";
    let f = Fleet::new(&crate::harness::app_config(&["ctl-1"], &[file]));
    with_identity(&f);
    f.write(".gitignore", "fleet/\n");
    let manifest = |pw: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  app.cfg: |\n    pool=5\n    admin_password={pw}\n    dsn=postgres://app:{pw}x@db/app\n"
        )
    };
    f.live("ctl-1", file, manifest("Zq-pw-one1"));
    f.commit("c");
    let env = [("CONFDRIFT_SECRET_KEY", KEY)];
    let out = run_env(f.path(), &["accept", "-m", "first"], &env);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let objects = all_objects_text(&f);
    assert!(!objects.contains("Zq-pw-one1"), "{objects}");
    let baseline =
        std::fs::read_to_string(f.path().join("baselines/groups/app/srv/deploy/app.yaml")).unwrap();
    assert!(
        baseline.contains("\n    pool=5\n    hmac-sha256:")
            && baseline.contains("dsn=postgres://app:hmac-sha256:"),
        "{baseline}"
    );
    assert_eq!(run_env(f.path(), &["check"], &env).code, 0);
    f.live("ctl-1", file, manifest("Zq-pw-two2"));
    let out = run_env(f.path(), &["check", "-vv", "--format", "json"], &env);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for s in ["Zq-pw-one1", "Zq-pw-two2"] {
        assert!(
            !out.stdout.contains(s) && !out.stderr.contains(s),
            "{}",
            out.stdout
        );
    }
    assert_eq!(
        out.json()["findings"][0]["key"],
        "ConfigMap/app.data.\"app.cfg\""
    );
}
