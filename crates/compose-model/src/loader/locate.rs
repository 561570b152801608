//! Turning a document path into an error location: which file, which line.
//!
//! After several files are merged a path may come from any of them; the last file that has the
//! path (or its closest ancestor) is named, since later files override earlier ones.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use super::origins::Origin;
use super::positions::Positions;
use crate::{Error, Location};

#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) file: PathBuf,
    text: String,
    positions: OnceCell<Positions>,
}

impl Source {
    pub(crate) fn new(file: PathBuf, text: String) -> Self {
        Source {
            file,
            text,
            positions: OnceCell::new(),
        }
    }

    fn positions(&self) -> &Positions {
        self.positions.get_or_init(|| Positions::of(&self.text))
    }
}

/// The sources an error may point into, in load order. Kept with the loaded project, so that
/// problems found after loading (a project `convert` cannot deploy) name a file and line too.
#[derive(Default, Debug, Clone)]
pub struct Locator {
    sources: Vec<Source>,
    /// Where the entries of the merged document's lists were written.
    origins: Vec<Origin>,
}

impl Locator {
    pub(crate) fn add(&mut self, file: &Path, text: &str) {
        self.sources
            .push(Source::new(file.to_path_buf(), text.to_string()));
    }

    /// The index of `file` among the sources, once it has been read.
    pub(crate) fn source_index(&self, file: &Path) -> Option<usize> {
        self.sources.iter().rposition(|s| s.file == file)
    }

    /// Where the entries of the merged document's lists were written: errors about an entry, or
    /// about anything under it, then name that file, its index there and its line.
    pub(crate) fn set_origins(&mut self, origins: Vec<Origin>) {
        self.origins = origins;
    }

    /// The location of a path under a list entry whose origin is known.
    fn written_location(&self, path: &str) -> Option<Location> {
        let (origin, rest) = self.origins.iter().find_map(|o| {
            let rest = path.strip_prefix(&o.merged)?;
            (rest.is_empty() || rest.starts_with(['.', '['])).then_some((o, rest))
        })?;
        let source = self.sources.get(origin.source)?;
        let written = format!("{}{rest}", origin.written);
        Some(Location {
            file: source.file.clone(),
            line: source.positions().line(&written),
            path: written,
        })
    }

    /// The location of a tracked list as a whole: where its last entry was written (an `extends`
    /// base file, say, when the service's own file has no such list; the override that added to
    /// it, as later files win).
    fn list_location(&self, path: &str) -> Option<Location> {
        let origin = self.origins.iter().rfind(|o| {
            o.merged
                .rsplit_once('[')
                .is_some_and(|(list, _)| list == path)
        })?;
        let source = self.sources.get(origin.source)?;
        let written = origin.written.rsplit_once('[').map(|(list, _)| list)?;
        Some(Location {
            file: source.file.clone(),
            line: source.positions().line(written),
            path: path.to_string(),
        })
    }

    /// The location of `path`, preferring `file` when given (errors found while a single file is read).
    pub(crate) fn location_in(&self, file: Option<&Path>, path: &str) -> Location {
        if let Some(file) = file {
            let line = self
                .sources
                .iter()
                .rev()
                .find(|s| s.file == file)
                .and_then(|s| s.positions().line(path));
            return Location {
                file: file.to_path_buf(),
                path: path.to_string(),
                line,
            };
        }
        if let Some(location) = self
            .written_location(path)
            .or_else(|| self.list_location(path))
        {
            return location;
        }
        // Exact match first, newest file first; then the closest ancestor.
        for source in self.sources.iter().rev() {
            if let Some(line) = source.positions().exact(path) {
                return Location {
                    file: source.file.clone(),
                    path: path.to_string(),
                    line: Some(line),
                };
            }
        }
        let mut best: Option<(usize, &Source, usize)> = None;
        for source in self.sources.iter().rev() {
            if let Some((depth, line)) = ancestor_line(source.positions(), path) {
                if best.is_none_or(|(d, _, _)| depth > d) {
                    best = Some((depth, source, line));
                }
            }
        }
        match best {
            Some((_, source, line)) => Location {
                file: source.file.clone(),
                path: path.to_string(),
                line: Some(line),
            },
            None => Location {
                file: self
                    .sources
                    .first()
                    .map(|s| s.file.clone())
                    .unwrap_or_default(),
                path: path.to_string(),
                line: None,
            },
        }
    }

    /// The file and line where `path` of the merged project (`services.web.ports[1]`) was written:
    /// a list entry where the file that has it wrote it, else the last file with the path or its
    /// closest ancestor.
    pub fn location(&self, path: &str) -> Location {
        self.location_in(None, path)
    }

    /// An error at `path` of the merged document.
    pub(crate) fn error(&self, path: &str, message: impl Into<String>) -> Error {
        Error::invalid(self.location(path), message)
    }

    /// An error at `path` of one file.
    pub(crate) fn error_in(&self, file: &Path, path: &str, message: impl Into<String>) -> Error {
        Error::invalid(self.location_in(Some(file), path), message)
    }
}

/// The line of the closest recorded ancestor and how long its path is (longer is closer).
fn ancestor_line(positions: &Positions, path: &str) -> Option<(usize, usize)> {
    let mut p = path;
    loop {
        if let Some(line) = positions.exact(p) {
            return Some((p.len(), line));
        }
        let cut = p.rfind(['.', '['])?;
        p = &p[..cut];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_last_file_that_has_the_path() {
        let mut l = Locator::default();
        l.add(Path::new("a.yaml"), "services:\n  web:\n    image: x\n");
        l.add(Path::new("b.yaml"), "services:\n  web:\n\n    image: y\n");
        let loc = l.location("services.web.image");
        assert_eq!(loc.file, PathBuf::from("b.yaml"));
        assert_eq!(loc.line, Some(4));
    }

    #[test]
    fn list_entries_are_located_where_they_were_written() {
        let mut l = Locator::default();
        l.add(Path::new("a.yaml"), "services:\n  web:\n    ports: [80]\n");
        l.add(
            Path::new("b.yaml"),
            "services:\n  web:\n    ports:\n      - 81\n      - target: 82\n        publishd: 1\n",
        );
        l.set_origins(vec![Origin {
            merged: "services.web.ports[2]".into(),
            source: 1,
            written: "services.web.ports[1]".into(),
        }]);
        let loc = l.location("services.web.ports[2].publishd");
        assert_eq!(loc.file, PathBuf::from("b.yaml"));
        assert_eq!(loc.path, "services.web.ports[1].publishd");
        assert_eq!(loc.line, Some(6));
        // `ports[20]` is another entry than `ports[2]`.
        assert_eq!(
            l.location("services.web.ports[20]").path,
            "services.web.ports[20]"
        );
    }

    #[test]
    fn a_list_written_only_in_another_file_is_located_there() {
        let mut l = Locator::default();
        l.add(
            Path::new("compose.yaml"),
            "services:\n  web:\n    extends: {file: base.yaml, service: base}\n",
        );
        l.add(
            Path::new("base.yaml"),
            "services:\n  base:\n    image: x\n    devices:\n      - /dev/fuse\n",
        );
        l.set_origins(vec![Origin {
            merged: "services.web.devices[0]".into(),
            source: 1,
            written: "services.base.devices[0]".into(),
        }]);
        let loc = l.location("services.web.devices");
        assert_eq!(loc.file, PathBuf::from("base.yaml"));
        assert_eq!(loc.line, Some(4));
        assert_eq!(loc.path, "services.web.devices");
        // A path that only starts like the list is not the list: the service's own file has it.
        let loc = l.location("services.web.device");
        assert_eq!(
            (loc.file, loc.line),
            (PathBuf::from("compose.yaml"), Some(2))
        );
        // Entries from two files: the later file, which added to the list, is named.
        l.add(
            Path::new("prod.yaml"),
            "services:\n  web:\n\n    devices: [/dev/kvm]\n",
        );
        l.set_origins(vec![
            Origin {
                merged: "services.web.devices[0]".into(),
                source: 1,
                written: "services.base.devices[0]".into(),
            },
            Origin {
                merged: "services.web.devices[1]".into(),
                source: 2,
                written: "services.web.devices[0]".into(),
            },
        ]);
        let loc = l.location("services.web.devices");
        assert_eq!((loc.file, loc.line), (PathBuf::from("prod.yaml"), Some(4)));
        // A path that only starts like the list is not the list.
        assert_eq!(
            l.location("services.web.device").file,
            PathBuf::from("prod.yaml"),
            "the service in the last file, not the list's entries"
        );
    }

    #[test]
    fn falls_back_to_the_deepest_ancestor() {
        let mut l = Locator::default();
        l.add(Path::new("a.yaml"), "services:\n  web:\n    ports: [80]\n");
        l.add(Path::new("b.yaml"), "services:\n  web:\n    image: y\n");
        let loc = l.location("services.web.ports[3]");
        assert_eq!(loc.file, PathBuf::from("a.yaml"));
        assert_eq!(loc.line, Some(3));
    }
}
