//! The report's sections, in the order a reader needs them: what was asked, the headline, the
//! crisis effect, the charts, the paired differences (or sensitivity indices), the model's
//! validation status, methods in brief, the parameters that differ from the defaults, provenance,
//! and the STRESS-ABS checklist. Each is built from the folder's own files.

use polars::prelude::*;
use serde_json::Value;

use super::folder::{Command, Folder, ReportError};
use super::page::{Figure, Section, Table};
use crate::analysis::effect::{GROUPS, Measure, group_kind};
use crate::analysis::summary::HEADLINE;
use crate::output::counted;
use crate::present::charts::f64_values;
use crate::present::crisis_window_span;
use crate::present::headline::HEADLINE_LABELS;
use crate::scenario::{Describe, Kind, Scenario, parameter_docs};

/// The page before templating.
pub(super) struct Built {
    pub(super) title: String,
    pub(super) subtitle: Vec<String>,
    pub(super) sections: Vec<Section>,
}

/// A scenario of the folder with the label the report gives it.
struct Arm {
    label: String,
    scenario: Scenario,
}

pub(super) fn page(f: &Folder) -> Result<Built, ReportError> {
    let command = f.command();
    let arms = arms(f, command)?;
    let Some(base) = arms.first() else {
        return Err(ReportError::Read(
            f.dir.join("scenario.toml"),
            "the folder holds no scenario file (scenario.toml or scenarios/*.toml)".into(),
        ));
    };
    let s = &base.scenario;
    // Sweeps and comparisons record their name (the base's); the others are the scenario's.
    let name = Some(f.str("/name"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| s.name.clone());
    let title = match command {
        Command::Run => format!("{name}: how each kind of firm came through the crisis"),
        Command::Sweep => format!("{name}: {}", sweep_title(f)),
        Command::Compare => format!(
            "{name} compared with {}",
            arms[1..]
                .iter()
                .map(|a| a.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Command::Sensitivity => format!("{name}: which parameters matter"),
        Command::Validate => format!("Validation of the model: {}", f.str("/targets")),
        Command::Other => "coopsim results".to_string(),
    };
    let written = written(f);
    let subtitle = vec![
        format!(
            "coopsim {} · {} · {}",
            command.name(),
            replications_text(f, command),
            written
        ),
        "Agent-based simulation of worker co-operatives and conventional small firms through a \
         credit crisis."
            .to_string(),
    ];

    let mut sections = vec![asked(f, command, &arms)?];
    sections.push(headline(f, command, s)?);
    if command == Command::Run || f.has("crisis_effect.csv") {
        sections.push(effect(f, s)?);
    }
    sections.push(charts(f, command)?);
    if let Some(d) = differences(f, command)? {
        sections.push(d);
    }
    sections.push(validation(f)?);
    sections.push(methods(f, command, s));
    sections.push(parameters(&arms));
    sections.push(provenance(f, command, &arms, &written));
    sections.push(super::stress::section(command, &sections));
    Ok(Built {
        title,
        subtitle,
        sections,
    })
}

/// The scenarios that ran, with their labels: the folder's scenario.toml, or its scenarios/.
fn arms(f: &Folder, command: Command) -> Result<Vec<Arm>, ReportError> {
    let mut out = Vec::new();
    let files = match command {
        Command::Compare | Command::Validate => f.scenario_files(),
        _ if f.has("scenario.toml") => vec!["scenario.toml".to_string()],
        _ => f.scenario_files(),
    };
    for file in files {
        let scenario = f.scenario(&file)?;
        let label = match command {
            // A validation's scenarios are known by their names in the targets file.
            Command::Validate => std::path::Path::new(&file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            _ => scenario.name.clone(),
        };
        out.push(Arm { label, scenario });
    }
    Ok(out)
}

fn sweep_title(f: &Folder) -> String {
    let keys: Vec<String> = f
        .manifest
        .pointer("/design/sweep/keys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    format!("sweep of {}", keys.join(", "))
}

/// "10 replications", "4 paired replications per arm".
fn replications_text(f: &Folder, command: Command) -> String {
    let n = replications(f);
    match command {
        Command::Sweep | Command::Compare => {
            format!("{} per arm", counted(n, "paired replication"))
        }
        Command::Sensitivity => format!(
            "{} x {}",
            counted(f.str("/points").parse().unwrap_or(0), "point"),
            counted(n, "replication")
        ),
        Command::Validate => format!("{} per scenario", counted(n, "paired replication")),
        _ => counted(n, "replication"),
    }
}

fn replications(f: &Folder) -> u64 {
    ["/replications", "/common_random_numbers/replications"]
        .iter()
        .find_map(|k| f.manifest.pointer(k).and_then(Value::as_u64))
        .unwrap_or(0)
}

/// When the folder was written: the date its manifest records, else when its manifest was last
/// changed (older folders).
fn written(f: &Folder) -> String {
    let recorded = f.str("/provenance/written_utc");
    if !recorded.is_empty() {
        return format!(
            "written {}",
            recorded.replace('T', " ").replace('Z', " UTC")
        );
    }
    match f.manifest_time() {
        Some(t) => format!(
            "manifest last changed {}",
            t.replace('T', " ").replace('Z', " UTC")
        ),
        None => "date not recorded".to_string(),
    }
}

fn description_sentence(s: &Scenario) -> Option<String> {
    let d = crate::present::one_line(&s.description);
    let d = d.trim().trim_end_matches('.');
    (!d.is_empty()).then(|| format!("{d}."))
}

/// Recorded month 0 to the last month, and the crisis window, in words.
fn timing(s: &Scenario) -> String {
    format!(
        "{} of {} over {} recorded months, {}, after {} months of warm-up; the crisis starts in {} \
         and its window runs {}",
        counted(u64::from(s.replications), "replication"),
        counted(u64::from(s.population.firms), "firm"),
        s.months,
        s.start.span(0, i64::from(s.months) - 1),
        s.warmup_months,
        s.start.label(i64::from(s.crisis.onset_month)),
        crisis_window_span(s),
    )
}

fn asked(f: &Folder, command: Command, arms: &[Arm]) -> Result<Section, ReportError> {
    let s = &arms[0].scenario;
    let mut sec = Section {
        id: "asked",
        title: "What was asked".into(),
        ..Section::default()
    };
    match command {
        Command::Run | Command::Other => {
            sec.intro.push(format!(
                "How did each kind of firm (conventional SMEs, worker co-ops, social co-ops, \
                 public-service mutuals) come through the crisis in the scenario `{}`?{}",
                s.name,
                description_sentence(s).map_or(String::new(), |d| format!(" It stands for: {d}"))
            ));
            sec.intro.push(format!("{}.", timing(s)));
            if f.manifest.pointer("/control/simulated") == Some(&Value::Bool(true)) {
                sec.intro.push(
                    "Each replication ran beside its control: the same replication (seed, firms \
                     and random streams) without the shock, so the crisis's effect is measured \
                     against what would have happened anyway."
                        .into(),
                );
            } else if let Some(note) = f.manifest.pointer("/control/note").and_then(Value::as_str) {
                sec.intro.push(format!("No control ran: {note}."));
            }
        }
        Command::Sweep => {
            let design = f.str("/design/sweep/design");
            sec.intro.push(format!(
                "What changes when {} take the values below, everything else as in `{}`{}? Design: \
                 {}.",
                sweep_title(f).trim_start_matches("sweep of "),
                s.name,
                description_sentence(s)
                    .map_or(String::new(), |d| format!(" ({})", d.trim_end_matches('.'))),
                if design == "oat" {
                    "one parameter at a time around the base"
                } else {
                    "every combination (grid)"
                }
            ));
            sec.intro.push(format!("{}.", timing(s)));
            sec.tables.push(arm_table(f));
        }
        Command::Compare => {
            sec.intro.push(format!(
                "How do these scenarios compare, each against the first (`{}`), with the same \
                 replications (common random numbers)?",
                arms[0].label
            ));
            let mut t = Table {
                caption: "The scenarios compared".into(),
                head: vec![
                    "scenario".into(),
                    "what it stands for".into(),
                    "firms".into(),
                    "crisis window".into(),
                ],
                ..Table::default()
            };
            for a in arms {
                t.rows.push(vec![
                    a.label.clone(),
                    description_sentence(&a.scenario).unwrap_or_default(),
                    counted(u64::from(a.scenario.population.firms), "firm"),
                    crisis_window_span(&a.scenario),
                ]);
            }
            sec.tables.push(t);
            sec.intro.push(format!("{}.", timing(s)));
        }
        Command::Sensitivity => {
            sec.intro.push(format!(
                "Which of the parameters below move the outcomes most, over the ranges given, in \
                 `{}`{}? Method: {} ({} points).",
                s.name,
                description_sentence(s)
                    .map_or(String::new(), |d| format!(" ({})", d.trim_end_matches('.'))),
                method_text(&f.str("/method")),
                f.str("/points")
            ));
            sec.intro.push(format!("{}.", timing(s)));
            let mut t = Table {
                caption: "Parameters varied and their ranges".into(),
                head: vec![
                    "parameter".into(),
                    "from".into(),
                    "to".into(),
                    "scale".into(),
                ],
                ..Table::default()
            };
            for r in f
                .manifest
                .get("ranges")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let get = |k: &str| {
                    r.get(k).map_or(String::new(), |v| {
                        v.as_str().map_or(v.to_string(), str::to_string)
                    })
                };
                t.rows.push(vec![
                    get("key"),
                    get("low"),
                    get("high"),
                    if r.get("log") == Some(&Value::Bool(true)) {
                        "log-uniform".into()
                    } else {
                        "uniform".into()
                    },
                ]);
            }
            sec.tables.push(t);
            let outcomes: Vec<String> = f
                .manifest
                .get("outcomes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_str().map(|o| format!("`{o}`")))
                .collect();
            if !outcomes.is_empty() {
                sec.intro
                    .push(format!("Outcomes analysed: {}.", outcomes.join(", ")));
            }
        }
        Command::Validate => {
            let md = f.text("validation.md")?;
            let (preamble, _) = split_markdown(&md);
            let about = preamble
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or_default()
                .to_string();
            sec.intro.push(format!(
                "Does the model reproduce the published figures of the targets file `{}`? {}",
                f.str("/targets"),
                about
            ));
            let mut t = Table {
                caption: "The scenarios the targets are measured on".into(),
                head: vec![
                    "scenario".into(),
                    "firms".into(),
                    "horizon, months".into(),
                    "crisis window".into(),
                ],
                ..Table::default()
            };
            for a in arms {
                t.rows.push(vec![
                    a.label.clone(),
                    counted(u64::from(a.scenario.population.firms), "firm"),
                    a.scenario.months.to_string(),
                    crisis_window_span(&a.scenario),
                ]);
            }
            sec.tables.push(t);
        }
    }
    Ok(sec)
}

fn method_text(method: &str) -> &'static str {
    match method {
        "morris" => "Morris elementary effects (screening)",
        "sobol" => "Sobol first-order and total indices (Saltelli's design)",
        "lhs" => "Latin hypercube sample (the spread of each outcome over the ranges)",
        _ => "as recorded in the manifest",
    }
}

/// A sweep's arms and the values of the varied keys in each.
fn arm_table(f: &Folder) -> Table {
    let mut t = Table {
        caption: "The arms".into(),
        head: vec!["arm".into(), "settings".into()],
        ..Table::default()
    };
    for a in f
        .manifest
        .get("arms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let settings: Vec<String> = a
            .get("settings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|kv| {
                format!(
                    "{} = {}",
                    kv.get("key").and_then(Value::as_str).unwrap_or(""),
                    kv.get("value").and_then(Value::as_str).unwrap_or("")
                )
            })
            .collect();
        t.rows.push(vec![
            a.get("label")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            if settings.is_empty() {
                "the scenario as written".into()
            } else {
                settings.join("; ")
            },
        ]);
    }
    t
}

/// "mean [low, high]" scaled, as headline.md writes it.
fn cell(m: Option<f64>, lo: Option<f64>, hi: Option<f64>, scale: f64) -> String {
    match (m, lo, hi) {
        (Some(m), Some(lo), Some(hi)) if m.is_finite() && lo.is_finite() && hi.is_finite() => {
            format!("{:.2} [{:.2}, {:.2}]", m * scale, lo * scale, hi * scale)
        }
        (Some(m), _, _) if m.is_finite() => format!("{:.2}", m * scale),
        _ => "n/a".to_string(),
    }
}

fn read_error(f: &Folder, file: &str) -> impl Fn(PolarsError) -> ReportError {
    let path = f.dir.join(file);
    move |e| {
        ReportError::Read(
            path.clone(),
            format!("not the table coopsim writes there ({e})"),
        )
    }
}

fn headline(f: &Folder, command: Command, s: &Scenario) -> Result<Section, ReportError> {
    let mut sec = Section {
        id: "headline",
        title: "Headline".into(),
        ..Section::default()
    };
    match command {
        Command::Sweep | Command::Compare => {
            let file = if command == Command::Sweep {
                "sweep.csv"
            } else {
                "compare.csv"
            };
            sec.intro.push(format!(
                "Survival of the firms alive at onset to the end of the crisis window, % (each \
                 arm's mean across its replications [95% confidence interval]); every outcome, \
                 with the paired differences from the first arm, is in section \"Paired \
                 differences\" and in `{file}`."
            ));
            sec.tables
                .push(arm_outcome_table(f, file, "survival_to_window_end", 100.0)?);
        }
        Command::Sensitivity => {
            let md = f.text("sensitivity.md")?;
            let (_, parts) = split_markdown(&md);
            if let Some((heading, body)) = parts.first() {
                sec.intro.push(format!(
                    "The parameters ranked by their effect on the first outcome, `{heading}`; every \
                     outcome is in section \"Sensitivity indices\" and in `sensitivity.csv`."
                ));
                sec.html.push(markdown(body));
            }
        }
        Command::Validate => {
            let md = f.text("validation.md")?;
            let (preamble, _) = split_markdown(&md);
            // Its first paragraph, what the targets are, is in "What was asked" already.
            let body = preamble
                .trim_start()
                .split_once("\n\n")
                .map_or(preamble.as_str(), |(_, rest)| rest);
            sec.html.push(markdown(body));
        }
        Command::Run | Command::Other => {
            if !f.has("headline.csv") {
                sec.intro.push("This folder has no headline.csv.".into());
                return Ok(sec);
            }
            let df = f.csv("headline.csv")?;
            let err = read_error(f, "headline.csv");
            let kinds: Vec<String> = df
                .column("kind")
                .and_then(|c| c.cast(&DataType::String))
                .map_err(&err)?
                .str()
                .map_err(&err)?
                .iter()
                .map(|k| k.unwrap_or("").to_string())
                .collect();
            let mut columns: Vec<Vec<String>> = Vec::new();
            for name in HEADLINE {
                let [m, lo, hi] =
                    ["mean", "ci_low", "ci_high"].map(|x| f64_values(&df, &format!("{name}_{x}")));
                let (m, lo, hi) = (m.map_err(&err)?, lo.map_err(&err)?, hi.map_err(&err)?);
                let scale = HEADLINE_LABELS
                    .iter()
                    .zip(HEADLINE)
                    .find(|(_, n)| *n == name)
                    .map_or(1.0, |((_, scale), _)| *scale);
                columns.push(
                    (0..df.height())
                        .map(|r| cell(m[r], lo[r], hi[r], scale))
                        .collect(),
                );
            }
            // A kind the run had no firms of (all n/a) is left out, as the terminal does.
            let shown: Vec<usize> = (0..df.height())
                .filter(|&r| columns.iter().any(|c| c[r] != "n/a"))
                .collect();
            let mut t = Table {
                id: "headline-table".into(),
                caption: format!(
                    "How each kind came through the crisis: mean across {} [95% confidence interval]",
                    counted(u64::from(s.replications), "replication")
                ),
                numeric: true,
                ..Table::default()
            };
            t.head.push("outcome".into());
            t.head
                .extend(shown.iter().map(|&r| kind_heading(&kinds[r])));
            for (i, (label, _)) in HEADLINE_LABELS.iter().enumerate() {
                let mut row = vec![label.to_string()];
                row.extend(shown.iter().map(|&r| columns[i][r].clone()));
                t.rows.push(row);
            }
            t.notes.push(format!(
                "Survival and exits are of the firms alive at onset ({}); \"to trough\" is from the \
                 month before onset to the lowest month of the crisis window ({}). `headline.csv` \
                 also has the 5% and 95% quantiles across replications.",
                s.start.label(i64::from(s.crisis.onset_month)),
                crisis_window_span(s)
            ));
            sec.tables.push(t);
        }
    }
    Ok(sec)
}

fn kind_heading(kind: &str) -> String {
    Kind::ALL.iter().find(|k| k.name() == kind).map_or_else(
        || kind.to_string(),
        |k| crate::present::charts::kind_label(*k).to_string(),
    )
}

/// One outcome of a sweep's or comparison's table: arms down, kinds across, each arm's mean
/// with its own 95% interval.
fn arm_outcome_table(
    f: &Folder,
    file: &str,
    outcome: &str,
    scale: f64,
) -> Result<Table, ReportError> {
    let df = f.csv(file)?;
    let err = read_error(f, file);
    let text = |name: &str| -> Result<Vec<String>, ReportError> {
        Ok(df
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(&err)?
            .str()
            .map_err(&err)?
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect())
    };
    let (labels, kinds, outcomes) = (text("label")?, text("kind")?, text("outcome")?);
    let [m, lo, hi] = ["mean", "mean_ci_low", "mean_ci_high"].map(|c| f64_values(&df, c));
    let (m, lo, hi) = (m.map_err(&err)?, lo.map_err(&err)?, hi.map_err(&err)?);
    let mut arms: Vec<String> = Vec::new();
    let mut kind_order: Vec<String> = Vec::new();
    for r in 0..df.height() {
        if outcomes[r] != outcome {
            continue;
        }
        if !arms.contains(&labels[r]) {
            arms.push(labels[r].clone());
        }
        if !kind_order.contains(&kinds[r]) {
            kind_order.push(kinds[r].clone());
        }
    }
    let mut t = Table {
        id: "headline-table".into(),
        caption: "Survival to the end of the crisis window, %".into(),
        numeric: true,
        ..Table::default()
    };
    t.head.push("arm".into());
    t.head.extend(kind_order.iter().map(|k| kind_heading(k)));
    for arm in &arms {
        let mut row = vec![arm.clone()];
        for k in &kind_order {
            let r = (0..df.height())
                .find(|&r| &labels[r] == arm && &kinds[r] == k && outcomes[r] == outcome);
            row.push(r.map_or("n/a".to_string(), |r| cell(m[r], lo[r], hi[r], scale)));
        }
        t.rows.push(row);
    }
    Ok(t)
}

fn effect(f: &Folder, s: &Scenario) -> Result<Section, ReportError> {
    let mut sec = Section {
        id: "effect",
        title: "Crisis effect against the control".into(),
        ..Section::default()
    };
    if !f.has("crisis_effect.csv") {
        let note = f
            .manifest
            .pointer("/control/note")
            .and_then(Value::as_str)
            .unwrap_or("the run has no crisis_effect.csv");
        sec.intro.push(format!("No crisis effect: {note}."));
        return Ok(sec);
    }
    sec.intro.push(
        "Each cell is the mean across replications of the paired difference between this scenario \
         and its control, the same replication with the shock removed (same seed, firms and random \
         streams; every crisis and austerity depth and credit-crunch change set to 0, the timing \
         kept), with its 95% confidence interval. Employment and pay are against the control \
         relative to the month before onset."
            .into(),
    );
    let df = f.csv("crisis_effect.csv")?;
    let err = read_error(f, "crisis_effect.csv");
    let text = |name: &str| -> Result<Vec<String>, ReportError> {
        Ok(df
            .column(name)
            .and_then(|c| c.cast(&DataType::String))
            .map_err(&err)?
            .str()
            .map_err(&err)?
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect())
    };
    let (kinds, measures) = (text("kind")?, text("measure")?);
    let [m, lo, hi, month] = ["mean", "ci_low", "ci_high", "month"].map(|c| f64_values(&df, c));
    let (m, lo, hi, month) = (
        m.map_err(&err)?,
        lo.map_err(&err)?,
        hi.map_err(&err)?,
        month.map_err(&err)?,
    );
    let groups: Vec<String> = (0..GROUPS)
        .map(|g| group_kind(g).map_or("all".to_string(), |k| k.name().to_string()))
        .filter(|g| kinds.contains(g))
        .collect();
    let mut t = Table {
        id: "effect-table".into(),
        caption:
            "The crisis's effect: this scenario minus its control, mean [95% confidence interval]"
                .into(),
        numeric: true,
        ..Table::default()
    };
    t.head.push("measure".into());
    t.head.extend(groups.iter().map(|g| {
        if g == "all" {
            "All firms".to_string()
        } else {
            kind_heading(g)
        }
    }));
    for measure in Measure::ALL {
        let mut row = vec![measure.label().to_string()];
        let mut months = vec!["the worst month".to_string()];
        for g in &groups {
            let r = (0..df.height()).find(|&r| &kinds[r] == g && measures[r] == measure.id());
            row.push(r.map_or("n/a".into(), |r| cell(m[r], lo[r], hi[r], 1.0)));
            months.push(
                r.and_then(|r| month[r])
                    .map_or(String::new(), |t| s.start.label(t as i64)),
            );
        }
        t.rows.push(row);
        // The month a measure was taken in, where it has one, on a line of its own.
        if months[1..].iter().any(|m| !m.is_empty()) {
            t.rows.push(months);
        }
    }
    t.notes.push(
        "The worst month is the crisis-window month where the mean shortfall is deepest (chosen on \
         the mean path, so noise in a minimum does not pass for an effect). `crisis_effect.csv` \
         has the same numbers, `crisis_effect_monthly.csv` the employment path month by month."
            .into(),
    );
    sec.tables.push(t);
    Ok(sec)
}

fn charts(f: &Folder, command: Command) -> Result<Section, ReportError> {
    let mut sec = Section {
        id: "charts",
        title: "Charts".into(),
        own_page: true,
        ..Section::default()
    };
    let reps = replications_text(f, command);
    for file in f.files() {
        let Some(name) = file.strip_prefix("charts/").filter(|n| n.ends_with(".svg")) else {
            continue;
        };
        let text = f.text(&file)?;
        let svg = inline_svg(&text).ok_or_else(|| {
            ReportError::Read(f.dir.join(&file), "not an SVG image coopsim drew".into())
        })?;
        let stem = name.trim_end_matches(".svg");
        let number = sec.charts.len() + 1;
        sec.charts.push(Figure {
            id: format!("chart-{stem}"),
            number,
            title: svg_title(&text).unwrap_or_else(|| stem.replace('_', " ")),
            caption: chart_caption(stem, f, &reps),
            file: name.to_string(),
            svg,
        });
    }
    if sec.charts.is_empty() {
        sec.intro.push("This folder has no charts.".into());
    } else {
        // Only charts against the month have a crisis window to shade.
        let shaded = match command {
            Command::Run | Command::Compare | Command::Other => " The crisis window is shaded.",
            Command::Sweep | Command::Sensitivity | Command::Validate => "",
        };
        sec.intro.push(format!(
            "The charts of the folder's charts/ folder, each also there as PNG.{shaded} Colours are \
             the Okabe-Ito colour-blind-safe palette."
        ));
    }
    Ok(sec)
}

/// What a chart shows, by the name coopsim gives it.
fn chart_caption(stem: &str, f: &Folder, reps: &str) -> String {
    match stem {
        "survival" => format!(
            "Kaplan-Meier survival of the firms alive at crisis onset, by kind, pooling {reps}; \
             bands are 95% confidence intervals (Greenwood, log-log scale)."
        ),
        "employment_index" => format!(
            "Employment (heads) of each kind, the month before onset = 100: lines are the mean \
             over {reps}, bands the 5%-95% spread across them."
        ),
        "pay_index" => format!(
            "Pay per worker of each kind, the month before onset = 100: mean over {reps}, bands \
             the 5%-95% spread across them."
        ),
        "reserves_leverage" => format!(
            "Reserves per firm (GBP thousand) and debt / assets by kind: mean over {reps}, bands \
             the 5%-95% spread across them."
        ),
        "employment_by_sector" => format!(
            "Employment by sector and kind, pre-crisis = 100: mean over {reps}, bands the 5%-95% \
             spread across them."
        ),
        "employment_vs_control" => format!(
            "Each kind's employment against its control (the same replication without the shock), \
             %: the mean paired difference over {reps} with its 95% confidence interval; below 0 \
             are jobs the crisis cost."
        ),
        "fragility_exits" => format!(
            "Share of the firms alive at onset that exited in the crisis window, by fragility \
             quintile at onset (leverage and months of costs covered) and kind, pooled over \
             {reps}; whiskers: the 5%-95% spread across replications."
        ),
        "compare_survival" => format!(
            "Kaplan-Meier survival of the firms alive at onset by scenario, one panel per kind, \
             {reps} (common random numbers), with 95% confidence bands."
        ),
        "compare_employment" => format!(
            "Employment by scenario, one panel per kind, month before onset = 100: mean over \
             {reps}, bands the 5%-95% spread."
        ),
        "differences" => format!(
            "Each scenario's paired difference from the first in the headline outcomes, with its \
             95% confidence interval, {reps}."
        ),
        "heat_map" => format!(
            "Survival to the end of the crisis window over the grid of the two varied parameters: \
             each arm's mean, {reps}."
        ),
        "validation" => format!(
            "Each validation measure's model mean with its 95% confidence interval against its \
             target band, {reps}."
        ),
        _ => {
            if let Some(key) = stem.strip_prefix("sweep_") {
                format!(
                    "Outcomes by kind against the varied parameter ({}): each arm's mean with its \
                     95% confidence interval, {reps}; other varied parameters at the base's settings.",
                    key.replace('_', ".")
                )
            } else if let Some(outcome) = stem.strip_prefix("sensitivity_") {
                format!(
                    "The parameters ranked by their effect on {} ({}), with 95% intervals and the \
                     noise that {reps} leave.",
                    outcome,
                    method_text(&f.str("/method"))
                )
            } else {
                format!("{reps}.")
            }
        }
    }
}

/// The chart's own title: the text of the SVG's first `<text>` element.
fn svg_title(svg: &str) -> Option<String> {
    let start = svg.find("<text")?;
    let open_end = start + svg[start..].find('>')? + 1;
    let close = open_end + svg[open_end..].find("</text>")?;
    let raw = svg[open_end..close].trim();
    Some(
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// The SVG as an element of the page: without an XML prolog, sized by the page (its viewBox
/// kept, its fixed width and height dropped), labelled for screen readers.
fn inline_svg(svg: &str) -> Option<String> {
    let body = match svg.find("<svg") {
        Some(i) if svg[..i].trim().is_empty() || svg[..i].trim_start().starts_with("<?xml") => {
            &svg[i..]
        }
        _ => return None,
    };
    let tag_end = body.find('>')?;
    let mut tag = body[..tag_end].to_string();
    if !tag.contains("viewBox") {
        return None;
    }
    for attr in ["width", "height"] {
        if let Some(i) = tag.find(&format!(" {attr}=\"")) {
            let value_start = i + attr.len() + 3;
            if let Some(len) = tag[value_start..].find('"') {
                tag.replace_range(i..value_start + len + 1, "");
            }
        }
    }
    let title = svg_title(svg).unwrap_or_default();
    let label = title
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    Some(format!(
        "{tag} role=\"img\" aria-label=\"{label}\"{}",
        body[tag_end..].trim_end()
    ))
}

/// A Markdown file split at its `## ` headings: the text before the first (less the `# ` title)
/// and each heading with its body.
fn split_markdown(md: &str) -> (String, Vec<(String, String)>) {
    let mut preamble = String::new();
    let mut parts: Vec<(String, String)> = Vec::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            parts.push((h.trim().to_string(), String::new()));
        } else if line.starts_with("# ") && parts.is_empty() && preamble.trim().is_empty() {
            // The file's title: the report has its own.
        } else {
            let target = match parts.last_mut() {
                Some((_, body)) => body,
                None => &mut preamble,
            };
            target.push_str(line);
            target.push('\n');
        }
    }
    (preamble, parts)
}

/// Markdown (coopsim's own tables and text) as HTML. Headings move down two levels, under the
/// report's sections; raw HTML in the text (a scenario's description could hold some) is shown
/// as text, never passed through.
fn markdown(md: &str) -> String {
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let down = |l: HeadingLevel| match l {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        _ => HeadingLevel::H5,
    };
    let events = Parser::new_ext(md, Options::ENABLE_TABLES).map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: down(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(down(level))),
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        e => e,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn differences(f: &Folder, command: Command) -> Result<Option<Section>, ReportError> {
    let (file, title, id) = match command {
        Command::Sweep => ("sweep.md", "Paired differences", "differences"),
        Command::Compare => ("compare.md", "Paired differences", "differences"),
        Command::Sensitivity => ("sensitivity.md", "Sensitivity indices", "indices"),
        _ => return Ok(None),
    };
    let md = f.text(file)?;
    let (preamble, parts) = split_markdown(&md);
    let mut sec = Section {
        id,
        title: title.into(),
        own_page: true,
        ..Section::default()
    };
    sec.html.push(markdown(&preamble));
    for (heading, body) in parts {
        sec.html.push(markdown(&format!("## {heading}\n\n{body}")));
    }
    sec.outro.push(format!(
        "The same tables are in `{file}`, ready to paste into a document."
    ));
    Ok(Some(sec))
}

fn validation(f: &Folder) -> Result<Section, ReportError> {
    let mut sec = Section {
        id: "validation",
        title: "Validation status of the model".into(),
        ..Section::default()
    };
    if f.command() == Command::Validate {
        sec.intro.push(
            "This folder is itself a validation run: its table is the headline above.".into(),
        );
        return Ok(sec);
    }
    let Some(v) = f.last_validation() else {
        sec.intro.push(
            "No validation was found: no `coopsim validate` results folder lies beside this one. \
             Run `coopsim validate` (it writes output/validation) and then `coopsim report` on \
             this folder to show how well the model meets the published figures it is held to."
                .into(),
        );
        return Ok(sec);
    };
    let md = v.text("validation.md")?;
    let (preamble, _) = split_markdown(&md);
    sec.intro.push(format!(
        "From the last `coopsim validate` results folder beside this one, `{}` ({}; targets file \
         `{}`, {}): {} of {} targets met ({} of {} measures). That run used its own scenarios \
         (the shipped baseline and its variants), not necessarily this folder's.",
        v.name(),
        written(&v),
        v.str("/targets"),
        replications_text(&v, Command::Validate),
        v.str("/targets_met"),
        v.str("/targets_total"),
        v.str("/measures_met"),
        v.str("/measures_total"),
    ));
    sec.html.push(markdown(&preamble));
    Ok(sec)
}

fn methods(f: &Folder, command: Command, s: &Scenario) -> Section {
    let mut facts = vec![
        (
            "Model".to_string(),
            format!(
                "An agent-based model of small firms ({} at the start) of five kinds (conventional SMEs, worker \
                 co-ops, social co-ops of type A and B, public-service mutuals) in four sectors, \
                 stepped month by month in a fixed order: each firm meets its sector's demand, \
                 sets pay, hours or headcount by its kind's rules, borrows from banks that ration \
                 credit on leverage, draws on its reserves and (co-ops) a mutual fund, and exits \
                 when insolvent, in negative equity for too long, closed by its owners or without \
                 a successor; government levers (short-time work, credit guarantees, worker \
                 buyouts) act on them. The equations, the order of a month and every parameter's \
                 source: docs/MODEL.md of coopsim.",
                counted(u64::from(s.population.firms), "firm")
            ),
        ),
        (
            "Replications and seed".to_string(),
            format!(
                "{} with master seed {}; replication r of firm f draws from its own random stream \
                 (xoshiro256++) keyed by (seed, r, f), so results do not depend on the number of \
                 threads or their scheduling.",
                replications_text(f, command),
                s.seed
            ),
        ),
        (
            "Common random numbers".to_string(),
            match command {
                Command::Run
                    if f.manifest.pointer("/control/simulated") == Some(&Value::Bool(true)) =>
                {
                    "Each replication ran beside its control with the same seed, firms and random \
                     streams, so the two share their path until the shock starts and their \
                     difference in one replication is what the crisis did there."
                        .into()
                }
                Command::Run => {
                    "One scenario without a paired control (see What was asked).".into()
                }
                _ => "Every arm or scenario uses the same seed for each replication, so the \
                      difference between two arms in one replication is the effect of what differs \
                      between them; intervals of differences are taken on the paired replications."
                    .into(),
            },
        ),
        (
            "Intervals".to_string(),
            "Means across replications carry the 95% confidence interval of the mean (Student t \
             across replications, cut at what the outcome can take); bands in the charts are the \
             5%-95% spread across replications; survival is the Kaplan-Meier estimate pooled over \
             replications with Greenwood 95% intervals on the log-log scale."
                .into(),
        ),
        (
            "Warm-up and horizon".to_string(),
            format!(
                "{} months simulated before month 0 and not recorded, so balance sheets reflect \
                 each kind's rules rather than the initial conditions; then {} recorded months \
                 ({}). Crisis onset in {}; the crisis window, over which outcomes are measured, \
                 runs {}.",
                s.warmup_months,
                s.months,
                s.start.span(0, i64::from(s.months) - 1),
                s.start.label(i64::from(s.crisis.onset_month)),
                crisis_window_span(s)
            ),
        ),
        (
            "Calendar".to_string(),
            match s.start.month() {
                Some(m) => format!(
                    "Months are labelled by date from the scenario's `start` (recorded month 0 = \
                     {}); the data files keep month numbers.",
                    m.label()
                ),
                None => "Months are numbered from 0, the first recorded month (the scenario sets \
                         no calendar `start`)."
                    .into(),
            },
        ),
    ];
    match command {
        Command::Sensitivity => facts.push((
            "Design".into(),
            format!(
                "{}: {} points, each run for every replication; effects are in the outcome's \
                 units for a move across each parameter's whole range (Morris) or shares of the \
                 outcome's variance (Sobol), with 95% bootstrap intervals and the replication \
                 noise an index must exceed to be told from chance.",
                method_text(&f.str("/method")),
                f.str("/points")
            ),
        )),
        Command::Validate => facts.push((
            "Targets".into(),
            "Each measure is computed on the scenarios the targets file names; it is met when the \
             model's mean lies in its band (and, where asked, its interval leaves out the value \
             named). Targets marked calibrated were used to set parameters; the others are out of \
             sample."
                .into(),
        )),
        _ => {}
    }
    Section {
        id: "methods",
        title: "Methods in brief".into(),
        facts: vec![facts],
        ..Section::default()
    }
}

fn parameters(arms: &[Arm]) -> Section {
    let defaults: std::collections::HashMap<String, crate::scenario::ParamDoc> = parameter_docs()
        .into_iter()
        .map(|d| (d.key.clone(), d))
        .collect();
    let mut sec = Section {
        id: "parameters",
        title: "Parameters that differ from the defaults".into(),
        own_page: true,
        ..Section::default()
    };
    sec.intro.push(
        "Every parameter of each scenario that ran whose value is not its documented default, with \
         its unit and source. All others take their defaults, listed with their meaning and \
         source by `coopsim params` and in docs/MODEL.md; the folder's scenario files hold every \
         value and run again as they stand."
            .into(),
    );
    for arm in arms {
        let mut mine = Vec::new();
        arm.scenario.describe_into("", "", "", "", &mut mine);
        let mut t = Table {
            head: ["parameter", "value", "default", "unit", "source"]
                .map(String::from)
                .to_vec(),
            ..Table::default()
        };
        for d in mine {
            if d.key == "name" || d.key == "description" {
                continue;
            }
            let Some(default) = defaults.get(&d.key) else {
                continue;
            };
            if default.default != d.default {
                t.rows.push(vec![
                    d.key.clone(),
                    d.default.clone(),
                    default.default.clone(),
                    default.unit.to_string(),
                    default.source.to_string(),
                ]);
            }
        }
        t.caption = format!(
            "{}: {} differing from the defaults",
            arm.label,
            counted(t.rows.len() as u64, "parameter")
        );
        sec.tables.push(t);
    }
    sec
}

fn provenance(f: &Folder, command: Command, arms: &[Arm], written: &str) -> Section {
    let or_not = |v: String| {
        if v.is_empty() {
            "not recorded (the folder was written by a coopsim that did not record it)".to_string()
        } else {
            v
        }
    };
    let command_line = f
        .manifest
        .pointer("/provenance/command_line")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(shell_word)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let seconds = |k: &str| {
        f.manifest
            .pointer(k)
            .and_then(Value::as_f64)
            .map(|s| format!("{s:.1} s"))
    };
    let mut facts = vec![
        ("coopsim version".to_string(), f.str("/coopsim_version")),
        (
            "commit".to_string(),
            or_not(f.str("/provenance/coopsim_commit")),
        ),
        ("command line".to_string(), or_not(command_line)),
        ("date".to_string(), written.to_string()),
        ("threads".to_string(), or_not(f.str("/threads"))),
        (
            "wall time".to_string(),
            match (seconds("/wall_seconds"), seconds("/summary_seconds")) {
                (Some(w), Some(s)) => format!("{w} ({s} of it summarising)"),
                (Some(w), None) => w,
                _ => or_not(String::new()),
            },
        ),
        ("seed".to_string(), format!("{}", arms[0].scenario.seed)),
    ];
    match command {
        Command::Sweep | Command::Compare => facts.extend(scenario_hashes(f, "arms", "label")),
        Command::Validate => {
            facts.push(("targets hash".into(), f.str("/targets_hash_fnv1a64")));
            facts.extend(scenario_hashes(f, "scenarios", "name"));
        }
        _ => {
            facts.push(("scenario hash".into(), f.str("/scenario_hash_fnv1a64")));
            let control = f.str("/control/scenario_hash_fnv1a64");
            if !control.is_empty() {
                facts.push(("control's scenario hash".into(), control));
            }
        }
    }
    facts.push(("plan hash".into(), f.str("/plan_hash_fnv1a64")));
    Section {
        id: "provenance",
        title: "Provenance".into(),
        intro: vec![
            "Hashes are FNV-1a 64 of the resolved scenario text (every parameter written out) and \
             of the plan that ran: the same inputs give the same hashes, and the same scenario \
             and seed give the same numbers on any number of threads."
                .into(),
        ],
        facts: vec![facts],
        ..Section::default()
    }
}

/// A word of a command line as a shell would need it typed.
fn shell_word(w: &str) -> String {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// The scenario hash of each entry of the manifest's list `list` (a sweep's arms, a validation's
/// scenarios), labelled by the entry's `name` key.
fn scenario_hashes(f: &Folder, list: &str, name: &str) -> Vec<(String, String)> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    f.manifest
        .get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|entry| {
            (
                format!("scenario hash, {}", text(entry, name)),
                text(entry, "scenario_hash_fnv1a64"),
            )
        })
        .collect()
}
