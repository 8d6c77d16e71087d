//! Default physical parameters of GPU models, from docs/models.md §1–3 (with its confidence notes):
//! board power limit and minimum, idle power, relative speed, and the temperature thresholds.
//! Every value is a scenario knob; this table only fills in what a scenario leaves out.

use std::collections::BTreeMap;

/// Physical parameters of one GPU model.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuSpec {
    /// Speed relative to the reference type (A100 = 1), for heterogeneous clusters.
    pub speed: f64,
    /// Board power limit (TDP), in W.
    pub tdp_w: f64,
    /// Lowest board power cap the firmware accepts, in W.
    pub min_cap_w: f64,
    /// Power when idle, in W.
    pub idle_w: f64,
    /// Temperature at which firmware starts capping power ("max operating"), in °C.
    pub max_op_c: f64,
    /// Temperature of the hardware slowdown (clocks halved), in °C.
    pub slowdown_c: f64,
    /// Temperature at which the GPU shuts down, in °C.
    pub shutdown_c: f64,
    /// Per-GPU node power clip, in W per GPU (the 8-GPU system's maximum ÷ 8), if known.
    pub node_max_w_per_gpu: Option<f64>,
}

/// The catalog: (model name, parameters). Names are the keys of docs/models.md §1.
pub fn catalog() -> Vec<(&'static str, GpuSpec)> {
    let spec =
        |speed, tdp_w, min_cap_w, idle_w, (max_op_c, slowdown_c, shutdown_c), node_max_kw: Option<f64>| GpuSpec {
            speed,
            tdp_w,
            min_cap_w,
            idle_w,
            max_op_c,
            slowdown_c,
            shutdown_c,
            node_max_w_per_gpu: node_max_kw.map(|kw| kw * 1000.0 / 8.0),
        };
    const V100: (f64, f64, f64) = (83.0, 87.0, 90.0);
    const A100: (f64, f64, f64) = (85.0, 89.0, 92.0);
    const H100: (f64, f64, f64) = (87.0, 89.0, 92.0);
    const T4: (f64, f64, f64) = (85.0, 93.0, 96.0);
    vec![
        ("V100-16GB", spec(0.45, 300.0, 150.0, 35.0, V100, Some(3.5))),
        ("V100-32GB", spec(0.45, 300.0, 150.0, 35.0, V100, Some(3.5))),
        ("V100-PCIE", spec(0.40, 250.0, 100.0, 30.0, V100, None)),
        ("A100-40GB", spec(1.00, 400.0, 100.0, 55.0, A100, Some(6.5))),
        ("A100-80GB", spec(1.00, 400.0, 100.0, 55.0, A100, Some(6.5))),
        ("A100-80GB-PCIE", spec(0.90, 300.0, 150.0, 35.0, A100, None)),
        ("H100-80GB", spec(2.5, 700.0, 200.0, 71.0, H100, Some(10.2))),
        ("H100-PCIE", spec(1.9, 350.0, 175.0, 40.0, H100, None)),
        ("H200-141GB", spec(2.8, 700.0, 200.0, 75.0, H100, Some(10.2))),
        ("B200", spec(5.0, 1000.0, 400.0, 120.0, H100, Some(14.3))),
        ("L40S", spec(0.8, 350.0, 175.0, 40.0, A100, None)),
        ("T4", spec(0.15, 70.0, 60.0, 8.0, T4, None)),
        ("MI300X", spec(2.0, 750.0, 375.0, 90.0, H100, None)),
    ]
}

/// The catalog keyed by model name: the GPU table of a power model
/// ([`super::PowerConfig::gpus`]) before a scenario adds or overrides models.
pub fn by_model() -> BTreeMap<String, GpuSpec> {
    catalog()
        .into_iter()
        .map(|(name, spec)| (name.to_string(), spec))
        .collect()
}

/// The catalog entry for `model`, if there is one.
pub fn lookup(model: &str) -> Option<GpuSpec> {
    catalog()
        .into_iter()
        .find(|(name, _)| *name == model)
        .map(|(_, spec)| spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_models_md() {
        let a100 = lookup("A100-80GB").unwrap();
        assert_eq!(
            (a100.tdp_w, a100.min_cap_w, a100.max_op_c, a100.shutdown_c),
            (400.0, 100.0, 85.0, 92.0)
        );
        assert_eq!(a100.node_max_w_per_gpu, Some(812.5));
        assert_eq!(lookup("T4").unwrap().slowdown_c, 93.0);
        assert!(lookup("P100").is_none());
    }
}
