//! The parameter reference in docs/MODEL.md, generated from the scenario schema so it cannot
//! drift from the code (a test checks the document holds exactly this table).

use crate::scenario::parameter_docs;

/// Markdown table of every parameter: key, default, unit, meaning, source.
pub fn parameter_table() -> String {
    parameters_matching("").expect("the schema has parameters")
}

/// The table's rows whose key contains `part` (ignoring case); `None` when no key does.
pub fn parameters_matching(part: &str) -> Option<String> {
    let part = part.to_lowercase();
    let rows: Vec<_> = parameter_docs()
        .into_iter()
        .filter(|d| d.key.to_lowercase().contains(&part))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut out =
        String::from("| key | default | unit | meaning | source |\n|---|---|---|---|---|\n");
    for d in rows {
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
    Some(out)
}
