//! Typed attribute values: an evaluated value read as a string, a bool, a
//! positive duration, a Region (remembered for the known-Region check) or a
//! model newtype through its validating `parse`, each with a message that
//! names the attribute and what to write instead. Lifecycle arguments
//! (`prevent_destroy`, `allow_overwrite`, `prune`) are read here too, as
//! literal `true` / `false` only.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use hcl::edit::expr::Expression;
use hcl::edit::structure::Attribute;
use hcl::Value;

use super::{value_span, Loader, Scope};
use crate::config::functions;
use crate::model::{InvalidValue, Region};
use crate::shown::quoted;

impl Loader {
    /// The string attribute `name` parsed by `parse`, with the span of its
    /// value; `None` when absent or null, or after reporting why it is not
    /// a string or not valid.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn parsed<T>(
        &mut self,
        fi: usize,
        attrs: &HashMap<&str, &Attribute>,
        name: &str,
        scope: &Scope<'_>,
        ctx: &str,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Option<(T, Option<Range<usize>>)> {
        let got = self.eval_attr(fi, attrs.get(name), scope);
        let (s, span) = self.string(fi, name, got, ctx)?;
        match parse(&s) {
            Ok(v) => Some((v, span)),
            Err(e) => {
                self.invalid(fi, span, &format!("{ctx}{name}"), e);
                None
            }
        }
    }

    pub(super) fn string(
        &mut self,
        fi: usize,
        name: &str,
        got: Option<(Value, Option<Range<usize>>)>,
        ctx: &str,
    ) -> Option<(String, Option<Range<usize>>)> {
        let (v, span) = got?;
        match v {
            Value::String(s) => Some((s, span)),
            Value::Null => None,
            other => {
                self.at_help(
                    fi,
                    span,
                    format!(
                        "{ctx}{name} must be a string, not {}",
                        functions::kind(&other)
                    ),
                    "put the value in quotes",
                );
                None
            }
        }
    }

    pub(super) fn bool(
        &mut self,
        fi: usize,
        name: &str,
        got: Option<(Value, Option<Range<usize>>)>,
        ctx: &str,
    ) -> Option<bool> {
        let (v, span) = got?;
        match v {
            Value::Bool(b) => Some(b),
            Value::Null => None,
            other => {
                self.at_help(
                    fi,
                    span,
                    format!(
                        "{ctx}{name} must be true or false, not {}",
                        functions::kind(&other)
                    ),
                    format!("write {name} = true or {name} = false, without quotes"),
                );
                None
            }
        }
    }

    /// A lifecycle argument (`prevent_destroy`, `allow_overwrite`, `prune`):
    /// a literal `true` or `false` only, as Terraform requires for its
    /// lifecycle arguments, so that no variable, environment value, function
    /// or conditional can switch a safeguard off.
    pub(super) fn lifecycle_bool(
        &mut self,
        fi: usize,
        a: Option<&&Attribute>,
        ctx: &str,
    ) -> Option<bool> {
        let a = a?;
        match &a.value {
            Expression::Bool(b) => Some(*b.value()),
            _ => {
                let name = a.key.as_str();
                self.at_help(
                    fi,
                    value_span(a),
                    format!("{ctx}{name} must be a literal true or false"),
                    format!("write {name} = true or {name} = false: a variable, local, function or conditional could switch this safeguard off, so none is accepted here"),
                );
                None
            }
        }
    }

    pub(super) fn duration(
        &mut self,
        fi: usize,
        name: &str,
        got: Option<(Value, Option<Range<usize>>)>,
        ctx: &str,
    ) -> Option<Duration> {
        let (s, span) = self.string(fi, name, got, ctx)?;
        match humantime::parse_duration(&s) {
            Ok(d) if d > Duration::ZERO => Some(d),
            _ => {
                self.at_help(
                    fi,
                    span,
                    format!("{ctx}{name}: {} is not a duration", quoted(&s)),
                    "write a positive duration such as \"15m\", \"1h\" or \"1h 30m\"",
                );
                None
            }
        }
    }

    pub(super) fn region(
        &mut self,
        fi: usize,
        name: &str,
        got: Option<(Value, Option<Range<usize>>)>,
        ctx: &str,
    ) -> Option<(Region, Option<Range<usize>>)> {
        let (s, span) = self.string(fi, name, got, ctx)?;
        match Region::parse(&s) {
            Ok(r) => {
                self.regions_read
                    .push((fi, span.clone(), r.clone(), format!("{ctx}{name}")));
                Some((r, span))
            }
            Err(e) => {
                match crate::config::regions::closest(&s).as_slice() {
                    [] => self.invalid(fi, span, &format!("{ctx}{name}"), e),
                    close => self.at_help(
                        fi,
                        span,
                        format!("{ctx}{name}: {} is not a valid region", quoted(&s)),
                        format!("did you mean \"{}\"?", close.join("\" or \"")),
                    ),
                }
                None
            }
        }
    }
}
