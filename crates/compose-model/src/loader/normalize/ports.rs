//! `ports:`: short syntax (`"80"`, `"8080:80"`, `"127.0.0.1:8080:80/udp"`, `"8000-8001:80-81"`,
//! `"[::1]:80:80"`) expanded to long-form entries before merging, and long form to [`Port`].

use serde_yaml::{Mapping, Value};

use super::fields::{Cx, Fields};
use crate::loader::origins;
use crate::loader::suggest::unknown_key;
use crate::loader::value::{index, key_string, kind, scalar_string, untag};
use crate::{Error, Port};

/// One short-syntax entry as long-form mappings (one per container port after range expansion).
pub(crate) fn expand_short(spec: &str) -> Result<Vec<Value>, String> {
    let err = |why: &str| format!("invalid port {spec:?}: {why}");
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(err("protocol must be tcp, udp or sctp"));
    }
    let (host_ip, published, target) =
        split_parts(rest).ok_or_else(|| err("expected [[host_ip:]published:]target[/protocol]"))?;
    let (t_start, t_end) = parse_range(target).ok_or_else(|| {
        err("the container port must be a number from 0 to 65535 or a range like 80-81")
    })?;
    let published_range = if published.is_empty() {
        None
    } else {
        Some(parse_range(published).ok_or_else(|| {
            err("the published port must be a number from 0 to 65535 or a range like 8000-8001")
        })?)
    };
    let mut out = Vec::new();
    let mut push = |target: u16, published: Option<String>| {
        let mut m = Mapping::new();
        m.insert("target".into(), Value::from(u64::from(target)));
        if let Some(p) = published {
            m.insert("published".into(), Value::from(p));
        }
        if !host_ip.is_empty() {
            m.insert("host_ip".into(), Value::from(host_ip));
        }
        m.insert("protocol".into(), Value::from(protocol.clone()));
        m.insert("mode".into(), Value::from("ingress"));
        out.push(Value::Mapping(m));
    };
    match published_range {
        None => {
            for t in t_start..=t_end {
                push(t, None);
            }
        }
        Some((p_start, p_end)) if t_start == t_end && p_start != p_end => {
            // A host range onto one container port stays a range (any free port of it).
            push(t_start, Some(format!("{p_start}-{p_end}")));
        }
        Some((p_start, p_end)) => {
            if p_end - p_start != t_end - t_start {
                return Err(err(
                    "published and container port ranges have different lengths",
                ));
            }
            for (t, p) in (t_start..=t_end).zip(p_start..=p_end) {
                push(t, Some(p.to_string()));
            }
        }
    }
    Ok(out)
}

/// The most port entries ranges may expand to in one file, and in the whole project: every port
/// number once. A range is one short string but one entry per port, so without a bound a few
/// hundred bytes (`"1-65535:1-65535/udp"` ten times) expand to gigabytes; and no deployment
/// publishes more ports than there are.
pub(crate) const MAX_PORTS: usize = 65_536;

fn too_many_ports(whose: &str) -> String {
    format!("{whose} port ranges expand to more than {MAX_PORTS} ports, one per port number")
}

/// How many entries `spec` expands to (1 when it is invalid: [`expand_short`] says why), without
/// expanding it.
fn expanded_len(spec: &str) -> usize {
    let rest = spec.rsplit_once('/').map_or(spec, |(rest, _)| rest);
    let Some((_, _, target)) = split_parts(rest) else {
        return 1;
    };
    parse_range(target).map_or(1, |(start, end)| usize::from(end - start) + 1)
}

/// `(host_ip, published, target)`.
fn split_parts(s: &str) -> Option<(&str, &str, &str)> {
    if let Some(after_bracket) = s.strip_prefix('[') {
        let (ip, rest) = after_bracket.split_once(']')?;
        let rest = rest.strip_prefix(':')?;
        let (published, target) = rest.split_once(':')?;
        return Some((ip, published, target));
    }
    let parts: Vec<&str> = s.split(':').collect();
    match parts.len() {
        1 => Some(("", "", parts[0])),
        2 => Some(("", parts[0], parts[1])),
        3 => Some((parts[0], parts[1], parts[2])),
        _ => {
            // An IPv6 address without brackets: everything before the last two fields.
            let target_at = s.rfind(':')?;
            let published_at = s[..target_at].rfind(':')?;
            Some((
                &s[..published_at],
                &s[published_at + 1..target_at],
                &s[target_at + 1..],
            ))
        }
    }
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: u16 = a.trim().parse().ok()?;
    let b: u16 = b.trim().parse().ok()?;
    (a <= b).then_some((a, b))
}

/// The attributes of a long-form port (besides `x-` extensions).
const LONG_KEYS: [&str; 7] = [
    "target",
    "published",
    "host_ip",
    "protocol",
    "mode",
    "app_protocol",
    "name",
];

/// The canonical (long-form) list for a `ports:` value of one file. Errors carry the path suffix
/// of the entry (`[1]`, `[2].published`) so they point into this file exactly, before merging and
/// range expansion move entries around: every check that can fail on an entry is made here, so
/// none is left for the merged document, whose indexes no longer match any one file.
///
/// `expanded` counts the entries of the file's lists so far: ranges that expand past
/// [`MAX_PORTS`] in one file are refused at the entry that crosses it, before it is expanded.
pub(crate) fn canonical(
    value: &Value,
    expanded: &mut usize,
) -> Result<Vec<Value>, (String, String)> {
    let Value::Sequence(seq) = untag(value) else {
        return Err((
            String::new(),
            format!("must be a list, not {}", kind(value)),
        ));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let at = |suffix: &str, m: String| (format!("[{i}]{suffix}"), m);
        match untag(item) {
            Value::String(_) | Value::Number(_) => {
                let spec = scalar_string(item).unwrap_or_default();
                *expanded += expanded_len(&spec);
                if *expanded > MAX_PORTS {
                    return Err(at("", too_many_ports("the file's")));
                }
                let entries = expand_short(&spec).map_err(|e| at("", e))?;
                out.extend(entries.into_iter().map(|entry| origins::keep(item, entry)));
            }
            Value::Mapping(m) => {
                let field = |k: &str| m.get(k).filter(|v| !matches!(untag(v), Value::Null));
                match field("target") {
                    Some(t) => target_of(t).map_err(|e| at(".target", e))?,
                    None => return Err(at("", "a port needs a `target`".into())),
                };
                if let Some(p) = field("published") {
                    published_of(p).map_err(|e| at(".published", e))?;
                }
                protocol_of(field("protocol")).map_err(|e| at(".protocol", e))?;
                mode_of(field("mode")).map_err(|e| at(".mode", e))?;
                for key in ["host_ip", "app_protocol", "name"] {
                    if let Some(v) = field(key) {
                        scalar_string(v).ok_or_else(|| {
                            at(
                                &format!(".{key}"),
                                format!("must be a string, not {}", kind(v)),
                            )
                        })?;
                    }
                }
                for k in m.keys() {
                    let key = key_string(k).ok_or_else(|| {
                        at("", format!("keys must be strings, found {}", kind(k)))
                    })?;
                    if !key.starts_with("x-") && !LONG_KEYS.contains(&key.as_str()) {
                        return Err(at(&format!(".{key}"), unknown_key(&key, &LONG_KEYS)));
                    }
                }
                *expanded += 1;
                if *expanded > MAX_PORTS {
                    return Err(at("", too_many_ports("the file's")));
                }
                out.push(item.clone());
            }
            other => {
                return Err(at(
                    "",
                    format!("must be a port string or mapping, not {}", kind(other)),
                ))
            }
        }
    }
    Ok(out)
}

fn target_of(v: &Value) -> Result<u16, String> {
    let s = scalar_string(v).ok_or_else(|| format!("must be a port number, not {}", kind(v)))?;
    s.trim()
        .parse::<u16>()
        .map_err(|_| format!("invalid container port {s:?}: must be a number from 0 to 65535"))
}

fn published_of(v: &Value) -> Result<Option<String>, String> {
    let p =
        scalar_string(v).ok_or_else(|| format!("must be a port or a range, not {}", kind(v)))?;
    if p.is_empty() {
        return Ok(None);
    }
    if parse_range(&p).is_none() {
        return Err(format!(
            "invalid published port {p:?}: must be a port number or a range like 8000-8010"
        ));
    }
    Ok(Some(p))
}

fn protocol_of(v: Option<&Value>) -> Result<String, String> {
    let protocol = match v {
        Some(v) => scalar_string(v)
            .ok_or_else(|| format!("must be a string, not {}", kind(v)))?
            .to_ascii_lowercase(),
        None => "tcp".into(),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!(
            "invalid protocol {protocol:?}: must be tcp, udp or sctp"
        ));
    }
    Ok(protocol)
}

fn mode_of(v: Option<&Value>) -> Result<String, String> {
    let mode = match v {
        Some(v) => scalar_string(v).ok_or_else(|| format!("must be a string, not {}", kind(v)))?,
        None => "ingress".into(),
    };
    if !matches!(mode.as_str(), "ingress" | "host") {
        return Err(format!("invalid mode {mode:?}: must be ingress or host"));
    }
    Ok(mode)
}

pub(crate) fn normalize(cx: &Cx, value: &Value, path: &str) -> Result<Vec<Port>, Error> {
    let Value::Sequence(seq) = untag(value) else {
        return Err(cx.error(path, format!("must be a list, not {}", kind(value))));
    };
    let mut ports = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let p = index(path, i);
        let more = match untag(item) {
            Value::String(_) | Value::Number(_) => {
                expanded_len(&scalar_string(item).unwrap_or_default())
            }
            _ => 1,
        };
        // Services that extend one with a range each have a copy of it: the bound is on the project.
        cx.ports.set(cx.ports.get() + more);
        if cx.ports.get() > MAX_PORTS {
            return Err(cx.error(&p, too_many_ports("the project's")));
        }
        match untag(item) {
            Value::Mapping(_) => ports.push(long(cx, item, &p)?),
            // Short forms left by a document that skipped canonicalisation (extends bases).
            Value::String(_) | Value::Number(_) => {
                let s = cx.string(item, &p)?;
                for v in expand_short(&s).map_err(|e| cx.error(&p, e))? {
                    ports.push(long(cx, &v, &p)?);
                }
            }
            other => {
                return Err(cx.error(
                    &p,
                    format!("must be a port string or mapping, not {}", kind(other)),
                ))
            }
        }
    }
    Ok(ports)
}

fn long(cx: &Cx, value: &Value, path: &str) -> Result<Port, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let target = match f.raw("target") {
        Some(v) => cx.convert(v, &f.path_of("target"), target_of)?,
        None => return Err(cx.error(path, "a port needs a `target`")),
    };
    let published = match f.raw("published") {
        Some(v) => cx.convert(v, &f.path_of("published"), published_of)?,
        None => None,
    };
    let protocol_value = f.raw("protocol");
    let protocol = cx.convert_opt(protocol_value, &f.path_of("protocol"), protocol_of)?;
    let mode_value = f.raw("mode");
    let mode = cx.convert_opt(mode_value, &f.path_of("mode"), mode_of)?;
    let mut port = Port {
        target,
        published,
        host_ip: f.string("host_ip")?.filter(|s| !s.is_empty()),
        protocol,
        mode,
        app_protocol: f.string("app_protocol")?,
        name: f.string("name")?,
        extensions: Default::default(),
    };
    f.finish(&[], None, Some(&mut port.extensions))?;
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(s: &str) -> Vec<String> {
        expand_short(s)
            .unwrap()
            .iter()
            .map(|v| serde_json::to_string(&crate::loader::value::to_json(v)).unwrap())
            .collect()
    }

    #[test]
    fn target_only() {
        assert_eq!(
            short("80"),
            vec![r#"{"target":80,"protocol":"tcp","mode":"ingress"}"#]
        );
    }

    #[test]
    fn published_and_target_with_protocol_and_ip() {
        assert_eq!(
            short("127.0.0.1:8080:80/UDP"),
            vec![
                r#"{"target":80,"published":"8080","host_ip":"127.0.0.1","protocol":"udp","mode":"ingress"}"#
            ]
        );
        assert_eq!(
            short("127.0.0.1::80"),
            vec![r#"{"target":80,"host_ip":"127.0.0.1","protocol":"tcp","mode":"ingress"}"#]
        );
    }

    #[test]
    fn ipv6_hosts() {
        assert_eq!(
            short("[::1]:80:81"),
            vec![
                r#"{"target":81,"published":"80","host_ip":"::1","protocol":"tcp","mode":"ingress"}"#
            ]
        );
        assert_eq!(
            short("::1:80:81"),
            vec![
                r#"{"target":81,"published":"80","host_ip":"::1","protocol":"tcp","mode":"ingress"}"#
            ]
        );
    }

    #[test]
    fn ranges_expand_pairwise() {
        let ports = short("8000-8001:80-81");
        assert_eq!(ports.len(), 2);
        assert!(ports[0].contains(r#""target":80,"published":"8000""#));
        assert!(ports[1].contains(r#""target":81,"published":"8001""#));
        assert_eq!(short("3000-3002").len(), 3);
        assert!(short("8000-8010:80")[0].contains(r#""published":"8000-8010""#));
    }

    #[test]
    fn the_port_bound_counts_what_expansion_makes() {
        // MAX_PORTS is checked on these counts before anything is expanded.
        for spec in [
            "80",
            "3000-3002",
            "8000-8009:80-89/udp",
            "127.0.0.1:8000-8001:80-81",
            "[::1]:80-82:81-83/tcp",
            "8000-8010:80",
        ] {
            assert_eq!(expanded_len(spec), short(spec).len(), "{spec}");
        }
        assert_eq!(expanded_len("1-65535"), 65_535);
    }

    #[test]
    fn a_file_may_publish_every_port_number_once_and_no_more() {
        let list = |rest: &str| {
            canonical(
                &serde_yaml::from_str(&format!("[\"1-65535\", {rest}]")).unwrap(),
                &mut 0,
            )
        };
        // 65,535 + 1 is MAX_PORTS, whichever form the last entry has.
        assert_eq!(list("\"80\"").map(|v| v.len()), Ok(MAX_PORTS));
        assert_eq!(list("{target: 80}").map(|v| v.len()), Ok(MAX_PORTS));
        // One more is refused at the entry that crosses the bound.
        assert_eq!(list("\"80\", \"81\"").unwrap_err().0, "[2]");
        assert_eq!(list("{target: 80}, {target: 81}").unwrap_err().0, "[2]");
    }

    #[test]
    fn long_form_errors_point_at_the_field() {
        let v: Value = serde_yaml::from_str("[\"80\", {target: 81, published: x}]").unwrap();
        let (suffix, message) = canonical(&v, &mut 0).unwrap_err();
        assert_eq!(suffix, "[1].published");
        assert!(
            message.starts_with("invalid published port \"x\""),
            "{message}"
        );
        let v: Value = serde_yaml::from_str("[{target: 81, mode: global}]").unwrap();
        assert_eq!(canonical(&v, &mut 0).unwrap_err().0, "[0].mode");
        let v: Value = serde_yaml::from_str("[{published: 80}]").unwrap();
        assert_eq!(canonical(&v, &mut 0).unwrap_err().0, "[0]");
        // Nothing about an entry is left to check after merging, where its index has moved.
        let v: Value = serde_yaml::from_str("[\"80-81\", {target: 82, publishd: 8082}]").unwrap();
        let (suffix, message) = canonical(&v, &mut 0).unwrap_err();
        assert_eq!(suffix, "[1].publishd");
        assert_eq!(
            message,
            "additional property \"publishd\" is not allowed (did you mean \"published\"?)"
        );
        let v: Value = serde_yaml::from_str("[{target: 82, host_ip: [a]}]").unwrap();
        assert_eq!(canonical(&v, &mut 0).unwrap_err().0, "[0].host_ip");
        let v: Value = serde_yaml::from_str("[{target: 82, x-aws-protocol: http}]").unwrap();
        assert!(canonical(&v, &mut 0).is_ok());
    }

    #[test]
    fn bad_ports() {
        for bad in [
            "",
            "abc",
            "70000",
            "80:90:100:x",
            "8000-8002:80-81",
            "80/icmp",
            "90-80",
        ] {
            assert!(expand_short(bad).is_err(), "{bad}");
        }
    }
}
