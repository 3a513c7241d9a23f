//! The report's page before templating: sections of paragraphs, tables, facts, rendered
//! Markdown and charts. Plain data; the sections are built in `sections`, drawn by the template.

/// One section of the report: a title, paragraphs, tables, facts, rendered Markdown and charts,
/// shown in that order.
#[derive(Debug, Default)]
pub(super) struct Section {
    /// The anchor the contents link to.
    pub(super) id: &'static str,
    pub(super) title: String,
    /// Printed from a new page.
    pub(super) own_page: bool,
    /// Paragraphs of text, with `code` in backticks (made HTML by `inline` before templating).
    pub(super) intro: Vec<String>,
    pub(super) tables: Vec<Table>,
    /// Lists of (term, value), values as the paragraphs.
    pub(super) facts: Vec<Vec<(String, String)>>,
    /// HTML made from the folder's Markdown tables (escaped by pulldown-cmark).
    pub(super) html: Vec<String>,
    pub(super) charts: Vec<Figure>,
    /// Notes under everything else.
    pub(super) outro: Vec<String>,
}

/// A table: the first cell of each row is its label.
#[derive(Debug, Default)]
pub(super) struct Table {
    pub(super) id: String,
    pub(super) caption: String,
    pub(super) head: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    /// Cells after the first are numbers (right-aligned).
    pub(super) numeric: bool,
    pub(super) notes: Vec<String>,
}

/// A chart of the folder, inline.
#[derive(Debug)]
pub(super) struct Figure {
    pub(super) id: String,
    pub(super) number: usize,
    /// The chart's own title, read from the SVG.
    pub(super) title: String,
    pub(super) caption: String,
    /// File name inside `charts/`.
    pub(super) file: String,
    /// The SVG, sized to the page.
    pub(super) svg: String,
}
