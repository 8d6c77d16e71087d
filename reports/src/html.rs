//! `report.html`: one self-contained page (no scripts, no external files) with the tables and
//! the SVG charts inlined; each chart links its PNG and SVG files beside the page.

use std::io::{self, Write};
use std::path::Path;

use crate::atomic::write_atomic;
use crate::charts::ChartFiles;

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
    /// Paragraphs under the title.
    pub intro: Vec<String>,
    /// Tables, in order.
    pub tables: Vec<Table>,
    /// Charts, in order, with their SVG text.
    pub charts: Vec<(ChartFiles, String)>,
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:1000px;\
color:#222}table{border-collapse:collapse;margin:1em 0}td,th{padding:.3em .7em;border-bottom:1px solid #ddd;\
text-align:right}td:first-child,th:first-child{text-align:left}td.best{font-weight:bold}caption{text-align:left;\
font-weight:bold;padding:.5em 0}figure{margin:2em 0}figure svg{max-width:100%;height:auto}";

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the page to `w`.
pub fn write_page(w: &mut impl Write, page: &Page) -> io::Result<()> {
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(
        w,
        "<title>{}</title><style>{STYLE}</style></head><body>",
        escape(&page.title)
    )?;
    writeln!(w, "<h1>{}</h1>", escape(&page.title))?;
    for paragraph in &page.intro {
        writeln!(w, "<p>{}</p>", escape(paragraph))?;
    }
    for table in &page.tables {
        writeln!(w, "<table><caption>{}</caption>", escape(&table.caption))?;
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
        writeln!(w, "</table>")?;
    }
    for (files, svg) in &page.charts {
        let name = escape(&files.name);
        writeln!(w, "<figure id=\"{name}\">")?;
        let body = svg.trim_start().strip_prefix("<?xml").map_or(svg.as_str(), |rest| {
            rest.split_once("?>").map_or(rest, |(_, after)| after)
        });
        writeln!(w, "{}", body.trim())?;
        writeln!(
            w,
            "<figcaption>{} · <a href=\"{name}.png\">{name}.png</a> · <a href=\"{name}.svg\">{name}.svg</a></figcaption>",
            escape(&files.title)
        )?;
        writeln!(w, "</figure>")?;
    }
    writeln!(w, "</body></html>")
}

/// Writes the page to `path` atomically.
pub fn write_page_file(path: &Path, page: &Page) -> io::Result<()> {
    write_atomic(path, |w| write_page(w, page))
}

/// Writes `dir/report.html` with `intro`, `tables` and the charts already drawn in `drawn`
/// (their SVG files are read back and inlined). Returns the page's path.
pub fn write_report(
    dir: &Path,
    title: String,
    intro: Vec<String>,
    tables: Vec<Table>,
    drawn: &[ChartFiles],
) -> Result<std::path::PathBuf, String> {
    let mut page = Page {
        title,
        intro,
        tables,
        charts: Vec::new(),
    };
    for files in drawn {
        let svg = std::fs::read_to_string(&files.svg).map_err(|e| format!("{}: {e}", files.svg.display()))?;
        page.charts.push((files.clone(), svg));
    }
    let path = dir.join("report.html");
    write_page_file(&path, &page).map_err(|e| format!("{}: {e}", path.display()))?;
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
    }
}
