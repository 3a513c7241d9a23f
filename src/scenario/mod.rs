//! Scenario files: TOML in, a resolved and validated `Scenario` out, or errors that name the file,
//! line, column and key. This is the only place that reads scenario files; the model never sees a
//! path.

pub mod calendar;
pub mod control;
pub mod error;
pub mod params;
pub mod schema;
pub mod sensitivity;
pub mod sweep;
pub mod validate;

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

pub use calendar::{Start, YearMonth};
pub use error::{Location, ScenarioError, ScenarioErrorKind, ScenarioErrors};
pub use params::{Describe, ParamDoc, Patch};
pub use schema::*;
pub use sweep::setting;

/// Reads, resolves and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioErrors> {
    let origin = path.display().to_string();
    if path.is_dir() {
        return Err(ScenarioError::read(&origin, "is a directory, not a scenario file").into());
    }
    let bytes = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        ScenarioError::read(&origin, format!("cannot read the scenario file: {why}"))
    })?;
    from_bytes(&bytes, &origin, &default_name(path))
}

/// A scenario file with command-line changes: `replications` and `seed` when given, then each
/// `KEY=VALUE` of `set` in order, its name defaulted to the file's, validated as a whole.
pub fn load_with(
    path: &Path,
    replications: Option<u32>,
    seed: Option<u64>,
    set: &[String],
) -> Result<Scenario, ScenarioErrors> {
    let mut s = load(path)?;
    if let Some(r) = replications {
        s.replications = r;
    }
    if let Some(seed) = seed {
        s.seed = seed;
    }
    for item in set {
        let Some((key, value)) = item.split_once('=') else {
            let mut e = ScenarioError::read("--set", format!("`{item}` is not KEY=VALUE"));
            e.kind = ScenarioErrorKind::Type;
            return Err(e.into());
        };
        apply_override(&mut s, key.trim(), value.trim(), "--set")?;
    }
    if s.name.is_empty() {
        s.name = default_name(path);
    }
    check(
        &s,
        None,
        &format!("{} (with command-line overrides)", path.display()),
    )?;
    Ok(s)
}

/// The resolved scenario as TOML: every parameter written out. The manifests' scenario hashes
/// are taken of this text.
pub fn resolved_toml(s: &Scenario) -> String {
    toml::to_string(s).expect("a resolved scenario serialises")
}

/// FNV-1a 64: a stable content hash of a text, such as a resolved scenario (not cryptographic).
pub fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The name of a scenario that sets none (or an empty one): its file's name without `.toml`.
pub fn default_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Resolves and validates the raw bytes of a scenario file (which must be UTF-8 TOML).
pub fn from_bytes(
    bytes: &[u8],
    origin: &str,
    default_name: &str,
) -> Result<Scenario, ScenarioErrors> {
    let text = std::str::from_utf8(bytes).map_err(|e| not_utf8(origin, bytes, e))?;
    parse(text, origin, default_name)
}

/// A non-UTF-8 file: the line and column of the first bad byte, with the line shown as far as it
/// can be read.
fn not_utf8(origin: &str, bytes: &[u8], e: std::str::Utf8Error) -> ScenarioErrors {
    let at = e.valid_up_to();
    let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
    let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
    let line_end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    let shown = String::from_utf8_lossy(&bytes[line_start..line_end])
        .trim_end_matches('\r')
        .to_string();
    let mut error = ScenarioError::read(
        origin,
        format!(
            "is not UTF-8 text: byte 0x{:02x} cannot start or continue a character",
            bytes[at]
        ),
    );
    error.location = Some(Box::new(Location {
        line: valid.matches('\n').count() + 1,
        column: valid[line_start..].chars().count() + 1,
        text: shown,
        width: 1,
    }));
    error.help =
        Some("save the scenario as UTF-8 (most editors: \"Save with encoding\")".to_string());
    error.into()
}

/// Resolves and validates scenario text. `default_name` is used when the file sets no `name`.
pub fn parse(text: &str, origin: &str, default_name: &str) -> Result<Scenario, ScenarioErrors> {
    let patch: ScenarioPatch =
        toml::from_str(text).map_err(|e| from_toml_error(&e, text, origin))?;
    let mut scenario = Scenario::default();
    scenario.apply(patch);
    if scenario.name.is_empty() {
        scenario.name = default_name.to_string();
    }
    check(&scenario, Some(text), origin)?;
    Ok(scenario)
}

/// Validates a resolved scenario; `text`, when given, is the file the values came from (for line numbers).
pub fn check(scenario: &Scenario, text: Option<&str>, origin: &str) -> Result<(), ScenarioErrors> {
    let violations = validate::validate(scenario);
    if violations.is_empty() {
        return Ok(());
    }
    let doc = text.and_then(|t| DeTable::parse(t).ok());
    let errors = violations
        .into_iter()
        .map(|v| {
            let path: Vec<&str> = v.key.split('.').collect();
            let location = match (text, &doc) {
                (Some(t), Some(d)) => span_of_path(d.get_ref(), &path).map(|s| Box::new(Location::from_span(t, s))),
                _ => None,
            };
            let set_in_file = location.is_some();
            ScenarioError {
                kind: ScenarioErrorKind::Invalid,
                origin: origin.to_string(),
                key: Some(v.key),
                message: format!("expected {}, found {}", v.expected, v.found),
                help: v.help.or_else(|| (!set_in_file && text.is_some())
                    .then(|| "this value is the default; set it (or the values it depends on) in the scenario".to_string())),
                location,
            }
        })
        .collect();
    Err(ScenarioErrors(errors))
}

/// Every parameter with its default, unit, meaning and source, in declaration order.
pub fn parameter_docs() -> Vec<ParamDoc> {
    let mut out = Vec::new();
    Scenario::default().describe_into("", "", "", "", &mut out);
    out
}

/// Sets one parameter by its dotted key (`policy.credit_guarantee.coverage`) from a TOML literal
/// (`0.5`, `"u"`, `[\"hours\", \"pay\"]`); a bare word is taken as a string. Does not validate the
/// whole scenario; call `check` after the last override.
pub fn apply_override(
    scenario: &mut Scenario,
    key: &str,
    value: &str,
    origin: &str,
) -> Result<(), ScenarioError> {
    let err = |kind, message: String, help: Option<String>| ScenarioError {
        kind,
        origin: origin.to_string(),
        key: Some(key.to_string()),
        message,
        help,
        location: None,
    };
    let docs = parameter_docs();
    if !docs.iter().any(|d| d.key == key) {
        let keys: Vec<&str> = docs.iter().map(|d| d.key.as_str()).collect();
        return Err(err(
            ScenarioErrorKind::UnknownKey,
            "no such scenario parameter".to_string(),
            Some(unknown_parameter_help(key, &keys)),
        ));
    }
    let literal: toml::Value = match toml::from_str::<toml::Table>(&format!("v = {value}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or(toml::Value::String(value.to_string())),
        Err(_) => toml::Value::String(value.to_string()),
    };
    let mut nested = literal;
    for part in key.split('.').rev() {
        let mut t = toml::Table::new();
        t.insert(part.to_string(), nested);
        nested = toml::Value::Table(t);
    }
    let patch: ScenarioPatch = nested
        .try_into()
        .map_err(|e: toml::de::Error| err(ScenarioErrorKind::Type, humanize(e.message()), None))?;
    scenario.apply(patch);
    Ok(())
}

/// Turns a toml/serde error into one that names the key and the place.
fn from_toml_error(e: &toml::de::Error, text: &str, origin: &str) -> ScenarioErrors {
    let message = e.message().trim().to_string();
    let location = e.span().map(|s| Box::new(Location::from_span(text, s)));
    let doc = DeTable::parse(text).ok();
    let (kind, key) = match &doc {
        None => (
            ScenarioErrorKind::Syntax,
            location.as_ref().and_then(|l| key_on_line(text, l.line)),
        ),
        Some(d) => {
            let path = e
                .span()
                .map(|s| path_at(d.get_ref(), s.start))
                .unwrap_or_default();
            let kind = if message.starts_with("unknown field") {
                ScenarioErrorKind::UnknownKey
            } else {
                ScenarioErrorKind::Type
            };
            (kind, (!path.is_empty()).then(|| path.join(".")))
        }
    };
    let help = match kind {
        ScenarioErrorKind::UnknownKey => unknown_key_help(&message),
        // What the key takes, when the broken value belongs to a parameter.
        ScenarioErrorKind::Syntax if !message.starts_with("duplicate key") => {
            key.as_deref().and_then(|k| {
                parameter_docs()
                    .into_iter()
                    .find(|d| d.key == k)
                    .map(|d| format!("`{k}` ({}): {} Default `{}`.", d.unit, d.doc, d.default))
            })
        }
        _ => None,
    };
    let message = match kind {
        ScenarioErrorKind::UnknownKey => {
            let plain = message
                .split(',')
                .next()
                .unwrap_or(&message)
                .replace("field", "key");
            // A table named after a kind or a sector: say which of the two it is.
            match key
                .as_deref()
                .map(|k| k.split('.').collect::<Vec<_>>())
                .as_deref()
            {
                Some(["kinds", _]) | Some(["population", "kind_mix", _]) => {
                    plain.replace("unknown key", "unknown firm kind")
                }
                Some(["sectors", _]) | Some(["kinds", _, "sector_mix", _]) => {
                    plain.replace("unknown key", "unknown sector")
                }
                _ => plain,
            }
        }
        // toml's "expected nothing" means nothing may follow what it read.
        ScenarioErrorKind::Syntax => format!(
            "TOML syntax error: {}",
            message.replace(", expected nothing", "")
        ),
        _ => humanize(&message),
    };
    ScenarioError {
        kind,
        origin: origin.to_string(),
        key,
        message,
        help,
        location,
    }
    .into()
}

/// The dotted key set on line `line` (1-based) of a file that does not parse, from the line's
/// `key =` and the table header above it; `None` when the line sets no key (a header, or the
/// middle of a value that spans lines).
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let bare = |s: &str| {
        let parts: Vec<&str> = s.split('.').map(str::trim).collect();
        parts
            .iter()
            .all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            })
            .then(|| parts.join("."))
    };
    let mut table = None;
    for l in text.lines().take(line.saturating_sub(1)) {
        let l = l.trim();
        let inner = l.strip_prefix("[[").or_else(|| l.strip_prefix('['));
        if let Some(name) = inner.and_then(|i| i.split(']').next()) {
            table = bare(name);
        }
    }
    let (name, _) = text.lines().nth(line.checked_sub(1)?)?.split_once('=')?;
    let name = bare(name)?;
    Some(match table {
        Some(t) => format!("{t}.{name}"),
        None => name,
    })
}

/// What to say about a dotted key that names no parameter: the key it is a likely typo of; else
/// the keys that carry its name (`fund.levy_share` is set per kind); else where to look.
fn unknown_parameter_help(key: &str, keys: &[&str]) -> String {
    if let Some(k) = error::nearest(key, keys.iter().copied()) {
        return format!("did you mean `{k}`?");
    }
    let leaf = key.rsplit('.').next().unwrap_or(key);
    keys_named_like(leaf, keys).unwrap_or_else(|| "`coopsim params` lists every key".to_string())
}

/// The parameters whose last part contains `name` (`levy_share` is in
/// `kinds.<kind>.fund_levy_share`), the first few by key, for a name put in the wrong place.
fn keys_named_like(name: &str, keys: &[&str]) -> Option<String> {
    const SHOWN: usize = 5;
    if name.len() < 3 {
        return None;
    }
    let similar: Vec<String> = keys
        .iter()
        .filter(|k| k.rsplit('.').next().is_some_and(|l| l.contains(name)))
        .map(|k| format!("`{k}`"))
        .collect();
    let more = match similar.len() {
        0 => return None,
        n if n > SHOWN => format!(" and {} more (`coopsim params {name}`)", n - SHOWN),
        _ => String::new(),
    };
    let shown = similar[..similar.len().min(SHOWN)].join(", ");
    Some(format!("keys with `{name}` in their name: {shown}{more}"))
}

/// "unknown field `x`, expected one of `a`, `b`" -> a nearest-key hint; or the valid keys there,
/// and any parameter elsewhere that carries the name.
fn unknown_key_help(message: &str) -> Option<String> {
    let mut ticks = message.split('`').skip(1).step_by(2);
    let unknown = ticks.next()?;
    let expected: Vec<&str> = ticks.collect();
    if expected.is_empty() {
        return None;
    }
    if let Some(k) = error::nearest(unknown, expected.iter().copied()) {
        return Some(format!("did you mean `{k}`?"));
    }
    let here = format!("valid keys here: {}", expected.join(", "));
    let docs = parameter_docs();
    let keys: Vec<&str> = docs.iter().map(|d| d.key.as_str()).collect();
    Some(match keys_named_like(unknown, &keys) {
        Some(elsewhere) => format!("{here}; {elsewhere}"),
        None => here,
    })
}

/// Rewrites serde's type vocabulary ("expected u32") in words a scenario author uses.
pub(crate) fn humanize(message: &str) -> String {
    let words = [
        ("expected f64", "expected a number"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        (
            "expected u64",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected text in quotes"),
    ];
    let mut m = message.trim().to_string();
    for (from, to) in words {
        m = m.replace(from, to);
    }
    m
}

/// The dotted path of the key whose key or value span contains `offset`. A table's span covers
/// only its header, so every table is searched.
fn path_at(table: &DeTable<'_>, offset: usize) -> Vec<String> {
    for (k, v) in table.iter() {
        if k.span().contains(&offset) || v.span().contains(&offset) {
            return vec![k.get_ref().to_string()];
        }
        if let DeValue::Table(t) = v.get_ref() {
            let inner = path_at(t, offset);
            if !inner.is_empty() {
                let mut path = vec![k.get_ref().to_string()];
                path.extend(inner);
                return path;
            }
        }
    }
    Vec::new()
}

/// The span of the value at `path`, or of the deepest key on the path the file does set. A last
/// segment `name[i]` is the i-th (from 0) element of the array `name` (`sweep.vary[1]`).
fn span_of_path(table: &DeTable<'_>, path: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let (name, index) = match first.strip_suffix(']').and_then(|f| f.split_once('[')) {
        Some((name, i)) => (name, i.parse::<usize>().ok()),
        None => (*first, None),
    };
    let (k, v) = table.iter().find(|(k, _)| k.get_ref() == name)?;
    if rest.is_empty() {
        let element = match (index, v.get_ref()) {
            (Some(i), DeValue::Array(a)) => a.get(i).map(|e| e.span()),
            _ => None,
        };
        let s = element.unwrap_or_else(|| v.span());
        return Some(if s.is_empty() { k.span() } else { s });
    }
    match v.get_ref() {
        DeValue::Table(t) => span_of_path(t, rest).or_else(|| Some(k.span())),
        _ => Some(k.span()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_the_defaults_with_the_file_name() {
        let s = parse("", "x.toml", "x").unwrap();
        assert_eq!(s.name, "x");
        assert_eq!(s.kinds, Scenario::default().kinds);
    }

    #[test]
    fn a_kind_block_only_states_what_differs() {
        let s = parse("[kinds.worker_coop]\nhours_floor = 0.6\n", "x.toml", "x").unwrap();
        assert_eq!(s.kinds.worker_coop.hours_floor, 0.6);
        // The rest of the block keeps the worker co-op's own defaults, not another kind's.
        assert_eq!(
            s.kinds.worker_coop.pay_floor,
            KindParams::worker_coop().pay_floor
        );
        assert_eq!(s.kinds.conventional, KindParams::conventional());
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let err = parse(
            "months = 60\n[kinds.worker_coop]\nhours_flor = 0.6\n",
            "s.toml",
            "s",
        )
        .unwrap_err();
        let e = &err.0[0];
        assert_eq!(e.kind, ScenarioErrorKind::UnknownKey);
        assert_eq!(e.location.as_ref().unwrap().line, 3);
        assert_eq!(e.key.as_deref(), Some("kinds.worker_coop.hours_flor"));
        assert!(e.help.as_deref().unwrap().contains("hours_floor"), "{e}");
    }

    #[test]
    fn shares_not_summing_to_one_are_rejected_with_the_key() {
        let text = "[population.kind_mix]\nconventional = 0.5\nworker_coop = 0.1\n";
        let err = parse(text, "s.toml", "s").unwrap_err();
        let e = err
            .0
            .iter()
            .find(|e| e.key.as_deref() == Some("population.kind_mix"))
            .expect("kind_mix error");
        assert!(e.message.contains("sum to 1"), "{e}");
        assert_eq!(e.location.as_ref().unwrap().line, 1);
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = parse("[bank]\nmax_leverage = \"high\"\n", "s.toml", "s").unwrap_err();
        let e = &err.0[0];
        assert_eq!(e.kind, ScenarioErrorKind::Type);
        assert_eq!(e.key.as_deref(), Some("bank.max_leverage"));
        assert!(e.message.contains("expected a number"), "{e}");
    }

    #[test]
    fn override_by_dotted_key() {
        let mut s = Scenario::default();
        apply_override(&mut s, "policy.credit_guarantee.coverage", "0.5", "--vary").unwrap();
        assert_eq!(s.policy.credit_guarantee.coverage, 0.5);
        apply_override(&mut s, "crisis.shape", "v", "--vary").unwrap();
        assert_eq!(s.crisis.shape, RecoveryShape::V);
        let e =
            apply_override(&mut s, "policy.credit_guarante.coverage", "0.5", "--vary").unwrap_err();
        assert!(e.help.unwrap().contains("policy.credit_guarantee.coverage"));
        let e = apply_override(&mut s, "months", "many", "--vary").unwrap_err();
        assert_eq!(e.kind, ScenarioErrorKind::Type);
    }

    #[test]
    fn an_unknown_key_points_to_the_keys_that_carry_its_name() {
        let help = |key: &str| {
            apply_override(&mut Scenario::default(), key, "0.1", "--set")
                .unwrap_err()
                .help
                .unwrap()
        };
        // Set per kind, not on the fund: all five kinds' keys are named.
        let h = help("fund.levy_share");
        assert!(
            h.starts_with("keys with `levy_share` in their name: "),
            "{h}"
        );
        for kind in Kind::ALL {
            assert!(
                h.contains(&format!("`kinds.{}.fund_levy_share`", kind.name())),
                "{h}"
            );
        }
        assert_eq!(
            help("guarantee.coverage"),
            "keys with `coverage` in their name: `policy.credit_guarantee.coverage`"
        );
        // A name in more keys than are worth listing ends with how to see them all.
        let h = help("x.share");
        assert!(h.contains("more (`coopsim params share`)"), "{h}");
        // Nothing alike: where the keys are listed.
        assert_eq!(help("zzz.qqq"), "`coopsim params` lists every key");
        // In a file, after the keys valid where it stands.
        let e = parse("[fund]\nlevy_share = 0.1\n", "f.toml", "f").unwrap_err();
        let h = e.0[0].help.as_deref().unwrap();
        assert!(
            h.starts_with("valid keys here: initial_balance_per_member,"),
            "{h}"
        );
        assert!(
            h.contains(
                "; keys with `levy_share` in their name: `kinds.conventional.fund_levy_share`"
            ),
            "{h}"
        );
    }

    #[test]
    fn every_parameter_is_documented_with_unit_and_source() {
        for d in parameter_docs() {
            assert!(
                !d.doc.is_empty() && !d.unit.is_empty() && !d.source.is_empty(),
                "{}",
                d.key
            );
        }
    }

    #[test]
    fn a_per_sector_or_per_kind_number_says_what_it_is_a_number_of() {
        let docs = parameter_docs();
        let find = |key: &str| docs.iter().find(|d| d.key == key).expect(key);
        let depth = find("crisis.depth.manufacturing");
        assert_eq!(
            (depth.doc.as_str(), depth.unit, depth.source),
            (
                "Fall in each sector's demand at full depth: manufacturing.",
                "share of demand",
                "ONS output by industry 2008-09"
            )
        );
        let mix = find("population.kind_mix.worker_coop");
        assert!(
            mix.doc.starts_with("Share of each kind among"),
            "{}",
            mix.doc
        );
        assert!(mix.doc.ends_with(": worker co-operatives."), "{}", mix.doc);
        // Doc comments of several lines read as one sentence.
        for d in &docs {
            assert!(!d.doc.contains("  "), "{}: {}", d.key, d.doc);
        }
    }

    #[test]
    fn the_key_of_a_line_that_does_not_parse_comes_with_its_table() {
        let text = "months = 6x\n[kinds.worker_coop]\nhours_floor = .5\n[[x]]\na.b = 1\n\
                    [sweep]\nvary = [\n  \"k=1\" \"j\",\n]\n";
        let at = |line| key_on_line(text, line);
        assert_eq!(at(1).as_deref(), Some("months"));
        assert_eq!(at(2), None, "a header sets no key");
        assert_eq!(at(3).as_deref(), Some("kinds.worker_coop.hours_floor"));
        assert_eq!(at(5).as_deref(), Some("x.a.b"));
        assert_eq!(at(8), None, "the middle of an array");
    }
}
