//! `validate`'s forest plot: every measure's model mean and 95% interval against its target's band,
//! one row per measure, all on one scale on which each band runs from 0 to 1 ("band units").

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::ResultsDir;

use super::{
    Chart, ChartError, FONT, PLOTS_WIDTH, Series, Swatch, TICKS, draw_legend, frame, register_font,
    row_axes, row_labels, save,
};

/// One row of the validation forest plot: a measure's model mean and 95% interval against its band.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    /// e.g. "T1 hazard ratio, whole horizon"
    pub label: String,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// The band the mean must lie in; a side may be open (None).
    pub band_low: Option<f64>,
    pub band_high: Option<f64>,
    pub met: bool,
}

/// The drawn range, in band units: marks beyond it stop at its edge with a triangle.
const SHOWN: (f64, f64) = (-2.0, 3.0);
const MET: RGBColor = RGBColor(0, 158, 115);
const NOT_MET: RGBColor = RGBColor(213, 94, 0);
const BAND: RGBColor = RGBColor(222, 222, 222);

/// `x` in band units: the band's edges at 0 and 1. A band open above is measured in units of its
/// lower edge's size (x >= lo reads as x >= 0), one open below in units of its upper edge's (x <= hi
/// reads as x <= 1); a band of no width is treated as open above. With no band at all every value
/// sits at 0.5, so there is something to draw. NaN stays NaN.
fn band_units(x: f64, band_low: Option<f64>, band_high: Option<f64>) -> f64 {
    let unit = |edge: f64| if edge == 0.0 { 1.0 } else { edge.abs() };
    match (band_low, band_high) {
        (Some(lo), Some(hi)) if hi > lo => (x - lo) / (hi - lo),
        (Some(lo), _) => (x - lo) / unit(lo),
        (None, Some(hi)) => 1.0 + (x - hi) / unit(hi),
        (None, None) if x.is_nan() => x,
        (None, None) => 0.5,
    }
}

/// Draws charts/validation.png and .svg: every measure's interval against its band on one common
/// scale (band units), one row per measure, top to bottom in the given order.
pub fn validation_forest(
    dir: &mut ResultsDir,
    rows: &[ForestRow],
    title: &str,
) -> Result<(), ChartError> {
    register_font();
    std::fs::create_dir_all(dir.scratch("charts")).map_err(|e| ChartError(e.to_string()))?;
    let met = rows.iter().filter(|r| r.met).count();
    let chart = Forest {
        rows,
        title,
        caption: format!(
            "Model mean (dot) and 95% interval (line) of each measure, scaled so that its target's \
             band runs from 0 to 1. {met} of {} within their band.",
            rows.len()
        ),
    };
    save(dir, "validation", &chart)
}

struct Forest<'a> {
    rows: &'a [ForestRow],
    title: &'a str,
    caption: String,
}

impl Chart for Forest<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        const MARGIN: i32 = 18;
        const X_AXIS: i32 = 80;
        let body = frame(root, self.title, &self.caption)?;
        let (plot, legend) = body.split_horizontally(PLOTS_WIDTH);
        let n = self.rows.len().max(1);
        let labels: Vec<String> = self
            .rows
            .iter()
            .map(|r| match r.mean.is_nan() {
                true => format!("{} (no value)", r.label),
                false => r.label.clone(),
            })
            .collect();
        // Row text as large as the rows' pitch allows; the label column as wide as the longest
        // label, up to a third of the plot (longer labels shrink, then are cut by `fitted`).
        let (plot_w, plot_h) = plot.dim_in_pixel();
        let pitch = (plot_h as i32 - 2 * MARGIN - X_AXIS) / n as i32;
        let size = ((pitch * 17 / 20).max(10) as u32).min(TICKS - 5);
        let mut widest = 0;
        for label in &labels {
            widest = widest.max(
                plot.estimate_text_size(label, &TextStyle::from((FONT, size)))?
                    .0,
            );
        }
        let column = (widest as i32).min(plot_w as i32 / 3);
        let (x0, x1) = (SHOWN.0 - 0.25, SHOWN.1 + 0.25);
        // The axis description, fitted under the plotting area (right of the label column).
        let desc = "position relative to the target's band (0 = lower edge, 1 = upper edge)";
        let mut chart = row_axes(&plot, MARGIN, X_AXIS, column, (x0, x1), n, 6, desc)?;
        // Bands a little shorter than their row, and no taller than 24 pixels when rows are few.
        let half = (12.0 / f64::from(pitch.max(1))).min(0.36);
        for (i, row) in self.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (bl, bh) = (row.band_low, row.band_high);
            let band = match (bl, bh) {
                (Some(l), Some(h)) if h > l => Some((0.0, 1.0)),
                (Some(_), _) => Some((0.0, x1)),
                (None, Some(_)) => Some((x0, 1.0)),
                (None, None) => None,
            };
            if let Some((from, to)) = band {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(from, y - half), (to, y + half)],
                    BAND.filled(),
                )))?;
            }
        }
        for edge in [0.0, 1.0] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(edge, -0.5), (edge, n as f64 - 0.5)],
                RGBColor(90, 90, 90).stroke_width(2),
            )))?;
        }
        // A triangle at the scale's edge pointing off it, for a mark beyond the edge.
        let off = |at: (f64, f64), right: bool, r: i32, colour: RGBColor| {
            let s = if right { 1 } else { -1 };
            EmptyElement::at(at)
                + Polygon::new(vec![(s * r, 0), (-s * r, -r), (-s * r, r)], colour.filled())
        };
        for (i, row) in self.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let colour = if row.met { MET } else { NOT_MET };
            let at = |v: f64| band_units(v, row.band_low, row.band_high);
            let (lo, hi) = (at(row.low.min(row.high)), at(row.low.max(row.high)));
            if !lo.is_nan() && !hi.is_nan() && !row.mean.is_nan() {
                let (a, b) = (lo.clamp(SHOWN.0, SHOWN.1), hi.clamp(SHOWN.0, SHOWN.1));
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(a, y), (b, y)],
                    colour.stroke_width(3),
                )))?;
                if lo < SHOWN.0 {
                    chart.draw_series(std::iter::once(off((SHOWN.0, y), false, 6, colour)))?;
                }
                if hi > SHOWN.1 {
                    chart.draw_series(std::iter::once(off((SHOWN.1, y), true, 6, colour)))?;
                }
            }
            let m = at(row.mean);
            if (SHOWN.0..=SHOWN.1).contains(&m) {
                chart.draw_series(std::iter::once(Circle::new((m, y), 7, colour.filled())))?;
            } else if !m.is_nan() {
                let edge = if m > SHOWN.1 { SHOWN.1 } else { SHOWN.0 };
                chart.draw_series(std::iter::once(off((edge, y), m > SHOWN.1, 10, colour)))?;
            }
        }
        // The labels, each at its row's height; grey for a measure with no value.
        let grey = RGBColor(110, 110, 110);
        let coloured: Vec<(String, RGBColor)> = labels
            .into_iter()
            .zip(self.rows)
            .map(|(label, row)| (label, if row.mean.is_nan() { grey } else { BLACK }))
            .collect();
        row_labels(&plot, &chart, &coloured, column, size)?;
        let series = [("met", MET), ("not met", NOT_MET)].map(|(label, colour)| Series {
            label: label.into(),
            colour,
        });
        draw_legend(&legend, &[&series[0], &series[1]], Swatch::LineAndPoint, "")?;
        // The band's swatch is a block: a second legend below the first two entries (two of
        // `draw_legend`'s 58-pixel rows).
        let band = Series {
            label: "band".into(),
            colour: BAND,
        };
        let note = "Lines: 95% intervals.\nTriangles: beyond the edge\nof the scale.";
        draw_legend(&legend.margin(116, 0, 0, 0), &[&band], Swatch::Bar, note)?;
        body.present()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::charts::svg_texts;

    #[test]
    fn band_units_put_the_band_edges_at_0_and_1() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} is not {b}");
        // Two-sided: [0.8, 1.2].
        close(band_units(0.8, Some(0.8), Some(1.2)), 0.0);
        close(band_units(1.2, Some(0.8), Some(1.2)), 1.0);
        close(band_units(1.0, Some(0.8), Some(1.2)), 0.5);
        close(band_units(0.4, Some(0.8), Some(1.2)), -1.0);
        // Lower bound only, in units of its size: x >= 2 (and x >= -2, x >= 0).
        close(band_units(2.0, Some(2.0), None), 0.0);
        close(band_units(5.0, Some(2.0), None), 1.5);
        close(band_units(-3.0, Some(-2.0), None), -0.5);
        close(band_units(0.5, Some(0.0), None), 0.5);
        // Upper bound only: x <= 4 (and x <= 0).
        close(band_units(4.0, None, Some(4.0)), 1.0);
        close(band_units(2.0, None, Some(4.0)), 0.5);
        close(band_units(6.0, None, Some(4.0)), 1.5);
        close(band_units(-1.0, None, Some(0.0)), 0.0);
        // A band of no width is open above; no band puts the point mid-scale; NaN stays NaN.
        close(band_units(3.0, Some(2.0), Some(2.0)), 0.5);
        close(band_units(7.0, None, None), 0.5);
        assert!(band_units(f64::NAN, Some(0.8), Some(1.2)).is_nan());
        assert!(band_units(f64::NAN, None, None).is_nan());
    }

    #[test]
    fn the_forest_plot_is_written_with_every_row_labelled() {
        let row = |label: &str, (mean, low, high), band: (Option<f64>, Option<f64>)| ForestRow {
            label: label.into(),
            mean,
            low,
            high,
            band_low: band.0,
            band_high: band.1,
            met: band_units(mean, band.0, band.1) >= 0.0 && band_units(mean, band.0, band.1) <= 1.0,
        };
        let nan = f64::NAN;
        let rows = [
            row("T1 hazard ratio", (0.7, 0.6, 0.8), (Some(0.5), Some(0.9))),
            row("T2 survival gap", (0.12, 0.05, 0.2), (Some(0.05), None)),
            row("T3 exit share", (0.5, 0.45, 0.55), (None, Some(0.3))),
            row("T4 pay cut", (30.0, 25.0, 40.0), (Some(1.0), Some(2.0))),
            row("T5 reserves", (nan, nan, nan), (Some(0.0), Some(1.0))),
            row("T6 no band", (1.0, 0.9, 1.1), (None, None)),
        ];
        let target = std::env::temp_dir().join(format!("coopsim-forest-{}", std::process::id()));
        let mut dir = ResultsDir::begin(&target, true).unwrap();
        validation_forest(&mut dir, &rows, "Validation").unwrap();
        assert!(dir.scratch("charts/validation.png").is_file());
        let svg = std::fs::read_to_string(dir.scratch("charts/validation.svg")).unwrap();
        let texts: Vec<String> = svg_texts(&svg).into_iter().map(|(_, t)| t).collect();
        for r in &rows[..4] {
            assert!(texts.contains(&r.label), "{} not in {texts:?}", r.label);
        }
        assert!(
            texts.iter().any(|t| t == "T5 reserves (no value)"),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t == "T6 no band"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "Validation"), "{texts:?}");
        assert_eq!(
            dir.files(),
            ["charts/validation.png", "charts/validation.svg"]
        );
        // No rows: an empty chart, not a panic.
        let mut empty = ResultsDir::begin(&target.with_extension("empty"), true).unwrap();
        validation_forest(&mut empty, &[], "Validation").unwrap();
    }
}
