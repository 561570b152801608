//! `docker ecs convert` on a generated 100-service project: load + build + YAML, timed over many
//! iterations. Prints the mean and fastest time per iteration and the size of the output. A second
//! 100-service project, too big for one CloudFormation stack, times how fast `build` refuses it.
//!
//! `cargo bench -p template-builder` (or `make bench`); `CONVERT_BENCH_ITERATIONS` changes the count.
//! With `CONVERT_BENCH_BINARY=path/to/docker-ecs` (as `make bench` sets it, to the release build),
//! it also times that binary's whole `convert` process on the same project.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SERVICES: usize = 100;
const DEFAULT_ITERATIONS: u32 = 50;

/// How much of each feature the generated project uses.
#[derive(Clone, Copy)]
struct Shape {
    /// Every n-th service publishes an HTTP port.
    port_every: usize,
    /// Every n-th service mounts a volume of its own.
    volume_every: usize,
    /// Every n-th service reads the secret and scales on CPU.
    extras_every: usize,
}

/// A 100-service project that still fits in one stack (CloudFormation allows 500 resources; a bare
/// service takes 4): ten published ports, two volumes, a secret, autoscaling, three networks.
const FITS_ONE_STACK: Shape = Shape {
    port_every: 10,
    volume_every: 50,
    extras_every: 25,
};

/// Every service publishing a port and every tenth one a volume: far over the limit, so `build`
/// refuses it; timed to show that the refusal is cheap.
const OVER_THE_LIMIT: Shape = Shape {
    port_every: 1,
    volume_every: 10,
    extras_every: 4,
};

/// A compose file with `services` services that use most mapped features: published HTTP ports on
/// distinct listener ports, three networks, volumes, a secret, depends_on chains, resources, extensions.
fn compose_file(services: usize, shape: Shape) -> String {
    let mut out = String::from("name: bench\nx-aws-logs_retention: 7\nservices:\n");
    let mut volumes = 0;
    for i in 0..services {
        let _ = writeln!(out, "  svc{i:03}:");
        let _ = writeln!(out, "    image: public.ecr.aws/docker/library/busybox:1.36");
        let _ = writeln!(out, "    command: [\"httpd\", \"-f\", \"-p\", \"8080\"]");
        let _ = writeln!(
            out,
            "    environment:\n      INDEX: \"{i}\"\n      PEER: svc{:03}",
            (i + 1) % services
        );
        if i % shape.port_every == 0 {
            let _ = writeln!(
                out,
                "    ports:\n      - target: 8080\n        published: \"{}\"\n        x-aws-protocol: http",
                10000 + i
            );
        }
        let _ = writeln!(out, "    networks: [net{}, shared]", i % 3);
        if i % shape.volume_every == 0 {
            let _ = writeln!(out, "    volumes:\n      - data{volumes}:/data");
            volumes += 1;
        }
        if i > 0 && i % 5 != 0 {
            let _ = writeln!(out, "    depends_on: [svc{:03}]", i - 1);
        }
        let _ = writeln!(
            out,
            "    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://localhost:8080/\"]\n      interval: 10s"
        );
        let _ = writeln!(
            out,
            "    deploy:\n      replicas: {}\n      resources:\n        limits:\n          cpus: \"0.5\"\n          memory: 1G",
            1 + i % 3
        );
        if i % shape.extras_every == 0 {
            let _ = writeln!(out, "    secrets: [token]");
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
    out.push_str("networks:\n  net0: {}\n  net1: {}\n  net2: {}\n  shared: {}\n");
    if volumes > 0 {
        out.push_str("volumes:\n");
        for v in 0..volumes {
            let _ = writeln!(out, "  data{v}: {{}}");
        }
    }
    out.push_str("secrets:\n  token:\n    file: ./token.txt\n");
    out
}

/// A project written to a temporary directory, loaded the way `convert` loads it.
struct Bench {
    _dir: tempfile::TempDir,
    options: compose_model::LoadOptions,
    compose_bytes: usize,
}

impl Bench {
    fn new(shape: Shape) -> Result<Bench, String> {
        let dir =
            tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let compose = compose_file(SERVICES, shape);
        std::fs::write(dir.path().join("compose.yaml"), &compose)
            .and_then(|()| {
                std::fs::write(dir.path().join("token.txt"), "bench-token-not-a-secret\n")
            })
            .map_err(|e| format!("cannot write the project: {e}"))?;
        let options = compose_model::LoadOptions {
            environment: BTreeMap::new(),
            interpolate: true,
            working_dir: dir.path().to_path_buf(),
            ..Default::default()
        };
        Ok(Bench {
            _dir: dir,
            options,
            compose_bytes: compose.len(),
        })
    }

    /// load + build + YAML: the YAML text and the number of resources, or why it was refused.
    fn convert(&self) -> Result<(String, usize), String> {
        let loaded = compose_model::load(&self.options).map_err(|e| format!("load: {e}"))?;
        let built = template_builder::build(&loaded.project).map_err(|e| format!("build: {e}"))?;
        let resources = built.template["Resources"]
            .as_object()
            .map_or(0, |r| r.len());
        Ok((template_builder::to_yaml(&built.template), resources))
    }
}

/// Time `run` over `iterations` runs: (mean, fastest).
fn time<T>(iterations: u32, mut run: impl FnMut() -> T) -> (Duration, Duration) {
    let mut total = Duration::ZERO;
    let mut fastest = Duration::MAX;
    for _ in 0..iterations {
        let start = Instant::now();
        black_box(run());
        let elapsed = start.elapsed();
        total += elapsed;
        fastest = fastest.min(elapsed);
    }
    (total / iterations, fastest)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let iterations: u32 = std::env::var("CONVERT_BENCH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_ITERATIONS);

    let fits = Bench::new(FITS_ONE_STACK).unwrap_or_else(|e| fail(&e));
    // One untimed run: checks that the project converts and warms caches.
    let (output, resources) = fits.convert().unwrap_or_else(|e| {
        fail(&format!(
            "the generated {SERVICES}-service project does not convert: {e}"
        ))
    });
    let (mean, fastest) = time(iterations, || fits.convert());
    println!(
        "convert, {SERVICES} services (compose {} bytes): {iterations} iterations, mean {:.2} ms, min {:.2} ms; output {} bytes of YAML, {resources} resources",
        fits.compose_bytes,
        ms(mean),
        ms(fastest),
        output.len(),
    );

    // The whole process, as a user runs it: start, load, build, YAML to stdout, exit.
    if let Some(binary) = std::env::var_os("CONVERT_BENCH_BINARY") {
        let dir = fits.options.working_dir.clone();
        let run = || {
            let out = std::process::Command::new(&binary)
                .arg("convert")
                .current_dir(&dir)
                .stderr(std::process::Stdio::null())
                .output();
            match out {
                Ok(out) if out.status.success() => out.stdout.len(),
                Ok(out) => fail(&format!(
                    "{} convert failed: {}",
                    binary.to_string_lossy(),
                    out.status
                )),
                Err(e) => fail(&format!("cannot run {}: {e}", binary.to_string_lossy())),
            }
        };
        run();
        let (mean, fastest) = time(iterations, run);
        println!(
            "docker-ecs convert, the same project, whole process ({}): mean {:.2} ms, min {:.2} ms",
            binary.to_string_lossy(),
            ms(mean),
            ms(fastest),
        );
    }

    let over = Bench::new(OVER_THE_LIMIT).unwrap_or_else(|e| fail(&e));
    match over.convert() {
        Err(reason) => {
            let (mean, fastest) = time(iterations, || over.convert());
            println!(
                "refusal, {SERVICES} services over the stack limits (compose {} bytes): mean {:.2} ms, min {:.2} ms ({reason})",
                over.compose_bytes,
                ms(mean),
                ms(fastest),
            );
        }
        Ok((output, resources)) => println!(
            "note: the over-the-limit project converted ({resources} resources, {} bytes): CloudFormation will refuse it",
            output.len()
        ),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("convert bench: {message}");
    std::process::exit(1)
}
