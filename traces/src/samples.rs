//! Real traces embedded in the binary, so the demo and the examples run from any directory.
//! Each is a byte-exact copy of a file under `traces/data/`, with its SOURCE.md beside it.
//! Scenarios refer to one as `trace = "sample:NAME"`.

/// An embedded trace.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// The name after `sample:`.
    pub name: &'static str,
    /// Where the file lives in the repository.
    pub path: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
}

/// Every embedded trace.
pub const SAMPLES: &[Sample] = &[Sample {
    name: "philly",
    path: "traces/data/philly-rfold/philly_trace.csv",
    summary: "Microsoft Philly 2017, 111,549 DNN jobs over 129 days (CC BY 4.0; Jeon et al., ATC '19)",
    bytes: include_bytes!("../data/philly-rfold/philly_trace.csv"),
}];

/// The embedded trace called `name`.
pub fn sample(name: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.name == name)
}
