//! The incident story of one run: `incidents.csv` (the run's report draws nodes down and jobs
//! running over time from `timeseries.csv`).

use std::io::{self, Write};

use sim_core::faults::IncidentRow;

/// Columns of `incidents.csv`, in order.
pub const INCIDENT_COLUMNS: [&str; 12] = [
    "id",
    "time_s",
    "component",
    "unit",
    "kind",
    "cause",
    "parent",
    "nodes_down",
    "jobs_killed",
    "jobs_requeued",
    "jobs_failed",
    "end_s",
];

/// Writes `incidents.csv` rows: one per incident, in the order they happened. `parent` is the
/// `id` of the incident a cascade followed from; `end_s` is empty when the units were still
/// failed at the end of the run.
pub fn write_incidents(w: &mut impl Write, rows: &[IncidentRow]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(INCIDENT_COLUMNS)?;
    for (id, row) in rows.iter().enumerate() {
        csv.write_record([
            id.to_string(),
            crate::number::seconds(row.at),
            row.component.to_string(),
            row.unit.clone(),
            row.kind.to_string(),
            row.cause.name().to_string(),
            row.cause.parent().map(|p| p.to_string()).unwrap_or_default(),
            row.nodes_down.to_string(),
            row.jobs_killed.to_string(),
            row.jobs_requeued.to_string(),
            row.jobs_failed.to_string(),
            row.end.map(crate::number::seconds).unwrap_or_default(),
        ])?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::SimTime;
    use sim_core::faults::Cause;

    #[test]
    fn rows_name_the_parent_of_a_cascade() {
        let row = |at, unit: &str, kind: &'static str, cause, end| IncidentRow {
            at: SimTime::from_secs(at),
            component: "node",
            unit: unit.into(),
            kind: kind.into(),
            cause,
            nodes_down: 1,
            jobs_killed: 3,
            jobs_requeued: 2,
            jobs_failed: 1,
            end,
        };
        let rows = [
            row(60, "n0", "node-failure", Cause::Scripted, Some(SimTime::from_secs(120))),
            row(90, "n1", "overload", Cause::Cascade { parent: 0 }, None),
        ];
        let mut out = Vec::new();
        write_incidents(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,time_s,component,unit,kind,cause,parent,nodes_down,jobs_killed,jobs_requeued,jobs_failed,end_s\n\
             0,60.0,node,n0,node-failure,scripted,,1,3,2,1,120.0\n\
             1,90.0,node,n1,overload,cascade,0,1,3,2,1,\n"
        );
    }
}
