//! The machinery behind scenario parameter blocks: each block is declared once (with `params!`)
//! and yields the resolved struct, a patch struct that a scenario file deserialises into (every
//! field optional, unknown keys rejected), and a description used for the parameter reference.
//!
//! A scenario file only states what differs from the defaults; the defaults of one block may differ
//! by context (each firm kind has its own), which is why files are read as patches laid over a
//! resolved default rather than deserialised with `#[serde(default)]`.

use serde::de::DeserializeOwned;

/// A value that a scenario file may replace in whole (leaves) or in part (blocks).
pub trait Patch {
    type Patch: DeserializeOwned;
    fn apply(&mut self, patch: Self::Patch);
}

/// One documented parameter: its dotted key, default, unit, meaning and source.
#[derive(Debug, Clone)]
pub struct ParamDoc {
    pub key: String,
    pub default: String,
    pub unit: &'static str,
    pub doc: String,
    pub source: &'static str,
}

/// Lists the parameters below a value, for the reference table in docs/MODEL.md.
pub trait Describe {
    fn describe_into(
        &self,
        key: &str,
        doc: &str,
        unit: &'static str,
        source: &'static str,
        out: &mut Vec<ParamDoc>,
    );
}

pub(crate) fn join_key(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_string()
    } else {
        format!("{prefix}.{field}")
    }
}

/// The meaning of one item of a `per item` block: the parent's meaning, for that item.
pub(crate) fn item_doc(parent: &str, item: &str) -> String {
    let item = item.trim();
    let mut first = item.chars();
    let item = match first.next() {
        Some(c) => c.to_lowercase().chain(first).collect(),
        None => String::new(),
    };
    format!("{}: {item}", parent.trim().trim_end_matches('.'))
}

/// Declares a parameter block. Each field carries `[unit, source]` before its doc comment.
///
/// A block marked `per item` holds one number per sector or per kind: its fields take their unit
/// and source from the parent field that holds the block, and their meaning is the parent's, for
/// that item ("Fall in each sector's demand at full depth: manufacturing.").
macro_rules! params {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident / $patch:ident {
            $(
                [$unit:literal, $source:literal]
                $(#[doc = $doc:literal])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $crate::scenario::params::params!(@block $(#[$smeta])* $name / $patch {
            $( $(#[doc = $doc])* $field: $ty, )*
        });

        impl $crate::scenario::params::Describe for $name {
            fn describe_into(&self, key: &str, _doc: &str, _unit: &'static str, _source: &'static str,
                             out: &mut Vec<$crate::scenario::params::ParamDoc>) {
                $( $crate::scenario::params::Describe::describe_into(
                    &self.$field,
                    &$crate::scenario::params::join_key(key, stringify!($field)),
                    concat!($($doc, " "),*),
                    $unit,
                    $source,
                    out,
                ); )*
            }
        }
    };
    (
        $(#[$smeta:meta])*
        pub struct $name:ident / $patch:ident per item {
            $(
                $(#[doc = $doc:literal])*
                pub $field:ident : $ty:ty,
            )*
        }
    ) => {
        $crate::scenario::params::params!(@block $(#[$smeta])* $name / $patch {
            $( $(#[doc = $doc])* $field: $ty, )*
        });

        impl $crate::scenario::params::Describe for $name {
            fn describe_into(&self, key: &str, doc: &str, unit: &'static str, source: &'static str,
                             out: &mut Vec<$crate::scenario::params::ParamDoc>) {
                $( $crate::scenario::params::Describe::describe_into(
                    &self.$field,
                    &$crate::scenario::params::join_key(key, stringify!($field)),
                    &$crate::scenario::params::item_doc(doc, concat!($($doc, " "),*)),
                    unit,
                    source,
                    out,
                ); )*
            }
        }
    };
    (
        @block $(#[$smeta:meta])* $name:ident / $patch:ident {
            $( $(#[doc = $doc:literal])* $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$smeta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[doc = concat!("A scenario file's partial `", stringify!($name), "`.")]
        pub struct $patch {
            $( #[serde(default)] pub $field: Option<<$ty as $crate::scenario::params::Patch>::Patch>, )*
        }

        impl $crate::scenario::params::Patch for $name {
            type Patch = $patch;
            fn apply(&mut self, patch: $patch) {
                $( if let Some(value) = patch.$field {
                    $crate::scenario::params::Patch::apply(&mut self.$field, value);
                } )*
            }
        }
    };
}
pub(crate) use params;

/// Leaves (numbers, text, enums, lists): a file replaces them whole.
macro_rules! leaf_enum {
    ($($ty:ty),*) => {$(
        impl $crate::scenario::params::Patch for $ty {
            type Patch = $ty;
            fn apply(&mut self, patch: $ty) { *self = patch; }
        }
        impl $crate::scenario::params::Describe for $ty {
            fn describe_into(&self, key: &str, doc: &str, unit: &'static str, source: &'static str,
                             out: &mut Vec<$crate::scenario::params::ParamDoc>) {
                out.push($crate::scenario::params::ParamDoc {
                    key: key.to_string(),
                    default: toml::Value::try_from(self).map(|v| v.to_string()).unwrap_or_default(),
                    unit,
                    // A doc comment of several lines arrives joined with its line breaks' spaces.
                    doc: doc.split_whitespace().collect::<Vec<_>>().join(" "),
                    source,
                });
            }
        }
    )*};
}
pub(crate) use leaf_enum;

leaf_enum!(f64, u32, u64, bool, String);
