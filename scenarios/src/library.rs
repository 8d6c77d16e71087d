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

/// Every library scenario, in the order `clustersim scenarios` lists them.
pub const LIBRARY: [Entry; 11] = [
    Entry {
        name: "cascading-failure",
        text: include_str!("../library/cascading-failure.toml"),
    },
    Entry {
        name: "preemption-paradox",
        text: include_str!("../library/preemption-paradox.toml"),
    },
    Entry {
        name: "thermal-throttle",
        text: include_str!("../library/thermal-throttle.toml"),
    },
    Entry {
        name: "tor-failure",
        text: include_str!("../library/tor-failure.toml"),
    },
    Entry {
        name: "pdu-trip",
        text: include_str!("../library/pdu-trip.toml"),
    },
    Entry {
        name: "spot-reclaim",
        text: include_str!("../library/spot-reclaim.toml"),
    },
    Entry {
        name: "llama3-54d",
        text: include_str!("../library/llama3-54d.toml"),
    },
    Entry {
        name: "checkpoint-interval",
        text: include_str!("../library/checkpoint-interval.toml"),
    },
    Entry {
        name: "ettr-vs-size",
        text: include_str!("../library/ettr-vs-size.toml"),
    },
    Entry {
        name: "gpu-sharing",
        text: include_str!("../library/gpu-sharing.toml"),
    },
    Entry {
        name: "spares-and-lemons",
        text: include_str!("../library/spares-and-lemons.toml"),
    },
];

/// Traces the library scenarios read as `library:NAME.csv`.
pub const TRACES: [(&str, &str); 9] = [
    (
        "cascading-failure.csv",
        include_str!("../library/traces/cascading-failure.csv"),
    ),
    (
        "preemption-paradox.csv",
        include_str!("../library/traces/preemption-paradox.csv"),
    ),
    ("llama3-54d.csv", include_str!("../library/traces/llama3-54d.csv")),
    (
        "checkpoint-interval.csv",
        include_str!("../library/traces/checkpoint-interval.csv"),
    ),
    ("gpus-1k.csv", include_str!("../library/traces/gpus-1k.csv")),
    ("gpus-16k.csv", include_str!("../library/traces/gpus-16k.csv")),
    ("gpus-64k.csv", include_str!("../library/traces/gpus-64k.csv")),
    ("gpus-128k.csv", include_str!("../library/traces/gpus-128k.csv")),
    (
        "spares-and-lemons.csv",
        include_str!("../library/traces/spares-and-lemons.csv"),
    ),
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
