//! A plan: the arms an experiment runs (resolved scenarios, each with its label and the settings
//! that distinguish it) times its replications, with common random numbers: every arm has the
//! same seed and replication count, so replication r of every arm draws the same random numbers
//! and the difference between two arms in replication r is the effect of what differs between
//! them, not noise. Built from a scenario and a design (one scenario, one beside its control, a
//! grid or one-at-a-time sweep, a comparison of scenario files, the scenarios of a targets file).
//! Pure: scenarios in, a plan out; `engine` runs it.

use std::borrow::Cow;

use crate::scenario::sweep::{SweepPoint, Vary, sweep_points};
use crate::scenario::{
    self, Scenario, ScenarioError, ScenarioErrorKind, ScenarioErrors, SweepDesign, setting,
};

/// One arm: a label, the settings that make it differ from the base, and its scenario.
#[derive(Debug, Clone)]
pub struct Arm {
    pub label: String,
    pub settings: Vec<(String, String)>,
    pub scenario: Scenario,
}

impl Arm {
    /// A scenario as an arm of its own, labelled by its name.
    pub fn of(scenario: Scenario) -> Arm {
        Arm {
            label: scenario.name.clone(),
            settings: Vec::new(),
            scenario,
        }
    }
}

/// What the engine runs: arms, each a scenario, times replications, grouped into units. A `Plan`
/// lists its arms; a design of many points (`sensitivity::PointPlan`) builds each point's
/// scenario when a worker needs it, so memory does not grow with the points.
pub trait Arms: Sync {
    fn arm_count(&self) -> usize;
    /// Arm `arm`'s scenario.
    fn scenario(&self, arm: usize) -> Cow<'_, Scenario>;
    /// Replications of every arm (common random numbers).
    fn replications(&self) -> u32;
    fn units(&self) -> Units;

    /// How many units the plan runs.
    fn unit_count(&self) -> u32 {
        match self.units() {
            Units::Each => self.arm_count() as u32 * self.replications(),
            Units::Together => self.replications(),
        }
    }
}

impl Arms for Plan {
    fn arm_count(&self) -> usize {
        self.arms.len()
    }

    fn scenario(&self, arm: usize) -> Cow<'_, Scenario> {
        Cow::Borrowed(&self.arms[arm].scenario)
    }

    fn replications(&self) -> u32 {
        Plan::replications(self)
    }

    fn units(&self) -> Units {
        Plan::units(self)
    }
}

/// How a plan's runs are grouped into units, the pieces of work a worker thread takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Each replication of each arm is a unit: arms x replications units, handed out
    /// replication-major (replication 0 of every arm in arm order, then replication 1, ...), so
    /// that the first arm's replication reaches the caller before the other arms' and a paired
    /// difference from it can be formed as soon as each arm finishes.
    Each,
    /// Replication r of every arm, in arm order, is one unit on one worker: for what needs several
    /// arms' results of one replication at once (a run beside its control, validation measures).
    Together,
}

/// What a plan's arms are, which also decides how they are grouped into units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Design {
    /// One scenario.
    Single,
    /// A scenario beside its control: arm 0 the control, arm 1 the scenario.
    WithControl,
    /// A sweep of a base scenario (arm 0) along the varied keys, in order (they become columns of
    /// the tables).
    Sweep { keys: Vec<String> },
    /// Whole scenario files side by side, the first the reference.
    Compare,
    /// Scenarios whose measures are taken replication by replication across them (validation).
    Together,
}

/// Arms x replications with common random numbers, and the design they come from.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The first arm is the reference the others are compared with.
    pub arms: Vec<Arm>,
    pub design: Design,
}

impl Plan {
    /// One scenario's replications.
    pub fn single(scenario: Scenario) -> Plan {
        Plan {
            arms: vec![Arm::of(scenario)],
            design: Design::Single,
        }
    }

    /// A scenario beside its control (`Scenario::without_shock`: the same seed, firms and random
    /// streams, no shock), replication by replication in one unit. The control is the first arm:
    /// the reference the crisis effect is taken against, run first in each unit so that it can be
    /// reduced to what the pairing needs before the scenario's own replication starts.
    pub fn with_control(scenario: Scenario) -> Plan {
        let control = Arm {
            label: "control".into(),
            settings: Vec::new(),
            scenario: scenario.without_shock(),
        };
        Plan {
            arms: vec![control, Arm::of(scenario)],
            design: Design::WithControl,
        }
    }

    /// Several scenarios (already on one seed and replication count) run replication by
    /// replication in one unit, each labelled by its name.
    pub fn together(arms: Vec<Arm>) -> Plan {
        debug_assert!(common_random_numbers(&arms));
        Plan {
            arms,
            design: Design::Together,
        }
    }

    /// The arms of a sweep of `base`: the base itself first, then every combination of the
    /// values (grid) or each value of each parameter with the others at the base (one at a time),
    /// leaving out any that would run the base's own settings again. Every arm is validated before
    /// anything runs; all problems are reported at once.
    pub fn sweep(
        base: &Scenario,
        vary: &[Vary],
        design: SweepDesign,
        origin: &str,
    ) -> Result<Plan, ScenarioErrors> {
        Ok(Plan {
            arms: sweep_arms(base, vary, design, origin)?,
            design: Design::Sweep {
                keys: vary.iter().map(|v| v.key.clone()).collect(),
            },
        })
    }

    /// A comparison of whole scenarios: each file is an arm, labelled by its name. The
    /// replications and seed of the first apply to all (common random numbers); see
    /// `overridden_by_first` for telling the user.
    pub fn compare(scenarios: Vec<(String, Scenario)>) -> Result<Plan, ScenarioErrors> {
        Ok(Plan {
            arms: compare_arms(scenarios)?,
            design: Design::Compare,
        })
    }

    /// How the plan's runs are grouped into units: replication by replication across the arms
    /// when measures pair them within a replication, else each on its own.
    pub fn units(&self) -> Units {
        match self.design {
            Design::WithControl | Design::Together => Units::Together,
            Design::Single | Design::Sweep { .. } | Design::Compare => Units::Each,
        }
    }

    /// Replications of every arm.
    pub fn replications(&self) -> u32 {
        self.arms[0].scenario.replications
    }

    /// The seed every arm runs with.
    pub fn seed(&self) -> u64 {
        self.arms[0].scenario.seed
    }

    /// The arms' scenarios, in arm order.
    pub fn scenarios(&self) -> impl Iterator<Item = &Scenario> + Clone {
        self.arms.iter().map(|a| &a.scenario)
    }

    /// A stable hash of everything that decides the plan's results: each arm's label, settings
    /// and resolved scenario (seed and replications included), in order, and how units are
    /// grouped and what they stand for (the design). Two plans with the same hash run the same replications of the same scenarios, so
    /// pieces of one run (shards, a resumed run) can prove they belong together.
    pub fn hash(&self) -> String {
        let mut text = format!(
            "coopsim plan\ndesign = {:?}\narms = {}\n",
            self.design,
            self.arms.len()
        );
        for (i, arm) in self.arms.iter().enumerate() {
            text.push_str(&format!("\n[arm {i}]\nlabel = {:?}\n", arm.label));
            for (key, value) in &arm.settings {
                text.push_str(&format!("setting {key:?} = {value:?}\n"));
            }
            text.push_str(&scenario::resolved_toml(&arm.scenario));
        }
        scenario::fnv1a(&text)
    }
}

/// Whether every arm has the first one's seed and replications.
fn common_random_numbers(arms: &[Arm]) -> bool {
    arms.iter().all(|a| {
        a.scenario.seed == arms[0].scenario.seed
            && a.scenario.replications == arms[0].scenario.replications
    })
}

/// The base scenario as written (its [sweep] table the sweep that runs), then an arm per point
/// of the sweep, labelled by its settings.
fn sweep_arms(
    base: &Scenario,
    vary: &[Vary],
    design: SweepDesign,
    origin: &str,
) -> Result<Vec<Arm>, ScenarioErrors> {
    let mut arms = vec![Arm {
        label: "base".into(),
        settings: Vec::new(),
        scenario: base.clone(),
    }];
    for SweepPoint { settings, scenario } in sweep_points(base, vary, design, origin)? {
        let label = settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        arms.push(Arm {
            label,
            settings,
            scenario,
        });
    }
    Ok(arms)
}

/// A line through a sweep along one key.
#[derive(Debug)]
pub struct Slice {
    /// (arm, value of the key) in arm order.
    pub points: Vec<(usize, String)>,
    /// The other varied keys and the setting they are held at.
    pub held: Vec<(String, String)>,
}

/// The arms a chart against `key` shows: those where every other varied key has one common
/// setting, so the line moves `key` alone. That setting is the one most arms share, the base's on
/// a tie (a one-at-a-time sweep, or a grid that includes the base's values); in a grid that
/// leaves the base's values out, the first arm's.
pub fn slice_along(arms: &[Arm], key: &str, keys: &[String]) -> Slice {
    let others: Vec<&String> = keys.iter().filter(|k| k.as_str() != key).collect();
    let rests: Vec<Vec<String>> = arms
        .iter()
        .map(|arm| others.iter().map(|k| setting(&arm.scenario, k)).collect())
        .collect();
    // Most arms first; among equals the earliest arm, which is the base when it is one of them.
    let mut best = 0;
    let mut best_count = 0;
    for (i, rest) in rests.iter().enumerate() {
        let count = rests.iter().filter(|r| *r == rest).count();
        if count > best_count {
            (best, best_count) = (i, count);
        }
    }
    let points = arms
        .iter()
        .enumerate()
        .filter(|(i, _)| rests[*i] == rests[best])
        .map(|(i, arm)| (i, setting(&arm.scenario, key)))
        .collect();
    let held = others
        .iter()
        .zip(&rests[best])
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Slice { points, held }
}

/// What `Plan::compare` will override: a later scenario's own seed or replications, which give way
/// to the first scenario's so every arm draws the same random numbers. One line per file.
pub fn overridden_by_first(scenarios: &[(String, Scenario)]) -> Vec<String> {
    let Some((first_origin, first)) = scenarios.first() else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for (origin, s) in &scenarios[1..] {
        let mut own = Vec::new();
        if s.seed != first.seed {
            own.push(format!("seed {} (runs with {})", s.seed, first.seed));
        }
        if s.replications != first.replications {
            own.push(format!(
                "{} replications (runs with {})",
                s.replications, first.replications
            ));
        }
        if !own.is_empty() {
            notes.push(format!(
                "{origin} sets {}: compared scenarios share {first_origin}'s seed and \
                 replications (common random numbers)",
                own.join(" and ")
            ));
        }
    }
    notes
}

/// The arms of a comparison of whole scenarios: each file is an arm, labelled by its name. The
/// replications and seed of the first apply to all (common random numbers).
fn compare_arms(scenarios: Vec<(String, Scenario)>) -> Result<Vec<Arm>, ScenarioErrors> {
    let (seed, replications) = scenarios
        .first()
        .map(|(_, s)| (s.seed, s.replications))
        .unwrap_or_default();
    let mut errors = Vec::new();
    for (i, (origin, s)) in scenarios.iter().enumerate() {
        if let Some((first, _)) = scenarios[..i].iter().find(|(_, e)| e.name == s.name) {
            errors.push(ScenarioError {
                kind: ScenarioErrorKind::Invalid,
                origin: origin.clone(),
                key: Some("name".into()),
                message: format!(
                    "expected a name no other compared scenario has (tables and charts label each \
                     arm by its name), found `{}`, the name of {first} too",
                    s.name
                ),
                help: Some("set `name` in the file to tell the arms apart".into()),
                location: None,
            });
        }
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors(errors));
    }
    Ok(scenarios
        .into_iter()
        .map(|(_, mut s)| {
            s.seed = seed;
            s.replications = replications;
            Arm {
                label: s.name.clone(),
                settings: Vec::new(),
                scenario: s,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep_arms_of(
        base: &Scenario,
        vary: &[Vary],
        design: SweepDesign,
        origin: &str,
    ) -> Result<Vec<Arm>, ScenarioErrors> {
        Plan::sweep(base, vary, design, origin).map(|p| p.arms)
    }

    fn compare_arms_of(scenarios: Vec<(String, Scenario)>) -> Result<Vec<Arm>, ScenarioErrors> {
        Plan::compare(scenarios).map(|p| p.arms)
    }

    #[test]
    fn a_plan_s_hash_is_stable_and_changes_with_anything_that_changes_its_results() {
        let base = Scenario::default();
        let vary = [Vary::parse("policy.credit_guarantee.coverage=0,0.5").unwrap()];
        let plan = Plan::sweep(&base, &vary, SweepDesign::Grid, "--vary").unwrap();
        let again = Plan::sweep(&base, &vary, SweepDesign::Grid, "--vary").unwrap();
        assert_eq!(plan.hash(), again.hash());
        assert_eq!(plan.hash().len(), 16);
        let mut other_seed = base.clone();
        other_seed.seed += 1;
        let moved = Plan::sweep(&other_seed, &vary, SweepDesign::Grid, "--vary").unwrap();
        assert_ne!(plan.hash(), moved.hash());
        let mut more = base.clone();
        more.replications += 1;
        let more = Plan::sweep(&more, &vary, SweepDesign::Grid, "--vary").unwrap();
        assert_ne!(plan.hash(), more.hash());
        let other_values = [Vary::parse("policy.credit_guarantee.coverage=0,0.25").unwrap()];
        let other = Plan::sweep(&base, &other_values, SweepDesign::Grid, "--vary").unwrap();
        assert_ne!(plan.hash(), other.hash());
        // The same scenarios grouped into other units (for another design) are another plan.
        let regrouped = Plan::together(plan.arms.clone());
        assert_ne!(plan.hash(), regrouped.hash());
        assert_eq!(
            Plan::single(base.clone()).hash(),
            Plan::single(base.clone()).hash()
        );
        assert_ne!(
            Plan::single(base.clone()).hash(),
            Plan::with_control(base).hash()
        );
    }

    #[test]
    fn a_run_beside_its_control_runs_the_control_first_on_the_same_random_numbers() {
        let s = Scenario::default();
        let plan = Plan::with_control(s.clone());
        assert_eq!(plan.arms.len(), 2);
        assert_eq!(plan.arms[0].scenario, s.without_shock());
        assert_eq!(plan.arms[1].scenario, s);
        assert_eq!(plan.unit_count(), s.replications);
        assert!(common_random_numbers(&plan.arms));
        let single = Plan::single(s.clone());
        assert_eq!(single.unit_count(), s.replications);
        let sweep = Plan::sweep(
            &s,
            &[Vary::parse("policy.credit_guarantee.coverage=0.25,0.5").unwrap()],
            SweepDesign::Grid,
            "--vary",
        )
        .unwrap();
        assert_eq!(sweep.unit_count(), 3 * s.replications);
    }

    #[test]
    fn a_chart_along_one_key_of_a_grid_moves_that_key_alone() {
        let base = Scenario::default();
        let keys = [
            "policy.credit_guarantee.coverage".to_string(),
            "policy.worker_buyout.probability".to_string(),
        ];
        let a = Vary::parse("policy.credit_guarantee.coverage=0,0.5").unwrap();
        let b = Vary::parse("policy.worker_buyout.probability=0,0.2,0.4").unwrap();
        let grid = sweep_arms_of(&base, &[a, b.clone()], SweepDesign::Grid, "--vary").unwrap();
        // Along the buyout probability, coverage stays at the base's 0: the base and two arms.
        let Slice { points, held } = slice_along(&grid, &keys[1], &keys);
        let values: Vec<&str> = points.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["0.0", "0.2", "0.4"]);
        assert_eq!(points[0].0, 0, "the base is the first point");
        assert_eq!(held, [(keys[0].clone(), "0.0".to_string())]);
        // Along coverage, the buyout probability stays at 0.
        let Slice { points, .. } = slice_along(&grid, &keys[0], &keys);
        assert_eq!(points.len(), 2);

        // A grid that leaves the base's coverage out holds it at the first value it lists.
        let a = Vary::parse("policy.credit_guarantee.coverage=0.5,0.75").unwrap();
        let grid = sweep_arms_of(&base, &[a, b], SweepDesign::Grid, "--vary").unwrap();
        let Slice { points, held } = slice_along(&grid, &keys[1], &keys);
        assert_eq!(points.len(), 3);
        assert!(points.iter().all(|(arm, _)| *arm > 0));
        assert_eq!(held, [(keys[0].clone(), "0.5".to_string())]);

        // One at a time and one key: every arm is on the line.
        let oat = sweep_arms_of(
            &base,
            &[Vary::parse("policy.worker_buyout.probability=0.2,0.4").unwrap()],
            SweepDesign::Oat,
            "--vary",
        )
        .unwrap();
        let Slice { points, held } = slice_along(&oat, &keys[1], &keys[1..]);
        assert_eq!(points.len(), 3);
        assert!(held.is_empty());
    }

    #[test]
    fn grid_and_one_at_a_time_build_the_expected_arms() {
        let base = Scenario::default();
        let a = Vary::parse("policy.credit_guarantee.coverage=0,0.5").unwrap();
        let b = Vary::parse("policy.worker_buyout.probability=0,0.2,0.4").unwrap();
        // Both parameters are 0 in the base, so the (0, 0) combination is the base itself.
        let grid =
            sweep_arms_of(&base, &[a.clone(), b.clone()], SweepDesign::Grid, "--vary").unwrap();
        assert_eq!(grid.len(), 2 * 3);
        assert_eq!(grid[0].label, "base");
        assert_eq!(grid[5].scenario.policy.worker_buyout.probability, 0.4);
        assert_eq!(grid[5].scenario.policy.credit_guarantee.coverage, 0.5);
        let oat = sweep_arms_of(&base, &[a, b], SweepDesign::Oat, "--vary").unwrap();
        assert_eq!(oat.len(), 1 + 1 + 2);
        assert_eq!(
            oat[2].scenario.policy.credit_guarantee.coverage,
            base.policy.credit_guarantee.coverage
        );
        assert_eq!(oat[2].scenario.policy.worker_buyout.probability, 0.2);
        assert!(
            grid.iter().all(|arm| arm.scenario.seed == base.seed
                && arm.scenario.replications == base.replications)
        );
    }

    #[test]
    fn compared_scenarios_need_distinct_names_and_share_the_first_seed() {
        let a = Scenario {
            name: "a".into(),
            ..Scenario::default()
        };
        let b = Scenario {
            name: "b".into(),
            seed: a.seed + 1,
            replications: a.replications + 5,
            ..Scenario::default()
        };
        let arms = compare_arms_of(vec![
            ("a.toml".into(), a.clone()),
            ("b.toml".into(), b.clone()),
        ])
        .unwrap();
        assert_eq!(arms[1].label, "b");
        assert_eq!(arms[1].scenario.seed, a.seed);
        assert_eq!(arms[1].scenario.replications, a.replications);
        // ... and the user is told, naming the file and both settings.
        let scenarios = vec![("a.toml".to_string(), a.clone()), ("b.toml".to_string(), b)];
        let notes = overridden_by_first(&scenarios);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].starts_with("b.toml sets seed"), "{notes:?}");
        assert!(
            notes[0].contains(&format!("(runs with {})", a.seed)),
            "{notes:?}"
        );
        assert!(notes[0].contains(&format!("{} replications", a.replications + 5)));
        assert!(overridden_by_first(&scenarios[..1]).is_empty());
        // The same name twice would give two arms no table or legend can tell apart.
        let err = compare_arms_of(vec![("a.toml".into(), a.clone()), ("c.toml".into(), a)]);
        let err = err.unwrap_err().to_string();
        assert!(err.contains("c.toml") && err.contains("`name`"), "{err}");
        assert!(err.contains("the name of a.toml too"), "{err}");
    }

    #[test]
    fn a_sweep_table_of_one_setting_runs_it_beside_the_base() {
        // The base's [sweep] holds one value; the arm that runs it is no sweep of itself.
        let spec = "policy.credit_guarantee.coverage=0.5";
        let mut base = Scenario::default();
        base.sweep.vary = vec![spec.to_string()];
        let v = Vary::parse(spec).unwrap();
        let arms = sweep_arms_of(&base, &[v], SweepDesign::Grid, "sweep.vary").unwrap();
        assert_eq!(arms.len(), 2);
        assert_eq!(
            arms[0].scenario, base,
            "the base arm is the scenario as written"
        );
        assert_eq!(arms[1].scenario.policy.credit_guarantee.coverage, 0.5);
        assert!(
            arms[1].scenario.sweep.vary.is_empty(),
            "an arm does not sweep again"
        );
    }
}
