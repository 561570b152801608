//! Fargate task size: the cheapest valid (cpu, memory) pair that fits the service's request, from
//! `deploy.resources.limits`, else `reservations` (and the legacy `cpus`/`mem_limit`/
//! `mem_reservation`). Default 0.25 vCPU / 512 MiB.

use compose_model::Service;
use serde_json::Value;

use crate::Error;

const MIB: u64 = 1024 * 1024;

/// What a service asks for, before it is fitted to a size.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Request {
    /// vCPUs.
    pub cpus: Option<f64>,
    /// Bytes.
    pub memory: Option<u64>,
}

impl Request {
    /// CPU units (1024 per vCPU), rounded up.
    pub fn cpu_units(&self) -> Option<u32> {
        self.cpus.map(|c| (c * 1024.0).ceil() as u32)
    }
    /// MiB, rounded up.
    pub fn memory_mib(&self) -> Option<u32> {
        self.memory.map(|m| m.div_ceil(MIB) as u32)
    }
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(cpus) = self.cpus {
            parts.push(format!("cpus {cpus}"));
        }
        if let Some(mib) = self.memory_mib() {
            parts.push(format!("memory {mib} MiB"));
        }
        parts.join(", ")
    }
}

/// A task size: CPU units and MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub cpu: u32,
    pub memory: u32,
}

/// Every (cpu, memory) pair Fargate accepts, in order of price: each size costs less than the next
/// (a vCPU costs about as much as nine GB, and a larger CPU never allows less memory), so the first
/// that fits a request is the cheapest that does.
fn valid_sizes() -> impl Iterator<Item = Size> {
    // 0.25 vCPU allows 0.5, 1 or 2 GB, not the 1.5 GB a step of 512 MiB would give.
    let quarter = [512, 1024, 2048].map(|memory| Size { cpu: 256, memory });
    let ranges: [(u32, u32, u32, u32); 6] = [
        // cpu, min memory, max memory, step (MiB)
        (512, 1024, 4096, 1024),
        (1024, 2048, 8192, 1024),
        (2048, 4096, 16384, 1024),
        (4096, 8192, 30720, 1024),
        (8192, 16384, 61440, 4096),
        (16384, 32768, 122880, 8192),
    ];
    quarter
        .into_iter()
        .chain(ranges.into_iter().flat_map(|(cpu, min, max, step)| {
            (min..=max)
                .step_by(step as usize)
                .map(move |memory| Size { cpu, memory })
        }))
}

/// Parse a Compose byte size (`512m`, `1g`, `1024`, `2gb`) as written in the legacy top-level fields.
fn parse_bytes(value: &Value) -> Option<u64> {
    if let Some(n) = value.as_u64() {
        return Some(n);
    }
    let text = value.as_str()?.trim().to_ascii_lowercase();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number: f64 = text[..digits_end].parse().ok()?;
    let factor: u64 = match text[digits_end..].trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    Some((number * factor as f64) as u64)
}

fn parse_cpus(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The service's request: each of cpu and memory from limits, else reservations, else the legacy
/// service-level fields.
pub fn request(service: &Service) -> Request {
    let resources = service.deploy.as_ref().map(|d| &d.resources);
    let limits = resources.and_then(|r| r.limits.as_ref());
    let reservations = resources.and_then(|r| r.reservations.as_ref());
    let cpus = limits
        .and_then(|l| l.cpus)
        .or_else(|| reservations.and_then(|r| r.cpus))
        .or_else(|| service.other.get("cpus").and_then(parse_cpus));
    let memory = limits
        .and_then(|l| l.memory)
        .or_else(|| reservations.and_then(|r| r.memory))
        .or_else(|| service.other.get("mem_limit").and_then(parse_bytes))
        .or_else(|| service.other.get("mem_reservation").and_then(parse_bytes));
    Request {
        cpus: cpus.filter(|c| *c > 0.0),
        memory: memory.filter(|m| *m > 0),
    }
}

/// The cheapest Fargate size that fits.
pub fn size(service: &str, request: Request) -> Result<Size, Error> {
    let cpu = request.cpu_units().unwrap_or(0);
    let memory = request.memory_mib().unwrap_or(0);
    valid_sizes()
        .find(|size| size.cpu >= cpu && size.memory >= memory)
        .ok_or_else(|| Error {
            service: Some(service.to_string()),
            attribute: "deploy.resources".into(),
            message: format!(
                "no Fargate task size fits {}: the largest is 16 vCPU with 120 GiB, and each CPU size allows a limited memory range",
                request.describe()
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use compose_model::{Deploy, ResourceSpec, Resources};

    fn fit(cpus: Option<f64>, memory_mib: Option<u64>) -> Result<Size, Error> {
        size(
            "web",
            Request {
                cpus,
                memory: memory_mib.map(|m| m * MIB),
            },
        )
    }

    fn s(cpu: u32, memory: u32) -> Size {
        Size { cpu, memory }
    }

    #[test]
    fn default_is_the_smallest_size() {
        assert_eq!(fit(None, None).unwrap(), s(256, 512));
    }

    #[test]
    fn picks_the_smallest_pair_that_fits() {
        assert_eq!(fit(Some(0.5), None).unwrap(), s(512, 1024));
        assert_eq!(fit(None, Some(3000)).unwrap(), s(512, 3072));
        assert_eq!(fit(Some(0.25), Some(4096)).unwrap(), s(512, 4096));
        assert_eq!(fit(None, Some(5000)).unwrap(), s(1024, 5120));
        assert_eq!(fit(Some(2.0), Some(1)).unwrap(), s(2048, 4096));
        assert_eq!(fit(Some(4.0), Some(30 * 1024 + 1)).unwrap(), s(8192, 32768));
    }

    #[test]
    fn covers_the_8_and_16_vcpu_sizes() {
        assert_eq!(fit(Some(8.0), None).unwrap(), s(8192, 16384));
        assert_eq!(fit(Some(6.0), Some(17000)).unwrap(), s(8192, 20480));
        assert_eq!(fit(Some(16.0), None).unwrap(), s(16384, 32768));
        assert_eq!(fit(None, Some(100 * 1024)).unwrap(), s(16384, 106496));
        assert_eq!(fit(None, Some(120 * 1024)).unwrap(), s(16384, 122880));
    }

    #[test]
    fn impossible_requests_name_the_service_and_request() {
        let err = fit(Some(32.0), None).unwrap_err();
        assert_eq!(err.service.as_deref(), Some("web"));
        assert!(err.message.contains("cpus 32"), "{err}");
        let err = fit(None, Some(200 * 1024)).unwrap_err();
        assert!(err.message.contains("memory 204800 MiB"), "{err}");
    }

    #[test]
    fn every_listed_size_is_valid_for_fargate() {
        // Spot checks against the documented table.
        let sizes: Vec<Size> = valid_sizes().collect();
        assert!(sizes.contains(&s(256, 1024)));
        assert!(!sizes.contains(&s(256, 4096)));
        assert!(sizes.contains(&s(4096, 30720)));
        assert!(!sizes.contains(&s(8192, 18432)));
        assert!(sizes.contains(&s(16384, 40960)));
        assert_eq!(sizes.last(), Some(&s(16384, 122880)));
    }

    /// Fargate's table, written out as the AWS documentation gives it (and as cfn-lint's E3047
    /// checks it): CPU units and the memory values (MiB) each allows.
    fn documented_sizes() -> Vec<Size> {
        let mut sizes: Vec<Size> = [512, 1024, 2048].into_iter().map(|m| s(256, m)).collect();
        for (cpu, gib) in [
            (512, (1..=4).collect::<Vec<u32>>()),
            (1024, (2..=8).collect()),
            (2048, (4..=16).collect()),
            (4096, (8..=30).collect()),
            (8192, (16..=60).step_by(4).collect()),
            (16384, (32..=120).step_by(8).collect()),
        ] {
            sizes.extend(gib.into_iter().map(|g| s(cpu, g * 1024)));
        }
        sizes
    }

    /// Relative hourly price of a size (Fargate charges per vCPU and per GB, a vCPU costing about
    /// nine GB; the same ratio on x86, Arm and Spot).
    fn price(size: &Size) -> u64 {
        u64::from(size.cpu) * 4048 + u64::from(size.memory) * 445
    }

    #[test]
    fn between_1025_and_1536_mib_a_quarter_vcpu_gets_2_gib() {
        // 0.25 vCPU allows 512, 1024 and 2048 MiB: 1536 is not a Fargate size.
        assert_eq!(fit(None, Some(1025)).unwrap(), s(256, 2048));
        assert_eq!(fit(None, Some(1536)).unwrap(), s(256, 2048));
        assert_eq!(fit(Some(0.25), Some(1100)).unwrap(), s(256, 2048));
    }

    #[test]
    fn every_size_is_in_the_documented_table() {
        let documented = documented_sizes();
        for size in valid_sizes() {
            assert!(documented.contains(&size), "{size:?} is not a Fargate size");
        }
        assert_eq!(valid_sizes().count(), documented.len());
    }

    proptest::proptest! {
        /// Any request gets a documented size that fits it, and no documented size that fits costs
        /// less; a request gets an error only when no documented size fits.
        #[test]
        fn every_request_gets_the_cheapest_documented_size_that_fits(
            cpus in proptest::option::of(0.01f64..17.0),
            memory_mib in proptest::option::of(1u64..126_000),
        ) {
            let request = Request { cpus, memory: memory_mib.map(|m| m * MIB) };
            let (cpu, memory) = (request.cpu_units().unwrap_or(0), request.memory_mib().unwrap_or(0));
            let fitting: Vec<Size> = documented_sizes()
                .into_iter()
                .filter(|size| size.cpu >= cpu && size.memory >= memory)
                .collect();
            match size("web", request) {
                Ok(got) => {
                    proptest::prop_assert!(fitting.contains(&got), "{got:?} for {request:?}");
                    let cheapest = fitting.iter().map(price).min().unwrap();
                    proptest::prop_assert_eq!(price(&got), cheapest, "{:?} for {:?}", got, request);
                }
                Err(err) => proptest::prop_assert!(fitting.is_empty(), "{err} for {request:?}"),
            }
        }
    }

    #[test]
    fn limits_win_over_reservations_field_by_field() {
        let service = Service {
            deploy: Some(Deploy {
                resources: Resources {
                    limits: Some(ResourceSpec {
                        memory: Some(2048 * MIB),
                        ..Default::default()
                    }),
                    reservations: Some(ResourceSpec {
                        cpus: Some(1.0),
                        memory: Some(512 * MIB),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        let req = request(&service);
        assert_eq!(req.cpus, Some(1.0));
        assert_eq!(req.memory, Some(2048 * MIB));
    }

    #[test]
    fn zero_cpus_or_memory_asks_for_nothing() {
        // As for docker, 0 means no limit: a GPU task (EC2) then gets no task-level Cpu rather
        // than Cpu 0.
        let service = Service {
            deploy: Some(Deploy {
                resources: Resources {
                    limits: Some(ResourceSpec {
                        cpus: Some(0.0),
                        memory: Some(0),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(request(&service), Request::default());
    }

    #[test]
    fn legacy_byte_sizes_take_every_unit() {
        let bytes = |text: &str| parse_bytes(&Value::String(text.into()));
        assert_eq!(bytes("1048576"), Some(MIB));
        assert_eq!(bytes("2048b"), Some(2048));
        assert_eq!(bytes("512k"), Some(512 << 10));
        assert_eq!(bytes("512KB"), Some(512 << 10));
        assert_eq!(bytes(" 300m "), Some(300 * MIB));
        assert_eq!(bytes("1.5g"), Some(1536 * MIB));
        assert_eq!(bytes("2t"), Some(2 << 40));
        assert_eq!(bytes("2 x"), None);
        assert_eq!(parse_bytes(&Value::from(4096)), Some(4096));
    }

    #[test]
    fn legacy_fields_are_read() {
        let mut service = Service::default();
        service
            .other
            .insert("mem_limit".into(), Value::String("1g".into()));
        service
            .other
            .insert("cpus".into(), Value::String("1.5".into()));
        let req = request(&service);
        assert_eq!(req.memory_mib(), Some(1024));
        assert_eq!(req.cpu_units(), Some(1536));
    }
}
