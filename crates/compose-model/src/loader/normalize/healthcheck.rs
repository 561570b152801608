//! `healthcheck:`: a string test becomes `["CMD-SHELL", s]`, durations are parsed, `disable: true`
//! is kept (and means `["NONE"]` to the engine).

use serde_yaml::Value;

use super::fields::{Cx, Fields};
use crate::loader::value::{kind, untag};
use crate::{Error, Healthcheck};

pub(crate) fn normalize(cx: &Cx, value: &Value, path: &str) -> Result<Healthcheck, Error> {
    let mut f = Fields::new(cx, value, path)?;
    let test_path = f.path_of("test");
    let test = match f.raw("test") {
        None => Vec::new(),
        Some(v) => {
            match untag(v) {
                Value::String(s) => vec!["CMD-SHELL".to_string(), s.clone()],
                Value::Sequence(_) => {
                    let test = cx.strings(v, &test_path)?;
                    if let Some(first) = test.first() {
                        if !matches!(first.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
                            return Err(cx.error(
                            &test_path,
                            format!("a test list must start with CMD, CMD-SHELL or NONE, not {first:?}"),
                        ));
                        }
                    }
                    test
                }
                other => {
                    return Err(cx.error(
                        &test_path,
                        format!("must be a string or a list, not {}", kind(other)),
                    ))
                }
            }
        }
    };
    let mut check = Healthcheck {
        test,
        interval: f.duration("interval")?,
        timeout: f.duration("timeout")?,
        retries: f.unsigned("retries")?,
        start_period: f.duration("start_period")?,
        start_interval: f.duration("start_interval")?,
        disable: f.flag("disable")?,
        ..Default::default()
    };
    f.finish(&[], None, Some(&mut check.extensions))?;
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::normalize::fields::with_doc;

    fn check(yaml: &str) -> Result<Healthcheck, String> {
        with_doc(yaml, |cx, doc| {
            normalize(cx, doc, "h").map_err(|e| e.to_string())
        })
    }

    #[test]
    fn string_test_becomes_cmd_shell() {
        let h = check("test: curl -f http://x\ninterval: 1m30s\nretries: 3\n").unwrap();
        assert_eq!(h.test, vec!["CMD-SHELL", "curl -f http://x"]);
        assert_eq!(h.interval.map(|d| d.as_secs()), Some(90));
        assert_eq!(h.retries, Some(3));
    }

    #[test]
    fn list_test_is_kept_and_checked() {
        assert_eq!(
            check("test: [CMD, true]\n").unwrap().test,
            vec!["CMD", "true"]
        );
        assert_eq!(check("test: [NONE]\n").unwrap().test, vec!["NONE"]);
        let err = check("test: [curl, x]\n").unwrap_err();
        assert!(
            err.contains("h.test: a test list must start with CMD"),
            "{err}"
        );
    }

    #[test]
    fn every_duration_is_read() {
        let h = check(
            "test: [CMD, true]\ninterval: 30s\ntimeout: 5s\nstart_period: 1m\nstart_interval: 2s\n",
        )
        .unwrap();
        let secs = |d: Option<crate::Duration>| d.map(|d| d.as_secs());
        assert_eq!(
            [h.interval, h.timeout, h.start_period, h.start_interval].map(secs),
            [Some(30), Some(5), Some(60), Some(2)]
        );
    }

    #[test]
    fn disable_and_bad_durations() {
        assert!(check("disable: true\n").unwrap().disable);
        let err = check("timeout: 5\n").unwrap_err();
        assert!(err.contains("h.timeout: must be a duration"), "{err}");
    }
}
