//! The registry of parts: every queue order, placement, backfill rule, preemption victim rule
//! and preset a scenario can name, each with its name, one line of description and the
//! parameters it reads; and the metrics of a crate's own ([`Registry::add_metric`]), which every
//! run loaded with the registry computes after the built-in ones.
//!
//! [`Registry::builtin`] holds this crate's parts. A crate of its own adds more, each one
//! file defining the part and one line registering it:
//!
//! ```
//! use policies::placement::{FirstFit, Placement};
//! use policies::{Context, Factory, Params, PartInfo, PlacementPart, PolicyConfig, Registry};
//!
//! fn build(_params: &Params, _context: &Context) -> Box<dyn Placement + Send> {
//!     Box::new(FirstFit)
//! }
//!
//! const LOWEST: PlacementPart = PlacementPart {
//!     info: PartInfo { name: "lowest", description: "the lowest-numbered node", params: &[] },
//!     build: Factory::Static(&build),
//! };
//!
//! let mut registry = Registry::builtin();
//! registry.add_placement(LOWEST);
//! let config = PolicyConfig { placement: Some("lowest".into()), ..PolicyConfig::default() };
//! let spec = registry.spec(&config).unwrap();
//! assert_eq!(spec.label, "first-fit[placement=lowest]");
//! ```

use sim_core::frag::TypicalTasks;
use sim_core::metrics::MetricPart;
use sim_core::model::ModelPart;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::params::{Param, Params, Value};
use crate::placement::Placement;
use crate::preemption::VictimOrder;
use crate::presets::Preset;
use crate::queue::QueueOrder;

/// A part's name, what it does and the parameters it reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartInfo {
    /// The name scenarios use (`placement = "best-fit"`).
    pub name: &'static str,
    /// One line for listings (`clustersim policies`).
    pub description: &'static str,
    /// The parameters it reads from `[policy]`.
    pub params: &'static [Param],
}

/// What a part's factory may use besides its parameters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Context {
    /// The run's seed: random parts derive their streams from it ([`sim_core::rng::stream`]).
    pub seed: u64,
    /// The workload's typical tasks, against which FGD-style placements measure fragmentation
    /// (empty when the run does not know them: every node then scores alike).
    pub typical: TypicalTasks,
}

impl Context {
    /// The context of a run seeded with `seed`, without typical tasks.
    pub fn new(seed: u64) -> Context {
        Context::with_typical(seed, TypicalTasks::new(Vec::new()))
    }

    /// The context of a run seeded with `seed` whose workload has these `typical` tasks.
    pub fn with_typical(seed: u64, typical: TypicalTasks) -> Context {
        Context { seed, typical }
    }
}

/// A part's factory: a function of the crate, or a closure that captures what it builds from.
///
/// Functions and closures that capture nothing are borrowed for good, so parts stay constants
/// (`build: Factory::Static(&build)`); a closure registered at run time, such as one building a
/// part written in another language from the object it holds, is shared, built with the
/// `shared` constructor of its kind's factory type (`BuildPlacement::shared(move |params,
/// context| …)`), so a registry holds any number of them.
/// Either way the factory is called as a function: `(part.build)(params, context)`.
pub enum Factory<F: ?Sized + 'static> {
    /// A function, or a closure that captures nothing.
    Static(&'static F),
    /// A closure that may capture values, shared by the registry's clones.
    Shared(Arc<F>),
}

impl<F: ?Sized> Clone for Factory<F> {
    fn clone(&self) -> Self {
        match self {
            Factory::Static(f) => Factory::Static(f),
            Factory::Shared(f) => Factory::Shared(Arc::clone(f)),
        }
    }
}

impl<F: ?Sized> Deref for Factory<F> {
    type Target = F;

    fn deref(&self) -> &F {
        match self {
            Factory::Static(f) => f,
            Factory::Shared(f) => f,
        }
    }
}

/// The function type of a queue order's factory.
pub type QueueOrderFn = dyn Fn(&Params, &Context) -> Box<dyn QueueOrder + Send> + Send + Sync;
/// The function type of a placement's factory.
pub type PlacementFn = dyn Fn(&Params, &Context) -> Box<dyn Placement + Send> + Send + Sync;
/// The function type of a backfill rule's factory.
pub type BackfillFn = dyn Fn(&Params) -> Option<usize> + Send + Sync;
/// The function type of a victim rule's factory.
pub type VictimOrderFn = dyn Fn(&Params, &Context) -> Option<Box<dyn VictimOrder + Send>> + Send + Sync;

/// Builds a queue order from its checked parameters and the run's context.
pub type BuildQueueOrder = Factory<QueueOrderFn>;
/// Builds a placement from its checked parameters and the run's context.
pub type BuildPlacement = Factory<PlacementFn>;
/// How many blocked jobs get a reservation (`usize::MAX`: all), or `None` without
/// backfilling: the first job that cannot start ends the round.
pub type BuildBackfill = Factory<BackfillFn>;
/// Builds the order in which running jobs are preempted from its checked parameters and the
/// run's context (random rules derive their streams from its seed), or `None` for no
/// preemption.
pub type BuildVictimOrder = Factory<VictimOrderFn>;

/// `shared(closure)` for each kind of factory (`BuildPlacement::shared(…)`).
macro_rules! shared {
    ($($fn_type:ident ($($ty:ty),*) -> $ret:ty;)*) => {$(
        impl Factory<$fn_type> {
            /// A factory that is this closure, shared by the registry's clones.
            pub fn shared(f: impl Fn($($ty),*) -> $ret + Send + Sync + 'static) -> Self {
                Factory::Shared(Arc::new(f))
            }
        }
    )*};
}

shared! {
    QueueOrderFn(&Params, &Context) -> Box<dyn QueueOrder + Send>;
    PlacementFn(&Params, &Context) -> Box<dyn Placement + Send>;
    BackfillFn(&Params) -> Option<usize>;
    VictimOrderFn(&Params, &Context) -> Option<Box<dyn VictimOrder + Send>>;
}

/// A registered queue order (`[policy] queue`).
#[derive(Clone)]
pub struct QueueOrderPart {
    /// Name, description, parameters.
    pub info: PartInfo,
    /// Its factory.
    pub build: BuildQueueOrder,
}

/// A registered placement (`[policy] placement`).
#[derive(Clone)]
pub struct PlacementPart {
    /// Name, description, parameters.
    pub info: PartInfo,
    /// Its factory.
    pub build: BuildPlacement,
}

/// A registered backfill rule (`[policy] backfill`).
#[derive(Clone)]
pub struct BackfillPart {
    /// Name, description, parameters.
    pub info: PartInfo,
    /// Its factory.
    pub build: BuildBackfill,
}

/// A registered preemption victim rule (`[policy] preemption`).
#[derive(Clone)]
pub struct PreemptionPart {
    /// Name, description, parameters.
    pub info: PartInfo,
    /// Its factory.
    pub build: BuildVictimOrder,
}

/// The four kinds of part, for code that treats them alike.
pub(crate) trait Registered: Clone {
    /// The `[policy]` key that chooses it.
    const KEY: &'static str;
    /// Its name, description and parameters.
    fn info(&self) -> &PartInfo;
}

macro_rules! registered {
    ($($part:ty => $key:literal),* $(,)?) => {$(
        impl Registered for $part {
            const KEY: &'static str = $key;
            fn info(&self) -> &PartInfo {
                &self.info
            }
        }

        impl fmt::Debug for $part {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($part)).field(&self.info.name).finish()
            }
        }
    )*};
}

registered!(
    QueueOrderPart => "queue",
    PlacementPart => "placement",
    BackfillPart => "backfill",
    PreemptionPart => "preemption",
);

/// The keys that choose parts, in the order of listings and of policy names.
pub const PART_KEYS: [&str; 4] = [
    QueueOrderPart::KEY,
    PlacementPart::KEY,
    BackfillPart::KEY,
    PreemptionPart::KEY,
];

/// Every part and preset a scenario can name. Not a global: build one with
/// [`Registry::builtin`], add a crate's own parts, and hand it to whatever resolves policies
/// ([`Registry::spec`], the scenario loader).
#[derive(Clone, Debug)]
pub struct Registry {
    presets: Vec<Preset>,
    queue_orders: Vec<QueueOrderPart>,
    placements: Vec<PlacementPart>,
    backfills: Vec<BackfillPart>,
    preemptions: Vec<PreemptionPart>,
    metrics: Vec<MetricPart>,
    models: Vec<ModelPart>,
}

impl Registry {
    /// This crate's parts and presets.
    pub fn builtin() -> Registry {
        let mut registry = Registry {
            presets: Vec::new(),
            queue_orders: Vec::new(),
            placements: Vec::new(),
            backfills: Vec::new(),
            preemptions: Vec::new(),
            metrics: Vec::new(),
            models: Vec::new(),
        };
        for part in crate::queue::BUILTIN {
            registry.add_queue_order(part);
        }
        for part in crate::placement::BUILTIN {
            registry.add_placement(part);
        }
        for part in crate::backfill::BUILTIN {
            registry.add_backfill(part);
        }
        for part in crate::preemption::BUILTIN {
            registry.add_preemption(part);
        }
        for preset in crate::presets::BUILTIN {
            registry.add_preset(preset);
        }
        registry
    }

    /// Adds a queue order.
    ///
    /// # Panics
    /// When the name is taken, or a parameter is declared unlike another part declares it
    /// (see [`Registry::add_placement`]).
    pub fn add_queue_order(&mut self, part: QueueOrderPart) -> &mut Registry {
        self.check_new(&part, &self.queue_orders);
        self.queue_orders.push(part);
        self
    }

    /// Adds a placement.
    ///
    /// # Panics
    /// When the name is taken; when a parameter is called like a part key (`name`, `queue`,
    /// …), has a default its kind refuses, or shares its name with a parameter of another
    /// kind (parts that read the same key must agree on what it is).
    pub fn add_placement(&mut self, part: PlacementPart) -> &mut Registry {
        self.check_new(&part, &self.placements);
        self.placements.push(part);
        self
    }

    /// Adds a backfill rule.
    ///
    /// # Panics
    /// As [`Registry::add_placement`].
    pub fn add_backfill(&mut self, part: BackfillPart) -> &mut Registry {
        self.check_new(&part, &self.backfills);
        self.backfills.push(part);
        self
    }

    /// Adds a preemption victim rule.
    ///
    /// # Panics
    /// As [`Registry::add_placement`].
    pub fn add_preemption(&mut self, part: PreemptionPart) -> &mut Registry {
        self.check_new(&part, &self.preemptions);
        self.preemptions.push(part);
        self
    }

    /// Adds a preset.
    ///
    /// # Panics
    /// When the name is taken, a part it names is not registered, or a parameter it sets is
    /// not read by its parts or has a value its kind refuses.
    pub fn add_preset(&mut self, preset: Preset) -> &mut Registry {
        assert!(
            self.preset(preset.name).is_none(),
            "preset `{}` is registered twice",
            preset.name
        );
        let parts = [
            find(&self.queue_orders, preset.queue).map(|p| p.info),
            find(&self.placements, preset.placement).map(|p| p.info),
            find(&self.backfills, preset.backfill).map(|p| p.info),
            find(&self.preemptions, preset.preemption).map(|p| p.info),
        ];
        for (key, part) in PART_KEYS.iter().zip(&parts) {
            assert!(part.is_some(), "preset `{}` names an unknown {key}", preset.name);
        }
        for &(name, literal) in preset.params {
            let param = parts
                .iter()
                .flatten()
                .flat_map(|p| p.params)
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("preset `{}` sets `{name}`, which none of its parts reads", preset.name));
            if let Err(e) = param.kind.check(name, &Value::literal(literal), None) {
                panic!("preset `{}`: {e}", preset.name);
            }
        }
        self.presets.push(preset);
        self
    }

    /// Adds a metric of a crate's own: every run of a scenario loaded with this registry
    /// computes it and writes it after the built-in metrics (`summary.json`, `sweep.csv`,
    /// `aggregate.csv`), where check rules and reports find it.
    ///
    /// # Panics
    /// When the name is taken (by a built-in metric, another added one or another key of
    /// `summary.json`) or is not a plain column name ([`MetricPart::check`]).
    pub fn add_metric(&mut self, metric: MetricPart) -> &mut Registry {
        if let Err(e) = metric.check() {
            panic!("{e}");
        }
        assert!(
            self.metrics.iter().all(|m| m.name != metric.name),
            "metric `{}` is registered twice",
            metric.name
        );
        self.metrics.push(metric);
        self
    }

    /// Adds a world model of a crate's own (a failure, physical or operational model: see
    /// [`sim_core::model::WorldModel`]); a scenario loaded with this registry runs it when it
    /// names it (`models = ["name"]`).
    ///
    /// # Panics
    /// When another added model has the name.
    pub fn add_world_model(&mut self, model: ModelPart) -> &mut Registry {
        assert!(
            self.models.iter().all(|m| m.name != model.name),
            "world model `{}` is registered twice",
            model.name
        );
        self.models.push(model);
        self
    }

    /// The world models of a crate's own, in registration order.
    pub fn world_models(&self) -> &[ModelPart] {
        &self.models
    }

    /// The metrics of a crate's own, in registration order (the built-in ones are
    /// [`sim_core::metrics::METRICS`]).
    pub fn metrics(&self) -> &[MetricPart] {
        &self.metrics
    }

    /// Every preset, in listing order.
    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }

    /// The preset called `name`.
    pub fn preset(&self, name: &str) -> Option<&Preset> {
        self.presets.iter().find(|p| p.name == name)
    }

    /// Every queue order, in listing order.
    pub fn queue_orders(&self) -> &[QueueOrderPart] {
        &self.queue_orders
    }

    /// Every placement, in listing order.
    pub fn placements(&self) -> &[PlacementPart] {
        &self.placements
    }

    /// Every backfill rule, in listing order.
    pub fn backfills(&self) -> &[BackfillPart] {
        &self.backfills
    }

    /// Every preemption victim rule, in listing order.
    pub fn preemptions(&self) -> &[PreemptionPart] {
        &self.preemptions
    }

    /// Every part of every key, keys in [`PART_KEYS`] order (what `clustersim policies`
    /// lists).
    pub fn parts(&self) -> [(&'static str, Vec<PartInfo>); 4] {
        fn infos<T: Registered>(parts: &[T]) -> (&'static str, Vec<PartInfo>) {
            (T::KEY, parts.iter().map(|p| *p.info()).collect())
        }
        [
            infos(&self.queue_orders),
            infos(&self.placements),
            infos(&self.backfills),
            infos(&self.preemptions),
        ]
    }

    /// Every parameter declaration: the policy's own ([`crate::spec::POLICY_PARAMS`]), then
    /// each part's.
    pub(crate) fn declarations(&self) -> impl Iterator<Item = &Param> + Clone {
        let parts = (self.queue_orders.iter().map(|p| p.info.params))
            .chain(self.placements.iter().map(|p| p.info.params))
            .chain(self.backfills.iter().map(|p| p.info.params))
            .chain(self.preemptions.iter().map(|p| p.info.params));
        crate::spec::POLICY_PARAMS.iter().chain(parts.flatten())
    }

    /// Refuses a part whose name is taken or whose parameters conflict with the declared ones.
    fn check_new<T: Registered>(&self, part: &T, same_key: &[T]) {
        let info = part.info();
        assert!(
            find(same_key, info.name).is_none(),
            "{} `{}` is registered twice",
            T::KEY,
            info.name
        );
        for param in info.params {
            assert!(
                param.name != "name" && !PART_KEYS.contains(&param.name),
                "{} `{}`: a parameter cannot be called `{}`",
                T::KEY,
                info.name,
                param.name
            );
            if let Some(other) = self.declarations().find(|p| p.name == param.name) {
                assert_eq!(
                    other.kind,
                    param.kind,
                    "{} `{}`: parameter `{}` is declared with another kind elsewhere",
                    T::KEY,
                    info.name,
                    param.name
                );
            }
            if let Some(default) = param.default
                && let Err(e) = param.kind.check(param.name, &Value::literal(default), None)
            {
                panic!("{} `{}`: the default of {e}", T::KEY, info.name);
            }
        }
    }
}

/// The part called `name`.
pub(crate) fn find<T: Registered>(parts: &[T], name: &str) -> Option<T> {
    parts.iter().find(|p| p.info().name == name).cloned()
}

/// The known name nearest to `name`, if one is near enough to be a likely typo: an edit for
/// every three characters of `name` (one at least, three at most, and fewer than it has), or
/// containing `name` when it has three or more (`fcfs` is three edits from `drf`, but no typo
/// of it).
pub(crate) fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::levenshtein(name, k), k))
        .filter(|&(distance, k)| {
            let length = name.chars().count();
            (distance <= (length / 3).clamp(1, 3) && distance < length) || (name.len() >= 3 && k.contains(name))
        })
        .min()
        .map(|(_, k)| k)
}

/// "unknown KIND `name` (did you mean `…`?); known: a, b, c".
pub(crate) fn unknown_name<'a>(kind: &str, name: &str, known: impl Iterator<Item = &'a str> + Clone) -> String {
    let hint = nearest(name, known.clone())
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    let known = known.collect::<Vec<_>>().join(", ");
    format!("unknown {kind} `{name}`{hint}; known: {known}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let registry = Registry::builtin();
        let names = |parts: &[QueueOrderPart]| parts.iter().map(|p| p.info.name).collect::<Vec<_>>();
        let queues = names(registry.queue_orders());
        assert_eq!(
            unknown_name("queue", "drff", queues.iter().copied()),
            "unknown queue `drff` (did you mean `drf`?); known: fifo, priority, sjf, drf, lottery, fair-share"
        );
        let placements: Vec<&str> = registry.placements().iter().map(|p| p.info.name).collect();
        assert_eq!(
            unknown_name("placement", "pack", placements.iter().copied()),
            "unknown placement `pack` (did you mean `packed`?); known: first-fit, best-fit, worst-fit, packed, spread, random, power-aware, thermal-aware, fgd, dot-product, gpu-packing, gpu-clustering, paper-best-fit, paper-random"
        );
        assert!(!unknown_name("backfill", "zzzzzz", ["none", "easy"].into_iter()).contains("did you mean"));
        // Three edits of a four-letter name are no typo: `fcfs` is not `drf`.
        assert!(!unknown_name("queue", "fcfs", queues.iter().copied()).contains("did you mean"));
    }

    /// A metric that is never defined.
    fn undefined() -> MetricPart {
        struct Undefined;
        impl sim_core::observe::Observer for Undefined {}
        impl sim_core::metrics::Metric for Undefined {
            fn value(&self, _: &sim_core::metrics::Summary, _: &sim_core::engine::RunOutcome) -> Option<f64> {
                None
            }
        }
        MetricPart {
            name: "undefined",
            unit: "count",
            better: sim_core::metrics::Better::Neither,
            doc: "never defined",
            build: || Box::new(Undefined),
        }
    }

    #[test]
    fn metrics_are_kept_in_registration_order() {
        let mut registry = Registry::builtin();
        assert!(registry.metrics().is_empty());
        let second = MetricPart {
            name: "undefined_too",
            ..undefined()
        };
        registry.add_metric(undefined()).add_metric(second);
        let names: Vec<&str> = registry.metrics().iter().map(|m| m.name).collect();
        assert_eq!(names, ["undefined", "undefined_too"]);
    }

    #[test]
    #[should_panic(expected = "metric `undefined` is registered twice")]
    fn a_metric_is_registered_once() {
        Registry::builtin().add_metric(undefined()).add_metric(undefined());
    }

    #[test]
    #[should_panic(expected = "metric `gpu_util` is a built-in metric")]
    fn a_metric_cannot_take_a_built_in_name() {
        Registry::builtin().add_metric(MetricPart {
            name: "gpu_util",
            ..undefined()
        });
    }

    #[test]
    fn any_number_of_capturing_factories_can_be_registered() {
        use crate::placement::FirstFit;
        use crate::spec::PolicyConfig;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let built = Arc::new(AtomicUsize::new(0));
        let mut registry = Registry::builtin();
        for i in 0..100 {
            let name: &'static str = Box::leak(format!("closure-{i}").into_boxed_str());
            let built = Arc::clone(&built);
            registry.add_placement(PlacementPart {
                info: PartInfo {
                    name,
                    description: "first fit, counting its builds",
                    params: &[],
                },
                build: BuildPlacement::shared(move |_, _| {
                    built.fetch_add(i, Ordering::Relaxed);
                    Box::new(FirstFit)
                }),
            });
        }
        let config = PolicyConfig {
            placement: Some("closure-73".into()),
            ..PolicyConfig::default()
        };
        let spec = registry.spec(&config).unwrap();
        assert_eq!(spec.label, "first-fit[placement=closure-73]");
        // Each build of the part named closure-73 adds its captured 73, and only its own.
        (spec.placement.build)(&spec.params, &Context::new(0));
        (registry.clone().spec(&config).unwrap().placement.build)(&spec.params, &Context::new(1));
        assert_eq!(built.load(Ordering::Relaxed), 146);
    }

    #[test]
    #[should_panic(expected = "placement `best-fit` is registered twice")]
    fn a_name_is_registered_once() {
        let mut registry = Registry::builtin();
        let best_fit = registry.placements()[1].clone();
        registry.add_placement(best_fit);
    }

    #[test]
    #[should_panic(expected = "parameter `grace` is declared with another kind elsewhere")]
    fn parts_reading_one_key_agree_on_its_kind() {
        use crate::params::Kind;
        Registry::builtin().add_preemption(PreemptionPart {
            info: PartInfo {
                name: "odd",
                description: "reads grace as a number",
                params: &[Param {
                    name: "grace",
                    kind: Kind::Number,
                    default: None,
                    doc: "",
                    in_label: false,
                }],
            },
            build: Factory::Static(&|_, _| None),
        });
    }
}
