//! The report: one self-contained HTML file per results folder (`report.html`), for the people
//! who write the policy report. It is rendered from the files of a finished folder only (its
//! manifest, scenarios, CSV and Markdown tables and SVG charts), so `coopsim report DIR` gives an
//! older folder, or one assembled from shards, the same report its command would have written.
//!
//! It must never reach outside the file: charts are inline SVG, tables HTML tables, the style
//! inline, no script, nothing fetched, and no path of the machine that wrote it (folders are
//! named by their own name). The sections follow the order a reader needs them, and the last
//! says which items of the STRESS-ABS reporting checklist (Monks et al. 2019) they cover.
//!
//! Templates (templates/report.html, templates/report.css) are askama's: compiled into the
//! binary and checked at build time, so a report cannot fail on a template typo at a user's desk.

mod folder;
mod page;
mod sections;
mod stress;

use std::path::Path;

use askama::Template;

use folder::Folder;
pub use folder::ReportError;
use page::Section;

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    version: String,
    title: String,
    subtitle: Vec<String>,
    css: &'static str,
    sections: Vec<Section>,
}

const CSS: &str = include_str!("../../../templates/report.css");

/// The report of the results folder `dir`, as HTML text.
pub fn render(dir: &Path) -> Result<String, ReportError> {
    let folder = Folder::open(dir)?;
    let mut page = sections::page(&folder)?;
    for s in &mut page.sections {
        let texts = s.intro.iter_mut().chain(&mut s.outro);
        let notes = s.tables.iter_mut().flat_map(|t| &mut t.notes);
        let values = s.facts.iter_mut().flatten().map(|(_, v)| v);
        for text in texts.chain(notes).chain(values) {
            *text = inline(text);
        }
    }
    Page {
        version: folder.str("/coopsim_version"),
        title: page.title,
        subtitle: page.subtitle,
        css: CSS,
        sections: page.sections,
    }
    .render()
    .map_err(|e| ReportError::Template(e.to_string()))
}

/// Plain text as HTML: escaped, with each `span in backticks` as code.
fn inline(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut out = String::with_capacity(escaped.len());
    let mut parts = escaped.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // An unpaired backtick stays as it is.
    let paired = rest.len() - rest.len() % 2;
    for (i, part) in rest.iter().enumerate() {
        if i >= paired {
            out.push('`');
            out.push_str(part);
        } else if i % 2 == 0 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Renders the report of `dir` and writes it to `out`, atomically: into a temporary file beside
/// it, renamed into place, so `out` is either the old file or the whole new one.
pub fn write(dir: &Path, out: &Path) -> Result<(), ReportError> {
    let html = render(dir)?;
    write_atomically(out, html.as_bytes())
}

fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    use std::io::Write;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report.html".into());
    let temp = out.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = std::fs::File::create(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temp, out));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        ReportError::Write(out.to_path_buf(), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_backticks_become_code() {
        assert_eq!(
            inline("a `b<c>` & \"d\""),
            "a <code>b&lt;c&gt;</code> &amp; &quot;d&quot;"
        );
        assert_eq!(inline("one ` alone"), "one ` alone");
        assert_eq!(inline("`x` and `y`"), "<code>x</code> and <code>y</code>");
    }
}
