//! A sensitivity analysis's tables: every index of every parameter for every outcome (the frame of
//! `sensitivity.csv`), each outcome's spread over the ranges (Latin hypercube), the design with
//! every point's parameters and responses, `sensitivity.md` ranked table by table, and the ranking
//! printed when it ends. Pure: the analysis in, frames and text out.

use polars::prelude::*;

use crate::analysis::sensitivity::{IndexRow, Spread};
use crate::present::validation::shown;

/// The frame of `sensitivity.csv`: outcome, parameter, index, value, its 95% interval and the
/// replication noise.
pub fn index_table(rows: &[IndexRow]) -> PolarsResult<DataFrame> {
    let num = |f: fn(&IndexRow) -> f64| -> Vec<Option<f64>> {
        rows.iter()
            .map(|r| Some(f(r)).filter(|x| x.is_finite()))
            .collect()
    };
    DataFrame::new_infer_height(vec![
        Column::new(
            "outcome".into(),
            rows.iter().map(|r| r.outcome.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "parameter".into(),
            rows.iter()
                .map(|r| r.parameter.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "index".into(),
            rows.iter().map(|r| r.index).collect::<Vec<_>>(),
        ),
        Column::new("value".into(), num(|r| r.value)),
        Column::new("ci_low".into(), num(|r| r.low)),
        Column::new("ci_high".into(), num(|r| r.high)),
        Column::new("noise".into(), num(|r| r.noise)),
    ])
}

/// The frame of `uncertainty.csv`: each outcome's quantiles over the Latin hypercube's points.
pub fn spread_table(spreads: &[Spread]) -> PolarsResult<DataFrame> {
    let mut columns = vec![Column::new(
        "outcome".into(),
        spreads
            .iter()
            .map(|s| s.outcome.as_str())
            .collect::<Vec<_>>(),
    )];
    for (k, q) in ["q05", "q25", "q50", "q75", "q95"].into_iter().enumerate() {
        columns.push(Column::new(
            q.into(),
            spreads.iter().map(|s| s.quantiles[k].1).collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new(
        "noise".into(),
        spreads.iter().map(|s| s.mean_noise).collect::<Vec<_>>(),
    ));
    DataFrame::new_infer_height(columns)
}

/// The indices of `outcome` by parameter: for each parameter its row of each index, ranked by
/// `by` (largest absolute value first).
fn ranked<'a>(rows: &'a [IndexRow], outcome: &str, by: &str) -> Vec<(&'a str, Vec<&'a IndexRow>)> {
    let mut parameters: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.outcome == outcome) {
        if !parameters.contains(&r.parameter.as_str()) {
            parameters.push(&r.parameter);
        }
    }
    let mut out: Vec<(&str, Vec<&IndexRow>)> = parameters
        .into_iter()
        .map(|p| {
            (
                p,
                rows.iter()
                    .filter(|r| r.outcome == outcome && r.parameter == p)
                    .collect(),
            )
        })
        .collect();
    let key = |rows: &Vec<&IndexRow>| {
        rows.iter()
            .find(|r| r.index == by)
            .map_or(f64::NEG_INFINITY, |r| {
                if r.value.is_finite() {
                    r.value.abs()
                } else {
                    f64::NEG_INFINITY
                }
            })
    };
    out.sort_by(|a, b| key(&b.1).total_cmp(&key(&a.1)));
    out
}

/// The parameters of `outcome` in rank order, with the ranking index's row.
pub fn ranking<'a>(rows: &'a [IndexRow], outcome: &str, by: &str) -> Vec<&'a IndexRow> {
    ranked(rows, outcome, by)
        .into_iter()
        .filter_map(|(_, rs)| rs.into_iter().find(|r| r.index == by))
        .collect()
}

/// Whether an index explains no more than replication noise: a Morris effect no larger than
/// its noise, an ST no larger than the noise's share of the variance, a rank correlation whose
/// square (about the share it explains) is no larger.
pub fn within_noise(r: &IndexRow) -> bool {
    match r.index {
        "rank_correlation" => r.value * r.value <= r.noise,
        _ => r.value.abs() <= r.noise,
    }
}

fn cell(r: &IndexRow) -> String {
    if r.low.is_finite() && r.high.is_finite() {
        format!("{} [{}, {}]", shown(r.value), shown(r.low), shown(r.high))
    } else {
        shown(r.value)
    }
}

/// `sensitivity.md`: a heading, what ran, then one ranked table per outcome.
pub fn markdown(
    title: &str,
    about: &str,
    outcomes: &[String],
    rows: &[IndexRow],
    by: &str,
    spreads: &[Spread],
) -> String {
    let mut out = format!("# {title}\n\n{about}\n");
    for outcome in outcomes {
        let ranked = ranked(rows, outcome, by);
        let Some((_, first)) = ranked.first() else {
            continue;
        };
        let indices: Vec<&str> = first.iter().map(|r| r.index).collect();
        out.push_str(&format!("\n## {outcome}\n\n| parameter |"));
        for i in &indices {
            out.push_str(&format!(" {i} |"));
        }
        out.push_str(" replication noise |\n|---|");
        out.push_str(&"---:|".repeat(indices.len() + 1));
        out.push('\n');
        for (parameter, rs) in &ranked {
            out.push_str(&format!("| `{parameter}` |"));
            for r in rs {
                out.push_str(&format!(" {} |", cell(r)));
            }
            out.push_str(&format!(" {} |\n", shown(rs[0].noise)));
        }
        if let Some(s) = spreads.iter().find(|s| &s.outcome == outcome) {
            let q: Vec<String> = s
                .quantiles
                .iter()
                .map(|(q, v)| format!("{:.0}%: {}", q * 100.0, shown(*v)))
                .collect();
            out.push_str(&format!(
                "\nOver the ranges: {} (replication noise: {} of the variance).\n",
                q.join(", "),
                shown(s.mean_noise)
            ));
        }
    }
    out
}

/// The ranking printed at the end: `outcome`'s parameters by the method's main index.
pub fn ranking_text(rows: &[IndexRow], outcome: &str, by: &str) -> String {
    let ranked = ranking(rows, outcome, by);
    let width = ranked.iter().map(|r| r.parameter.len()).fold(9, usize::max);
    let mut out = format!(
        "{outcome}: parameters ranked by {by} [95% interval], beside what replication noise \
         leaves in it\n"
    );
    for (i, r) in ranked.iter().enumerate() {
        let below = r.noise.is_finite() && within_noise(r);
        out.push_str(&format!(
            "{:>3}. {:<width$}  {}  noise {}{}\n",
            i + 1,
            r.parameter,
            cell(r),
            shown(r.noise),
            if below { "  (within the noise)" } else { "" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(parameter: &str, index: &'static str, value: f64) -> IndexRow {
        IndexRow {
            outcome: "survival_gap".into(),
            parameter: parameter.into(),
            index,
            value,
            low: value - 0.1,
            high: value + 0.1,
            noise: 0.05,
        }
    }

    #[test]
    fn parameters_are_ranked_by_the_size_of_the_method_s_index() {
        let rows = vec![
            row("a", "mu_star", 0.2),
            row("a", "sigma", 9.0),
            row("b", "mu_star", 0.9),
            row("b", "sigma", 0.1),
            row("c", "mu_star", 0.01),
            row("c", "sigma", 0.1),
        ];
        let order: Vec<&str> = ranking(&rows, "survival_gap", "mu_star")
            .iter()
            .map(|r| r.parameter.as_str())
            .collect();
        assert_eq!(order, ["b", "a", "c"]);
        let text = ranking_text(&rows, "survival_gap", "mu_star");
        assert!(
            text.lines().nth(3).unwrap().contains("within the noise"),
            "{text}"
        );
        let md = markdown(
            "t",
            "about",
            &["survival_gap".into()],
            &rows,
            "mu_star",
            &[],
        );
        assert!(
            md.contains("| mu_star | sigma | replication noise |"),
            "{md}"
        );
        assert!(md.find("`b`").unwrap() < md.find("`a`").unwrap());
    }
}
