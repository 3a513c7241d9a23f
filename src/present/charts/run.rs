//! The charts of `run`, from its summary tables: survival, employment, pay, reserves and leverage
//! by kind, employment by sector, exits by fragility quintile at onset, and (when the run was
//! paired with its control) the crisis effect on employment by kind.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::*;

use crate::analysis::summary::ALL;
use crate::model::crisis_window;
use crate::output::{ResultsDir, counted};
use crate::scenario::{Kind, Scenario, Sector};

use super::lines::{Figure, Panel, bands_by_kind, kind_bands, line_panel};
use super::{
    AXIS_DESC, BAR_OPACITY, Bar, Chart, ChartError, FONT, PALETTE, PLOTS_WIDTH, Series, Swatch,
    TICKS, draw_legend, f64_values, frame, kind_series, register_font, save, sector_label,
};

/// The summary tables the charts are drawn from.
pub struct ChartData<'a> {
    pub scenario: &'a Scenario,
    pub timeseries: &'a DataFrame,
    pub survival: &'a DataFrame,
    pub fragility: &'a DataFrame,
    /// Employment against the control by month and kind, % (`crisis_effect_monthly`), when the
    /// run was paired with its control.
    pub employment_vs_control: Option<&'a DataFrame>,
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
    let span = s.start.short_span(i64::from(w.start), i64::from(w.end) - 1);
    let who = format!("{run} Shaded: crisis window ({span}).");
    let start = s.start.month();
    let month = start.map_or("month of simulation", |_| "month").to_string();
    // The figures of monthly series by kind: lines are means over replications, bands their spread.
    let by_kind = |title: &str, panels: Vec<Panel>, grid: (usize, usize)| Figure {
        series: kind_series(),
        title: title.into(),
        caption: who.clone(),
        x_desc: month.clone(),
        panels,
        grid,
        window,
        note: "Lines: mean over replications.\nBands: 5%-95% of replications.".into(),
        start,
    };

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
        note: "Lines: Kaplan-Meier survival.\nBands: 95% confidence\n(Greenwood, log-log).".into(),
        start,
    };
    save(dir, "survival", &fig)?;

    // Indices against the month before onset, with the 100 line drawn.
    for (series, title, y_desc) in [
        (
            "employment_index",
            "Employment by kind of firm",
            "employment (heads), month before onset = 100",
        ),
        (
            "pay_index",
            "Pay per worker by kind of firm",
            "pay per worker, month before onset = 100",
        ),
    ] {
        let mut index = line_panel(data.timeseries, series, ALL, y_desc, 1.0)?;
        index.reference = Some(100.0);
        save(dir, series, &by_kind(title, vec![index], (1, 1)))?;
    }

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
    save(
        dir,
        "reserves_leverage",
        &by_kind(
            "Reserves and leverage by kind of firm",
            vec![reserves, leverage],
            (1, 2),
        ),
    )?;

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
    let fig = by_kind("Employment by sector and kind of firm", panels, (2, 2));
    save(dir, "employment_by_sector", &fig)?;

    if let Some(effect) = data.employment_vs_control {
        let id = crate::analysis::effect::Measure::Employment.id();
        let [m, l, h] = ["mean", "ci_low", "ci_high"].map(|s| format!("{id}_{s}"));
        let panel = Panel {
            title: None,
            y_desc: "employment against the control, % (0: no effect)".into(),
            lines: bands_by_kind(effect, "month", [&m, &l, &h], 1.0)?,
            reference: Some(0.0),
        };
        let fig = Figure {
            series: kind_series(),
            title: "Crisis effect on employment: paired difference from the control".into(),
            // `run`, not `who`: the window is labelled in the plot, and the caption must fit.
            caption: format!("Heads against the same replication without the shock. {run}"),
            x_desc: month.clone(),
            panels: vec![panel],
            grid: (1, 1),
            window,
            note: "Lines: mean over replications\nof the paired difference.\nBands: its 95% confidence\ninterval.".into(),
            start,
        };
        save(dir, "employment_vs_control", &fig)?;
    }

    let window_text = format!("Exits in {span}. {run}");
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
