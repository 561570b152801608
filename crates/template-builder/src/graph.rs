//! A picture of the application (`convert --format dot|mermaid`): the Compose side (project,
//! services, their ports, networks, volumes and secrets) and, next to it, every resource of the built
//! template, each linked to the Compose element it comes from. The link is read from the template
//! itself (the `com.docker.compose.*` tags, else the logical id's prefix), so the picture shows what
//! `up` deploys and cannot drift from it. Pure and deterministic.

use compose_model::{Project, VolumeType};
use serde_json::Value;

use crate::naming::Names;
use crate::template::tag_value;

const SERVICE_TAG: &str = "com.docker.compose.service";
const NETWORK_TAG: &str = "com.docker.compose.network";
const VOLUME_TAG: &str = "com.docker.compose.volume";
const SECRET_TAG: &str = "com.docker.compose.secret";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Project,
    Service,
    Port,
    Network,
    Volume,
    Secret,
    /// A bind mount, config or anonymous volume of a service: what it became is linked.
    Mount,
    Resource,
}

#[derive(Debug, Clone)]
struct Node {
    id: String,
    label: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeKind {
    /// Between Compose elements (a service uses a network, publishes a port...).
    Uses,
    /// A Compose element becomes an AWS resource.
    Becomes,
}

#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    kind: EdgeKind,
}

#[derive(Debug, Default)]
struct Graph {
    compose: Vec<Node>,
    aws: Vec<Node>,
    edges: Vec<Edge>,
}

/// Graphviz DOT: `dot -Tsvg` draws it.
pub fn to_dot(template: &Value, project: &Project) -> String {
    let graph = graph(template, project);
    let mut out = format!("digraph {} {{\n", dot_quote(&project.name));
    out.push_str("  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
    out.push_str(&format!(
        "  subgraph cluster_compose {{\n    label={};\n",
        dot_quote(&format!("Compose project {}", project.name))
    ));
    for node in &graph.compose {
        out.push_str(&format!(
            "    {} [label={}, shape={}];\n",
            node.id,
            dot_quote(&node.label),
            dot_shape(node.kind)
        ));
    }
    out.push_str("  }\n");
    out.push_str(&format!(
        "  subgraph cluster_aws {{\n    label={};\n",
        dot_quote(&format!("CloudFormation stack {}", project.name))
    ));
    for node in &graph.aws {
        out.push_str(&format!(
            "    {} [label={}];\n",
            node.id,
            dot_quote(&node.label)
        ));
    }
    out.push_str("  }\n");
    for edge in &graph.edges {
        let style = match edge.kind {
            EdgeKind::Uses => "",
            EdgeKind::Becomes => " [style=dashed]",
        };
        out.push_str(&format!("  {} -> {}{style};\n", edge.from, edge.to));
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart (renders in GitHub Markdown inside a ```mermaid block).
pub fn to_mermaid(template: &Value, project: &Project) -> String {
    let graph = graph(template, project);
    let mut out = String::from("flowchart LR\n");
    out.push_str(&format!(
        "  subgraph compose[{}]\n",
        mermaid_quote(&format!("Compose project {}", project.name))
    ));
    for node in &graph.compose {
        let (open, close) = mermaid_shape(node.kind);
        out.push_str(&format!(
            "    {}{open}{}{close}\n",
            node.id,
            mermaid_quote(&node.label)
        ));
    }
    out.push_str("  end\n");
    out.push_str(&format!(
        "  subgraph aws[{}]\n",
        mermaid_quote(&format!("CloudFormation stack {}", project.name))
    ));
    for node in &graph.aws {
        out.push_str(&format!(
            "    {}[{}]\n",
            node.id,
            mermaid_quote(&node.label)
        ));
    }
    out.push_str("  end\n");
    for edge in &graph.edges {
        let arrow = match edge.kind {
            EdgeKind::Uses => "-->",
            EdgeKind::Becomes => "-.->",
        };
        out.push_str(&format!("  {} {arrow} {}\n", edge.from, edge.to));
    }
    out
}

fn graph(template: &Value, project: &Project) -> Graph {
    // Names::new only fails on names the build already refused; fall back to plain PascalCase.
    let names = Names::new(project).unwrap_or_default();
    let mut graph = Graph::default();
    let project_id = "project".to_string();
    graph.compose.push(Node {
        id: project_id.clone(),
        label: format!("project {}", project.name),
        kind: Kind::Project,
    });
    // (node id, logical id prefix) of every Compose element a resource can come from.
    let mut prefixes: Vec<(String, String)> = Vec::new();
    let node_of = |kind: &str, index: usize| format!("{kind}{index}");

    for (index, name) in project.networks.keys().enumerate() {
        let id = node_of("network", index);
        prefixes.push((id.clone(), format!("{}Network", names.network(name))));
        graph.compose.push(Node {
            id,
            label: format!("network {name}"),
            kind: Kind::Network,
        });
    }
    for (index, name) in project.volumes.keys().enumerate() {
        prefixes.push((node_of("volume", index), names.volume(name)));
        graph.compose.push(Node {
            id: node_of("volume", index),
            label: format!("volume {name}"),
            kind: Kind::Volume,
        });
    }
    for (index, name) in project.secrets.keys().enumerate() {
        prefixes.push((node_of("secret", index), names.secret(name)));
        graph.compose.push(Node {
            id: node_of("secret", index),
            label: format!("secret {name}"),
            kind: Kind::Secret,
        });
    }
    let networks: Vec<&String> = project.networks.keys().collect();
    let volumes: Vec<&String> = project.volumes.keys().collect();
    let secrets: Vec<&String> = project.secrets.keys().collect();
    let services: Vec<&String> = project.services.keys().collect();
    // (mount node, service, what it became): linked once the resources have nodes.
    let mut pending_mounts: Vec<(String, String, Became)> = Vec::new();

    for (index, (name, service)) in project.services.iter().enumerate() {
        let id = node_of("service", index);
        let label = match &service.image {
            Some(image) => format!("service {name}\n{image}"),
            None => format!("service {name}"),
        };
        graph.compose.push(Node {
            id: id.clone(),
            label,
            kind: Kind::Service,
        });
        graph.edges.push(uses(&project_id, &id));
        prefixes.push((id.clone(), names.service(name)));
        for (port_index, port) in service.ports.iter().enumerate() {
            let port_id = format!("{id}_port{port_index}");
            // As the load balancer plans it: no published port, or 0 (any), is the target port.
            let published = port
                .published
                .clone()
                .filter(|p| !p.is_empty() && p != "0")
                .unwrap_or_else(|| port.target.to_string());
            // Same prefix as the load balancer's logical ids for the port (`WebTCP80`).
            prefixes.push((
                port_id.clone(),
                format!(
                    "{}{}{published}",
                    names.service(name),
                    port.protocol.to_ascii_uppercase()
                ),
            ));
            graph.compose.push(Node {
                id: port_id.clone(),
                // A host address says why a port has no listener (127.0.0.1: local only).
                label: format!(
                    "port {}{published}:{}/{}",
                    port.host_ip
                        .as_deref()
                        .map(|ip| format!("{ip}:"))
                        .unwrap_or_default(),
                    port.target,
                    port.protocol
                ),
                kind: Kind::Port,
            });
            graph.edges.push(uses(&id, &port_id));
        }
        for network in service.networks.keys() {
            if let Some(n) = position(&networks, network) {
                graph.edges.push(uses(&id, &node_of("network", n)));
            }
        }
        for volume in &service.volumes {
            let named = volume.kind == VolumeType::Volume;
            if let Some(n) = volume
                .source
                .as_deref()
                .filter(|_| named)
                .and_then(|source| position(&volumes, source))
            {
                let edge = uses(&id, &node_of("volume", n));
                if !graph
                    .edges
                    .iter()
                    .any(|e| e.from == edge.from && e.to == edge.to)
                {
                    graph.edges.push(edge);
                }
            }
        }
        for secret in &service.secrets {
            if let Some(n) = position(&secrets, &secret.source) {
                graph.edges.push(uses(&id, &node_of("secret", n)));
            }
        }
        for (mount_index, mount) in mounts(project, service).into_iter().enumerate() {
            let mount_id = format!("{id}_mount{mount_index}");
            graph.compose.push(Node {
                id: mount_id.clone(),
                label: mount.label,
                kind: Kind::Mount,
            });
            graph.edges.push(uses(&id, &mount_id));
            pending_mounts.push((mount_id, name.clone(), mount.became));
        }
    }

    let mut resources: Vec<(&String, &Value)> = template
        .get("Resources")
        .and_then(Value::as_object)
        .map(|r| r.iter().collect())
        .unwrap_or_default();
    resources.sort_by(|a, b| a.0.cmp(b.0));
    for (index, (logical_id, resource)) in resources.into_iter().enumerate() {
        let id = node_of("aws", index);
        let resource_type = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        graph.aws.push(Node {
            id: id.clone(),
            label: format!("{logical_id}\n{resource_type}"),
            kind: Kind::Resource,
        });
        let properties = resource.get("Properties");
        let tagged = |tag_key: &str, kind: &str, names: &[&String]| {
            tag_value(properties, tag_key)
                .and_then(|value| position(names, value))
                .map(|n| node_of(kind, n))
        };
        let owner = tagged(VOLUME_TAG, "volume", &volumes)
            .or_else(|| tagged(SECRET_TAG, "secret", &secrets))
            .or_else(|| tagged(NETWORK_TAG, "network", &networks))
            // A service's port resources carry the service tag: the port is the closer owner.
            .or_else(|| longest_prefix(&prefixes, logical_id, |owner| owner.contains("_port")))
            .or_else(|| tagged(SERVICE_TAG, "service", &services))
            .or_else(|| longest_prefix(&prefixes, logical_id, |_| true))
            .unwrap_or_else(|| project_id.clone());
        graph.edges.push(Edge {
            from: owner,
            to: id,
            kind: EdgeKind::Becomes,
        });
    }

    // The image parameters `up` fills in (built and derived images): a node each, after the
    // resources, so that files baked into an image point at the image the service runs.
    let parameters: Vec<&String> = template
        .get("Parameters")
        .and_then(Value::as_object)
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let image_parameters = services.iter().enumerate().filter_map(|(index, service)| {
        let parameter = format!("{}Image", names.service(service));
        parameters
            .contains(&&parameter)
            .then_some((index, parameter))
    });
    for (index, (service_index, parameter)) in image_parameters.enumerate() {
        let parameter_id = node_of("image", index);
        graph.aws.push(Node {
            id: parameter_id.clone(),
            label: format!("{parameter}\nParameter: the image up builds and pushes"),
            kind: Kind::Resource,
        });
        let service = services[service_index];
        let baked: Vec<&String> = pending_mounts
            .iter()
            .filter(|(_, owner, became)| owner == service && *became == Became::Image)
            .map(|(mount, ..)| mount)
            .collect();
        if baked.is_empty() {
            graph.edges.push(Edge {
                from: node_of("service", service_index),
                to: parameter_id,
                kind: EdgeKind::Becomes,
            });
        } else {
            for mount in baked {
                graph.edges.push(Edge {
                    from: mount.clone(),
                    to: parameter_id.clone(),
                    kind: EdgeKind::Becomes,
                });
            }
        }
    }
    // Task storage (anonymous volumes) is part of the service's task definition.
    for (mount, service, became) in &pending_mounts {
        if *became != Became::TaskStorage {
            continue;
        }
        let task_definition = template
            .get("Resources")
            .and_then(Value::as_object)
            .and_then(|resources| {
                resources.iter().find(|(_, resource)| {
                    resource.get("Type").and_then(Value::as_str) == Some("AWS::ECS::TaskDefinition")
                        && tag_value(resource.get("Properties"), SERVICE_TAG) == Some(service)
                })
            })
            .map(|(logical_id, _)| format!("{logical_id}\nAWS::ECS::TaskDefinition"));
        if let Some(node) =
            task_definition.and_then(|label| graph.aws.iter().find(|node| node.label == label))
        {
            graph.edges.push(Edge {
                from: mount.clone(),
                to: node.id.clone(),
                kind: EdgeKind::Becomes,
            });
        }
    }
    graph
}

/// What a service's mount becomes on AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Became {
    /// Files copied into the image `up` derives from the service's image.
    Image,
    /// Storage of the task's own (an anonymous volume).
    TaskStorage,
    /// Nothing: dropped with a warning (the host's clock files).
    Dropped,
}

struct Mount {
    label: String,
    became: Became,
}

/// The service's mounts other than named volumes (those have their own nodes), as `convert`
/// maps them: bind mounts and configs are baked into an image, anonymous volumes are task storage,
/// the host's clock files are dropped. Refused mounts never reach here.
fn mounts(project: &Project, service: &compose_model::Service) -> Vec<Mount> {
    let shown = |source: &str| match std::path::Path::new(source).strip_prefix(&project.working_dir)
    {
        Ok(relative) => format!("./{}", relative.display()),
        Err(_) => source.to_string(),
    };
    let mut mounts = Vec::new();
    for volume in &service.volumes {
        let target = &volume.target;
        let mount = match (volume.kind, volume.source.as_deref()) {
            (VolumeType::Bind, Some(source))
                if crate::mounts::is_host_clock(source, target, volume.read_only) =>
            {
                Mount {
                    label: format!("bind {source}:{target}:ro\ndropped: tasks run in UTC, set TZ"),
                    became: Became::Dropped,
                }
            }
            (VolumeType::Bind, Some(source)) => Mount {
                label: format!(
                    "bind {}:{target}{}\ncopied into the image",
                    shown(source),
                    if volume.read_only { ":ro" } else { "" }
                ),
                became: Became::Image,
            },
            (VolumeType::Volume, None) => Mount {
                label: format!("anonymous volume {target}\ntask storage"),
                became: Became::TaskStorage,
            },
            _ => continue,
        };
        mounts.push(mount);
    }
    for config in &service.configs {
        mounts.push(Mount {
            label: format!(
                "config {} at {}\ncopied into the image",
                config.source,
                crate::mounts::config_target(&config.target)
            ),
            became: Became::Image,
        });
    }
    mounts
}

fn uses(from: &str, to: &str) -> Edge {
    Edge {
        from: from.to_string(),
        to: to.to_string(),
        kind: EdgeKind::Uses,
    }
}

/// The owner whose prefix is the longest one of `logical_id` that ends at a word boundary (an upper-case
/// letter or the end follows; after a port's digits, no further digit: `WebTCP80` is not `WebTCP8080`).
fn longest_prefix(
    prefixes: &[(String, String)],
    logical_id: &str,
    wanted: impl Fn(&str) -> bool,
) -> Option<String> {
    prefixes
        .iter()
        .filter(|(owner, prefix)| {
            wanted(owner)
                && !prefix.is_empty()
                && logical_id
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.chars().next().is_none_or(|c| c.is_ascii_uppercase()))
        })
        .max_by_key(|(_, prefix)| prefix.len())
        .map(|(owner, _)| owner.clone())
}

fn dot_shape(kind: Kind) -> &'static str {
    match kind {
        Kind::Project => "folder",
        Kind::Service => "component",
        Kind::Port => "cds",
        Kind::Network => "ellipse",
        Kind::Volume => "cylinder",
        Kind::Secret => "note",
        Kind::Mount => "tab",
        Kind::Resource => "box",
    }
}

fn mermaid_shape(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Project => ("[/", "/]"),
        Kind::Service => ("[[", "]]"),
        Kind::Port => (">", "]"),
        Kind::Network => ("([", "])"),
        Kind::Volume => ("[(", ")]"),
        Kind::Secret => ("{{", "}}"),
        Kind::Mount => ("[/", "\\]"),
        Kind::Resource => ("[", "]"),
    }
}

/// A DOT string literal; new lines become DOT's centred line breaks.
fn dot_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Mermaid quoted label: quotes and markup characters as entities, new lines as `<br>`.
fn mermaid_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Index of `name` in a sorted list of Compose names.
fn position(names: &[&String], name: &str) -> Option<usize> {
    names.iter().position(|n| n.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::load_yaml as load;
    use serde_json::json;

    const SMALL: &str = "services:\n  web:\n    image: nginx\n    ports: [\"80:8080\"]\n    volumes: [\"data:/data\"]\n    secrets: [token]\nvolumes:\n  data: {}\nsecrets:\n  token:\n    name: arn:aws:secretsmanager:us-east-1:1:secret:token\n    external: true\n";

    /// A template shaped like the builder's: tags on some resources, logical id prefixes on others.
    fn small_template() -> Value {
        json!({"Resources": {
            "Cluster": {"Type": "AWS::ECS::Cluster"},
            "WebService": {"Type": "AWS::ECS::Service", "Properties": {"Tags": [
                {"Key": "com.docker.compose.service", "Value": "web"}]}},
            "WebTCP80Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener"},
            "DataFilesystem": {"Type": "AWS::EFS::FileSystem", "Properties": {"FileSystemTags": [
                {"Key": "com.docker.compose.volume", "Value": "data"}]}},
            "DefaultNetwork": {"Type": "AWS::EC2::SecurityGroup"}
        }})
    }

    #[test]
    fn a_local_only_port_shows_its_address_and_a_port_0_its_listener() {
        let project = load(
            "services:\n  db:\n    image: mysql\n    ports: [\"127.0.0.1:3306:3306\", \"0:8080\"]\n",
        );
        let built = crate::build(&project).expect("builds");
        let mermaid = to_mermaid(&built.template, &project);
        assert!(
            mermaid.contains(r#"service0_port0>"port 127.0.0.1:3306:3306/tcp"]"#),
            "{mermaid}"
        );
        assert!(
            mermaid.contains(r#"service0_port1>"port 8080:8080/tcp"]"#),
            "{mermaid}"
        );
        // The 0 port is linked to its listener; the local one has no resource to link to.
        let linked = |port: &str| {
            mermaid
                .lines()
                .any(|l| l.contains(port) && l.contains("-.-"))
        };
        assert!(linked("service0_port1"), "{mermaid}");
        assert!(!linked("service0_port0"), "{mermaid}");
    }

    #[test]
    fn dot_of_a_small_project() {
        let project = load(SMALL);
        assert_eq!(
            to_dot(&small_template(), &project),
            r#"digraph "app" {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  subgraph cluster_compose {
    label="Compose project app";
    project [label="project app", shape=folder];
    network0 [label="network default", shape=ellipse];
    volume0 [label="volume data", shape=cylinder];
    secret0 [label="secret token", shape=note];
    service0 [label="service web\nnginx", shape=component];
    service0_port0 [label="port 80:8080/tcp", shape=cds];
  }
  subgraph cluster_aws {
    label="CloudFormation stack app";
    aws0 [label="Cluster\nAWS::ECS::Cluster"];
    aws1 [label="DataFilesystem\nAWS::EFS::FileSystem"];
    aws2 [label="DefaultNetwork\nAWS::EC2::SecurityGroup"];
    aws3 [label="WebService\nAWS::ECS::Service"];
    aws4 [label="WebTCP80Listener\nAWS::ElasticLoadBalancingV2::Listener"];
  }
  project -> service0;
  service0 -> service0_port0;
  service0 -> network0;
  service0 -> volume0;
  service0 -> secret0;
  project -> aws0 [style=dashed];
  volume0 -> aws1 [style=dashed];
  network0 -> aws2 [style=dashed];
  service0 -> aws3 [style=dashed];
  service0_port0 -> aws4 [style=dashed];
}
"#
        );
    }

    #[test]
    fn mermaid_of_a_small_project() {
        let project = load(SMALL);
        assert_eq!(
            to_mermaid(&small_template(), &project),
            r#"flowchart LR
  subgraph compose["Compose project app"]
    project[/"project app"/]
    network0(["network default"])
    volume0[("volume data")]
    secret0{{"secret token"}}
    service0[["service web<br>nginx"]]
    service0_port0>"port 80:8080/tcp"]
  end
  subgraph aws["CloudFormation stack app"]
    aws0["Cluster<br>AWS::ECS::Cluster"]
    aws1["DataFilesystem<br>AWS::EFS::FileSystem"]
    aws2["DefaultNetwork<br>AWS::EC2::SecurityGroup"]
    aws3["WebService<br>AWS::ECS::Service"]
    aws4["WebTCP80Listener<br>AWS::ElasticLoadBalancingV2::Listener"]
  end
  project --> service0
  service0 --> service0_port0
  service0 --> network0
  service0 --> volume0
  service0 --> secret0
  project -.-> aws0
  volume0 -.-> aws1
  network0 -.-> aws2
  service0 -.-> aws3
  service0_port0 -.-> aws4
"#
        );
    }

    const FULL: &str = "services:\n  web:\n    image: nginx\n    ports: [\"80:80\", \"8080:8080\"]\n    networks: [front, back]\n    secrets: [token]\n  db:\n    image: postgres\n    networks: [back]\n    volumes: [\"pgdata:/var/lib/postgresql/data\"]\nnetworks:\n  front: {}\n  back: {}\nvolumes:\n  pgdata: {}\nsecrets:\n  token:\n    name: arn:aws:secretsmanager:us-east-1:1:secret:token\n    external: true\n";

    /// Every label of the DOT output, by node id.
    fn dot_nodes(dot: &str) -> Vec<(String, String)> {
        dot.lines()
            .filter_map(|line| {
                let line = line.trim();
                let (id, rest) = line.split_once(" [label=\"")?;
                let label = rest.split('"').next()?;
                Some((id.to_string(), label.to_string()))
            })
            .collect()
    }

    /// Structural check of DOT: balanced braces and quotes, every edge between declared nodes.
    fn check_dot_syntax(dot: &str) {
        assert!(dot.starts_with("digraph ") && dot.ends_with("}\n"), "{dot}");
        assert_eq!(dot.matches('{').count(), dot.matches('}').count(), "{dot}");
        let ids: Vec<String> = dot_nodes(dot).into_iter().map(|(id, _)| id).collect();
        for line in dot.lines() {
            assert_eq!(
                line.replace("\\\"", "").matches('"').count() % 2,
                0,
                "unbalanced quotes: {line}"
            );
            if let Some((from, to)) = line.trim().split_once(" -> ") {
                let to = to.split([' ', ';']).next().unwrap_or_default();
                assert!(ids.iter().any(|id| id == from), "undeclared {from}");
                assert!(ids.iter().any(|id| id == to), "undeclared {to}");
            }
        }
    }

    #[test]
    fn the_built_template_shows_every_compose_element_and_every_resource() {
        let project = load(FULL);
        let built = crate::build(&project).expect("build");
        let dot = to_dot(&built.template, &project);
        check_dot_syntax(&dot);
        let labels: Vec<String> = dot_nodes(&dot).into_iter().map(|(_, l)| l).collect();
        for wanted in [
            "service web\\nnginx",
            "service db\\npostgres",
            "port 80:80/tcp",
            "port 8080:8080/tcp",
            "network front",
            "network back",
            "volume pgdata",
            "secret token",
        ] {
            assert!(
                labels.iter().any(|l| l == wanted),
                "{wanted} missing:\n{dot}"
            );
        }
        let resources = built.template["Resources"].as_object().expect("resources");
        for (logical_id, resource) in resources {
            let label = format!("{logical_id}\\n{}", resource["Type"].as_str().unwrap_or(""));
            assert!(labels.contains(&label), "{label} missing");
        }
        // Each resource is linked to exactly one owner.
        assert_eq!(dot.matches("[style=dashed]").count(), resources.len());
        // The 8080 listener belongs to the 8080 port, not to the port 80 prefix.
        let id_of = |label: &str| {
            dot_nodes(&dot)
                .into_iter()
                .find(|(_, l)| l.starts_with(label))
                .map(|(id, _)| id)
                .unwrap_or_default()
        };
        let port_8080 = id_of("port 8080");
        let listener = id_of("WebTCP8080Listener\\n");
        assert!(
            dot.contains(&format!("  {port_8080} -> {listener} [style=dashed];")),
            "{dot}"
        );
        for volume_resource in [
            "PgdataFileSystem",
            "PgdataMountTarget0",
            "PgdataNFSSecurityGroup",
        ] {
            let edge = format!(
                "  {} -> {} [style=dashed];",
                id_of("volume pgdata"),
                id_of(&format!("{volume_resource}\\n"))
            );
            assert!(dot.contains(&edge), "{edge} missing:\n{dot}");
        }
        let edge = format!("  project -> {} [style=dashed];", id_of("Cluster\\n"));
        assert!(dot.contains(&edge), "{edge} missing:\n{dot}");

        // Render with Graphviz when it is installed; CI installs it, so there it must be.
        let rendering = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn();
        if rendering.is_err() && std::env::var_os("CI").is_some() {
            panic!("Graphviz `dot` is not installed; .ci/run installs it");
        }
        if let Ok(mut child) = rendering {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(dot.as_bytes())
                .expect("write to dot");
            assert!(child.wait().expect("dot").success(), "dot rejected:\n{dot}");
        }
    }

    #[test]
    fn mermaid_declares_every_node_it_links() {
        let project = load(FULL);
        let built = crate::build(&project).expect("build");
        let mermaid = to_mermaid(&built.template, &project);
        assert!(mermaid.starts_with("flowchart LR\n"));
        assert_eq!(
            mermaid.matches("  subgraph ").count(),
            mermaid.matches("  end\n").count()
        );
        let declared: Vec<&str> = mermaid
            .lines()
            .filter(|l| l.starts_with("    "))
            .filter_map(|l| l.trim().split(['[', '(', '{', '>']).next())
            .collect();
        for line in mermaid
            .lines()
            .filter(|l| l.contains("-->") || l.contains("-.->"))
        {
            let parts: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "{line}");
            assert!(
                declared.contains(&parts[0]) && declared.contains(&parts[2]),
                "{line}"
            );
        }
        for wanted in [
            "network front",
            "network back",
            "volume pgdata",
            "secret token",
            "service db",
        ] {
            assert!(mermaid.contains(wanted), "{wanted} missing:\n{mermaid}");
        }
    }

    #[test]
    fn each_service_links_once_to_each_network_volume_and_secret_it_uses() {
        let project = load(
            "services:\n  api:\n    image: shop/api\n    networks: [front]\n\
             \x20   volumes: [\"shared:/data\", \"shared:/backup\"]\n    secrets: [second]\n\
             \x20 web:\n    image: nginx\n    networks: [back, front]\n\
             \x20   volumes: [\"cache:/cache\", \"shared:/data\"]\n    secrets: [first, second]\n\
             networks:\n  back: {}\n  front: {}\nvolumes:\n  cache: {}\n  shared: {}\n\
             secrets:\n  first:\n    name: arn:aws:secretsmanager:us-east-1:1:secret:first\n\
             \x20   external: true\n  second:\n    name: arn:aws:secretsmanager:us-east-1:1:secret:second\n\
             \x20   external: true\n",
        );
        let built = crate::build(&project).expect("build");
        let dot = to_dot(&built.template, &project);
        let label: std::collections::BTreeMap<String, String> =
            dot_nodes(&dot).into_iter().collect();
        let used: Vec<(String, String)> = dot
            .lines()
            .filter_map(|l| l.trim().strip_suffix(';')?.split_once(" -> "))
            // Not its ports and mounts, nor the resources it became (dashed).
            .filter(|(from, to)| from.starts_with("service") && !to.contains(['_', ' ']))
            .map(|(from, to)| {
                let service = label[from].split("\\n").next().unwrap().to_string();
                (service, label[to].clone())
            })
            .collect();
        let expected = [
            ("service api", "network front"),
            ("service api", "volume shared"),
            ("service api", "secret second"),
            ("service web", "network back"),
            ("service web", "network front"),
            ("service web", "volume cache"),
            ("service web", "volume shared"),
            ("service web", "secret first"),
            ("service web", "secret second"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(used, expected, "{dot}");
    }

    #[test]
    fn each_mount_links_to_what_it_became() {
        let project = load(
            "services:\n  web:\n    image: nginx\n    volumes:\n      - ./site:/www:ro\n      - /var/cache/site\n      - /etc/localtime:/etc/localtime:ro\n    configs: [httpd]\n  api:\n    build: .\n    image: shop/api\nconfigs:\n  httpd:\n    content: listen 80\n",
        );
        let built = crate::build(&project).expect("build");
        let dot = to_dot(&built.template, &project);
        check_dot_syntax(&dot);
        let id_of = |label: &str| {
            dot_nodes(&dot)
                .into_iter()
                .find(|(_, l)| l.starts_with(label))
                .map(|(id, _)| id)
                .unwrap_or_else(|| panic!("no node {label}:\n{dot}"))
        };
        let becomes = |from: &str, to: &str| {
            let edge = format!("  {} -> {} [style=dashed];", id_of(from), id_of(to));
            assert!(dot.contains(&edge), "{edge} missing:\n{dot}");
        };
        // Files of the project and configs are copied into the image the service runs.
        becomes(
            "bind ./site:/www:ro\\ncopied into the image",
            "WebImage\\nParameter",
        );
        becomes(
            "config httpd at /httpd\\ncopied into the image",
            "WebImage\\nParameter",
        );
        // Anonymous volumes are storage of the task.
        becomes("anonymous volume /var/cache/site", "WebTaskDefinition\\n");
        // A built service without files of the project becomes its image as built.
        becomes("service api", "ApiImage\\nParameter");
        // The host's clock is dropped: the node says so and links to nothing.
        let clock =
            id_of("bind /etc/localtime:/etc/localtime:ro\\ndropped: tasks run in UTC, set TZ");
        assert!(!dot.contains(&format!("  {clock} -> ")), "{dot}");
        // Each mount hangs off its service.
        let web = id_of("service web");
        assert_eq!(
            dot.matches(&format!("  {web} -> {web}_mount")).count(),
            4,
            "{dot}"
        );

        let mermaid = to_mermaid(&built.template, &project);
        assert!(
            mermaid.contains("[/\"bind ./site:/www:ro<br>copied into the image\"\\]"),
            "{mermaid}"
        );
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(dot_quote("a \"b\"\\c\nd"), r#""a \"b\"\\c\nd""#);
        assert_eq!(
            mermaid_quote("a \"b\" <c>\nd"),
            "\"a #quot;b#quot; #lt;c#gt;<br>d\""
        );
    }
}
