//! Service `volumes:`: short syntax (`data:/x`, `data:/x:ro`, `./a:/x`, `/abs:/x`, `~/x:/y`, `/x`)
//! turned into the long form before merging, and the long form into [`ServiceVolume`].

use serde_yaml::{Mapping, Value};

use super::fields::{Cx, Fields};
use crate::loader::origins;
use crate::loader::value::{index, kind, untag};
use crate::{Error, ServiceVolume, TmpfsOptions, VolumeOptions, VolumeType};

/// A bind source as written: relative, absolute or home-relative.
pub(crate) fn is_path(source: &str) -> bool {
    source.starts_with('.') || source.starts_with('/') || source.starts_with('~')
}

/// One short-syntax entry as a long-form mapping.
pub(crate) fn expand_short(spec: &str) -> Result<Value, String> {
    let err = |why: &str| format!("invalid volume {spec:?}: {why}");
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [source, target] => (*source, *target, ""),
        [source, target, options] => (*source, *target, *options),
        _ => return Err(err("expected [source:]target[:options]")),
    };
    if target.is_empty() {
        return Err(err("the container path is empty"));
    }
    let bind = is_path(source);
    let mut m = Mapping::new();
    let kind = if bind { "bind" } else { "volume" };
    m.insert("type".into(), kind.into());
    if !source.is_empty() {
        m.insert("source".into(), source.into());
    }
    m.insert("target".into(), target.into());
    let mut bind_opts = Mapping::new();
    let mut volume_opts = Mapping::new();
    for option in options.split(',').filter(|o| !o.is_empty()) {
        match option {
            "ro" => {
                m.insert("read_only".into(), true.into());
            }
            "rw" => {}
            "z" | "Z" => {
                bind_opts.insert("selinux".into(), option.into());
            }
            "nocopy" => {
                volume_opts.insert("nocopy".into(), true.into());
            }
            "cached" | "delegated" | "consistent" => {
                m.insert("consistency".into(), option.into());
            }
            "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" => {
                bind_opts.insert("propagation".into(), option.into());
            }
            other => return Err(err(&format!("unknown option {other:?}"))),
        }
    }
    if bind {
        // What compose-go records for the short syntax: the host path is created when missing.
        bind_opts.insert("create_host_path".into(), true.into());
    }
    if !bind_opts.is_empty() {
        m.insert("bind".into(), Value::Mapping(bind_opts));
    }
    if !volume_opts.is_empty() {
        m.insert("volume".into(), Value::Mapping(volume_opts));
    }
    Ok(Value::Mapping(m))
}

/// The canonical (long-form) list for a `volumes:` value of one file.
pub(crate) fn canonical(value: &Value) -> Result<Vec<Value>, (usize, String)> {
    let Value::Sequence(seq) = untag(value) else {
        return Err((usize::MAX, format!("must be a list, not {}", kind(value))));
    };
    seq.iter()
        .enumerate()
        .map(|(i, item)| match untag(item) {
            Value::String(s) => expand_short(s)
                .map(|entry| origins::keep(item, entry))
                .map_err(|e| (i, e)),
            Value::Mapping(_) => Ok(item.clone()),
            other => Err((
                i,
                format!("must be a volume string or mapping, not {}", kind(other)),
            )),
        })
        .collect()
}

pub(crate) fn normalize(cx: &Cx, value: &Value, path: &str) -> Result<Vec<ServiceVolume>, Error> {
    let Value::Sequence(seq) = untag(value) else {
        return Err(cx.error(path, format!("must be a list, not {}", kind(value))));
    };
    let mut out = Vec::new();
    for (i, item) in seq.iter().enumerate() {
        let p = index(path, i);
        // Every file is canonicalised before it is normalised: short entries arrive expanded.
        out.push(long(cx, item, &p)?);
    }
    Ok(out)
}

/// `01777` or `0o1777`: how a YAML octal integer is written.
fn is_octal_literal(text: &str) -> bool {
    let digits = text.strip_prefix("0o").or_else(|| text.strip_prefix('0'));
    digits.is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_digit(8)))
}

fn long(cx: &Cx, value: &Value, path: &str) -> Result<ServiceVolume, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let type_path = f.path_of("type");
    let kind = match f.string("type")?.as_deref() {
        None | Some("volume") => VolumeType::Volume,
        Some("bind") => VolumeType::Bind,
        Some("tmpfs") => VolumeType::Tmpfs,
        Some("npipe") => VolumeType::Npipe,
        Some("cluster") => VolumeType::Cluster,
        Some("image") => VolumeType::Image,
        Some(other) => {
            return Err(cx.error(
                &type_path,
                format!("invalid volume type {other:?}: must be volume, bind, tmpfs, npipe, cluster or image"),
            ))
        }
    };
    let source = f.string("source")?.filter(|s| !s.is_empty());
    let target = f
        .string("target")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            cx.error(
                path,
                "a volume needs a `target` (the path in the container)",
            )
        })?;
    if kind == VolumeType::Bind && source.is_none() {
        return Err(cx.error(path, "a bind mount needs a `source` (the host path)"));
    }
    let read_only = f.flag("read_only")?;
    let volume = match f.raw("volume") {
        Some(v) => {
            let mut vf = Fields::new(cx, v, &f.path_of("volume"))?;
            let mut opts = VolumeOptions {
                nocopy: vf.flag("nocopy")?,
                subpath: vf.string("subpath")?,
                ..Default::default()
            };
            vf.finish(&["labels"], None, Some(&mut opts.extensions))?;
            Some(opts)
        }
        None => None,
    };
    let tmpfs = match f.raw("tmpfs") {
        Some(v) => {
            let mut tf = Fields::new(cx, v, &f.path_of("tmpfs"))?;
            let mode_path = tf.path_of("mode");
            let mode = match tf.raw("mode") {
                // compose-go decodes the mode into an integer field: it refuses a string such as
                // "1777", even one from a variable. The YAML integers 01777 and 0o1777 reach us as
                // strings (our parser leaves them untyped), so those two spellings stay accepted.
                Some(v) if matches!(untag(v), Value::String(t) if !is_octal_literal(t)) => {
                    return Err(cx.error(
                        &mode_path,
                        "must be a number, not a string (an octal mode is written 0o1777)",
                    ))
                }
                Some(v) => Some(cx.convert(v, &mode_path, super::units::file_mode)?),
                None => None,
            };
            let mut opts = TmpfsOptions {
                size: tf.size("size")?,
                mode,
                ..Default::default()
            };
            tf.finish(&[], None, Some(&mut opts.extensions))?;
            Some(opts)
        }
        None => None,
    };
    let mut volume_out = ServiceVolume {
        kind,
        source,
        target,
        read_only,
        volume,
        tmpfs,
        other: Default::default(),
    };
    f.finish(
        &["bind", "consistency", "image"],
        Some(&mut volume_out.other),
        None,
    )?;
    Ok(volume_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(s: &str) -> serde_json::Value {
        crate::loader::value::to_json(&expand_short(s).unwrap())
    }

    #[test]
    fn named_volumes() {
        assert_eq!(
            short("data:/x"),
            serde_json::json!({"type": "volume", "source": "data", "target": "/x"})
        );
        assert_eq!(
            short("data:/x:ro,nocopy"),
            serde_json::json!({"type": "volume", "source": "data", "target": "/x", "read_only": true, "volume": {"nocopy": true}})
        );
    }

    #[test]
    fn binds_and_anonymous() {
        assert_eq!(
            short("./a:/x:z"),
            serde_json::json!({"type": "bind", "source": "./a", "target": "/x", "bind": {"selinux": "z", "create_host_path": true}})
        );
        assert_eq!(short("~/x:/y")["type"], "bind");
        assert_eq!(short("/abs:/y")["type"], "bind");
        assert_eq!(
            short("/x"),
            serde_json::json!({"type": "volume", "target": "/x"})
        );
    }

    #[test]
    fn bad_short_volumes() {
        for bad in ["a:b:c:d", "data:", "data:/x:bogus"] {
            assert!(expand_short(bad).is_err(), "{bad}");
        }
    }
}
