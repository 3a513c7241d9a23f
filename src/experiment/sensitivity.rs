//! The designs of a global sensitivity analysis, and the plan that runs them: points of the unit
//! hypercube (Morris trajectories, Saltelli's design on a scrambled Sobol sequence, a Latin
//! hypercube), each laid over a base scenario through the ranges of `scenario::sensitivity`.
//! The plan builds each point's scenario when a worker needs it, so memory holds the points'
//! coordinates (a few numbers each), not a scenario per point.
//!
//! Sources: Morris 1991 (Technometrics 33(2)) for elementary effects on a grid of levels;
//! Campolongo, Cariboni & Saltelli 2007 (Env. Modelling & Software 22) for spreading the
//! trajectories over the space, here by greedy selection from ten times as many candidates;
//! Saltelli et al. 2010 (Comput. Phys. Commun. 181) for the A, B, AB_i design; McKay, Beckman &
//! Conover 1979 for Latin hypercubes.

use std::borrow::Cow;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::plan::{Arms, Units};
use crate::scenario::sensitivity::Range;
use crate::scenario::{Scenario, SensitivityMethod, apply_override, fnv1a, resolved_toml};

/// One Morris trajectory: d + 1 points, each step moving one factor by plus or minus delta.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub points: Vec<Vec<f64>>,
    /// The factor that step k (from point k to point k + 1) moves.
    pub factors: Vec<usize>,
}

/// Where the points of a design are.
#[derive(Debug, Clone, PartialEq)]
pub enum Points {
    Morris {
        trajectories: Vec<Trajectory>,
        /// The step on the unit interval: levels / (2 (levels - 1)).
        delta: f64,
    },
    /// Saltelli's design of `n` base samples: for each sample j, the points A_j, B_j and AB_ij
    /// (A_j with factor i from B_j), one after another.
    Sobol {
        n: u32,
        d: usize,
        seed: u32,
    },
    Lhs {
        points: Vec<Vec<f64>>,
    },
}

impl Points {
    pub fn count(&self) -> usize {
        match self {
            Points::Morris { trajectories, .. } => {
                trajectories.iter().map(|t| t.points.len()).sum()
            }
            Points::Sobol { n, d, .. } => *n as usize * (d + 2),
            Points::Lhs { points } => points.len(),
        }
    }

    /// Point `p`'s coordinates in the unit hypercube.
    pub fn unit(&self, p: usize) -> Vec<f64> {
        match self {
            Points::Morris { trajectories, .. } => {
                let per = trajectories[0].points.len();
                trajectories[p / per].points[p % per].clone()
            }
            Points::Sobol { d, seed, .. } => {
                let (j, block) = ((p / (d + 2)) as u32, p % (d + 2));
                let a = |i: usize| f64::from(sobol_burley::sample(j, i as u32, *seed));
                let b = |i: usize| f64::from(sobol_burley::sample(j, (d + i) as u32, *seed));
                (0..*d)
                    .map(|i| match block {
                        0 => a(i),
                        1 => b(i),
                        _ if block - 2 == i => b(i),
                        _ => a(i),
                    })
                    .collect()
            }
            Points::Lhs { points } => points[p].clone(),
        }
    }
}

/// How many base samples or trajectories a method takes when none are asked for.
pub fn default_samples(method: SensitivityMethod) -> u32 {
    match method {
        SensitivityMethod::Morris => 10,
        SensitivityMethod::Sobol => 256,
        SensitivityMethod::Lhs => 100,
    }
}

/// The fewest samples a method can estimate anything from: two trajectories for a spread of
/// elementary effects, eight base samples for Sobol indices with a bootstrap, a point per factor
/// and one for a rank correlation.
pub fn fewest_samples(method: SensitivityMethod, d: usize) -> u32 {
    match method {
        SensitivityMethod::Morris => 2,
        SensitivityMethod::Sobol => 8,
        SensitivityMethod::Lhs => (d as u32 + 2).max(4),
    }
}

/// Largest number of factors Saltelli's design can take (two Sobol dimensions per factor).
pub const SOBOL_MAX_FACTORS: usize = 128;
/// Largest number of Sobol base samples (the sequence's length).
pub const SOBOL_MAX_SAMPLES: u32 = 1 << 16;

/// The points of `method` for `d` factors: `samples` trajectories (Morris, on `levels` levels),
/// base samples (Sobol) or points (Latin hypercube), drawn from `seed`.
pub fn design(method: SensitivityMethod, d: usize, samples: u32, levels: u32, seed: u64) -> Points {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5e45_1717_a11a_5eed);
    match method {
        SensitivityMethod::Morris => {
            let candidates: Vec<Trajectory> = (0..(10 * samples).min(samples.max(200)))
                .map(|_| trajectory(d, levels, &mut rng))
                .collect();
            Points::Morris {
                trajectories: spread(candidates, samples as usize),
                delta: f64::from(levels) / (2.0 * f64::from(levels - 1)),
            }
        }
        SensitivityMethod::Sobol => Points::Sobol {
            n: samples,
            d,
            seed: (seed & 0xffff_ffff) as u32 ^ (seed >> 32) as u32,
        },
        SensitivityMethod::Lhs => {
            let n = samples as usize;
            let mut points = vec![vec![0.0; d]; n];
            for i in 0..d {
                let mut strata: Vec<usize> = (0..n).collect();
                shuffle(&mut strata, &mut rng);
                for (point, stratum) in points.iter_mut().zip(strata) {
                    let within: f64 = rng.random_range(0.0..1.0);
                    point[i] = (stratum as f64 + within) / n as f64;
                }
            }
            Points::Lhs { points }
        }
    }
}

fn shuffle<T>(items: &mut [T], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// A random trajectory: a start on the grid of `levels` levels, then each factor in a random
/// order moved by delta, up where that stays in [0, 1] and down otherwise (with an even number
/// of levels, half the levels step up, half down).
fn trajectory(d: usize, levels: u32, rng: &mut Xoshiro256PlusPlus) -> Trajectory {
    let top = f64::from(levels - 1);
    let delta = f64::from(levels) / (2.0 * top);
    let mut x: Vec<f64> = (0..d)
        .map(|_| f64::from(rng.random_range(0..levels)) / top)
        .collect();
    let mut factors: Vec<usize> = (0..d).collect();
    shuffle(&mut factors, rng);
    let mut points = vec![x.clone()];
    for &i in &factors {
        x[i] = if x[i] + delta <= 1.0 + 1e-12 {
            x[i] + delta
        } else {
            x[i] - delta
        };
        x[i] = (x[i] * top).round() / top;
        points.push(x.clone());
    }
    Trajectory { points, factors }
}

/// Campolongo et al.'s spread: the sum of distances between every point of one trajectory and
/// every point of the other.
fn distance(a: &Trajectory, b: &Trajectory) -> f64 {
    a.points
        .iter()
        .flat_map(|p| b.points.iter().map(move |q| (p, q)))
        .map(|(p, q)| {
            p.iter()
                .zip(q)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt()
        })
        .sum()
}

/// `r` of the candidates, chosen greedily to be far apart: the farthest pair first, then each
/// time the candidate farthest (in summed distance) from those already chosen.
fn spread(candidates: Vec<Trajectory>, r: usize) -> Vec<Trajectory> {
    if candidates.len() <= r {
        return candidates;
    }
    let n = candidates.len();
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let x = distance(&candidates[i], &candidates[j]);
            d[i * n + j] = x;
            d[j * n + i] = x;
        }
    }
    let (mut a, mut b) = (0, 1);
    for i in 0..n {
        for j in i + 1..n {
            if d[i * n + j] > d[a * n + b] {
                (a, b) = (i, j);
            }
        }
    }
    let mut chosen = vec![a, b];
    let mut total: Vec<f64> = (0..n).map(|k| d[k * n + a] + d[k * n + b]).collect();
    while chosen.len() < r {
        let next = (0..n)
            .filter(|k| !chosen.contains(k))
            .max_by(|&x, &y| total[x].total_cmp(&total[y]))
            .expect("more candidates than chosen");
        chosen.push(next);
        for (k, t) in total.iter_mut().enumerate() {
            *t += d[k * n + next];
        }
    }
    chosen.truncate(r);
    let mut candidates: Vec<Option<Trajectory>> = candidates.into_iter().map(Some).collect();
    chosen
        .into_iter()
        .map(|k| candidates[k].take().expect("each chosen once"))
        .collect()
}

/// A sensitivity analysis's plan: the base scenario, the varied ranges and the design's points,
/// each point an arm of its own (`Units::Each`, replication-major, common random numbers).
#[derive(Debug, Clone)]
pub struct PointPlan {
    pub base: Scenario,
    pub ranges: Vec<Range>,
    pub method: SensitivityMethod,
    pub points: Points,
}

impl PointPlan {
    /// The settings of point `p`: each varied key and its value there.
    pub fn settings(&self, p: usize) -> Vec<(String, String)> {
        let u = self.points.unit(p);
        self.ranges
            .iter()
            .zip(u)
            .map(|(r, u)| (r.key.clone(), r.value(u)))
            .collect()
    }

    /// Point `p`'s parameter values as numbers (true/false as 1/0), in range order.
    pub fn values(&self, p: usize) -> Vec<f64> {
        let u = self.points.unit(p);
        self.ranges
            .iter()
            .zip(u)
            .map(|(r, u)| r.number(u))
            .collect()
    }

    /// A stable hash of everything that decides the plan's results: the base scenario, the
    /// method, the ranges and every point's settings.
    pub fn hash(&self) -> String {
        let mut text = format!(
            "coopsim sensitivity plan\nmethod = {:?}\nranges = {:?}\n",
            self.method, self.ranges
        );
        text.push_str(&resolved_toml(&self.base));
        // The points hashed a block at a time, so the text stays small whatever their number.
        let mut digest = fnv1a(&text);
        let mut block = String::new();
        for p in 0..self.points.count() {
            for (k, v) in self.settings(p) {
                block.push_str(&format!("{p} {k}={v}\n"));
            }
            if block.len() > 1 << 16 || p + 1 == self.points.count() {
                digest = fnv1a(&format!("{digest}\n{block}"));
                block.clear();
            }
        }
        digest
    }
}

impl Arms for PointPlan {
    fn arm_count(&self) -> usize {
        self.points.count()
    }

    fn scenario(&self, arm: usize) -> Cow<'_, Scenario> {
        let mut s = self.base.clone();
        for (key, value) in self.settings(arm) {
            apply_override(&mut s, &key, &value, "--vary")
                .expect("each range was checked at both ends against the base");
        }
        Cow::Owned(s)
    }

    fn replications(&self) -> u32 {
        self.base.replications
    }

    fn units(&self) -> Units {
        Units::Each
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_trajectories_move_one_factor_at_a_time_by_delta_on_the_grid() {
        let Points::Morris {
            trajectories,
            delta,
        } = design(SensitivityMethod::Morris, 5, 8, 4, 1)
        else {
            unreachable!()
        };
        assert_eq!(trajectories.len(), 8);
        assert!((delta - 2.0 / 3.0).abs() < 1e-12);
        for t in &trajectories {
            assert_eq!(t.points.len(), 6);
            let mut moved = t.factors.clone();
            moved.sort();
            assert_eq!(moved, [0, 1, 2, 3, 4], "each factor moves once");
            for (k, &i) in t.factors.iter().enumerate() {
                let (a, b) = (&t.points[k], &t.points[k + 1]);
                for j in 0..5 {
                    if j == i {
                        assert!(((a[j] - b[j]).abs() - delta).abs() < 1e-9);
                    } else {
                        assert_eq!(a[j], b[j]);
                    }
                }
                assert!(b.iter().all(|x| (0.0..=1.0).contains(x)));
                // On the grid of four levels: 0, 1/3, 2/3, 1.
                assert!(
                    b.iter()
                        .all(|x| ((x * 3.0) - (x * 3.0).round()).abs() < 1e-9)
                );
            }
        }
    }

    #[test]
    fn spreading_chooses_trajectories_farther_apart_than_chance() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let candidates: Vec<Trajectory> = (0..60).map(|_| trajectory(4, 4, &mut rng)).collect();
        let total = |ts: &[Trajectory]| -> f64 {
            let mut sum = 0.0;
            for i in 0..ts.len() {
                for j in i + 1..ts.len() {
                    sum += distance(&ts[i], &ts[j]);
                }
            }
            sum
        };
        let first = total(&candidates[..6]);
        let spread = total(&spread(candidates, 6));
        assert!(spread > first, "{spread} > {first}");
    }

    #[test]
    fn saltelli_points_share_coordinates_as_the_estimators_need() {
        let points = design(SensitivityMethod::Sobol, 3, 16, 4, 7);
        assert_eq!(points.count(), 16 * 5);
        for j in 0..16 {
            let (a, b) = (points.unit(j * 5), points.unit(j * 5 + 1));
            for i in 0..3 {
                let ab = points.unit(j * 5 + 2 + i);
                for k in 0..3 {
                    assert_eq!(ab[k], if k == i { b[k] } else { a[k] });
                }
            }
        }
    }

    #[test]
    fn a_latin_hypercube_has_one_point_in_each_stratum_of_every_factor() {
        let Points::Lhs { points } = design(SensitivityMethod::Lhs, 3, 20, 4, 5) else {
            unreachable!()
        };
        for i in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[i] * 20.0) as usize).collect();
            strata.sort();
            assert_eq!(strata, (0..20).collect::<Vec<_>>());
        }
    }
}
