//! Charts for reports, drawn with plotters from the summary tables: PNG (1800 px wide, for print)
//! and SVG of each. Text uses DejaVu Sans embedded in the binary (licence in `assets/fonts/`), so
//! charts render the same on a machine with no fonts installed.
//!
//! Every chart shades the crisis window, labels its axes with units, keeps its legend outside the
//! plotting area and uses the Okabe-Ito colour-blind-safe palette.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::*;

use crate::model::crisis_window;
use crate::output::{ResultsDir, counted};
use crate::scenario::{Kind, Scenario, Sector};
use crate::summary::ALL;

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
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

/// The summary tables the charts are drawn from.
pub struct ChartData<'a> {
    pub scenario: &'a Scenario,
    pub timeseries: &'a DataFrame,
    pub survival: &'a DataFrame,
    pub fragility: &'a DataFrame,
}

/// A line with its band, in data coordinates; points with a missing value are left out.
#[derive(Debug, Clone, Default)]
struct Band {
    x: Vec<f64>,
    mean: Vec<f64>,
    low: Vec<f64>,
    high: Vec<f64>,
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
}

fn f64_values(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

/// Rows of `df` for one kind and sector, as a band of `mean`/`low`/`high` against `x`.
fn band(
    df: &DataFrame,
    kind: &str,
    sector: &str,
    x: &str,
    cols: [&str; 3],
    scale: f64,
) -> PolarsResult<Band> {
    let rows = df
        .clone()
        .lazy()
        .filter(col("kind").eq(lit(kind)).and(col("sector").eq(lit(sector))))
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
struct Panel {
    title: Option<String>,
    y_desc: String,
    /// Lines with their bands, by index into the figure's series.
    lines: Vec<(usize, Band)>,
    /// Draw a horizontal reference line at this value (e.g. 100 for an index).
    reference: Option<f64>,
}

/// A tick label: up to three decimals, trailing zeros dropped, and never "-0".
fn tick(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0" } else { text }.to_string()
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

/// A whole figure: a title, a caption line, panels in a grid, one legend for all.
struct Figure {
    series: Vec<Series>,
    title: String,
    caption: String,
    x_desc: String,
    panels: Vec<Panel>,
    grid: (usize, usize),
    window: (f64, f64),
    /// What the lines and bands are, under the legend.
    note: &'static str,
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

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    series: &[Series],
    x_desc: &str,
    window: (f64, f64),
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
    let label_style = TextStyle::from((FONT, TICKS)).color(&RGBColor(90, 90, 90));
    let (w0, w1) = (window.0.max(x.0), window.1.min(x.1));
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
        .y_label_area_size(125);
    if let Some(t) = &panel.title {
        builder.caption(t, (FONT, AXIS_DESC));
    }
    // About one month label per 110 pixels, so small multiples do not run their labels together.
    let x_labels = (area.dim_in_pixel().0 / 110).clamp(3, 10) as usize;
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
        .y_label_formatter(&|v| tick(*v))
        .x_label_formatter(&|v| format!("{v:.0}"))
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
        let colour = series[*i].colour;
        let mut outline: Vec<(f64, f64)> =
            b.x.iter().copied().zip(b.high.iter().copied()).collect();
        outline.extend(b.x.iter().copied().zip(b.low.iter().copied()).rev());
        chart.draw_series(std::iter::once(Polygon::new(
            outline,
            colour.mix(0.16).filled(),
        )))?;
    }
    for (i, b) in &panel.lines {
        let colour = series[*i].colour;
        let points: Vec<(f64, f64)> = b.x.iter().copied().zip(b.mean.iter().copied()).collect();
        chart.draw_series(LineSeries::new(points, colour.stroke_width(4)))?;
    }
    Ok(())
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

/// The legend: one swatch per series, top to bottom, in its own strip right of the plots, then
/// the note's lines (what bands or bars mean) in grey.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[&Series],
    swatch: Swatch,
    note: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut y = 120;
    for s in series {
        let colour = s.colour;
        match swatch {
            Swatch::LineAndBand => {
                area.draw(&Rectangle::new(
                    [(10, y - 16), (70, y + 16)],
                    colour.mix(0.16).filled(),
                ))?;
                area.draw(&PathElement::new(
                    vec![(10, y), (70, y)],
                    colour.stroke_width(5),
                ))?;
            }
            Swatch::Bar => {
                area.draw(&Rectangle::new(
                    [(22, y - 18), (58, y + 18)],
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
                    vec![(40, y - 18), (40, y + 18)],
                    colour.stroke_width(2),
                ))?;
                area.draw(&Circle::new((40, y), 6, colour.filled()))?;
            }
        }
        draw_fitted(area, &s.label, (84, y), LEGEND, BLACK, false)?;
        y += 58;
    }
    let grey = RGBColor(80, 80, 80);
    for (i, line) in note.lines().enumerate() {
        draw_fitted(area, line, (10, y + 10 + 36 * i as i32), TICKS, grey, true)?;
    }
    Ok(())
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
            draw_panel(area, panel, &self.series, &self.x_desc, self.window)?;
        }
        draw_legend(&legend, &used, Swatch::LineAndBand, self.note)?;
        body.present()
    }
}

fn kind_bands(
    df: &DataFrame,
    sector: &str,
    x: &str,
    cols: [&str; 3],
    scale: f64,
) -> PolarsResult<Vec<(usize, Band)>> {
    let mut lines = Vec::new();
    for k in Kind::ALL {
        let b = band(df, k.name(), sector, x, cols, scale)?;
        if !b.x.is_empty() {
            lines.push((k.index(), b));
        }
    }
    Ok(lines)
}

fn series_cols(name: &str) -> [String; 3] {
    ["mean", "q05", "q95"].map(|s| format!("{name}_{s}"))
}

fn line_panel(
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

/// Writes every chart into `charts/` of the results folder.
pub fn draw_all(dir: &mut ResultsDir, data: &ChartData<'_>) -> Result<(), ChartError> {
    register_font();
    std::fs::create_dir_all(dir.scratch("charts")).map_err(|e| ChartError(e.to_string()))?;
    let s = data.scenario;
    let w = crisis_window(s);
    let window = (f64::from(w.start), f64::from(w.end - 1));
    let run = format!(
        "{}: {} of {}, seed {}.",
        s.name,
        counted(u64::from(s.replications), "replication"),
        counted(u64::from(s.population.firms), "firm"),
        s.seed
    );
    let who = format!(
        "{run} Shaded: crisis window (months {}-{}).",
        w.start,
        w.end - 1
    );
    let spread = "Lines: mean over replications.\nBands: 5%-95% of replications.";
    let month = "month of simulation".to_string();

    let mut survival = kind_bands(
        data.survival,
        ALL,
        "month",
        ["survival", "ci_low", "ci_high"],
        100.0,
    )?;
    for (_, b) in &mut survival {
        // Survival is 100% at onset: start the curves there.
        b.x.insert(0, f64::from(s.crisis.onset_month) - 1.0);
        for v in [&mut b.mean, &mut b.low, &mut b.high] {
            v.insert(0, 100.0);
        }
    }
    let fig = Figure {
        series: kind_series(),
        title: "Survival of firms alive at crisis onset, by kind".into(),
        caption: format!("Kaplan-Meier estimate pooling all replications. {who}"),
        x_desc: month.clone(),
        panels: vec![Panel {
            title: None,
            y_desc: "still trading, % of firms at onset".into(),
            lines: survival,
            reference: None,
        }],
        grid: (1, 1),
        window,
        note: "Lines: Kaplan-Meier survival.\nBands: 95% confidence\n(Greenwood, log-log).",
    };
    save(dir, "survival", &fig)?;

    let mut employment = line_panel(
        data.timeseries,
        "employment_index",
        ALL,
        "employment (heads), month before onset = 100",
        1.0,
    )?;
    employment.reference = Some(100.0);
    let fig = Figure {
        series: kind_series(),
        title: "Employment by kind of firm".into(),
        caption: who.clone(),
        x_desc: month.clone(),
        panels: vec![employment],
        grid: (1, 1),
        window,
        note: spread,
    };
    save(dir, "employment_index", &fig)?;

    let mut pay = line_panel(
        data.timeseries,
        "pay_index",
        ALL,
        "pay per worker, month before onset = 100",
        1.0,
    )?;
    pay.reference = Some(100.0);
    let fig = Figure {
        series: kind_series(),
        title: "Pay per worker by kind of firm".into(),
        caption: who.clone(),
        x_desc: month.clone(),
        panels: vec![pay],
        grid: (1, 1),
        window,
        note: spread,
    };
    save(dir, "pay_index", &fig)?;

    let mut reserves = line_panel(
        data.timeseries,
        "reserves_per_firm",
        ALL,
        "reserves per firm, GBP thousand",
        1.0,
    )?;
    reserves.title = Some("Reserves".into());
    let mut leverage = line_panel(data.timeseries, "leverage", ALL, "debt / assets, %", 100.0)?;
    leverage.title = Some("Leverage".into());
    let fig = Figure {
        series: kind_series(),
        title: "Reserves and leverage by kind of firm".into(),
        caption: who.clone(),
        x_desc: month.clone(),
        panels: vec![reserves, leverage],
        grid: (1, 2),
        window,
        note: spread,
    };
    save(dir, "reserves_leverage", &fig)?;

    let mut panels = Vec::new();
    for sector in Sector::ALL {
        let mut p = line_panel(
            data.timeseries,
            "employment_index",
            sector.name(),
            "employment, pre-crisis = 100",
            1.0,
        )?;
        p.title = Some(sector_label(sector).into());
        p.reference = Some(100.0);
        panels.push(p);
    }
    let fig = Figure {
        series: kind_series(),
        title: "Employment by sector and kind of firm".into(),
        caption: who.clone(),
        x_desc: month,
        panels,
        grid: (2, 2),
        window,
        note: spread,
    };
    save(dir, "employment_by_sector", &fig)?;

    let window_text = format!("Exits in months {}-{}. {run}", w.start, w.end - 1);
    fragility_chart(dir, data.fragility, &window_text)
}

/// Bars: share of firms that exited in the crisis window by fragility quintile at onset, by kind.
fn fragility_chart(dir: &mut ResultsDir, df: &DataFrame, who: &str) -> Result<(), ChartError> {
    let mut bars: Vec<(Kind, Vec<Bar>)> = Vec::new();
    for k in Kind::ALL {
        let rows = df
            .clone()
            .lazy()
            .filter(col("kind").eq(lit(k.name())))
            .collect()?;
        let q: Vec<Option<f64>> = f64_values(&rows, "quintile")?;
        let [m, l, h] =
            ["exit_share", "exit_share_q05", "exit_share_q95"].map(|c| f64_values(&rows, c));
        let (m, l, h) = (m?, l?, h?);
        let mut v = Vec::new();
        for i in 0..rows.height() {
            if let (Some(q), Some(m), Some(l), Some(h)) = (q[i], m[i], l[i], h[i]) {
                v.push(Bar {
                    quintile: q as u32,
                    share: 100.0 * m,
                    low: 100.0 * l,
                    high: 100.0 * h,
                });
            }
        }
        if !v.is_empty() {
            bars.push((k, v));
        }
    }
    let chart = FragilityBars {
        bars,
        caption: format!(
            "Firms alive at onset, ranked on leverage and months of costs covered. {who}"
        ),
    };
    save(dir, "fragility_exits", &chart)
}

/// One bar: a quintile's exit share (%) with its whisker.
struct Bar {
    quintile: u32,
    share: f64,
    low: f64,
    high: f64,
}

/// Exit shares by fragility quintile, one group of bars per quintile and a bar per kind.
struct FragilityBars {
    bars: Vec<(Kind, Vec<Bar>)>,
    caption: String,
}

impl Chart for FragilityBars {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let bars = &self.bars;
        let body = frame(
            root,
            "Exits in the crisis window by fragility at onset",
            &self.caption,
        )?;
        let (plot, legend) = body.split_horizontally(PLOTS_WIDTH);
        let top = bars
            .iter()
            .flat_map(|(_, v)| v.iter().map(|b| b.high.max(b.share)))
            .fold(1.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin(18)
            .x_label_area_size(85)
            .y_label_area_size(125)
            .build_cartesian_2d(0.5f64..5.5f64, 0.0..top * 1.08)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(5)
            .x_label_formatter(&|v| match v.round() as i32 {
                1 => "1 (most robust)".to_string(),
                5 => "5 (most fragile)".to_string(),
                q => q.to_string(),
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_desc("fragility quintile at crisis onset")
            .y_desc("exited during the crisis window, %")
            .axis_desc_style((FONT, AXIS_DESC))
            .label_style((FONT, TICKS))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;
        let n = bars.len().max(1) as f64;
        let group = 0.8;
        let width = group / n;
        for (i, (kind, values)) in bars.iter().enumerate() {
            let colour = PALETTE[kind.index()];
            for &Bar {
                quintile: q,
                share: m,
                low: l,
                high: h,
            } in values
            {
                let x0 = f64::from(q) - group / 2.0 + width * i as f64;
                let (x1, mid) = (x0 + width * 0.88, x0 + width * 0.44);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, 0.0), (x1, m)],
                    colour.mix(BAR_OPACITY).filled(),
                )))?;
                let whisker = RGBColor(60, 60, 60).stroke_width(2);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(mid, l), (mid, h)],
                    whisker,
                )))?;
                for y in [l, h] {
                    let cap = width * 0.2;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(mid - cap, y), (mid + cap, y)],
                        whisker,
                    )))?;
                }
            }
        }
        let all = kind_series();
        let used: Vec<&Series> = bars.iter().map(|(k, _)| &all[k.index()]).collect();
        let note = "Bars: share pooled over\nreplications. Whiskers: 5%-95%\nof replications.";
        draw_legend(&legend, &used, Swatch::Bar, note)?;
        body.present()
    }
}

/// Outcomes the comparison charts show: name, axis label, scale.
const COMPARISON_PANELS: [(&str, &str, f64); 6] = [
    (
        "survival_to_window_end",
        "survival to end of crisis window, %",
        100.0,
    ),
    (
        "hazard_ratio_vs_conventional",
        "exit hazard ratio vs conventional",
        1.0,
    ),
    (
        "employment_change",
        "employment, pre-crisis to trough, %",
        100.0,
    ),
    (
        "pay_change",
        "pay per worker, pre-crisis to trough, %",
        100.0,
    ),
    ("exits", "exits in the crisis window, firms", 1.0),
    (
        "public_cost",
        "public cost of levers in window, GBP m",
        0.001,
    ),
];

/// The panels of a sweep's or comparison's charts. Exits are a count: where the arms' populations
/// differ (firms or kind mix), the exit hazard, a rate, stands in for them, so more firms of a kind
/// do not read as a worse policy for it.
fn comparison_panels(arms: &[crate::sweep::Arm]) -> [(&'static str, &'static str, f64); 6] {
    let first = &arms[0].scenario.population;
    let same = arms.iter().all(|a| {
        let p = &a.scenario.population;
        p.firms == first.firms && p.kind_mix == first.kind_mix
    });
    COMPARISON_PANELS.map(|panel| match panel.0 {
        "exits" if !same => ("crisis_hazard", "exit hazard in crisis, %/month", 100.0),
        _ => panel,
    })
}

/// Colours of arms other than the base (Okabe-Ito, without black).
const ARM_PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

/// One outcome of one kind across arms: (arm, mean, ci_low, ci_high) and the same for the paired
/// difference from the base arm.
struct ArmValues {
    arm: Vec<usize>,
    mean: Vec<(f64, f64, f64)>,
    difference: Vec<(f64, f64, f64)>,
}

fn arm_values(table: &DataFrame, kind: &str, outcome: &str, scale: f64) -> PolarsResult<ArmValues> {
    let rows = table
        .clone()
        .lazy()
        .filter(
            col("kind")
                .eq(lit(kind))
                .and(col("outcome").eq(lit(outcome))),
        )
        .sort(["arm"], SortMultipleOptions::default())
        .collect()?;
    let get = |c: &str| f64_values(&rows, c);
    let arm = get("arm")?;
    let (m, ml, mh) = (get("mean")?, get("mean_ci_low")?, get("mean_ci_high")?);
    let (d, dl, dh) = (
        get("difference")?,
        get("difference_ci_low")?,
        get("difference_ci_high")?,
    );
    let mut out = ArmValues {
        arm: Vec::new(),
        mean: Vec::new(),
        difference: Vec::new(),
    };
    for i in 0..rows.height() {
        let (Some(a), Some(m)) = (arm[i], m[i]) else {
            continue;
        };
        let or = |v: Option<f64>, fallback: f64| v.unwrap_or(fallback) * scale;
        out.arm.push(a as usize);
        out.mean.push((m * scale, or(ml[i], m), or(mh[i], m)));
        let dv = d[i].unwrap_or(0.0);
        out.difference
            .push((dv * scale, or(dl[i], dv), or(dh[i], dv)));
    }
    Ok(out)
}

/// Draws the charts of a sweep or a comparison into `charts/`.
pub fn comparison(
    dir: &mut ResultsDir,
    req: &crate::comparison::ComparisonRequest,
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
    match &req.design {
        crate::comparison::Design::Sweep { keys } => {
            for key in keys {
                sweep_chart(dir, req, table, key, keys, &who)?;
            }
            if keys.len() == 2 && base.sweep.design == crate::scenario::SweepDesign::Grid {
                heat_map(dir, req, table, keys)?;
            }
            Ok(())
        }
        crate::comparison::Design::Compare => difference_chart(dir, req, table, &who),
    }
}

/// Each outcome against one varied key, one line per kind, with 95% interval bars.
fn sweep_chart(
    dir: &mut ResultsDir,
    req: &crate::comparison::ComparisonRequest,
    table: &DataFrame,
    key: &str,
    keys: &[String],
    who: &str,
) -> Result<(), ChartError> {
    let crate::sweep::Slice { points, held } = crate::sweep::slice_along(&req.arms, key, keys);
    let numeric: Option<Vec<f64>> = points.iter().map(|(_, v)| v.parse::<f64>().ok()).collect();
    let xs: Vec<f64> = match &numeric {
        Some(n) => n.clone(),
        None => (0..points.len()).map(|i| i as f64).collect(),
    };
    let categories: Vec<String> = points.iter().map(|(_, v)| v.clone()).collect();
    let mut panels = Vec::new();
    for (outcome, label, scale) in comparison_panels(&req.arms) {
        let kinds: Vec<(Option<Kind>, &str)> = if outcome == "public_cost" {
            vec![(None, ALL)]
        } else {
            Kind::ALL.iter().map(|k| (Some(*k), k.name())).collect()
        };
        let mut lines = Vec::new();
        for (kind, name) in kinds {
            let v = arm_values(table, name, outcome, scale)?;
            let mut b = Band::default();
            for (x, (arm, _)) in xs.iter().zip(&points) {
                if let Some(j) = v.arm.iter().position(|a| a == arm) {
                    let (m, l, h) = v.mean[j];
                    b.x.push(*x);
                    b.mean.push(m);
                    b.low.push(l);
                    b.high.push(h);
                }
            }
            let mut order: Vec<usize> = (0..b.x.len()).collect();
            order.sort_by(|&i, &j| b.x[i].total_cmp(&b.x[j]));
            let sorted = Band {
                x: order.iter().map(|&i| b.x[i]).collect(),
                mean: order.iter().map(|&i| b.mean[i]).collect(),
                low: order.iter().map(|&i| b.low[i]).collect(),
                high: order.iter().map(|&i| b.high[i]).collect(),
            };
            if !sorted.x.is_empty() {
                lines.push((kind, sorted));
            }
        }
        panels.push((label, lines));
    }
    let file = format!("sweep_{}", key.replace('.', "_"));
    let caption = format!("{who} Bars: 95% confidence intervals.");
    // In a grid the line moves this key alone: say where the other keys stand (key and value
    // on lines of their own, as keys are long).
    let mut note = String::new();
    if !held.is_empty() {
        note.push_str("Other varied keys held at:");
        for (k, v) in &held {
            note.push_str(&format!("\n{k}\n    = {v}"));
        }
    }
    let chart = SweepFigure {
        title: format!("Outcomes against {key}"),
        caption,
        key,
        panels,
        categories: numeric.is_none().then_some(categories.as_slice()),
        note,
    };
    save(dir, &file, &chart)
}

type SweepPanel<'a> = (&'a str, Vec<(Option<Kind>, Band)>);

fn kind_colour(kind: Option<Kind>) -> RGBColor {
    kind.map_or(RGBColor(110, 110, 110), |k| PALETTE[k.index()])
}

/// Each outcome against one varied key: a panel per outcome, a line (or, for settings that are
/// not numbers, points) per kind.
struct SweepFigure<'a> {
    title: String,
    caption: String,
    key: &'a str,
    panels: Vec<SweepPanel<'a>>,
    /// The settings, in x order, when they are not numbers.
    categories: Option<&'a [String]>,
    note: String,
}

impl Chart for SweepFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (key, panels, categories) = (self.key, &self.panels, self.categories);
        let body = frame(root, &self.title, &self.caption)?;
        let (plots, legend) = body.split_horizontally(PLOTS_WIDTH);
        let areas = plots.split_evenly((2, 3));
        // Settings that are not numbers sit at 0, 1, 2...; their names label the axis when they fit
        // under their slot, else letters do and the legend strip says which setting each is.
        let mut note = self.note.clone();
        let labels: Option<Vec<String>> = categories.map(|c| {
            let plot_width = f64::from(areas[0].dim_in_pixel().0) - 2.0 * 14.0 - 95.0;
            let slot = 0.9 * plot_width / c.len().max(1) as f64;
            let (names, key) = axis_names(&body, c, slot, 20, category_letter);
            if !key.is_empty() {
                if !note.is_empty() {
                    note.push_str("\n\n");
                }
                note.push_str("Settings:");
                for line in key {
                    note.push_str(&format!("\n{line}"));
                }
            }
            names
        });
        let categorical = labels.is_some();
        for (area, (label, lines)) in areas.iter().zip(panels) {
            let xs = lines.iter().flat_map(|(_, b)| b.x.iter().copied());
            let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            let ys = lines
                .iter()
                .flat_map(|(_, b)| b.low.iter().chain(&b.high).copied());
            let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            if !(x0 <= x1 && y0 <= y1) {
                continue;
            }
            let pad = if categorical {
                0.5
            } else {
                ((x1 - x0) * 0.06).max(0.5 * f64::from(u8::from(x1 == x0)))
            };
            let (y0, y1) = padded(y0, y1);
            let (title, size) = panel_title(area, label, TICKS)?;
            let mut chart = ChartBuilder::on(area)
                .margin(14)
                .caption(title, (FONT, size))
                .x_label_area_size(70)
                .y_label_area_size(95)
                .build_cartesian_2d((x0 - pad)..(x1 + pad), y0..y1)?;
            let formatter = |v: &f64| match &labels {
                Some(c) => c
                    .get(v.round() as usize)
                    .filter(|_| (v - v.round()).abs() < 1e-9)
                    .cloned()
                    .unwrap_or_default(),
                None => tick(*v),
            };
            chart
                .configure_mesh()
                .x_desc(key)
                .axis_desc_style((FONT, 22))
                .label_style((FONT, 20))
                .light_line_style(RGBColor(246, 246, 246))
                .bold_line_style(RGBColor(215, 215, 215))
                .x_labels(labels.as_ref().map_or(6, Vec::len))
                .x_label_formatter(&formatter)
                .y_label_formatter(&|v| tick(*v))
                .draw()?;
            for (i, (kind, b)) in lines.iter().enumerate() {
                let colour = kind_colour(*kind);
                // Settings that are not numbers have no order to draw a line along; each kind's
                // point and bar then sit a little apart so the bars do not hide each other.
                let dodge = if categorical {
                    (i as f64 - (lines.len() as f64 - 1.0) / 2.0) * 0.07
                } else {
                    0.0
                };
                let points: Vec<(f64, f64)> =
                    b.x.iter()
                        .map(|x| x + dodge)
                        .zip(b.mean.iter().copied())
                        .collect();
                if !categorical {
                    chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))?;
                }
                chart.draw_series(points.iter().map(|p| Circle::new(*p, 5, colour.filled())))?;
                for (j, (x, _)) in points.iter().enumerate() {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(*x, b.low[j]), (*x, b.high[j])],
                        colour.stroke_width(2),
                    )))?;
                }
            }
        }
        let series: Vec<Series> = Kind::ALL
            .iter()
            .map(|k| (Some(*k), kind_label(*k)))
            .chain([(None, "All firms (public cost)")])
            .map(|(kind, label)| Series {
                label: label.to_string(),
                colour: kind_colour(kind),
            })
            .collect();
        let series: Vec<&Series> = series.iter().collect();
        let swatch = if categorical {
            Swatch::Point
        } else {
            Swatch::LineAndPoint
        };
        draw_legend(&legend, &series, swatch, &note)?;
        body.present()
    }
}

/// How settings are named on an axis: themselves when each fits in `slot` pixels at `size`, else
/// `short(i)` for the `i`th, with the key a note gives ("A = setting"; empty when they fit).
fn axis_names<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    settings: &[String],
    slot: f64,
    size: u32,
    short: impl Fn(usize) -> String,
) -> (Vec<String>, Vec<String>) {
    let font = TextStyle::from((FONT, size));
    let fits = settings.iter().all(|s| {
        area.estimate_text_size(s, &font)
            .is_ok_and(|w| f64::from(w.0) <= slot)
    });
    if fits {
        return (settings.to_vec(), Vec::new());
    }
    let names: Vec<String> = (0..settings.len()).map(short).collect();
    let key = names
        .iter()
        .zip(settings)
        .map(|(n, s)| format!("{n} = {s}"))
        .collect();
    (names, key)
}

/// "A", "B", ... "Z", "AA", "AB", ...: the axis label of the `i`th setting that is too long.
fn category_letter(i: usize) -> String {
    let mut out = String::new();
    let mut n = i + 1;
    while n > 0 {
        n -= 1;
        out.insert(0, char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    out
}

/// Viridis (colour-blind-safe, monotone in lightness) at `t` in [0, 1].
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// For a two-parameter grid: survival to the end of the crisis window of each kind over the grid.
fn heat_map(
    dir: &mut ResultsDir,
    req: &crate::comparison::ComparisonRequest,
    table: &DataFrame,
    keys: &[String],
) -> Result<(), ChartError> {
    // The grid's values are those of the arms it made (the base runs one of its cells when the
    // grid lists the base's values, and is no cell of it when it does not); numbers in order,
    // other settings as they first appear.
    let value_of =
        |arm: &crate::sweep::Arm, k: &str| Some(crate::comparison::setting(&arm.scenario, k));
    let axis = |key: &str| {
        let listed: Vec<String> = req.arms[1..]
            .iter()
            .filter_map(|a| value_of(a, key))
            .collect();
        let mut values: Vec<String> = Vec::new();
        for v in req.arms.iter().filter_map(|a| value_of(a, key)) {
            if listed.contains(&v) && !values.contains(&v) {
                values.push(v);
            }
        }
        let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse().ok()).collect();
        if let Some(n) = numbers {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&i, &j| n[i].total_cmp(&n[j]));
            values = order.iter().map(|&i| values[i].clone()).collect();
        }
        values
    };
    let (xs, ys) = (axis(&keys[0]), axis(&keys[1]));
    let mut cells: Vec<(Kind, Vec<HeatCell>)> = Vec::new();
    for k in Kind::ALL {
        let v = arm_values(table, k.name(), "survival_to_window_end", 100.0)?;
        let mut c = Vec::new();
        for (j, arm) in v.arm.iter().enumerate() {
            let a = &req.arms[*arm];
            if let (Some(x), Some(y)) = (value_of(a, &keys[0]), value_of(a, &keys[1])) {
                let (xi, yi) = (
                    xs.iter().position(|v| *v == x),
                    ys.iter().position(|v| *v == y),
                );
                if let (Some(xi), Some(yi)) = (xi, yi) {
                    c.push((xi, yi, v.mean[j].0));
                }
            }
        }
        if !c.is_empty() {
            cells.push((k, c));
        }
    }
    let all = cells.iter().flat_map(|(_, c)| c.iter().map(|v| v.2));
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    // Counted in cells, not arms: the base is no cell when the grid leaves its values out.
    let base = &req.arms[0].scenario;
    let caption = format!(
        "{}: a {} x {} grid, {} each (common random numbers, seed {}). Cells: mean survival, % of \
         firms alive at onset.",
        req.name,
        xs.len(),
        ys.len(),
        counted(u64::from(base.replications), "paired replication"),
        base.seed
    );
    let chart = HeatMap {
        caption,
        keys,
        xs,
        ys,
        cells,
        range: (lo, hi),
    };
    save(dir, "heat_map", &chart)
}

/// A grid cell: x index, y index, value.
type HeatCell = (usize, usize, f64);

/// Survival of each kind over a two-parameter grid: a panel per kind, a cell per arm.
struct HeatMap<'a> {
    caption: String,
    keys: &'a [String],
    /// The settings along x (the first key) and y (the second), in axis order.
    xs: Vec<String>,
    ys: Vec<String>,
    cells: Vec<(Kind, Vec<HeatCell>)>,
    /// The colour scale's ends.
    range: (f64, f64),
}

impl Chart for HeatMap<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (keys, xs, ys, cells) = (self.keys, &self.xs, &self.ys, &self.cells);
        let (lo, hi) = self.range;
        let body = frame(
            root,
            "Survival to the end of the crisis window over the grid",
            &self.caption,
        )?;
        let span = (hi - lo).max(1e-9);
        let areas = body.split_evenly((2, 3));
        // Settings too wide for their place on an axis are lettered (x: A, B...; y: 1, 2...), and
        // the free sixth panel says which is which.
        let panel_width = f64::from(areas[0].dim_in_pixel().0) - 2.0 * 14.0 - 110.0;
        let x_slot = 0.9 * panel_width / xs.len().max(1) as f64;
        let (x_names, x_key) = axis_names(&body, xs, x_slot, 18, category_letter);
        let (y_names, y_key) = axis_names(&body, ys, 80.0, 18, |i| (i + 1).to_string());
        let mut key_lines: Vec<String> = Vec::new();
        for (key, lines) in [(&keys[0], x_key), (&keys[1], y_key)] {
            if !lines.is_empty() {
                if !key_lines.is_empty() {
                    key_lines.push(String::new());
                }
                key_lines.push(format!("{key}:"));
                key_lines.extend(lines);
            }
        }
        if let Some(free) = areas.get(cells.len()) {
            // The colour scale, shared by every panel, then the key to any lettered settings.
            let grey = RGBColor(60, 60, 60);
            let label = TextStyle::from((FONT, TICKS)).color(&grey);
            free.draw(&Text::new(
                "colour: mean survival, %",
                (30, 40),
                label.clone(),
            ))?;
            let (x0, width, top, height) = (30, 400, 90, 36);
            const STEPS: i32 = 80;
            for i in 0..STEPS {
                let t = f64::from(i) / f64::from(STEPS - 1);
                let (a, b) = (x0 + width * i / STEPS, x0 + width * (i + 1) / STEPS);
                free.draw(&Rectangle::new(
                    [(a, top), (b, top + height)],
                    viridis(t).filled(),
                ))?;
            }
            for (t, h) in [(0.0, HPos::Left), (0.5, HPos::Center), (1.0, HPos::Right)] {
                let x = x0 + (f64::from(width) * t).round() as i32;
                free.draw(&Text::new(
                    format!("{:.1}", lo + t * (hi - lo)),
                    (x, top + height + 8),
                    label.pos(Pos::new(h, VPos::Top)),
                ))?;
            }
            for (i, line) in key_lines.iter().enumerate() {
                draw_fitted(free, line, (30, 220 + 34 * i as i32), TICKS, grey, true)?;
            }
        }
        let (xs, ys) = (x_names.as_slice(), y_names.as_slice());
        for (area, (kind, c)) in areas.iter().zip(cells) {
            let mut chart = ChartBuilder::on(area)
                .margin(14)
                .caption(kind_label(*kind), (FONT, TICKS))
                .x_label_area_size(70)
                .y_label_area_size(110)
                .build_cartesian_2d(
                    -0.5f64..(xs.len() as f64 - 0.5),
                    -0.5f64..(ys.len() as f64 - 0.5),
                )?;
            let xf = |v: &f64| {
                xs.get(v.round() as usize)
                    .filter(|_| (v - v.round()).abs() < 1e-9)
                    .cloned()
                    .unwrap_or_default()
            };
            let yf = |v: &f64| {
                ys.get(v.round() as usize)
                    .filter(|_| (v - v.round()).abs() < 1e-9)
                    .cloned()
                    .unwrap_or_default()
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(keys[0].as_str())
                .y_desc(keys[1].as_str())
                .axis_desc_style((FONT, 20))
                .label_style((FONT, 18))
                .x_labels(xs.len())
                .y_labels(ys.len())
                .x_label_formatter(&xf)
                .y_label_formatter(&yf)
                .draw()?;
            for &(xi, yi, v) in c {
                let (x, y) = (xi as f64, yi as f64);
                let t = (v - lo) / span;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    viridis(t).filled(),
                )))?;
                let ink = if t > 0.6 { BLACK } else { WHITE };
                chart.draw_series(std::iter::once(Text::new(
                    format!("{v:.1}"),
                    (x, y),
                    TextStyle::from((FONT, 20))
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }
        body.present()
    }
}

/// For `compare`: each arm's paired difference from the first, by kind, with 95% intervals.
fn difference_chart(
    dir: &mut ResultsDir,
    req: &crate::comparison::ComparisonRequest,
    table: &DataFrame,
    who: &str,
) -> Result<(), ChartError> {
    let mut panels: Vec<DifferencePanel<'_>> = Vec::new();
    for (outcome, label, scale) in comparison_panels(&req.arms) {
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
            let one_group = groups == 1;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .label_style((FONT, 18))
                .x_labels(groups as usize)
                .x_label_formatter(&|v| {
                    if (v - v.round()).abs() > 1e-9 {
                        return String::new();
                    }
                    if one_group {
                        "all firms".into()
                    } else {
                        short
                            .get(v.round() as usize)
                            .map_or(String::new(), |s| s.to_string())
                    }
                })
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
                let colour = ARM_PALETTE[(arm - 1) % ARM_PALETTE.len()];
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
                colour: ARM_PALETTE[(arm - 1) % ARM_PALETTE.len()],
            })
            .collect();
        draw_legend(&legend, &series.iter().collect::<Vec<_>>(), Swatch::Bar, "")?;
        body.present()
    }
}

/// For `compare`: each kind's survival and employment curves, one line per scenario.
pub fn compare_curves(
    dir: &mut ResultsDir,
    req: &crate::comparison::ComparisonRequest,
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
            colour: if i == 0 {
                RGBColor(0, 0, 0)
            } else {
                ARM_PALETTE[(i - 1) % ARM_PALETTE.len()]
            },
        })
        .collect();
    let who = format!(
        "{} scenarios, {} paired replications each (common random numbers). Shaded: {}'s crisis window.",
        req.arms.len(),
        base.replications,
        req.arms[0].label
    );
    let mut survival_panels = Vec::new();
    let mut employment_panels = Vec::new();
    let c = series_cols("employment_index");
    for k in Kind::ALL {
        let mut surv = Vec::new();
        let mut emp = Vec::new();
        for (i, ((timeseries, survival), arm)) in curves.iter().zip(&req.arms).enumerate() {
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
    let fig = Figure {
        series: series.clone(),
        title: "Survival of firms alive at crisis onset, by scenario".into(),
        caption: format!("Kaplan-Meier, pooled over replications. {who}"),
        x_desc: "month of simulation".into(),
        panels: survival_panels,
        grid: (2, 3),
        window,
        note: "Bands: 95% confidence\n(Greenwood, log-log).",
    };
    save(dir, "compare_survival", &fig)?;
    let fig = Figure {
        series,
        title: "Employment by scenario and kind of firm".into(),
        caption: who,
        x_desc: "month of simulation".into(),
        panels: employment_panels,
        grid: (2, 3),
        window,
        note: "Lines: mean over replications.\nBands: 5%-95% of replications.",
    };
    save(dir, "compare_employment", &fig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_too_long_for_the_axis_are_lettered_like_spreadsheet_columns() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52].map(category_letter).to_vec();
        assert_eq!(letters, ["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
    }

    #[test]
    fn exits_are_charted_as_a_count_only_between_arms_of_one_population() {
        let arm = |label: &str, worker_coop_share: f64| {
            let mut scenario = Scenario::default();
            scenario.population.kind_mix.worker_coop = worker_coop_share;
            crate::sweep::Arm {
                label: label.into(),
                settings: Vec::new(),
                scenario,
            }
        };
        let outcomes = |arms: &[crate::sweep::Arm]| comparison_panels(arms).map(|p| p.0);
        let base = Scenario::default().population.kind_mix.worker_coop;
        let alike = [arm("a", base), arm("b", base)];
        assert!(outcomes(&alike).contains(&"exits"));
        // Twice the co-ops would read as twice the co-op exits: the rate stands in.
        let unlike = [arm("a", base), arm("b", 2.0 * base)];
        assert!(!outcomes(&unlike).contains(&"exits"));
        assert!(outcomes(&unlike).contains(&"crisis_hazard"));
    }

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
}
