//! Shared by the integration tests: where the examples and test projects are, and how to load one the
//! same way on every machine.
#![allow(dead_code)] // each test binary uses a different subset

pub mod generate;
pub mod invariants;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use compose_model::{LoadOptions, Project};

/// Where proptest keeps the seeds of past failures: next to the test file, as
/// `tests/<file>.proptest-regressions`. Its default looks for a `main.rs` above the test file and,
/// finding tests/main.rs, would read and write `proptest-regressions/` beside tests/ instead.
pub fn regressions_next_to_the_test() -> Option<Box<dyn proptest::test_runner::FailurePersistence>>
{
    Some(Box::new(
        proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
    ))
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Every `examples/*` directory that holds a compose file, sorted by name.
pub fn examples() -> Vec<(String, PathBuf)> {
    project_dirs(&workspace_root().join("examples"))
}

/// Every `tests/projects/*` directory of this crate, sorted by name.
pub fn test_projects() -> Vec<(String, PathBuf)> {
    project_dirs(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects"))
}

/// Every `tests/samples/*` directory of this crate: the sample projects of the unit tests
/// (src/test_support.rs) as Compose, which a unit test keeps building the same templates.
pub fn samples() -> Vec<(String, PathBuf)> {
    project_dirs(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples"))
}

/// Every compose-model test fixture directory (`crates/compose-model/tests/fixtures/*`), sorted. Many
/// are meant to fail loading; callers keep the ones that load and build.
pub fn compose_fixtures() -> Vec<(String, PathBuf)> {
    project_dirs(&workspace_root().join("crates/compose-model/tests/fixtures"))
}

const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

fn project_dirs(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut dirs: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| COMPOSE_FILES.iter().any(|f| path.join(f).is_file()))
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            Some((name, path))
        })
        .collect();
    dirs.sort();
    dirs
}

/// Load a project from its directory as `docker ecs convert` run there would, but with a fixed, empty
/// process environment so the result does not depend on the machine running the test.
pub fn load(dir: &Path) -> Result<Project, compose_model::Error> {
    let options = LoadOptions {
        environment: BTreeMap::new(),
        interpolate: true,
        working_dir: dir.to_path_buf(),
        ..Default::default()
    };
    compose_model::load(&options).map(|loaded| loaded.project)
}

/// Load and build; the error says which step failed.
pub fn convert(dir: &Path) -> Result<(Project, template_builder::Built), String> {
    let project = load(dir).map_err(|e| format!("load failed: {e}"))?;
    let built = template_builder::build(&project).map_err(|e| format!("build failed: {e}"))?;
    Ok((project, built))
}

/// The content of every file-backed secret of a project that is long enough to be meaningful (a very
/// short file would match some unrelated text by accident).
pub fn secret_contents(project: &Project) -> Vec<(String, String)> {
    project
        .secrets
        .iter()
        .filter_map(|(name, secret)| {
            let content = std::fs::read_to_string(secret.file.as_ref()?).ok()?;
            let content = content.trim().to_string();
            (content.len() >= 8).then(|| (name.clone(), content))
        })
        .collect()
}

/// A compose file with `services` services; every `port_every`-th publishes its own HTTP port and every
/// `volume_every`-th mounts its own volume. Shared by the limit tests and the cfn-lint run.
pub fn large_compose_file(services: usize, port_every: usize, volume_every: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("name: big\nservices:\n");
    let mut volumes = 0;
    for i in 0..services {
        let _ = writeln!(
            out,
            "  svc{i:03}:\n    image: public.ecr.aws/docker/library/busybox:1.36"
        );
        if i % port_every == 0 {
            let _ = writeln!(
                out,
                "    ports:\n      - target: 8080\n        published: \"{}\"\n        x-aws-protocol: http",
                10000 + i
            );
        }
        if i % volume_every == 0 {
            let _ = writeln!(out, "    volumes:\n      - data{volumes}:/data");
            volumes += 1;
        }
    }
    if volumes > 0 {
        out.push_str("volumes:\n");
        for v in 0..volumes {
            let _ = writeln!(out, "  data{v}: {{}}");
        }
    }
    out
}

/// Write a compose file into a new temporary directory and load it like `convert` would.
pub fn load_text(compose: &str) -> (tempfile::TempDir, Result<Project, compose_model::Error>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("writing compose.yaml");
    let project = load(dir.path());
    (dir, project)
}

/// What `convert` prints besides the template: warnings, the parameters `up` fills and what it checks
/// first. Paths are shown relative to the workspace so a snapshot of it is the same on every machine.
pub fn plan(built: &template_builder::Built) -> String {
    let root = workspace_root();
    let mut out = String::new();
    out.push_str("warnings:\n");
    for warning in &built.warnings {
        out.push_str(&format!("  - {warning}\n"));
    }
    out.push_str("parameters:\n");
    for parameter in &built.parameters {
        out.push_str(&format!("  - {}: {:?}\n", parameter.name, parameter.source));
    }
    out.push_str("preconditions:\n");
    for precondition in &built.preconditions {
        out.push_str(&format!("  - {precondition:?}\n"));
    }
    if !built.derived.is_empty() {
        out.push_str("derived images:\n");
        for image in &built.derived {
            out.push_str(&format!(
                "  - {} from {:?} ({}) -> {:?}\n",
                image.service, image.base, image.platform, image.target
            ));
            for file in &image.files {
                out.push_str(&format!("    + {file:?}\n"));
            }
        }
    }
    if !built.images.is_empty() {
        out.push_str("images:\n");
        for image in &built.images {
            out.push_str(&format!("  - {:?}\n", image.spec));
            for target in &image.targets {
                out.push_str(&format!("    -> {target:?}\n"));
            }
        }
    }
    out.replace(&format!("{}/", root.display()), "<workspace>/")
}

/// The template (YAML) and plan of the project in `dir`, ready to compare with a snapshot, after the
/// checks every snapshotted project must pass: it loads and builds, two conversions give the same bytes
/// (YAML, JSON and plan), no secret's content and no local path appears in the template. `label`
/// (`examples/web-redis`) names the project in failure messages.
pub fn snapshot_outputs(label: &str, dir: &Path) -> (String, String) {
    use template_builder::{to_json, to_yaml};

    let (project, built) = convert(dir).unwrap_or_else(|e| panic!("{label}: {e}"));
    let yaml = to_yaml(&built.template);
    let json = to_json(&built.template);

    // Determinism: loading and building again gives the same bytes.
    let (_, again) = convert(dir).unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_eq!(
        yaml,
        to_yaml(&again.template),
        "{label}: two conversions of the same project differ"
    );
    assert_eq!(
        json,
        to_json(&again.template),
        "{label}: two conversions of the same project differ (JSON)"
    );
    assert_eq!(
        plan(&built),
        plan(&again),
        "{label}: warnings/parameters differ between runs"
    );

    // The template never carries a secret's content, in either output format.
    for (secret, content) in secret_contents(&project) {
        assert!(
            !yaml.contains(&content) && !json.contains(&content),
            "{label}: the content of secret {secret:?} appears in the template"
        );
    }
    // Nor the machine's paths: the template must not depend on where the project is checked out.
    let root = workspace_root().display().to_string();
    assert!(
        !yaml.contains(&root),
        "{label}: the template contains the local path {root}"
    );

    (yaml, plan(&built))
}
