//! The block readers: `settings` (at most one), `replication` (its
//! instances, one per `for_each` element, each read into a
//! [`DesiredReplication`] with its `destination`) and `removed`. They read
//! typed values from the attributes the schema check found, resolve Regions
//! (a source's from its ARN, `source_region`, the settings or the default
//! Region; a destination's from `region`, its Availability Zone or its ARN)
//! and report the rules that tie attributes of one block together. A problem
//! shared by every instance of a block is reported once. `account` blocks
//! are read in `accounts.rs`.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use hcl::edit::structure::{Attribute, Block};
use hcl::edit::Span;
use hcl::{Map, Value};

use super::{
    header_span, is_identifier, value_span, Loader, Placed, Scope, DESTINATION_ATTRS,
    REMOVED_ATTRS, REPLICATION_ATTRS, SETTINGS_ATTRS,
};
use crate::config::diagnostics::Diagnostic;
use crate::config::LoadOptions;
use crate::model::{
    Address, AvailabilityZone, DesiredDestination, DesiredReplication, FileSystemRef, InstanceKey,
    KmsKeyRef, Region, Removed, RoleArn, Settings, AVAILABILITY_ZONES,
};

impl Loader {
    pub(super) fn settings(&mut self, blocks: &[(usize, &Block)], scope: &Scope<'_>) -> Settings {
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
    pub(super) fn source_region(
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
    pub(super) fn replications(
        &mut self,
        blocks: &[(usize, &Block)],
        scope: &Scope<'_>,
        settings: &Settings,
        opts: &LoadOptions,
    ) -> (Vec<DesiredReplication>, Vec<Placed>) {
        // At least one per block (`for_each` makes more).
        let mut out = Vec::with_capacity(blocks.len());
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
                        Some(list) if list.len() > crate::config::limits::MAX_INSTANCES => {
                            self.at_help(
                                fi,
                                value_span(a),
                                format!(
                                    "for_each makes {} instances; at most {} are allowed per block",
                                    list.len(),
                                    crate::config::limits::MAX_INSTANCES
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
    pub(super) fn instance(
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

    pub(super) fn destination(
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
    pub(super) fn removed(
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
