//! No valid scenario can break the model (issue 5): random valid scenarios, from one firm to a few
//! hundred, with kinds missing, crises from none to total, credit crunches from none to total,
//! every lever on or off and horizons short and long, never panic, never produce a NaN or an
//! infinity, keep headcounts and balances non-negative where they must be, and keep the
//! accounting identity every month. The whole `run` pipeline on a few of them writes tables with
//! no NaN or infinity and survival curves that never rise.

mod common;

use coopsim::analysis::outcomes::survival_counts;
use coopsim::commands::run::{self, RunRequest};
use coopsim::model::{
    Conversion, Economy, ExitReason, FirmRecord, MonthRecord, Origin, RunOptions,
};
use coopsim::present::TableFormat;
use coopsim::scenario::{self, Kind, Scenario, Sector};
use proptest::prelude::*;

/// A generated scenario: (dotted key, TOML literal) overrides on the defaults.
#[derive(Debug, Clone)]
struct Settings(Vec<(String, String)>);

const KINDS: [&str; 5] = [
    "conventional",
    "worker_coop",
    "social_coop_a",
    "social_coop_b",
    "public_service_mutual",
];
const SECTORS: [&str; 4] = [
    "social_services",
    "manufacturing",
    "construction",
    "retail_hospitality",
];

/// Kind shares: each kind is absent or present with a random weight; at least one is present.
fn kind_mix() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![Just(0.0), 0.05f64..1.0], 5)
        .prop_filter("at least one kind", |w| w.iter().any(|&x| x > 0.0))
        .prop_map(|w| {
            let sum: f64 = w.iter().sum();
            w.iter().map(|x| x / sum).collect()
        })
}

/// A probability or share, with the edges 0 and 1 drawn often.
fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0]
}

prop_compose! {
    fn settings()(
        firms in prop_oneof![Just(1u32), 1u32..40, 40u32..300],
        months in prop_oneof![1u32..12, 12u32..160],
        onset_frac in 0.0f64..1.0,
        fall in 0u32..12,
        extra in 0u32..30,
        recovery in 0u32..40,
        shape in prop_oneof![Just("v"), Just("u"), Just("l")],
        mix in kind_mix(),
        depths in prop::collection::vec(probability(), 4),
        austerity in prop::collection::vec(prop_oneof![Just(0.0), 0.0f64..=1.0], 4),
        contract_cut in probability(),
        leverage_cut_frac in probability(),
        spread_rise in prop_oneof![Just(0.0), 0.0f64..=1.0],
        capital_rise_frac in probability(),
        coverage in probability(),
        buyout in probability(),
        stw_floor in prop_oneof![Just(1.0), 0.01f64..=1.0],
        renewal in probability(),
        fund_balance in prop_oneof![Just(0.0), 0.0f64..100.0],
        levy_frac in prop_oneof![Just(0.0), 0.0f64..=1.0],
        indivisible in probability(),
        hours_floor in prop_oneof![Just(1.0), 0.01f64..=1.0],
        pay_floor in prop_oneof![Just(1.0), 0.01f64..=1.0],
        warmup in prop_oneof![Just(0u32), 0u32..24],
    ) -> Settings {
        let onset = ((f64::from(months) * onset_frac) as u32).min(months - 1);
        let mut v: Vec<(String, String)> = vec![
            ("replications".into(), "2".into()),
            ("months".into(), months.to_string()),
            ("warmup_months".into(), warmup.to_string()),
            ("population.firms".into(), firms.to_string()),
            ("crisis.onset_month".into(), onset.to_string()),
            ("crisis.fall_months".into(), fall.to_string()),
            ("crisis.duration_months".into(), (fall + extra).to_string()),
            ("crisis.recovery_months".into(), recovery.to_string()),
            ("crisis.shape".into(), format!("\"{shape}\"")),
            ("crisis.credit_crunch.max_leverage_cut".into(), (0.8 * leverage_cut_frac).to_string()),
            ("crisis.credit_crunch.spread_rise_annual".into(), spread_rise.to_string()),
            ("crisis.credit_crunch.capital_requirement_rise".into(), (0.92 * capital_rise_frac).to_string()),
            ("austerity.onset_month".into(), onset.to_string()),
            ("austerity.contract_value_cut".into(), contract_cut.to_string()),
            ("policy.credit_guarantee.coverage".into(), coverage.to_string()),
            ("policy.worker_buyout.probability".into(), buyout.to_string()),
            ("policy.short_time_work.hours_floor".into(), stw_floor.to_string()),
            ("policy.public_contracts.renewal_probability".into(), renewal.to_string()),
            ("fund.initial_balance_per_member".into(), fund_balance.to_string()),
            ("kinds.worker_coop.fund_levy_share".into(), (levy_frac * (1.0 - indivisible)).to_string()),
            ("kinds.worker_coop.indivisible_reserve_share".into(), indivisible.to_string()),
            ("kinds.worker_coop.hours_floor".into(), hours_floor.to_string()),
            ("kinds.conventional.pay_floor".into(), pay_floor.to_string()),
        ];
        for (kind, share) in KINDS.iter().zip(&mix) {
            v.push((format!("population.kind_mix.{kind}"), share.to_string()));
        }
        for ((sector, d), a) in SECTORS.iter().zip(&depths).zip(&austerity) {
            v.push((format!("crisis.depth.{sector}"), d.to_string()));
            v.push((format!("austerity.depth.{sector}"), a.to_string()));
        }
        Settings(v)
    }
}

fn build(settings: &Settings) -> Scenario {
    let mut s = Scenario {
        name: "property".into(),
        ..Scenario::default()
    };
    for (key, value) in &settings.0 {
        scenario::apply_override(&mut s, key, value, "property").unwrap();
    }
    // The generator only makes valid scenarios; if this fails, the generator is wrong.
    scenario::check(&s, None, "property").unwrap_or_else(|e| panic!("{e}"));
    s
}

fn finite_record(m: &MonthRecord) -> Result<(), String> {
    for kind in Kind::ALL {
        for sector in Sector::ALL {
            let c = m.cells.cell(kind, sector);
            if let Some(v) = c.values().iter().find(|v| !v.is_finite()) {
                return Err(format!("month {}: {kind:?}/{sector:?} has {v}", m.month));
            }
            for (what, v) in [
                ("firms", c.firms),
                ("heads", c.heads),
                ("fte", c.fte),
                ("wage bill", c.wage_bill),
                ("revenue", c.revenue),
                ("debt", c.debt),
                ("indivisible reserves", c.indivisible_reserves),
                ("entries", c.entries),
            ] {
                if v < 0.0 {
                    return Err(format!(
                        "month {}: {kind:?}/{sector:?} {what} is {v}",
                        m.month
                    ));
                }
            }
        }
    }
    let e = &m.economy;
    for (what, v) in [
        ("bank loans", e.bank_loans),
        ("fund balance", e.fund_balance),
        ("fund loans", e.fund_loans),
    ] {
        if !(v.is_finite() && v >= -1e-9) {
            return Err(format!("month {}: {what} is {v}", m.month));
        }
    }
    if !e.bank_equity.is_finite() || m.demand_index.iter().any(|d| !d.is_finite() || *d < 0.0) {
        return Err(format!(
            "month {}: bank equity or demand not finite",
            m.month
        ));
    }
    Ok(())
}

/// Runs one replication month by month, checking every month.
fn check_replication(s: &Scenario, replication: u32) -> Result<(), TestCaseError> {
    let options = RunOptions {
        record_firms: true,
        parallel_firms: false,
    };
    let mut economy = Economy::new(s, replication, options);
    let mut before = economy.money_total();
    let mut exits_by_month = vec![0.0; s.months as usize];
    while economy.month() < s.months as i32 {
        let month = economy.month();
        let record = economy.step();
        let after = economy.money_total();
        let injection = economy.last_injection();
        let scale = before.abs().max(after.abs()).max(1.0);
        prop_assert!(
            (after - before - injection).abs() <= 1e-9 * scale,
            "month {month}: balances moved by {} but the government injected {injection}",
            after - before
        );
        if let Some(record) = record {
            finite_record(&record).map_err(TestCaseError::fail)?;
            exits_by_month[record.month as usize] = record.cells.0.iter().map(|c| c.exits()).sum();
        }
        for f in economy.firms() {
            prop_assert!(
                f.hours.is_finite() && (0.0..=1.0 + 1e-12).contains(&f.hours),
                "month {month}: firm {} works {} of full time",
                f.id,
                f.hours
            );
            prop_assert!(f.pay_index.is_finite() && f.pay_index > 0.0);
            prop_assert!(f.bank_debt >= -1e-9 && f.fund_debt >= -1e-9);
            prop_assert!(f.guaranteed_debt >= -1e-9 && f.guaranteed_debt <= f.bank_debt + 1e-6);
            prop_assert!(f.reserves_indivisible >= -1e-9);
            prop_assert!(f.cash.is_finite() && f.productivity.is_finite() && f.productivity > 0.0);
            prop_assert!(
                f.cash >= -1e-9 || f.reserves() == 0.0,
                "negative cash beside reserves"
            );
        }
        prop_assert!(economy.bank.loans.is_finite() && economy.bank.loans >= -1e-9);
        before = after;
    }
    let (firms, conversions) = economy.into_firm_records();
    check_firm_records(s, &firms, &conversions, &exits_by_month)?;
    let counts = survival_counts(s, &firms);
    for kind in 0..=Kind::COUNT {
        for sector in 0..=Sector::COUNT {
            let mut last = 1.0;
            for t in 0..=counts.horizon {
                if let Some(v) = counts.survival(kind, sector, t) {
                    prop_assert!((0.0..=last).contains(&v), "survival rose to {v} at {t}");
                    last = v;
                }
            }
        }
    }
    Ok(())
}

/// Every firm exits after its birth, within the run (the warm-up's months are negative), in the
/// month whose record counts its exit; and each buyout co-op names the firm whose workers took it
/// over: same sector, converted in the month the co-op was born.
fn check_firm_records(
    s: &Scenario,
    firms: &[FirmRecord],
    conversions: &[Conversion],
    exits_by_month: &[f64],
) -> Result<(), TestCaseError> {
    let record = |id: u64| {
        let i = firms.binary_search_by_key(&id, |r| r.id);
        i.map(|i| &firms[i])
            .map_err(|_| TestCaseError::fail(format!("no record of firm {id}")))
    };
    let first = -(s.warmup_months as i32);
    let mut recorded = vec![0.0; exits_by_month.len()];
    for f in firms {
        if let Some((month, _)) = f.exit {
            prop_assert!(
                month >= f.birth_month.max(first) && month < s.months as i32,
                "firm {} born in month {} exits in month {month}",
                f.id,
                f.birth_month
            );
            if let Ok(m) = usize::try_from(month) {
                recorded[m] += 1.0;
            }
        }
    }
    prop_assert!(conversions.is_sorted_by_key(|c| c.coop));
    let buyouts = firms.iter().filter(|f| f.origin == Origin::Buyout);
    prop_assert_eq!(buyouts.count(), conversions.len());
    for c in conversions {
        let (coop, old) = (record(c.coop)?, record(c.predecessor)?);
        prop_assert_eq!(coop.origin, Origin::Buyout);
        prop_assert_eq!(old.exit, Some((coop.birth_month, ExitReason::Converted)));
        prop_assert_eq!(old.sector, coop.sector);
    }
    prop_assert_eq!(&recorded[..], exits_by_month);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_valid_scenario_breaks_the_model(settings in settings()) {
        let s = build(&settings);
        check_replication(&s, 0)?;
    }
}

/// Every number in every CSV table of a results folder is finite; survival never rises.
fn check_tables(folder: &std::path::Path) -> Result<(), TestCaseError> {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "csv") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate().skip(1) {
            for cell in line.split(',') {
                let lower = cell.to_ascii_lowercase();
                prop_assert!(
                    !(lower.contains("nan") || lower.contains("inf")),
                    "{} line {}: {cell}",
                    path.display(),
                    i + 1
                );
            }
        }
    }
    let survival = std::fs::read_to_string(folder.join("survival.csv")).unwrap();
    let mut lines = survival.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (kind, sector, value) = (col("kind"), col("sector"), col("survival"));
    let mut last: Option<(String, f64)> = None;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let group = format!("{}/{}", cells[kind], cells[sector]);
        let Ok(v) = cells[value].parse::<f64>() else {
            continue;
        };
        if let Some((g, previous)) = &last
            && *g == group
        {
            prop_assert!(
                v <= previous + 1e-12,
                "{group}: survival rose from {previous} to {v}"
            );
        }
        last = Some((group, v));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_valid_scenario_writes_a_nan_into_a_table(settings in settings()) {
        let s = build(&settings);
        let dir = std::env::temp_dir().join(format!("coopsim-prop-{}", std::process::id()));
        let out = dir.join("results");
        let report = run::run(&RunRequest {
            scenario: s,
            threads: Some(1),
            out: out.clone(),
            format: TableFormat::Csv,
            force: true,
            progress: false,
            cancel: None,
            firms: false,
            control: true,
            parts: Default::default(),
        });
        prop_assert!(report.is_ok(), "{:?}", report.err());
        let checked = check_tables(&out);
        let _ = std::fs::remove_dir_all(&dir);
        checked?;
    }
}

/// The scenario parser on any bytes at all: an answer (a scenario or located errors), never a
/// panic. Inputs are raw bytes, and shipped scenario files with bytes flipped, cut or spliced in
/// (so that most inputs get past the TOML syntax into the typed and validated layers).
fn mutated_scenario() -> impl Strategy<Value = Vec<u8>> {
    let shipped: Vec<Vec<u8>> = [
        "baseline_2008.toml",
        "mondragon_solidarity.toml",
        "austerity_2010.toml",
    ]
    .iter()
    .map(|n| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(n),
        )
        .unwrap()
    })
    .collect();
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0usize..4,
            any::<u8>(),
            "[ -~]{0,12}",
        ),
        1..8,
    );
    (prop::sample::select(shipped), edits).prop_map(|(mut bytes, edits)| {
        for (at, how, byte, text) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => bytes.truncate(i),
                2 => {
                    let end = (i + text.len()).min(bytes.len());
                    bytes.drain(i..end);
                }
                _ => {
                    bytes.splice(i..i, text.bytes());
                }
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_parser_never_panics_on_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Err(e) = scenario::from_bytes(&bytes, "fuzz.toml", "fuzz") {
            prop_assert!(!e.0.is_empty() && e.to_string().contains("fuzz.toml"));
        }
    }

    #[test]
    fn the_parser_never_panics_on_damaged_scenarios(bytes in mutated_scenario()) {
        match scenario::from_bytes(&bytes, "fuzz.toml", "fuzz") {
            // Whatever got through is a scenario the model accepts.
            Ok(s) => prop_assert!(scenario::check(&s, None, "fuzz").is_ok()),
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(!e.0.is_empty() && shown.contains("fuzz.toml"), "{shown}");
            }
        }
    }
}
