//! Global sensitivity analysis of the model's outcomes: which varied parameters matter, and how
//! much. Each point of a design runs R replications with common random numbers; its response is
//! the replication mean, folded in as replications finish. Then Morris's elementary effects (mu*,
//! mu, sigma; a bootstrap interval for mu*), Sobol's first-order and total indices (Saltelli et al.
//! 2010's and Jansen's estimators, bootstrap intervals) or, for a Latin hypercube, each outcome's
//! quantiles and each parameter's rank correlation with it. Beside each index, the replication
//! noise: what R replications leave of chance in it, so an index below the noise reads as such.
//!
//! The estimators take plain numbers and are tested on functions with known answers (the Ishigami
//! function's Sobol indices, a linear function's elementary effects) before the model's outcomes.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::arms::KIND_OUTCOMES;
use super::estimate::Running;
use crate::experiment::sensitivity::{PointPlan, Points};
use crate::scenario::{Kind, SensitivityMethod};

/// Bootstrap resamples behind every interval.
pub const BOOTSTRAP: usize = 1000;

/// An outcome a sensitivity analysis can rank the parameters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// One of a sweep's outcomes for one kind (`arms::KIND_OUTCOMES`).
    Kind { kind: Kind, outcome: usize },
    /// Exits of all kinds in the crisis window.
    Exits,
    /// The public cost of the levers in the crisis window.
    PublicCost,
    /// Worker co-ops' survival to the end of the crisis window minus conventional firms'.
    SurvivalGap,
}

impl Outcome {
    /// Every outcome, by name: `survival_gap`, `all.exits`, `all.public_cost` and
    /// `<kind>.<outcome>` for each kind and sweep outcome.
    pub fn all() -> Vec<Outcome> {
        let mut out = vec![Outcome::SurvivalGap, Outcome::Exits, Outcome::PublicCost];
        for kind in Kind::ALL {
            for outcome in 0..KIND_OUTCOMES.len() {
                out.push(Outcome::Kind { kind, outcome });
            }
        }
        out
    }

    /// What an analysis looks at unless told otherwise.
    pub fn defaults() -> Vec<Outcome> {
        let of = |kind, name: &str| Outcome::Kind {
            kind,
            outcome: KIND_OUTCOMES
                .iter()
                .position(|o| *o == name)
                .expect("a kind outcome"),
        };
        vec![
            Outcome::SurvivalGap,
            of(Kind::WorkerCoop, "survival_to_window_end"),
            of(Kind::Conventional, "survival_to_window_end"),
            of(Kind::WorkerCoop, "employment_change"),
            of(Kind::Conventional, "employment_change"),
            Outcome::PublicCost,
        ]
    }

    pub fn name(&self) -> String {
        match self {
            Outcome::Kind { kind, outcome } => {
                format!("{}.{}", kind.name(), KIND_OUTCOMES[*outcome])
            }
            Outcome::Exits => "all.exits".into(),
            Outcome::PublicCost => "all.public_cost".into(),
            Outcome::SurvivalGap => "survival_gap".into(),
        }
    }

    pub fn parse(name: &str) -> Option<Outcome> {
        Outcome::all().into_iter().find(|o| o.name() == name)
    }

    /// The outcome's value in one replication, from the row `arms::outcome_values` gives.
    pub fn of(&self, row: &[f64]) -> f64 {
        let at = |kind: Kind, outcome: usize| row[kind.index() * KIND_OUTCOMES.len() + outcome];
        let survival = 0;
        match *self {
            Outcome::Kind { kind, outcome } => at(kind, outcome),
            Outcome::Exits => row[Kind::COUNT * KIND_OUTCOMES.len()],
            Outcome::PublicCost => row[Kind::COUNT * KIND_OUTCOMES.len() + 1],
            Outcome::SurvivalGap => {
                at(Kind::WorkerCoop, survival) - at(Kind::Conventional, survival)
            }
        }
    }
}

/// An index with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    fn point(value: f64) -> Interval {
        Interval {
            value,
            low: f64::NAN,
            high: f64::NAN,
        }
    }
}

/// Morris's indices of one factor for one outcome, in outcome units per the factor's whole range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndices {
    /// Mean absolute elementary effect, with a bootstrap interval over trajectories.
    pub mu_star: Interval,
    pub mu: f64,
    /// Spread of the elementary effects: interactions or non-linearity.
    pub sigma: f64,
}

/// Morris's indices from each factor's elementary effects (one per trajectory).
pub fn morris(effects: &[Vec<f64>], seed: u64) -> Vec<MorrisIndices> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    effects
        .iter()
        .map(|ee| {
            let finite: Vec<f64> = ee.iter().copied().filter(|x| x.is_finite()).collect();
            let n = finite.len();
            let mu_star = mean(finite.iter().map(|x| x.abs()));
            let mu = mean(finite.iter().copied());
            let sigma = if n >= 2 {
                (finite.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
            } else {
                f64::NAN
            };
            let boot: Vec<f64> = (0..BOOTSTRAP)
                .map(|_| mean((0..n).map(|_| finite[rng.random_range(0..n)].abs())))
                .collect();
            let (low, high) = percentile_interval(boot);
            MorrisIndices {
                mu_star: Interval {
                    value: mu_star,
                    low,
                    high,
                },
                mu,
                sigma,
            }
        })
        .collect()
}

/// Sobol's first-order and total indices of one factor for one outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndices {
    pub first: Interval,
    pub total: Interval,
}

/// Sobol's indices from Saltelli's design: f(A_j), f(B_j) and, per factor i, f(AB_ij). First-order
/// S_i = mean(f(B) (f(AB_i) - f(A))) / V (Saltelli et al. 2010), total ST_i = mean((f(A) -
/// f(AB_i))^2) / 2V (Jansen 1999), V the variance of f(A) and f(B) together; intervals from a
/// bootstrap over the base samples j.
pub fn sobol(f_a: &[f64], f_b: &[f64], f_ab: &[Vec<f64>], seed: u64) -> Vec<SobolIndices> {
    let n = f_a.len();
    let indices = |rows: &[usize], i: usize| -> (f64, f64) {
        let v = variance(rows.iter().flat_map(|&j| [f_a[j], f_b[j]]));
        let m = rows.len() as f64;
        let s1 = rows
            .iter()
            .map(|&j| f_b[j] * (f_ab[i][j] - f_a[j]))
            .sum::<f64>()
            / m
            / v;
        let st = rows
            .iter()
            .map(|&j| (f_a[j] - f_ab[i][j]).powi(2))
            .sum::<f64>()
            / m
            / (2.0 * v);
        (s1, st)
    };
    let all: Vec<usize> = (0..n).collect();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let resamples: Vec<Vec<usize>> = (0..BOOTSTRAP)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect();
    (0..f_ab.len())
        .map(|i| {
            let (s1, st) = indices(&all, i);
            let (boot_s1, boot_st): (Vec<f64>, Vec<f64>) =
                resamples.iter().map(|rows| indices(rows, i)).unzip();
            let (s1_low, s1_high) = percentile_interval(boot_s1);
            let (st_low, st_high) = percentile_interval(boot_st);
            SobolIndices {
                first: Interval {
                    value: s1,
                    low: s1_low,
                    high: s1_high,
                },
                total: Interval {
                    value: st,
                    low: st_low,
                    high: st_high,
                },
            }
        })
        .collect()
}

/// Spearman's rank correlation of `x` and `y` (ties at their mean rank), with a 95% interval
/// from Fisher's z with the standard error 1.06 / sqrt(n - 3) of Fieller, Hartley & Pearson 1957.
pub fn rank_correlation(x: &[f64], y: &[f64]) -> Interval {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    let n = pairs.len();
    if n < 3 {
        return Interval::point(f64::NAN);
    }
    let rx = ranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let ry = ranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let (mx, my) = (mean(rx.iter().copied()), mean(ry.iter().copied()));
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    let rho = if vx > 0.0 && vy > 0.0 {
        cov / (vx * vy).sqrt()
    } else {
        f64::NAN
    };
    if n <= 3 || !rho.is_finite() {
        return Interval::point(rho);
    }
    let z = rho.clamp(-0.999_999, 0.999_999).atanh();
    let half = 1.959_964 * 1.06 / ((n - 3) as f64).sqrt();
    Interval {
        value: rho,
        low: (z - half).tanh(),
        high: (z + half).tanh(),
    }
}

/// Ranks from 1, ties sharing their mean rank.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// The `q` quantile of `values` (linear between order statistics, as R's type 7).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let h = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

fn percentile_interval(values: Vec<f64>) -> (f64, f64) {
    (quantile(&values, 0.025), quantile(&values, 0.975))
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values {
        sum += v;
        n += 1;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Population variance.
fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = mean(values.clone());
    mean(values.map(|v| (v - m).powi(2)))
}

/// One row of the analysis: an index of one parameter for one outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRow {
    pub outcome: String,
    pub parameter: String,
    /// `mu_star`, `mu`, `sigma`; `S1`, `ST`; or `rank_correlation`.
    pub index: &'static str,
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// What chance in R replications leaves in this index: the mean standard error of an
    /// elementary effect (Morris, in the effect's units), or the share of the variance of the
    /// points' responses that replication noise makes (Sobol and LHS; an ST, or a squared rank
    /// correlation, below it explains no more than noise does).
    pub noise: f64,
}

/// An outcome's spread over the ranges (Latin hypercube): quantiles of the points' responses.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub outcome: String,
    /// (quantile, value) for 5%, 25%, 50%, 75% and 95%.
    pub quantiles: Vec<(f64, f64)>,
    /// The share of the responses' variance that replication noise makes.
    pub mean_noise: f64,
}

/// The responses of a design's points, folded in replication by replication: each point's
/// running mean of each outcome and, for Morris, each elementary effect's running mean over
/// replications (paired within the replication: common random numbers).
pub struct Responses {
    outcomes: Vec<Outcome>,
    /// Point-major: point p's outcome o at p * outcomes + o.
    means: Vec<Running>,
    /// Morris: (trajectory, step) major, outcome minor.
    effects: Vec<Running>,
    /// Morris: the signed step (plus or minus delta) of each (trajectory, step).
    steps: Vec<f64>,
    points_per_trajectory: usize,
    /// Morris: the previous point's outcomes in the current replication.
    last: Vec<f64>,
}

impl Responses {
    pub fn new(plan: &PointPlan, outcomes: Vec<Outcome>) -> Responses {
        let n = plan.points.count();
        let (steps, per) = match &plan.points {
            Points::Morris { trajectories, .. } => (
                trajectories
                    .iter()
                    .flat_map(|t| {
                        t.factors
                            .iter()
                            .enumerate()
                            .map(|(k, &i)| t.points[k + 1][i] - t.points[k][i])
                    })
                    .collect(),
                trajectories[0].points.len(),
            ),
            _ => (Vec::new(), 0),
        };
        Responses {
            means: vec![Running::default(); n * outcomes.len()],
            effects: vec![Running::default(); steps.len() * outcomes.len()],
            last: vec![f64::NAN; outcomes.len()],
            outcomes,
            steps,
            points_per_trajectory: per,
        }
    }

    /// Point `p`'s outcomes in one replication (a row of `arms::outcome_values`). Within a
    /// replication the points arrive in order, so a Morris step's two points arrive one after
    /// the other.
    pub fn push(&mut self, p: usize, row: &[f64]) {
        let k = self.outcomes.len();
        let values: Vec<f64> = self.outcomes.iter().map(|o| o.of(row)).collect();
        for (o, v) in values.iter().enumerate() {
            self.means[p * k + o].push(*v);
        }
        if let Some(t) = p.checked_div(self.points_per_trajectory) {
            let at = p % self.points_per_trajectory;
            if at > 0 {
                let step = t * (self.points_per_trajectory - 1) + at - 1;
                for (o, (v, last)) in values.iter().zip(&self.last).enumerate() {
                    self.effects[step * k + o].push((v - last) / self.steps[step]);
                }
            }
            self.last = values;
        }
    }

    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// Point `p`'s mean of outcome `o` over replications.
    pub fn mean(&self, p: usize, o: usize) -> f64 {
        self.means[p * self.outcomes.len() + o].mean()
    }

    /// The standard error of point `p`'s mean of outcome `o` (replication noise).
    pub fn standard_error(&self, p: usize, o: usize) -> f64 {
        self.noise_variance(p, o).sqrt()
    }

    /// The variance of point `p`'s mean of outcome `o` (replication noise), or NaN with fewer
    /// than two replications.
    fn noise_variance(&self, p: usize, o: usize) -> f64 {
        self.means[p * self.outcomes.len() + o].variance_of_mean()
    }

    /// Every index of every parameter for every outcome, and (Latin hypercube) each outcome's
    /// spread.
    pub fn analyse(&self, plan: &PointPlan, seed: u64) -> (Vec<IndexRow>, Vec<Spread>) {
        let (mut rows, mut spreads) = (Vec::new(), Vec::new());
        let n = plan.points.count();
        let d = plan.ranges.len();
        for (o, outcome) in self.outcomes.iter().enumerate() {
            let name = outcome.name();
            let mut row = |parameter: usize, index: &'static str, x: Interval, noise: f64| {
                rows.push(IndexRow {
                    outcome: name.clone(),
                    parameter: plan.ranges[parameter].key.clone(),
                    index,
                    value: x.value,
                    low: x.low,
                    high: x.high,
                    noise,
                })
            };
            match &plan.points {
                Points::Morris { trajectories, .. } => {
                    let k = self.outcomes.len();
                    let mut per_factor = vec![Vec::new(); d];
                    let mut noise = vec![Vec::new(); d];
                    for (t, tr) in trajectories.iter().enumerate() {
                        for (step, &i) in tr.factors.iter().enumerate() {
                            let e = &self.effects[(t * d + step) * k + o];
                            per_factor[i].push(e.mean());
                            noise[i].push(e.variance_of_mean().sqrt());
                        }
                    }
                    for (i, m) in morris(&per_factor, seed ^ i_seed(o))
                        .into_iter()
                        .enumerate()
                    {
                        let noise = mean(noise[i].iter().copied());
                        row(i, "mu_star", m.mu_star, noise);
                        row(i, "mu", Interval::point(m.mu), noise);
                        row(i, "sigma", Interval::point(m.sigma), noise);
                    }
                }
                Points::Sobol { n: base, .. } => {
                    let base = *base as usize;
                    let at = |j: usize, block: usize| self.mean(j * (d + 2) + block, o);
                    let f_a: Vec<f64> = (0..base).map(|j| at(j, 0)).collect();
                    let f_b: Vec<f64> = (0..base).map(|j| at(j, 1)).collect();
                    let f_ab: Vec<Vec<f64>> = (0..d)
                        .map(|i| (0..base).map(|j| at(j, 2 + i)).collect())
                        .collect();
                    let v = variance(f_a.iter().chain(&f_b).copied());
                    let noise = mean((0..n).map(|p| self.noise_variance(p, o))) / v;
                    for (i, s) in sobol(&f_a, &f_b, &f_ab, seed ^ i_seed(o))
                        .into_iter()
                        .enumerate()
                    {
                        row(i, "S1", s.first, noise);
                        row(i, "ST", s.total, noise);
                    }
                }
                Points::Lhs { .. } => {
                    let y: Vec<f64> = (0..n).map(|p| self.mean(p, o)).collect();
                    // As for Sobol: the share of the responses' variance that noise makes.
                    let noise = mean((0..n).map(|p| self.noise_variance(p, o)))
                        / variance(y.iter().copied());
                    for i in 0..d {
                        let x: Vec<f64> = (0..n).map(|p| plan.values(p)[i]).collect();
                        row(i, "rank_correlation", rank_correlation(&x, &y), noise);
                    }
                    spreads.push(Spread {
                        outcome: name.clone(),
                        quantiles: [0.05, 0.25, 0.5, 0.75, 0.95]
                            .map(|q| (q, quantile(&y, q)))
                            .to_vec(),
                        mean_noise: noise,
                    });
                }
            }
        }
        (rows, spreads)
    }
}

/// A bootstrap seed per outcome, so each outcome's intervals draw their own resamples.
fn i_seed(outcome: usize) -> u64 {
    0x9e37_79b9_7f4a_7c15u64.wrapping_mul(outcome as u64 + 1)
}

/// The main index of each method, the one a ranking goes by.
pub fn ranking_index(method: SensitivityMethod) -> &'static str {
    match method {
        SensitivityMethod::Morris => "mu_star",
        SensitivityMethod::Sobol => "ST",
        SensitivityMethod::Lhs => "rank_correlation",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::sensitivity::design;

    /// The Ishigami function on [-pi, pi]^3 (Ishigami & Homma 1990), a = 7, b = 0.1, with a
    /// fourth input it never reads.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u
            .iter()
            .map(|u| -std::f64::consts::PI + 2.0 * std::f64::consts::PI * u)
            .collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn sobol_indices_of_the_ishigami_function_are_the_analytic_ones() {
        let (n, d) = (4096usize, 4usize);
        let points = design(SensitivityMethod::Sobol, d, n as u32, 4, 11);
        let f = |p: usize| ishigami(&points.unit(p));
        let f_a: Vec<f64> = (0..n).map(|j| f(j * (d + 2))).collect();
        let f_b: Vec<f64> = (0..n).map(|j| f(j * (d + 2) + 1)).collect();
        let f_ab: Vec<Vec<f64>> = (0..d)
            .map(|i| (0..n).map(|j| f(j * (d + 2) + 2 + i)).collect())
            .collect();
        let indices = sobol(&f_a, &f_b, &f_ab, 1);
        let first = [0.3139, 0.4424, 0.0, 0.0];
        let total = [0.5576, 0.4424, 0.2437, 0.0];
        for i in 0..d {
            let (s1, st) = (indices[i].first, indices[i].total);
            assert!(
                s1.low - 0.01 <= first[i] && first[i] <= s1.high + 0.01,
                "S1 of x{}: {s1:?} vs {}",
                i + 1,
                first[i]
            );
            assert!(
                st.low - 0.01 <= total[i] && total[i] <= st.high + 0.01,
                "ST of x{}: {st:?} vs {}",
                i + 1,
                total[i]
            );
            assert!(
                s1.high - s1.low < 0.1,
                "intervals narrow at 4096 samples: {s1:?}"
            );
        }
        // The input nothing reads: its total index is exactly 0 (f(AB_4) = f(A)).
        assert_eq!(indices[3].total.value, 0.0);
    }

    #[test]
    fn morris_mu_star_of_a_linear_function_is_its_coefficient_times_the_range() {
        // y = 3 x1 - 2 x2 + 0 x3 with x1 in [0, 2], x2 in [1, 4], x3 unread.
        let (lo, hi) = ([0.0, 1.0, 0.0], [2.0, 4.0, 1.0]);
        let y = |u: &[f64]| {
            let x: Vec<f64> = (0..3).map(|i| lo[i] + u[i] * (hi[i] - lo[i])).collect();
            3.0 * x[0] - 2.0 * x[1]
        };
        let Points::Morris { trajectories, .. } = design(SensitivityMethod::Morris, 3, 12, 4, 2)
        else {
            unreachable!()
        };
        let mut effects = vec![Vec::new(); 3];
        for t in &trajectories {
            for (k, &i) in t.factors.iter().enumerate() {
                let step = t.points[k + 1][i] - t.points[k][i];
                effects[i].push((y(&t.points[k + 1]) - y(&t.points[k])) / step);
            }
        }
        let m = morris(&effects, 3);
        assert!((m[0].mu_star.value - 6.0).abs() < 1e-9, "{:?}", m[0]);
        assert!((m[1].mu_star.value - 6.0).abs() < 1e-9, "{:?}", m[1]);
        assert!((m[1].mu + 6.0).abs() < 1e-9, "x2 lowers y");
        assert_eq!(m[2].mu_star.value, 0.0);
        assert!(m[0].sigma.abs() < 1e-9, "a linear effect does not vary");
    }

    #[test]
    fn rank_correlations_and_quantiles_match_hand_worked_values() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((rank_correlation(&x, &[2.0, 4.0, 6.0, 8.0, 10.0]).value - 1.0).abs() < 1e-12);
        assert!((rank_correlation(&x, &[5.0, 4.0, 3.0, 2.0, 1.0]).value + 1.0).abs() < 1e-12);
        // Monotone but not linear: still 1.
        assert!((rank_correlation(&x, &[1.0, 8.0, 27.0, 64.0, 125.0]).value - 1.0).abs() < 1e-12);
        // d = (0, 1, -1, 0, 0): rho = 1 - 6 * 2 / (5 * 24) = 0.9.
        let r = rank_correlation(&x, &[1.0, 3.0, 2.0, 4.0, 5.0]);
        assert!((r.value - 0.9).abs() < 1e-12, "{r:?}");
        assert!(r.low < r.value && r.value < r.high);
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 30.0]), [1.0, 2.5, 2.5, 4.0]);
        assert_eq!(quantile(&[4.0, 1.0, 3.0, 2.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0);
    }

    #[test]
    fn every_outcome_name_reads_back() {
        for o in Outcome::all() {
            assert_eq!(Outcome::parse(&o.name()), Some(o));
        }
        assert_eq!(Outcome::parse("worker_coop.survival"), None);
        assert_eq!(Outcome::defaults()[0], Outcome::SurvivalGap);
    }
}
