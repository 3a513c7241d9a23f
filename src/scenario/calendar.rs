//! Calendar dates for the model's months. A scenario may say which calendar month its recorded
//! month 0 is (`start = "2005-09"`: the first month after the warm-up); charts, tables and the
//! report then label months by date. The model and the data files never see a date: months stay
//! numbered there, so a start changes labels and nothing else.

use serde::{Deserialize, Serialize};

use super::params::{Describe, ParamDoc, Patch};

/// A calendar month: year and month of the year (1 to 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: i32,
    /// 1 (January) to 12 (December).
    pub month: u32,
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl YearMonth {
    /// Reads `YYYY-MM` (a four-digit year from 1000 to 9999 and a two-digit month 01 to 12).
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (year, month) = text.split_once('-')?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return None;
        }
        let (year, month): (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
        ((1000..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    /// The calendar month `months` after this one (before it, when negative).
    pub fn plus(self, months: i64) -> YearMonth {
        let index = i64::from(self.year) * 12 + i64::from(self.month - 1) + months;
        YearMonth {
            year: index.div_euclid(12) as i32,
            month: index.rem_euclid(12) as u32 + 1,
        }
    }

    /// "Sep 2008": how charts, tables and the report write a month.
    pub fn label(self) -> String {
        format!("{} {}", MONTH_NAMES[self.month as usize - 1], self.year)
    }
}

impl std::fmt::Display for YearMonth {
    /// `2008-09`, as a scenario file writes it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The scenario's `start`: the calendar month of recorded month 0, as the file wrote it, or unset.
/// Kept as text so that a bad value reaches validation, which names the key and line; read it
/// with [`Start::month`]. Unset, it is left out of the resolved scenario, so scenarios without a
/// start keep the text (and the hash) they had before the key existed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Start(pub Option<String>);

impl Start {
    /// The calendar month of recorded month 0, when set (and valid).
    pub fn month(&self) -> Option<YearMonth> {
        self.0.as_deref().and_then(YearMonth::parse)
    }

    /// How to write recorded month `m`: "Sep 2008" with a start, "month 36" without.
    pub fn label(&self, m: i64) -> String {
        match self.month() {
            Some(start) => start.plus(m).label(),
            None => format!("month {m}"),
        }
    }

    /// How to write months `a` to `b`: "Sep 2008 to Feb 2012 (months 36 to 77)" with a start,
    /// "months 36 to 77" without.
    pub fn span(&self, a: i64, b: i64) -> String {
        match self.month() {
            Some(start) => format!(
                "{} to {} (months {a} to {b})",
                start.plus(a).label(),
                start.plus(b).label()
            ),
            None => format!("months {a} to {b}"),
        }
    }

    /// The same, short, for a chart's caption: "Sep 2008-Feb 2012" or "months 36-77".
    pub fn short_span(&self, a: i64, b: i64) -> String {
        match self.month() {
            Some(start) => format!("{}-{}", start.plus(a).label(), start.plus(b).label()),
            None => format!("months {a}-{b}"),
        }
    }
}

impl Patch for Start {
    type Patch = String;
    fn apply(&mut self, patch: String) {
        self.0 = Some(patch);
    }
}

impl Describe for Start {
    fn describe_into(
        &self,
        key: &str,
        doc: &str,
        unit: &'static str,
        source: &'static str,
        out: &mut Vec<ParamDoc>,
    ) {
        out.push(ParamDoc {
            key: key.to_string(),
            default: match &self.0 {
                Some(text) => toml::Value::from(text.as_str()).to_string(),
                None => "unset".to_string(),
            },
            unit,
            doc: doc.split_whitespace().collect::<Vec<_>>().join(" "),
            source,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_real_calendar_months() {
        assert_eq!(
            YearMonth::parse("2005-09"),
            Some(YearMonth {
                year: 2005,
                month: 9
            })
        );
        for bad in [
            "2005-13",
            "2005-00",
            "2005-9",
            "05-09",
            "2005/09",
            "2005-09-01",
            "",
            "abcd-ef",
            "+205-09",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_months_across_years_both_ways() {
        let start = YearMonth::parse("2005-09").unwrap();
        assert_eq!(start.plus(36).to_string(), "2008-09");
        assert_eq!(start.plus(57).label(), "Jun 2010");
        assert_eq!(start.plus(4).to_string(), "2006-01");
        assert_eq!(start.plus(-9).to_string(), "2004-12");
        assert_eq!(start.plus(-60).to_string(), "2000-09");
    }

    #[test]
    fn labels_months_by_date_only_with_a_start() {
        let dated = Start(Some("2005-09".into()));
        assert_eq!(dated.label(36), "Sep 2008");
        assert_eq!(dated.span(36, 77), "Sep 2008 to Feb 2012 (months 36 to 77)");
        assert_eq!(Start(None).label(36), "month 36");
        assert_eq!(Start(None).span(36, 77), "months 36 to 77");
        assert_eq!(dated.short_span(36, 77), "Sep 2008-Feb 2012");
        assert_eq!(Start(None).short_span(36, 77), "months 36-77");
    }
}
