//! Whole templates built from small projects: the load balancer's type (application or network),
//! its scheme and subnets, listeners and target groups, the tasks' ingress rules, and an existing
//! load balancer (`x-aws-loadbalancer`).

use compose_model::Port;
use serde_json::json;

use crate::test_support::{kinds, networks_project, port, project, service, web_redis};
use crate::{build, to_json, LoadBalancerType, ParameterInput, ParameterSource, Precondition};

#[test]
fn tasks_accept_only_the_load_balancer_on_the_target_port() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(80)));
    let built = build(&project(vec![("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["WebTCP80Listener"]["Properties"]["Port"], 80);
    assert_eq!(r["WebTCP80TargetGroup"]["Properties"]["Port"], 8080);
    let ingress = &r["WebTCP8080Ingress"]["Properties"];
    assert_eq!(ingress["FromPort"], 8080);
    assert_eq!(
        ingress["SourceSecurityGroupId"],
        json!({"Ref": "LoadBalancerSecurityGroup"})
    );
    let lb_ingress = &r["LoadBalancerSecurityGroup"]["Properties"]["SecurityGroupIngress"];
    assert_eq!(lb_ingress.as_array().unwrap().len(), 1);
    assert_eq!(lb_ingress[0]["FromPort"], 80);
    // Nothing else is open to the internet.
    let text = to_json(&built.template);
    assert_eq!(text.matches("0.0.0.0/0").count(), 1);

    // Publishing on another port keeps the task rule as it is: a renamed copy of the same rule
    // would be refused by EC2 as a duplicate during the update.
    let mut moved = service("app");
    moved.ports.push(port(8080, Some(8081)));
    let again = build(&project(vec![("web", moved)])).unwrap();
    assert_eq!(
        again.template["Resources"]["WebTCP8080Ingress"],
        r["WebTCP8080Ingress"]
    );
}

#[test]
fn a_non_http_port_makes_a_network_load_balancer() {
    let mut db = service("postgres");
    db.ports.push(port(5432, None));
    let mut web = service("nginx");
    web.ports.push(port(80, None));
    let built = build(&project(vec![("db", db), ("web", web)])).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LoadBalancer"]["Properties"]["Type"], "network");
    assert_eq!(
        r["DbTCP5432TargetGroup"]["Properties"]["HealthCheckProtocol"],
        "TCP"
    );
    assert_eq!(r["WebTCP80Listener"]["Properties"]["Protocol"], "TCP");
}

#[test]
fn published_port_clash_is_an_error() {
    let mut a = service("a");
    a.ports.push(port(80, Some(8080)));
    let mut b = service("b");
    b.ports.push(port(81, Some(8080)));
    let err = build(&project(vec![("a", a), ("b", b)])).unwrap_err();
    assert_eq!(err.service.as_deref(), Some("b"));
    assert!(err.message.contains("\"a\""), "{err}");
}

#[test]
fn one_port_for_two_protocols_of_two_services_names_the_other_service() {
    let mut web = service("nginx");
    web.ports.push(port(53, None));
    let mut dns = service("coredns");
    dns.ports.push(Port {
        protocol: "udp".into(),
        ..port(53, None)
    });
    let err = build(&project(vec![("web", web), ("dns", dns)])).unwrap_err();
    // Services are read in name order: web finds 53 taken by dns.
    assert_eq!(err.service.as_deref(), Some("web"));
    assert!(
        err.message
            .contains("port 53 is already published by service \"dns\""),
        "{err}"
    );
}

#[test]
fn a_published_range_is_refused_with_the_advice_to_list_the_ports() {
    let mut web = service("nginx");
    web.ports.push(Port {
        published: Some("8000-8010".into()),
        ..port(80, None)
    });
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert_eq!(err.attribute, "ports[0]");
    assert!(err.message.contains("list the ports one by one"), "{err}");
}

#[test]
fn existing_load_balancer_gets_listeners_and_a_type_precondition() {
    let mut p = web_redis();
    let arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1";
    p.extensions.insert("x-aws-loadbalancer".into(), json!(arn));
    let built = build(&p).unwrap();
    let kinds = kinds(&built);
    assert!(!kinds.contains_key("LoadBalancer"));
    assert_eq!(
        built.template["Resources"]["WebTCP80Listener"]["Properties"]["LoadBalancerArn"],
        arn
    );
    assert!(built.preconditions.contains(&Precondition::LoadBalancer {
        name_or_arn: arn.into(),
        expected: LoadBalancerType::Application,
    }));
    assert!(!to_json(&built.template).contains("0.0.0.0/0"));
    // The tasks take the load balancer's traffic from the VPC's own range only, which up reads.
    let ingress = &built.template["Resources"]["WebTCP80Ingress"]["Properties"];
    assert_eq!(ingress["CidrIp"], json!({"Ref": "VpcCidr"}));
    assert_eq!(ingress["FromPort"], 80);
    assert!(!to_json(&built.template).contains("10.0.0.0/8"));
    assert!(built.parameters.contains(&ParameterInput {
        name: "VpcCidr".into(),
        source: ParameterSource::VpcCidr,
    }));
}

#[test]
fn every_refused_port_of_the_project_is_reported_in_one_run() {
    let mut a = service("a");
    a.ports.push(port(0, Some(80)));
    a.ports.push(Port {
        protocol: "sctp".into(),
        ..port(90, Some(90))
    });
    let mut b = service("b");
    b.ports.push(port(81, Some(8080)));
    b.ports.push(Port {
        published: Some("7000-7002".into()),
        ..port(7000, None)
    });
    let crate::Errors(errors) = crate::build_all(&project(vec![("a", a), ("b", b)])).unwrap_err();
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.service.as_deref().unwrap_or(""), e.attribute.as_str()))
        .collect();
    for wanted in [
        ("a", "ports[0].target"),
        ("a", "ports[1].protocol"),
        ("b", "ports[1]"),
    ] {
        assert!(found.contains(&wanted), "{wanted:?} missing: {errors:?}");
    }
}

#[test]
fn an_existing_load_balancer_named_is_a_parameter_up_fills() {
    let mut p = web_redis();
    p.extensions
        .insert("x-aws-loadbalancer".into(), json!("shared-alb"));
    let built = build(&p).unwrap();
    assert_eq!(
        built.template["Resources"]["WebTCP80Listener"]["Properties"]["LoadBalancerArn"],
        json!({"Ref": "ExistingLoadBalancerArn"})
    );
    let parameter = &built.template["Parameters"]["ExistingLoadBalancerArn"];
    assert_eq!(parameter["Type"], "String");
    assert!(parameter["Description"]
        .as_str()
        .unwrap()
        .contains("\"shared-alb\""));
    assert!(built.parameters.contains(&ParameterInput {
        name: "ExistingLoadBalancerArn".into(),
        source: ParameterSource::LoadBalancerArn {
            name: "shared-alb".into()
        },
    }));
    assert!(built.preconditions.contains(&Precondition::LoadBalancer {
        name_or_arn: "shared-alb".into(),
        expected: LoadBalancerType::Application,
    }));
    assert!(!kinds(&built).contains_key("LoadBalancer"));
}

#[test]
fn a_load_balancer_name_elb_would_refuse_is_refused() {
    for written in ["my alb", "-lead", "trail-", "internal-x", &"x".repeat(33)] {
        let mut p = web_redis();
        p.extensions
            .insert("x-aws-loadbalancer".into(), json!(written));
        let err = build(&p).unwrap_err();
        assert_eq!(err.attribute, "x-aws-loadbalancer", "{written}");
        assert!(err.message.contains("neither a load balancer ARN"), "{err}");
    }
}

#[test]
fn udp_ports_get_an_nlb_and_a_tcp_health_check_rule() {
    let built = build(&networks_project()).unwrap();
    let r = &built.template["Resources"];
    assert_eq!(r["LoadBalancer"]["Properties"]["Type"], "network");
    assert_eq!(r["DbUDP5000TargetGroup"]["Properties"]["Protocol"], "UDP");
    assert_eq!(r["DbUDP5000Listener"]["Properties"]["Protocol"], "UDP");
    assert_eq!(r["DbUDP5000Ingress"]["Properties"]["IpProtocol"], "udp");
    assert_eq!(r["DbTCP5000Ingress"]["Properties"]["IpProtocol"], "tcp");
    assert!(built
        .warnings
        .iter()
        .any(|w| w.service.as_deref() == Some("db") && w.message.contains("over TCP")));
    // app is on both networks, proxy on front only.
    let groups = &r["AppService"]["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        ["SecurityGroups"];
    assert_eq!(
        groups,
        &json!([{"Ref": "BackNetwork"}, {"Ref": "FrontNetwork"}])
    );
}

#[test]
fn two_listeners_on_one_container_port_open_it_once() {
    let mut web = service("app");
    web.ports.push(port(3000, Some(80)));
    web.ports.push(port(3000, Some(8080)));
    let built = build(&project(vec![("web", web)])).unwrap();
    let kinds = kinds(&built);
    assert!(kinds.contains_key("WebTCP3000Ingress"));
    let task_rules: Vec<&String> = kinds
        .keys()
        .filter(|id| id.starts_with("Web") && id.ends_with("Ingress"))
        .collect();
    assert_eq!(task_rules, ["WebTCP3000Ingress"]);
    assert!(kinds.contains_key("WebTCP80Listener"));
    assert!(kinds.contains_key("WebTCP8080Listener"));
}

#[test]
fn an_internal_load_balancer_sits_in_the_private_subnets() {
    let mut web = service("app");
    web.ports.push(port(8080, Some(80)));
    let mut p = project(vec![("web", web)]);
    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("internal"));
    let built = build(&p).unwrap();
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], "internal");
    assert_eq!(lb["Subnets"], json!({ "Ref": "PrivateSubnetIds" }));
    assert!(built.template["Parameters"]
        .get("PublicSubnetIds")
        .is_none());

    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("internet-facing"));
    let built = build(&p).unwrap();
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], "internet-facing");
    assert_eq!(lb["Subnets"], json!({ "Ref": "PublicSubnetIds" }));

    // Unset: `up` chooses, internal when the VPC has no public subnet.
    p.extensions.remove("x-aws-loadbalancer_scheme");
    let built = build(&p).unwrap();
    let lb = &built.template["Resources"]["LoadBalancer"]["Properties"];
    assert_eq!(lb["Scheme"], json!({ "Ref": "LoadBalancerScheme" }));
    assert_eq!(
        lb["Subnets"],
        json!({ "Fn::If": ["InternalLoadBalancer", { "Ref": "PrivateSubnetIds" }, { "Ref": "PublicSubnetIds" }] })
    );
    assert_eq!(
        built.template["Conditions"]["InternalLoadBalancer"],
        json!({ "Fn::Equals": [{ "Ref": "LoadBalancerScheme" }, "internal"] })
    );
    assert_eq!(
        built.template["Parameters"]["LoadBalancerScheme"]["AllowedValues"],
        json!(["internet-facing", "internal"])
    );
    assert!(built
        .parameters
        .iter()
        .any(|p| p.source == ParameterSource::LoadBalancerScheme));

    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("private"));
    let err = build(&p).unwrap_err();
    assert_eq!(err.attribute, "x-aws-loadbalancer_scheme");
    assert!(err.message.contains("internal or internet-facing"), "{err}");

    // Nothing to place: a warning, not silence.
    let mut p = project(vec![("worker", service("app"))]);
    p.extensions
        .insert("x-aws-loadbalancer_scheme".into(), json!("internal"));
    let built = build(&p).unwrap();
    assert!(built
        .warnings
        .iter()
        .any(|w| w.attribute == "x-aws-loadbalancer_scheme" && w.message.starts_with("ignored")));
}

#[test]
fn published_port_0_listens_on_the_container_port_and_target_0_is_refused() {
    let mut web = service("nginx");
    web.ports.push(Port {
        published: Some("0".into()),
        ..port(8080, None)
    });
    let built = build(&project(vec![("web", web.clone())])).unwrap();
    let listener = &built.template["Resources"]["WebTCP8080Listener"]["Properties"];
    assert_eq!(listener["Port"], 8080);
    web.ports[0].target = 0;
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert_eq!(err.attribute, "ports[0].target");
}

/// The warnings of a project where `db` publishes `ports` (target, published) and `web` 80.
fn exposure_warnings(ports: &[(u16, Option<u16>)], scheme: Option<&str>) -> Vec<String> {
    let mut db = service("postgres");
    for (target, published) in ports {
        db.ports.push(port(*target, *published));
    }
    let mut web = service("nginx");
    web.ports.push(port(80, None));
    let mut p = project(vec![("db", db), ("web", web)]);
    if let Some(scheme) = scheme {
        p.extensions
            .insert("x-aws-loadbalancer_scheme".into(), json!(scheme));
    }
    build(&p)
        .unwrap()
        .warnings
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_database_port_on_an_internet_facing_load_balancer_is_warned_about() {
    let warnings = exposure_warnings(&[(5432, None)], None);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.starts_with("service \"db\": ports[0]: port 5432 (PostgreSQL)"),
        "{warning}"
    );
    for way_out in [
        "expose",
        "127.0.0.1:5432:5432",
        "x-aws-loadbalancer_scheme: internal",
    ] {
        assert!(warning.contains(way_out), "{way_out}: {warning}");
    }
    // Published on another port, the container's is what it is.
    let warnings = exposure_warnings(
        &[(8080, None), (6379, Some(16379))],
        Some("internet-facing"),
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .starts_with("service \"db\": ports[1]: port 16379 (Redis on container port 6379)"),
        "{warnings:?}"
    );
    // Debuggers too.
    let warnings = exposure_warnings(&[(9229, None)], None);
    assert!(warnings[0].contains("Node.js inspector"), "{warnings:?}");
}

#[test]
fn an_internal_load_balancer_or_an_ordinary_port_is_not_warned_about() {
    assert!(exposure_warnings(&[(5432, None)], Some("internal")).is_empty());
    assert!(exposure_warnings(&[(8080, None), (3000, Some(8443))], None).is_empty());
}

/// The load balancer type of a project with these web ports (target, published), and its warnings
/// about the type.
fn load_balancer_choice(ports: Vec<Port>) -> (String, Vec<String>) {
    let mut web = service("nginx");
    web.ports = ports;
    let built = build(&project(vec![("web", web)])).unwrap();
    let kind = built.template["Resources"]["LoadBalancer"]["Properties"]["Type"]
        .as_str()
        .unwrap()
        .to_string();
    let warnings = built
        .warnings
        .iter()
        .filter(|w| w.message.contains("Docker's ECS integration"))
        .map(ToString::to_string)
        .collect();
    (kind, warnings)
}

#[test]
fn a_load_balancer_type_docker_would_not_have_chosen_is_warned_about() {
    // Docker's tool looked at the container port: 80 made it an Application Load Balancer.
    let (kind, warnings) = load_balancer_choice(vec![port(80, Some(8080))]);
    assert_eq!(kind, "network");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    assert!(
        warning.starts_with("service \"web\": ports[0]: "),
        "{warning}"
    );
    for said in [
        "the published port decides",
        "container port",
        "Network Load Balancer",
        "x-aws-protocol: http",
    ] {
        assert!(warning.contains(said), "{said}: {warning}");
    }
    // And the other way: published on 80, the container's 8080 made it a Network Load Balancer.
    let (kind, warnings) = load_balancer_choice(vec![port(8080, Some(80))]);
    assert_eq!(kind, "application");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("x-aws-protocol: tcp"), "{warnings:?}");
    // The same choice as Docker's tool: nothing to say.
    assert!(load_balancer_choice(vec![port(80, None)]).1.is_empty());
    assert!(load_balancer_choice(vec![port(5000, Some(5000))])
        .1
        .is_empty());
    let mut declared = port(3000, Some(8080));
    declared
        .extensions
        .insert("x-aws-protocol".into(), json!("http"));
    assert!(load_balancer_choice(vec![declared]).1.is_empty());
}

#[test]
fn errors_about_the_load_balancer_type_state_the_rule() {
    let mut web = service("nginx");
    let mut https = port(443, Some(443));
    https.extensions.insert(
        "x-aws-certificate".into(),
        json!(
            "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
        ),
    );
    web.ports = vec![https, port(9000, None)];
    let err = build(&project(vec![("web", web)])).unwrap_err();
    assert!(
        err.message
            .contains("Application Load Balancer when every published port is HTTP"),
        "{err}"
    );
}
