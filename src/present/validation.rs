//! `validate`'s tables: every measure's band, model mean and interval, and whether it is met, as
//! the frame of `validation.csv`, the rows printed when it ends, and `validation.md` with what
//! each figure is and where it comes from. Pure: targets and rows in, text and frames out.

use polars::prelude::*;

use crate::analysis::targets::{Measure, Targets, number};
use crate::analysis::validation::{Row, target_met, targets_met};
use crate::scenario::Scenario;

/// The frame of `validation.csv`: one row per measure.
pub fn table(t: &Targets, rows: &[Row]) -> PolarsResult<DataFrame> {
    let target = |r: &Row| &t.targets[r.target];
    let measure = |r: &Row| &t.targets[r.target].measures[r.measure];
    let strings = |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let numbers = |f: &dyn Fn(&Row) -> f64| {
        rows.iter()
            .map(|r| Some(f(r)).filter(|x| x.is_finite()))
            .collect::<Vec<Option<f64>>>()
    };
    DataFrame::new_infer_height(vec![
        Column::new("id".into(), strings(&|r| target(r).id.clone())),
        Column::new("measure".into(), strings(&|r| measure(r).label.clone())),
        Column::new(
            "band_low".into(),
            rows.iter().map(|r| measure(r).band.low).collect::<Vec<_>>(),
        ),
        Column::new(
            "band_high".into(),
            rows.iter()
                .map(|r| measure(r).band.high)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "interval_excludes".into(),
            rows.iter()
                .map(|r| measure(r).interval_excludes)
                .collect::<Vec<_>>(),
        ),
        Column::new("mean".into(), numbers(&|r| r.estimate.mean)),
        Column::new("ci_low".into(), numbers(&|r| r.estimate.low)),
        Column::new("ci_high".into(), numbers(&|r| r.estimate.high)),
        Column::new(
            "replications".into(),
            rows.iter().map(|r| r.estimate.n).collect::<Vec<u32>>(),
        ),
        Column::new(
            "met".into(),
            rows.iter().map(|r| r.met).collect::<Vec<bool>>(),
        ),
        Column::new(
            "target_met".into(),
            rows.iter()
                .map(|r| target_met(rows, r.target))
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "calibrated".into(),
            rows.iter()
                .map(|r| target(r).calibrated)
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "chosen_months".into(),
            strings(&|r| r.chosen.clone().unwrap_or_default()),
        ),
        Column::new("figure".into(), strings(&|r| target(r).figure.clone())),
        Column::new("source".into(), strings(&|r| target(r).source.clone())),
    ])
}

/// A value as the table shows it: four significant digits at most.
pub fn shown(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let digits = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (3 - digits).clamp(0, 4) as usize;
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

/// The band with an interval condition, as the table shows it.
fn band_text(m: &Measure) -> String {
    match m.interval_excludes {
        Some(z) => format!("{}, interval excluding {}", m.band, number(z)),
        None => m.band.to_string(),
    }
}

/// The rows of the printed and Markdown tables: id, measure, band, model, met, calibrated.
pub fn text_rows(t: &Targets, rows: &[Row]) -> Vec<[String; 6]> {
    rows.iter()
        .map(|r| {
            let target = &t.targets[r.target];
            let m = &target.measures[r.measure];
            let e = &r.estimate;
            let model = if e.mean.is_finite() {
                format!("{} [{}, {}]", shown(e.mean), shown(e.low), shown(e.high))
            } else {
                "n/a (no replication had a value)".to_string()
            };
            [
                target.id.clone(),
                m.label.clone(),
                band_text(m),
                model,
                if r.met { "met" } else { "NOT MET" }.to_string(),
                if target.calibrated {
                    "calibrated"
                } else {
                    "out of sample"
                }
                .to_string(),
            ]
        })
        .collect()
}

/// `validation.md`: the table, then each figure with its source and whether a parameter was
/// calibrated on it, the months chosen from mean paths and the scenarios.
pub fn markdown(t: &Targets, scenarios: &[Scenario], rows: &[Row]) -> String {
    let s = &scenarios[0];
    let met = rows.iter().filter(|r| r.met).count();
    let targets_met = targets_met(rows, t.targets.len());
    let mut out = format!(
        "# Validation: {}\n\n{}{} of {} targets met ({} of {} measures); {} paired replications per scenario (common random numbers, seed {}). \
         Each model value is the mean over replications with its 95% confidence interval (Student t); a measure is met when the mean lies in its band \
         (and, where asked, the interval leaves out the value named).\n\n",
        t.origin,
        if t.description.is_empty() {
            String::new()
        } else {
            format!("{}\n\n", t.description)
        },
        targets_met,
        t.targets.len(),
        met,
        rows.len(),
        s.replications,
        s.seed
    );
    out.push_str("| id | measure | band | model mean [95% CI] | met | calibrated |\n|---|---|---|---|---|---|\n");
    for row in text_rows(t, rows) {
        out.push_str(&format!(
            "| {} |\n",
            row.map(|c| c.replace('|', "\\|")).join(" | ")
        ));
    }
    out.push_str("\n## The figures\n\n");
    for (i, target) in t.targets.iter().enumerate() {
        let calibrated = match (&target.calibrated_on, target.calibrated) {
            (Some(p), true) => format!(" Calibrated on it: {p}."),
            (None, true) => " A parameter was calibrated on it.".to_string(),
            _ => " Out of sample: no parameter was fitted to it.".to_string(),
        };
        out.push_str(&format!(
            "- **{}** ({}): {} Source: {}.{}\n",
            target.id,
            if target_met(rows, i) {
                "met"
            } else {
                "not met"
            },
            target.figure.trim_end_matches('.'),
            target.source.trim_end_matches('.'),
            calibrated
        ));
    }
    let chosen: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.chosen.as_ref().map(|c| {
                format!(
                    "- {} ({}): {c}\n",
                    t.targets[r.target].id, t.targets[r.target].measures[r.measure].label
                )
            })
        })
        .collect();
    if !chosen.is_empty() {
        out.push_str("\nMonths chosen from the mean paths:\n\n");
        out.push_str(&chosen.concat());
    }
    out.push_str("\nScenarios:\n\n");
    for r in &t.scenarios {
        let set = if r.set.is_empty() {
            String::new()
        } else {
            format!(" with {}", r.set.join(", "))
        };
        out.push_str(&format!(
            "- `{}`: `{}`{set} (`scenarios/{}.toml` here)\n",
            r.name, r.file_as_written, r.name
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values_show_four_significant_digits() {
        assert_eq!(shown(0.71234), "0.7123");
        assert_eq!(shown(12.3456), "12.35");
        assert_eq!(shown(-0.00001), "0.0000");
        assert_eq!(shown(f64::NAN), "n/a");
    }
}
