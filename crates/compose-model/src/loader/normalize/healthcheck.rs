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
    let check = Healthcheck {
        test,
        interval: f.duration("interval")?,
        timeout: f.duration("timeout")?,
        retries: f.unsigned("retries")?,
        start_period: f.duration("start_period")?,
        start_interval: f.duration("start_interval")?,
        disable: f.flag("disable")?,
    };
    f.finish(&[], None, None)?;
    Ok(check)
}
