//! `-f -`: a compose file read from standard input. It has no directory of its own, so the project
//! directory is the working directory (compose-go's rule): relative paths resolve there and the
//! project is named after it. The test runs this binary again as a child whose standard input is
//! the file, since a test cannot give its own process a standard input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use compose_model::{load, LoadOptions};

/// Set in the child: the working directory the child loads `-` from.
const CHILD_DIR: &str = "COMPOSE_MODEL_TEST_STDIN_DIR";

const COMPOSE: &str = "services:\n  web:\n    build: ./web\n";

#[test]
fn a_file_from_standard_input_belongs_to_the_working_directory() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        return load_from_stdin(Path::new(&dir));
    }
    let parent = tempfile::tempdir().expect("temporary directory");
    let dir = parent.path().join("from-stdin");
    std::fs::create_dir(&dir).expect("create the working directory");
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "stdin::a_file_from_standard_input_belongs_to_the_working_directory",
            "--nocapture",
        ])
        .env(CHILD_DIR, &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run this test binary again");
    child
        .stdin
        .take()
        .expect("the child's standard input")
        .write_all(COMPOSE.as_bytes())
        .expect("write the compose file");
    let output = child.wait_with_output().expect("the child ends");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    // The child writes what it loaded once its assertions passed (a filter that matched no
    // test would succeed too).
    let loaded = std::fs::read_to_string(dir.join("loaded")).expect("the child's result");
    assert_eq!(loaded, "from-stdin", "{said}");
}

fn load_from_stdin(dir: &Path) {
    let options = LoadOptions {
        files: vec![PathBuf::from("-")],
        working_dir: dir.to_path_buf(),
        interpolate: true,
        ..Default::default()
    };
    let project = load(&options).expect("the project loads").project;
    assert_eq!(project.working_dir, dir);
    let build = project.services["web"].build.as_ref().expect("a build");
    assert_eq!(build.context, dir.join("web").display().to_string());
    // Standard input is not a file to list.
    assert!(project.compose_files.is_empty());
    std::fs::write(dir.join("loaded"), &project.name).expect("write the result");
}
