//! The loader: parses every file with hcl-edit (which keeps spans), checks
//! blocks and attributes against the schema, evaluates variables, locals and
//! `for_each` with hcl-rs's evaluator, converts values into the model's
//! newtypes and runs the cross-replication checks. Every problem becomes a
//! located [`Diagnostic`]; loading goes on after an error so all are reported.
//!
//! The loader reads the configuration and var files and nothing else: it must
//! never touch the network, and never hand out a `Desired` when any
//! diagnostic was recorded.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::edit::Span;
use hcl::{Map, Value};

use super::diagnostics::{Diagnostic, Diagnostics, SourceFile};
use super::{config_files, LoadOptions};
use crate::model::{
    Address, AvailabilityZone, Desired, DesiredDestination, DesiredReplication, FileSystemRef,
    InstanceKey, KmsKeyRef, Region, Removed, RoleArn, Settings, AVAILABILITY_ZONES,
};

mod accounts;
mod checks;
mod eval;
mod inputs;
mod report;
mod schema;
mod values;

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

    fn settings(&mut self, blocks: &[(usize, &Block)], scope: &Scope<'_>) -> Settings {
        let mut out = Settings::default();
        let Some((fi, b)) = blocks.first() else {
            return out;
        };
        for (ofi, other) in &blocks[1..] {
            let help = format!(
                "the first settings block is at {}; merge them",
                self.where_is(*fi, &header_span(b))
            );
            self.at_help(
                *ofi,
                header_span(other),
                "only one settings block is allowed",
                help,
            );
        }
        let fi = *fi;
        self.labels(fi, b, 0, "settings { region = \"us-east-1\" }");
        let (attrs, _) = self.fields(fi, &b.body, "settings", SETTINGS_ATTRS, &[]);
        let got = self.eval_attr(fi, attrs.get("region"), scope);
        out.region = self.region(fi, "region", got, "settings: ").map(|r| r.0);
        self.written.extend(out.region.clone());
        out.prune = self
            .lifecycle_bool(fi, attrs.get("prune"), "settings: ")
            .unwrap_or(false);
        let got = self.eval_attr(fi, attrs.get("max_replication_lag"), scope);
        out.max_replication_lag = self.duration(fi, "max_replication_lag", got, "settings: ");
        let got = self.eval_attr(fi, attrs.get("skip_region_validation"), scope);
        out.skip_region_validation = self
            .bool(fi, "skip_region_validation", got, "settings: ")
            .unwrap_or(false);
        out
    }

    /// Resolves the Region of a source: ARN, `source_region`, settings, default.
    #[allow(clippy::too_many_arguments)]
    fn source_region(
        &mut self,
        fi: usize,
        ctx: &str,
        source: &FileSystemRef,
        source_span: Option<Range<usize>>,
        source_region: Option<(Region, Option<Range<usize>>)>,
        region_failed: bool,
        settings: &Settings,
        opts: &LoadOptions,
    ) -> Option<Region> {
        if let Some(arn) = &source.arn {
            self.regions_read.push((
                fi,
                source_span.clone(),
                arn.region.clone(),
                format!("{ctx}source_file_system_id (the Region of its ARN)"),
            ));
            if let Some((r, span)) = &source_region {
                if *r != arn.region {
                    self.at_help(
                        fi,
                        span.clone(),
                        format!("{ctx}source_region {r} does not match the Region in the source ARN ({})", arn.region),
                        "remove source_region: the ARN already names the Region",
                    );
                }
            }
            self.written.insert(arn.region.clone());
            return Some(arn.region.clone());
        }
        if let Some((r, _)) = source_region {
            self.written.insert(r.clone());
            return Some(r);
        }
        if let Some(r) = settings
            .region
            .clone()
            .or_else(|| opts.default_region.clone())
        {
            return Some(r);
        }
        if region_failed {
            // source_region is there but invalid: already reported.
            return None;
        }
        self.at_help(
            fi,
            source_span,
            format!("{ctx}cannot tell which Region {} is in", source.id),
            "add source_region = \"REGION\" here, region = \"REGION\" in a settings block, pass --region, or set a region in the AWS config",
        );
        None
    }

    #[allow(clippy::type_complexity)]
    fn replications(
        &mut self,
        blocks: &[(usize, &Block)],
        scope: &Scope<'_>,
        settings: &Settings,
        opts: &LoadOptions,
    ) -> (Vec<DesiredReplication>, Vec<Placed>) {
        let mut out = Vec::new();
        let mut placed = Vec::new();
        let mut names: HashMap<String, (usize, Option<Range<usize>>)> = HashMap::new();
        for (fi, b) in blocks {
            let fi = *fi;
            let block_start = self.problems();
            let labels = self.labels(fi, b, 1, "replication \"NAME\" { ... }");
            let (attrs, nested) = self.fields(
                fi,
                &b.body,
                "replication",
                REPLICATION_ATTRS,
                &["destination"],
            );
            let Some(labels) = labels else { continue };
            let name = labels[0].to_owned();
            if !is_identifier(&name) {
                self.at_help(
                    fi,
                    header_span(b),
                    format!("invalid replication name {name:?}"),
                    "a name starts with a letter or _ and holds letters, digits, _ and -",
                );
                continue;
            }
            if let Some((ffi, fspan)) = names.get(&name) {
                let help = format!(
                    "replication.{name} is first declared at {}; give each block its own name",
                    self.where_is(*ffi, fspan)
                );
                self.at_help(
                    fi,
                    header_span(b),
                    format!("duplicate address replication.{name}"),
                    help,
                );
                continue;
            }
            names.insert(name.clone(), (fi, header_span(b)));
            let dest = match nested.as_slice() {
                // `destination = {...}` was already reported.
                [] if b.body.has_attribute("destination") => None,
                [] => {
                    self.at_help(
                        fi,
                        header_span(b),
                        format!("replication.{name} has no destination block"),
                        "add destination { region = \"REGION\" }",
                    );
                    None
                }
                [d, rest @ ..] => {
                    for extra in rest {
                        self.at_help(
                            fi,
                            header_span(extra),
                            "only one destination block is allowed",
                            "EFS replicates a file system to exactly one destination",
                        );
                    }
                    self.labels(fi, d, 0, "destination { ... }");
                    let (dattrs, _) =
                        self.fields(fi, &d.body, "destination", DESTINATION_ATTRS, &[]);
                    Some((*d, dattrs))
                }
            };
            if !attrs.contains_key("source_file_system_id") {
                self.at_help(
                    fi,
                    header_span(b),
                    format!("replication.{name} is missing source_file_system_id"),
                    "add source_file_system_id = \"fs-...\" (an id or a file system ARN)",
                );
            }
            // Instances: one, or one per for_each element.
            let instances: Vec<(Option<InstanceKey>, Option<Value>)> = match attrs.get("for_each") {
                None => vec![(None, None)],
                Some(a) => match self.eval(fi, &a.value, scope) {
                    None => continue,
                    Some(v) => match self.for_each(fi, value_span(a), v) {
                        Some(list) if list.len() > super::limits::MAX_INSTANCES => {
                            self.at_help(
                                fi,
                                value_span(a),
                                format!(
                                    "for_each makes {} instances; at most {} are allowed per block",
                                    list.len(),
                                    super::limits::MAX_INSTANCES
                                ),
                                "split the collection over several replication blocks",
                            );
                            continue;
                        }
                        Some(list) => list.into_iter().map(|(k, v)| (Some(k), Some(v))).collect(),
                        None => continue,
                    },
                },
            };
            // The same problem in every instance is reported once.
            let mut seen: BTreeSet<(Option<usize>, Option<(usize, usize)>, String)> =
                BTreeSet::new();
            for (key, each) in instances {
                let mark = self.diags.len();
                let address = Address {
                    name: name.clone(),
                    key: key.clone(),
                };
                let each_value = each.map(|v| {
                    let key_value = match &key {
                        Some(InstanceKey::Str(s)) => Value::from(s.as_str()),
                        Some(InstanceKey::Int(i)) => Value::from(*i),
                        None => Value::Null,
                    };
                    let mut m = Map::new();
                    m.insert("key".to_owned(), key_value);
                    m.insert("value".to_owned(), v);
                    Value::Object(m)
                });
                let iscope = Scope {
                    each: each_value.as_ref(),
                    in_replication: true,
                    ..*scope
                };
                let ctx = if key.is_some() {
                    format!("{address}: ")
                } else {
                    String::new()
                };
                if let Some((r, p)) = self.instance(
                    fi,
                    &attrs,
                    dest.as_ref(),
                    &iscope,
                    &ctx,
                    address,
                    settings,
                    opts,
                ) {
                    out.push(r);
                    placed.push(p);
                } else if self.problems() == block_start {
                    // Every failing path reports why; this keeps a silent drop impossible.
                    self.at(
                        fi,
                        header_span(b),
                        format!("{ctx}replication.{name} is incomplete"),
                    );
                }
                let fresh: Vec<Diagnostic> = self.diags.drain(mark..).collect();
                for d in fresh {
                    let general = d
                        .message
                        .strip_prefix(&ctx)
                        .unwrap_or(&d.message)
                        .to_owned();
                    if seen.insert((d.file, d.span.as_ref().map(|r| (r.start, r.end)), general)) {
                        self.diags.push(d);
                    }
                }
            }
        }
        (out, placed)
    }

    #[allow(clippy::too_many_arguments)]
    fn instance(
        &mut self,
        fi: usize,
        attrs: &HashMap<&str, &Attribute>,
        dest: Option<&(&Block, HashMap<&str, &Attribute>)>,
        scope: &Scope<'_>,
        ctx: &str,
        address: Address,
        settings: &Settings,
        opts: &LoadOptions,
    ) -> Option<(DesiredReplication, Placed)> {
        let before = self.problems();
        let source = self.parsed(
            fi,
            attrs,
            "source_file_system_id",
            scope,
            ctx,
            FileSystemRef::parse,
        );
        if source.is_none() && self.problems() == before {
            if let Some(a) = attrs.get("source_file_system_id") {
                self.at_help(
                    fi,
                    value_span(a),
                    format!("{ctx}source_file_system_id is null"),
                    "source_file_system_id is required: give an id or a file system ARN",
                );
            }
        }
        let rmark = self.problems();
        let got = self.eval_attr(fi, attrs.get("source_region"), scope);
        let source_region_attr = self.region(fi, "source_region", got, ctx);
        let region_failed = self.problems() > rmark;
        let source_region = match &source {
            Some((s, span)) => self.source_region(
                fi,
                ctx,
                s,
                span.clone(),
                source_region_attr,
                region_failed,
                settings,
                opts,
            ),
            None => None,
        };
        let source_account = self.source_account(
            fi,
            attrs.get("source_account"),
            scope,
            ctx,
            source.as_ref().and_then(|s| s.0.arn.as_ref()),
        );
        let prevent_destroy = self
            .lifecycle_bool(fi, attrs.get("prevent_destroy"), ctx)
            .unwrap_or(false);
        let got = self.eval_attr(fi, attrs.get("max_replication_lag"), scope);
        let lag = self.duration(fi, "max_replication_lag", got, ctx);
        let (dest_block, dattrs) = dest?;
        let destination = self.destination(fi, dest_block, dattrs, scope, ctx);
        if self.problems() != before {
            return None;
        }
        let (source, source_span) = source?;
        let (destination, dest_fs_span) = destination?;
        Some((
            DesiredReplication {
                address,
                source_account,
                source: source.id,
                source_region: source_region?,
                destination,
                prevent_destroy,
                max_replication_lag: lag.or(settings.max_replication_lag),
            },
            Placed {
                file: fi,
                source_span,
                dest_fs_span,
            },
        ))
    }

    fn destination(
        &mut self,
        fi: usize,
        block: &Block,
        attrs: &HashMap<&str, &Attribute>,
        scope: &Scope<'_>,
        ctx: &str,
    ) -> Option<(DesiredDestination, Option<Range<usize>>)> {
        let dctx = format!("{ctx}destination.");
        let rmark = self.problems();
        let got = self.eval_attr(fi, attrs.get("region"), scope);
        let region = self.region(fi, "region", got, &dctx);
        let az = self.parsed(
            fi,
            attrs,
            "availability_zone_name",
            scope,
            &dctx,
            AvailabilityZone::parse,
        );
        let region_failed = self.problems() > rmark;
        let kms = self.parsed(fi, attrs, "kms_key_id", scope, &dctx, KmsKeyRef::parse);
        let fs = self.parsed(
            fi,
            attrs,
            "file_system_id",
            scope,
            &dctx,
            FileSystemRef::parse,
        );
        let role = self
            .parsed(fi, attrs, "role_arn", scope, &dctx, RoleArn::parse)
            .map(|(r, _)| r);
        let allow_overwrite = self
            .lifecycle_bool(fi, attrs.get("allow_overwrite"), &dctx)
            .unwrap_or(false);
        if allow_overwrite && !attrs.contains_key("file_system_id") {
            self.at_help(
                fi,
                attrs.get("allow_overwrite").and_then(|a| a.key.span()),
                format!("{dctx}allow_overwrite applies only to an existing destination"),
                "add file_system_id = \"fs-...\" for the destination to overwrite, or remove allow_overwrite",
            );
        }
        if let (Some((_, azspan)), true) = (&az, attrs.contains_key("file_system_id")) {
            self.at_help(
                fi,
                azspan.clone(),
                format!("{dctx}availability_zone_name applies only to a destination the replication creates"),
                "EFS refuses availability_zone_name together with file_system_id: an existing destination keeps its own storage class; remove availability_zone_name",
            );
        }
        if let (Some((_, kspan)), true) = (&kms, attrs.contains_key("file_system_id")) {
            self.at_help(
                fi,
                kspan.clone(),
                format!("{dctx}kms_key_id applies only to a destination the replication creates"),
                "an existing destination (file_system_id) keeps its own key; remove kms_key_id",
            );
        }
        // The Region: as written, else from the AZ, else from a destination ARN.
        let az_region = az.as_ref().map(|(a, span)| (a.region(), a, span.clone()));
        let arn_region = fs
            .as_ref()
            .and_then(|(f, span)| f.arn.as_ref().map(|a| (a.region.clone(), span.clone())));
        if let Some((r, span)) = &arn_region {
            self.regions_read.push((
                fi,
                span.clone(),
                r.clone(),
                format!("{dctx}file_system_id (the Region of its ARN)"),
            ));
        }
        let resolved = match (&region, &az_region) {
            (Some((r, _)), Some((Some(azr), az, span))) => {
                if azr != r {
                    self.at_help(
                        fi,
                        span.clone(),
                        format!("{dctx}availability_zone_name {az} is in {azr}, not in {r}"),
                        format!("use an Availability Zone of {r}, or set region = \"{azr}\""),
                    );
                }
                Some(r.clone())
            }
            (region, Some((None, az, span))) => {
                let known = region.as_ref().map(|(r, _)| r.as_str()).and_then(|r| {
                    AVAILABILITY_ZONES
                        .iter()
                        .find(|(n, _)| *n == r)
                        .map(|(n, letters)| {
                            letters
                                .chars()
                                .map(|c| format!("{n}{c}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                });
                let help = match (known, region) {
                    (Some(list), _) => format!("the Availability Zones of this Region are: {list}"),
                    (None, Some(_)) => {
                        "check the name; One Zone destinations need a known Availability Zone"
                            .to_owned()
                    }
                    (None, None) => "check the name, or add region = \"REGION\"".to_owned(),
                };
                let msg = match region {
                    Some((r, _)) => format!(
                        "{dctx}availability_zone_name {az} is not an Availability Zone of {r}"
                    ),
                    None => format!(
                        "{dctx}availability_zone_name {az} is not a known Availability Zone"
                    ),
                };
                self.at_help(fi, span.clone(), msg, help);
                None
            }
            (Some((r, _)), None) => Some(r.clone()),
            (None, Some((Some(azr), _, _))) => Some(azr.clone()),
            (None, None) => match &arn_region {
                Some((r, _)) => Some(r.clone()),
                // Written but invalid: already reported.
                None if region_failed => None,
                None => {
                    self.at_help(
                        fi,
                        header_span(block),
                        format!("{dctx}region is missing: give region or availability_zone_name"),
                        "add region = \"REGION\" (or availability_zone_name = \"us-east-1a\" for a One Zone destination)",
                    );
                    None
                }
            },
        };
        if let (Some(r), Some((ar, span))) = (&resolved, &arn_region) {
            if r != ar {
                self.at_help(
                    fi,
                    span.clone(),
                    format!(
                        "{dctx}file_system_id is an ARN in {ar}, but the destination Region is {r}"
                    ),
                    "make the Region and the ARN agree",
                );
            }
        }
        // KMS keys are Regional: EFS cannot encrypt a new destination with
        // a key of another Region, and a replacement would fail after its delete.
        if let (Some(r), Some((k, kspan))) = (&resolved, &kms) {
            if let Some(kr) = k.region().filter(|kr| *kr != r.as_str()) {
                self.at_help(
                    fi,
                    kspan.clone(),
                    format!("{dctx}kms_key_id is a key of {kr}, but the destination is in {r}"),
                    format!("KMS keys are Regional: name a key (or alias) of {r}"),
                );
            }
        }
        self.written.extend(resolved.clone());
        Some((
            DesiredDestination {
                region: resolved?,
                availability_zone: az.map(|a| a.0),
                kms_key: kms.map(|k| k.0),
                file_system: fs.as_ref().map(|f| f.0.clone()),
                role_arn: role,
                allow_overwrite,
            },
            fs.and_then(|f| f.1),
        ))
    }

    #[allow(clippy::type_complexity)]
    fn removed(
        &mut self,
        blocks: &[(usize, &Block)],
        scope: &Scope<'_>,
        settings: &Settings,
        opts: &LoadOptions,
    ) -> Vec<(Removed, usize, Option<Range<usize>>)> {
        let mut out = Vec::new();
        for (fi, b) in blocks {
            let fi = *fi;
            let labels = self.labels(fi, b, 0, "removed { source_file_system_id = \"fs-...\" }");
            let (attrs, _) = self.fields(fi, &b.body, "removed", REMOVED_ATTRS, &[]);
            if labels.is_none() {
                continue;
            }
            if !attrs.contains_key("source_file_system_id") {
                self.at_help(fi, header_span(b), "removed block is missing source_file_system_id", "add source_file_system_id = \"fs-...\": the source of the replication to delete");
                continue;
            }
            let before = self.problems();
            let source = self.parsed(
                fi,
                &attrs,
                "source_file_system_id",
                scope,
                "removed: ",
                FileSystemRef::parse,
            );
            let rmark = self.problems();
            let got = self.eval_attr(fi, attrs.get("source_region"), scope);
            let region_attr = self.region(fi, "source_region", got, "removed: ");
            let region_failed = self.problems() > rmark;
            let pinned = self
                .parsed(
                    fi,
                    &attrs,
                    "destination_file_system_id",
                    scope,
                    "removed: ",
                    FileSystemRef::parse,
                )
                .map(|(f, _)| f.id);
            let Some((source, span)) = source else {
                if rmark == before {
                    let span = attrs
                        .get("source_file_system_id")
                        .and_then(|a| value_span(a));
                    self.at(fi, span, "removed: source_file_system_id is null");
                }
                continue;
            };
            if settings.prune && source.arn.is_none() && region_attr.is_none() && !region_failed {
                // Its Region would come from settings, --region or the AWS
                // config: prune must not reach a Region the file leaves implicit.
                self.at_help(
                    fi,
                    header_span(b),
                    "removed: source_region is required when settings.prune = true",
                    "add source_region = \"REGION\" to this removed block (or name the source by ARN), so that prune's reach is written in the configuration",
                );
                continue;
            }
            let Some(region) = self.source_region(
                fi,
                "removed: ",
                &source,
                span.clone(),
                region_attr,
                region_failed,
                settings,
                opts,
            ) else {
                continue;
            };
            out.push((
                Removed {
                    source: source.id,
                    source_region: region,
                    destination: pinned,
                },
                fi,
                span,
            ));
        }
        out
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
