//! cfn-lint on every template the project can produce: each example, each compose-model test fixture
//! that loads and builds, each project under tests/projects/, the sample projects of the unit tests
//! (tests/samples/, the same templates as src/test_support.rs), and a fixed sample of generated projects
//! (tests/common/generate.rs, the same sample on every run). A few concurrent cfn-lint processes (one
//! per core, 2 to 8) share the files; any error fails the test with every finding listed per file.
//! Warnings are printed, not failed on. Each YAML template is also read back with a YAML 1.1 parser
//! and compared with the JSON output.
//!
//! cfn-lint comes from the Python venv `make venv` creates (`$ECS_TEST_VENV`, default `<workspace>/.venv`).
//! Without it this test fails: a CI that silently skipped the check would prove nothing.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// cfn-lint's exit code is a bit set: 2 = errors, 4 = warnings, 8 = informational.
const ERROR_BIT: i32 = 2;
const WARNING_BIT: i32 = 4;
const INFO_BIT: i32 = 8;

/// How many generated projects are linted along with the written ones.
const GENERATED_PROJECTS: usize = 40;

fn cfn_lint() -> PathBuf {
    let venv = std::env::var_os("ECS_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::workspace_root().join(".venv"));
    let exe = venv.join("bin/cfn-lint");
    assert!(
        exe.is_file(),
        "cfn-lint not found at {}: run `make venv` (or set ECS_TEST_VENV to a venv with cfn-lint)",
        exe.display()
    );
    exe
}

/// A template to lint: where it came from and the file it was written to.
struct Source {
    origin: String,
    file: PathBuf,
    /// For a generated project, the project as compose YAML, to reproduce a failure.
    project: Option<String>,
}

#[test]
fn every_template_passes_cfn_lint() {
    let exe = cfn_lint();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut sources = Vec::new();
    let mut failures = Vec::new();

    // Examples and our own projects must all build: a failure here is a failure of the test.
    for (kind, projects) in [
        ("examples", common::examples()),
        ("projects", common::test_projects()),
        ("samples", common::samples()),
    ] {
        assert!(!projects.is_empty(), "no {kind} found");
        for (name, path) in projects {
            match common::convert(&path) {
                Ok((_, built)) => sources.push(write(dir.path(), kind, &name, &built)),
                Err(e) => failures.push(format!("{kind}/{name}: {e}")),
            }
        }
    }
    // Fixtures are the loader's test inputs; many are invalid on purpose. Lint those that build.
    let mut fixtures_built = 0;
    for (name, path) in common::compose_fixtures() {
        if let Ok((_, built)) = common::convert(&path) {
            sources.push(write(dir.path(), "fixtures", &name, &built));
            fixtures_built += 1;
        }
    }
    // The biggest project one stack holds: 100 services (limits.rs checks that it builds).
    let (_large, large) = common::load_text(&common::large_compose_file(100, 10, 50));
    match large
        .map_err(|e| e.to_string())
        .and_then(|p| template_builder::build(&p).map_err(|e| e.to_string()))
    {
        Ok(built) => sources.push(write(dir.path(), "large", "100-services", &built)),
        Err(e) => failures.push(format!("large/100-services: {e}")),
    }
    // Generated projects: valid ones (references.rs checks that they build) and wild ones, of which
    // those that build must be as sound.
    let generated = [
        (
            "generated",
            common::generate::fixed_valid_projects(GENERATED_PROJECTS),
        ),
        (
            "generated-wild",
            common::generate::fixed_wild_projects(GENERATED_PROJECTS * 2),
        ),
    ];
    for (kind, projects) in &generated {
        for (index, project) in projects.iter().enumerate() {
            if let Ok(built) = template_builder::build(project) {
                let mut source = write(dir.path(), kind, &format!("{index:03}"), &built);
                source.project = serde_yaml::to_string(project).ok();
                sources.push(source);
            }
        }
    }
    eprintln!(
        "cfn-lint: {} templates ({fixtures_built} from compose-model fixtures)",
        sources.len()
    );

    if !sources.is_empty() {
        failures.extend(lint(&exe, &sources));
        failures.extend(yaml_reads_back_as_json(&exe, &sources));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn write(dir: &Path, kind: &str, name: &str, built: &template_builder::Built) -> Source {
    let file = dir.join(format!("{kind}--{name}.yaml"));
    std::fs::write(&file, template_builder::to_yaml(&built.template))
        .unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    // The JSON output next to it, for the YAML 1.1 read-back check.
    let json = file.with_extension("json");
    std::fs::write(&json, template_builder::to_json(&built.template))
        .unwrap_or_else(|e| panic!("writing {}: {e}", json.display()));
    Source {
        origin: format!("{kind}/{name}"),
        file,
        project: None,
    }
}

/// How many cfn-lint processes share the files: cfn-lint is single-threaded and spends most of its
/// time on each template, so a few processes over chunks of the files finish sooner than one.
fn lint_processes(files: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    cores.clamp(2, 8).min(files).max(1)
}

/// Run cfn-lint on every file, in a few concurrent processes each given a share of the files; return
/// one entry per failing file with all its errors, and one for any process that failed without a
/// finding we could attribute to a file.
fn lint(exe: &Path, sources: &[Source]) -> Vec<String> {
    let processes = lint_processes(sources.len());
    // The largest files first, each to the process with the fewest bytes so far (the 100-service
    // template alone is several seconds of work); each process gets its files in their usual order.
    let size = |index: usize| std::fs::metadata(&sources[index].file).map_or(0, |m| m.len());
    let mut by_size: Vec<usize> = (0..sources.len()).collect();
    by_size.sort_by_key(|&index| std::cmp::Reverse(size(index)));
    let mut chunks: Vec<Vec<usize>> = vec![Vec::new(); processes];
    let mut bytes = vec![0_u64; processes];
    for index in by_size {
        let lightest = (0..processes).min_by_key(|&p| bytes[p]).unwrap_or(0);
        chunks[lightest].push(index);
        bytes[lightest] += size(index);
    }
    for chunk in &mut chunks {
        chunk.sort_unstable();
    }
    let runs: Vec<(Vec<usize>, Output)> = std::thread::scope(|scope| {
        let running: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let output = Command::new(exe)
                        .arg("-f")
                        .arg("parseable")
                        .args(chunk.iter().map(|&index| &sources[index].file))
                        .output()
                        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
                    (chunk, output)
                })
            })
            .collect();
        running
            .into_iter()
            .map(|run| run.join().expect("a cfn-lint run"))
            .collect()
    });

    // parseable: file:line:column:end_line:end_column:rule:message
    let mut errors: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut warnings: Vec<(usize, String)> = Vec::new();
    let mut unattributed = Vec::new();
    for (chunk, output) in &runs {
        let code = output.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut chunk_errors = 0;
        for line in stdout.lines() {
            let Some((index, source)) = chunk
                .iter()
                .map(|&index| (index, &sources[index]))
                .find(|(_, s)| line.starts_with(&format!("{}:", s.file.display())))
            else {
                continue;
            };
            let finding = &line[source.file.display().to_string().len() + 1..];
            let rule = finding.split(':').nth(4).unwrap_or_default();
            let entry = format!("{}:{finding}", source.origin);
            if rule.starts_with('E') {
                errors.entry(index).or_default().push(entry);
                chunk_errors += 1;
            } else {
                warnings.push((index, entry));
            }
        }
        let unexpected = code & !(ERROR_BIT | WARNING_BIT | INFO_BIT);
        if unexpected != 0 || (code & ERROR_BIT != 0 && chunk_errors == 0) {
            unattributed.push(format!(
                "cfn-lint exited with {code} without a finding we could attribute to a file:\nstdout:\n{stdout}\nstderr:\n{stderr}"
            ));
        }
    }
    if !warnings.is_empty() {
        // In the order of the files, as one process would have printed them.
        warnings.sort_by_key(|(index, _)| *index);
        let warnings: Vec<String> = warnings.into_iter().map(|(_, entry)| entry).collect();
        eprintln!(
            "cfn-lint warnings (not failures):\n  {}",
            warnings.join("\n  ")
        );
    }

    let mut failures: Vec<String> = errors
        .into_iter()
        .map(|(index, lines)| {
            let source = &sources[index];
            let mut failure = format!(
                "{}: {} error(s)\n    {}",
                source.origin,
                lines.len(),
                lines.join("\n    ")
            );
            if let Some(project) = &source.project {
                failure.push_str(&format!(
                    "\n  generated project:\n    {}",
                    project.trim_end().replace('\n', "\n    ")
                ));
            }
            failure
        })
        .collect();
    failures.extend(unattributed);
    failures
}

/// Read every YAML template back with PyYAML (YAML 1.1, the dialect CloudFormation parses, installed
/// with cfn-lint) and compare it with the JSON output of the same template: quoting, escaping and
/// indentation of `to_yaml` must never change a value.
fn yaml_reads_back_as_json(cfn_lint: &Path, sources: &[Source]) -> Vec<String> {
    const SCRIPT: &str = r#"
import json, sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        from_yaml = yaml.safe_load(f)
    with open(path[:-len(".yaml")] + ".json") as f:
        from_json = json.load(f)
    if from_yaml != from_json:
        def first_difference(a, b, at=""):
            if type(a) != type(b) or not isinstance(a, (dict, list)):
                return at if a != b else None
            keys = sorted(set(a) | set(b)) if isinstance(a, dict) else range(max(len(a), len(b)))
            for k in keys:
                try:
                    d = first_difference(a[k], b[k], f"{at}.{k}")
                except (KeyError, IndexError):
                    return f"{at}.{k} (missing on one side)"
                if d:
                    return d
            return None
        print(f"{path}\t{first_difference(from_yaml, from_json)}")
"#;
    let python = cfn_lint.with_file_name("python");
    let output = Command::new(&python)
        .arg("-c")
        .arg(SCRIPT)
        .args(sources.iter().map(|s| &s.file))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    if !output.status.success() {
        return vec![format!(
            "reading the YAML back with PyYAML failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )];
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let (file, at) = line.split_once('\t').unwrap_or((line, "?"));
            let origin = sources
                .iter()
                .find(|s| s.file.display().to_string() == file)
                .map_or(file, |s| s.origin.as_str());
            format!("{origin}: the YAML output reads back differently from the JSON output at {at}")
        })
        .collect()
}
