//! Evaluation: checks what an expression refers to against its [`Scope`]
//! (undefined variables, locals and functions, `each` outside `for_each`,
//! each with a suggestion), then evaluates it with hcl-rs's evaluator,
//! declaring only the values and functions it uses and refusing results
//! that would grow too large (see `limits`). Also evaluates the `locals`
//! blocks in dependency order (a cycle is reported with its members) and
//! turns a `for_each` value into instance keys and values.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Attribute, Block, Structure};
use hcl::edit::Span;
use hcl::eval::{Context, Evaluate};
use hcl::{Map, Value};

use super::{did_you_mean, value_span, Loader, Scope};
use crate::config::functions;
use crate::config::refs::Refs;
use crate::model::InstanceKey;
use crate::shown::quoted;

impl Loader {
    /// Reports undefined names and functions; true when the expression is clean.
    pub(super) fn check_refs(&mut self, fi: usize, refs: &Refs, scope: &Scope<'_>) -> bool {
        let before = self.diags.len();
        for r in &refs.names {
            let span = r.span.clone();
            match (r.root.as_str(), r.attr.as_deref()) {
                ("var", _) if scope.vars.is_none() => self.at_help(
                    fi,
                    span,
                    "variables cannot be used here",
                    "a variable default and a var file must be constant values",
                ),
                ("local", _) if scope.locals.is_none() => self.at_help(
                    fi,
                    span,
                    "locals cannot be used here",
                    "a variable default and a var file must be constant values",
                ),
                ("each", _) if scope.each.is_none() => {
                    let help = if scope.in_replication {
                        "add for_each = ... to this replication block, or remove the reference"
                    } else {
                        "each is only available inside a replication block that has for_each"
                    };
                    self.at_help(fi, span, "each.key and each.value need for_each", help)
                }
                ("var", None) | ("local", None) => self.at_help(
                    fi,
                    span,
                    format!("{} must be followed by a name", r.root),
                    format!("write {}.NAME", r.root),
                ),
                ("var", Some(name)) if !self.var_names.contains(name) => {
                    let help = did_you_mean(name, self.var_names.iter().map(String::as_str))
                        .map(|s| {
                            s.replace('"', "")
                                .replace("did you mean ", "did you mean var.")
                        })
                        .unwrap_or_else(|| format!("declare it: variable \"{name}\" {{}}"));
                    self.at_help(fi, span, format!("undefined variable \"{name}\""), help)
                }
                ("local", Some(name)) if !self.local_names.contains(name) => {
                    let help = did_you_mean(name, self.local_names.iter().map(String::as_str))
                        .map(|s| {
                            s.replace('"', "")
                                .replace("did you mean ", "did you mean local.")
                        })
                        .unwrap_or_else(|| format!("define it in a locals block: {name} = ..."));
                    self.at_help(fi, span, format!("undefined local value \"{name}\""), help)
                }
                ("each", Some("key" | "value")) | ("var" | "local", Some(_)) => {}
                ("each", _) => self.at_help(
                    fi,
                    span,
                    "each has only the attributes key and value",
                    "write each.key or each.value",
                ),
                (other, _) => {
                    let help = if self.var_names.contains(other) {
                        format!("did you mean var.{other}?")
                    } else if self.local_names.contains(other) {
                        format!("did you mean local.{other}?")
                    } else {
                        "variables are written var.NAME, locals local.NAME, and strings need quotes"
                            .to_owned()
                    };
                    self.at_help(fi, span, format!("unknown name \"{other}\""), help)
                }
            }
        }
        for (name, span) in &refs.funcs {
            if functions::def(name).is_none() {
                let help =
                    did_you_mean(name, functions::NAMES.iter().copied()).unwrap_or_else(|| {
                        format!("available functions: {}", functions::NAMES.join(", "))
                    });
                self.at_help(
                    fi,
                    span.clone(),
                    format!("unknown function \"{name}\""),
                    help,
                );
            }
        }
        self.diags.len() == before
    }

    /// Evaluates an expression in a scope; reports and returns None on error.
    pub(super) fn eval(
        &mut self,
        fi: usize,
        expr: &Expression,
        scope: &Scope<'_>,
    ) -> Option<Value> {
        // Literals need no context.
        match expr {
            Expression::String(s) => return Some(Value::String(s.value().clone())),
            Expression::Bool(b) => return Some(Value::Bool(*b.value())),
            _ => {}
        }
        let refs = Refs::of(expr);
        if !self.check_refs(fi, &refs, scope) {
            return None;
        }
        let mut ctx = Context::new();
        let mut want_vars = Map::new();
        let mut want_locals = Map::new();
        for r in refs
            .names
            .iter()
            .filter(|r| r.root == "var" || r.root == "local")
        {
            let (Some(name), pool, dest) = (
                r.attr.as_ref(),
                match r.root.as_str() {
                    "var" => scope.vars,
                    "local" => scope.locals,
                    _ => None,
                },
                if r.root == "var" {
                    &mut want_vars
                } else {
                    &mut want_locals
                },
            ) else {
                continue;
            };
            match pool.and_then(|p| p.get(name)) {
                Some(v) => {
                    dest.entry(name.clone()).or_insert_with(|| v.clone());
                }
                // Declared but without a value, or a local that failed:
                // reported where it is declared.
                None => {
                    self.suppressed += 1;
                    return None;
                }
            }
        }
        // Only a `for` expression can make a value much larger than its inputs.
        // Judge, before evaluating, how large the result could grow: only a
        // `for` expression, or several references, can make it much larger
        // than what it refers to (which is already bounded).
        let shape = crate::config::limits::ForShape::of(expr);
        let refs_n = refs
            .names
            .iter()
            .filter(|r| matches!(r.root.as_str(), "var" | "local" | "each"))
            .count();
        let measure = shape.depth > 0 || refs_n > 1;
        let mut inputs: Vec<crate::config::limits::Size> = Vec::new();
        if measure {
            inputs.extend(
                want_vars
                    .values()
                    .chain(want_locals.values())
                    .map(crate::config::limits::value_size),
            );
        }
        if !want_vars.is_empty() {
            ctx.declare_var("var", Value::Object(want_vars));
        }
        if !want_locals.is_empty() {
            ctx.declare_var("local", Value::Object(want_locals));
        }
        if let Some(each) = scope.each {
            if refs.names.iter().any(|r| r.root == "each") {
                if measure {
                    inputs.push(crate::config::limits::value_size(each));
                }
                ctx.declare_var("each", each.clone());
            }
        }
        let text_len = expr.span().map_or(0, |s| s.len());
        if let Some(why) = measure
            .then(|| crate::config::limits::expansion(&shape, &inputs, refs_n, text_len))
            .flatten()
        {
            self.at_help(
                fi,
                expr.span(),
                format!("this expression{why}"),
                "iterate over smaller collections, nest fewer for expressions, or refer to fewer large values",
            );
            return None;
        }
        for (name, _) in &refs.funcs {
            if let Some(def) = functions::def(name) {
                ctx.declare_func(name.as_str(), def);
            }
        }
        let e: hcl::Expression = expr.clone().into();
        match e.evaluate(&ctx) {
            Ok(v) => match crate::config::limits::too_large(&v) {
                None => Some(v),
                Some(why) => {
                    self.at_help(
                        fi,
                        expr.span(),
                        format!("this value {why}"),
                        "a configuration value must stay small: split it, or generate fewer elements",
                    );
                    None
                }
            },
            Err(err) => {
                self.at(
                    fi,
                    expr.span(),
                    format!("cannot evaluate this expression: {}", err.kind()),
                );
                None
            }
        }
    }

    pub(super) fn eval_attr(
        &mut self,
        fi: usize,
        a: Option<&&Attribute>,
        scope: &Scope<'_>,
    ) -> Option<(Value, Option<Range<usize>>)> {
        let a = a?;
        let v = self.eval(fi, &a.value, scope)?;
        Some((v, value_span(a)))
    }

    pub(super) fn locals(
        &mut self,
        blocks: &[(usize, &Block)],
        vars: &Map<String, Value>,
    ) -> Map<String, Value> {
        let mut defs: BTreeMap<String, (usize, &Attribute)> = BTreeMap::new();
        for (fi, b) in blocks {
            let fi = *fi;
            if self.labels(fi, b, 0, "locals { NAME = VALUE }").is_none() {
                continue;
            }
            for s in b.body.iter() {
                match s {
                    Structure::Block(inner) => self.at_help(
                        fi,
                        inner.ident.span(),
                        "a locals block holds only NAME = VALUE lines",
                        "write NAME = { ... } for a map",
                    ),
                    Structure::Attribute(a) => {
                        let name = a.key.as_str().to_owned();
                        if let Some((ffi, first)) = defs.get(&name) {
                            let help = format!(
                                "it is first defined at {}",
                                self.where_is(*ffi, &first.key.span())
                            );
                            self.at_help(
                                fi,
                                a.key.span(),
                                format!("duplicate local value \"{name}\""),
                                help,
                            );
                        } else {
                            defs.insert(name, (fi, a));
                        }
                    }
                }
            }
        }
        self.local_names = defs.keys().cloned().collect();
        let deps: BTreeMap<&str, BTreeSet<String>> = defs
            .iter()
            .map(|(n, (_, a))| {
                let refs = Refs::of(&a.value);
                let d = refs
                    .names
                    .into_iter()
                    .filter(|r| r.root == "local")
                    .filter_map(|r| r.attr)
                    .filter(|n| self.local_names.contains(n))
                    .collect();
                (n.as_str(), d)
            })
            .collect();
        let mut values = Map::new();
        let mut failed: BTreeSet<&str> = BTreeSet::new();
        let mut pending: Vec<&str> = defs.keys().map(String::as_str).collect();
        loop {
            let mut progress = false;
            let mut rest = Vec::new();
            for name in pending {
                let d = &deps[name];
                if d.iter().any(|x| failed.contains(x.as_str())) {
                    failed.insert(name);
                    progress = true;
                } else if d.iter().all(|x| values.contains_key(x)) {
                    let (fi, a) = defs[name];
                    let scope = Scope {
                        vars: Some(vars),
                        locals: Some(&values),
                        each: None,
                        in_replication: false,
                    };
                    match self.eval(fi, &a.value, &scope) {
                        Some(v) => {
                            values.insert(name.to_owned(), v);
                        }
                        None => {
                            failed.insert(name);
                        }
                    }
                    progress = true;
                } else {
                    rest.push(name);
                }
            }
            pending = rest;
            if pending.is_empty() || !progress {
                break;
            }
        }
        for name in pending {
            let (fi, a) = defs[name];
            self.at_help(
                fi,
                a.key.span(),
                format!("local value \"{name}\" refers to itself through a cycle"),
                format!(
                    "a local value cannot depend on itself; cycle members: {}",
                    cycle_members(&deps, name).join(" -> ")
                ),
            );
        }
        values
    }

    pub(super) fn for_each(
        &mut self,
        fi: usize,
        span: Option<Range<usize>>,
        v: Value,
    ) -> Option<Vec<(InstanceKey, Value)>> {
        match v {
            Value::Object(m) => Some(
                m.into_iter()
                    .map(|(k, v)| (InstanceKey::Str(k), v))
                    .collect(),
            ),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                let mut seen = BTreeSet::new();
                let mut out = Vec::new();
                for item in items {
                    let s = item.as_str().unwrap_or_default().to_owned();
                    if !seen.insert(s.clone()) {
                        self.at_help(fi, span.clone(), format!("for_each has the key {} twice", quoted(&s)), "each key makes one address, so keys must be unique; use distinct(...) or a map");
                        return None;
                    }
                    out.push((InstanceKey::Str(s), item));
                }
                Some(out)
            }
            Value::Array(items) => Some(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (InstanceKey::Int(i as u64), v))
                    .collect(),
            ),
            other => {
                self.at_help(
                    fi,
                    span,
                    format!(
                        "for_each must be a map or a list, not {}",
                        functions::kind(&other)
                    ),
                    "write for_each = { key = value, ... } or for_each = [\"a\", \"b\"]",
                );
                None
            }
        }
    }
}

pub(super) fn cycle_members(deps: &BTreeMap<&str, BTreeSet<String>>, start: &str) -> Vec<String> {
    let mut path = vec![start.to_owned()];
    let mut cur = start.to_owned();
    for _ in 0..deps.len() {
        let Some(next) = deps.get(cur.as_str()).and_then(|d| d.iter().next()) else {
            break;
        };
        path.push(next.clone());
        if next == start {
            break;
        }
        cur = next.clone();
    }
    path
}
