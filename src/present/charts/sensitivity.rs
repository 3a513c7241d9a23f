//! A sensitivity analysis's charts: for each outcome, Morris's mu*-sigma plane with each parameter
//! a labelled point, or bars of each parameter's index (Sobol's first-order and total, or the rank
//! correlation of a Latin hypercube) with 95% whiskers; the replication noise drawn as a dashed
//! line, so an index short of it reads as noise.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::ResultsDir;

use super::{
    AXIS_DESC, Chart, ChartError, FONT, PLOTS_WIDTH, Series, Swatch, TICKS, draw_legend, frame,
    padded, register_font, row_axes, row_labels, save, tick,
};

/// One parameter's marks on an outcome's chart.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexMarks {
    pub parameter: String,
    /// (value, low, high) of each index drawn, in the order of the chart's series.
    pub values: Vec<(f64, f64, f64)>,
}

/// What one outcome's chart shows.
#[derive(Debug, Clone, PartialEq)]
pub enum SensitivityChart {
    /// Morris: each parameter at (mu*, sigma), mu*'s interval as a horizontal whisker.
    Morris {
        points: Vec<(String, (f64, f64, f64), f64)>,
        noise: f64,
    },
    /// Bars with whiskers, one row per parameter, ranked; `series` names each bar of a row.
    Bars {
        series: Vec<&'static str>,
        rows: Vec<IndexMarks>,
        noise: Option<f64>,
        x_desc: String,
    },
}

const COLOURS: [RGBColor; 2] = [RGBColor(0, 114, 178), RGBColor(213, 94, 0)];

/// Draws charts/<stem>.png and .svg.
pub fn sensitivity_chart(
    dir: &mut ResultsDir,
    stem: &str,
    title: &str,
    caption: &str,
    chart: &SensitivityChart,
) -> Result<(), ChartError> {
    register_font();
    std::fs::create_dir_all(dir.scratch("charts")).map_err(|e| ChartError(e.to_string()))?;
    save(
        dir,
        stem,
        &Drawn {
            chart,
            title,
            caption,
        },
    )
}

struct Drawn<'a> {
    chart: &'a SensitivityChart,
    title: &'a str,
    caption: &'a str,
}

/// The last two parts of a dotted key, which tell parameters apart on a chart.
fn short(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    parts[parts.len().saturating_sub(2)..].join(".")
}

impl Chart for Drawn<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let body = frame(root, self.title, self.caption)?;
        let (plot, legend) = body.split_horizontally(PLOTS_WIDTH);
        match self.chart {
            SensitivityChart::Morris { points, noise } => {
                let finite = |x: f64| x.is_finite();
                let xs: Vec<f64> = points
                    .iter()
                    .flat_map(|(_, m, _)| [m.0, m.2])
                    .chain([*noise])
                    .filter(|x| finite(*x))
                    .collect();
                let ys: Vec<f64> = points.iter().map(|p| p.2).filter(|y| finite(*y)).collect();
                let (_, x1) = padded(0.0, xs.iter().copied().fold(0.0, f64::max));
                let (_, y1) = padded(0.0, ys.iter().copied().fold(0.0, f64::max));
                let (x1, y1) = (x1.max(1e-9), y1.max(1e-9));
                let mut chart = ChartBuilder::on(&plot)
                    .margin(24)
                    .x_label_area_size(90)
                    .y_label_area_size(120)
                    .build_cartesian_2d(0.0..x1, 0.0..y1)?;
                chart
                    .configure_mesh()
                    .x_labels(7)
                    .y_labels(7)
                    .x_label_formatter(&|v| tick(*v))
                    .y_label_formatter(&|v| tick(*v))
                    .x_desc("mu*: mean absolute effect of moving the parameter across its range")
                    .y_desc("sigma: spread of the effects")
                    .axis_desc_style((FONT, AXIS_DESC))
                    .label_style((FONT, TICKS))
                    .bold_line_style(RGBColor(215, 215, 215))
                    .light_line_style(RGBColor(246, 246, 246))
                    .draw()?;
                if noise.is_finite() {
                    chart.draw_series(DashedLineSeries::new(
                        vec![(*noise, 0.0), (*noise, y1)],
                        10,
                        6,
                        RGBColor(120, 120, 120).stroke_width(2),
                    ))?;
                }
                for (label, (m, lo, hi), sigma) in points {
                    if !(m.is_finite() && sigma.is_finite()) {
                        continue;
                    }
                    if lo.is_finite() && hi.is_finite() {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(*lo, *sigma), (*hi, *sigma)],
                            COLOURS[0].stroke_width(3),
                        )))?;
                    }
                    chart.draw_series(std::iter::once(Circle::new(
                        (*m, *sigma),
                        9,
                        COLOURS[0].filled(),
                    )))?;
                    let style =
                        TextStyle::from((FONT, TICKS - 3)).pos(Pos::new(HPos::Left, VPos::Bottom));
                    chart.draw_series(std::iter::once(Text::new(
                        short(label),
                        (*m, *sigma),
                        style,
                    )))?;
                }
                let series = [Series {
                    label: "parameter".into(),
                    colour: COLOURS[0],
                }];
                let note = "Whiskers: 95% bootstrap\ninterval of mu*.\nDashed: replication noise\nof an effect.";
                draw_legend(&legend, &[&series[0]], Swatch::LineAndPoint, note)?;
            }
            SensitivityChart::Bars {
                series,
                rows,
                noise,
                x_desc,
            } => {
                const MARGIN: i32 = 18;
                let n = rows.len().max(1);
                let (plot_w, plot_h) = plot.dim_in_pixel();
                let pitch = (plot_h as i32 - 2 * MARGIN - 80) / n as i32;
                let size = ((pitch * 3 / 5).max(12) as u32).min(TICKS);
                let labels: Vec<String> = rows.iter().map(|r| short(&r.parameter)).collect();
                let mut widest = 0;
                for label in &labels {
                    widest = widest.max(
                        plot.estimate_text_size(label, &TextStyle::from((FONT, size)))?
                            .0,
                    );
                }
                let column = (widest as i32).min(plot_w as i32 / 3);
                let values = rows
                    .iter()
                    .flat_map(|r| r.values.iter().flat_map(|v| [v.0, v.1, v.2]))
                    .chain(noise.iter().copied())
                    .filter(|x| x.is_finite());
                let (lo, hi) = values.fold((0.0f64, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
                let (x0, x1) = padded(lo.min(0.0), hi.max(1e-9));
                let mut chart = row_axes(&plot, MARGIN, 80, column, (x0, x1), n, 7, x_desc)?;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
                    RGBColor(90, 90, 90).stroke_width(2),
                )))?;
                if let Some(noise) = noise.filter(|x| x.is_finite()) {
                    for edge in [noise, -noise] {
                        if (x0..=x1).contains(&edge) {
                            chart.draw_series(DashedLineSeries::new(
                                vec![(edge, -0.5), (edge, n as f64 - 0.5)],
                                10,
                                6,
                                RGBColor(120, 120, 120).stroke_width(2),
                            ))?;
                        }
                    }
                }
                let k = series.len().max(1) as f64;
                let height = 0.7 / k;
                for (i, row) in rows.iter().enumerate() {
                    let y = (n - 1 - i) as f64;
                    for (s, (v, l, h)) in row.values.iter().enumerate() {
                        if !v.is_finite() {
                            continue;
                        }
                        let yc = y + 0.35 - height * (s as f64 + 0.5);
                        let colour = COLOURS[s % COLOURS.len()];
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(0.0, yc - height * 0.4), (*v, yc + height * 0.4)],
                            colour.mix(0.85).filled(),
                        )))?;
                        if l.is_finite() && h.is_finite() {
                            chart.draw_series(std::iter::once(PathElement::new(
                                vec![(*l, yc), (*h, yc)],
                                BLACK.stroke_width(3),
                            )))?;
                        }
                    }
                }
                let labels: Vec<(String, RGBColor)> =
                    labels.into_iter().map(|l| (l, BLACK)).collect();
                row_labels(&plot, &chart, &labels, column, size)?;
                let legend_series: Vec<Series> = series
                    .iter()
                    .enumerate()
                    .map(|(s, label)| Series {
                        label: (*label).into(),
                        colour: COLOURS[s % COLOURS.len()],
                    })
                    .collect();
                let refs: Vec<&Series> = legend_series.iter().collect();
                let note = if noise.is_some() {
                    "Whiskers: 95% intervals.\nDashed: replication noise."
                } else {
                    "Whiskers: 95% intervals."
                };
                draw_legend(&legend, &refs, Swatch::Bar, note)?;
            }
        }
        body.present()
    }
}
