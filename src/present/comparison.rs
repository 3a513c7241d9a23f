//! Readable tables of a sweep or comparison: the summary printed when it ends and `sweep.md` /
//! `compare.md`, one table per outcome (arms down, kinds across) ready to paste into a report.
//! Each cell is the arm's mean across replications and, for every arm but the base, its paired
//! difference from the base with the 95% interval of that difference. Pure: a table in, text out.

use std::collections::HashMap;

use polars::prelude::*;

use super::one_line;
use crate::analysis::summary::ALL;
use crate::experiment::{Arm, Design};
use crate::output::{counted, grouped};
use crate::scenario::Scenario;

/// How one outcome of the comparison table reads.
struct OutcomeText {
    name: &'static str,
    /// With its unit.
    label: &'static str,
    /// From the table's unit to the label's (shares to %).
    scale: f64,
    decimals: usize,
    /// The kinds it is reported for, in column order.
    kinds: &'static [&'static str],
}

const EVERY_KIND: &[&str] = &[
    "conventional",
    "worker_coop",
    "social_coop_a",
    "social_coop_b",
    "public_service_mutual",
];
const EVERY_KIND_AND_ALL: &[&str] = &[
    "conventional",
    "worker_coop",
    "social_coop_a",
    "social_coop_b",
    "public_service_mutual",
    ALL,
];
const NOT_CONVENTIONAL: &[&str] = &[
    "worker_coop",
    "social_coop_a",
    "social_coop_b",
    "public_service_mutual",
];

/// Every outcome of `comparison::OUTCOMES`, in its order.
const OUTCOME_TEXT: [OutcomeText; 10] = [
    OutcomeText {
        name: "survival_to_window_end",
        label: "survival to end of crisis window, %",
        scale: 100.0,
        decimals: 2,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "crisis_hazard",
        label: "exit hazard in crisis, %/month",
        scale: 100.0,
        decimals: 3,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "hazard_ratio_vs_conventional",
        label: "hazard ratio vs conventional",
        scale: 1.0,
        decimals: 3,
        kinds: NOT_CONVENTIONAL,
    },
    OutcomeText {
        name: "employment_change",
        label: "employment, pre-crisis to trough, %",
        scale: 100.0,
        decimals: 2,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "pay_change",
        label: "pay per worker, pre-crisis to trough, %",
        scale: 100.0,
        decimals: 2,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "reserves_share",
        label: "reserves / assets at onset, %",
        scale: 100.0,
        decimals: 2,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "leverage",
        label: "debt / assets at onset, %",
        scale: 100.0,
        decimals: 2,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "fragile_exit_share",
        label: "exits among most fragile fifth, %",
        scale: 100.0,
        decimals: 2,
        kinds: EVERY_KIND,
    },
    OutcomeText {
        name: "exits",
        label: "exits in crisis window, firms",
        scale: 1.0,
        decimals: 1,
        kinds: EVERY_KIND_AND_ALL,
    },
    OutcomeText {
        name: "public_cost",
        label: "public cost of the levers in crisis window, GBP million",
        scale: 0.001,
        decimals: 2,
        kinds: &[ALL],
    },
];

/// What the terminal shows: the question coopsim answers (a co-op kind against SMEs) and the cost.
const PRINTED: [&str; 4] = [
    "survival_to_window_end",
    "hazard_ratio_vs_conventional",
    "employment_change",
    "public_cost",
];

/// The kinds a printed outcome is shown for, with `coop` as the co-op kind (see `printed_coop`).
fn printed_kinds(outcome: &str, coop: &'static str) -> Vec<&'static str> {
    match outcome {
        "hazard_ratio_vs_conventional" => vec![coop],
        "public_cost" => vec![ALL],
        _ => vec!["conventional", coop],
    }
}

/// The co-op kind the terminal shows: worker co-ops, or where no arm has any, the first co-op
/// kind some arm has (a study of social co-ops or mutuals alone).
fn printed_coop(cells: &Cells) -> &'static str {
    NOT_CONVENTIONAL
        .iter()
        .copied()
        .find(|kind| cells.has(kind, "survival_to_window_end"))
        .unwrap_or("worker_coop")
}

#[derive(Default)]
struct Cell {
    mean: Option<f64>,
    difference: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

/// The comparison table's cells by (arm, kind, outcome), and the arms' labels in arm order.
struct Cells {
    labels: Vec<String>,
    cells: HashMap<(u32, String, String), Cell>,
}

impl Cells {
    fn of(table: &DataFrame) -> PolarsResult<Cells> {
        let arm = table.column("arm")?.u32()?;
        let label = table.column("label")?.str()?;
        let kind = table.column("kind")?.str()?;
        let outcome = table.column("outcome")?.str()?;
        let f =
            |name: &str| -> PolarsResult<Float64Chunked> { Ok(table.column(name)?.f64()?.clone()) };
        let (mean, difference) = (f("mean")?, f("difference")?);
        let (low, high) = (f("difference_ci_low")?, f("difference_ci_high")?);
        let mut labels: Vec<String> = Vec::new();
        let mut cells = HashMap::new();
        for i in 0..table.height() {
            let (Some(a), Some(k), Some(o)) = (arm.get(i), kind.get(i), outcome.get(i)) else {
                continue;
            };
            let a_index = a as usize;
            if labels.len() <= a_index {
                labels.resize(a_index + 1, String::new());
            }
            labels[a_index] = label.get(i).unwrap_or("").to_string();
            cells.insert(
                (a, k.to_string(), o.to_string()),
                Cell {
                    mean: mean.get(i),
                    difference: difference.get(i),
                    low: low.get(i),
                    high: high.get(i),
                },
            );
        }
        Ok(Cells { labels, cells })
    }

    /// Whether some arm has a value of `outcome` for `kind`.
    fn has(&self, kind: &str, outcome: &str) -> bool {
        self.cells
            .iter()
            .any(|((_, k, o), c)| k == kind && o == outcome && c.mean.is_some())
    }

    /// Rows of one outcome: the arm's label, then one cell per kind.
    fn rows(&self, text: &OutcomeText, kinds: &[&str]) -> Vec<Vec<String>> {
        let empty = Cell::default();
        (0..self.labels.len())
            .map(|arm| {
                let mut row = vec![self.labels[arm].clone()];
                for kind in kinds {
                    let key = (arm as u32, kind.to_string(), text.name.to_string());
                    row.push(cell_text(
                        self.cells.get(&key).unwrap_or(&empty),
                        arm == 0,
                        text,
                    ));
                }
                row
            })
            .collect()
    }
}

/// `v` with `decimals` decimals, digits grouped by thousands, a sign if `signed`; never "-0".
fn number(v: f64, decimals: usize, signed: bool) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let negative = v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let (whole, fraction) = text.split_at(text.find('.').unwrap_or(text.len()));
    let sign = match (negative, signed) {
        (true, _) => "-",
        (false, true) => "+",
        (false, false) => "",
    };
    format!("{sign}{}{fraction}", grouped(whole))
}

/// "mean (difference [low, high])"; the base arm (and a missing difference) shows the mean alone.
fn cell_text(c: &Cell, base: bool, text: &OutcomeText) -> String {
    let n = |v: f64, signed| number(v * text.scale, text.decimals, signed);
    let Some(mean) = c.mean else {
        return "n/a".into();
    };
    match (base, c.difference, c.low, c.high) {
        (false, Some(d), Some(l), Some(h)) => {
            format!(
                "{} ({} [{}, {}])",
                n(mean, false),
                n(d, true),
                n(l, true),
                n(h, true)
            )
        }
        (false, Some(d), _, _) => format!("{} ({})", n(mean, false), n(d, true)),
        _ => n(mean, false),
    }
}

fn outcome_text(name: &str) -> &'static OutcomeText {
    OUTCOME_TEXT
        .iter()
        .find(|t| t.name == name)
        .expect("every printed outcome has its text")
}

/// Aligned plain text: the first column to the left, the others to the right.
fn plain(header: &[String], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].chars().count())
            .chain([header[c].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let line = |cells: &[String]| {
        let mut out = format!("{:<w$}", cells[0], w = widths[0]);
        for (cell, w) in cells.iter().zip(&widths).skip(1) {
            out.push_str(&format!("   {cell:>w$}"));
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// A Markdown table: the first column to the left, the others to the right.
fn markdown(header: &[String], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let mut out = line(header);
    out.push_str("|---|");
    out.push_str(&"---:|".repeat(header.len() - 1));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

fn header(first: &str, kinds: &[&str]) -> Vec<String> {
    let mut h = vec![first.to_string()];
    h.extend(kinds.iter().map(|k| {
        if *k == ALL {
            "all firms".to_string()
        } else {
            k.to_string()
        }
    }));
    h
}

/// What every cell means, for the line above the tables.
fn legend(base: &str) -> String {
    format!(
        "Each cell: the arm's mean across replications and, in brackets, its paired difference from \
         `{base}` with the 95% confidence interval of that difference (differences of % are \
         percentage points)."
    )
}

/// The arms' labels as the printed summary shows them, and the key to them (empty if none is
/// replaced). A label wider than the printed outcomes' own names (several settings, adjustment
/// orders) would widen the first column and push the numbers off a terminal's edge: then every
/// arm is shown by its number in the table's `arm` column (`arm 1`, `arm 2`...; the base keeps
/// its label if that fits) and the key lists them.
fn printed_labels(labels: &[String]) -> (Vec<String>, String) {
    let width = PRINTED
        .iter()
        .map(|name| outcome_text(name).label.chars().count())
        .max()
        .unwrap_or(0);
    let fits = |l: &String| l.chars().count() <= width;
    if labels.iter().all(fits) {
        return (labels.to_vec(), String::new());
    }
    let mut key = String::from("\nArms (the `arm` column of the results table):\n");
    let short = labels
        .iter()
        .enumerate()
        .map(|(arm, label)| {
            if arm == 0 && fits(label) {
                return label.clone();
            }
            key.push_str(&format!("  arm {arm}: {label}\n"));
            format!("arm {arm}")
        })
        .collect();
    (short, key)
}

/// Arms the printed summary shows at most (the base and those after it in arm order); a sweep of
/// more, a curve of many settings, is read from its charts and its Markdown report.
const PRINTED_ARMS: usize = 25;

/// The summary printed when a sweep or comparison ends: survival and employment of conventional
/// SMEs and worker co-ops (or the co-op kind the arms have), the co-ops' hazard ratio, and the
/// public cost. `report` names the Markdown report that has every arm.
pub fn summary_text(table: &DataFrame, report: &str) -> PolarsResult<String> {
    let mut cells = Cells::of(table)?;
    let arms = cells.labels.len();
    cells.labels.truncate(PRINTED_ARMS);
    let key;
    (cells.labels, key) = printed_labels(&cells.labels);
    let base = cells.labels.first().cloned().unwrap_or_default();
    let mut out = legend(&base);
    if arms > PRINTED_ARMS {
        out.push_str(&format!(
            "\nThe first {PRINTED_ARMS} of {} are shown; {report} has every arm.",
            crate::output::counted(arms as u64, "arm")
        ));
    }
    out.push_str(&format!("\n{key}"));
    let coop = printed_coop(&cells);
    for name in PRINTED {
        let text = outcome_text(name);
        let kinds = printed_kinds(name, coop);
        out.push('\n');
        out.push_str(&plain(
            &header(text.label, &kinds),
            &cells.rows(text, &kinds),
        ));
    }
    Ok(out)
}

/// `sweep.md` / `compare.md`: a title, what the cells mean, and one table per outcome with
/// every kind.
pub fn markdown_report(title: &str, about: &str, table: &DataFrame) -> PolarsResult<String> {
    let cells = Cells::of(table)?;
    let base = cells.labels.first().cloned().unwrap_or_default();
    let mut out = format!("# {title}\n\n{about} {}\n", legend(&base));
    for text in &OUTCOME_TEXT {
        out.push_str(&format!("\n## {}\n\n", text.label));
        out.push_str(&markdown(
            &header("arm", text.kinds),
            &cells.rows(text, text.kinds),
        ));
    }
    Ok(out)
}

/// What a sweep's or comparison's reports and charts read of it: its name, its arms and its
/// design.
pub struct Comparison<'a> {
    pub name: &'a str,
    pub arms: &'a [Arm],
    pub design: &'a Design,
}

/// The results table's and the Markdown report's file stem: `sweep` or `compare`.
pub fn stem(design: &Design) -> &'static str {
    match design {
        Design::Sweep { .. } => "sweep",
        _ => "compare",
    }
}

/// The Markdown report's title and its line on what was run.
pub fn report_heading(req: &Comparison<'_>) -> (String, String) {
    let base = &req.arms[0].scenario;
    let title = match &req.design {
        Design::Sweep { keys } => format!("{}: sweep of {}", req.name, keys.join(", ")),
        _ => {
            let others: Vec<&str> = req.arms[1..].iter().map(|a| a.label.as_str()).collect();
            format!("{} compared with {}", req.name, others.join(", "))
        }
    };
    // Compared scenarios may differ in size and crisis timing; each arm's window outcomes are
    // then over its own window, and the report lists them.
    let reach = |s: &Scenario| {
        format!(
            "{} and crisis window {}",
            counted(u64::from(s.population.firms), "firm"),
            super::crisis_window_span(s)
        )
    };
    let alike = req.arms.iter().all(|a| reach(&a.scenario) == reach(base));
    let about = format!(
        "{} x {} (common random numbers, seed {}); {}. `{}.csv` also has each arm's own 95% interval.",
        counted(req.arms.len() as u64, "arm"),
        counted(u64::from(base.replications), "paired replication"),
        base.seed,
        if alike {
            reach(base)
        } else {
            "firms and crisis windows differ between the arms (above): outcomes in the window \
             are over each arm's own window"
                .to_string()
        },
        stem(req.design),
    );
    // What each compared scenario stands for (a sweep's arms share the base's description), and
    // each arm's size and window when they differ.
    let own_reach = |arm: &Arm| {
        if alike {
            String::new()
        } else {
            reach(&arm.scenario)
        }
    };
    let mut bullets: Vec<(&str, String, String)> = Vec::new();
    match req.design {
        Design::Sweep { .. } => {
            let d = one_line(&base.description);
            bullets.push((&base.name, d, String::new()));
            for arm in req.arms {
                bullets.push((&arm.label, String::new(), own_reach(arm)));
            }
        }
        _ => {
            for arm in req.arms {
                let d = one_line(&arm.scenario.description);
                bullets.push((&arm.label, d, own_reach(arm)));
            }
        }
    }
    let mut stands_for = String::new();
    for (label, description, reach) in bullets {
        let text = match (description.is_empty(), reach.is_empty()) {
            (true, true) => continue,
            (false, true) => description,
            (true, false) => reach,
            (false, false) => format!("{description} ({reach})"),
        };
        stands_for.push_str(&format!("- `{label}`: {text}\n"));
    }
    if !stands_for.is_empty() {
        stands_for.push('\n');
    }
    (title, format!("{stands_for}{about}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> DataFrame {
        df!(
            "arm" => [0u32, 0, 1, 1],
            "label" => ["base", "base", "x=1", "x=1"],
            "kind" => ["worker_coop", "all", "worker_coop", "all"],
            "outcome" => ["survival_to_window_end", "public_cost", "survival_to_window_end", "public_cost"],
            "mean" => [0.758, 9197.8, 0.7621, 21752.6],
            "difference" => [0.0, 0.0, 0.0042, 12554.9],
            "difference_ci_low" => [0.0, 0.0, -0.0049, -10853.3],
            "difference_ci_high" => [0.0, 0.0, 0.0134, 35963.0],
        )
        .unwrap()
    }

    #[test]
    fn cells_show_the_mean_and_the_paired_difference_in_the_rows_unit() {
        let text = summary_text(&table(), "sweep.md").unwrap();
        assert!(text.contains("`base`"), "{text}");
        let survival = text.lines().find(|l| l.starts_with("x=1")).unwrap();
        assert!(survival.ends_with("76.21 (+0.42 [-0.49, +1.34])"), "{text}");
        let cost = text
            .lines()
            .filter(|l| l.starts_with("x=1"))
            .nth(3)
            .unwrap();
        assert!(cost.ends_with("21.75 (+12.55 [-10.85, +35.96])"), "{text}");
        // The base arm's difference from itself is not shown.
        assert!(
            text.lines()
                .any(|l| l.starts_with("base") && l.ends_with("75.80"))
        );
        // A kind the table lacks reads n/a, not 0.
        assert!(text.contains("n/a"), "{text}");
    }

    #[test]
    fn arms_too_wide_for_a_terminal_are_numbered_with_a_key() {
        let long = format!("x=[{}]", "\"hours\", ".repeat(8));
        let labels = |base: &str| -> Vec<String> { vec![base.into(), "y=1".into(), long.clone()] };
        let (short, key) = printed_labels(&labels("base"));
        assert_eq!(short, ["base", "arm 1", "arm 2"]);
        assert!(key.contains("  arm 1: y=1\n") && key.contains(&format!("  arm 2: {long}\n")));
        assert!(!key.contains("base"), "{key}");
        // A base too wide is numbered too; labels that all fit are left alone.
        assert_eq!(printed_labels(&labels(&long)).0[0], "arm 0");
        assert_eq!(
            printed_labels(&labels("base")[..2]),
            (labels("base")[..2].to_vec(), String::new())
        );

        let wide = table()
            .lazy()
            .with_column(
                when(col("arm").eq(lit(1u32)))
                    .then(lit(long.clone()))
                    .otherwise(col("label"))
                    .alias("label"),
            )
            .collect()
            .unwrap();
        let text = summary_text(&wide, "sweep.md").unwrap();
        // The long label appears once, in the key, and no longer sets the first column's width.
        assert_eq!(text.matches(long.as_str()).count(), 1, "{text}");
        assert!(
            text.contains("\nsurvival to end of crisis window, %   conventional"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("arm 1") && l.ends_with("76.21 (+0.42 [-0.49, +1.34])")),
            "{text}"
        );
        // The Markdown report keeps the settings themselves.
        assert!(
            markdown_report("t", "about.", &wide)
                .unwrap()
                .contains(&format!("| {long} |"))
        );
    }

    #[test]
    fn the_report_has_a_table_per_outcome_with_every_kind() {
        let md = markdown_report("t", "about.", &table()).unwrap();
        assert_eq!(md.matches("\n## ").count(), OUTCOME_TEXT.len());
        assert!(md.contains("| arm | conventional | worker_coop | social_coop_a |"));
        assert!(
            md.contains("| x=1 | 21.75 (+12.55 [-10.85, +35.96]) |"),
            "{md}"
        );
    }

    #[test]
    fn kinds_are_named_as_the_model_names_them() {
        let names: Vec<&str> = crate::scenario::Kind::ALL
            .iter()
            .map(|k| k.name())
            .collect();
        assert_eq!(EVERY_KIND, names.as_slice());
        let outcomes: Vec<&str> = OUTCOME_TEXT.iter().map(|t| t.name).collect();
        assert_eq!(outcomes, crate::analysis::arms::OUTCOMES);
    }

    #[test]
    fn numbers_are_grouped_signed_and_never_minus_zero() {
        assert_eq!(number(-0.0001, 2, true), "+0.00");
        assert_eq!(number(-1234567.891, 1, false), "-1,234,567.9");
        assert_eq!(number(999.5, 0, true), "+1,000");
        assert_eq!(number(12554.9, 0, false), "12,555");
    }

    #[test]
    fn without_worker_coops_the_summary_shows_the_co_op_kind_the_arms_have() {
        let survival = "survival_to_window_end";
        let with = |kinds: [&str; 2]| {
            df!(
                "arm" => [0u32, 0, 1, 1],
                "label" => ["base", "base", "x=1", "x=1"],
                "kind" => [kinds[0], kinds[1], kinds[0], kinds[1]],
                "outcome" => [survival; 4],
                "mean" => [None, Some(0.75), None, Some(0.76)],
                "difference" => [None, Some(0.0), None, Some(0.01)],
                "difference_ci_low" => [None, Some(0.0), None, Some(0.0)],
                "difference_ci_high" => [None, Some(0.0), None, Some(0.02)],
            )
            .unwrap()
        };
        let header = |table: &DataFrame| {
            let text = summary_text(table, "sweep.md").unwrap();
            let line = text.lines().find(|l| l.starts_with("survival")).unwrap();
            line.split_whitespace().last().unwrap().to_string()
        };
        // Worker co-ops without a value (none in the mix), social co-ops of type B with one.
        assert_eq!(
            header(&with(["worker_coop", "social_coop_b"])),
            "social_coop_b"
        );
        // Worker co-ops come first whenever an arm has them.
        assert_eq!(
            header(&with(["social_coop_a", "worker_coop"])),
            "worker_coop"
        );
        // No co-op kind at all: worker co-ops, shown as n/a.
        assert_eq!(
            header(&with(["worker_coop", "conventional"])),
            "worker_coop"
        );
    }

    #[test]
    fn a_summary_of_many_arms_prints_the_first_and_points_to_the_report() {
        let arms: Vec<u32> = (0..30).collect();
        let labels: Vec<String> = arms.iter().map(|a| format!("x={a}")).collect();
        let n = arms.len();
        let table = df!(
            "arm" => &arms,
            "label" => &labels,
            "kind" => vec!["worker_coop"; n],
            "outcome" => vec!["survival_to_window_end"; n],
            "mean" => vec![0.75; n],
            "difference" => vec![0.0; n],
            "difference_ci_low" => vec![0.0; n],
            "difference_ci_high" => vec![0.0; n],
        )
        .unwrap();
        let text = summary_text(&table, "sweep.md").unwrap();
        assert!(
            text.contains("The first 25 of 30 arms are shown; sweep.md has every arm."),
            "{text}"
        );
        let survival = text
            .split("\n\n")
            .find(|t| t.starts_with("survival"))
            .unwrap();
        let rows: Vec<&str> = survival.lines().skip(1).collect();
        assert_eq!(rows.len(), 25, "{survival}");
        assert!(rows[24].starts_with("x=24 "), "{survival}");
        // Up to 25 arms, all are printed and nothing is said.
        let few = summary_text(&table.head(Some(25)), "sweep.md").unwrap();
        assert!(!few.contains("are shown"), "{few}");
    }
}
