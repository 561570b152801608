//! Load errors: always name the file and the path in the document (`services.web.ports[1]`), with the
//! line where the YAML parser knows it.

use std::fmt;
use std::path::PathBuf;

/// Where in the input an error is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: PathBuf,
    /// Dotted path with indices: `services.web.ports[1]`. Empty for whole-file errors.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No compose file was given or found.
    #[error("no configuration file provided: not found (looked for compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml in {searched} and its parents)")]
    NotFound { searched: PathBuf },
    /// A file that cannot be read: the file and the OS error in one line. The OS error is not the
    /// error's source as well, or a printer of causes would show it twice.
    #[error("{}: {error}", file.display())]
    Io {
        file: PathBuf,
        error: std::io::Error,
    },
    /// Anything wrong with the content, at a location.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    /// A problem that concerns the project as a whole (invalid project name, ...).
    #[error("{0}")]
    Project(String),
}

impl Error {
    pub fn invalid(location: Location, message: impl Into<String>) -> Self {
        Error::Invalid {
            location,
            message: message.into(),
        }
    }
}
