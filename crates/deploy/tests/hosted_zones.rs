//! The hosted zone of a custom domain (`x-aws-domain`), as `up` fills `<Domain>HostedZoneId`: the
//! public zone with the longest name the domain ends with, private zones skipped, a clear error
//! (before any stack change) when there is none or when two public zones share the name. Route 53
//! is mocked as it answers ListHostedZonesByName: every zone from the given name on, in the order of
//! their reversed labels (`com.example`, `com.example.eu`, ...), one page at a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::*;
use aws_sdk_route53::operation::get_hosted_zone::{GetHostedZoneError, GetHostedZoneOutput};
use aws_sdk_route53::operation::list_hosted_zones_by_name::ListHostedZonesByNameOutput;
use aws_sdk_route53::types::error::NoSuchHostedZone;
use aws_sdk_route53::types::{HostedZone, HostedZoneConfig};
use aws_sdk_route53::Client as Route53;
use aws_smithy_mocks::{mock, Rule};
use ecs_deploy::{hosted_zones, parameters, preconditions, Error};
use template_builder::{ParameterInput, ParameterSource, Precondition};

/// (id, name, private)
type Zone = (&'static str, &'static str, bool);

fn hosted_zone((id, name, private): Zone) -> HostedZone {
    HostedZone::builder()
        .id(format!("/hostedzone/{id}"))
        .name(format!("{name}."))
        .caller_reference(id)
        .config(HostedZoneConfig::builder().private_zone(private).build())
        .build()
        .expect("a hosted zone")
}

/// `app.example.com.` -> `com.example.app`: the order Route 53 lists zones in.
fn order_key(name: &str) -> String {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').rev().collect();
    labels.join(".")
}

/// ListHostedZonesByName over `zones`, `page` zones at a time, as Route 53 answers it.
fn route53(zones: &'static [Zone], page: usize) -> Rule {
    route53_counting(zones, page, Arc::default())
}

/// [`route53`], counting the calls in `calls`.
fn route53_counting(zones: &'static [Zone], page: usize, calls: Arc<AtomicUsize>) -> Rule {
    mock!(Route53::list_hosted_zones_by_name).then_compute_output(move |request| {
        calls.fetch_add(1, Ordering::SeqCst);
        let mut sorted: Vec<(usize, Zone)> = zones.iter().copied().enumerate().collect();
        sorted.sort_by_key(|(index, (_, name, _))| (order_key(name), *index));
        let from = order_key(request.dns_name().unwrap_or_default());
        let mut listed = sorted
            .into_iter()
            .skip_while(|(_, (_, name, _))| order_key(name) < from)
            .map(|(_, zone)| zone)
            .peekable();
        // A next page starts at the zone its HostedZoneId names.
        if let Some(start) = request.hosted_zone_id() {
            while listed.peek().is_some_and(|(id, _, _)| *id != start) {
                listed.next();
            }
        }
        let listed: Vec<Zone> = listed.collect();
        let (this, rest) = listed.split_at(page.min(listed.len()));
        let mut out = ListHostedZonesByNameOutput::builder()
            .set_hosted_zones(Some(this.iter().copied().map(hosted_zone).collect()))
            .is_truncated(!rest.is_empty())
            .max_items(page as i32);
        if let Some((id, name, _)) = rest.first() {
            out = out
                .next_dns_name(format!("{name}."))
                .next_hosted_zone_id(*id);
        }
        out.build().expect("a ListHostedZonesByName answer")
    })
}

async fn lookup(zones: &'static [Zone], page: usize, domain: &str) -> Result<String, Error> {
    let mocks = Mocks {
        route53: vec![route53(zones, page)],
        ..Default::default()
    };
    hosted_zones::public_zone_for(&mocks.clients().route53, domain).await
}

const ZONES: &[Zone] = &[
    ("ZEXAMPLE", "example.com", false),
    ("ZEU", "eu.example.com", false),
    ("ZOTHER", "example.org", false),
    ("ZINTERNAL", "internal.example.com", true),
    ("ZAPPEXAMPLE", "app.example.net", false),
];

#[tokio::test]
async fn the_longest_public_zone_the_domain_ends_with_is_chosen() {
    assert_eq!(
        lookup(ZONES, 100, "app.eu.example.com").await.unwrap(),
        "ZEU"
    );
    assert_eq!(lookup(ZONES, 100, "eu.example.com").await.unwrap(), "ZEU");
    assert_eq!(
        lookup(ZONES, 100, "shop.example.com").await.unwrap(),
        "ZEXAMPLE"
    );
    // `beu.example.com` ends with `eu.example.com` as text, not as a name.
    assert_eq!(
        lookup(ZONES, 100, "beu.example.com").await.unwrap(),
        "ZEXAMPLE"
    );
    // A private zone of the name is skipped for the public zone above it.
    assert_eq!(
        lookup(ZONES, 100, "api.internal.example.com")
            .await
            .unwrap(),
        "ZEXAMPLE"
    );
}

#[tokio::test]
async fn zones_of_one_name_are_read_across_pages() {
    // The private zone fills the first page; the public one of the same name is on the next.
    const SPLIT: &[Zone] = &[
        ("ZPRIVATE", "example.com", true),
        ("ZPUBLIC", "example.com", false),
    ];
    assert_eq!(
        lookup(SPLIT, 1, "app.example.com").await.unwrap(),
        "ZPUBLIC"
    );
}

#[tokio::test]
async fn the_listing_stops_at_the_first_zone_of_another_name() {
    // The page after example.com holds example.net, then more: nothing there can be example.com.
    const MANY: &[Zone] = &[
        ("ZEXAMPLE", "example.com", false),
        ("ZNET", "example.net", false),
        ("ZORG", "example.org", false),
    ];
    let calls = Arc::new(AtomicUsize::new(0));
    let mocks = Mocks {
        route53: vec![route53_counting(MANY, 2, calls.clone())],
        ..Default::default()
    };
    let zone = hosted_zones::public_zone_for(&mocks.clients().route53, "app.example.com")
        .await
        .unwrap();
    assert_eq!(zone, "ZEXAMPLE");
    // One call for app.example.com (none), one for example.com.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn no_public_zone_is_an_error_naming_the_domain_and_what_was_looked_for() {
    const PRIVATE_ONLY: &[Zone] = &[("ZPRIVATE", "example.com", true)];
    let err = lookup(PRIVATE_ONLY, 100, "app.example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Precondition(_)), "{err:?}");
    let message = err.to_string();
    for part in [
        "x-aws-domain app.example.com",
        "no public Route 53 hosted zone",
        "looked for app.example.com, example.com",
        "private zones (ZPRIVATE) are not used",
        "x-aws-hosted_zone",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    let err = lookup(ZONES, 100, "app.example.io").await.unwrap_err();
    assert!(
        err.to_string().contains("--name example.io"),
        "the zone to create: {err}"
    );
    assert!(!err.to_string().contains("private zones"), "{err}");
}

#[tokio::test]
async fn two_public_zones_of_one_name_are_refused() {
    const TWICE: &[Zone] = &[
        ("ZFIRST", "example.com", false),
        ("ZSECOND", "example.com", false),
    ];
    let message = lookup(TWICE, 100, "app.example.com")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("2 public hosted zones are named example.com (ZFIRST, ZSECOND)"),
        "{message}"
    );
    assert!(message.contains("x-aws-hosted_zone"), "{message}");
}

#[tokio::test]
async fn up_fills_the_hosted_zone_parameter_of_each_domain() {
    let mocks = Mocks {
        route53: vec![route53(ZONES, 100)],
        ..Default::default()
    };
    let mut built = small_built();
    built.parameters = vec![
        ParameterInput {
            name: "ShopExampleComHostedZoneId".into(),
            source: ParameterSource::HostedZone {
                domain: "shop.example.com".into(),
            },
        },
        ParameterInput {
            name: "AppEuExampleComHostedZoneId".into(),
            source: ParameterSource::HostedZone {
                domain: "app.eu.example.com".into(),
            },
        },
    ];
    let values = parameters::resolve(&mocks.clients(), "app", &built, None, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        values,
        [
            (
                "ShopExampleComHostedZoneId".to_string(),
                "ZEXAMPLE".to_string()
            ),
            ("AppEuExampleComHostedZoneId".to_string(), "ZEU".to_string()),
        ]
    );
}

/// `up`'s check of the zones `x-aws-hosted_zone` names, against GetHostedZone over `zones`.
async fn check_named(zones: &'static [Zone], named: &[(&str, &str)]) -> Result<(), Error> {
    let rule = mock!(Route53::get_hosted_zone).then_compute_response(move |request| {
        let id = request.id().unwrap_or_default();
        match zones.iter().find(|(zone, _, _)| *zone == id) {
            Some(zone) => aws_smithy_mocks::MockResponse::Output(
                GetHostedZoneOutput::builder()
                    .hosted_zone(hosted_zone(*zone))
                    .build(),
            ),
            None => aws_smithy_mocks::MockResponse::Error(GetHostedZoneError::NoSuchHostedZone(
                NoSuchHostedZone::builder().build(),
            )),
        }
    });
    let mocks = Mocks {
        route53: vec![rule],
        ..Default::default()
    };
    let checks: Vec<Precondition> = named
        .iter()
        .map(|(id, domain)| Precondition::HostedZone {
            id: id.to_string(),
            domain: domain.to_string(),
        })
        .collect();
    preconditions::check(&mocks.clients(), &checks).await
}

#[tokio::test]
async fn a_named_zone_must_exist_be_public_and_hold_the_domain() {
    check_named(
        ZONES,
        &[("ZEU", "app.eu.example.com"), ("ZEXAMPLE", "example.com")],
    )
    .await
    .unwrap();
    let message = check_named(
        ZONES,
        &[
            ("ZMISSING", "shop.example.com"),
            ("ZINTERNAL", "api.internal.example.com"),
            ("ZOTHER", "shop.example.com"),
            ("ZEU", "beu.example.com"),
        ],
    )
    .await
    .unwrap_err()
    .to_string();
    for part in [
        "x-aws-hosted_zone: hosted zone ZMISSING (for shop.example.com) does not exist",
        "hosted zone ZINTERNAL (internal.example.com) is private",
        "shop.example.com is not a name in hosted zone ZOTHER (example.org)",
        "beu.example.com is not a name in hosted zone ZEU (eu.example.com)",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
}

#[tokio::test]
async fn a_named_zone_route53_cannot_read_is_an_aws_error_not_a_missing_zone() {
    let mocks = Mocks {
        route53: vec![mock!(Route53::get_hosted_zone).then_error(|| {
            GetHostedZoneError::generic(error("AccessDenied", "not authorized to GetHostedZone"))
        })],
        ..Default::default()
    };
    let checks = [Precondition::HostedZone {
        id: "ZEXAMPLE".into(),
        domain: "app.example.com".into(),
    }];
    let err = preconditions::check(&mocks.clients(), &checks)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Aws { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message
            .contains("x-aws-hosted_zone: looking up hosted zone ZEXAMPLE (for app.example.com)")
            && message.contains("AccessDenied"),
        "{message}"
    );
}
