//! A sweep's charts: each outcome against one varied key, and for a two-parameter grid a heat map
//! of survival.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analysis::summary::ALL;
use crate::output::{ResultsDir, counted};
use crate::scenario::Kind;

use super::lines::Band;
use super::panels::{arm_values, comparison_panels};
use super::{
    Chart, ChartError, Comparison, FONT, PALETTE, PLOTS_WIDTH, Series, Swatch, TICKS, category_at,
    draw_fitted, draw_legend, frame, kind_label, padded, panel_title, save, tick,
};

/// Each outcome against one varied key, one line per kind, with 95% interval bars.
pub(super) fn sweep_chart(
    dir: &mut ResultsDir,
    req: &Comparison<'_>,
    table: &DataFrame,
    key: &str,
    keys: &[String],
    who: &str,
) -> Result<(), ChartError> {
    let crate::experiment::plan::Slice { points, held } =
        crate::experiment::plan::slice_along(req.arms, key, keys);
    let numeric: Option<Vec<f64>> = points.iter().map(|(_, v)| v.parse::<f64>().ok()).collect();
    let xs: Vec<f64> = match &numeric {
        Some(n) => n.clone(),
        None => (0..points.len()).map(|i| i as f64).collect(),
    };
    let categories: Vec<String> = points.iter().map(|(_, v)| v.clone()).collect();
    let mut panels = Vec::new();
    for (outcome, label, scale) in comparison_panels(req.arms) {
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
    // Past a dozen numeric settings, bars and points of five kinds run into one another.
    let banded = numeric.is_some() && points.len() > DENSE_SETTINGS;
    let intervals = if banded { "Bands" } else { "Bars" };
    let caption = format!("{who} {intervals}: 95% confidence intervals.");
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
        banded,
        note,
    };
    save(dir, &file, &chart)
}

/// More numeric settings than this are drawn as lines with bands rather than points with bars.
const DENSE_SETTINGS: usize = 12;

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
    /// Intervals as shaded bands behind the lines (many numeric settings), not bars at points.
    banded: bool,
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
            let slot = Slot {
                along: 0.9 * plot_width / c.len().max(1) as f64,
                across: f64::INFINITY,
                vertical: false,
            };
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
                Some(c) => category_at(c, *v),
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
            if self.banded {
                for (kind, b) in lines {
                    chart.draw_series(std::iter::once(b.area(kind_colour(*kind))))?;
                }
                for (kind, b) in lines {
                    let points = b.x.iter().copied().zip(b.mean.iter().copied());
                    chart
                        .draw_series(LineSeries::new(points, kind_colour(*kind).stroke_width(3)))?;
                }
                continue;
            }
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
        } else if self.banded {
            Swatch::LineAndBand
        } else {
            Swatch::LineAndPoint
        };
        draw_legend(&legend, &series, swatch, &note)?;
        body.present()
    }
}

/// The room a setting's name has on an axis: along the axis (its share of the axis) and across
/// it (the label area's depth, or unlimited).
#[derive(Clone, Copy)]
struct Slot {
    along: f64,
    across: f64,
    /// Names on a vertical (y) axis stack by their height, on a horizontal one by their width.
    vertical: bool,
}

/// How settings are named on an axis, with the key a note gives ("A = setting"; empty when the
/// names are the settings). Numbers read as an axis: compactly written and, when they crowd,
/// only every second (third...) one labelled. Other settings are themselves when each fits its
/// slot, else `short(i)` for the `i`th, thinned the same way if even those crowd.
fn axis_names<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    settings: &[String],
    slot: Slot,
    size: u32,
    short: impl Fn(usize) -> String,
) -> (Vec<String>, Vec<String>) {
    let font = TextStyle::from((FONT, size));
    // Extent along and across the axis, in pixels.
    let extent = |s: &str| {
        let (w, h) = area
            .estimate_text_size(s, &font)
            .map_or((f64::INFINITY, f64::INFINITY), |(w, h)| {
                (f64::from(w), f64::from(h))
            });
        if slot.vertical { (h, w) } else { (w, h) }
    };
    let fits_across = |names: &[String]| names.iter().all(|n| extent(n).1 <= slot.across);
    let fits =
        |names: &[String]| fits_across(names) && names.iter().all(|n| extent(n).0 <= slot.along);
    let (names, key) = match compact_numbers(settings) {
        Some(numbers) if fits_across(&numbers) => (numbers, Vec::new()),
        _ if fits(settings) => (settings.to_vec(), Vec::new()),
        _ => {
            let names: Vec<String> = (0..settings.len()).map(short).collect();
            let key = names
                .iter()
                .zip(settings)
                .map(|(n, s)| format!("{n} = {s}"))
                .collect();
            (names, key)
        }
    };
    let longest = names.iter().map(|n| extent(n).0).fold(0.0, f64::max);
    let step = (longest / slot.along.max(1.0)).ceil().max(1.0) as usize;
    let thinned = names
        .into_iter()
        .enumerate()
        .map(|(i, n)| if i % step == 0 { n } else { String::new() })
        .collect();
    (thinned, key)
}

/// Settings that are all numbers, written with the fewest significant digits (at least four) that
/// still tell them apart: a range of 15 points from 0 to 0.9 reads 0.06429, not 0.064285714286.
/// `None` when any setting is not a number.
fn compact_numbers(settings: &[String]) -> Option<Vec<String>> {
    let values: Vec<f64> = settings
        .iter()
        .map(|s| s.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect::<Option<_>>()?;
    let written = |digits: i32| -> Vec<String> {
        values
            .iter()
            .map(|&v| {
                format!(
                    "{}",
                    crate::scenario::sweep::round_significant(v, digits, v)
                )
            })
            .collect()
    };
    (4..17)
        .map(written)
        .find(|names| {
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            sorted.len() == names.len()
        })
        .or_else(|| Some(settings.to_vec()))
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
pub(super) fn heat_map(
    dir: &mut ResultsDir,
    req: &Comparison<'_>,
    table: &DataFrame,
    keys: &[String],
) -> Result<(), ChartError> {
    // The grid's values are those of the arms it made (the base runs one of its cells when the
    // grid lists the base's values, and is no cell of it when it does not); numbers in order,
    // other settings as they first appear.
    let value_of =
        |arm: &crate::experiment::Arm, k: &str| Some(crate::scenario::setting(&arm.scenario, k));
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
        // A panel's plot, in pixels: the panel less its margins, caption and label areas.
        let (panel_width, panel_height) = areas[0].dim_in_pixel();
        let plot_width = f64::from(panel_width) - 2.0 * 14.0 - 110.0;
        let plot_height = f64::from(panel_height) - 2.0 * 14.0 - 70.0 - 40.0;
        let (cell_width, cell_height) = (
            plot_width / xs.len().max(1) as f64,
            plot_height / ys.len().max(1) as f64,
        );
        // Numbers label the axes like ticks (thinned when they crowd); other settings too wide
        // for their place are lettered (x: A, B...; y: 1, 2...), and the free sixth panel says
        // which is which.
        let x_slot = Slot {
            along: 0.9 * cell_width,
            across: f64::INFINITY,
            vertical: false,
        };
        let y_slot = Slot {
            along: 0.95 * cell_height,
            across: 80.0,
            vertical: true,
        };
        let (x_names, x_key) = axis_names(&body, xs, x_slot, 18, category_letter);
        let (y_names, y_key) = axis_names(&body, ys, y_slot, 18, |i| (i + 1).to_string());
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
        // Each cell prints its value when the value fits in it, at the largest size that does.
        let value_size = [20, 16, 13].into_iter().find(|&size| {
            body.estimate_text_size("100.0", &TextStyle::from((FONT, size)))
                .is_ok_and(|(w, h)| {
                    f64::from(w) <= 0.9 * cell_width && f64::from(h) <= 0.85 * cell_height
                })
        });
        if value_size.is_none() {
            if !key_lines.is_empty() {
                key_lines.insert(0, String::new());
            }
            key_lines.insert(0, "sweep.md has each cell's value.".to_string());
            key_lines.insert(0, "Cells too small to print values:".to_string());
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
            // The key's lines share the room below the scale, smaller as they are more; lines
            // past what fits even at a small size are counted, not drawn.
            let (first, room) = (190, free.dim_in_pixel().1 as i32 - 190 - 10);
            let wanted = key_lines.len().max(1) as i32;
            let pitch = (room / wanted).clamp(16, 34);
            let size = (TICKS as i32 * pitch / 34) as u32;
            let fit = (room / pitch).max(1) as usize;
            if key_lines.len() > fit {
                let more = key_lines.len() - (fit - 1);
                key_lines.truncate(fit - 1);
                key_lines.push(format!(
                    "... and {more} more (lettered in the order the settings were listed)"
                ));
            }
            for (i, line) in key_lines.iter().enumerate() {
                draw_fitted(free, line, (30, first + pitch * i as i32), size, grey, true)?;
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
            let xf = |v: &f64| category_at(xs, *v);
            let yf = |v: &f64| category_at(ys, *v);
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
                let Some(size) = value_size else {
                    continue;
                };
                let ink = if t > 0.6 { BLACK } else { WHITE };
                chart.draw_series(std::iter::once(Text::new(
                    format!("{v:.1}"),
                    (x, y),
                    TextStyle::from((FONT, size))
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }
        body.present()
    }
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
    fn numeric_settings_are_written_with_the_digits_that_tell_them_apart() {
        let compact =
            |v: &[&str]| compact_numbers(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let owned = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            compact(&["0.0", "0.0769230769231", "0.153846153846", "1.25", "120"]),
            owned(&["0", "0.07692", "0.1538", "1.25", "120"])
        );
        // Close settings keep the digits that separate them.
        assert_eq!(
            compact(&["0.100001", "0.100002"]),
            owned(&["0.100001", "0.100002"])
        );
        assert_eq!(compact(&["0.5", "v"]), None);
    }
}
