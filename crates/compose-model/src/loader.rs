//! Placeholder: the loader is being written.
use crate::{Error, LoadOptions, Loaded};

pub(crate) fn load(_options: &LoadOptions) -> Result<Loaded, Error> {
    Err(Error::Project(
        "the compose loader is not implemented yet".into(),
    ))
}
