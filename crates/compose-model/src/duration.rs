//! Compose durations (`1m30s`, `10s`, `500ms`, `1.5h`): parsed like Go's `time.ParseDuration`,
//! printed back in Go's canonical form so `config` output matches `docker compose config`.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    pub fn from_secs(secs: u64) -> Self {
        Duration(std::time::Duration::from_secs(secs))
    }
    pub fn as_secs(&self) -> u64 {
        self.0.as_secs()
    }
    /// Whole seconds, rounding any fraction up (ECS fields take integer seconds).
    pub fn as_secs_ceil(&self) -> u64 {
        let d = self.0;
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {0:?}: expected a number with a unit, like \"1m30s\", \"10s\" or \"500ms\""
)]
pub struct ParseDurationError(pub String);

impl FromStr for Duration {
    type Err = ParseDurationError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = || ParseDurationError(input.to_string());
        let s = input.trim();
        if s == "0" {
            return Ok(Duration::default());
        }
        if s.is_empty() || s.starts_with('-') {
            return Err(err());
        }
        let s = s.strip_prefix('+').unwrap_or(s);
        let mut total_nanos: f64 = 0.0;
        let mut rest = s;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(err)?;
            if num_len == 0 {
                return Err(err());
            }
            let number: f64 = rest[..num_len].parse().map_err(|_| err())?;
            rest = &rest[num_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let unit_nanos = match &rest[..unit_len] {
                "ns" => 1.0,
                "us" | "µs" | "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                _ => return Err(err()),
            };
            rest = &rest[unit_len..];
            total_nanos += number * unit_nanos;
        }
        // `u64::MAX as f64` is 2^64, one past the largest u64.
        if !total_nanos.is_finite() || total_nanos >= u64::MAX as f64 {
            return Err(err());
        }
        Ok(Duration(std::time::Duration::from_nanos(
            total_nanos.round() as u64,
        )))
    }
}

impl fmt::Display for Duration {
    /// Go's `time.Duration.String()`: `1h2m3s`, `1m30s`, `500ms`, `1.5s`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos == 0 {
            return write!(f, "0s");
        }
        if nanos < 1_000_000_000 {
            let (value, unit) = if nanos < 1_000 {
                return write!(f, "{nanos}ns");
            } else if nanos < 1_000_000 {
                (nanos as f64 / 1e3, "µs")
            } else {
                (nanos as f64 / 1e6, "ms")
            };
            return write!(f, "{}{unit}", trim_float(value));
        }
        let hours = nanos / 3_600_000_000_000;
        let minutes = (nanos / 60_000_000_000) % 60;
        let secs = (nanos % 60_000_000_000) as f64 / 1e9;
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if hours > 0 || minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write!(f, "{}s", trim_float(secs))
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Duration {
        s.parse().unwrap()
    }

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(d("1m30s").as_secs(), 90);
        assert_eq!(d("10s").as_secs(), 10);
        assert_eq!(d("1.5h").as_secs(), 5400);
        assert_eq!(d("500ms").0.as_millis(), 500);
        assert_eq!(d("1h2m3s").as_secs(), 3723);
        assert_eq!(d("0").as_secs(), 0);
    }

    #[test]
    fn parses_every_sub_millisecond_unit() {
        assert_eq!(d("7ns").0.as_nanos(), 7);
        // `us`, the micro sign (U+00B5) and the Greek mu (U+03BC), as Go accepts them.
        for micros in ["7us", "7\u{b5}s", "7\u{3bc}s"] {
            assert_eq!(d(micros).0.as_nanos(), 7_000, "{micros}");
        }
    }

    #[test]
    fn refuses_durations_past_2_pow_64_nanoseconds() {
        // About 5.1 million hours fit in u64 nanoseconds; a larger value is refused, not clamped.
        assert_eq!(d("5124095h").as_secs(), 5_124_095 * 3600);
        for bad in ["5124096h", "100000000000h", "18446744073709551616ns"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn rejects_missing_or_unknown_units() {
        for bad in ["", "10", "s", "1x", "-1s", "1..2s", "abc"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn prints_like_go() {
        assert_eq!(d("90s").to_string(), "1m30s");
        assert_eq!(d("1h").to_string(), "1h0m0s");
        assert_eq!(d("1500ms").to_string(), "1.5s");
        assert_eq!(d("500ms").to_string(), "500ms");
        assert_eq!(d("0s").to_string(), "0s");
        assert_eq!(Duration::from_secs(90).to_string(), "1m30s");
    }

    #[test]
    fn prints_each_unit_from_its_first_whole_value() {
        for (input, printed) in [
            ("999ns", "999ns"),
            ("1000ns", "1\u{b5}s"),
            ("1500ns", "1.5\u{b5}s"),
            ("999999ns", "999.999\u{b5}s"),
            ("1000us", "1ms"),
            ("999999999ns", "999.999999ms"),
            ("1000ms", "1s"),
        ] {
            assert_eq!(d(input).to_string(), printed, "{input}");
        }
    }

    #[test]
    fn ceil_rounds_fractions_up() {
        assert_eq!(d("1500ms").as_secs_ceil(), 2);
        assert_eq!(d("2s").as_secs_ceil(), 2);
    }
}
