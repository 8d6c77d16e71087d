//! # reports: what a run leaves on disk
//!
//! Writers for the outputs of DESIGN.md, and `fill.csv` of fill experiments. Every file is
//! written atomically (temporary name, then rename), so a reader or a crashed run never leaves
//! half a file.

pub mod atomic;
pub mod fill_file;
pub mod number;
pub mod run_files;

pub use atomic::write_atomic;
pub use fill_file::{FILL_COLUMNS, write_fill_file};
pub use run_files::{SummaryFile, write_run_files};
