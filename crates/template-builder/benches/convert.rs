//! `docker ecs convert` on a generated 100-service project: load + build + YAML, timed over many
//! iterations. Prints the mean and fastest time per iteration and the size of the output.
//!
//! `cargo bench -p template-builder` (or `make bench`); `CONVERT_BENCH_ITERATIONS` changes the count.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SERVICES: usize = 100;
const DEFAULT_ITERATIONS: u32 = 50;

/// A compose file with `services` services that use most mapped features: published HTTP ports on
/// distinct listener ports, three networks, volumes, a secret, depends_on chains, resources, extensions.
fn compose_file(services: usize) -> String {
    let mut out = String::from("name: bench\nx-aws-logs_retention: 7\nservices:\n");
    for i in 0..services {
        let _ = writeln!(out, "  svc{i:03}:");
        let _ = writeln!(out, "    image: public.ecr.aws/docker/library/busybox:1.36");
        let _ = writeln!(out, "    command: [\"httpd\", \"-f\", \"-p\", \"8080\"]");
        let _ = writeln!(
            out,
            "    environment:\n      INDEX: \"{i}\"\n      PEER: svc{:03}",
            (i + 1) % services
        );
        let _ = writeln!(out, "    ports:\n      - target: 8080\n        published: \"{}\"\n        x-aws-protocol: http", 10000 + i);
        let _ = writeln!(out, "    networks: [net{}, shared]", i % 3);
        if i % 10 == 0 {
            let _ = writeln!(out, "    volumes:\n      - data{}:/data", i / 10);
            let _ = writeln!(out, "    secrets: [token]");
        }
        if i > 0 && i % 5 != 0 {
            let _ = writeln!(out, "    depends_on: [svc{:03}]", i - 1);
        }
        let _ = writeln!(
            out,
            "    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://localhost:8080/\"]\n      interval: 10s"
        );
        let _ = writeln!(out, "    deploy:\n      replicas: {}\n      resources:\n        limits:\n          cpus: \"0.5\"\n          memory: 1G", 1 + i % 3);
        if i % 4 == 0 {
            let _ = writeln!(
                out,
                "    x-aws-autoscaling:\n      min: 1\n      max: 4\n      cpu: 70"
            );
            let _ = writeln!(
                out,
                "    x-aws-policies: [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]"
            );
        }
    }
    out.push_str("networks:\n  net0: {}\n  net1: {}\n  net2: {}\n  shared: {}\nvolumes:\n");
    for v in 0..services.div_ceil(10) {
        let _ = writeln!(out, "  data{v}: {{}}");
    }
    out.push_str("secrets:\n  token:\n    file: ./token.txt\n");
    out
}

fn main() {
    let iterations: u32 = std::env::var("CONVERT_BENCH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_ITERATIONS);

    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return eprintln!("convert bench: cannot create a temporary directory: {e}"),
    };
    let compose = compose_file(SERVICES);
    let written = std::fs::write(dir.path().join("compose.yaml"), &compose)
        .and_then(|()| std::fs::write(dir.path().join("token.txt"), "bench-token-not-a-secret\n"));
    if let Err(e) = written {
        return eprintln!("convert bench: cannot write the project: {e}");
    }
    let options = compose_model::LoadOptions {
        environment: BTreeMap::new(),
        interpolate: true,
        working_dir: dir.path().to_path_buf(),
        ..Default::default()
    };

    let convert = || -> Result<(String, usize), String> {
        let loaded = compose_model::load(&options).map_err(|e| format!("load: {e}"))?;
        let built = template_builder::build(&loaded.project).map_err(|e| format!("build: {e}"))?;
        let resources = built.template["Resources"]
            .as_object()
            .map_or(0, |r| r.len());
        Ok((template_builder::to_yaml(&built.template), resources))
    };

    // One untimed run: checks the project converts and warms caches.
    let (output, resources) = match convert() {
        Ok(converted) => converted,
        Err(e) => {
            eprintln!(
                "convert bench: the generated {SERVICES}-service project does not convert: {e}"
            );
            std::process::exit(1);
        }
    };

    let mut total = Duration::ZERO;
    let mut fastest = Duration::MAX;
    for _ in 0..iterations {
        let start = Instant::now();
        let result = black_box(convert());
        let elapsed = start.elapsed();
        if let Err(e) = result {
            eprintln!("convert bench: {e}");
            std::process::exit(1);
        }
        total += elapsed;
        fastest = fastest.min(elapsed);
    }
    let mean = total / iterations;
    println!(
        "convert ({SERVICES} services, compose {} bytes): {iterations} iterations, mean {:.2} ms, min {:.2} ms, output {} bytes ({} resources)",
        compose.len(),
        mean.as_secs_f64() * 1e3,
        fastest.as_secs_f64() * 1e3,
        output.len(),
        resources,
    );
}
