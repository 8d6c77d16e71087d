//! Choosing devices for one task on one node.

use crate::resources::{MILLI_PER_GPU, TaskRequest};

/// Picks the devices for a task given the free milli-GPU of each device of a node, or `None`
/// when the task does not fit. The rule: the devices with the least free capacity that still
/// hold the task's share, lowest index first on ties. For whole-GPU tasks this is simply the
/// lowest-numbered idle devices; for a shared task it is the fullest device it fits on
/// (best fit within the node), which keeps whole devices free for whole-GPU tasks.
pub fn pick_gpus(gpu_free_milli: &[u16], request: &TaskRequest) -> Option<u64> {
    if request.gpus == 0 {
        return Some(0);
    }
    let need = request.milli_per_gpu as u16;
    if request.milli_per_gpu == MILLI_PER_GPU {
        let mut mask = 0u64;
        let mut found = 0;
        for (i, &free) in gpu_free_milli.iter().enumerate() {
            if free == need {
                mask |= 1 << i;
                found += 1;
                if found == request.gpus {
                    return Some(mask);
                }
            }
        }
        return None;
    }
    let mut mask = 0u64;
    for _ in 0..request.gpus {
        let best = gpu_free_milli
            .iter()
            .enumerate()
            .filter(|&(i, &free)| free >= need && mask & (1 << i) == 0)
            .min_by_key(|&(i, &free)| (free, i))?;
        mask |= 1 << best.0;
    }
    Some(mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(gpus: u32, milli: u32) -> TaskRequest {
        TaskRequest {
            gpus,
            milli_per_gpu: milli,
            cpu_milli: 0,
            mem_mib: 0,
            mig: crate::sharing::mig::MigName::NONE,
        }
    }

    #[test]
    fn whole_gpus_take_the_lowest_idle_devices() {
        assert_eq!(pick_gpus(&[1000, 500, 1000, 1000], &req(2, 1000)), Some(0b0101));
        assert_eq!(pick_gpus(&[1000, 500, 1000, 1000], &req(3, 1000)), Some(0b1101));
        assert_eq!(pick_gpus(&[1000, 500, 1000, 1000], &req(4, 1000)), None);
    }

    #[test]
    fn a_share_goes_to_the_fullest_device_it_fits() {
        // Device 1 has 300 free, device 2 has 250: a 250 share fits both; device 2 is fuller.
        assert_eq!(pick_gpus(&[1000, 300, 250, 1000], &req(1, 250)), Some(0b0100));
        // A 400 share fits only the idle devices; the lower index wins the tie.
        assert_eq!(pick_gpus(&[1000, 300, 250, 1000], &req(1, 400)), Some(0b0001));
        assert_eq!(pick_gpus(&[100, 300], &req(1, 400)), None);
    }

    #[test]
    fn cpu_only_tasks_need_no_device() {
        assert_eq!(pick_gpus(&[], &req(0, 0)), Some(0));
    }
}
