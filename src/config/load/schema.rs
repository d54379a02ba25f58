//! The schema: which blocks may appear at the top level, which attributes
//! and nested blocks each block accepts, how many labels it takes and what
//! a name may look like. [`Loader::fields`] checks a body against its
//! schema (unknown, misplaced and duplicate attributes and blocks, with a
//! suggestion for a misspelt name) and hands back what it found; reading
//! the values is left to the block readers.

use std::collections::HashMap;

use hcl::edit::structure::{Attribute, Block, Body, Structure};
use hcl::edit::Span;

use super::{did_you_mean, header_span, suggest, Loader};

pub(super) const TOP_BLOCKS: &[&str] = &[
    "replication",
    "removed",
    "settings",
    "variable",
    "locals",
    "account",
];

pub(super) const REPLICATION_ATTRS: &[&str] = &[
    "source_file_system_id",
    "source_region",
    "source_account",
    "prevent_destroy",
    "max_replication_lag",
    "for_each",
];

pub(super) const DESTINATION_ATTRS: &[&str] = &[
    "region",
    "availability_zone_name",
    "kms_key_id",
    "file_system_id",
    "role_arn",
    "allow_overwrite",
];

pub(super) const REMOVED_ATTRS: &[&str] = &[
    "source_file_system_id",
    "source_region",
    "destination_file_system_id",
    "source_account",
];

pub(super) const SETTINGS_ATTRS: &[&str] = &[
    "region",
    "prune",
    "max_replication_lag",
    "skip_region_validation",
];

pub(super) const VARIABLE_ATTRS: &[&str] = &["type", "default", "description"];

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Loader {
    /// Checks labels of a block; returns them when the count is right.
    pub(super) fn labels<'b>(
        &mut self,
        fi: usize,
        b: &'b Block,
        want: usize,
        usage: &str,
    ) -> Option<Vec<&'b str>> {
        if b.labels.len() == want {
            return Some(b.labels.iter().map(|l| l.as_str()).collect());
        }
        let kind = b.ident.as_str();
        let msg = match want {
            0 => format!("a {kind} block takes no label"),
            _ => format!("a {kind} block takes exactly one label, its name"),
        };
        self.at_help(fi, header_span(b), msg, format!("write it as {usage}"));
        None
    }

    /// Checks a body against its schema: unknown and duplicate attributes,
    /// unknown blocks. Returns the attributes by name and the nested blocks.
    pub(super) fn fields<'b>(
        &mut self,
        fi: usize,
        body: &'b Body,
        what: &str,
        attrs: &[&'static str],
        blocks: &[&'static str],
    ) -> (HashMap<&'b str, &'b Attribute>, Vec<&'b Block>) {
        let mut found: HashMap<&'b str, &'b Attribute> = HashMap::new();
        let mut nested = Vec::new();
        // A misspelt name is read as the name suggested for it, so the
        // checks that follow neither call it missing nor skip its value.
        let mut recovered: Vec<(&'static str, &'b Attribute)> = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    if blocks.contains(&key) {
                        self.at_help(
                            fi,
                            a.key.span(),
                            format!("{key} is a block, not an attribute"),
                            format!("write `{key} {{ ... }}` without `=`"),
                        );
                    } else if !attrs.contains(&key) {
                        let all = attrs.iter().chain(blocks).copied();
                        if let Some(s) = suggest(key, attrs.iter().copied()) {
                            recovered.push((s, a));
                        }
                        let help = did_you_mean(key, all).unwrap_or_else(|| {
                            format!("a {what} block accepts: {}", attrs.join(", "))
                        });
                        self.at_help(
                            fi,
                            a.key.span(),
                            format!("unknown attribute \"{key}\" in {what} block"),
                            help,
                        );
                    } else if let Some(first) = found.get(key) {
                        let help = format!(
                            "it is already set at {}; remove one",
                            self.where_is(fi, &first.key.span())
                        );
                        self.at_help(
                            fi,
                            a.key.span(),
                            format!("duplicate attribute \"{key}\""),
                            help,
                        );
                    } else {
                        found.insert(key, a);
                    }
                }
                Structure::Block(b) => {
                    let key = b.ident.as_str();
                    if blocks.contains(&key) {
                        nested.push(b);
                    } else if attrs.contains(&key) {
                        self.at_help(
                            fi,
                            b.ident.span(),
                            format!("{key} is an attribute, not a block"),
                            format!("write `{key} = VALUE`"),
                        );
                    } else {
                        let all = blocks.iter().chain(attrs).copied();
                        if suggest(key, blocks.iter().copied()).is_some() {
                            nested.push(b);
                        }
                        let help = did_you_mean(key, all).unwrap_or_else(|| {
                            if blocks.is_empty() {
                                format!("a {what} block has no nested blocks")
                            } else {
                                format!("a {what} block accepts the blocks: {}", blocks.join(", "))
                            }
                        });
                        self.at_help(
                            fi,
                            b.ident.span(),
                            format!("unknown block \"{key}\" in {what} block"),
                            help,
                        );
                    }
                }
            }
        }
        for (name, a) in recovered {
            found.entry(name).or_insert(a);
        }
        (found, nested)
    }
}
