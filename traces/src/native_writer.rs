//! Writing jobs as the native CSV (`trace convert`, `trace generate`): every column of the
//! contract, in [`NATIVE_COLUMNS`] order, with values that read back to the same jobs.

use std::io::{self, Write};

use sim_core::job::JobSpec;
use sim_core::resources::MILLI_PER_GPU;

use crate::native::NATIVE_COLUMNS;
use crate::{JobSource, TraceError};

/// Writes every job of `source` to `out` (called `out_name` in errors) as native CSV; returns
/// the number of jobs written. Stops at the source's first error (the caller writes to a
/// temporary file, so a failed conversion leaves no partial output).
pub fn write_native(source: &mut dyn JobSource, out: impl Write, out_name: &str) -> Result<u64, TraceError> {
    let io_error = |e: csv::Error| {
        let reason = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(source) => TraceError::Io {
                file: out_name.into(),
                source,
            },
            _ => TraceError::File {
                file: out_name.into(),
                reason,
            },
        }
    };
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(NATIVE_COLUMNS).map_err(io_error)?;
    let gives_comm = source.gives_comm_fraction();
    let mut jobs = 0;
    for job in source {
        let job = job?;
        let mut row = native_row(&job);
        if !gives_comm && job.comm_fraction == 0.0 {
            // The trace gave no share: left empty, as a native trace says so.
            row[COMM_FRACTION].clear();
        }
        csv.write_record(row).map_err(io_error)?;
        jobs += 1;
    }
    csv.flush().map_err(|source: io::Error| TraceError::Io {
        file: out_name.into(),
        source,
    })?;
    Ok(jobs)
}

/// Where `comm_fraction` is in a row.
const COMM_FRACTION: usize = 14;

/// The fields of one job, in [`NATIVE_COLUMNS`] order. Amounts are written exactly: milli-GPUs
/// as GPUs (`0.25`), milli-CPUs as cores, MiB as GiB (a shortest round-trip decimal, so reading
/// them back gives the same integers).
fn native_row(job: &JobSpec) -> [String; NATIVE_COLUMNS.len()] {
    let task = &job.task;
    let gpus_per_task = if task.is_shared_gpu() && task.mig.is_none() {
        (f64::from(task.milli_per_gpu) / f64::from(MILLI_PER_GPU)).to_string()
    } else {
        task.gpus.to_string()
    };
    [
        job.id.clone(),
        job.submit.to_string(),
        job.duration.to_string(),
        job.tasks.to_string(),
        gpus_per_task,
        (task.cpu_milli as f64 / 1000.0).to_string(),
        (task.mem_mib as f64 / 1024.0).to_string(),
        job.gpu_types.join("|"),
        job.user.clone(),
        job.queue.clone(),
        job.priority.to_string(),
        job.preemptible.to_string(),
        job.checkpoint.to_string(),
        job.requested.to_string(),
        job.comm_fraction.to_string(),
        task.mig.name().unwrap_or_default().to_string(),
    ]
}
