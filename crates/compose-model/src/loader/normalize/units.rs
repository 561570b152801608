//! Scalar conversions with compose's rules: byte sizes with units, cpus, durations, numbers and
//! booleans written as strings (common after interpolation).

use serde_yaml::Value;

use crate::loader::value::{kind, untag};
use crate::Duration;

/// Bytes from `512m`, `1g`, `1gb`, `100k`, `1.5G`, `2048` or an integer (docker's RAMInBytes: binary
/// multiples, case-insensitive, optional `b`/`ib` suffix).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let err = || {
        format!("invalid size {s:?}: expected bytes or a number with a unit (b, k, m, g, t), like \"512m\"")
    };
    let t = s.trim().to_ascii_lowercase();
    let num_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if num_end == 0 {
        return Err(err());
    }
    let number: f64 = t[..num_end].parse().map_err(|_| err())?;
    let unit = t[num_end..].trim();
    let multiplier: f64 = match unit {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        "p" | "pb" | "pib" => 1024f64.powi(5),
        _ => return Err(err()),
    };
    let bytes = number * multiplier;
    // The number is digits and dots, never negative. `u64::MAX as f64` is 2^64, one past the
    // largest u64.
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes as u64)
}

pub(crate) fn size(value: &Value) -> Result<u64, String> {
    match untag(value) {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("invalid size {n}: expected a non-negative number of bytes")),
        Value::String(s) => parse_size(s),
        other => Err(format!("must be a size like \"512m\", not {}", kind(other))),
    }
}

pub(crate) fn duration(value: &Value) -> Result<Duration, String> {
    match untag(value) {
        Value::String(s) => s.parse::<Duration>().map_err(|e| e.to_string()),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(Duration::default()),
        other => Err(format!(
            "must be a duration like \"1m30s\", not {}",
            kind(other)
        )),
    }
}

pub(crate) fn float(value: &Value) -> Result<f64, String> {
    let f = match untag(value) {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match f {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(format!("must be a number, not {}", describe(value))),
    }
}

pub(crate) fn integer(value: &Value) -> Result<i64, String> {
    let i = match untag(value) {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    i.ok_or_else(|| format!("must be an integer, not {}", describe(value)))
}

pub(crate) fn unsigned<T: TryFrom<i64>>(value: &Value) -> Result<T, String> {
    let i = integer(value)?;
    T::try_from(i)
        .map_err(|_| format!("{i} is out of range (must be a non-negative integer that fits)"))
}

pub(crate) fn boolean(value: &Value) -> Result<bool, String> {
    match untag(value) {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Ok(true),
            "false" | "no" | "n" | "off" | "0" => Ok(false),
            _ => Err(format!("must be a boolean, not {s:?}")),
        },
        other => Err(format!("must be a boolean, not {}", kind(other))),
    }
}

/// Unix file mode, as compose-go reads one (its fields are plain integers): a YAML integer is
/// taken at its value, so `0o440` is 0o440 but a bare `440` is decimal 440; a string, which is
/// also what YAML 1.2 makes of the leading-zero `0440`, is octal.
pub(crate) fn file_mode(value: &Value) -> Result<u32, String> {
    match untag(value) {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("invalid mode {n}")),
        Value::String(s) => {
            let t = s.trim();
            let t = t.strip_prefix("0o").unwrap_or(t);
            u32::from_str_radix(t, 8)
                .map_err(|_| format!("invalid mode {s:?}: expected an octal number"))
        }
        other => Err(format!("must be a file mode, not {}", kind(other))),
    }
}

fn describe(value: &Value) -> String {
    match untag(value) {
        Value::String(s) => format!("{s:?}"),
        other => kind(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_units() {
        assert_eq!(parse_size("512m").unwrap(), 512 * 1024 * 1024);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("1gb").unwrap(), 1 << 30);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("100k").unwrap(), 102_400);
        assert_eq!(parse_size("1.5g").unwrap(), 1_610_612_736);
        assert_eq!(parse_size("2048").unwrap(), 2048);
        assert_eq!(size(&Value::from(4096)).unwrap(), 4096);
        assert_eq!(parse_size("2t").unwrap(), 2 << 40);
        assert_eq!(parse_size("0").unwrap(), 0);
        for bad in ["", "m", "12x", "-1m", "1..2g", "16384p"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        // 2^64 bytes is one past the largest size; just below it is not.
        assert_eq!(parse_size("16383p").unwrap(), 16383 << 50);
    }

    #[test]
    fn numbers_and_booleans_from_strings() {
        assert_eq!(float(&Value::from("0.5")).unwrap(), 0.5);
        assert_eq!(float(&Value::from(2)).unwrap(), 2.0);
        assert!(float(&Value::from("half")).is_err());
        assert_eq!(unsigned::<u32>(&Value::from("3")).unwrap(), 3);
        assert!(unsigned::<u32>(&Value::from(-3)).is_err());
        assert!(boolean(&Value::from("true")).unwrap());
        assert!(!boolean(&Value::from(false)).unwrap());
        assert!(boolean(&Value::from("maybe")).is_err());
        for no in ["false", "no", "n", "off", "0"] {
            assert!(!boolean(&Value::from(no)).unwrap(), "{no}");
        }
        // Infinity parses as a float, but is no number a field takes.
        assert!(float(&Value::from("inf")).is_err());
    }

    #[test]
    fn durations_and_modes() {
        assert_eq!(duration(&Value::from("1m30s")).unwrap().as_secs(), 90);
        assert!(duration(&Value::from(30)).is_err());
        // A bare 0 is the one number that is a duration.
        assert_eq!(duration(&Value::from(0)).unwrap(), Duration::default());
        assert_eq!(file_mode(&Value::from(0o440)).unwrap(), 0o440);
        assert_eq!(file_mode(&Value::from("0440")).unwrap(), 0o440);
        assert_eq!(file_mode(&Value::from("0o1777")).unwrap(), 0o1777);
        let yaml = |text: &str| file_mode(&serde_yaml::from_str(text).unwrap());
        assert_eq!(yaml("0o1777").unwrap(), 0o1777);
        assert_eq!(yaml("01777").unwrap(), 0o1777);
        assert_eq!(yaml("1777").unwrap(), 1777);
        assert!(yaml("\"0o9\"").is_err());
        assert!(yaml("-1").is_err());
    }
}
