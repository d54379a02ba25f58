//! GitHub Actions workflow commands (`::error file=PATH,line=L,col=C,title=T::MESSAGE`)
//! for configuration diagnostics, planning errors and destructive actions, so
//! they show as annotations on the pull request's diff and the run summary.
//!
//! Escaping follows GitHub's toolkit (`@actions/core` `issueCommand`): in the
//! message `%`, CR and LF become `%25`, `%0D`, `%0A`; in property values `:`
//! and `,` also become `%3A` and `%2C`. Paths are printed as the loader shows
//! them, so run the command from the repository root with a relative path
//! for annotations to land on the right file. Pure: writes only to `out`.

use std::io::{self, Write};

use crate::config::Diagnostics;
use crate::health::CheckReport;
use crate::plan::{Action, Plan, PlanErrors};

/// Escapes the message of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`) of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command: `::LEVEL PROPS::MESSAGE`.
fn command(
    out: &mut impl Write,
    level: &str,
    props: &[(&str, String)],
    message: &str,
) -> io::Result<()> {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let sep = if props.is_empty() { "" } else { " " };
    writeln!(
        out,
        "::{level}{sep}{}::{}",
        props.join(","),
        escape_data(message)
    )
}

/// Writes one `::error` per diagnostic, with `file`, `line`, `col`,
/// `endLine` and `endColumn` when it has a place, the help as a second line
/// of the message, then a plain closing line with the count.
pub fn render_diagnostics_github(diags: &Diagnostics, out: &mut impl Write) -> io::Result<()> {
    for d in diags.iter() {
        let mut props = Vec::new();
        if let Some((path, start, end)) = diags.location(d) {
            props.push(("file", path.to_owned()));
            props.push(("line", start.line.to_string()));
            props.push(("col", start.column.to_string()));
            props.push(("endLine", end.line.to_string()));
            props.push(("endColumn", end.column.to_string()));
        }
        props.push(("title", "efs-replicator configuration".to_owned()));
        let message = match &d.help {
            Some(h) => format!("{}\nhelp: {h}", d.message),
            None => d.message.clone(),
        };
        command(out, "error", &props, &message)?;
    }
    writeln!(out, "{diags}")
}

/// Writes one `::error` per planning error (they have no place in a file;
/// the address is in the title), then a plain closing line.
pub fn render_plan_errors_github(errors: &PlanErrors, out: &mut impl Write) -> io::Result<()> {
    for e in &errors.0 {
        let title = match e.address() {
            Some(a) => format!("efs-replicator plan: {a}"),
            None => "efs-replicator plan".to_owned(),
        };
        command(out, "error", &[("title", title)], &e.to_string())?;
    }
    writeln!(
        out,
        "{} found while planning; nothing was changed.",
        match errors.0.len() {
            1 => "1 problem".to_owned(),
            n => format!("{n} problems"),
        }
    )
}

/// Writes a `::warning` for every delete and replace of the plan and every
/// existing file system it overwrites, so a reviewer sees destructive
/// changes in the run's annotations.
pub fn render_plan_warnings_github(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    for c in &plan.changes {
        let what = match c.action {
            Action::Delete => "will be deleted",
            Action::Replace => "must be replaced (deleted, then created)",
            _ => continue,
        };
        command(
            out,
            "warning",
            &[("title", format!("efs-replicator: {}", c.address))],
            &format!("{} {what}: {}", c.address, c.reason),
        )?;
    }
    for (address, fs, region) in plan.overwrites() {
        command(
            out,
            "warning",
            &[("title", format!("efs-replicator: {address}"))],
            &format!("{address} overwrites all data on the existing file system {fs} ({region})"),
        )?;
    }
    Ok(())
}

/// Writes an `::error` for every unhealthy declared replication and a
/// `::warning` for every drifted address of a check report.
pub fn render_report_github(report: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    for e in &report.entries {
        let title = || vec![("title", format!("efs-replicator check: {}", e.address))];
        if e.unhealthy() {
            command(
                out,
                "error",
                &title(),
                &format!("{} is unhealthy: {}", e.address, e.problems.join("; ")),
            )?;
        }
        if let Some(r) = e.drift_reason.as_deref().filter(|_| e.drift()) {
            command(
                out,
                "warning",
                &title(),
                &format!("{} drifted ({}): {r}", e.address, e.action.as_str()),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped_as_github_documents() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        let mut buf = Vec::new();
        command(
            &mut buf,
            "error",
            &[("file", "dir,x/main.hcl".into()), ("line", "3".into())],
            "bad: value\nhelp: fix",
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "::error file=dir%2Cx/main.hcl,line=3::bad: value%0Ahelp: fix\n"
        );
    }

    #[test]
    fn deletes_and_replaces_are_warnings_and_planning_errors_are_errors() {
        use crate::plan::{Change, PlanError, Scope};
        let change = |address: &str, action| Change {
            address: crate::plan::ChangeAddress::parse(address).unwrap(),
            action,
            reason: "why: 100%".into(),
            notes: vec![],
            before: None,
            after: None,
            steps: vec![],
        };
        let plan = Plan {
            changes: vec![
                change("removed.fs-00000001", Action::Delete),
                change("replication.a", Action::Create),
                change("replication.b", Action::Replace),
                change("replication.c", Action::NoOp),
            ],
            steps: vec![],
            unmanaged: vec![],
            scope: Scope::default(),
            fingerprint: "sha256:0".into(),
        };
        let mut buf = Vec::new();
        render_plan_warnings_github(&plan, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "::warning title=efs-replicator%3A removed.fs-00000001::removed.fs-00000001 will be deleted: why: 100%25\n\
             ::warning title=efs-replicator%3A replication.b::replication.b must be replaced (deleted, then created): why: 100%25\n"
        );

        let errors = PlanErrors(vec![PlanError::UnknownTarget {
            target: "replication.x".into(),
            suggestion: None,
        }]);
        let mut buf = Vec::new();
        render_plan_errors_github(&errors, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with("::error title=efs-replicator plan::"),
            "{text}"
        );
        assert!(
            text.ends_with("\n1 problem found while planning; nothing was changed.\n"),
            "{text}"
        );
    }
}
