//! Docker Compose `ports` lists as Compose v2 reads them: the short syntax
//! (`[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, with port ranges) and the long one are one
//! model, each port `mode`, `host_ip`, `target`, `published`, `protocol` (compose-go's
//! `ServicePortConfig`, parsed as docker/go-connections' `nat.ParsePortSpec` does), so
//! `"80:80"` is `{target: 80, published: "80"}` and a range is one port per number. An item
//! this reader cannot take is kept as written, at its place: a false alarm at worst, never a
//! change hidden.

use crate::tree::{Entry, Value};

/// One port of the model: its fields in `config`'s order.
pub(super) type Port = Vec<(&'static str, Value)>;

/// The ports one short-syntax item stands for; `None` when it is not one Compose takes, or
/// stands for more than `limit` ports.
pub(super) fn short(item: &str, limit: usize) -> Option<Vec<Port>> {
    let (spec, protocol) = match item.split_once('/') {
        None => (item, "tcp".to_string()),
        Some((spec, "")) => (spec, "tcp".to_string()),
        Some((spec, proto)) => (spec, proto.to_ascii_lowercase()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return None;
    }
    let parts: Vec<&str> = spec.split(':').collect();
    let n = parts.len();
    let target = parts[n - 1];
    let (ip, published) = match n {
        1 => ("", ""),
        2 => ("", parts[0]),
        _ => (
            &spec[..spec.len() - target.len() - parts[n - 2].len() - 2],
            parts[n - 2],
        ),
    };
    let ip = ip
        .strip_prefix('[')
        .and_then(|i| i.strip_suffix(']'))
        .unwrap_or(ip);
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return None;
    }
    let (t0, t1) = range(target)?;
    if usize::from(t1 - t0) >= limit {
        return None;
    }
    let port = |target: u16, published: Option<String>| {
        let mut p: Port = vec![("mode", Value::text("ingress"))];
        if !ip.is_empty() {
            p.push(("host_ip", Value::text(ip)));
        }
        p.push(("target", Value::Int(i64::from(target))));
        if let Some(published) = published {
            p.push(("published", Value::text(published)));
        }
        p.push(("protocol", Value::text(protocol.clone())));
        p
    };
    if published.is_empty() {
        return Some((t0..=t1).map(|t| port(t, None)).collect());
    }
    let (p0, p1) = range(published)?;
    if t0 == t1 && p0 != p1 {
        // One target, a range to publish it from: one port.
        return Some(vec![port(t0, Some(format!("{p0}-{p1}")))]);
    }
    if p1 - p0 != t1 - t0 {
        return None;
    }
    Some(
        (t0..=t1)
            .zip(p0..=p1)
            .map(|(t, p)| port(t, Some(p.to_string())))
            .collect(),
    )
}

/// `N` or `N-M` (M ≥ N), as go-connections' `ParsePortRange` reads them.
fn range(text: &str) -> Option<(u16, u16)> {
    let number = |s: &str| -> Option<u16> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match text.split_once('-') {
        None => number(text).map(|n| (n, n)),
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            (b >= a).then_some((a, b))
        }
    }
}

/// A long-syntax item (its fields as written) with Compose's defaults: `mode: ingress`,
/// `protocol: tcp`, `published` as text (`8443` and `"8443"` alike).
pub(super) fn long(fields: &[(&str, &Entry)]) -> Option<Port> {
    let mut port: Port = Vec::new();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, e)| &e.value)
    };
    port.push((
        "mode",
        field("mode").cloned().unwrap_or(Value::text("ingress")),
    ));
    if let Some(ip) = field("host_ip") {
        port.push(("host_ip", ip.clone()));
    }
    port.push(("target", field("target")?.clone()));
    if let Some(published) = field("published") {
        port.push(("published", Value::text(published.to_string())));
    }
    // As written: v2 lowercases the short syntax's protocol, not the long one's (`TCP`).
    port.push((
        "protocol",
        field("protocol").cloned().unwrap_or(Value::text("tcp")),
    ));
    for (name, entry) in fields {
        if !matches!(
            *name,
            "mode" | "host_ip" | "target" | "published" | "protocol"
        ) {
            // `app_protocol`, `name`, `x-...`: as written. Their names are Compose's own
            // (static), or an extension's: kept under a fixed name per field.
            port.push((other_name(name), entry.value.clone()));
        }
    }
    Some(port)
}

/// The names a long-syntax item may have besides the five above; anything else is kept
/// as `other` (the item then differs from every short one, as it should).
fn other_name(name: &str) -> &'static str {
    match name {
        "app_protocol" => "app_protocol",
        "name" => "name",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(p: &[Port]) -> Vec<String> {
        p.iter()
            .map(|port| {
                port.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    }

    #[test]
    fn short_syntax_as_compose_v2_prints_it() {
        assert_eq!(
            fields(&short("80:80", 100).unwrap()),
            ["mode=ingress,target=80,published=80,protocol=tcp"]
        );
        assert_eq!(
            fields(&short("080:0080", 100).unwrap()),
            ["mode=ingress,target=80,published=80,protocol=tcp"]
        );
        assert_eq!(
            fields(&short("127.0.0.1:8001:8001/UDP", 100).unwrap()),
            ["mode=ingress,host_ip=127.0.0.1,target=8001,published=8001,protocol=udp"]
        );
        assert_eq!(
            fields(&short("[::1]:6001:6001", 100).unwrap()),
            ["mode=ingress,host_ip=::1,target=6001,published=6001,protocol=tcp"]
        );
        assert_eq!(
            fields(&short("9090-9091:8080-8081", 100).unwrap()),
            [
                "mode=ingress,target=8080,published=9090,protocol=tcp",
                "mode=ingress,target=8081,published=9091,protocol=tcp"
            ]
        );
        assert_eq!(
            fields(&short("9090-9091:8080", 100).unwrap()),
            ["mode=ingress,target=8080,published=9090-9091,protocol=tcp"]
        );
        assert_eq!(short("3000-3001", 100).unwrap().len(), 2);
        assert!(short("3000-3001", 1).is_none());
        for bad in [
            "",
            "x:80",
            "80:80/icmp",
            "1-2:3-5",
            "70000",
            "5-3",
            "a.b.c:1:2",
        ] {
            assert!(short(bad, 100).is_none(), "{bad}");
        }
    }
}
