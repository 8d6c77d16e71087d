//! `report.html`: one self-contained page (no scripts, no external files) with the tables and
//! the SVG charts inlined; each chart links its PNG and SVG files beside the page.

use std::io::{self, Write};
use std::path::Path;

use crate::atomic::write_atomic;
use crate::charts::{ChartFiles, Drawn};
use crate::error::ReportError;

/// A table cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Shown in bold with a ★: the best value of its row.
    pub best: bool,
}

impl Cell {
    /// A plain cell.
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            best: false,
        }
    }
}

/// A table with a caption.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// What the table shows.
    pub caption: String,
    /// Column headings.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

/// The content of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// Title (the scenario's name).
    pub title: String,
    /// Paragraphs under the title: what was run.
    pub intro: Vec<String>,
    /// Key figures shown right under the intro, as (name, value).
    pub highlights: Vec<(String, String)>,
    /// Tables, in order, each scrolling inside its own box when wider than the page.
    pub tables: Vec<Table>,
    /// Charts, in order, with their SVG text; the first is the lead, shown before the tables.
    pub charts: Vec<(ChartFiles, String)>,
    /// One-line notes in place of charts with nothing to show.
    pub notes: Vec<String>,
}

const STYLE: &str = "*{box-sizing:border-box}\
body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0 auto;max-width:1200px;padding:1em 1.5em;\
color:#222;line-height:1.4}h1{font-size:1.6em;margin:.3em 0}h1,p,li,figcaption{overflow-wrap:anywhere}\
h2{font-size:1.2em;margin:1.5em 0 .5em}\
.keys{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0;padding:0}\
.keys div{border:1px solid #ddd;border-radius:6px;padding:.4em .8em;min-width:9em}\
.keys dt{font-size:.8em;color:#555}.keys dd{margin:0;font-size:1.2em;font-weight:bold}\
.scroll{overflow-x:auto;max-width:100%;margin:1em 0}table{border-collapse:collapse}\
td,th{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}\
td:first-child,th:first-child{text-align:left}td.best{font-weight:bold}\
.caption{font-weight:bold;margin:1.5em 0 0}\
figure{margin:1.5em 0}figure svg{display:block;width:100%;max-width:960px;height:auto}\
.notes{color:#555}";

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes one table under its caption (a paragraph, so it wraps to the page), inside a box
/// that scrolls sideways when the table is wider than the page.
fn write_table(w: &mut impl Write, table: &Table) -> io::Result<()> {
    writeln!(w, "<p class=\"caption\">{}</p>", escape(&table.caption))?;
    writeln!(w, "<div class=\"scroll\"><table>")?;
    let heads: String = table.header.iter().map(|h| format!("<th>{}</th>", escape(h))).collect();
    writeln!(w, "<tr>{heads}</tr>")?;
    for row in &table.rows {
        let cells: String = row
            .iter()
            .map(|c| match c.best {
                true => format!("<td class=\"best\">{} ★</td>", escape(&c.text)),
                false => format!("<td>{}</td>", escape(&c.text)),
            })
            .collect();
        writeln!(w, "<tr>{cells}</tr>")?;
    }
    writeln!(w, "</table></div>")
}

/// Writes one chart: its SVG inline, a caption linking its files.
fn write_figure(w: &mut impl Write, files: &ChartFiles, svg: &str) -> io::Result<()> {
    let name = escape(&files.name);
    writeln!(w, "<figure id=\"{name}\">")?;
    let body = svg
        .trim_start()
        .strip_prefix("<?xml")
        .map_or(svg, |rest| rest.split_once("?>").map_or(rest, |(_, after)| after));
    writeln!(w, "{}", body.trim())?;
    writeln!(
        w,
        "<figcaption>{} · <a href=\"{name}.png\">{name}.png</a> · <a href=\"{name}.svg\">{name}.svg</a></figcaption>",
        escape(&files.title)
    )?;
    writeln!(w, "</figure>")
}

/// Writes the page to `w`: title, intro and key figures, the lead chart, the tables, the other
/// charts, the notes.
pub fn write_page(w: &mut impl Write, page: &Page) -> io::Result<()> {
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(
        w,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        w,
        "<title>{}</title><style>{STYLE}</style></head><body>",
        escape(&page.title)
    )?;
    writeln!(w, "<h1>{}</h1>", escape(&page.title))?;
    for paragraph in &page.intro {
        writeln!(w, "<p>{}</p>", escape(paragraph))?;
    }
    if !page.highlights.is_empty() {
        writeln!(w, "<dl class=\"keys\">")?;
        for (name, value) in &page.highlights {
            writeln!(w, "<div><dt>{}</dt><dd>{}</dd></div>", escape(name), escape(value))?;
        }
        writeln!(w, "</dl>")?;
    }
    let mut charts = page.charts.iter();
    if let Some((files, svg)) = charts.next() {
        write_figure(w, files, svg)?;
    }
    for table in &page.tables {
        write_table(w, table)?;
    }
    for (files, svg) in charts {
        write_figure(w, files, svg)?;
    }
    if !page.notes.is_empty() {
        writeln!(w, "<ul class=\"notes\">")?;
        for note in &page.notes {
            writeln!(w, "<li>{}</li>", escape(note))?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(w, "</body></html>")
}

/// Writes the page to `path` atomically.
pub fn write_page_file(path: &Path, page: &Page) -> io::Result<()> {
    write_atomic(path, |w| write_page(w, page))
}

/// What a report page shows above and between its charts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Content {
    /// Paragraphs under the title.
    pub intro: Vec<String>,
    /// Key figures, (name, value).
    pub highlights: Vec<(String, String)>,
    /// Tables.
    pub tables: Vec<Table>,
}

/// Writes `dir/report.html` with `content` and the charts in `drawn` (their SVG files are read
/// back and inlined; notes are listed at the end). Returns the page's path.
pub fn write_report(
    dir: &Path,
    title: String,
    content: Content,
    drawn: &[Drawn],
) -> Result<std::path::PathBuf, ReportError> {
    let mut page = Page {
        title,
        intro: content.intro,
        highlights: content.highlights,
        tables: content.tables,
        charts: Vec::new(),
        notes: Vec::new(),
    };
    for item in drawn {
        match item {
            Drawn::Files(files) => {
                let svg = std::fs::read_to_string(&files.svg).map_err(|e| ReportError::io(&files.svg, e))?;
                page.charts.push((files.clone(), svg));
            }
            Drawn::Note(note) => page.notes.push(note.clone()),
        }
    }
    let path = dir.join("report.html");
    write_page_file(&path, &page).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_inline_charts_and_escape_text() {
        let files = ChartFiles {
            name: "jct_cdf".into(),
            title: "JCT <CDF>".into(),
            png: "jct_cdf.png".into(),
            svg: "jct_cdf.svg".into(),
        };
        let page = Page {
            title: "a & b".into(),
            intro: vec![],
            highlights: vec![("runs".into(), "24".into())],
            notes: vec!["Queue: 0 throughout".into()],
            tables: vec![Table {
                caption: "t".into(),
                header: vec!["metric".into(), "x".into()],
                rows: vec![vec![
                    Cell::plain("m"),
                    Cell {
                        text: "1".into(),
                        best: true,
                    },
                ]],
            }],
            charts: vec![(files, "<?xml version=\"1.0\"?>\n<svg>x</svg>".into())],
        };
        let mut out = Vec::new();
        write_page(&mut out, &page).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("<h1>a &amp; b</h1>"));
        assert!(html.contains("<td class=\"best\">1 ★</td>"));
        assert!(html.contains("<figure id=\"jct_cdf\">\n<svg>x</svg>\n<figcaption>JCT &lt;CDF&gt;"));
        assert!(!html.contains("<?xml"));
        // Key figures and the lead chart come before the tables; tables scroll in their box.
        let order = [
            "<dl class=\"keys\">",
            "<figure id=\"jct_cdf\">",
            "<div class=\"scroll\"><table>",
            "<li>Queue",
        ];
        let at: Vec<usize> = order.iter().map(|s| html.find(s).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
        assert!(html.contains("<div><dt>runs</dt><dd>24</dd></div>"));
        assert!(html.contains("<p class=\"caption\">t</p>\n<div class=\"scroll\"><table>"));
    }
}
