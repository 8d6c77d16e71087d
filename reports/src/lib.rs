//! # reports: what runs and sweeps leave on disk
//!
//! Writers for the outputs listed in docs/scenarios.md. Every file is written atomically (temporary name,
//! then rename), so a reader or a crashed run never leaves half a file.
//!
//! - [`run_files`]: `summary.json`, `jobs.csv`, `timeseries.csv` of one run.
//! - [`sweep_table`], [`sweep_manifest`], [`aggregate`]: `sweep.csv`, `sweep.json`,
//!   `aggregate.csv` (mean, standard deviation, 95 % interval per grid point).
//! - [`compare`]: policy comparison with paired differences (`comparison.csv`).
//! - [`charts`], [`html`], [`report`]: PNG and SVG charts and the self-contained `report.html`.
//! - [`check`]: CI gating rules against a baseline.
//! - [`fill_file`]: `fill.csv` of fill (packing) experiments; [`fill_curves`]: a sweep's fill
//!   curves and their summary.
//! - [`run_report`]: charts (heatmaps of rack power, heat and uplink load included) and
//!   `report.html` of single runs.
//! - [`incidents`]: `incidents.csv` and the chart of nodes down and jobs running.
//! - [`timeline`]: `timeline.json`, the whole cluster over time for Perfetto.
//! - [`swf_log`]: `jobs.swf`, the simulated schedule in the Standard Workload Format.
//! - [`error`]: what goes wrong reading results back or writing a report ([`ReportError`]).

// The platform's exp, ln, powf … are allowed here (clippy.toml forbids them elsewhere): charts
// and statistics of finished runs' outputs decide nothing in a simulation, so the last bits
// they may differ by between machines change no run.
#![allow(clippy::disallowed_methods)]

pub mod aggregate;
pub mod atomic;
pub mod bounded;
pub mod charts;
pub mod check;
pub mod compare;
mod csv_row;
pub mod direction;
pub mod error;
pub mod fill_curves;
pub mod fill_file;
pub mod html;
pub mod incidents;
pub mod number;
mod records;
pub mod report;
pub mod run_files;
pub mod run_report;
pub mod story;
pub mod sweep_manifest;
pub mod sweep_table;
pub mod swf_log;
pub mod timeline;

pub use atomic::{is_leftover, remove_leftovers, write_atomic};
pub use error::ReportError;
pub use fill_file::{FILL_COLUMNS, write_fill_file};
pub use run_files::{
    AlsoKept, ExtraMetricValues, JobsCsv, RacksCsv, StreamedFiles, SummaryFile, TimeseriesCsv, write_run_files,
};
