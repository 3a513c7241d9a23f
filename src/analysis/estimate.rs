//! Means over replications with their 95% intervals, accumulated one replication at a time in
//! replication order (so memory does not grow with replications and the bits do not depend on
//! the thread count).

use super::metrics::Value;
use crate::analysis::summary::t975;

/// A mean over replications with its 95% confidence interval (Student t across replications).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// Replications the value was defined in (a cohort with no firm has no survival).
    pub n: u32,
}

/// Running mean and sum of squared deviations (Welford 1962); undefined values are skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Running {
    n: u32,
    mean: f64,
    m2: f64,
}

impl Running {
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / f64::from(self.n);
        self.m2 += delta * (x - self.mean);
    }

    pub fn n(&self) -> u32 {
        self.n
    }

    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// The variance of the mean (the sample variance over n), or NaN with fewer than two values.
    pub fn variance_of_mean(&self) -> f64 {
        if self.n >= 2 {
            self.m2 / f64::from(self.n - 1) / f64::from(self.n)
        } else {
            f64::NAN
        }
    }

    pub fn estimate(&self) -> Estimate {
        let n = f64::from(self.n);
        let half = if self.n >= 2 {
            t975(n - 1.0) * (self.m2 / (n - 1.0)).sqrt() / n.sqrt()
        } else {
            f64::NAN
        };
        Estimate {
            mean: self.mean(),
            low: self.mean() - half,
            high: self.mean() + half,
            n: self.n,
        }
    }
}

/// The running estimate of one measure. A scalar measure has one candidate; a measure taken at a
/// month chosen from the mean path (the worst 12 months, the trough) has one per candidate month,
/// with a score whose mean over replications picks the candidate reported. Choosing on the mean
/// path, not in each replication, keeps the noise of a maximum out of the estimate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accumulator {
    values: Vec<Running>,
    scores: Vec<Running>,
}

impl Accumulator {
    pub fn push(&mut self, value: &Value) {
        match value {
            Value::Scalar(x) => {
                if self.values.is_empty() {
                    self.values.push(Running::default());
                }
                self.values[0].push(*x);
            }
            Value::Candidates { values, scores } => {
                if self.values.is_empty() {
                    self.values = vec![Running::default(); values.len()];
                    self.scores = vec![Running::default(); values.len()];
                }
                for (i, (v, s)) in values.iter().zip(scores).enumerate() {
                    self.values[i].push(*v);
                    self.scores[i].push(*s);
                }
            }
        }
    }

    /// The estimate, and for a measure with candidates the one chosen (the highest mean score;
    /// the first of equals).
    pub fn estimate(&self) -> (Estimate, Option<usize>) {
        if self.scores.is_empty() {
            let r = self.values.first().copied().unwrap_or_default();
            return (r.estimate(), None);
        }
        let mut best: Option<usize> = None;
        for (i, s) in self.scores.iter().enumerate() {
            let m = s.mean();
            if m.is_finite() && best.is_none_or(|b| m > self.scores[b].mean()) {
                best = Some(i);
            }
        }
        match best {
            Some(i) => (self.values[i].estimate(), Some(i)),
            None => (Running::default().estimate(), None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_mean_and_interval_match_the_textbook_formula() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32 / 7).
        let mut r = Running::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            r.push(x);
        }
        r.push(f64::NAN);
        let e = r.estimate();
        assert_eq!(e.n, 8);
        assert!((e.mean - 5.0).abs() < 1e-12);
        // t(0.975, 7) = 2.364624
        let half = 2.364_624 * (32.0_f64 / 7.0).sqrt() / 8.0_f64.sqrt();
        assert!((e.high - e.mean - half).abs() < 2e-3, "{e:?} vs {half}");
        assert!((e.mean - e.low - half).abs() < 2e-3);
    }

    #[test]
    fn candidates_report_the_one_with_the_highest_mean_score() {
        let mut a = Accumulator::default();
        // Replication 1 alone would pick candidate 0; on average candidate 1 is worst.
        a.push(&Value::Candidates {
            values: vec![10.0, 20.0, 30.0],
            scores: vec![5.0, 4.0, 0.0],
        });
        a.push(&Value::Candidates {
            values: vec![12.0, 22.0, 32.0],
            scores: vec![1.0, 4.0, 0.0],
        });
        let (e, chosen) = a.estimate();
        assert_eq!(chosen, Some(1));
        assert!((e.mean - 21.0).abs() < 1e-12);
    }
}
