//! The charts of `sweep` and `compare`: which are drawn (`comparison`), the outcomes their panels
//! show, and `compare`'s own: differences from the first scenario, and curves by scenario.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

use crate::analysis::summary::ALL;
use crate::model::crisis_window;
use crate::output::{ResultsDir, counted};
use crate::scenario::Kind;

use super::lines::{Figure, Panel, band, series_cols};
use super::panels::{arm_values, comparison_panels};
use super::sweep::{heat_map, sweep_chart};
use super::{
    BAR_OPACITY, Bar, Chart, ChartError, Comparison, FONT, PLOTS_WIDTH, Series, Swatch,
    category_at, draw_legend, frame, kind_label, padded, panel_title, register_font, save, tick,
};

/// Colours of arms other than the base: Okabe-Ito without black and yellow (too pale for a
/// line), then dark tones from Paul Tol's and Tableau's palettes; twelve arms have distinct colours.
const ARM_PALETTE: [RGBColor; 11] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(136, 34, 85),
    RGBColor(51, 34, 136),
    RGBColor(153, 153, 51),
    RGBColor(140, 86, 75),
    RGBColor(119, 119, 119),
];

/// The colour of arm `arm`: black for the base (arm 0); past twelve arms the colours repeat.
fn arm_colour(arm: usize) -> RGBColor {
    match arm {
        0 => RGBColor(0, 0, 0),
        _ => ARM_PALETTE[(arm - 1) % ARM_PALETTE.len()],
    }
}

/// A legend note when arms share colours.
fn repeated_colours(arms: usize) -> Option<String> {
    (arms > ARM_PALETTE.len() + 1).then(|| {
        format!(
            "Colours repeat past {} scenarios:\nthe tables tell them apart.",
            ARM_PALETTE.len() + 1
        )
    })
}

/// Draws the charts of a sweep or a comparison into `charts/`.
pub fn comparison(
    dir: &mut ResultsDir,
    req: &Comparison<'_>,
    table: &DataFrame,
) -> Result<(), ChartError> {
    register_font();
    std::fs::create_dir_all(dir.scratch("charts")).map_err(|e| ChartError(e.to_string()))?;
    let base = &req.arms[0].scenario;
    let who = format!(
        "{}: {}, {} each (common random numbers, seed {}).",
        req.name,
        counted(req.arms.len() as u64, "arm"),
        counted(u64::from(base.replications), "paired replication"),
        base.seed
    );
    match req.design {
        crate::experiment::Design::Sweep { keys } => {
            for key in keys {
                sweep_chart(dir, req, table, key, keys, &who)?;
            }
            if keys.len() == 2 && base.sweep.design == crate::scenario::SweepDesign::Grid {
                heat_map(dir, req, table, keys)?;
            }
            Ok(())
        }
        _ => difference_chart(dir, req, table, &who),
    }
}

/// For `compare`: each arm's paired difference from the first, by kind, with 95% intervals.
fn difference_chart(
    dir: &mut ResultsDir,
    req: &Comparison<'_>,
    table: &DataFrame,
    who: &str,
) -> Result<(), ChartError> {
    let mut panels: Vec<DifferencePanel<'_>> = Vec::new();
    for (outcome, label, scale) in comparison_panels(req.arms) {
        let groups: Vec<&str> = if outcome == "public_cost" {
            vec![ALL]
        } else {
            Kind::ALL.iter().map(|k| k.name()).collect()
        };
        let mut per_arm: Vec<(usize, Vec<Bar>)> =
            (1..req.arms.len()).map(|a| (a, Vec::new())).collect();
        for (g, name) in groups.iter().enumerate() {
            let v = arm_values(table, name, outcome, scale)?;
            for (j, arm) in v.arm.iter().enumerate().filter(|(_, a)| **a > 0) {
                let (d, l, h) = v.difference[j];
                per_arm[arm - 1].1.push(Bar {
                    quintile: g as u32,
                    share: d,
                    low: l,
                    high: h,
                });
            }
        }
        panels.push((label, per_arm));
    }
    let chart = Differences {
        caption: format!("{who} Whiskers: 95% CI."),
        labels: req.arms.iter().map(|a| a.label.clone()).collect(),
        panels,
    };
    save(dir, "differences", &chart)
}

type DifferencePanel<'a> = (&'a str, Vec<(usize, Vec<Bar>)>);

/// Each arm's paired difference from the first: a panel per outcome, a group of bars per kind,
/// a bar per arm.
struct Differences<'a> {
    caption: String,
    /// The arms' labels, the first (the reference) included.
    labels: Vec<String>,
    panels: Vec<DifferencePanel<'a>>,
}

impl Chart for Differences<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (labels, panels) = (&self.labels, &self.panels);
        let title = format!(
            "Differences from {}",
            labels.first().map_or("the first scenario", String::as_str)
        );
        let body = frame(root, &title, &self.caption)?;
        let (plots, legend) = body.split_horizontally(PLOTS_WIDTH);
        let short = ["Conv.", "Worker", "Soc. A", "Soc. B", "PSM"];
        for (area, (label, per_arm)) in plots.split_evenly((2, 3)).iter().zip(panels) {
            let groups = per_arm
                .iter()
                .flat_map(|(_, b)| b.iter().map(|x| x.quintile))
                .max()
                .map_or(1, |g| g + 1);
            let values = per_arm
                .iter()
                .flat_map(|(_, b)| b.iter().flat_map(|x| [x.low, x.high, x.share, 0.0]));
            let (y0, y1) = values.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
            let (y0, y1) = padded(y0, y1.max(y0 + 1e-9));
            let (title, size) = panel_title(area, label, 22)?;
            let mut chart = ChartBuilder::on(area)
                .margin(14)
                .caption(title, (FONT, size))
                .x_label_area_size(50)
                .y_label_area_size(95)
                .build_cartesian_2d(-0.5f64..(f64::from(groups) - 0.5), y0..y1)?;
            let names: &[&str] = if groups == 1 { &["all firms"] } else { &short };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .label_style((FONT, 18))
                .x_labels(groups as usize)
                .x_label_formatter(&|v| category_at(names, *v))
                .y_label_formatter(&|v| tick(*v))
                .bold_line_style(RGBColor(215, 215, 215))
                .light_line_style(RGBColor(246, 246, 246))
                .draw()?;
            chart.draw_series(LineSeries::new(
                [(-0.5, 0.0), (f64::from(groups) - 0.5, 0.0)],
                BLACK.stroke_width(1),
            ))?;
            let n = per_arm.len().max(1) as f64;
            let width = 0.8 / n;
            for (i, (arm, bars)) in per_arm.iter().enumerate() {
                let colour = arm_colour(*arm);
                for b in bars {
                    let x0 = f64::from(b.quintile) - 0.4 + width * i as f64;
                    let (x1, mid) = (x0 + width * 0.88, x0 + width * 0.44);
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x1, b.share)],
                        colour.mix(BAR_OPACITY).filled(),
                    )))?;
                    let whisker = RGBColor(60, 60, 60).stroke_width(2);
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(mid, b.low), (mid, b.high)],
                        whisker,
                    )))?;
                }
            }
        }
        let series: Vec<Series> = labels
            .iter()
            .enumerate()
            .skip(1)
            .map(|(arm, label)| Series {
                label: label.clone(),
                colour: arm_colour(arm),
            })
            .collect();
        let note = repeated_colours(self.labels.len()).unwrap_or_default();
        draw_legend(
            &legend,
            &series.iter().collect::<Vec<_>>(),
            Swatch::Bar,
            &note,
        )?;
        body.present()
    }
}

/// For `compare`: each kind's survival and employment curves, one line per scenario.
pub fn compare_curves(
    dir: &mut ResultsDir,
    req: &Comparison<'_>,
    curves: &[(DataFrame, DataFrame)],
) -> Result<(), ChartError> {
    let base = &req.arms[0].scenario;
    let w = crisis_window(base);
    let window = (f64::from(w.start), f64::from(w.end - 1));
    let series: Vec<Series> = req
        .arms
        .iter()
        .enumerate()
        .map(|(i, a)| Series {
            label: a.label.clone(),
            colour: arm_colour(i),
        })
        .collect();
    let who = format!(
        "{} scenarios, {} paired replications each (common random numbers). Shaded: {}'s crisis window.",
        req.arms.len(),
        base.replications,
        req.arms[0].label
    );
    let with_repeats = |note: &str| match repeated_colours(req.arms.len()) {
        Some(r) => format!("{note}\n\n{r}"),
        None => note.to_string(),
    };
    let mut survival_panels = Vec::new();
    let mut employment_panels = Vec::new();
    let c = series_cols("employment_index");
    for k in Kind::ALL {
        let mut surv = Vec::new();
        let mut emp = Vec::new();
        for (i, ((timeseries, survival), arm)) in curves.iter().zip(req.arms).enumerate() {
            let mut b = band(
                survival,
                k.name(),
                ALL,
                "month",
                ["survival", "ci_low", "ci_high"],
                100.0,
            )?;
            if !b.x.is_empty() {
                b.x.insert(0, f64::from(arm.scenario.crisis.onset_month) - 1.0);
                for v in [&mut b.mean, &mut b.low, &mut b.high] {
                    v.insert(0, 100.0);
                }
                surv.push((i, b));
            }
            let e = band(
                timeseries,
                k.name(),
                ALL,
                "month",
                [&c[0], &c[1], &c[2]],
                1.0,
            )?;
            if !e.x.is_empty() {
                emp.push((i, e));
            }
        }
        let title = Some(kind_label(k).to_string());
        survival_panels.push(Panel {
            title: title.clone(),
            y_desc: "still trading, %".into(),
            lines: surv,
            reference: None,
        });
        employment_panels.push(Panel {
            title,
            y_desc: "employment, pre-crisis = 100".into(),
            lines: emp,
            reference: Some(100.0),
        });
    }
    // Months are labelled by date only when every scenario starts in the same calendar month.
    let start = base.start.month().filter(|_| {
        req.arms
            .iter()
            .all(|a| a.scenario.start.month() == base.start.month())
    });
    let x_desc = start.map_or("month of simulation", |_| "month");
    let fig = Figure {
        series: series.clone(),
        title: "Survival of firms alive at crisis onset, by scenario".into(),
        caption: format!("Kaplan-Meier, pooled over replications. {who}"),
        x_desc: x_desc.into(),
        panels: survival_panels,
        grid: (2, 3),
        window,
        note: with_repeats("Bands: 95% confidence\n(Greenwood, log-log)."),
        start,
    };
    save(dir, "compare_survival", &fig)?;
    let fig = Figure {
        series,
        title: "Employment by scenario and kind of firm".into(),
        caption: who,
        x_desc: x_desc.into(),
        panels: employment_panels,
        grid: (2, 3),
        window,
        note: with_repeats("Lines: mean over replications.\nBands: 5%-95% of replications."),
        start,
    };
    save(dir, "compare_employment", &fig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn exits_are_charted_as_a_count_only_between_arms_of_one_population() {
        let arm = |label: &str, worker_coop_share: f64| {
            let mut scenario = Scenario::default();
            scenario.population.kind_mix.worker_coop = worker_coop_share;
            crate::experiment::Arm {
                label: label.into(),
                settings: Vec::new(),
                scenario,
            }
        };
        let outcomes = |arms: &[crate::experiment::Arm]| comparison_panels(arms).map(|p| p.0);
        let base = Scenario::default().population.kind_mix.worker_coop;
        let alike = [arm("a", base), arm("b", base)];
        assert!(outcomes(&alike).contains(&"exits"));
        // Twice the co-ops would read as twice the co-op exits: the rate stands in.
        let unlike = [arm("a", base), arm("b", 2.0 * base)];
        assert!(!outcomes(&unlike).contains(&"exits"));
        assert!(outcomes(&unlike).contains(&"crisis_hazard"));
    }

    #[test]
    fn twelve_arms_have_distinct_colours_and_more_are_told_they_repeat() {
        let colours: Vec<_> = (0..12).map(|a| arm_colour(a).to_rgba()).collect();
        for (i, c) in colours.iter().enumerate() {
            assert!(!colours[..i].contains(c), "arm {i} repeats a colour");
        }
        assert!(repeated_colours(12).is_none());
        assert!(repeated_colours(13).is_some());
    }
}
