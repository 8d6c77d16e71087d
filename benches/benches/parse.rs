//! Parse rate of every trace format, in rows per second, on the real files shipped under
//! `traces/data/` (the native CSV is the Philly trace converted in memory), and the synthetic
//! generator's rate.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use traces::synthetic::{Family, SyntheticConfig, SyntheticSource};
use traces::{
    JobSource, NativeReader, NodesFormat, OpenbPodReader, PhillyReader, ReadOptions, SwfProcessor, SwfReader,
};

fn data(path: &str) -> Vec<u8> {
    let full = format!("{}/../traces/data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// Data rows of a file (lines that are not headers or comments).
fn rows(bytes: &[u8], skip: impl Fn(&[u8]) -> bool) -> u64 {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !skip(l))
        .count() as u64
}

/// Reads every job of `source`, returning how many there were.
fn drain(source: impl JobSource) -> usize {
    let mut count = 0;
    for job in source {
        black_box(job.expect("shipped traces parse"));
        count += 1;
    }
    count
}

fn parse(c: &mut Criterion) {
    let philly = data("philly-rfold/philly_trace.csv");
    let mut native = Vec::new();
    let mut source = PhillyReader::new("philly", philly.as_slice());
    traces::write_native(&mut source, &mut native, "memory").expect("conversion succeeds");
    let kth = data("swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf");
    let openb = data("alibaba-openb-gpu-v2023/openb_pod_list_default.csv");
    let openb_nodes = data("alibaba-openb-gpu-v2023/openb_node_list_gpu_node.csv");
    let pai = data("alibaba-pai-gpu-v2020/pai_machine_spec.csv");

    let mut group = c.benchmark_group("parse_rows");
    group.sample_size(20);
    group.throughput(Throughput::Elements(rows(&native, |_| false) - 1));
    group.bench_function("native_csv", |b| {
        b.iter(|| drain(NativeReader::new("native", native.as_slice()).expect("header is valid")))
    });
    group.throughput(Throughput::Elements(rows(&kth, |l| l[0] == b';')));
    group.bench_function("swf_kth", |b| {
        b.iter(|| drain(SwfReader::new("kth", kth.as_slice(), SwfProcessor::Gpu)))
    });
    group.throughput(Throughput::Elements(rows(&philly, |l| l[0] == b'#')));
    group.bench_function("philly", |b| {
        b.iter(|| drain(PhillyReader::new("philly", philly.as_slice())))
    });
    group.throughput(Throughput::Elements(rows(&openb, |_| false) - 1));
    group.bench_function("openb_pods", |b| {
        b.iter(|| {
            let duration = ReadOptions::default().untimed_pod_duration;
            drain(OpenbPodReader::new("openb", openb.as_slice(), duration).expect("header is valid"))
        })
    });
    group.throughput(Throughput::Elements(rows(&openb_nodes, |_| false) - 1));
    group.bench_function("openb_nodes", |b| {
        b.iter(|| traces::read_nodes("nodes", openb_nodes.as_slice(), Some(NodesFormat::Openb), None).map(black_box))
    });
    group.throughput(Throughput::Elements(rows(&pai, |_| false)));
    group.bench_function("pai_machines", |b| {
        b.iter(|| traces::read_nodes("pai", pai.as_slice(), Some(NodesFormat::Pai), None).map(black_box))
    });
    group.finish();

    let jobs = 100_000;
    let mut generator = c.benchmark_group("generate_jobs");
    generator.sample_size(20);
    generator.throughput(Throughput::Elements(jobs));
    generator.bench_function("synthetic_dl", |b| {
        b.iter(|| {
            let config = SyntheticConfig::family(Family::Dl, jobs, 0.1);
            drain(SyntheticSource::new(config, 1).expect("defaults are valid"))
        })
    });
    generator.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: criterion's plotters backend cannot find a font once `reports` turns on
    // plotters' embedded-font (`ab_glyph`) mode.
    config = Criterion::default().without_plots();
    targets = parse
}
criterion_main!(benches);
