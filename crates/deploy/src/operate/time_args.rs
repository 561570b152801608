//! Points in time given on the command line (`--since`, `--until`) and printed in output: relative
//! durations (`42m`, `1h30m`), RFC 3339 timestamps, or Unix seconds, as `docker compose logs` takes.

use jiff::{SignedDuration, Timestamp};

use crate::Error;

/// Parse a point in time: an RFC 3339 timestamp (`2026-11-25T09:00:00Z`, any offset), Unix seconds
/// (`1764061200`), or a duration before `now` (`42m`, `1h30m`, `2h 5m 10s`, `90s`).
/// Returns milliseconds since the Unix epoch, the unit CloudWatch Logs uses.
pub fn parse_point_in_time(flag: &str, value: &str, now: Timestamp) -> Result<i64, Error> {
    let text = value.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds: i64 = text.parse().map_err(|_| invalid(flag, value))?;
        let ts = Timestamp::from_second(seconds).map_err(|_| invalid(flag, value))?;
        return Ok(ts.as_millisecond());
    }
    let ago: SignedDuration = text.parse().map_err(|_| invalid(flag, value))?;
    if ago.is_negative() {
        return Err(invalid(flag, value));
    }
    let at = now.checked_sub(ago).map_err(|_| invalid(flag, value))?;
    Ok(at.as_millisecond())
}

/// The current time, to pass to [`parse_point_in_time`].
pub fn now() -> Timestamp {
    Timestamp::now()
}

fn invalid(flag: &str, value: &str) -> Error {
    Error::InvalidArgument(format!(
        "invalid {flag} value {value:?}: expected a duration before now (e.g. 42m, 1h30m), an RFC 3339 timestamp (e.g. 2026-11-25T09:00:00Z) or Unix seconds"
    ))
}

/// Milliseconds since the epoch as RFC 3339 UTC with millisecond precision
/// (`2026-11-25T09:22:03.120Z`), the form `--timestamps` prints.
pub fn format_millis(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => ms.to_string(),
    }
}

/// An AWS timestamp as RFC 3339 UTC to the second (`2026-11-25T09:22:03Z`), for listings.
pub fn format_aws_datetime(dt: &aws_smithy_types::DateTime) -> String {
    match Timestamp::from_second(dt.secs()) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => dt.secs().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn relative_durations_count_back_from_now() {
        assert_eq!(
            parse_point_in_time("--since", "42m", now()).unwrap(),
            ms("2026-11-25T09:18:00Z")
        );
        assert_eq!(
            parse_point_in_time("--since", "1h30m", now()).unwrap(),
            ms("2026-11-25T08:30:00Z")
        );
        assert_eq!(
            parse_point_in_time("--since", "2h 5m 10s", now()).unwrap(),
            ms("2026-11-25T07:54:50Z")
        );
        assert_eq!(
            parse_point_in_time("--since", "90s", now()).unwrap(),
            ms("2026-11-25T09:58:30Z")
        );
    }

    #[test]
    fn rfc3339_timestamps_with_any_offset() {
        assert_eq!(
            parse_point_in_time("--since", "2026-11-24T23:00:00Z", now()).unwrap(),
            ms("2026-11-24T23:00:00Z")
        );
        assert_eq!(
            parse_point_in_time("--until", "2026-11-25T01:00:00+02:00", now()).unwrap(),
            ms("2026-11-24T23:00:00Z")
        );
        assert_eq!(
            parse_point_in_time("--since", "2026-11-25T09:00:00.250Z", now()).unwrap(),
            ms("2026-11-25T09:00:00Z") + 250
        );
    }

    #[test]
    fn unix_seconds() {
        assert_eq!(
            parse_point_in_time("--since", "1764061200", now()).unwrap(),
            1_764_061_200_000
        );
    }

    #[test]
    fn garbage_and_negative_durations_name_the_flag_and_value() {
        for bad in ["yesterday", "", "-5m", "12:00", "2026-11-25"] {
            let err = parse_point_in_time("--since", bad, now())
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("invalid --since value {bad:?}")),
                "{err}"
            );
        }
    }

    #[test]
    fn formats_milliseconds_in_utc() {
        assert_eq!(
            format_millis(ms("2026-11-25T09:22:03Z") + 120),
            "2026-11-25T09:22:03.120Z"
        );
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn formats_aws_datetimes_to_the_second() {
        let dt = aws_smithy_types::DateTime::from_millis(ms("2026-11-25T09:22:03Z") + 999);
        assert_eq!(format_aws_datetime(&dt), "2026-11-25T09:22:03Z");
    }
}
