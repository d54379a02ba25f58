//! The human plan, in the conventions Terraform users read fluently: a
//! legend of symbols (`+` create, `-` delete, `-/+` replace), one block per
//! change sorted by address with attribute-level before/after, the step
//! order, notes, unmanaged replications, and a closing summary line
//! (`Plan: N to create, N to replace, N to delete.` or `No changes.`).
//! Overwriting an existing file system's data is destructive and says so in
//! its own words: `!` in the legend, a line in the change, its step, and
//! `N to overwrite` in the summary line.
//!
//! Colour only when the caller asks for it; no terminal detection here.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::plan::{Action, Attributes, Change, Expect, Plan, PlanErrors, Step, StepKind};

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// Use ANSI colours.
    pub color: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
    fn green(&self, t: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Green.into())), t)
    }
    fn red(&self, t: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Red.into())), t)
    }
    fn yellow(&self, t: &str) -> String {
        self.paint(Style::new().fg_color(Some(AnsiColor::Yellow.into())), t)
    }
    fn bold(&self, t: &str) -> String {
        self.paint(Style::new().bold(), t)
    }
    fn symbol(&self, action: Action) -> String {
        match action {
            Action::Create => format!("  {}", self.green("+")),
            Action::Delete => format!("  {}", self.red("-")),
            Action::Replace => format!("{}/{}", self.red("-"), self.green("+")),
            Action::NoOp => "   ".to_owned(),
        }
    }
}

/// The attribute rows shown for a change, in a fixed order.
const FIELDS: [&str; 6] = [
    "source_file_system_id",
    "source_region",
    "destination_region",
    "destination_file_system_id",
    "destination_availability_zone",
    "destination_kms_key_id",
];
const ROLE: &str = "role_arn";

fn field(a: &Attributes, name: &str) -> Option<String> {
    match name {
        "source_file_system_id" => Some(a.source_file_system_id.to_string()),
        "source_region" => Some(a.source_region.to_string()),
        "destination_region" => Some(a.destination_region.to_string()),
        "destination_file_system_id" => {
            a.destination_file_system_id.as_ref().map(|f| f.to_string())
        }
        "destination_availability_zone" => a
            .destination_availability_zone
            .as_ref()
            .map(|z| z.to_string()),
        "destination_kms_key_id" => a.destination_kms_key_id.clone(),
        "role_arn" => a.role_arn.clone(),
        _ => None,
    }
}

/// How an absent `after` value reads: some are only known after apply.
fn absent_after(name: &str, after: &Attributes) -> Option<&'static str> {
    match name {
        "destination_file_system_id" => Some("(known after apply)"),
        "destination_kms_key_id" if after.destination_file_system_id.is_none() => {
            Some("(known after apply)")
        }
        _ => None,
    }
}

fn quoted(v: &str) -> String {
    format!("{v:?}")
}

fn write_change(
    out: &mut impl Write,
    p: &Painter,
    c: &Change,
    overwrites: &[(&str, &crate::model::FileSystemRef, &crate::model::Region)],
) -> io::Result<()> {
    let what = match c.action {
        Action::Create => "will be created",
        Action::Delete => "will be deleted",
        Action::Replace => "must be replaced",
        Action::NoOp => return Ok(()),
    };
    writeln!(out, "  {} {what}", p.bold(&format!("# {}", c.address)))?;
    writeln!(out, "  # ({})", c.reason)?;
    for (_, fs, region) in overwrites.iter().filter(|o| c.address == o.0) {
        writeln!(
            out,
            "  {} {}",
            p.red("!"),
            p.bold(&format!(
                "OVERWRITES all data on the existing file system {fs} ({region}): destructive, needs approval for this run"
            ))
        )?;
    }
    writeln!(out, "{} {} {{", p.symbol(c.action), c.address)?;
    let names: Vec<&str> = FIELDS.iter().copied().chain([ROLE]).collect();
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    for name in names {
        let before = c.before.as_ref().and_then(|b| field(b, name));
        let after_attrs = c.after.as_ref();
        let after = after_attrs.and_then(|a| field(a, name));
        let pad = format!("{name:width$}");
        match c.action {
            Action::Create => {
                let Some(a) = after_attrs else { continue };
                let value = match after {
                    Some(v) => quoted(&v),
                    None => match absent_after(name, a) {
                        Some(t) => t.to_owned(),
                        None => continue,
                    },
                };
                writeln!(out, "      {} {pad} = {value}", p.green("+"))?;
            }
            Action::Delete => {
                let Some(b) = before else { continue };
                writeln!(out, "      {} {pad} = {} -> null", p.red("-"), quoted(&b))?;
            }
            Action::Replace => {
                let Some(a) = after_attrs else { continue };
                let after_text = match after {
                    Some(v) => Some(quoted(&v)),
                    None => absent_after(name, a).map(str::to_owned),
                };
                match (before, after_text) {
                    (None, None) => continue,
                    (Some(b), Some(a)) if quoted(&b) == a => {
                        writeln!(out, "        {pad} = {a}")?;
                    }
                    (b, a) => {
                        let b = b.map(|b| quoted(&b)).unwrap_or_else(|| "null".to_owned());
                        let a = a.unwrap_or_else(|| "null".to_owned());
                        writeln!(out, "      {} {pad} = {b} -> {a}", p.yellow("~"))?;
                    }
                }
            }
            Action::NoOp => {}
        }
    }
    writeln!(out, "    }}")?;
    writeln!(out)
}

fn describe_step(step: &Step) -> String {
    match &step.kind {
        StepKind::Delete {
            source_file_system_id,
            region,
            orphan: None,
        } => format!("delete the replication of {source_file_system_id} ({region})"),
        StepKind::Delete {
            source_file_system_id,
            region,
            orphan: Some(_),
        } => match &step.expect {
            Some(Expect::Replication {
                destination_file_system_id,
                ..
            }) => format!(
                "remove the orphaned destination side of {source_file_system_id} in {region} ({destination_file_system_id}; DeletionMode LOCAL_CONFIGURATION_ONLY)"
            ),
            _ => format!(
                "remove the orphaned destination side of {source_file_system_id} in {region} (DeletionMode LOCAL_CONFIGURATION_ONLY)"
            ),
        },
        StepKind::WaitDeleted {
            source_file_system_id,
            region,
            destination: None,
        } => format!("wait until the replication of {source_file_system_id} ({region}) is gone"),
        StepKind::WaitDeleted {
            source_file_system_id,
            region,
            destination: Some(d),
        } => format!(
            "wait until the replication of {source_file_system_id} ({region}) is gone, its destination side ({} in {}) too",
            d.file_system_id, d.region
        ),
        StepKind::UpdateProtection {
            file_system_id,
            region,
            replication_overwrite_protection,
        } => format!(
            "set replication overwrite protection of {file_system_id} ({region}) to {replication_overwrite_protection}"
        ),
        StepKind::Create {
            source_file_system_id,
            region,
            destination,
        } => {
            let dest = match &destination.file_system_id {
                Some(f) => format!("{f} ({})", destination.region),
                None => match &destination.availability_zone_name {
                    Some(az) => format!("a new One Zone file system in {az}"),
                    None => format!("a new file system in {}", destination.region),
                },
            };
            let overwriting = if destination.file_system_id.is_some() {
                ", OVERWRITING all its data"
            } else {
                ""
            };
            format!("create the replication {source_file_system_id} ({region}) -> {dest}{overwriting}")
        }
        StepKind::WaitEnabled {
            source_file_system_id,
            region,
        } => format!(
            "wait until the replication of {source_file_system_id} ({region}) is ENABLED"
        ),
        StepKind::RestoreProtection {
            file_system_id,
            region,
            replication_overwrite_protection,
            compensates,
        } => format!(
            "only if step {compensates} fails or is skipped: set replication overwrite protection of {file_system_id} ({region}) back to {replication_overwrite_protection}"
        ),
    }
}

/// Writes the plan for people.
pub fn render_human(plan: &Plan, out: &mut impl Write, opts: &HumanOptions) -> io::Result<()> {
    let p = Painter { color: opts.color };
    let summary = plan.summary();
    if plan.has_changes() {
        writeln!(
            out,
            "Replication actions are indicated with the following symbols:"
        )?;
        if summary.create > 0 {
            writeln!(out, "  {} create", p.green("+"))?;
        }
        if summary.delete > 0 {
            writeln!(out, "  {} delete", p.red("-"))?;
        }
        if summary.replace > 0 {
            writeln!(
                out,
                "{}/{} replace (delete, then create)",
                p.red("-"),
                p.green("+")
            )?;
        }
        if summary.overwrite > 0 {
            writeln!(
                out,
                "  {} overwrite (all data on an existing file system is replaced)",
                p.red("!")
            )?;
        }
        writeln!(out)?;
        writeln!(out, "efs-replicator will perform the following actions:")?;
        writeln!(out)?;
        let overwrites = plan.overwrites();
        for c in &plan.changes {
            write_change(out, &p, c, &overwrites)?;
        }
        writeln!(
            out,
            "{}",
            p.bold("Steps, in an order that respects their dependencies:")
        )?;
        for s in &plan.steps {
            let after = if s.depends_on.is_empty() {
                String::new()
            } else {
                let ids: Vec<String> = s.depends_on.iter().map(|d| d.to_string()).collect();
                format!(" (after {})", ids.join(", "))
            };
            writeln!(out, "  {:>3}. {}{after}", s.id, describe_step(s))?;
        }
        writeln!(out)?;
    }
    let noted: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| !c.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        writeln!(out, "{}", p.bold("Notes:"))?;
        for c in noted {
            for n in &c.notes {
                writeln!(out, "  {}: {n}", c.address)?;
            }
        }
        writeln!(out)?;
    }
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "{}",
            p.bold(&format!(
                "Unmanaged replications ({}), left alone: declare them, name them in a removed block, or set prune = true to delete them:",
                plan.unmanaged.len()
            ))
        )?;
        for u in &plan.unmanaged {
            writeln!(
                out,
                "  {} ({}) -> {} ({})  {}",
                u.source_file_system_id,
                u.source_region,
                u.destination_file_system_id,
                u.destination_region,
                u.status
            )?;
            if let Some(n) = &u.note {
                writeln!(out, "      {n}")?;
            }
        }
        writeln!(out)?;
    }
    if plan.has_changes() {
        let overwrite = if summary.overwrite > 0 {
            format!(", {} to overwrite", summary.overwrite)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{} {} to create, {} to replace, {} to delete{overwrite}.",
            p.bold("Plan:"),
            summary.create,
            summary.replace,
            summary.delete
        )
    } else {
        writeln!(
            out,
            "{} replication{} in sync with the configuration.",
            summary.no_op,
            if summary.no_op == 1 { "" } else { "s" }
        )?;
        writeln!(out, "{}", p.green("No changes."))
    }
}

/// Writes planning errors for people: one `Error:` paragraph each, then a count.
pub fn render_errors_human(
    errors: &PlanErrors,
    out: &mut impl Write,
    opts: &HumanOptions,
) -> io::Result<()> {
    let p = Painter { color: opts.color };
    for e in &errors.0 {
        writeln!(out, "{} {e}", p.red("Error:"))?;
        writeln!(out)?;
    }
    let n = errors.0.len();
    writeln!(
        out,
        "{} found while planning; nothing was changed.",
        if n == 1 {
            "1 problem".to_owned()
        } else {
            format!("{n} problems")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Plan, Scope, Summary};

    fn attrs(dest_fs: Option<&str>, region: &str) -> Attributes {
        Attributes {
            source_file_system_id: crate::model::FileSystemId::parse("fs-00000001").unwrap(),
            source_region: crate::model::Region::parse("us-east-1").unwrap(),
            destination_region: crate::model::Region::parse(region).unwrap(),
            destination_file_system_id: dest_fs
                .map(|f| crate::model::FileSystemRef::parse(f).unwrap()),
            destination_availability_zone: None,
            destination_kms_key_id: None,
            role_arn: None,
            status: None,
        }
    }

    fn plan_with(changes: Vec<Change>) -> Plan {
        Plan {
            changes,
            steps: vec![],
            unmanaged: vec![],
            scope: Scope::default(),
            fingerprint: "sha256:0".into(),
        }
    }

    fn render(plan: &Plan, color: bool) -> String {
        let mut buf = Vec::new();
        render_human(plan, &mut buf, &HumanOptions { color }).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn replace_shows_attribute_level_before_and_after() {
        let c = Change {
            address: crate::plan::ChangeAddress::parse("replication.a").unwrap(),
            action: Action::Replace,
            reason: "destination region changes (us-west-2 -> eu-west-1)".into(),
            notes: vec![],
            before: Some(attrs(Some("fs-00000002"), "us-west-2")),
            after: Some(attrs(None, "eu-west-1")),
            steps: vec![],
        };
        let text = render(&plan_with(vec![c]), false);
        assert!(text.contains("-/+ replication.a {"), "{text}");
        assert!(
            text.contains("~ destination_region            = \"us-west-2\" -> \"eu-west-1\""),
            "{text}"
        );
        assert!(
            text.contains(
                "~ destination_file_system_id    = \"fs-00000002\" -> (known after apply)"
            ),
            "{text}"
        );
        assert!(
            text.contains("    source_region                 = \"us-east-1\""),
            "{text}"
        );
        assert!(
            text.ends_with("Plan: 0 to create, 1 to replace, 0 to delete.\n"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn colour_only_when_asked_and_no_changes_line() {
        let c = Change {
            address: crate::plan::ChangeAddress::parse("replication.a").unwrap(),
            action: Action::NoOp,
            reason: "in sync".into(),
            notes: vec![],
            before: Some(attrs(Some("fs-00000002"), "us-west-2")),
            after: Some(attrs(Some("fs-00000002"), "us-west-2")),
            steps: vec![],
        };
        let p = plan_with(vec![c]);
        assert_eq!(
            p.summary(),
            Summary {
                no_op: 1,
                ..Summary::default()
            }
        );
        let plain = render(&p, false);
        assert!(plain.ends_with("\nNo changes.\n"), "{plain}");
        assert!(!plain.contains("replication.a {"));
        let coloured = render(&p, true);
        assert!(coloured.contains('\u{1b}'));
    }
}
