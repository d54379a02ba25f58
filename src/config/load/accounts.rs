//! `account` blocks and the `source_account` attribute of a replication.
//!
//! ```hcl
//! account "dr" {
//!   id       = "222222222222"
//!   role_arn = "arn:aws:iam::222222222222:role/efs-replicator"
//!   # or: profile = "dr"
//!   external_id  = "..."          # optional, with role_arn
//!   session_name = "efs-replicator" # optional, with role_arn
//! }
//! ```
//!
//! Checked here: one label (an identifier), a 12-digit `id`, exactly one of
//! `role_arn` and `profile`, a role in the account itself, `external_id` and
//! `session_name` only with a role, no two blocks with the same name or id;
//! `source_account` names a block and agrees with a source ARN. Turns them
//! into [`Account`] values; never resolves credentials (that is the CLI's
//! connection, through aws-config).

use std::collections::HashMap;
use std::ops::Range;

use hcl::edit::structure::{Attribute, Block};

use super::{header_span, is_identifier, Loader, Scope};
use crate::model::{Account, AccountCredentials, AccountId, FileSystemArn, RoleArn};

const ACCOUNT_ATTRS: &[&str] = &["id", "role_arn", "profile", "external_id", "session_name"];

/// What `RoleSessionName` accepts (the STS API's pattern and length).
fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

impl Loader {
    /// Every `account` block, sorted by name; invalid ones are reported and
    /// left out.
    pub(super) fn accounts(
        &mut self,
        blocks: &[(usize, &Block)],
        scope: &Scope<'_>,
    ) -> Vec<Account> {
        let mut out: Vec<Account> = Vec::new();
        let mut names: HashMap<String, (usize, Option<Range<usize>>)> = HashMap::new();
        let mut ids: HashMap<AccountId, (usize, Option<Range<usize>>, String)> = HashMap::new();
        for (fi, b) in blocks {
            let fi = *fi;
            let before = self.problems();
            let usage = "account \"NAME\" { ... }";
            let labels = self.labels(fi, b, 1, usage);
            let (attrs, _) = self.fields(fi, &b.body, "account", ACCOUNT_ATTRS, &[]);
            let Some(labels) = labels else { continue };
            let name = labels[0].to_owned();
            if !is_identifier(&name) {
                self.at_help(
                    fi,
                    header_span(b),
                    format!("invalid account name {name:?}"),
                    "a name starts with a letter or _ and holds letters, digits, _ and -",
                );
                continue;
            }
            let ctx = format!("account.{name}: ");
            if let Some((ffi, fspan)) = names.get(&name) {
                let help = format!(
                    "account.{name} is first declared at {}; give each account block its own name",
                    self.where_is(*ffi, fspan)
                );
                self.at_help(
                    fi,
                    header_span(b),
                    format!("duplicate account block {name:?}"),
                    help,
                );
                continue;
            }
            names.insert(name.clone(), (fi, header_span(b)));
            let id = self.parsed(fi, &attrs, "id", scope, &ctx, AccountId::parse);
            if id.is_none() && self.problems() == before {
                self.at_help(
                    fi,
                    header_span(b),
                    format!("{ctx}id is required"),
                    "add id = \"123456789012\" (the 12-digit account id)",
                );
            }
            let role = self.parsed(fi, &attrs, "role_arn", scope, &ctx, RoleArn::parse);
            let got = self.eval_attr(fi, attrs.get("profile"), scope);
            let profile = self.string(fi, "profile", got, &ctx);
            let got = self.eval_attr(fi, attrs.get("external_id"), scope);
            let external_id = self.string(fi, "external_id", got, &ctx);
            let got = self.eval_attr(fi, attrs.get("session_name"), scope);
            let session_name = self.string(fi, "session_name", got, &ctx);
            if let Some((s, span)) = &session_name {
                if !valid_session_name(s) {
                    self.at_help(
                        fi,
                        span.clone(),
                        format!("{ctx}session_name {s:?} is not a valid role session name"),
                        "use 2 to 64 letters, digits or any of + = , . @ _ -",
                    );
                }
            }
            match (&role, &profile) {
                (Some(_), Some((_, span))) => self.at_help(
                    fi,
                    span.clone(),
                    format!("{ctx}role_arn and profile are both set"),
                    "give exactly one: role_arn to assume a role with the default credentials, or profile to use a profile of the AWS config files",
                ),
                (None, None) if !attrs.contains_key("role_arn") && !attrs.contains_key("profile") => {
                    self.at_help(
                        fi,
                        header_span(b),
                        format!("{ctx}no credentials: role_arn or profile is required"),
                        "add role_arn = \"arn:aws:iam::ACCOUNT:role/NAME\" or profile = \"NAME\"",
                    )
                }
                _ => {}
            }
            if profile.is_some() || role.is_none() {
                for (what, v) in [
                    ("external_id", &external_id),
                    ("session_name", &session_name),
                ] {
                    if let (Some((_, span)), Some(_)) = (v, &profile) {
                        self.at_help(
                            fi,
                            span.clone(),
                            format!("{ctx}{what} applies only with role_arn"),
                            "set it in the profile (role_arn, external_id, role_session_name) or use role_arn here",
                        );
                    }
                }
            }
            if let (Some((id, _)), Some((role, span))) = (&id, &role) {
                if &role.account() != id {
                    self.at_help(
                        fi,
                        span.clone(),
                        format!(
                            "{ctx}role_arn is in account {}, not in account {id}",
                            role.account()
                        ),
                        "give the role in the account itself (arn:aws:iam::ID:role/NAME): it is assumed to act in that account",
                    );
                }
            }
            if let Some((id, span)) = &id {
                if let Some((ffi, fspan, first)) = ids.get(id) {
                    let help = format!(
                        "account.{first} at {} has the same id; one block per account",
                        self.where_is(*ffi, fspan)
                    );
                    self.at_help(
                        fi,
                        span.clone(),
                        format!("{ctx}account {id} is declared twice"),
                        help,
                    );
                } else {
                    ids.insert(id.clone(), (fi, span.clone(), name.clone()));
                }
            }
            if self.problems() != before {
                continue;
            }
            let (Some((id, _)), credentials) = (id, role) else {
                continue;
            };
            let credentials = match (credentials, profile) {
                (Some((role_arn, _)), None) => AccountCredentials::AssumeRole {
                    role_arn,
                    external_id: external_id.map(|e| e.0),
                    session_name: session_name.map(|s| s.0),
                },
                (None, Some((p, _))) => AccountCredentials::Profile(p),
                _ => continue,
            };
            out.push(Account {
                name,
                id,
                credentials,
            });
        }
        out.sort();
        self.accounts = out.clone();
        out
    }

    /// The source account of a replication: `source_account = "NAME"` (an
    /// `account` block), else the account of a source ARN. A name without a
    /// block, or one that disagrees with the ARN, is reported.
    pub(super) fn source_account(
        &mut self,
        fi: usize,
        attr: Option<&&Attribute>,
        scope: &Scope<'_>,
        ctx: &str,
        arn: Option<&FileSystemArn>,
    ) -> Option<AccountId> {
        let from_arn = arn.map(|a| a.account.clone());
        let got = self.eval_attr(fi, attr, scope);
        let Some((name, span)) = self.string(fi, "source_account", got, ctx) else {
            return from_arn;
        };
        let Some(account) = self.accounts.iter().find(|a| a.name == name).cloned() else {
            let names: Vec<&str> = self.accounts.iter().map(|a| a.name.as_str()).collect();
            let help = super::did_you_mean(&name, names.iter().copied()).unwrap_or_else(|| {
                format!("add an account \"{name}\" block with its id and a role_arn or profile")
            });
            self.at_help(
                fi,
                span,
                format!("{ctx}source_account {name:?} names no account block"),
                help,
            );
            return None;
        };
        if let Some(a) = &from_arn {
            if a != &account.id {
                self.at_help(
                    fi,
                    span,
                    format!(
                        "{ctx}source_account {name:?} is account {}, but the source ARN is in account {a}",
                        account.id
                    ),
                    "name the account the source file system is in, or drop source_account (the ARN says it)",
                );
                return None;
            }
        }
        Some(account.id)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{load_str, LoadOptions};
    use crate::model::{AccountCredentials, Region};

    fn load(text: &str) -> Result<crate::model::Desired, Vec<String>> {
        let opts = LoadOptions {
            default_region: Some(Region::parse("us-east-1").unwrap()),
            ..LoadOptions::default()
        };
        load_str("t.hcl", text, &opts).map_err(|d| {
            d.iter()
                .map(|d| format!("{} | {}", d.message, d.help.clone().unwrap_or_default()))
                .collect()
        })
    }

    fn assert_has(e: &[String], needle: &str) {
        assert!(
            e.iter().any(|m| m.contains(needle)),
            "{needle:?} not in {e:?}"
        );
    }

    #[test]
    fn account_blocks_load_and_name_a_replications_source_account() {
        let d = load(
            r#"
            account "prod" {
              id = "111111111111"
              profile = "prod"
            }
            account "dr" {
              id           = "222222222222"
              role_arn     = "arn:aws:iam::222222222222:role/efs-replicator"
              external_id  = "x-1"
              session_name = "efs-replicator"
            }
            replication "web" {
              source_file_system_id = "fs-0123456789abcdef0"
              source_account        = "prod"
              destination { region = "us-west-2" }
            }
            "#,
        )
        .unwrap();
        assert_eq!(d.accounts.len(), 2);
        assert_eq!(d.accounts[0].name, "dr");
        assert!(matches!(
            &d.accounts[0].credentials,
            AccountCredentials::AssumeRole { external_id: Some(e), session_name: Some(_), .. } if e == "x-1"
        ));
        assert_eq!(
            d.accounts[1].credentials,
            AccountCredentials::Profile("prod".into())
        );
        assert_eq!(
            d.replications[0].source_account.as_ref().unwrap().as_str(),
            "111111111111"
        );
    }

    #[test]
    fn invalid_account_blocks_are_each_reported_with_what_to_do() {
        let e = load(
            r#"
            account "a" {
              id = "1234"
              profile = "p"
            }
            account "b" {
              id = "222222222222"
            }
            account "c" {
              id       = "333333333333"
              role_arn = "arn:aws:iam::444444444444:role/r"
            }
            account "d" {
              id       = "555555555555"
              role_arn = "arn:aws:iam::555555555555:role/r"
              profile  = "p"
            }
            account "a" {
              id = "666666666666"
              profile = "q"
            }
            account "f" {
              id = "333333333333"
              profile = "z"
            }
            account "g" {
              id = "777777777777"
              profile = "p"
              external_id = "x"
            }
            account "h" {
              id           = "888888888888"
              role_arn     = "arn:aws:iam::888888888888:role/r"
              session_name = "has space"
            }
            "#,
        )
        .unwrap_err();
        assert_has(&e, "account.a: id: \"1234\" is not a valid account id");
        assert_has(
            &e,
            "account.b: no credentials: role_arn or profile is required",
        );
        assert_has(
            &e,
            "account.c: role_arn is in account 444444444444, not in account 333333333333",
        );
        assert_has(&e, "account.d: role_arn and profile are both set");
        assert_has(
            &e,
            "duplicate account block \"a\" | account.a is first declared at t.hcl:2:13",
        );
        assert_has(
            &e,
            "account.f: account 333333333333 is declared twice | account.c at t.hcl:10:26",
        );
        assert_has(&e, "account.g: external_id applies only with role_arn");
        assert_has(
            &e,
            "account.h: session_name \"has space\" is not a valid role session name",
        );
        assert_eq!(e.len(), 8, "{e:?}");
    }

    #[test]
    fn source_account_must_name_a_block_that_agrees_with_the_arn() {
        let e = load(
            r#"
            account "prod" {
              id = "111111111111"
              profile = "prod"
            }
            replication "a" {
              source_file_system_id = "fs-0123456789abcdef0"
              source_account        = "prd"
              destination { region = "us-west-2" }
            }
            replication "b" {
              source_file_system_id = "arn:aws:elasticfilesystem:us-east-1:999999999999:file-system/fs-0123456789abcdef1"
              source_account        = "prod"
              destination { region = "us-west-2" }
            }
            "#,
        )
        .unwrap_err();
        assert_has(
            &e,
            "source_account \"prd\" names no account block | did you mean \"prod\"?",
        );
        assert_has(
            &e,
            "source_account \"prod\" is account 111111111111, but the source ARN is in account 999999999999",
        );
    }

    /// Issue 11: a `removed` block names its source's account as a
    /// replication does (so that it is deleted with that account's
    /// credentials), checked the same way.
    #[test]
    fn a_removed_block_names_its_source_account() {
        let d = load(
            r#"
            account "prod" {
              id = "111111111111"
              profile = "prod"
            }
            removed {
              source_file_system_id = "fs-0123456789abcdef0"
              source_account        = "prod"
            }
            removed {
              source_file_system_id = "arn:aws:elasticfilesystem:us-east-1:222222222222:file-system/fs-0123456789abcdef1"
            }
            "#,
        )
        .unwrap();
        let accounts: Vec<Option<&str>> = d
            .removed
            .iter()
            .map(|r| r.source_account.as_ref().map(|a| a.as_str()))
            .collect();
        assert_eq!(accounts, [Some("111111111111"), Some("222222222222")]);
        let e = load(
            r#"
            removed {
              source_file_system_id = "fs-0123456789abcdef0"
              source_account        = "prd"
            }
            "#,
        )
        .unwrap_err();
        assert_has(&e, "removed: source_account \"prd\" names no account block");
    }
}
