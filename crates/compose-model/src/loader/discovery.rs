//! Which compose files to load: `-f` files, else COMPOSE_FILE, else the first of compose.yaml,
//! compose.yml, docker-compose.yaml, docker-compose.yml found in the working directory or a parent,
//! plus its override file next to it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::Error;

const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// `-` stands for standard input.
pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The files to load, absolute, in merge order. `-f` and COMPOSE_FILE paths are relative to
/// `working_dir`; discovery starts in `discover_from` (`--project-directory` when given, as
/// compose-go looks in its working directory).
pub(crate) fn compose_files(
    files: &[PathBuf],
    environment: &BTreeMap<String, String>,
    working_dir: &Path,
    discover_from: &Path,
) -> Result<Vec<PathBuf>, Error> {
    if !files.is_empty() {
        return Ok(files
            .iter()
            .map(|f| {
                if is_stdin(f) {
                    f.clone()
                } else {
                    absolute(working_dir, f)
                }
            })
            .collect());
    }
    if let Some(list) = environment.get("COMPOSE_FILE").filter(|s| !s.is_empty()) {
        let separator = environment
            .get("COMPOSE_PATH_SEPARATOR")
            .and_then(|s| s.chars().next())
            .unwrap_or(':');
        return Ok(list
            .split(separator)
            .filter(|s| !s.is_empty())
            .map(|f| absolute(working_dir, Path::new(f)))
            .collect());
    }
    discover(discover_from)
}

fn discover(working_dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut dir = Some(working_dir);
    while let Some(d) = dir {
        if let Some(main) = DEFAULT_FILES
            .iter()
            .map(|n| d.join(n))
            .find(|p| p.is_file())
        {
            let mut files = vec![main];
            if let Some(o) = OVERRIDE_FILES
                .iter()
                .map(|n| d.join(n))
                .find(|p| p.is_file())
            {
                files.push(o);
            }
            return Ok(files);
        }
        dir = d.parent();
    }
    Err(Error::NotFound {
        searched: working_dir.to_path_buf(),
    })
}

/// `base/path`, with `.` and `..` resolved lexically (like Go's filepath.Join + Clean).
pub(crate) fn absolute(base: &Path, path: &Path) -> PathBuf {
    clean(&base.join(path))
}

pub(crate) fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn finds_compose_yaml_and_its_override_in_a_parent() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("docker-compose.yml"), "services: {}").unwrap();
        fs::write(dir.path().join("compose.yaml"), "services: {}").unwrap();
        fs::write(dir.path().join("compose.override.yml"), "services: {}").unwrap();
        let sub = dir.path().join("a/b");
        fs::create_dir_all(&sub).unwrap();
        let files = compose_files(&[], &BTreeMap::new(), &sub, &sub).unwrap();
        assert_eq!(
            files,
            vec![
                dir.path().join("compose.yaml"),
                dir.path().join("compose.override.yml")
            ]
        );
    }

    #[test]
    fn compose_file_variable_splits_on_colon() {
        let env: BTreeMap<String, String> =
            [("COMPOSE_FILE".to_string(), "a.yaml:sub/b.yaml".to_string())].into();
        let files = compose_files(&[], &env, Path::new("/w"), Path::new("/w")).unwrap();
        assert_eq!(
            files,
            vec![PathBuf::from("/w/a.yaml"), PathBuf::from("/w/sub/b.yaml")]
        );
    }

    #[test]
    fn explicit_files_win_and_are_made_absolute() {
        let env: BTreeMap<String, String> =
            [("COMPOSE_FILE".to_string(), "x.yaml".to_string())].into();
        let files = compose_files(
            &[PathBuf::from("../c.yaml"), PathBuf::from("-")],
            &env,
            Path::new("/w/d"),
            Path::new("/elsewhere"),
        )
        .unwrap();
        assert_eq!(files, vec![PathBuf::from("/w/c.yaml"), PathBuf::from("-")]);
    }

    #[test]
    fn nothing_found_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        // A parent of the temp dir might hold a compose file: then it must come from outside.
        match discover(dir.path()) {
            Err(e) => assert!(e.to_string().contains("no configuration file provided")),
            Ok(files) => assert!(!files[0].starts_with(dir.path())),
        }
    }

    #[test]
    fn clean_resolves_dots() {
        assert_eq!(clean(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(
            absolute(Path::new("/p"), Path::new("./x")),
            PathBuf::from("/p/x")
        );
    }
}
