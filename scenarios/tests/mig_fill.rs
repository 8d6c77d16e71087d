//! The FGD fill protocol on MIG GPUs: openb's default pod list (shuffled and inflated to 130 %
//! of the capacity, as `mode = "fill"` does) offered to 128 nodes of 8 A100-80GB GPUs, shared by
//! fractions, cut into MIG instances by each placement rule, or kept in a static layout
//! (`sim_core::sharing::mig::fill`).
//! Run with `--nocapture` for the table docs/gpu-sharing.md quotes.

use std::path::Path;

use scenarios::build::{build_cluster, open_workload};
use scenarios::load_str;
use sim_core::sharing::mig::fill::{Fill, FillSharing};
use sim_core::sharing::mig::{MigMix, MigPlacement, model, profile_for_milli};
use traces::fill::fill_workload;

const NODES: usize = 128;
const GPUS_PER_NODE: usize = 8;

/// The pods of the fill, in offer order, as (devices, milli per device).
fn pods(seed: u64) -> Vec<(u32, u32)> {
    let text = format!(
        "name = \"mig-fill\"\nseed = {seed}\n[cluster]\nracks = 16\nnodes_per_rack = 8\n\
         node = {{ gpus = 8, gpu_type = \"A100-80GB\" }}\n[workload]\n\
         trace = \"../traces/data/alibaba-openb-gpu-v2023/openb_pod_list_default.csv\"\nmode = \"fill\"\n"
    );
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    let loaded = load_str(&text, "mig-fill.toml", Some(base), &[]).unwrap();
    let cluster = build_cluster(&loaded).unwrap();
    let mut source = open_workload(&loaded, &cluster).unwrap();
    let fill = fill_workload(&mut *source, seed, cluster.total_gpu_milli(), 1.3, 1_000_000).unwrap();
    fill.source
        .map(|spec| spec.unwrap().task)
        .filter(|t| t.gpus > 0)
        .map(|t| (t.gpus, t.milli_per_gpu))
        .collect()
}

/// A static layout of every node, chosen by hand after openb's mix (mostly whole-GPU pods and
/// shares above 4/7, then 4g and 3g): six whole GPUs, a 4g + 3g and a 4g + 2g + 1g.
const STATIC: [&[(&str, u8)]; GPUS_PER_NODE] = [
    &[("7g.80gb", 0)],
    &[("7g.80gb", 0)],
    &[("7g.80gb", 0)],
    &[("7g.80gb", 0)],
    &[("7g.80gb", 0)],
    &[("7g.80gb", 0)],
    &[("4g.40gb", 0), ("3g.40gb", 4)],
    &[("4g.40gb", 0), ("2g.20gb", 4), ("1g.10gb", 6)],
];

/// Allocation (placed ÷ capacity) when arrived demand first reaches 100 % of the capacity, and
/// at the end; MIG slices held ÷ slices at the end.
fn fill(pods: &[(u32, u32)], sharing: FillSharing, mix: &MigMix) -> (f64, f64, f64) {
    let m = model("A100-80GB").unwrap();
    let mut fill = match sharing {
        FillSharing::MigStatic(rule) => Fill::with_layouts(m, NODES, &STATIC, rule, mix.clone()).unwrap(),
        _ => Fill::new(m, NODES, GPUS_PER_NODE, sharing, mix.clone()),
    };
    let capacity = fill.capacity_milli() as f64;
    let mut at_100 = None;
    for &(gpus, milli) in pods {
        fill.offer(gpus, milli);
        if at_100.is_none() && fill.state().arrived_milli as f64 >= capacity {
            at_100 = Some(fill.state().placed_milli as f64 / capacity);
        }
    }
    let end = fill.state();
    (
        at_100.unwrap(),
        end.placed_milli as f64 / capacity,
        end.slices_held as f64 / fill.slices() as f64,
    )
}

#[test]
fn mig_fills_openb_less_than_fractions_and_frag_aware_fills_most_of_mig() {
    let m = model("A100-80GB").unwrap();
    let pods = pods(42);
    // The typical profiles: every pod's profile (whole-GPU pods: the 7g), counted.
    let mut counts = vec![0u64; m.profiles.len()];
    for &(_, milli) in &pods {
        counts[m.profile(profile_for_milli(m, milli).name).unwrap().0] += 1;
    }
    let mix = MigMix::new(counts.iter().copied().enumerate());
    let rows = [
        ("fraction (best fit)", FillSharing::Fraction),
        ("MIG first-fit", FillSharing::Mig(MigPlacement::FirstFit)),
        ("MIG best-fit", FillSharing::Mig(MigPlacement::BestFit)),
        ("MIG frag-aware", FillSharing::Mig(MigPlacement::FragAware)),
        (
            "MIG static layout, best-fit",
            FillSharing::MigStatic(MigPlacement::BestFit),
        ),
        (
            "MIG static layout, frag-aware",
            FillSharing::MigStatic(MigPlacement::FragAware),
        ),
    ];
    println!("| sharing | allocation at 100 % arrived | at 130 % | MIG slices held |");
    let mut results = Vec::new();
    for (name, sharing) in rows {
        let (at_100, end, slices) = fill(&pods, sharing, &mix);
        let slices = if sharing == FillSharing::Fraction {
            "–".to_string()
        } else {
            format!("{slices:.3}")
        };
        println!("| {name} | {at_100:.3} | {end:.3} | {slices} |");
        results.push(end);
    }
    // Fractions never round a pod up, so they place at least as much as any MIG rule.
    for &mig in &results[1..] {
        assert!(results[0] >= mig, "{results:?}");
    }
    // Placing by fragmentation does at least as well as first-fit here, and creating instances
    // where pods go fills more than any fixed layout.
    assert!(results[3] >= results[1], "{results:?}");
    assert!(results[4] < results[1] && results[5] < results[1], "{results:?}");
}
