//! Failure domains: the component classes, how their units are numbered, and what a unit's
//! failure takes away.
//!
//! | class | units | a failure |
//! |---|---|---|
//! | `gpu` | every device, node by node | takes the device; the job using it dies |
//! | `node` | every node | takes the node down; its jobs die |
//! | `tor` | one leaf switch per rack | cuts the rack's nodes off the network: jobs spanning several nodes with a task there die; jobs inside one node go on; nothing new is placed there until repair |
//! | `spine` | `fabric.spines` switches | removes 1/`spines` of every rack uplink; multi-rack jobs slow down |
//! | `pdu` | one per rack | powers the rack off: its nodes go down, their jobs die |
//! | `cooling` | one per rack | the rack's cooling capacity drops to 0: its inlet warms through the thermal model, and throttling and shutdowns follow from physics |

use crate::cluster::Cluster;
use crate::ids::NodeId;

/// A class of components that can fail, named in scenarios (`[[faults.random]] component`) as
/// [`Component::name`] gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    /// One GPU device.
    Gpu,
    /// One node (server).
    Node,
    /// A rack's leaf (top-of-rack) switch.
    Tor,
    /// A spine switch.
    Spine,
    /// A rack's power distribution unit.
    Pdu,
    /// A rack's cooling unit (CRAH / CDU).
    Cooling,
}

impl Component {
    /// The name used in `[[faults.random]] component` and `incidents.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Component::Gpu => "gpu",
            Component::Node => "node",
            Component::Tor => "tor",
            Component::Spine => "spine",
            Component::Pdu => "pdu",
            Component::Cooling => "cooling",
        }
    }

    /// The scripted-incident kind of a failure of this class.
    pub fn failure_name(self) -> &'static str {
        match self {
            Component::Gpu => "gpu-failure",
            Component::Node => "node-failure",
            Component::Tor => "tor-failure",
            Component::Spine => "spine-failure",
            Component::Pdu => "pdu-trip",
            Component::Cooling => "cooling-failure",
        }
    }

    /// The class's random stream: `faults.<name>`.
    pub fn stream_name(self) -> &'static str {
        match self {
            Component::Gpu => "faults.gpu",
            Component::Node => "faults.node",
            Component::Tor => "faults.tor",
            Component::Spine => "faults.spine",
            Component::Pdu => "faults.pdu",
            Component::Cooling => "faults.cooling",
        }
    }
}

/// The units of every class of one cluster.
#[derive(Clone, Debug)]
pub struct Domains {
    /// The node and device of each GPU unit.
    gpus: Vec<(NodeId, u32)>,
    nodes: u32,
    racks: u32,
    spines: u32,
}

impl Domains {
    /// The units of `cluster` with `spines` spine switches.
    pub fn new(cluster: &Cluster, spines: u32) -> Domains {
        let gpus = cluster
            .nodes()
            .iter()
            .enumerate()
            .flat_map(|(i, n)| (0..n.gpu_count).map(move |d| (NodeId::from_index(i), d)))
            .collect();
        Domains {
            gpus,
            nodes: cluster.nodes().len() as u32,
            racks: cluster.racks().len() as u32,
            spines,
        }
    }

    /// Number of units of a class.
    pub fn unit_count(&self, component: Component) -> u32 {
        match component {
            Component::Gpu => self.gpus.len() as u32,
            Component::Node => self.nodes,
            Component::Tor | Component::Pdu | Component::Cooling => self.racks,
            Component::Spine => self.spines,
        }
    }

    /// The node and device of GPU unit `unit`.
    pub fn gpu(&self, unit: u32) -> (NodeId, u32) {
        self.gpus[unit as usize]
    }

    /// The GPU unit of device `device` of `node`, if it exists.
    pub fn gpu_unit(&self, node: NodeId, device: u32) -> Option<u32> {
        let first = self.gpus.partition_point(|&(n, _)| n < node);
        self.gpus[first..]
            .iter()
            .take_while(|&&(n, _)| n == node)
            .position(|&(_, d)| d == device)
            .map(|i| (first + i) as u32)
    }

    /// The name of a unit as `incidents.csv` writes it: the node (`r03-n1`), the device
    /// (`r03-n1/gpu5`), the rack (`r03`) or the spine (`spine1`).
    pub fn unit_name(&self, cluster: &Cluster, component: Component, unit: u32) -> String {
        match component {
            Component::Gpu => {
                let (node, device) = self.gpu(unit);
                format!("{}/gpu{device}", cluster.node(node).name)
            }
            Component::Node => cluster.node(NodeId(unit)).name.clone(),
            Component::Tor | Component::Pdu | Component::Cooling => cluster.racks()[unit as usize].name.clone(),
            Component::Spine => format!("spine{unit}"),
        }
    }

    /// The unit of a class named `name` (as [`Domains::unit_name`] writes it), if any.
    pub fn find_unit(&self, cluster: &Cluster, component: Component, name: &str) -> Option<u32> {
        match component {
            Component::Gpu => {
                let (node, device) = name.split_once("/gpu")?;
                let node = cluster.nodes().iter().position(|n| n.name == node)?;
                self.gpu_unit(NodeId::from_index(node), device.parse().ok()?)
            }
            Component::Node => cluster.nodes().iter().position(|n| n.name == name).map(|i| i as u32),
            Component::Tor | Component::Pdu | Component::Cooling => {
                cluster.racks().iter().position(|r| r.name == name).map(|i| i as u32)
            }
            Component::Spine => name
                .strip_prefix("spine")
                .and_then(|i| i.parse().ok())
                .filter(|&i| i < self.spines),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::tests::uniform;

    #[test]
    fn units_are_numbered_node_by_node() {
        // 2 racks × 2 nodes × 4 GPUs: 16 GPU units; unit 6 is device 2 of node 1 (`n1`).
        let cluster = uniform(2, 2, 4);
        let domains = Domains::new(&cluster, 4);
        assert_eq!(domains.unit_count(Component::Gpu), 16);
        assert_eq!(domains.unit_count(Component::Tor), 2);
        assert_eq!(domains.unit_count(Component::Spine), 4);
        assert_eq!(domains.gpu(6), (NodeId(1), 2));
        assert_eq!(domains.unit_name(&cluster, Component::Gpu, 6), "n1/gpu2");
        assert_eq!(domains.find_unit(&cluster, Component::Gpu, "n1/gpu2"), Some(6));
        assert_eq!(domains.find_unit(&cluster, Component::Tor, "r1"), Some(1));
        assert_eq!(domains.find_unit(&cluster, Component::Spine, "spine3"), Some(3));
        assert_eq!(domains.find_unit(&cluster, Component::Spine, "spine4"), None);
        assert_eq!(domains.find_unit(&cluster, Component::Node, "n9"), None);
    }

    #[test]
    fn scenarios_name_a_class_as_its_name_says() {
        for class in [
            Component::Gpu,
            Component::Node,
            Component::Tor,
            Component::Spine,
            Component::Pdu,
            Component::Cooling,
        ] {
            let quoted = format!("\"{}\"", class.name());
            assert_eq!(serde_json::to_string(&class).unwrap(), quoted);
            assert_eq!(serde_json::from_str::<Component>(&quoted).unwrap(), class);
        }
    }
}
