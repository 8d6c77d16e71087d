//! Every kind of report page, loaded in headless Chromium at 1000 and 1400 px: no console
//! errors, no request of any kind (the page is self-contained), no horizontal overflow of the
//! body, and nothing cut off at the right edge outside the boxes that scroll on purpose (wide
//! tables). Without a Chromium on the machine the test says so and passes; `.ci/run` installs
//! Debian's `chromium` so that CI really runs it.

mod common;

use common::clustersim;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Widths at which every page is checked, in CSS pixels.
const WIDTHS: [u32; 2] = [1000, 1400];

/// How long one page may take to load before the test fails.
const PAGE_TIMEOUT: Duration = Duration::from_secs(90);

/// Injected after `<meta charset>`: collects errors from the start, then on load measures the
/// page and writes the findings as JSON into `<pre id="probe">`, which `--dump-dom` prints.
const PROBE: &str = r##"<script>
window.__probe = { errors: [] };
addEventListener("error", function (e) {
  __probe.errors.push(String(e.message || (e.target && (e.target.src || e.target.href)) || "error"));
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    __probe.errors.push(Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
})();
addEventListener("load", function () {
  var root = document.documentElement, width = root.clientWidth, cut = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.parentElement && el.parentElement.closest(".scroll")) return;
    var box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 0.5 || box.left < -0.5)) {
      cut.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " right=" + Math.round(box.right));
    }
  });
  var probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    scroll_width: root.scrollWidth,
    client_width: width,
    errors: __probe.errors,
    requests: performance.getEntriesByType("resource").map(function (r) { return r.name; }),
    cut: cut.slice(0, 10)
  });
  document.body.appendChild(probe);
});
</script>"##;

/// The Chromium binary: `CHROMIUM` if set, else the first of the usual names on the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs `clustersim ARGS` (each with `--quiet`) in `dir` and fails the test unless it succeeds
/// and prints nothing.
fn make(dir: &Path, args: &[&str]) {
    let output = clustersim(args, dir);
    assert!(
        output.status.success(),
        "clustersim {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "clustersim {} --quiet printed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Loads `page` at `width` px with the probe and returns the probe's findings.
fn probe(browser: &Path, page: &Path, width: u32) -> serde_json::Value {
    let html = std::fs::read_to_string(page).unwrap();
    let marker = "<meta charset=\"utf-8\">";
    assert!(html.contains(marker), "{}: no charset meta", page.display());
    let probed = page.with_file_name(format!("probe-{width}.html"));
    std::fs::write(&probed, html.replacen(marker, &format!("{marker}{PROBE}"), 1)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    // The DOM goes to a file: a page of inline charts is larger than a pipe holds.
    let dom_path = page.with_file_name(format!("probe-{width}.dom"));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},900"))
        .arg("--dump-dom")
        .arg(format!("file://{}", probed.display()))
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > PAGE_TIMEOUT {
            child.kill().unwrap();
            panic!("{} did not load within {PAGE_TIMEOUT:?}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = std::fs::read_to_string(&dom_path).unwrap();
    let json = dom
        .split_once("<pre id=\"probe\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| {
            json.replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_else(|| panic!("{}: the probe did not run; DOM: {dom:.300}", page.display()));
    serde_json::from_str(&json).unwrap()
}

#[test]
fn every_report_page_renders_cleanly_in_chromium() {
    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium found (install Debian's `chromium`, or set CHROMIUM); report pages not rendered"
        );
        return;
    };
    // First, the probe itself: a page that overflows, cuts a table off, logs an error and
    // asks the network for an image must be caught on every count.
    let broken = tempfile::tempdir().unwrap();
    let page = broken.path().join("report.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><table><tr><td><div style=\"width:3000px\">\
         wide</div></td></tr></table><img src=\"http://example.invalid/x.png\"><script>console.error(\"boom\")</script>\
         </body></html>",
    )
    .unwrap();
    let found = probe(&browser, &page, 1000);
    assert!(found["scroll_width"].as_u64().unwrap() > 1000, "{found}");
    assert!(
        found["cut"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().starts_with("table")),
        "{found}"
    );
    assert!(
        found["errors"].as_array().unwrap().iter().any(|e| e == "boom"),
        "{found}"
    );
    assert_eq!(found["requests"][0], "http://example.invalid/x.png", "{found}");

    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let example = |name: &str| examples.join(name).display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path();
    make(at, &["demo", "--out", "demo", "--quiet"]);
    make(at, &["run", &example("synthetic.toml"), "--out", "run", "--quiet"]);
    make(at, &["run", "library:cascading-failure", "--out", "library", "--quiet"]);
    make(at, &["run", "library:thermal-throttle", "--out", "thermal", "--quiet"]);
    make(
        at,
        &[
            "sweep",
            "library:cascading-failure",
            "--set",
            "sweep.seeds=2",
            "--out",
            "sweep",
            "--quiet",
        ],
    );
    make(
        at,
        &[
            "compare",
            &example("policy-comparison.toml"),
            "--policies",
            "first-fit,packed,easy-backfill",
            "--seeds",
            "2",
            "--out",
            "compare",
            "--quiet",
        ],
    );
    let pods = |list: &str| format!("\"../../traces/data/alibaba-openb-gpu-v2023/openb_pod_list_{list}.csv\"");
    let fill_grid = format!(
        "sweep.grid={{ \"policy.name\" = [\"fgd\", \"paper-best-fit\"], \"workload.trace\" = [{}, {}] }}",
        pods("default"),
        pods("multigpu50")
    );
    make(
        at,
        &[
            "sweep",
            &example("fgd-openb.toml"),
            "--set",
            "sweep.seeds=1",
            "--set",
            &fill_grid,
            "--out",
            "fill",
            "--quiet",
        ],
    );
    let mut problems = Vec::new();
    for kind in ["demo", "run", "library", "thermal", "sweep", "compare", "fill"] {
        for width in WIDTHS {
            let found = probe(&browser, &at.join(kind).join("report.html"), width);
            let scroll_width = found["scroll_width"].as_u64().unwrap();
            let client_width = found["client_width"].as_u64().unwrap();
            if scroll_width > client_width {
                problems.push(format!(
                    "{kind} at {width} px: body {scroll_width} px wide in {client_width}"
                ));
            }
            for key in ["errors", "requests", "cut"] {
                let list = found[key].as_array().unwrap();
                if !list.is_empty() {
                    problems.push(format!("{kind} at {width} px: {key}: {list:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
