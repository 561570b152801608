//! `x-aws-spot: true` on a service: its tasks run on Fargate Spot (the `FARGATE_SPOT` capacity
//! provider) instead of on-demand Fargate. Spot tasks cost less and can be stopped with two minutes'
//! notice when AWS needs the capacity back; ECS starts replacements.

use compose_model::Service;
use serde_json::{json, Value};

use crate::{attributes, Error};

pub const ATTRIBUTE: &str = "x-aws-spot";
pub const PROVIDER: &str = "FARGATE_SPOT";

/// Whether the service asks for Fargate Spot (`true`/`false`, also as strings).
pub fn requested(name: &str, service: &Service) -> Result<bool, Error> {
    attributes::service_flag(name, service, ATTRIBUTE)
}

/// The service's `CapacityProviderStrategy`.
pub fn strategy() -> Value {
    json!([{ "CapacityProvider": PROVIDER, "Weight": 1, "Base": 0 }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: Value) -> Service {
        let mut service = Service::default();
        service.extensions.insert(ATTRIBUTE.into(), value);
        service
    }

    #[test]
    fn booleans_and_their_spellings() {
        assert!(!requested("w", &Service::default()).unwrap());
        assert!(requested("w", &with(json!(true))).unwrap());
        assert!(requested("w", &with(json!("True"))).unwrap());
        assert!(!requested("w", &with(json!(false))).unwrap());
        assert!(!requested("w", &with(json!("false"))).unwrap());
        let err = requested("w", &with(json!("spot"))).unwrap_err();
        assert_eq!(err.attribute, "x-aws-spot");
        assert_eq!(err.service.as_deref(), Some("w"));
        assert!(err.message.contains("true or false"), "{err}");
    }
}
