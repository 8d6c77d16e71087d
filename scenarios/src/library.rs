//! The incident library: scenarios that reproduce well-known incidents, embedded in the
//! program so that `clustersim run library:NAME` works from any folder. Each file starts with
//! a paragraph of comments telling its story; `clustersim scenarios` lists them.

/// One library scenario.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The name after `library:`.
    pub name: &'static str,
    /// The scenario file.
    pub text: &'static str,
}

impl Entry {
    /// The first line of its story (the title comment), without the `# `.
    pub fn title(&self) -> &'static str {
        self.text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .unwrap_or(self.name)
    }
}

/// The [`Entry`] of `library/NAME.toml`.
macro_rules! entry {
    ($name:literal) => {
        Entry {
            name: $name,
            text: include_str!(concat!("../library/", $name, ".toml")),
        }
    };
}

/// The name (`NAME.csv`) and text of `library/traces/NAME.csv`.
macro_rules! trace {
    ($name:literal) => {
        (
            concat!($name, ".csv"),
            include_str!(concat!("../library/traces/", $name, ".csv")),
        )
    };
}

/// Every library scenario, in the order `clustersim scenarios` lists them.
pub const LIBRARY: [Entry; 11] = [
    entry!("cascading-failure"),
    entry!("preemption-paradox"),
    entry!("thermal-throttle"),
    entry!("tor-failure"),
    entry!("pdu-trip"),
    entry!("spot-reclaim"),
    entry!("llama3-54d"),
    entry!("checkpoint-interval"),
    entry!("ettr-vs-size"),
    entry!("gpu-sharing"),
    entry!("spares-and-lemons"),
];

/// Traces the library scenarios read as `library:NAME.csv`.
pub const TRACES: [(&str, &str); 9] = [
    trace!("cascading-failure"),
    trace!("preemption-paradox"),
    trace!("llama3-54d"),
    trace!("checkpoint-interval"),
    trace!("gpus-1k"),
    trace!("gpus-16k"),
    trace!("gpus-64k"),
    trace!("gpus-128k"),
    trace!("spares-and-lemons"),
];

/// The library scenario called `name`.
pub fn scenario(name: &str) -> Option<&'static Entry> {
    LIBRARY.iter().find(|e| e.name == name)
}

/// The library trace called `name`.
pub fn trace(name: &str) -> Option<&'static str> {
    TRACES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The names of the library scenarios, comma-separated (for error messages).
pub fn names() -> String {
    LIBRARY.iter().map(|e| e.name).collect::<Vec<_>>().join(", ")
}
