//! Every results folder gets `report.html`: one file that reaches nothing outside itself, holds
//! every chart of the folder inline, shows the headline numbers of headline.csv, parses as HTML
//! without errors, and renders in headless Chromium to a screenshot that is not blank and to a
//! PDF. `coopsim report DIR` writes the same file again from the folder, and refuses what is not
//! a results folder without writing anything.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use scraper::{Html, Selector};

mod common;
use common::{coopsim, floats, read_csv, succeeds};

/// A small economy with a shock and a calendar start: onset (month 12) is September 2006.
const SMALL: &str = "name = \"small\"\ndescription = \"A small test economy\"\nreplications = 4\n\
months = 48\nwarmup_months = 12\nstart = \"2005-09\"\n[population]\nfirms = 500\n[crisis]\n\
onset_month = 12\nduration_months = 12\nrecovery_months = 12\n[austerity]\nonset_month = 30\n";

fn workdir(name: &str) -> common::Workdir {
    common::workdir("report", name)
}

/// One run of the small scenario, shared by the tests that only read its folder.
fn small_run() -> &'static Path {
    // Shared by the tests of this file, so kept (statics are not dropped): one small folder.
    static RUN: OnceLock<(common::Workdir, PathBuf)> = OnceLock::new();
    &RUN.get_or_init(|| {
        let dir = workdir("shared");
        let scenario = dir.join("small.toml");
        std::fs::write(&scenario, SMALL).unwrap();
        let out = dir.join("small");
        succeeds(&[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-firms",
            "--quiet",
        ]);
        (dir, out)
    })
    .1
}

fn report_of(folder: &Path) -> (String, Html) {
    let text = std::fs::read_to_string(folder.join("report.html")).unwrap();
    let html = Html::parse_document(&text);
    (text, html)
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

fn text_of(e: &scraper::ElementRef<'_>) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// Asserts the document has no parse error and nothing that loads from outside it.
fn assert_self_contained(folder: &Path, text: &str, html: &Html) {
    // The parser does report errors: a stray end tag is one.
    assert!(
        !Html::parse_document("<!DOCTYPE html><p>a</div>")
            .errors
            .is_empty()
    );
    assert!(
        html.errors.is_empty(),
        "HTML parse errors in {}: {:?}",
        folder.display(),
        html.errors
    );
    let loads: Vec<String> = select(html, "[src]").iter().map(|e| e.html()).collect();
    assert!(loads.is_empty(), "elements that load a file: {loads:?}");
    for e in select(html, "[href]") {
        let href = e.value().attr("href").unwrap();
        assert!(href.starts_with('#'), "a link out of the report: {href}");
        let target = &href[1..];
        assert!(
            !select(html, &format!("[id=\"{target}\"]")).is_empty(),
            "a link to no anchor: {href}"
        );
    }
    for tag in ["script", "link", "img", "iframe", "object", "embed"] {
        assert!(select(html, tag).is_empty(), "a <{tag}> element");
    }
    assert!(!text.contains("url("), "a CSS url()");
    assert!(!text.contains("@import"), "a CSS import");
    // No path of the machine that wrote it: not the folder's, not the temporary folder's.
    let machine = std::env::temp_dir().display().to_string();
    assert!(!text.contains(&machine), "{machine} in the report");
    assert!(
        !text.contains(&folder.display().to_string()),
        "the folder's path in the report"
    );
}

#[test]
fn a_run_s_report_is_one_self_contained_file_that_parses_without_errors() {
    let folder = small_run();
    let (text, html) = report_of(folder);
    assert_self_contained(folder, &text, &html);
    // Listed in the manifest with the rest of the folder, and with its provenance.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).unwrap())
            .unwrap();
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"report.html"), "{files:?}");
    let provenance = &manifest["provenance"];
    assert_eq!(provenance["command_line"][0], "coopsim");
    assert_eq!(provenance["command_line"][1], "run");
    assert!(
        provenance["written_utc"]
            .as_str()
            .is_some_and(|d| d.len() == 20 && d.ends_with('Z')),
        "{provenance}"
    );
    assert!(provenance["coopsim_commit"].as_str().is_some());
    // The sections a reader needs, in order.
    let ids: Vec<String> = select(&html, "section")
        .iter()
        .map(|s| s.value().attr("id").unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "asked",
            "headline",
            "effect",
            "charts",
            "validation",
            "methods",
            "parameters",
            "provenance",
            "stress"
        ]
    );
    assert!(text.contains("A small test economy"));
    // Provenance shows the command line and the scenario's hash as the manifest has them.
    let provenance_text = text_of(&select(&html, "section#provenance")[0]);
    assert!(provenance_text.contains(manifest["scenario_hash_fnv1a64"].as_str().unwrap()));
    assert!(provenance_text.contains("coopsim run"));
    // A parameter set in the file and its source; one left at its default is not listed.
    let params = text_of(&select(&html, "section#parameters")[0]);
    assert!(params.contains("population.firms"), "{params}");
    assert!(
        !params.contains("population.kind_mix.worker_coop"),
        "{params}"
    );
}

#[test]
fn the_report_holds_every_chart_of_the_folder_inline() {
    let folder = small_run();
    let (text, html) = report_of(folder);
    let mut svgs: Vec<PathBuf> = std::fs::read_dir(folder.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    svgs.sort();
    assert!(svgs.len() >= 7, "{svgs:?}");
    let figures = select(&html, "figure svg");
    assert_eq!(figures.len(), svgs.len());
    for svg in &svgs {
        let drawn = std::fs::read_to_string(svg).unwrap();
        // The drawing itself, after the root element's own attributes.
        let body = &drawn[drawn.find('>').unwrap() + 1..];
        assert!(
            text.contains(body.trim_end()),
            "{} is not inline",
            svg.display()
        );
        let name = svg.file_name().unwrap().to_str().unwrap();
        assert!(
            text.contains(&format!("charts/{name}")),
            "{name} uncaptioned"
        );
    }
    // Each caption says how many replications the chart stands on.
    for caption in select(&html, "figcaption") {
        assert!(
            text_of(&caption).contains("4 replications"),
            "{}",
            text_of(&caption)
        );
    }
}

#[test]
fn the_headline_numbers_are_headline_csv_s() {
    let folder = small_run();
    let (_, html) = report_of(folder);
    let csv = read_csv(&folder.join("headline.csv"));
    let table = &select(&html, "table#headline-table")[0];
    let heads: Vec<String> = table
        .select(&Selector::parse("thead th").unwrap())
        .map(|h| text_of(&h))
        .collect();
    assert_eq!(heads[1], "Conventional SME");
    let rows: Vec<Vec<String>> = table
        .select(&Selector::parse("tbody tr").unwrap())
        .map(|r| {
            r.select(&Selector::parse("th, td").unwrap())
                .map(|c| text_of(&c))
                .collect()
        })
        .collect();
    let outcomes = [
        ("survival_to_window_end", 100.0),
        ("crisis_hazard", 100.0),
        ("hazard_ratio_vs_conventional", 1.0),
        ("employment_change", 100.0),
        ("pay_change", 100.0),
        ("reserves_share", 100.0),
        ("reserves_share_change", 100.0),
        ("leverage", 100.0),
        ("leverage_change", 100.0),
        ("fragile_exit_share", 100.0),
    ];
    assert_eq!(rows.len(), outcomes.len());
    let mut compared = 0;
    for (row, (name, scale)) in rows.iter().zip(outcomes) {
        let [mean, low, high] =
            ["mean", "ci_low", "ci_high"].map(|s| floats(&csv, &format!("{name}_{s}")));
        // Columns follow the kinds of headline.csv that have numbers.
        for (column, kind_row) in (0..csv.height()).filter(|&r| mean[r].is_some()).enumerate() {
            let cell = &row[column + 1];
            let numbers: Vec<f64> = cell
                .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let expected = [mean[kind_row], low[kind_row], high[kind_row]];
            for (shown, want) in numbers.iter().zip(expected) {
                let want = want.unwrap() * scale;
                assert!(
                    (shown - want).abs() <= 0.005 + 1e-9,
                    "{name}, column {column}: {cell} against {want}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 3 * 10 * 4, "{compared} numbers compared");
}

#[test]
fn months_are_dated_in_the_report_and_numbered_in_the_data() {
    let folder = small_run();
    let (text, _) = report_of(folder);
    // Onset at month 12 of a run whose month 0 is September 2005.
    assert!(text.contains("Sep 2006"), "no onset date");
    let headline = std::fs::read_to_string(folder.join("headline.md")).unwrap();
    assert!(headline.contains("Sep 2006 to"), "{headline}");
    let survival = std::fs::read_to_string(folder.join("charts/survival.svg")).unwrap();
    assert!(survival.contains("2006"), "the chart's axis is not dated");
    let ts = read_csv(&folder.join("timeseries.csv"));
    let months = floats(&ts, "month");
    assert_eq!(months.first().copied().flatten(), Some(0.0));
}

#[test]
fn coopsim_report_writes_the_same_report_again_from_the_folder() {
    let folder = small_run();
    let dir = workdir("again");
    let out = dir.join("again.html");
    let o = succeeds(&[
        "report",
        folder.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("again.html"));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(folder.join("report.html")).unwrap()
    );
    // Nothing else beside it: the temporary file was renamed into place.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["again.html"]);
}

#[test]
fn what_is_not_a_results_folder_is_refused_and_nothing_is_written() {
    let dir = workdir("refused");
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(notes.join("todo.txt"), "not results").unwrap();
    let file = dir.join("file.txt");
    std::fs::write(&file, "x").unwrap();
    let fake = dir.join("fake");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(fake.join("manifest.json"), "{\"other\": 1}").unwrap();
    for (folder, why) in [
        (dir.join("missing"), "no such folder"),
        (notes.clone(), "has no manifest.json"),
        (file.clone(), "is a file"),
        (fake.clone(), "not written by coopsim"),
    ] {
        let o = coopsim(&["report", folder.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&folder.display().to_string()) && stderr.contains(why),
            "{stderr}"
        );
    }
    assert!(!notes.join("report.html").exists());
    assert!(!fake.join("report.html").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&notes)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["todo.txt"]);
}

#[test]
fn a_bad_start_month_is_located_and_refused() {
    let dir = workdir("bad_start");
    for (bad, found) in [("2005-13", "\"2005-13\""), ("Sep 2005", "\"Sep 2005\"")] {
        let scenario = dir.join("bad.toml");
        std::fs::write(
            &scenario,
            SMALL.replace("start = \"2005-09\"", &format!("start = \"{bad}\"")),
        )
        .unwrap();
        let out = dir.join("never");
        let o = coopsim(&[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("bad.toml"), "{stderr}");
        assert!(stderr.contains("start"), "{stderr}");
        assert!(stderr.contains(":6:"), "no line: {stderr}");
        assert!(
            stderr.contains(found) && stderr.contains("YYYY-MM"),
            "{stderr}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn sweeps_comparisons_and_validations_get_reports_with_their_own_sections() {
    let dir = workdir("kinds");
    let scenario = dir.join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let other = dir.join("other.toml");
    std::fs::write(
        &other,
        SMALL.replace("name = \"small\"", "name = \"other\"")
            + "[policy.credit_guarantee]\ncoverage = 0.5\n",
    )
    .unwrap();
    let s = scenario.to_str().unwrap();
    let sweep = dir.join("sweep");
    succeeds(&[
        "sweep",
        s,
        "--vary",
        "policy.credit_guarantee.coverage=0,0.5",
        "-r",
        "3",
        "--out",
        sweep.to_str().unwrap(),
        "-q",
    ]);
    let compare = dir.join("compare");
    succeeds(&[
        "compare",
        s,
        other.to_str().unwrap(),
        "-r",
        "3",
        "--out",
        compare.to_str().unwrap(),
        "-q",
    ]);
    for folder in [&sweep, &compare] {
        let (text, html) = report_of(folder);
        assert_self_contained(folder, &text, &html);
        assert_eq!(select(&html, "section#differences").len(), 1);
        assert!(!select(&html, "section#differences table").is_empty());
        assert!(text.contains("No validation was found"));
    }
    // The comparison lists each scenario's own settings that differ from the defaults.
    let (text, _) = report_of(&compare);
    assert!(text.contains("policy.credit_guarantee.coverage"));

    // A validation beside a run: the run's report shows its table.
    let validation = dir.join("validation");
    let o = coopsim(&[
        "validate",
        "-r",
        "2",
        "--out",
        validation.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (text, html) = report_of(&validation);
    assert_self_contained(&validation, &text, &html);
    assert!(text.contains("T1"));
    let run = dir.join("run");
    succeeds(&[
        "run",
        s,
        "-r",
        "2",
        "--out",
        run.to_str().unwrap(),
        "--no-firms",
        "-q",
    ]);
    let (text, html) = report_of(&run);
    assert_self_contained(&run, &text, &html);
    let status = text_of(&select(&html, "section#validation")[0]);
    assert!(status.contains("beside this one, validation ("), "{status}");
    assert!(!select(&html, "section#validation table").is_empty());
}

/// The Chromium of the machine, if it has one.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .find(|p| p.is_file())
}

#[test]
fn headless_chromium_renders_the_report_to_a_picture_and_a_pdf() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("COOPSIM_REQUIRE_CHROMIUM").is_none(),
            "COOPSIM_REQUIRE_CHROMIUM is set but no chromium is on PATH (apt-get install chromium)"
        );
        eprintln!(
            "skipped: no chromium on PATH (CI installs it and sets COOPSIM_REQUIRE_CHROMIUM)"
        );
        return;
    };
    let folder = small_run();
    let dir = workdir("chromium");
    let report = folder.join("report.html");
    let url = format!("file://{}", report.display());
    let png = dir.join("report.png");
    let pdf = dir.join("report.pdf");
    for target in [
        format!("--screenshot={}", png.display()),
        format!("--print-to-pdf={}", pdf.display()),
    ] {
        let o = std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-pdf-header-footer",
                "--window-size=1280,1600",
                &format!("--user-data-dir={}", dir.join("profile").display()),
                &target,
                &url,
            ])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The screenshot is the report's first screen, not a blank page.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (1280, 1600));
    let channels = info.color_type.samples();
    let inked = pixels[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let share = inked as f64 / f64::from(info.width * info.height);
    assert!(
        share > 0.01,
        "the screenshot is blank: {share:.4} of pixels inked"
    );
    // The PDF has pages: the report prints on more than one A4 sheet.
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert!(pages >= 3, "{pages} pages");
}
