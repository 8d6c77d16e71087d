//! Helpers shared by the command-line tests: running the binary and reading its output.
#![allow(dead_code, reason = "each test binary uses a different subset of the helpers")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small native trace: whole and shared GPUs, a gang, a job queued behind it.
pub const TRACE: &str = "job_id,submit_s,duration_s,tasks,gpus_per_task\n\
                         a,0,100,1,4\nb,0,1000,1,1\nc,20,1000,1,1\nd,30,100,1,4\ne,40,50,2,4\nf,41,0.5,1,0.25\n";

/// Runs `clustersim ARGS` in `cwd`.
pub fn clustersim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clustersim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// The standard error of a run, as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The standard output of a run, as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every file of a folder (recursively), by relative path.
pub fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push((
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    found.sort();
    found
}
