//! A run's headline: how each kind came through the crisis, and the crisis's effect against the
//! control, as `headline.md` and as the text printed when the run ends. Pure: the headline table
//! (and the crisis effect's estimates) in, text out.

use polars::prelude::*;

use super::one_line;
use crate::analysis::Estimate;
use crate::analysis::effect::{self, CrisisEffect, GROUPS, Measure, effect_column};
use crate::analysis::summary::HEADLINE;
use crate::output::counted;
use crate::scenario::{Kind, Scenario};

/// Titles and scale of the headline outcomes, in `HEADLINE` order.
pub(crate) const HEADLINE_LABELS: [(&str, f64); 10] = [
    ("survival to end of crisis window, %", 100.0),
    ("exit hazard in crisis, %/month", 100.0),
    ("hazard ratio vs conventional", 1.0),
    ("employment, pre-crisis to trough, %", 100.0),
    ("pay per worker, pre-crisis to trough, %", 100.0),
    ("reserves / assets at onset, %", 100.0),
    ("reserves / assets change in window, pp", 100.0),
    ("debt / assets at onset, %", 100.0),
    ("debt / assets change in window, pp", 100.0),
    ("exits among most fragile fifth, %", 100.0),
];

/// "mean [ci_low, ci_high]" for headline outcome `name` of row `row`, scaled.
pub fn headline_cell(df: &DataFrame, name: &str, row: usize, scale: f64) -> PolarsResult<String> {
    let get = |suffix: &str| -> PolarsResult<Option<f64>> {
        Ok(df
            .column(&format!("{name}_{suffix}"))?
            .f64()?
            .get(row)
            .map(|v| v * scale))
    };
    Ok(match (get("mean")?, get("ci_low")?, get("ci_high")?) {
        (Some(m), Some(lo), Some(hi)) => format!("{m:.2} [{lo:.2}, {hi:.2}]"),
        (Some(m), _, _) => format!("{m:.2}"),
        _ => "n/a".to_string(),
    })
}

/// `headline.md`: the levels table, then (when the run was paired with its control) the crisis
/// effect's, or the note saying why there is none.
pub fn headline_markdown(
    s: &Scenario,
    df: &DataFrame,
    effect: Option<&CrisisEffect>,
    control_note: Option<&str>,
) -> PolarsResult<String> {
    let mut out = format!("# {}: how each kind came through the crisis\n\n", s.name);
    let description = one_line(&s.description);
    if !description.is_empty() {
        out.push_str(&format!("{}.\n\n", description.trim_end_matches('.')));
    }
    out.push_str(&format!(
        "{} of {} (seed {}); crisis window {}. Each cell is the mean \
         across replications with its 95% confidence interval in brackets; `headline.csv` also has \
         the 5% and 95% quantiles across replications.\n\n| kind |",
        counted(u64::from(s.replications), "replication"),
        counted(u64::from(s.population.firms), "firm"),
        s.seed,
        super::crisis_window_span(s)
    ));
    for (label, _) in HEADLINE_LABELS {
        out.push_str(&format!(" {label} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(HEADLINE_LABELS.len()));
    out.push('\n');
    let kinds = df.column("kind")?.str()?.clone();
    for row in 0..df.height() {
        out.push_str(&format!("| {} |", kinds.get(row).unwrap_or("")));
        for (name, (_, scale)) in HEADLINE.iter().zip(HEADLINE_LABELS) {
            out.push_str(&format!(" {} |", headline_cell(df, name, row, scale)?));
        }
        out.push('\n');
    }
    let Some(e) = effect else {
        if let Some(note) = control_note {
            out.push_str(&format!("\nNote: {note}.\n"));
        }
        return Ok(out);
    };
    out.push_str(
        "\n## Crisis effect: against the control\n\nEach cell is the mean across replications of \
         the paired difference between this scenario and its control, the same replication with \
         the shock removed (same seed, firms and random streams; every crisis and austerity depth \
         and credit-crunch change set to 0, the timing kept), with its 95% confidence interval. \
         Employment and pay are against the control relative to the month before onset; the worst \
         month is the crisis-window month where the mean shortfall is deepest. \
         `crisis_effect.csv` has the same numbers, `crisis_effect_monthly.csv` the employment \
         path month by month.\n\n| kind |",
    );
    for m in Measure::ALL {
        out.push_str(&format!(" {} |", m.label()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(Measure::ALL.len()));
    out.push('\n');
    for g in 0..GROUPS {
        let name = effect::group_kind(g).map_or("all firms", Kind::name);
        out.push_str(&format!("| {name} |"));
        for m in Measure::ALL {
            let (estimate, month) = e.estimate(g, m);
            let at = month.map_or(String::new(), |t| match s.start.month() {
                Some(start) => format!(" in month {t} ({})", start.plus(i64::from(t)).label()),
                None => format!(" in month {t}"),
            });
            out.push_str(&format!(" {}{at} |", estimate_cell(&estimate)));
        }
        out.push('\n');
    }
    Ok(out)
}

/// "mean [ci_low, ci_high]" of an estimate, as `headline_cell` writes a headline outcome.
fn estimate_cell(e: &Estimate) -> String {
    match (e.mean, e.low, e.high) {
        (m, lo, hi) if m.is_finite() && lo.is_finite() && hi.is_finite() => {
            format!("{m:.2} [{lo:.2}, {hi:.2}]")
        }
        (m, _, _) if m.is_finite() => format!("{m:.2}"),
        _ => "n/a".to_string(),
    }
}

/// The plain-text headline printed at the end of a run: one line per outcome, one column per kind
/// (a kind the run had no firms of, all n/a, is left out); then, when the headline has them, the
/// crisis effect's lines in a block of their own.
pub fn headline_text(df: &DataFrame) -> PolarsResult<String> {
    let kinds = df.column("kind")?.str()?.clone();
    let levels: Vec<(&str, &str, f64)> = HEADLINE
        .iter()
        .zip(HEADLINE_LABELS)
        .map(|(name, (label, scale))| (label, *name, scale))
        .collect();
    let effect_columns: Vec<String> = Measure::ALL.iter().map(|m| effect_column(*m)).collect();
    let effects: Vec<(&str, &str, f64)> = if has_effect(df) {
        Measure::ALL
            .iter()
            .zip(&effect_columns)
            .map(|(m, column)| (m.label(), column.as_str(), 1.0))
            .collect()
    } else {
        Vec::new()
    };
    let mut columns = Vec::new();
    for row in 0..df.height() {
        let mut cells = Vec::new();
        for (_, name, scale) in levels.iter().chain(&effects) {
            cells.push(headline_cell(df, name, row, *scale)?);
        }
        if cells[..levels.len()].iter().any(|c| c != "n/a") {
            columns.push((kinds.get(row).unwrap_or(""), cells));
        }
    }
    let width = levels
        .iter()
        .chain(&effects)
        .map(|(label, _, _)| label.chars().count())
        .fold(40, usize::max);
    let mut out = format!("{:<width$}", "");
    for (kind, _) in &columns {
        out.push_str(&format!(" {kind:>22}"));
    }
    out.push('\n');
    for (i, (label, _, _)) in levels.iter().chain(&effects).enumerate() {
        if i == levels.len() {
            out.push_str(
                "\ncrisis effect: this scenario minus its control (the same replications without \
                 the shock)\n",
            );
        }
        out.push_str(&format!("{label:<width$}"));
        for (_, cells) in &columns {
            out.push_str(&format!(" {:>22}", cells[i]));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Whether a headline table carries the crisis effect's columns.
pub fn has_effect(df: &DataFrame) -> bool {
    Measure::ALL
        .iter()
        .all(|m| df.column(&format!("{}_mean", effect_column(*m))).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_headline_leaves_out_a_kind_the_run_had_no_firms_of() {
        // Two kinds: conventional with values, worker co-ops with none (not in the mix).
        let mut columns = vec![Column::new("kind".into(), ["conventional", "worker_coop"])];
        for name in HEADLINE {
            for suffix in ["mean", "ci_low", "ci_high"] {
                let values = [Some(0.5), None];
                columns.push(Column::new(format!("{name}_{suffix}").into(), values));
            }
        }
        let df = DataFrame::new_infer_height(columns).unwrap();
        let text = headline_text(&df).unwrap();
        let header = text.lines().next().unwrap();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            ["conventional"]
        );
        assert!(!text.contains("n/a"), "{text}");
        assert_eq!(text.lines().count(), 1 + HEADLINE.len());
    }
}
