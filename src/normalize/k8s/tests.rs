//! The manifest reader's unit tests.

use super::*;
use crate::normalize::testutil::*;

const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: app
        image: shop:1.4
        env:
        - name: DB_POOL_SIZE
          value: \"20\"
        - name: DB_HOST
          value: pgbouncer
        ports:
        - containerPort: 8080
        - containerPort: 9090
          name: metrics
        volumeMounts:
        - name: cfg
          mountPath: /etc/app
        - name: cfg
          mountPath: /etc/other
          subPath: other
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pg
  namespace: db
data:
  postgresql.conf: |
    # tuning
    max_connections = 200
    shared_buffers = 1GB
  notes.txt: hello
---
apiVersion: v1
kind: Service
metadata:
  name: pgbouncer
spec:
  ports:
  - port: 6432
    targetPort: 6432
";

#[test]
fn objects_are_keyed_by_kind_namespace_and_name() {
    let t = parse_yaml(APP).unwrap();
    assert_eq!(
        get(&t, "Deployment/shop/web.spec.replicas"),
        (&Value::Int(3), 7)
    );
    assert_eq!(
        get(
            &t,
            "Deployment/shop/web.spec.template.spec.containers[name=app].env[name=DB_POOL_SIZE].value"
        ),
        (&s("20"), 15)
    );
    // Ports: not all named, so by containerPort; mounts: names repeat, so by mountPath.
    let c = "Deployment/shop/web.spec.template.spec.containers[name=app]";
    assert_eq!(
        get(&t, &format!("{c}.ports[containerPort=9090].name")).1,
        21
    );
    assert_eq!(
        get(
            &t,
            &format!("{c}.volumeMounts[mountPath=/etc/other].subPath")
        ),
        (&s("other"), 27)
    );
    assert_eq!(
        get(&t, "Service/pgbouncer.spec.ports[port=6432].targetPort").1,
        48
    );
    assert_eq!(get(&t, "ConfigMap/db/pg.kind"), (&s("ConfigMap"), 30));
}

#[test]
fn a_configmap_entry_named_like_a_file_is_read_in_its_format() {
    let t = parse_yaml(APP).unwrap();
    assert_eq!(
        get(
            &t,
            "ConfigMap/db/pg.data.\"postgresql.conf\".max_connections"
        ),
        (&s("200"), 37)
    );
    let (v, line) = get(
        &t,
        "ConfigMap/db/pg.data.\"postgresql.conf\".shared_buffers",
    );
    assert_eq!((v.to_string().as_str(), line), ("1GB", 38));
    assert_eq!(
        get(&t, "ConfigMap/db/pg.data.\"notes.txt\""),
        (&s("hello"), 39)
    );
    // A quoted entry has no line of its own per setting: the entry's line.
    let quoted = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  redis.conf: \"maxclients 50\\nport 7000\\n\"\n";
    let t = parse_yaml(quoted).unwrap();
    assert_eq!(
        get(&t, "ConfigMap/c.data.\"redis.conf\".maxclients"),
        (&s("50"), 5)
    );
    // A broken entry is an error at its line in the manifest.
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  app.json: |\n    {\"a\": 1,\n     \"b\": }\n";
    let e = parse_yaml(bad).unwrap_err();
    assert_eq!(e.line, 7, "{e:?}");
    assert!(e.message.contains("app.json (read as json)"), "{e:?}");
}

#[test]
fn document_order_key_order_list_order_and_style_are_no_change() {
    let a = parse_yaml(APP).unwrap();
    let docs: Vec<&str> = APP.split("---\n").collect();
    let reordered = format!("{}---\n{}---\n{}", docs[2], docs[0], docs[1]);
    assert_eq!(content(&a), content(&parse_yaml(&reordered).unwrap()));
    let env_swapped = APP.replace(
        "        - name: DB_POOL_SIZE\n          value: \"20\"\n        - name: DB_HOST\n          value: pgbouncer\n",
        "        - {value: pgbouncer, name: DB_HOST}\n        - name: DB_POOL_SIZE\n          value: '20'\n",
    );
    assert_ne!(env_swapped, APP);
    assert!(same_tree(&a, &parse_yaml(&env_swapped).unwrap()));
    let edited = APP.replace("replicas: 3", "replicas: 4");
    assert_eq!(
        drift(&a, &parse_yaml(&edited).unwrap()),
        ["Deployment/shop/web.spec.replicas"]
    );
}

#[test]
fn manifests_are_read_as_yaml_1_1_like_kubectl() {
    let text =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: 010\n";
    assert_eq!(
        get(&parse_yaml(text).unwrap(), "Deployment/w.spec.replicas").0,
        &Value::Int(8)
    );
    assert_eq!(
        get(&parse(text).unwrap(), "Deployment/w.spec.replicas").0,
        &Value::Int(8)
    );
}

#[test]
fn files_that_are_not_all_objects_stay_plain_yaml() {
    // Helm values and other YAML: not every document is an object.
    let values = "replicaCount: 010\nkind: note\nimage:\n  apiVersion: x\n";
    let t = parse_yaml(values).unwrap();
    assert!(get(&t, "replicaCount").0.same(&Value::Int(10)));
    let mixed = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: 1\n";
    let t = parse_yaml(mixed).unwrap();
    assert_eq!(get(&t, "[1].foo").0, &Value::Int(1));
    // Read as k8s (by path or `--as k8s`), a document that is no object keeps its index.
    let t = parse(mixed).unwrap();
    assert_eq!(get(&t, "ConfigMap/a.metadata.name").1, 3);
    assert_eq!(get(&t, "[1].foo"), (&Value::Int(1), 5));
}

#[test]
fn a_list_holds_objects_and_a_repeated_object_replaces_the_first() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {x: '1'}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n";
    let t = parse_yaml(list).unwrap();
    assert_eq!(get(&t, "ConfigMap/a.data.x"), (&s("1"), 7));
    assert!(t.get("ConfigMap/b.kind").is_some());
    let twice = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1', y: '2'}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '3'}\n";
    let t = parse_yaml(twice).unwrap();
    assert_eq!(get(&t, "ConfigMap/a.data.x"), (&s("3"), 9));
    assert!(t.get("ConfigMap/a.data.y").is_none());
}

#[test]
fn manifests_inside_a_yaml_entry_are_not_unfolded() {
    // Also: an indicator on a line of its own, and a blank first line kept in the count.
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  inner.yaml:\n    |\n\n    apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n";
    let t = parse_yaml(text).unwrap();
    assert_eq!(
        get(&t, "ConfigMap/a.data.\"inner.yaml\".kind"),
        (&s("Secret"), 9)
    );
}

#[test]
fn helm_values_are_plain_yaml_with_lists_keyed_by_name() {
    // A chart's values in the shape of a container's: `env` keyed by name there too, and read
    // as YAML 1.1 by its path (helm reads values with sigs.k8s.io/yaml).
    let values = "replicaCount: 2\nextraEnv:\n  - name: POOL\n    value: '20'\n  - name: MODE\n    value: session\nimage:\n  tag: 010\n";
    let format = Format::detect("charts/pgbouncer/values.yaml");
    assert_eq!(format.label(), "yaml 1.1");
    let t = match format.parse(values.as_bytes()).unwrap() {
        Document::Tree(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(get(&t, "extraEnv[name=MODE].value"), (&s("session"), 6));
    assert_eq!(get(&t, "image.tag").0, &Value::Int(8));
}

#[test]
fn keys_of_manifests_are_taken_apart_as_they_were_written() {
    assert_eq!(
        object_field("\"Secret/db/pg.v2\".stringData.\"userlist.txt\".app"),
        Some(("Secret".into(), "stringData".into(), "\"userlist.txt\".app"))
    );
    assert_eq!(
        object_field("Secret.data.x"),
        Some(("Secret".into(), "data".into(), "x"))
    );
    assert!(under_kind("\"Secret/db/pg.v2\".data.x", "Secret"));
    assert!(!under_kind("SecretProviderClass/x.spec", "Secret"));
    let (format, inner) = entry_key("ConfigMap/db/b.data.\"pgbouncer.ini\".databases.app").unwrap();
    assert_eq!((format.name(), inner), ("pgbouncer", "databases.app"));
    assert!(entry_key("ConfigMap/db/b.data.\"notes.txt\"").is_none());
    assert!(entry_key("Deployment/db/b.data.\"pgbouncer.ini\".x").is_none());
    assert!(is_text_entry("ConfigMap/db/b.data.\"notes.txt\""));
    assert!(!is_text_entry("ConfigMap/db/b.data.\"redis.conf\""));
    assert!(!is_text_entry("ConfigMap/db/b.metadata.name"));
}

#[test]
fn hostile_manifests_are_refused_or_read_in_bounded_time() {
    // Deep nesting inside an object: the YAML reader's limit, with its line.
    let deep: String = (0..200)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i + 2)))
        .collect();
    let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n{deep}");
    let e = parse(&text).unwrap_err();
    assert!(e.message.contains("nesting too deep"), "{e:?}");
    // Many blank lines before many block entries: linear, and each setting at its line.
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n");
    for i in 0..2000 {
        text.push_str(&format!("  f{i}.properties: |\n\n\n    x = {i}\n"));
    }
    let t = parse(&text).unwrap();
    assert_eq!(
        get(&t, "ConfigMap/a.data.\"f1999.properties\".x").1,
        4 + 1999 * 4 + 4
    );
    // An entry that is itself a manifest holding an entry: read once, not unfolded.
    let nested = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x.yaml: |\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n    data:\n      y.conf: |\n        z = 1\n";
    let t = parse(nested).unwrap();
    assert_eq!(
        get(&t, "ConfigMap/a.data.\"x.yaml\".data.\"y.conf\""),
        (&s("z = 1\n"), 11)
    );
}
