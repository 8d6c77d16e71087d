//! The task classes of a workload and its typical tasks.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::cluster::{Cluster, GpuTypeSet};
use crate::ids::GpuTypeId;
use crate::job::JobSpec;
use crate::resources::TaskRequest;
use crate::sharing::mig::MigName;

/// Popularity threshold of the FGD paper's experiments: the typical tasks are the most popular
/// classes that together make at least this percentage of the workload's tasks.
pub const DEFAULT_POPULARITY_PCT: u32 = 95;

/// What one task of a class asks for, as the FGD artifact groups pods: CPU, GPU devices and
/// share, allowed GPU models. Memory is not part of a class (the artifact ignores it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskClass {
    /// CPU, in milli-cores.
    pub cpu_milli: u64,
    /// GPU devices (0 for a CPU-only task).
    pub gpus: u32,
    /// Milli-GPU of each device (1000 for whole devices, 0 without GPU).
    pub milli_per_gpu: u32,
    /// Allowed GPU models as the trace lists them; empty means any.
    pub gpu_types: Vec<String>,
    /// The MIG profile the task names ([`MigName::NONE`] for none): two profiles of one share
    /// (`1g.10gb`, `1g.20gb`) differ in the memory slices they need.
    pub mig: MigName,
}

impl TaskClass {
    /// The class of the tasks of `spec`.
    pub fn of(spec: &JobSpec) -> TaskClass {
        TaskClass::asking(&spec.task, &spec.gpu_types)
    }

    /// The class of tasks asking `task` on the GPU models `gpu_types`.
    fn asking(task: &TaskRequest, gpu_types: &[String]) -> TaskClass {
        TaskClass {
            cpu_milli: task.cpu_milli,
            gpus: task.gpus,
            milli_per_gpu: task.milli_per_gpu,
            gpu_types: gpu_types.to_vec(),
            mig: task.mig,
        }
    }
}

impl Ord for TaskClass {
    /// The artifact's order of pod resources: CPU, then share, then devices, then models (then
    /// MIG profile, which the artifact does not have).
    fn cmp(&self, other: &Self) -> Ordering {
        (self.cpu_milli, self.milli_per_gpu, self.gpus, &self.gpu_types, self.mig).cmp(&(
            other.cpu_milli,
            other.milli_per_gpu,
            other.gpus,
            &other.gpu_types,
            other.mig,
        ))
    }
}

impl PartialOrd for TaskClass {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The tasks of a workload, counted by class.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskMix {
    counts: BTreeMap<TaskClass, u64>,
    tasks: u64,
}

impl TaskMix {
    /// A mix with no task yet.
    pub fn new() -> TaskMix {
        TaskMix::default()
    }

    /// The mix of the tasks of `specs`.
    pub fn of<'a>(specs: impl IntoIterator<Item = &'a JobSpec>) -> TaskMix {
        let mut mix = TaskMix::new();
        for spec in specs {
            mix.add(spec);
        }
        mix
    }

    /// Counts the tasks of one job (a gang of `tasks` counts `tasks` times).
    pub fn add(&mut self, spec: &JobSpec) {
        self.count(TaskClass::of(spec), spec.tasks);
    }

    /// Counts the tasks of one job as `cluster` runs them, `hot_spares` nodes held out: a task
    /// wider than a node split as on arrival, and nothing for a job the cluster could never
    /// hold (refused as `never-fits`, it never runs). The typical tasks then describe the tasks
    /// that are placed, not the trace's rows.
    pub fn add_as_admitted(&mut self, spec: &JobSpec, cluster: &Cluster, hot_spares: u32) {
        let (mut task, mut tasks) = (spec.task, spec.tasks);
        let (_, fits) = crate::engine::admitted(cluster, &mut task, &mut tasks, &spec.gpu_types, hot_spares);
        if !fits {
            return;
        }
        self.count(TaskClass::asking(&task, &spec.gpu_types), tasks);
    }

    /// Counts `tasks` tasks of `class`.
    fn count(&mut self, class: TaskClass, tasks: u32) {
        *self.counts.entry(class).or_insert(0) += u64::from(tasks);
        self.tasks += u64::from(tasks);
    }

    /// Tasks counted.
    pub fn tasks(&self) -> u64 {
        self.tasks
    }

    /// Distinct classes counted.
    pub fn classes(&self) -> usize {
        self.counts.len()
    }

    /// The most popular classes that together make at least `pct` % of the tasks, with their
    /// counts: in decreasing count, ties to the larger class (the artifact's reverse sort), cut
    /// after the first class that reaches the threshold.
    pub fn popular(&self, pct: u32) -> Vec<(TaskClass, u64)> {
        let mut ranked: Vec<(&TaskClass, u64)> = self.counts.iter().map(|(c, &n)| (c, n)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(a.0)));
        let needed = u128::from(pct.min(100)) * u128::from(self.tasks);
        let mut covered = 0u64;
        let mut kept = Vec::new();
        for (class, count) in ranked {
            if u128::from(covered) * 100 >= needed {
                break;
            }
            covered += count;
            kept.push((class.clone(), count));
        }
        kept
    }

    /// The typical tasks (popularity threshold `pct` %) with their GPU models resolved against
    /// `cluster`: a class whose models the cluster lacks can use no node.
    pub fn typical(&self, pct: u32, cluster: &Cluster) -> TypicalTasks {
        let classes = self
            .popular(pct)
            .into_iter()
            .map(|(class, count)| {
                let allowed = if class.gpu_types.is_empty() {
                    GpuTypeSet::ANY
                } else {
                    GpuTypeSet(
                        class
                            .gpu_types
                            .iter()
                            .filter_map(|name| cluster.gpu_type_id(name))
                            .fold(0, |set, ty| set | (1u64 << ty.0)),
                    )
                };
                TypicalClass {
                    request: TaskRequest {
                        gpus: class.gpus,
                        milli_per_gpu: class.milli_per_gpu,
                        cpu_milli: class.cpu_milli,
                        mem_mib: 0,
                        mig: class.mig,
                    },
                    allowed,
                    count,
                }
            })
            .collect();
        TypicalTasks::new(classes)
    }
}

/// One typical task class, resolved against a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct TypicalClass {
    /// What one task asks for (memory is ignored).
    pub request: TaskRequest,
    /// GPU models it may use.
    pub allowed: GpuTypeSet,
    /// Its weight: how many tasks of the workload are of this class.
    pub count: u64,
}

/// A workload's typical tasks: the distribution fragmentation is measured against.
#[derive(Clone, Debug, PartialEq)]
pub struct TypicalTasks {
    /// The classes, ordered by share of each device (CPU-only classes first).
    classes: Vec<TypicalClass>,
    /// Σ counts.
    weight: u64,
}

impl TypicalTasks {
    /// A distribution of the given classes, weighted by their counts.
    pub fn new(mut classes: Vec<TypicalClass>) -> TypicalTasks {
        classes.retain(|c| c.count > 0);
        classes.sort_by_key(|c| c.request.milli_per_gpu);
        let weight = classes.iter().map(|c| c.count).sum();
        TypicalTasks { classes, weight }
    }

    /// The classes.
    pub fn classes(&self) -> &[TypicalClass] {
        &self.classes
    }

    /// Σ of the classes' counts: what [`TypicalTasks::node_frag`] is scaled by.
    pub fn weight(&self) -> u64 {
        self.weight
    }

    /// Fragmented GPU capacity of a node of model `gpu_type` with `cpu_free_milli` CPU and
    /// devices with `gpu_free_milli` free, as `Σ_c count_c · frag_c` in milli-GPU: divide by
    /// [`TypicalTasks::weight`] for milli-GPU. Exact, and O(devices × distinct shares + classes).
    pub fn node_frag(&self, gpu_type: GpuTypeId, cpu_free_milli: u64, gpu_free_milli: &[u16]) -> u64 {
        let idle: u64 = gpu_free_milli.iter().map(|&f| u64::from(f)).sum();
        if idle == 0 {
            return 0;
        }
        let mut weighted = 0;
        let mut share = u32::MAX;
        let (mut devices_fitting, mut unusable) = (0u32, 0u64);
        for class in &self.classes {
            let request = &class.request;
            if request.gpus == 0 || !class.allowed.contains(gpu_type) || cpu_free_milli < request.cpu_milli {
                weighted += class.count * idle;
                continue;
            }
            if request.milli_per_gpu != share {
                share = request.milli_per_gpu;
                (devices_fitting, unusable) = (0, 0);
                for &free in gpu_free_milli {
                    if u32::from(free) >= share {
                        devices_fitting += 1;
                    } else {
                        unusable += u64::from(free);
                    }
                }
            }
            weighted += class.count
                * if devices_fitting >= request.gpus {
                    unusable
                } else {
                    idle
                };
        }
        weighted
    }

    /// A weighted amount in milli-GPU.
    pub fn milli(&self, weighted: u64) -> f64 {
        if self.weight == 0 {
            0.0
        } else {
            weighted as f64 / self.weight as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::NodeSpec;
    use crate::time::SimTime;

    fn pod(cpu: u64, gpus: f64, types: &[&str]) -> JobSpec {
        let task = TaskRequest::with_gpu_amount(gpus, cpu, 0).unwrap();
        let mut spec = JobSpec::new("p", SimTime::ZERO, SimTime::from_secs(1), 1, task);
        spec.gpu_types = types.iter().map(|t| t.to_string()).collect();
        spec
    }

    #[test]
    fn popular_classes_reach_the_threshold_and_stop() {
        // 10 tasks: 5 × A (1 GPU), 3 × B (0.5 GPU), 1 × C (CPU only), 1 × D (2 GPUs).
        // At 80 %: A (5) then B (8 ≥ 8) → A and B. At 95 %: 9.5 tasks needed → A, B, then one
        // of the two singletons: ties go to the larger class, D (CPU 8000 > 4000), reaching 9;
        // then C reaching 10. At 50 %: A alone (5 ≥ 5).
        let mut mix = TaskMix::new();
        for _ in 0..5 {
            mix.add(&pod(4000, 1.0, &[]));
        }
        for _ in 0..3 {
            mix.add(&pod(2000, 0.5, &[]));
        }
        mix.add(&pod(4000, 0.0, &[]));
        mix.add(&pod(8000, 2.0, &[]));
        let counts = |pct| {
            mix.popular(pct)
                .into_iter()
                .map(|(c, n)| (c.cpu_milli, n))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(80), vec![(4000, 5), (2000, 3)]);
        assert_eq!(counts(95), vec![(4000, 5), (2000, 3), (8000, 1), (4000, 1)]);
        assert_eq!(counts(50), vec![(4000, 5)]);
        assert_eq!((mix.tasks(), mix.classes()), (10, 4));
    }

    #[test]
    fn models_are_resolved_against_the_cluster() {
        let node = |name: &str, ty: &str| NodeSpec {
            name: name.into(),
            rack: "r".into(),
            gpus: 2,
            gpu_type: ty.into(),
            cpu_milli: 8000,
            mem_mib: 1024,
        };
        let cluster = Cluster::build(&[node("a", "T4"), node("b", "V100")]).unwrap();
        let mix = TaskMix::of(&[pod(1000, 1.0, &["V100", "A100"]), pod(1000, 1.0, &["A100"])]);
        let typical = mix.typical(100, &cluster);
        let sets: Vec<GpuTypeSet> = typical.classes().iter().map(|c| c.allowed).collect();
        // Ties: the larger class first, ["V100", "A100"] > ["A100"]. V100 is model 1; A100 is absent.
        assert_eq!(sets, vec![GpuTypeSet(0b10), GpuTypeSet(0)]);
        assert_eq!(typical.weight(), 2);
    }
}
