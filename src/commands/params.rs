//! `coopsim params [FILTER]`: the parameter reference (every key with its default, unit and
//! source), or the keys that contain FILTER.

use super::{Failure, Finished};
use crate::present::params::parameters_matching;

pub fn execute(filter: Option<&str>) -> Result<Finished, Failure> {
    match parameters_matching(filter.unwrap_or("")) {
        Some(table) => {
            say!("{table}");
            Ok(Finished::Success)
        }
        None => Err(Failure::Usage(format!(
            "no parameter key contains `{}`; `coopsim params` lists them all",
            filter.unwrap_or_default()
        ))),
    }
}
