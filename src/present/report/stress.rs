//! The report's last section: which items of the STRESS-ABS checklist (Strengthening the
//! Reporting of Empirical Simulation Studies, agent-based simulation; Monks et al. 2019, Journal
//! of Simulation 13(1), 55-67) the report covers, where, and which it leaves to docs/MODEL.md.
//! Stated per item, honestly: an item the report does not cover says so.

use super::folder::Command;
use super::page::{Section, Table};

/// How far the report covers an item.
#[derive(Clone, Copy)]
enum Cover {
    /// In this report.
    Here,
    /// In brief here, in full in docs/MODEL.md.
    InBrief,
    /// Not in this report: in docs/MODEL.md.
    Elsewhere,
}

impl Cover {
    fn text(self) -> &'static str {
        match self {
            Cover::Here => "covered",
            Cover::InBrief => "in brief (in full in docs/MODEL.md)",
            Cover::Elsewhere => "not in this report: docs/MODEL.md",
        }
    }
}

pub(super) fn section(command: Command, sections: &[Section]) -> Section {
    let title_of = |id: &str| {
        sections
            .iter()
            .find(|s| s.id == id)
            .map_or_else(String::new, |s| s.title.clone())
    };
    let at = |ids: &[&str]| {
        ids.iter()
            .map(|id| title_of(id))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let aims = match command {
        Command::Sweep => "the sweep's design and arms",
        Command::Compare => "the scenarios compared",
        Command::Sensitivity => "the method, ranges and outcomes",
        Command::Validate => "the targets file and its scenarios",
        Command::Run | Command::Other => "one scenario, beside its control where it has a shock",
    };
    let results = at(&["headline", "effect", "differences", "indices"]);
    let items: Vec<(&str, &str, String, Cover)> = vec![
        (
            "1.1",
            "Purpose of the model",
            format!("{}; {}", at(&["asked"]), at(&["methods"])),
            Cover::Here,
        ),
        (
            "1.2",
            "Model outputs",
            format!(
                "{results}: each outcome named with its unit; {}: how intervals are computed",
                at(&["methods"])
            ),
            Cover::Here,
        ),
        (
            "1.3",
            "Experimentation aims",
            format!("{}: {aims}", at(&["asked"])),
            Cover::Here,
        ),
        (
            "2.1",
            "Base model overview diagram",
            "the model's order of a month and its diagram".into(),
            Cover::Elsewhere,
        ),
        (
            "2.2",
            "Base model logic",
            format!("{}: Model", at(&["methods"])),
            Cover::InBrief,
        ),
        (
            "2.3",
            "Scenario logic",
            format!(
                "{}: every setting that differs from the base model",
                at(&["parameters"])
            ),
            Cover::Here,
        ),
        (
            "2.4",
            "Algorithms",
            "credit rationing, pay and hours rules, exit rules".into(),
            Cover::Elsewhere,
        ),
        (
            "2.5",
            "Components (agents, their environment and interactions)",
            format!(
                "{}: the five kinds of firm, sectors, banks, fund and government",
                at(&["methods"])
            ),
            Cover::InBrief,
        ),
        (
            "3.1",
            "Data sources",
            format!(
                "{}: the source of each changed parameter; {}: each target's published source",
                at(&["parameters"]),
                at(&["validation"])
            ),
            Cover::Here,
        ),
        (
            "3.2",
            "Pre-processing",
            "none at run time: the model reads no data, only parameters set from published figures"
                .into(),
            Cover::Here,
        ),
        (
            "3.3",
            "Input parameters",
            format!(
                "{}, with units and sources; every other value is its documented default",
                at(&["parameters"])
            ),
            Cover::Here,
        ),
        (
            "3.4",
            "Assumptions",
            "the model's simplifying assumptions, section by section".into(),
            Cover::Elsewhere,
        ),
        (
            "4.1",
            "Initialisation",
            format!("{}: warm-up and horizon", at(&["methods"])),
            Cover::Here,
        ),
        (
            "4.2",
            "Run length",
            format!("{}: warm-up and horizon, replications", at(&["methods"])),
            Cover::Here,
        ),
        (
            "4.3",
            "Estimation approach",
            format!(
                "{}: replications, common random numbers, intervals",
                at(&["methods"])
            ),
            Cover::Here,
        ),
        (
            "5.1",
            "Software or programming language",
            format!("{}: coopsim version and commit (Rust)", at(&["provenance"])),
            Cover::Here,
        ),
        (
            "5.2",
            "Random sampling",
            format!("{}: seed and random streams", at(&["methods"])),
            Cover::Here,
        ),
        (
            "5.3",
            "Model execution",
            format!(
                "{}: monthly steps in a fixed order; {}: threads",
                at(&["methods"]),
                at(&["provenance"])
            ),
            Cover::Here,
        ),
        (
            "5.4",
            "System specification",
            format!(
                "{}: threads and wall time (not the machine's processor or operating system)",
                at(&["provenance"])
            ),
            Cover::InBrief,
        ),
        (
            "6.1",
            "Computer model sharing statement",
            format!(
                "{}: the version and commit of coopsim (MIT or Apache-2.0); the folder's scenario files rerun this",
                at(&["provenance"])
            ),
            Cover::Here,
        ),
    ];
    let mut t = Table {
        id: "stress-table".into(),
        caption: "STRESS-ABS items and where this report covers them".into(),
        head: ["item", "STRESS-ABS", "where", "covered"]
            .map(String::from)
            .to_vec(),
        ..Table::default()
    };
    let covered = items
        .iter()
        .filter(|i| !matches!(i.3, Cover::Elsewhere))
        .count();
    for (id, name, place, cover) in &items {
        t.rows.push(vec![
            id.to_string(),
            name.to_string(),
            place.clone(),
            cover.text().to_string(),
        ]);
    }
    Section {
        id: "stress",
        title: "Reporting checklist: STRESS-ABS".into(),
        own_page: true,
        intro: vec![format!(
            "This report follows the STRESS-ABS guidelines for reporting agent-based simulation \
             studies (Monks et al. 2019, \"Strengthening the reporting of empirical simulation \
             studies: Introducing the STRESS guidelines\", Journal of Simulation 13(1), 55-67). It \
             covers {covered} of its {} items, {} of them in brief; the model's diagram, algorithms \
             and assumptions are in docs/MODEL.md of coopsim, which the report does not repeat.",
            items.len(),
            items
                .iter()
                .filter(|i| matches!(i.3, Cover::InBrief))
                .count(),
        )],
        tables: vec![t],
        ..Section::default()
    }
}
