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

    /// Spellings are the shared reader's (attributes::service_flag); this is its attribute.
    #[test]
    fn reads_x_aws_spot() {
        assert!(!requested("w", &Service::default()).unwrap());
        assert!(requested("w", &with(json!(true))).unwrap());
        let err = requested("w", &with(json!("spot"))).unwrap_err();
        assert_eq!(err.attribute, "x-aws-spot");
    }
}
