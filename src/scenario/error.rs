//! Scenario errors a user can act on: the file, the line and column, the key, what was expected
//! and what was found, with the offending line shown.

use std::fmt;
use std::ops::Range;

/// Where in a scenario file a problem is.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// The whole offending line, for display.
    pub text: String,
    /// Width of the offending span on that line (at least 1).
    pub width: usize,
}

impl Location {
    /// Turns a byte span into a 1-based line and column.
    pub fn from_span(source: &str, span: Range<usize>) -> Location {
        let start = span.start.min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let text = source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let end = span.end.clamp(start, line_end);
        let width = source[start..end].chars().count().max(1);
        Location {
            line,
            column,
            text,
            width,
        }
    }
}

/// What went wrong with a scenario.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioErrorKind {
    /// The file could not be read (missing, a directory, unreadable, not UTF-8).
    Read,
    /// Not valid TOML.
    Syntax,
    /// A key the scenario format does not have.
    UnknownKey,
    /// Valid TOML, but a value of the wrong type.
    Type,
    /// A value outside what the model accepts.
    Invalid,
}

/// A scenario problem, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub kind: ScenarioErrorKind,
    /// The file (or `--vary`/command-line origin) the problem is in.
    pub origin: String,
    /// The dotted key, where one is known.
    pub key: Option<String>,
    pub message: String,
    /// A hint: the nearest valid key, or the rule.
    pub help: Option<String>,
    pub location: Option<Box<Location>>,
}

impl ScenarioError {
    pub fn read(origin: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            kind: ScenarioErrorKind::Read,
            origin: origin.to_string(),
            key: None,
            message: message.into(),
            help: None,
            location: None,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => writeln!(f, "error: {}: `{}`: {}", self.origin, key, self.message)?,
            None => writeln!(f, "error: {}: {}", self.origin, self.message)?,
        }
        if let Some(loc) = &self.location {
            let gutter = loc.line.to_string().len();
            writeln!(
                f,
                "{:gutter$}--> {}:{}:{}",
                "", self.origin, loc.line, loc.column
            )?;
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", loc.line, loc.text)?;
            writeln!(
                f,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(loc.column - 1),
                "^".repeat(loc.width)
            )?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Several problems found at once (validation reports them all, not just the first).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.0.len() > 1 {
            let mut origins: Vec<&str> = self.0.iter().map(|e| e.origin.as_str()).collect();
            origins.sort_unstable();
            origins.dedup();
            match origins.as_slice() {
                [_] => writeln!(f, "\n{} problems in the scenario", self.0.len())?,
                _ => writeln!(f, "\n{} problems ({})", self.0.len(), origins.join(", "))?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

impl From<ScenarioError> for ScenarioErrors {
    fn from(e: ScenarioError) -> Self {
        ScenarioErrors(vec![e])
    }
}

/// The candidate nearest to `word` by Levenshtein distance (in characters), if it is near enough
/// to be a likely typo: for "did you mean" hints on keys.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggests_nearest_key() {
        assert_eq!(
            nearest("hours_flor", ["pay_floor", "hours_floor", "hours_step"]),
            Some("hours_floor")
        );
        assert_eq!(nearest("zzzzzz", ["hours_floor"]), None);
        // Plain Levenshtein distance: a swap of neighbours is two edits, so two swaps in six
        // letters are past the two allowed.
        assert_eq!(nearest("abcdef", ["bacdef"]), Some("bacdef"));
        assert_eq!(nearest("abcdef", ["bacdfe"]), None);
    }

    #[test]
    fn the_count_of_problems_names_the_files_when_they_are_several() {
        let in_file = |origin: &str| ScenarioError::read(origin, "bad");
        let one = ScenarioErrors(vec![in_file("a.toml"), in_file("a.toml")]).to_string();
        assert!(one.ends_with("\n2 problems in the scenario\n"), "{one}");
        let two = ScenarioErrors(vec![
            in_file("a.toml"),
            in_file("b.toml"),
            in_file("a.toml"),
        ]);
        assert!(
            two.to_string().ends_with("\n3 problems (a.toml, b.toml)\n"),
            "{two}"
        );
    }

    #[test]
    fn location_is_one_based_line_and_column() {
        let src = "a = 1\nbb = 2\n";
        let loc = Location::from_span(src, 6..8);
        assert_eq!((loc.line, loc.column, loc.width), (2, 1, 2));
        assert_eq!(loc.text, "bb = 2");
    }
}
