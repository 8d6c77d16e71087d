//! The why-log in words: wait reasons, times of day and lengths of time as `why` prints them.

/// Parameters that name what a job waits for; spans whose reason and these agree are one wait.
const IDENTITY: [&str; 8] = ["head", "job", "until_s", "queue", "rack", "model", "mem_gib", "cpus"];

/// The identifying parameters of `params` (`key=value;…`).
pub(super) fn identity(params: &str) -> String {
    params
        .split(';')
        .filter(|kv| IDENTITY.iter().any(|k| kv.split('=').next() == Some(k)))
        .collect::<Vec<_>>()
        .join(";")
}

/// The value of `key` in `params`.
pub(super) fn param<'p>(params: &'p str, key: &str) -> &'p str {
    params
        .split(';')
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or("?")
}

use super::Heads;

/// A numeric parameter of the rows a wait stands for (one that does not identify it, as the
/// free GPUs of `too-few-free`): its key, and its smallest and largest value over the rows.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Number {
    key: String,
    low: f64,
    high: f64,
}

/// The numeric parameters of `params` that do not identify a wait.
pub(super) fn numbers(params: &str) -> Vec<Number> {
    params
        .split(';')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(key, _)| !IDENTITY.contains(key))
        .filter_map(|(key, value)| {
            let value: f64 = value.parse().ok()?;
            Some(Number {
                key: key.to_string(),
                low: value,
                high: value,
            })
        })
        .collect()
}

/// `numbers` widened to hold those of `more`, key by key.
pub(super) fn widen(numbers: &mut Vec<Number>, more: Vec<Number>) {
    for number in more {
        match numbers.iter_mut().find(|n| n.key == number.key) {
            Some(n) => {
                n.low = n.low.min(number.low);
                n.high = n.high.max(number.high);
            }
            None => numbers.push(number),
        }
    }
}

/// The value of `key` among `numbers`: `2`, or `2 to 7` when it varied; `?` without it.
fn number(numbers: &[Number], key: &str) -> String {
    match numbers.iter().find(|n| n.key == key) {
        Some(n) if n.low == n.high => n.low.to_string(),
        Some(n) => format!("{} to {}", n.low, n.high),
        None => "?".to_string(),
    }
}

/// `one` when the largest value of `key` among `numbers` is at most 1, else `many`.
fn plural<'w>(numbers: &[Number], key: &str, one: &'w str, many: &'w str) -> &'w str {
    match numbers.iter().find(|n| n.key == key) {
        Some(n) if n.high <= 1.0 => one,
        _ => many,
    }
}

/// The GPU models of a `model` parameter in words: nothing for `any`, else ` of GPU model A100`
/// (several joined by ` or `).
fn of_model(params: &str) -> String {
    match param(params, "model") {
        "any" => String::new(),
        models => format!(" of GPU model {}", models.replace('|', " or ")),
    }
}

/// A wait reason in words, with the identifying parameters `params` and the ranges of the
/// others, `numbers`; `heads` are the jobs a wait `behind-head` was behind, in turn.
pub(super) fn words(reason: &str, params: &str, numbers: &[Number], heads: &Heads) -> String {
    let n = |key: &str| number(numbers, key);
    match reason {
        "no-node-fits" => {
            let mut text = format!(
                "no node{} had room for one task of {} {} (most free on a node: {})",
                of_model(params),
                n("gpus"),
                plural(numbers, "gpus", "GPU", "GPUs"),
                n("best_free")
            );
            let value = |key: &str| numbers.iter().find(|x| x.key == key);
            if let (Some(need), Some(free)) = (value("gpus"), value("best_free"))
                && free.low >= need.high
            {
                // Enough by amount on some node, every round: the shape refused it.
                text.push_str(
                    ": enough by amount, but not in a shape the task can take (a share within one \
                     device, or a MIG instance at a start its profile allows)",
                );
            }
            text
        }
        "no-node-fits-memory" => format!(
            "no node{} with room for one task's GPUs had the {} GiB of memory it needs (most free on such a node: {} GiB)",
            of_model(params),
            param(params, "mem_gib"),
            n("best_free")
        ),
        "no-node-fits-cpus" => format!(
            "no node{} with room for one task's GPUs and memory had the {} CPU cores it needs (most free on such a node: {})",
            of_model(params),
            param(params, "cpus"),
            n("best_free")
        ),
        "too-few-free" => format!(
            "the cluster had too few free GPUs in total ({} free of the {} needed)",
            n("free"),
            n("needed")
        ),
        "behind-head" => behind(heads),
        "reservation" => {
            let until = param(params, "until_s").parse().map_or_else(|_| "?".to_string(), clock);
            format!(
                "blocked by the reservation of job {} (starting {until})",
                param(params, "job")
            )
        }
        "over-quota" => format!("over the quota of queue {}", param(params, "queue")),
        "power-budget" => format!("refused by the power budget of rack {}", param(params, "rack")),
        "no-model-up" => format!("no node{} was up", of_model(params)),
        "gang-not-co-placed" => format!(
            "its {} tasks could not all be placed at once (a single task fit on {} {})",
            n("tasks"),
            n("nodes_fitting"),
            plural(numbers, "nodes_fitting", "node", "nodes")
        ),
        "too-few-victims" => format!(
            "preemption found too few victims (preempting its {} {} would not make room)",
            n("candidates"),
            plural(numbers, "candidates", "candidate", "candidates")
        ),
        other => other.to_string(),
    }
}

/// Waiting behind the heads of the queue, in turn: each named when there are one or two (two
/// that took more than a turn each as alternating), else how many, the first and the last.
fn behind(heads: &Heads) -> String {
    let Heads {
        first,
        last,
        count,
        turns,
    } = heads;
    match (count, turns) {
        (0 | 1, _) => format!("blocked behind the head job {first}"),
        (2, 0..=2) => format!("blocked behind the head jobs {first}, {last} in turn"),
        (2, _) if first != last => {
            format!("blocked behind the head jobs {first} and {last} alternately ({turns} turns)")
        }
        (2, _) => format!("blocked behind the head job {first} and one other alternately ({turns} turns)"),
        _ if turns > count => format!("blocked behind {count} head jobs in {turns} turns ({first} first, {last} last)"),
        _ => format!("blocked behind {count} head jobs in turn ({first} first, {last} last)"),
    }
}

/// Seconds from the start as `hh:mm:ss`, with days in front when there are any (`2d 03:10:00`).
pub(super) fn clock(s: f64) -> String {
    let total = s.max(0.0).round() as u64;
    let (d, rest) = (total / 86_400, total % 86_400);
    let hms = format!("{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    if d > 0 { format!("{d}d {hms}") } else { hms }
}

/// A length of time in the largest fitting unit (`95 s`, `12.5 min`, `3.2 h`, `1.5 d`).
pub(super) fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}
