//! The closed vocabularies of the command line (faults, variants,
//! capabilities, profiles, identity providers, audit scenarios), read from
//! the tables the library keeps of them: `--help` lists every value and shell
//! completions offer them, and a new fault or variant needs no change here.

use super::{ProfileChoice, VariantChoice};
use crate::audit::scenario::Scenario;
use crate::faults::Fault;
use crate::scim::quirks::Idp;
use crate::server::variant::{MINIMAL, Variant};
use crate::suite::capability::Capability;
use crate::suite::profile::Profile;
use clap::builder::{PossibleValue, TypedValueParser};
use std::ffi::OsStr;

/// A value parser whose values are known: clap lists them, the library parses them.
#[derive(Clone)]
pub struct Vocabulary<T> {
    values: fn() -> Vec<PossibleValue>,
    parse: fn(&str) -> Result<T, String>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Vocabulary<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidUtf8).with_cmd(cmd))?;
        (self.parse)(text).map_err(|why| {
            let flag = arg.map_or_else(String::new, |a| format!("{a}: "));
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{flag}{why}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.values)().into_iter()))
    }
}

/// `--fault`: names only, as a list; `serve --list-faults` says what each does.
pub fn fault() -> Vocabulary<Fault> {
    Vocabulary {
        values: || Fault::ALL.iter().map(|f| PossibleValue::new(f.name())).collect(),
        parse: |s| s.parse(),
    }
}

/// `--variant`: each variant, and `minimal` for the bundle.
pub fn variant() -> Vocabulary<VariantChoice> {
    Vocabulary {
        values: || {
            Variant::ALL
                .iter()
                .map(|v| PossibleValue::new(v.name()))
                .chain([PossibleValue::new(MINIMAL)])
                .collect()
        },
        parse: |s| {
            if s == MINIMAL {
                Ok(VariantChoice(Variant::MINIMAL.to_vec()))
            } else {
                s.parse().map(|v| VariantChoice(vec![v]))
            }
        },
    }
}

pub fn capability() -> Vocabulary<Capability> {
    Vocabulary {
        values: || Capability::ALL.iter().map(|c| PossibleValue::new(c.name())).collect(),
        parse: Capability::parse,
    }
}

/// `--profile`: each profile, and `all`.
pub fn profile() -> Vocabulary<ProfileChoice> {
    Vocabulary {
        values: || {
            Profile::ALL
                .iter()
                .map(|p| PossibleValue::new(p.name()).help(p.title()))
                .chain([PossibleValue::new("all").help("every profile")])
                .collect()
        },
        parse: |s| Profile::parse(s).map(ProfileChoice),
    }
}

pub fn idp() -> Vocabulary<Idp> {
    Vocabulary {
        values: || Idp::ALL.iter().map(|i| PossibleValue::new(i.name()).help(i.title())).collect(),
        parse: |s| {
            Idp::parse(s).ok_or_else(|| {
                let known: Vec<_> = Idp::ALL.iter().map(|i| i.name()).collect();
                format!("unknown identity provider '{s}'; known: {}", known.join(", "))
            })
        },
    }
}

/// `--scenario`: `rate-limit` and `slow` also take a number of seconds (`slow=10`).
pub fn scenario() -> Vocabulary<Scenario> {
    Vocabulary {
        values: || Scenario::ALL.iter().map(|s| PossibleValue::new(s.name())).collect(),
        parse: Scenario::parse,
    }
}

/// `--like`: the profiles an audit can compare a client with.
pub fn like() -> Vocabulary<Profile> {
    Vocabulary {
        values: || {
            crate::audit::rules::like_profiles()
                .iter()
                .map(|p| PossibleValue::new(p.name()).help(p.title()))
                .collect()
        },
        parse: |s| {
            let known = crate::audit::rules::like_profiles();
            known.iter().copied().find(|p| p.name().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
                let names: Vec<&str> = known.iter().map(|p| p.name()).collect();
                format!("no comparison with '{s}'; --like takes {}", names.join(", "))
            })
        },
    }
}
