//! The loader: parses every file with hcl-edit (which keeps spans), checks
//! blocks and attributes against the schema, evaluates variables, locals and
//! `for_each` with hcl-rs's evaluator, converts values into the model's
//! newtypes and runs the cross-replication checks. Every problem becomes a
//! located [`Diagnostic`]; loading goes on after an error so all are reported.
//!
//! The loader reads the configuration and var files and nothing else: it must
//! never touch the network, and never hand out a `Desired` when any
//! diagnostic was recorded.
//!
//! One [`Loader`] value carries the state of a load (the files, the
//! diagnostics so far, the names declared, the Regions read); its methods
//! are split by concern, one `impl Loader` per file:
//!
//! - `mod.rs`: the entry points, the loader state, parsing a file and
//!   [`Loader::run`], which sorts the top-level blocks and reads them in order;
//! - `schema.rs`: which blocks and attributes each block accepts, labels, names;
//! - `inputs.rs`: `variable` blocks, `--var`, var files, environment values;
//! - `eval.rs`: reference checks, expression evaluation, `locals`, `for_each`;
//! - `values.rs`: typed attribute values (string, bool, duration, Region, newtypes);
//! - `blocks.rs`: the `settings`, `replication` / `destination` and `removed` readers;
//! - `accounts.rs`: `account` blocks and `source_account`;
//! - `checks.rs`: checks across blocks (sources, destinations, known Regions);
//! - `report.rs`: diagnostics, spans, suggestions and syntax errors.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use hcl::edit::structure::{Block, Body, Structure};
use hcl::edit::Span;
use hcl::{Map, Value};

use super::diagnostics::{Diagnostic, Diagnostics, SourceFile};
use super::{config_files, LoadOptions};
use crate::model::{Desired, Region, Removed};

mod accounts;
mod blocks;
mod checks;
mod eval;
mod inputs;
mod report;
mod schema;
mod values;

// The helpers the concern files share, named here so that each of them
// reaches them as `super::NAME`.
use checks::Placed;
pub use inputs::ENV_PREFIX;
#[cfg(test)]
use inputs::{convert, from_text, Type};
pub use report::suggest;
pub(crate) use report::{depth_diagnostic, syntax_diagnostic};
use report::{did_you_mean, header_span, value_span};
use schema::{
    is_identifier, DESTINATION_ATTRS, REMOVED_ATTRS, REPLICATION_ATTRS, SETTINGS_ATTRS, TOP_BLOCKS,
    VARIABLE_ATTRS,
};

/// Loads `path` (a file or a directory of `*.hcl` files).
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Desired, Diagnostics> {
    let mut l = Loader::default();
    let paths = match config_files(path) {
        Ok(p) => p,
        Err(e) => {
            l.diags.push(Diagnostic::error(e.to_string()).with_help(
                "give a .hcl file or a directory that contains .hcl files (default: the current directory)",
            ));
            return Err(l.finish());
        }
    };
    let mut bodies = Vec::new();
    for p in &paths {
        match super::limits::read_file(p) {
            Ok(text) => {
                let fi = l.add_file(p.display().to_string(), text);
                if let Some(body) = l.parse(fi) {
                    bodies.push((fi, body));
                }
            }
            Err(e) => l.diags.push(Diagnostic::error(format!(
                "cannot read {}: {e}",
                p.display()
            ))),
        }
    }
    let desired = l.run(&bodies, opts);
    if l.diags.is_empty() {
        Ok(desired)
    } else {
        Err(l.finish())
    }
}

/// Loads configuration text given in memory (used by tests and benchmarks);
/// `name` is the path shown in diagnostics.
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Result<Desired, Diagnostics> {
    let mut l = Loader::default();
    let fi = l.add_file(name.to_owned(), text.to_owned());
    let bodies: Vec<(usize, Body)> = l.parse(fi).map(|b| (fi, b)).into_iter().collect();
    let desired = l.run(&bodies, opts);
    if l.diags.is_empty() {
        Ok(desired)
    } else {
        Err(l.finish())
    }
}

/// What an expression may refer to where it is written.
#[derive(Clone, Copy, Default)]
struct Scope<'s> {
    vars: Option<&'s Map<String, Value>>,
    locals: Option<&'s Map<String, Value>>,
    each: Option<&'s Value>,
    /// Explains why `each` is not available, when it is not.
    in_replication: bool,
}

#[derive(Default)]
struct Loader {
    files: Vec<SourceFile>,
    diags: Vec<Diagnostic>,
    var_names: BTreeSet<String>,
    local_names: BTreeSet<String>,
    /// Evaluations that failed because of a problem reported elsewhere.
    suppressed: usize,
    /// Variables whose given value was refused (already reported).
    refused_vars: BTreeSet<String>,
    /// Regions written in the configuration text (see `Desired::written_regions`).
    written: BTreeSet<Region>,
    /// Every Region name read, where, and as what: checked against the
    /// known Regions once the settings are known.
    regions_read: Vec<(usize, Option<Range<usize>>, Region, String)>,
    /// The valid `account` blocks, once read (`accounts.rs`).
    accounts: Vec<crate::model::Account>,
}

impl Loader {
    fn finish(self) -> Diagnostics {
        Diagnostics::new(self.files, self.diags)
    }

    /// Diagnostics so far, plus failures already explained elsewhere: the
    /// mark to tell whether a step has said why it failed.
    fn problems(&self) -> usize {
        self.diags.len() + self.suppressed
    }

    fn add_file(&mut self, name: String, text: String) -> usize {
        self.files.push(SourceFile {
            name,
            text: Arc::new(text),
        });
        self.files.len() - 1
    }

    fn parse(&mut self, fi: usize) -> Option<Body> {
        let text = self.files[fi].text.clone();
        if let Some(d) = depth_diagnostic(fi, &text) {
            self.diags.push(d);
            return None;
        }
        match hcl::edit::parser::parse_body(&text) {
            Ok(b) => Some(b),
            Err(e) => {
                self.diags.push(syntax_diagnostic(fi, &text, &e));
                None
            }
        }
    }

    fn run(&mut self, bodies: &[(usize, Body)], opts: &LoadOptions) -> Desired {
        let mut replications = Vec::new();
        let mut removed = Vec::new();
        let mut settings: Vec<(usize, &Block)> = Vec::new();
        let mut variables = Vec::new();
        let mut locals = Vec::new();
        let mut accounts = Vec::new();
        for (fi, body) in bodies {
            let fi = *fi;
            for s in body.iter() {
                match s {
                    Structure::Attribute(a) => self.at_help(
                        fi,
                        a.key.span(),
                        format!("attribute \"{}\" is not allowed at the top level", a.key.as_str()),
                        "put values in a locals block, or settings in a settings block",
                    ),
                    Structure::Block(b) => match b.ident.as_str() {
                        "replication" => replications.push((fi, b)),
                        "removed" => removed.push((fi, b)),
                        "settings" => settings.push((fi, b)),
                        "variable" => variables.push((fi, b)),
                        "locals" => locals.push((fi, b)),
                        "account" => accounts.push((fi, b)),
                        "resource" => self.at_help(
                            fi,
                            header_span(b),
                            "resource blocks are not used here",
                            "write replication \"NAME\" { source_file_system_id = ... destination { ... } } instead of resource \"aws_efs_replication_configuration\"",
                        ),
                        other => {
                            let help = did_you_mean(other, TOP_BLOCKS.iter().copied())
                                .unwrap_or_else(|| format!("the top-level blocks are: {}", TOP_BLOCKS.join(", ")));
                            self.at_help(fi, b.ident.span(), format!("unknown block \"{other}\""), help)
                        }
                    },
                }
            }
        }
        let vars = self.variables(&variables, opts);
        let local_values = self.locals(&locals, &vars);
        let scope = Scope {
            vars: Some(&vars),
            locals: Some(&local_values),
            each: None,
            in_replication: false,
        };
        let settings = self.settings(&settings, &scope);
        let accounts = self.accounts(&accounts, &scope);
        let (reps, placed) = self.replications(&replications, &scope, &settings, opts);
        let removed = self.removed(&removed, &scope, &settings, opts);
        if !(settings.skip_region_validation || opts.skip_region_validation) {
            self.check_regions();
        }
        self.cross_checks(&reps, &placed, &removed);
        let mut reps = reps;
        reps.sort_by(|a, b| a.address.cmp(&b.address));
        let mut removed: Vec<Removed> = removed.into_iter().map(|r| r.0).collect();
        removed.sort();
        Desired {
            replications: reps,
            removed,
            settings,
            accounts,
            written_regions: std::mem::take(&mut self.written),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> LoadOptions {
        LoadOptions {
            default_region: Some(Region::parse("us-east-1").unwrap()),
            ..LoadOptions::default()
        }
    }

    fn errors(text: &str) -> Vec<String> {
        match load_str("t.hcl", text, &opts()) {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(|d| d.message.clone()).collect(),
        }
    }

    /// Fails, listing every message, unless one of `e` contains `needle`.
    fn assert_has(e: &[String], needle: &str) {
        assert!(e.iter().any(|m| m.contains(needle)), "{e:?}");
    }

    #[test]
    fn a_basic_replication_loads() {
        let d = load_str(
            "t.hcl",
            r#"
            settings { region = "eu-west-1" }
            replication "home" {
              source_file_system_id = "fs-0123456789abcdef0"
              destination { availability_zone_name = "eu-west-2a" }
            }"#,
            &opts(),
        )
        .unwrap();
        let r = &d.replications[0];
        assert_eq!(r.address.to_string(), "replication.home");
        assert_eq!(r.source_region.as_str(), "eu-west-1");
        assert_eq!(r.destination.region.as_str(), "eu-west-2");
    }

    #[test]
    fn for_each_expands_with_keys() {
        let d = load_str(
            "t.hcl",
            r#"
            variable "dr" { default = "us-west-2" }
            locals { fs = { a = "fs-0000000a", b = "fs-0000000b" } }
            replication "x" {
              for_each = local.fs
              source_file_system_id = each.value
              destination { region = var.dr }
            }"#,
            &opts(),
        )
        .unwrap();
        let addrs: Vec<String> = d
            .replications
            .iter()
            .map(|r| r.address.to_string())
            .collect();
        assert_eq!(addrs, vec!["replication.x[\"a\"]", "replication.x[\"b\"]"]);
        assert_eq!(d.replications[1].source.as_str(), "fs-0000000b");
    }

    #[test]
    fn variables_follow_precedence() {
        let text = r#"
            variable "dr" { default = "us-west-2" }
            replication "x" {
              source_file_system_id = "fs-0000000a"
              destination { region = var.dr }
            }"#;
        let mut o = opts();
        o.env_vars = vec![("EFS_REPLICATOR_VAR_dr".into(), "eu-west-1".into())];
        let d = load_str("t.hcl", text, &o).unwrap();
        assert_eq!(d.replications[0].destination.region.as_str(), "eu-west-1");
        o.vars = vec![("dr".into(), "eu-west-3".into())];
        let d = load_str("t.hcl", text, &o).unwrap();
        assert_eq!(d.replications[0].destination.region.as_str(), "eu-west-3");
    }

    #[test]
    fn reports_every_error_not_only_the_first() {
        let e = errors(
            r#"
            replication "a" {
              sorce_file_system_id = "fs-0000000a"
              destination { region = "nowhere" }
            }
            replication "b" {
              source_file_system_id = "fs-XYZ"
              destination { }
            }"#,
        );
        assert_has(&e, "unknown attribute \"sorce_file_system_id\"");
        assert_has(&e, "not a valid region");
        assert_has(&e, "not a valid file system id");
        assert_has(&e, "region is missing");
    }

    #[test]
    fn cross_checks_find_chains_and_duplicates() {
        let e = errors(
            r#"
            replication "a" {
              source_file_system_id = "fs-0000000a"
              destination {
                region         = "us-west-2"
                file_system_id = "fs-0000000b"
              }
            }
            replication "b" {
              source_file_system_id = "fs-0000000b"
              destination {
                region         = "us-west-2"
                file_system_id = "fs-0000000b"
              }
            }
            removed { source_file_system_id = "fs-0000000a" }"#,
        );
        assert_has(&e, "destination is the source");
        assert_has(&e, "the source of replication.b");
        assert_has(&e, "still declares");
    }

    #[test]
    fn a_problem_shared_by_every_instance_is_reported_once() {
        let e = errors(
            r#"
            replication "x" {
              for_each = ["fs-0000000a", "fs-0000000b", "fs-?"]
              source_file_system_id = each.key
              destination {
                region = "nowhere land"
              }
            }"#,
        );
        assert_eq!(
            e.iter().filter(|m| m.contains("nowhere land")).count(),
            1,
            "{e:?}"
        );
        assert_eq!(e.iter().filter(|m| m.contains("fs-?")).count(), 1, "{e:?}");
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn null_values_count_as_unset() {
        let e = errors(
            r#"
            replication "a" {
              source_file_system_id = null
              destination {
                region = null
              }
            }
            removed {
              source_file_system_id = null
            }"#,
        );
        assert_has(&e, "source_file_system_id is null");
        assert_has(&e, "removed: source_file_system_id is null");
        let e = errors(
            r#"
            replication "a" {
              source_file_system_id = "fs-0000000a"
              source_region = null
              destination {
                region = null
              }
            }"#,
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("region is missing"), "{e:?}");
    }

    #[test]
    fn suggestions_are_close_names_only() {
        assert_eq!(suggest("regoin", ["region", "prune"]), Some("region"));
        assert_eq!(suggest("zzzzzz", ["region", "prune"]), None);
        assert_eq!(suggest("zz", ["dr"]), None);
        assert_eq!(suggest("dx", ["dr"]), Some("dr"));
    }

    #[test]
    fn conversions_follow_types() {
        assert_eq!(from_text("3", &Type::Number).unwrap(), Value::from(3));
        assert!(from_text("x", &Type::Number).is_err());
        assert_eq!(
            from_text("[\"a\"]", &Type::List(Box::new(Type::String))).unwrap(),
            Value::Array(vec!["a".into()])
        );
        assert!(convert(Value::from(true), &Type::Map(Box::new(Type::Any))).is_err());
    }
}
