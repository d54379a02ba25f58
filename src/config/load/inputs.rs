//! Input variables: `variable` blocks (name, `type`, constant `default`)
//! and the values given from outside the configuration, in precedence from
//! lowest: the default, `EFS_REPLICATOR_VAR_*` environment variables,
//! `--var-file` files (NAME = VALUE lines), `--var NAME=VALUE`. Values given
//! as text are read by type; every value is converted to its variable's
//! type as Terraform does. A variable left without a value is reported at
//! its declaration.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Structure};
use hcl::edit::Span;
use hcl::eval::{Context, Evaluate};
use hcl::{Map, Value};

use super::{did_you_mean, header_span, is_identifier, value_span, Loader, Scope, VARIABLE_ATTRS};
use crate::config::diagnostics::Diagnostic;
use crate::config::functions;
use crate::config::refs::Refs;
use crate::config::LoadOptions;
use crate::shown::quoted;

/// Prefix of environment variables that set input variables.
pub const ENV_PREFIX: &str = "EFS_REPLICATOR_VAR_";

/// A declared input variable.
pub(super) struct VarDecl {
    file: usize,
    header: Option<Range<usize>>,
    ty: Type,
    default: Option<Value>,
}

/// The `type` of a variable.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Map(Box<Type>),
    Object,
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Object => f.write_str("object"),
        }
    }
}

/// Reads a variable value given as text (--var, environment): strings are
/// taken as they are; other types are parsed as HCL expressions.
pub(super) fn from_text(raw: &str, ty: &Type) -> Result<Value, String> {
    if matches!(ty, Type::String | Type::Any) {
        return Ok(Value::String(raw.to_owned()));
    }
    let expr = hcl::edit::parser::parse_expr(raw)
        .map_err(|_| format!("{} is not a valid {ty} value", quoted(raw)))?;
    let refs = Refs::of(&expr);
    if !refs.names.is_empty() || !refs.funcs.is_empty() {
        return Err(format!(
            "{} is not a valid {ty} value; write it in HCL syntax, e.g. [\"a\", \"b\"] or {{ key = \"value\" }}",
            quoted(raw)
        ));
    }
    let e: hcl::Expression = expr.into();
    let v = e
        .evaluate(&Context::new())
        .map_err(|e| e.kind().to_string())?;
    convert(v, ty)
}

/// Converts a value to a variable type, as Terraform's type conversions do.
pub(super) fn convert(v: Value, ty: &Type) -> Result<Value, String> {
    let fail = |v: &Value| Err(format!("expected {ty}, found {}", functions::kind(v)));
    match (ty, v) {
        (Type::Any, v) => Ok(v),
        (_, Value::Null) => Ok(Value::Null),
        (Type::String, v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
            functions::to_string(&v).map(Value::String)
        }
        (Type::Number, Value::Number(n)) => Ok(Value::Number(n)),
        (Type::Number, Value::String(s)) => functions::parse_number(&s)
            .map(Value::Number)
            .ok_or_else(|| format!("expected number, found {}", quoted(&s))),
        (Type::Bool, Value::Bool(b)) => Ok(Value::Bool(b)),
        (Type::Bool, Value::String(s)) if s == "true" || s == "false" => {
            Ok(Value::Bool(s == "true"))
        }
        (Type::List(t), Value::Array(items)) => items
            .into_iter()
            .map(|i| convert(i, t))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        (Type::Map(t), Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| convert(v, t).map(|v| (k, v)))
            .collect::<Result<Map<_, _>, _>>()
            .map(Value::Object),
        (Type::Object, v @ Value::Object(_)) => Ok(v),
        (_, v) => fail(&v),
    }
}

impl Loader {
    pub(super) fn parse_type(&mut self, fi: usize, e: &Expression) -> Option<Type> {
        let t = match e {
            Expression::Variable(v) => match v.as_str() {
                "any" => Type::Any,
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                _ => return self.bad_type(fi, e),
            },
            Expression::FuncCall(f) if f.args.len() == 1 => {
                let inner = f.args.iter().next()?;
                match f.name.name.as_str() {
                    "list" | "set" => Type::List(Box::new(self.parse_type(fi, inner)?)),
                    "map" => Type::Map(Box::new(self.parse_type(fi, inner)?)),
                    "object" => Type::Object,
                    "tuple" => Type::List(Box::new(Type::Any)),
                    _ => return self.bad_type(fi, e),
                }
            }
            _ => return self.bad_type(fi, e),
        };
        Some(t)
    }

    pub(super) fn bad_type(&mut self, fi: usize, e: &Expression) -> Option<Type> {
        self.at_help(
            fi,
            e.span(),
            "invalid variable type",
            "use string, number, bool, any, list(TYPE), set(TYPE), map(TYPE), object({...}) or tuple([...])",
        );
        None
    }

    pub(super) fn variables(
        &mut self,
        blocks: &[(usize, &Block)],
        opts: &LoadOptions,
    ) -> Map<String, Value> {
        let mut decls: BTreeMap<String, VarDecl> = BTreeMap::new();
        for (fi, b) in blocks {
            let fi = *fi;
            let (attrs, _) = self.fields(fi, &b.body, "variable", VARIABLE_ATTRS, &[]);
            let Some(labels) = self.labels(fi, b, 1, "variable \"NAME\" { type = string }") else {
                continue;
            };
            let name = labels[0].to_owned();
            if !is_identifier(&name) {
                self.at_help(
                    fi,
                    header_span(b),
                    format!("invalid variable name {name:?}"),
                    "a name starts with a letter or _ and holds letters, digits, _ and -",
                );
                continue;
            }
            if let Some(first) = decls.get(&name) {
                let help = format!(
                    "it is first declared at {}",
                    self.where_is(first.file, &first.header)
                );
                self.at_help(
                    fi,
                    header_span(b),
                    format!("duplicate variable \"{name}\""),
                    help,
                );
                continue;
            }
            let ty = match attrs.get("type") {
                Some(a) => self.parse_type(fi, &a.value).unwrap_or(Type::Any),
                None => Type::Any,
            };
            let const_scope = Scope::default();
            let default = match attrs.get("default") {
                Some(a) => {
                    self.eval(fi, &a.value, &const_scope)
                        .and_then(|v| match convert(v, &ty) {
                            Ok(v) => Some(v),
                            Err(msg) => {
                                self.at(
                                    fi,
                                    value_span(a),
                                    format!("default of variable \"{name}\": {msg}"),
                                );
                                None
                            }
                        })
                }
                None => None,
            };
            if let Some(a) = attrs.get("description") {
                let got = self.eval_attr(fi, Some(a), &const_scope);
                self.string(fi, "description", got, "");
            }
            decls.insert(
                name,
                VarDecl {
                    file: fi,
                    header: header_span(b),
                    ty,
                    default,
                },
            );
        }
        self.var_names = decls.keys().cloned().collect();

        // Precedence, lowest first: default, environment, var files, --var.
        let mut values: BTreeMap<String, Value> = BTreeMap::new();
        for (k, raw) in &opts.env_vars {
            let Some(name) = k.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            // Undeclared environment variables are ignored, as Terraform does.
            if let Some(d) = decls.get(name) {
                match from_text(raw, &d.ty) {
                    Ok(v) => {
                        values.insert(name.to_owned(), v);
                    }
                    Err(msg) => {
                        self.refused_vars.insert(name.to_owned());
                        self.diags.push(Diagnostic::error(format!(
                            "environment variable {k}: {msg}"
                        )))
                    }
                }
            }
        }
        for path in &opts.var_files {
            self.var_file(path, &decls, &mut values);
        }
        for (name, raw) in &opts.vars {
            match decls.get(name) {
                Some(d) => match from_text(raw, &d.ty) {
                    Ok(v) => {
                        values.insert(name.clone(), v);
                    }
                    Err(msg) => {
                        self.refused_vars.insert(name.clone());
                        self.diags
                            .push(Diagnostic::error(format!("--var {name}: {msg}")))
                    }
                },
                None => {
                    let help = did_you_mean(name, self.var_names.iter().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!("declare it in the configuration: variable \"{name}\" {{}}")
                        });
                    self.diags.push(
                        Diagnostic::error(format!(
                            "--var {name}: no variable \"{name}\" is declared"
                        ))
                        .with_help(help),
                    );
                }
            }
        }
        let mut out = Map::new();
        for (name, d) in &decls {
            match values.remove(name).or_else(|| d.default.clone()) {
                Some(v) => {
                    out.insert(name.clone(), v);
                }
                None if self.refused_vars.contains(name) => self.suppressed += 1,
                None => self.at_help(
                    d.file,
                    d.header.clone(),
                    format!("variable \"{name}\" has no value"),
                    format!("set it with --var {name}=VALUE, in a --var-file, or with {ENV_PREFIX}{name}; or give it a default"),
                ),
            }
        }
        out
    }

    pub(super) fn var_file(
        &mut self,
        path: &Path,
        decls: &BTreeMap<String, VarDecl>,
        values: &mut BTreeMap<String, Value>,
    ) {
        let text = match crate::config::limits::read_file(path) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(Diagnostic::error(format!(
                    "cannot read var file {}: {e}",
                    path.display()
                )));
                return;
            }
        };
        let fi = self.add_file(path.display().to_string(), text);
        let Some(body) = self.parse(fi) else { return };
        for s in body.iter() {
            match s {
                Structure::Block(b) => self.at_help(
                    fi,
                    b.ident.span(),
                    "a var file holds only NAME = VALUE lines",
                    "move blocks into the configuration",
                ),
                Structure::Attribute(a) => {
                    let name = a.key.as_str();
                    let Some(d) = decls.get(name) else {
                        let help = did_you_mean(name, self.var_names.iter().map(String::as_str))
                            .unwrap_or_else(|| {
                                format!("declare it in the configuration: variable \"{name}\" {{}}")
                            });
                        self.at_help(
                            fi,
                            a.key.span(),
                            format!("no variable \"{name}\" is declared"),
                            help,
                        );
                        continue;
                    };
                    let Some(v) = self.eval(fi, &a.value, &Scope::default()) else {
                        self.refused_vars.insert(name.to_owned());
                        continue;
                    };
                    match convert(v, &d.ty) {
                        Ok(v) => {
                            values.insert(name.to_owned(), v);
                        }
                        Err(msg) => {
                            self.refused_vars.insert(name.to_owned());
                            self.at(fi, value_span(a), format!("variable \"{name}\": {msg}"))
                        }
                    }
                }
            }
        }
    }
}
