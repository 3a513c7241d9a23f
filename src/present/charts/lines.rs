//! Line charts with bands against the month: the figure that `run`'s charts and `compare`'s
//! curves by scenario are drawn as. Draws what it is given, with the crisis window shaded.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::scenario::{Kind, YearMonth};

use super::{
    AXIS_DESC, Chart, FONT, PLOTS_WIDTH, Series, Swatch, TICKS, draw_legend, f64_values, frame,
    padded, tick,
};

/// A line with its band, in data coordinates; points with a missing value are left out.
#[derive(Debug, Clone, Default)]
pub(super) struct Band {
    pub(super) x: Vec<f64>,
    pub(super) mean: Vec<f64>,
    pub(super) low: Vec<f64>,
    pub(super) high: Vec<f64>,
}

impl Band {
    fn y_range(&self) -> Option<(f64, f64)> {
        let values = self.low.iter().chain(&self.high).chain(&self.mean);
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
        (lo <= hi).then_some((lo, hi))
    }

    fn x_range(&self) -> Option<(f64, f64)> {
        Some((*self.x.first()?, *self.x.last()?))
    }

    /// The band as a shaded area in `colour`: out along its upper edge, back along its lower.
    pub(super) fn area(&self, colour: RGBColor) -> Polygon<(f64, f64)> {
        let mut outline: Vec<(f64, f64)> = self
            .x
            .iter()
            .copied()
            .zip(self.high.iter().copied())
            .collect();
        outline.extend(self.x.iter().copied().zip(self.low.iter().copied()).rev());
        Polygon::new(outline, colour.mix(0.16).filled())
    }
}

/// Rows of `df` for one kind and sector, as a band of `mean`/`low`/`high` against `x`.
pub(super) fn band(
    df: &DataFrame,
    kind: &str,
    sector: &str,
    x: &str,
    cols: [&str; 3],
    scale: f64,
) -> PolarsResult<Band> {
    let rows = col("kind").eq(lit(kind)).and(col("sector").eq(lit(sector)));
    band_of(df, rows, x, cols, scale)
}

/// The rows of `df` that `rows` selects, as a band of `mean`/`low`/`high` against `x`.
fn band_of(df: &DataFrame, rows: Expr, x: &str, cols: [&str; 3], scale: f64) -> PolarsResult<Band> {
    let rows = df
        .clone()
        .lazy()
        .filter(rows)
        .sort([x], SortMultipleOptions::default())
        .collect()?;
    let xs = f64_values(&rows, x)?;
    let [m, l, h] = cols.map(|c| f64_values(&rows, c));
    let (m, l, h) = (m?, l?, h?);
    let mut b = Band::default();
    for i in 0..rows.height() {
        if let (Some(x), Some(m), Some(l), Some(h)) = (xs[i], m[i], l[i], h[i]) {
            b.x.push(x);
            b.mean.push(m * scale);
            b.low.push(l * scale);
            b.high.push(h * scale);
        }
    }
    Ok(b)
}

/// One panel of lines with bands, one per kind.
pub(super) struct Panel {
    pub(super) title: Option<String>,
    pub(super) y_desc: String,
    /// Lines with their bands, by index into the figure's series.
    pub(super) lines: Vec<(usize, Band)>,
    /// Draw a horizontal reference line at this value (e.g. 100 for an index).
    pub(super) reference: Option<f64>,
}

/// A whole figure: a title, a caption line, panels in a grid, one legend for all.
pub(super) struct Figure {
    pub(super) series: Vec<Series>,
    pub(super) title: String,
    pub(super) caption: String,
    pub(super) x_desc: String,
    pub(super) panels: Vec<Panel>,
    pub(super) grid: (usize, usize),
    pub(super) window: (f64, f64),
    /// What the lines and bands are, under the legend.
    pub(super) note: String,
    /// The calendar month of month 0, when the scenario gives one: the months are labelled by
    /// date ("Sep 2008") instead of by number.
    pub(super) start: Option<YearMonth>,
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    series: &[Series],
    x_desc: &str,
    window: (f64, f64),
    start: Option<YearMonth>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let x = panel
        .lines
        .iter()
        .filter_map(|(_, b)| b.x_range())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (lo, hi)| {
            (a.min(lo), b.max(hi))
        });
    let y = panel
        .lines
        .iter()
        .filter_map(|(_, b)| b.y_range())
        .chain(panel.reference.map(|r| (r, r)))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (lo, hi)| {
            (a.min(lo), b.max(hi))
        });
    let (x, y) = if x.0 <= x.1 && y.0 <= y.1 {
        (x, padded(y.0, y.1))
    } else {
        ((0.0, 1.0), (0.0, 1.0))
    };
    let x = (x.0, x.1.max(x.0 + 1.0));
    const MARGIN: u32 = 18;
    const X_LABEL_AREA: u32 = 85;
    const Y_LABEL_AREA: u32 = 125;
    let label_style = TextStyle::from((FONT, TICKS)).color(&RGBColor(90, 90, 90));
    let (w0, w1) = (window.0.max(x.0), window.1.min(x.1));
    // Ticks are labelled only up to the data's padded top: none in the label's headroom, where a
    // survival axis would read 110%.
    let labelled_top = y.1 + 1e-9 * (y.1 - y.0);
    let y = if w0 < w1 {
        // Headroom above the data for the window's label, so it never sits on a line or a band.
        // The plot's height is the panel's less what plotters takes for margins, title and labels.
        let title_h = match &panel.title {
            Some(t) => {
                let (_, h) =
                    area.estimate_text_size(t, &(FONT, AXIS_DESC).into_text_style(area))?;
                h + 2 * (h / 2).min(5)
            }
            None => 0,
        };
        let plot_h = area
            .dim_in_pixel()
            .1
            .saturating_sub(2 * MARGIN + X_LABEL_AREA + title_h);
        let (_, label_h) = area.estimate_text_size("crisis window", &label_style)?;
        let share = f64::from(label_h + 8) / f64::from(plot_h.max(1));
        if share < 0.5 {
            (y.0, y.1 + (y.1 - y.0) * share / (1.0 - share))
        } else {
            y
        }
    } else {
        y
    };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(MARGIN)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA);
    if let Some(t) = &panel.title {
        builder.caption(t, (FONT, AXIS_DESC));
    }
    // At most one month label per 160 pixels of the plot itself (a date label such as "Sep 2010"
    // is about 120 pixels wide at this font), so small multiples do not run their labels together.
    let plot_width = area
        .dim_in_pixel()
        .0
        .saturating_sub(Y_LABEL_AREA + 2 * MARGIN);
    let x_labels = (plot_width / 160).clamp(2, 10) as usize;
    let mut chart = builder.build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(&panel.y_desc)
        .axis_desc_style((FONT, AXIS_DESC))
        .label_style((FONT, TICKS))
        .light_line_style(RGBColor(246, 246, 246))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_labels(x_labels)
        .y_labels(8)
        .y_label_formatter(&|v| {
            if *v <= labelled_top {
                tick(*v)
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|v| match start {
            Some(start) => start.plus(v.round() as i64).label(),
            None => format!("{v:.0}"),
        })
        .draw()?;
    let shade = RGBColor(120, 120, 120).mix(0.14).filled();
    if w0 < w1 {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(w0, y.0), (w1, y.1)],
            shade,
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            "crisis window",
            (w0, y.1),
            label_style.pos(Pos::new(HPos::Left, VPos::Top)),
        )))?;
    }
    if let Some(r) = panel.reference {
        chart.draw_series(LineSeries::new(
            [(x.0, r), (x.1, r)],
            RGBColor(150, 150, 150).stroke_width(2),
        ))?;
    }
    for (i, b) in &panel.lines {
        chart.draw_series(std::iter::once(b.area(series[*i].colour)))?;
    }
    for (i, b) in &panel.lines {
        let colour = series[*i].colour;
        let points: Vec<(f64, f64)> = b.x.iter().copied().zip(b.mean.iter().copied()).collect();
        chart.draw_series(LineSeries::new(points, colour.stroke_width(4)))?;
    }
    Ok(())
}

impl Chart for Figure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let body = frame(root, &self.title, &self.caption)?;
        let (plots, legend) = body.split_horizontally(PLOTS_WIDTH);
        let used: Vec<&Series> = (0..self.series.len())
            .filter(|i| {
                self.panels
                    .iter()
                    .any(|p| p.lines.iter().any(|(l, b)| l == i && !b.x.is_empty()))
            })
            .map(|i| &self.series[i])
            .collect();
        for (area, panel) in plots.split_evenly(self.grid).iter().zip(&self.panels) {
            draw_panel(
                area,
                panel,
                &self.series,
                &self.x_desc,
                self.window,
                self.start,
            )?;
        }
        draw_legend(&legend, &used, Swatch::LineAndBand, &self.note)?;
        body.present()
    }
}

/// One band per kind of a table with `kind` and `sector` columns, for one sector, in `Kind::ALL`
/// order.
pub(super) fn kind_bands(
    df: &DataFrame,
    sector: &str,
    x: &str,
    cols: [&str; 3],
    scale: f64,
) -> PolarsResult<Vec<(usize, Band)>> {
    per_kind(|k| band(df, k.name(), sector, x, cols, scale))
}

/// One band per kind of a table with a `kind` column and no sectors, in `Kind::ALL` order (rows of
/// other groups, such as `all`, are left out).
pub(super) fn bands_by_kind(
    df: &DataFrame,
    x: &str,
    cols: [&str; 3],
    scale: f64,
) -> PolarsResult<Vec<(usize, Band)>> {
    per_kind(|k| band_of(df, col("kind").eq(lit(k.name())), x, cols, scale))
}

/// `band_for` of every kind that has rows, with the kind's index.
fn per_kind(band_for: impl Fn(Kind) -> PolarsResult<Band>) -> PolarsResult<Vec<(usize, Band)>> {
    let mut lines = Vec::new();
    for k in Kind::ALL {
        let b = band_for(k)?;
        if !b.x.is_empty() {
            lines.push((k.index(), b));
        }
    }
    Ok(lines)
}

pub(super) fn series_cols(name: &str) -> [String; 3] {
    ["mean", "q05", "q95"].map(|s| format!("{name}_{s}"))
}

pub(super) fn line_panel(
    df: &DataFrame,
    series: &str,
    sector: &str,
    y_desc: &str,
    scale: f64,
) -> PolarsResult<Panel> {
    let c = series_cols(series);
    Ok(Panel {
        title: None,
        y_desc: y_desc.to_string(),
        lines: kind_bands(df, sector, "month", [&c[0], &c[1], &c[2]], scale)?,
        reference: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::present::charts::{SIZE, kind_series, register_font, svg_texts};

    /// The y-axis tick labels of the figure's SVG (the right-aligned texts).
    fn y_ticks(figure: &Figure) -> Vec<String> {
        register_font();
        let mut out = String::new();
        figure
            .draw(SVGBackend::with_string(&mut out, SIZE).into_drawing_area())
            .unwrap();
        svg_texts(&out)
            .into_iter()
            .filter(|(tag, _)| tag.contains("text-anchor=\"end\""))
            .map(|(_, text)| text)
            .collect()
    }

    #[test]
    fn the_crisis_window_label_headroom_has_no_tick_labels() {
        // Survival from 100% down to 40% in one panel of a 2 x 3 grid (as run draws it): padding
        // and the label's headroom take the axis past 110, but no tick above the data's padded top
        // is labelled.
        let months: Vec<f64> = (36..=120).map(f64::from).collect();
        let mean: Vec<f64> = months
            .iter()
            .map(|m| 100.0 - 60.0 * (m - 36.0) / 84.0)
            .collect();
        let band = Band {
            x: months.clone(),
            low: mean.iter().map(|v| v - 3.0).collect(),
            high: mean.iter().map(|v| (v + 3.0).min(100.0)).collect(),
            mean,
        };
        let figure = Figure {
            series: kind_series(),
            title: "Survival".into(),
            caption: String::new(),
            x_desc: "month".into(),
            panels: vec![Panel {
                title: Some("Worker co-op".into()),
                y_desc: "still trading, %".into(),
                lines: vec![(1, band)],
                reference: None,
            }],
            grid: (2, 3),
            window: (36.0, 78.0),
            note: String::new(),
            start: None,
        };
        let ticks = y_ticks(&figure);
        assert!(
            ticks.iter().any(|t| t == "40"),
            "the data's bottom: {ticks:?}"
        );
        assert!(
            ticks.iter().any(|t| t == "100"),
            "the data's top: {ticks:?}"
        );
        assert!(
            !ticks.iter().any(|t| t == "110"),
            "in the headroom: {ticks:?}"
        );
    }
}
