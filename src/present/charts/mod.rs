//! Charts for reports, drawn with plotters from the summary tables: PNG (1800 px wide, for print)
//! and SVG of each. Text uses DejaVu Sans embedded in the binary (licence in `assets/fonts/`), so
//! charts render the same on a machine with no fonts installed.
//!
//! Every chart shades the crisis window, labels its axes with units, keeps its legend outside the
//! plotting area and uses the Okabe-Ito colour-blind-safe palette.
//!
//! Here: the theme (font, sizes, palette), `Chart` and `save` (every chart is written as PNG and
//! SVG), the page's frame, legends and text that fits. `run` draws a run's charts, `lines` the
//! banded line figure they share with `compare`'s curves, `sweep` and `comparison` the charts of
//! sweeps and comparisons. Charts draw what the summary tables and the scenario say; they run
//! nothing.

mod comparison;
mod lines;
mod panels;
mod run;
mod sensitivity;
mod sweep;
mod validation;

pub use comparison::{compare_curves, comparison};

pub use crate::present::comparison::Comparison;
pub use run::{ChartData, draw_all};
pub use sensitivity::{IndexMarks, SensitivityChart, sensitivity_chart};
pub use validation::{ForestRow, validation_forest};

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::*;

use crate::output::ResultsDir;
use crate::scenario::{Kind, Sector};

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the embedded font once per process. The font is valid; if it ever were not,
/// drawing would report FontUnavailable.
fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// Pixel size of every chart (PNG and SVG).
pub const SIZE: (u32, u32) = (1800, 1100);

const TITLE: u32 = 46;
const AXIS_DESC: u32 = 32;
const TICKS: u32 = 27;
const LEGEND: u32 = 29;

/// Opacity of bars, in the plot and in their legend swatch.
const BAR_OPACITY: f64 = 0.85;

/// Okabe & Ito (2008) colour-blind-safe palette, one colour per kind in `Kind::ALL` order.
const PALETTE: [RGBColor; Kind::COUNT] = [
    RGBColor(0, 0, 0),       // conventional: black
    RGBColor(0, 114, 178),   // worker co-op: blue
    RGBColor(0, 158, 115),   // social co-op A: bluish green
    RGBColor(230, 159, 0),   // social co-op B: orange
    RGBColor(204, 121, 167), // public-service mutual: reddish purple
];

/// A readable label for a kind.
pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Conventional => "Conventional SME",
        Kind::WorkerCoop => "Worker co-op",
        Kind::SocialCoopA => "Social co-op (type A)",
        Kind::SocialCoopB => "Social co-op (type B)",
        Kind::PublicServiceMutual => "Public-service mutual",
    }
}

fn sector_label(sector: Sector) -> &'static str {
    match sector {
        Sector::SocialServices => "Social services",
        Sector::Manufacturing => "Manufacturing",
        Sector::Construction => "Construction",
        Sector::RetailHospitality => "Retail & hospitality",
    }
}

#[derive(Debug)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot draw the charts: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

impl From<PolarsError> for ChartError {
    fn from(e: PolarsError) -> Self {
        ChartError(e.to_string())
    }
}

fn drawing<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> ChartError {
    ChartError(e.to_string())
}

/// A column as floats, so that a column CSV left empty (all n/a) reads as missing numbers rather
/// than text.
pub(crate) fn f64_values(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

/// A tick label: up to three decimals, trailing zeros dropped, and never "-0".
fn tick(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0" } else { text }.to_string()
}

/// The label of the tick at `v` on an axis of categories (they sit at 0, 1, 2...): the name of the
/// one there, or nothing between them.
fn category_at<S: AsRef<str>>(names: &[S], v: f64) -> String {
    if (v - v.round()).abs() >= 1e-9 {
        return String::new();
    }
    names
        .get(v.round() as usize)
        .map_or(String::new(), |n| n.as_ref().to_string())
}

/// What a line stands for: its legend label and colour.
#[derive(Debug, Clone)]
struct Series {
    label: String,
    colour: RGBColor,
}

/// One series per kind, in `Kind::ALL` order (so a kind's index is its series).
fn kind_series() -> Vec<Series> {
    Kind::ALL
        .iter()
        .map(|k| Series {
            label: kind_label(*k).to_string(),
            colour: PALETTE[k.index()],
        })
        .collect()
}

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs();
    if span <= 1e-9 * lo.abs().max(hi.abs()).max(1.0) {
        // A flat series: centre it in a range that reads as flat rather than as noise.
        let half = (0.1 * lo.abs()).max(1.0);
        return (lo - half, hi + half);
    }
    (lo - 0.06 * span, hi + 0.06 * span)
}

/// Text that fits in `width` pixels: in `size` if it fits, else in a smaller size down to three
/// quarters of it, else cut short with an ellipsis (long scenario names and parameter keys).
fn fitted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    width: i32,
    size: u32,
) -> Result<(String, u32), DrawingAreaErrorKind<DB::ErrorType>> {
    let fits = |t: &str, size: u32| -> Result<bool, DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = area.estimate_text_size(t, &TextStyle::from((FONT, size)))?;
        Ok(w as i32 <= width)
    };
    let smallest = size * 3 / 4;
    for size in (smallest..=size).rev() {
        if fits(text, size)? {
            return Ok((text.to_string(), size));
        }
    }
    let mut chars: Vec<char> = text.chars().collect();
    while chars.len() > 1 {
        chars.pop();
        let cut = format!("{}\u{2026}", chars.iter().collect::<String>().trim_end());
        if fits(&cut, smallest)? {
            return Ok((cut, smallest));
        }
    }
    Ok((text.to_string(), smallest))
}

/// A small-multiple panel's title, fitted (see `fitted`) within the panel's margins of 14 pixels:
/// the longer outcome names overran a third of the chart's width at full size.
fn panel_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    size: u32,
) -> Result<(String, u32), DrawingAreaErrorKind<DB::ErrorType>> {
    fitted(area, title, area.dim_in_pixel().0 as i32 - 2 * 14, size)
}

/// Draws `text` left-aligned at `at`, in `size` or smaller so that it ends before the area's
/// right edge (see `fitted`); `top` anchors it by its top, else by its middle.
fn draw_fitted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    size: u32,
    colour: RGBColor,
    top: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let width = area.dim_in_pixel().0 as i32 - at.0 - 6;
    let (text, size) = fitted(area, text, width, size)?;
    let v = if top { VPos::Top } else { VPos::Center };
    let style = TextStyle::from((FONT, size))
        .color(&colour)
        .pos(Pos::new(HPos::Left, v));
    area.draw(&Text::new(text, at, style))
}

/// How a legend swatch looks: like the chart's marks, so a reader matches them at a glance.
#[derive(Clone, Copy)]
enum Swatch {
    /// A line over its pale band (line charts with bands).
    LineAndBand,
    /// A solid block in the bars' colour (bar charts).
    Bar,
    /// A line through a dot (sweep charts: means joined across arms).
    LineAndPoint,
    /// A dot with its interval bar (sweep charts of settings that are not numbers).
    Point,
}

/// A chart of one row per item: numbers across, rows up.
type RowChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The axes of a chart of one row per item (a forest plot, ranked bars): rows at y = 0 (bottom)
/// to rows - 1, the x axis over `x` with `x_labels` ticks and its description fitted under the
/// plot, no y mesh, and a label column `column` pixels wide on the left for `row_labels`.
#[allow(clippy::too_many_arguments)]
fn row_axes<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    margin: i32,
    x_axis: i32,
    column: i32,
    x: (f64, f64),
    rows: usize,
    x_labels: usize,
    desc: &str,
) -> Result<RowChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let inner = plot.dim_in_pixel().0 as i32 - 2 * margin - column - 16;
    let (desc, desc_size) = fitted(plot, desc, inner, AXIS_DESC)?;
    let mut chart = ChartBuilder::on(plot)
        .margin(margin)
        .x_label_area_size(x_axis)
        .y_label_area_size(column + 16)
        .build_cartesian_2d(x.0..x.1, -0.5..rows as f64 - 0.5)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(x_labels)
        .x_label_formatter(&|v| tick(*v))
        .x_desc(desc)
        .axis_desc_style((FONT, desc_size))
        .label_style((FONT, TICKS))
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(246, 246, 246))
        .draw()?;
    Ok(chart)
}

/// Each row's label, right-aligned against the plot at its row's height, fitted to `column`
/// pixels from `size` down (`backend_coord` is in the page's pixels, `plot`'s are from its corner).
fn row_labels<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    chart: &RowChart<'_, DB>,
    labels: &[(String, RGBColor)],
    column: i32,
    size: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = labels.len();
    let x0 = chart.x_range().start;
    let base = plot.get_base_pixel();
    for (i, (label, colour)) in labels.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(x0, (n - 1 - i) as f64));
        let (px, py) = (px - base.0, py - base.1);
        let (text, size) = fitted(plot, label, column, size)?;
        let style = TextStyle::from((FONT, size))
            .color(colour)
            .pos(Pos::new(HPos::Right, VPos::Center));
        plot.draw(&Text::new(text, (px - 10, py), style))?;
    }
    Ok(())
}

/// The legend: one swatch per series, top to bottom, in its own strip right of the plots, then
/// the note's lines (what bands or bars mean) in grey. Many series share the strip at a smaller
/// size; those that would not fit even then are counted, not drawn.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[&Series],
    swatch: Swatch,
    note: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    const TOP: i32 = 120;
    const PITCH: i32 = 58;
    let notes = note.lines().count() as i32;
    let room = area.dim_in_pixel().1 as i32 - TOP - 10 - 36 * notes;
    let pitch = (room / series.len().max(1) as i32).clamp(26, PITCH);
    let fit = (room / pitch).max(1) as usize;
    let (shown, hidden) = if series.len() > fit {
        (&series[..fit - 1], series.len() + 1 - fit)
    } else {
        (series, 0)
    };
    // Swatch half-heights and label size scale with the pitch (full size at the usual pitch).
    let scaled = |v: i32| v * pitch / PITCH;
    let size = (LEGEND as i32 * pitch / PITCH).max(15) as u32;
    let mut y = TOP;
    for s in shown {
        let colour = s.colour;
        match swatch {
            Swatch::LineAndBand => {
                area.draw(&Rectangle::new(
                    [(10, y - scaled(16)), (70, y + scaled(16))],
                    colour.mix(0.16).filled(),
                ))?;
                area.draw(&PathElement::new(
                    vec![(10, y), (70, y)],
                    colour.stroke_width(5),
                ))?;
            }
            Swatch::Bar => {
                area.draw(&Rectangle::new(
                    [(22, y - scaled(18)), (58, y + scaled(18))],
                    colour.mix(BAR_OPACITY).filled(),
                ))?;
            }
            Swatch::LineAndPoint => {
                area.draw(&PathElement::new(
                    vec![(10, y), (70, y)],
                    colour.stroke_width(4),
                ))?;
                area.draw(&Circle::new((40, y), 6, colour.filled()))?;
            }
            Swatch::Point => {
                area.draw(&PathElement::new(
                    vec![(40, y - scaled(18)), (40, y + scaled(18))],
                    colour.stroke_width(2),
                ))?;
                area.draw(&Circle::new((40, y), 6, colour.filled()))?;
            }
        }
        draw_fitted(area, &s.label, (84, y), size, BLACK, false)?;
        y += pitch;
    }
    if hidden > 0 {
        let more = format!("... and {hidden} more");
        draw_fitted(area, &more, (84, y), size, BLACK, false)?;
        y += pitch;
    }
    let grey = RGBColor(80, 80, 80);
    for (i, line) in note.lines().enumerate() {
        draw_fitted(area, line, (10, y + 10 + 36 * i as i32), TICKS, grey, true)?;
    }
    Ok(())
}

/// Each text of an SVG that plotters wrote: its opening tag and its content (plotters writes the
/// content on the line after the tag). For tests that read what a chart says.
#[cfg(test)]
fn svg_texts(svg: &str) -> Vec<(&str, String)> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("<text"))
        .map(|w| (w[0], w[1].trim().to_string()))
        .collect()
}

/// A chart that can draw itself on any plotters backend, so that one `save` writes it as PNG and
/// as SVG.
trait Chart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// Writes a chart as `charts/<stem>.png` and `charts/<stem>.svg`.
fn save(dir: &mut ResultsDir, stem: &str, chart: &impl Chart) -> Result<(), ChartError> {
    let png = dir.file(&format!("charts/{stem}.png"));
    chart
        .draw(BitMapBackend::new(&png, SIZE).into_drawing_area())
        .map_err(drawing)?;
    let svg = dir.file(&format!("charts/{stem}.svg"));
    chart
        .draw(SVGBackend::new(&svg, SIZE).into_drawing_area())
        .map_err(drawing)
}

/// Width of the plots left of the legend strip.
const PLOTS_WIDTH: i32 = SIZE.0 as i32 - 30 - 440;

/// Every chart's frame: a white page with margins and the title and caption line at the top.
/// Returns the area below them.
fn frame<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    caption: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let root = root.margin(20, 10, 10, 20);
    let (header, body) = root.split_vertically(120);
    header.draw(&Text::new(title, (10, 8), (FONT, TITLE).into_font()))?;
    header.draw(&Text::new(
        caption,
        (10, 68),
        TextStyle::from((FONT, TICKS)).color(&RGBColor(70, 70, 70)),
    ))?;
    Ok(body)
}

/// One bar: a quintile's exit share (%) with its whisker.
struct Bar {
    quintile: u32,
    share: f64,
    low: f64,
    high: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_drop_trailing_zeros_and_never_read_minus_zero() {
        assert_eq!(tick(-0.0001), "0");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(-0.1), "-0.1");
        assert_eq!(tick(100.0), "100");
    }

    #[test]
    fn legend_labels_shrink_then_are_cut_to_fit_the_strip() {
        register_font();
        let mut pixels = vec![0u8; 440 * 100 * 3];
        let area = BitMapBackend::with_buffer(&mut pixels, (440, 100)).into_drawing_area();
        let (text, size) = fitted(&area, "baseline_2008", 350, LEGEND).unwrap();
        assert_eq!((text.as_str(), size), ("baseline_2008", LEGEND));
        let long = "guarantee_75pc_with_short_time_work_and_marcora_buyouts";
        let (text, size) = fitted(&area, long, 350, LEGEND).unwrap();
        assert!(
            text.ends_with('\u{2026}') && text.len() < long.len(),
            "{text}"
        );
        let (w, _) = area
            .estimate_text_size(&text, &TextStyle::from((FONT, size)))
            .unwrap();
        assert!(w <= 350, "{text} is {w} px at size {size}");
    }

    #[test]
    fn a_legend_of_many_series_stays_in_its_strip_and_counts_what_it_cannot_show() {
        register_font();
        let texts = |n: usize| {
            let series: Vec<Series> = (0..n)
                .map(|i| Series {
                    label: format!("arm_{i}"),
                    colour: BLACK,
                })
                .collect();
            let mut out = String::new();
            {
                let area = SVGBackend::with_string(&mut out, (440, 900)).into_drawing_area();
                let refs: Vec<&Series> = series.iter().collect();
                draw_legend(&area, &refs, Swatch::Bar, "Whiskers: 95% CI.").unwrap();
            }
            // Each text's y and content.
            svg_texts(&out)
                .into_iter()
                .map(|(tag, text)| {
                    let y = tag.split("y=\"").nth(1).and_then(|r| r.split('"').next());
                    (y.unwrap().parse::<f64>().unwrap(), text)
                })
                .collect::<Vec<_>>()
        };
        // A few series: the usual pitch; all drawn.
        let few = texts(5);
        assert_eq!(few[1].0 - few[0].0, 58.0, "{few:?}");
        // Sixteen share the strip at a smaller pitch, all drawn, the note below them all.
        let sixteen = texts(16);
        assert_eq!(
            sixteen.iter().filter(|t| t.1.starts_with("arm_")).count(),
            16
        );
        // Sixty cannot fit even then: the last line counts the rest.
        let sixty = texts(60);
        let drawn = sixty.iter().filter(|t| t.1.starts_with("arm_")).count();
        assert!(drawn < 60, "{sixty:?}");
        assert!(
            sixty
                .iter()
                .any(|t| t.1 == format!("... and {} more", 60 - drawn))
        );
        for t in sixteen.iter().chain(&sixty) {
            assert!(t.0 < 900.0 - 20.0, "{t:?} is off the strip");
        }
        assert_eq!(sixty.last().unwrap().1, "Whiskers: 95% CI.");
    }
}
