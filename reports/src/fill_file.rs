//! `fill.csv`: the allocation curve of a fill experiment, one row per arrived-demand percent.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sim_core::metrics::FillRow;

use crate::atomic::write_atomic;
use crate::number::{float, float_cell};

/// Columns of `fill.csv`, in order.
pub const FILL_COLUMNS: [&str; 7] = [
    "arrived_pct",
    "arrived_demand",
    "gpu_alloc_ratio",
    "pods_arrived",
    "pods_failed",
    "frag_amount",
    "frag_ratio",
];

/// Writes `fill.csv` into `dir` (atomically); returns its path.
pub fn write_fill_file(dir: &Path, rows: &[FillRow]) -> io::Result<PathBuf> {
    let path = dir.join("fill.csv");
    write_atomic(&path, |w| write_fill(w, rows))?;
    Ok(path)
}

/// Writes `fill.csv` rows.
pub fn write_fill(w: &mut impl Write, rows: &[FillRow]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(FILL_COLUMNS)?;
    for row in rows {
        csv.write_record(fill_fields(row))?;
    }
    csv.flush()
}

/// A row's cells, in [`FILL_COLUMNS`] order.
pub(crate) fn fill_fields(row: &FillRow) -> [String; 7] {
    [
        row.arrived_pct.to_string(),
        float(row.arrived_demand),
        float(row.gpu_alloc_ratio),
        row.pods_arrived.to_string(),
        row.pods_failed.to_string(),
        float_cell(row.frag_amount),
        float_cell(row.frag_ratio),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_in_column_order() {
        let row = FillRow {
            arrived_pct: 25,
            arrived_demand: 0.25,
            gpu_alloc_ratio: 1.0 / 3.0,
            pods_arrived: 1,
            pods_failed: 0,
            frag_amount: Some(0.125),
            frag_ratio: None,
        };
        let mut out = Vec::new();
        write_fill(&mut out, &[row]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "arrived_pct,arrived_demand,gpu_alloc_ratio,pods_arrived,pods_failed,frag_amount,frag_ratio\n25,0.25,0.333333,1,0,0.125,\n"
        );
    }
}
