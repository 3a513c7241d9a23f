//! The environment of a month (MODEL.md 3.1 and 7): each sector's demand multiplier from the crisis
//! and austerity paths, and the intensity that drives the credit crunch.

use crate::scenario::{Austerity, Crisis, RecoveryShape, Scenario, Sector};

/// Crisis intensity in [0, 1] at month `t` (negative during warm-up): 0 before onset, ramps to 1
/// over `fall_months`, holds until `duration_months` after onset, then recovers by `shape`.
pub fn crisis_intensity(c: &Crisis, t: i32) -> f64 {
    let onset = c.onset_month as i32;
    if t < onset {
        return 0.0;
    }
    let m = (t - onset) as f64;
    let fall = c.fall_months as f64;
    let duration = c.duration_months as f64;
    if m < fall {
        return (m + 1.0) / fall;
    }
    if m < duration {
        return 1.0;
    }
    let r = if c.recovery_months == 0 {
        1.0
    } else {
        (m - duration + 1.0) / c.recovery_months as f64
    };
    match c.shape {
        RecoveryShape::L => 1.0,
        RecoveryShape::V => (1.0 - r).max(0.0),
        RecoveryShape::U if r >= 1.0 => 0.0,
        RecoveryShape::U => 0.5 * (1.0 + (std::f64::consts::PI * r).cos()),
    }
}

/// Austerity intensity in [0, 1]: phases in linearly over `ramp_months`, then permanent.
pub fn austerity_intensity(a: &Austerity, t: i32) -> f64 {
    let onset = a.onset_month as i32;
    if t < onset {
        return 0.0;
    }
    let m = (t - onset) as f64 + 1.0;
    if a.ramp_months == 0 {
        1.0
    } else {
        (m / a.ramp_months as f64).min(1.0)
    }
}

/// The month the crisis path has run its course (recovery complete); `None` for an L-shaped
/// crisis, which never recovers.
fn path_end(s: &Scenario) -> Option<u32> {
    let c = &s.crisis;
    (c.shape != RecoveryShape::L).then_some(c.onset_month + c.duration_months + c.recovery_months)
}

/// The crisis window: from onset to the end of the recovery (or the horizon), in recorded months.
pub fn crisis_window(s: &Scenario) -> std::ops::Range<u32> {
    let end = path_end(s).unwrap_or(s.months);
    let onset = s.crisis.onset_month;
    onset..end.min(s.months).max(onset + 1)
}

/// Where the horizon stops before the crisis path has run its course, the month the path would
/// end; the window is then cut at the horizon.
pub fn crisis_cut_by_horizon(s: &Scenario) -> Option<u32> {
    path_end(s).filter(|&end| end > s.months)
}

/// What the scenario imposes on one month.
#[derive(Debug, Clone, Copy)]
pub struct Environment {
    pub month: i32,
    pub crisis: f64,
    pub austerity: f64,
    /// Scenario-driven demand multiplier per sector (before noise and trend).
    pub demand_multiplier: [f64; Sector::COUNT],
    /// Working owners' outside pay relative to calm times (1 without a crisis).
    pub outside_pay: f64,
    /// Where the market wage, relative to calm times, is heading (`crisis.market_pay_cut`); it
    /// moves there by at most `crisis.market_pay_step` a month (`Economy::market_pay`).
    pub market_pay: f64,
}

impl Environment {
    pub fn at(s: &Scenario, t: i32) -> Environment {
        let crisis = crisis_intensity(&s.crisis, t);
        let austerity = austerity_intensity(&s.austerity, t);
        let demand_multiplier = Sector::ALL.map(|sec| {
            (1.0 - s.crisis.depth.get(sec) * crisis)
                * (1.0 - s.austerity.depth.get(sec) * austerity)
        });
        Environment {
            month: t,
            crisis,
            austerity,
            demand_multiplier,
            outside_pay: 1.0 - s.crisis.outside_pay_cut * crisis,
            market_pay: 1.0 - s.crisis.market_pay_cut * crisis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_horizon_that_stops_before_recovery_cuts_the_window_and_says_where_the_path_ends() {
        let mut s = Scenario::default();
        s.crisis.onset_month = 36;
        s.crisis.duration_months = 18;
        s.crisis.recovery_months = 24;
        s.months = 78;
        assert_eq!(crisis_cut_by_horizon(&s), None);
        assert_eq!(crisis_window(&s), 36..78);
        s.months = 60;
        assert_eq!(crisis_cut_by_horizon(&s), Some(78));
        assert_eq!(crisis_window(&s), 36..60);
        // An L-shaped crisis never recovers: its window is the rest of the horizon, never cut.
        s.crisis.shape = RecoveryShape::L;
        assert_eq!(crisis_cut_by_horizon(&s), None);
    }

    #[test]
    fn crisis_path_falls_holds_and_recovers_by_shape() {
        let mut c = Scenario::default().crisis;
        c.onset_month = 10;
        c.fall_months = 4;
        c.duration_months = 8;
        c.recovery_months = 10;
        assert_eq!(crisis_intensity(&c, 9), 0.0);
        assert_eq!(crisis_intensity(&c, 10), 0.25);
        assert_eq!(crisis_intensity(&c, 13), 1.0);
        assert_eq!(crisis_intensity(&c, 17), 1.0);
        for shape in [RecoveryShape::V, RecoveryShape::U] {
            c.shape = shape;
            let path: Vec<f64> = (18..=28).map(|t| crisis_intensity(&c, t)).collect();
            assert!(
                path.windows(2).all(|w| w[1] <= w[0]),
                "{shape:?} recovers monotonically: {path:?}"
            );
            assert_eq!(crisis_intensity(&c, 28), 0.0);
        }
        c.shape = RecoveryShape::L;
        assert_eq!(crisis_intensity(&c, 100), 1.0);
    }

    #[test]
    fn u_recovers_slower_than_v_at_first() {
        let mut c = Scenario::default().crisis;
        c.shape = RecoveryShape::U;
        let t = (c.onset_month + c.duration_months + 2) as i32;
        let u = crisis_intensity(&c, t);
        c.shape = RecoveryShape::V;
        assert!(u > crisis_intensity(&c, t));
    }
}
