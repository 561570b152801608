//! The integration tests of the template builder as one test binary, so that an edit relinks one
//! binary rather than one per file. Each module is one concern (its own summary says which);
//! `common` is what they share: where the examples and test projects are, and how to load them.

mod common;

mod cfn_lint;
mod examples;
mod limits;
mod projects;
mod references;
mod refused;
mod yaml_output;
