//! The parameter reference in docs/MODEL.md, generated from the scenario schema so it cannot
//! drift from the code (a test checks the document holds exactly this table).

use crate::scenario::parameter_docs;

/// Markdown table of every parameter: key, default, unit, meaning, source.
pub fn parameter_table() -> String {
    let mut out =
        String::from("| key | default | unit | meaning | source |\n|---|---|---|---|---|\n");
    for d in parameter_docs() {
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            d.key,
            cell(&d.default),
            cell(d.unit),
            cell(&d.doc),
            cell(d.source)
        ));
    }
    out
}
