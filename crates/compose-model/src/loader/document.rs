//! Reading one compose file into a canonical document: YAML parse (anchors, `<<` merge keys, tags
//! kept), interpolation, short to long syntax, relative paths; then its `include` and `extends`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::interpolate::{interpolate, UnsetVariables};
use super::limits::{self, Checked};
use super::locate::Locator;
use super::value::kind;
use super::{canonical, discovery, extends, include, origins, paths};
use crate::{Error, LoadOptions, Location};

/// State shared by every file of one load.
pub(crate) struct Loader<'o> {
    pub(crate) options: &'o LoadOptions,
    pub(crate) locator: Locator,
    pub(crate) unset: UnsetVariables,
    pub(crate) warnings: Vec<String>,
    /// Files already read (`extends` of several services from one file reads it once).
    texts: BTreeMap<PathBuf, String>,
}

impl<'o> Loader<'o> {
    pub(crate) fn new(options: &'o LoadOptions) -> Self {
        Loader {
            options,
            locator: Locator::default(),
            unset: UnsetVariables::default(),
            warnings: Vec::new(),
            texts: BTreeMap::new(),
        }
    }

    pub(crate) fn warn(&mut self, warning: String) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    fn read(&mut self, file: &Path) -> Result<String, Error> {
        if let Some(text) = self.texts.get(file) {
            return Ok(text.clone());
        }
        let text = if discovery::is_stdin(file) {
            limits::read_bounded(file, std::io::stdin().lock())?
        } else {
            let opened = std::fs::File::open(file).map_err(|error| Error::Io {
                file: file.to_path_buf(),
                error,
            })?;
            limits::read_bounded(file, opened)?
        };
        self.locator.add(file, &text);
        self.texts.insert(file.to_path_buf(), text.clone());
        Ok(text)
    }

    /// Parse, interpolate, canonicalise and resolve the paths of `file` (relative to `base_dir`).
    pub(crate) fn prepare(
        &mut self,
        file: &Path,
        env: &BTreeMap<String, String>,
        base_dir: &Path,
    ) -> Result<Value, Error> {
        let text = self.read(file)?;
        let mut doc = parse(file, &text)?;
        if self.options.interpolate {
            interpolate(&mut doc, env, &mut self.unset)
                .map_err(|e| self.locator.error_in(file, &e.path, e.message))?;
        }
        if let Some(source) = self.locator.source_index(file) {
            origins::stamp(&mut doc, source);
        }
        canonical::canonicalize(&mut doc)
            .map_err(|(path, message)| self.locator.error_in(file, &path, message))?;
        paths::resolve(&mut doc, base_dir, env.get("HOME").map(String::as_str));
        Ok(doc)
    }

    /// A file of the project (a `-f` file or an included one): prepared, with its `include` and
    /// `extends` applied. `stack` holds the files being included, to catch include cycles.
    pub(crate) fn main_document(
        &mut self,
        file: &Path,
        env: &BTreeMap<String, String>,
        base_dir: &Path,
        stack: &mut Vec<PathBuf>,
    ) -> Result<Value, Error> {
        let mut doc = self.prepare(file, env, base_dir)?;
        include::apply(self, &mut doc, file, base_dir, env, stack)?;
        extends::apply(self, &mut doc, file, base_dir, env)?;
        Ok(doc)
    }
}

/// YAML text to a document: a mapping at the top, merge keys applied.
pub(crate) fn parse(file: &Path, text: &str) -> Result<Value, Error> {
    // Bombs and absurd nesting are refused before serde_yaml expands anything.
    limits::check_flow_depth(file, text)?;
    if limits::needs_check(text) {
        if let Checked::Unparsed = limits::check(file, text)? {
            limits::count(file, text)?;
        }
    }
    let mut doc: Value = serde_yaml::from_str(text).map_err(|e| {
        Error::invalid(
            Location {
                file: file.to_path_buf(),
                path: String::new(),
                line: e.location().map(|l| l.line()),
            },
            format!("invalid YAML: {e}"),
        )
    })?;
    doc.apply_merge().map_err(|e| {
        Error::invalid(
            Location {
                file: file.to_path_buf(),
                path: String::new(),
                line: None,
            },
            format!("invalid `<<` merge key: {e}"),
        )
    })?;
    match &doc {
        Value::Mapping(_) => Ok(doc),
        Value::Null => Err(Error::invalid(
            Location {
                file: file.to_path_buf(),
                ..Default::default()
            },
            "the file is empty: a compose file needs at least `services:`",
        )),
        other => Err(Error::invalid(
            Location {
                file: file.to_path_buf(),
                line: Some(1),
                ..Default::default()
            },
            format!("the top level must be a mapping, not {}", kind(other)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_the_line() {
        let err = parse(Path::new("c.yaml"), "services:\n  web:\n    image: [a\n").unwrap_err();
        match err {
            Error::Invalid { location, message } => {
                assert!(location.line.is_some());
                assert!(message.starts_with("invalid YAML"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn merge_keys_are_applied() {
        let doc = parse(
            Path::new("c.yaml"),
            "x-base: &base\n  image: a\n  restart: always\nservices:\n  web:\n    <<: *base\n    image: b\n",
        )
        .unwrap();
        assert_eq!(doc["services"]["web"]["image"], Value::from("b"));
        assert_eq!(doc["services"]["web"]["restart"], Value::from("always"));
    }

    #[test]
    fn absurd_nesting_is_refused_where_the_parser_would_stop() {
        let text = format!("a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let err = parse(Path::new("c.yaml"), &text).unwrap_err().to_string();
        assert!(err.contains("nested more than 128 levels"), "{err}");
        // 128 levels are what serde_yaml builds, so they are not refused.
        let text = format!("a: {}{}\n", "[".repeat(127), "]".repeat(127));
        assert!(parse(Path::new("c.yaml"), &text).is_ok());
    }

    #[test]
    fn top_level_must_be_a_mapping() {
        let error = |text: &str| parse(Path::new("c.yaml"), text).unwrap_err().to_string();
        assert_eq!(
            error("- a\n"),
            "c.yaml:1: the top level must be a mapping, not a list"
        );
        assert_eq!(
            error(""),
            "c.yaml: the file is empty: a compose file needs at least `services:`"
        );
        assert!(parse(Path::new("c.yaml"), "a: 1\n---\nb: 2\n").is_err());
    }
}
