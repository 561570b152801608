//! The integration tests of the loader as one test binary, so that an edit relinks one binary rather
//! than one per file. Each module is one concern; its own summary says which.

mod bombs;
mod dollars;
mod extensions;
mod fixtures;
mod no_panic;
mod stdin;
