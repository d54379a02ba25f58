//! The functions an expression may call: a small subset of Terraform's
//! standard library with the same names and meanings, declared for hcl-rs's
//! evaluator.
//!
//! Functions here are pure: they must never read files, the environment or
//! the clock, so a configuration evaluates the same everywhere.

use hcl::eval::{FuncArgs, FuncDef, ParamType};
use hcl::{Map, Value};

/// Names of every function, for "did you mean" suggestions.
pub const NAMES: &[&str] = &[
    "coalesce",
    "concat",
    "contains",
    "distinct",
    "element",
    "flatten",
    "format",
    "join",
    "keys",
    "length",
    "lookup",
    "lower",
    "merge",
    "replace",
    "split",
    "substr",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trimspace",
    "upper",
    "values",
    "zipmap",
];

/// The definition of function `name`, if there is one.
pub fn def(name: &str) -> Option<FuncDef> {
    use ParamType as P;
    let any = || P::Any;
    let s = || P::String;
    let b = FuncDef::builder();
    Some(match name {
        "lower" => b
            .param(s())
            .build(|a| Ok(str_arg(&a, 0).to_lowercase().into())),
        "upper" => b
            .param(s())
            .build(|a| Ok(str_arg(&a, 0).to_uppercase().into())),
        "trimspace" => b.param(s()).build(|a| Ok(str_arg(&a, 0).trim().into())),
        "replace" => b.params([s(), s(), s()]).build(|a| {
            let (h, n, r) = (str_arg(&a, 0), str_arg(&a, 1), str_arg(&a, 2));
            if n.is_empty() {
                return Err("the substring to replace must not be empty".into());
            }
            Ok(h.replace(n, r).into())
        }),
        "substr" => b.params([s(), P::Number, P::Number]).build(|a| {
            let text = str_arg(&a, 0);
            let off = a[1].as_i64().ok_or("offset must be an integer")?;
            let len = a[2].as_i64().ok_or("length must be an integer")?;
            let chars: Vec<char> = text.chars().collect();
            let n = chars.len() as i64;
            let start = if off < 0 { n + off } else { off };
            if start < 0 || start > n {
                return Err(format!(
                    "offset {off} is outside a string of {n} characters"
                ));
            }
            let end = if len < 0 { n } else { (start + len).min(n) };
            Ok(chars[start as usize..end as usize]
                .iter()
                .collect::<String>()
                .into())
        }),
        "join" => b.params([s(), P::array_of(any())]).build(|a| {
            let parts: Result<Vec<String>, String> = a[1]
                .as_array()
                .into_iter()
                .flatten()
                .map(to_string)
                .collect();
            Ok(parts?.join(str_arg(&a, 0)).into())
        }),
        "split" => b.params([s(), s()]).build(|a| {
            let (sep, text) = (str_arg(&a, 0), str_arg(&a, 1));
            if sep.is_empty() {
                return Err("the separator must not be empty".into());
            }
            Ok(Value::Array(text.split(sep).map(Value::from).collect()))
        }),
        "format" => b.param(s()).variadic_param(any()).build(format),
        "concat" => b.variadic_param(P::array_of(any())).build(|a| {
            Ok(Value::Array(
                a.into_values()
                    .into_iter()
                    .flat_map(|v| match v {
                        Value::Array(items) => items,
                        _ => Vec::new(),
                    })
                    .collect(),
            ))
        }),
        "flatten" => b.param(P::array_of(any())).build(|a| {
            fn walk(v: &Value, out: &mut Vec<Value>) {
                match v {
                    Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
                    other => out.push(other.clone()),
                }
            }
            let mut out = Vec::new();
            walk(&a[0], &mut out);
            Ok(Value::Array(out))
        }),
        "distinct" | "toset" => b.param(P::array_of(any())).build(|a| {
            let mut out: Vec<Value> = Vec::new();
            for v in a[0].as_array().into_iter().flatten() {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(Value::Array(out))
        }),
        "tolist" => b.param(P::array_of(any())).build(|a| Ok(a[0].clone())),
        "tomap" => b.param(P::object_of(any())).build(|a| Ok(a[0].clone())),
        "merge" => b.variadic_param(P::object_of(any())).build(|a| {
            let mut out = Map::new();
            for v in a.into_values() {
                if let Value::Object(m) = v {
                    out.extend(m);
                }
            }
            Ok(Value::Object(out))
        }),
        "keys" => b.param(P::object_of(any())).build(|a| {
            let m = a[0].as_object().cloned().unwrap_or_default();
            let mut keys: Vec<String> = m.into_iter().map(|(k, _)| k).collect();
            keys.sort();
            Ok(Value::Array(keys.into_iter().map(Value::from).collect()))
        }),
        "values" => b.param(P::object_of(any())).build(|a| {
            let m = a[0].as_object().cloned().unwrap_or_default();
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|x, y| x.0.cmp(&y.0));
            Ok(Value::Array(entries.into_iter().map(|(_, v)| v).collect()))
        }),
        "zipmap" => b.params([P::array_of(s()), P::array_of(any())]).build(|a| {
            let (k, v) = (a[0].as_array(), a[1].as_array());
            let (Some(k), Some(v)) = (k, v) else {
                return Err("zipmap takes two lists".into());
            };
            if k.len() != v.len() {
                return Err(format!(
                    "the lists have different lengths ({} keys, {} values)",
                    k.len(),
                    v.len()
                ));
            }
            let mut out = Map::new();
            for (key, val) in k.iter().zip(v) {
                out.insert(key.as_str().unwrap_or_default().to_owned(), val.clone());
            }
            Ok(Value::Object(out))
        }),
        "length" => b.param(any()).build(|a| match &a[0] {
            Value::Array(v) => Ok(v.len().into()),
            Value::Object(m) => Ok(m.len().into()),
            Value::String(s) => Ok(s.chars().count().into()),
            other => Err(format!("length of {} is not defined", kind(other))),
        }),
        "lookup" => b
            .params([P::object_of(any()), s()])
            .variadic_param(any())
            .build(|a| {
                let key = str_arg(&a, 1).to_owned();
                let values = a.into_values();
                match values[0].as_object().and_then(|m| m.get(&key)) {
                    Some(v) => Ok(v.clone()),
                    None => values
                        .get(2)
                        .cloned()
                        .ok_or_else(|| format!("no key {key:?} and no default given")),
                }
            }),
        "element" => b.params([P::array_of(any()), P::Number]).build(|a| {
            let list = a[0].as_array().cloned().unwrap_or_default();
            let i = a[1].as_u64().ok_or("the index must be a whole number")?;
            if list.is_empty() {
                return Err("cannot take an element of an empty list".into());
            }
            Ok(list[(i % list.len() as u64) as usize].clone())
        }),
        "contains" => b
            .params([P::array_of(any()), any()])
            .build(|a| Ok(a[0].as_array().is_some_and(|l| l.contains(&a[1])).into())),
        "coalesce" => b.variadic_param(any()).build(|a| {
            a.into_values()
                .into_iter()
                .find(|v| !v.is_null() && v.as_str() != Some(""))
                .ok_or_else(|| "every argument is null or empty".to_owned())
        }),
        "tostring" => b.param(any()).build(|a| to_string(&a[0]).map(Value::from)),
        "tonumber" => b.param(any()).build(|a| match &a[0] {
            Value::Number(n) => Ok(Value::Number(*n)),
            Value::String(s) => parse_number(s)
                .map(Value::Number)
                .ok_or_else(|| format!("{s:?} is not a number")),
            other => Err(format!("cannot convert {} to a number", kind(other))),
        }),
        "tobool" => b.param(any()).build(|a| match &a[0] {
            Value::Bool(v) => Ok((*v).into()),
            Value::String(s) if s == "true" => Ok(true.into()),
            Value::String(s) if s == "false" => Ok(false.into()),
            other => Err(format!("cannot convert {other} to a bool")),
        }),
        _ => return None,
    })
}

fn str_arg(a: &FuncArgs, i: usize) -> &str {
    a[i].as_str().unwrap_or_default()
}

/// Parses a decimal number the way HCL writes it.
pub fn parse_number(s: &str) -> Option<hcl::Number> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(i.into());
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(hcl::Number::from_f64)
}

/// A human name for a value's type.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Converts a primitive to a string the way Terraform does.
pub fn to_string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("cannot convert {} to a string", kind(other))),
    }
}

fn format(a: FuncArgs) -> Result<Value, String> {
    let values = a.into_values();
    let spec = values[0].as_str().unwrap_or_default().to_owned();
    let mut args = values[1..].iter();
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => {
                let v = args.next().ok_or("not enough arguments for the format")?;
                out.push_str(&to_string(v)?);
            }
            other => {
                return Err(format!(
                    "unsupported verb %{} (supported: %s, %d, %v, %%)",
                    other.map(String::from).unwrap_or_default()
                ))
            }
        }
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::{Context, Evaluate};

    fn eval(src: &str) -> Result<Value, String> {
        let expr: hcl::Expression = hcl::edit::parser::parse_expr(src).unwrap().into();
        let mut ctx = Context::new();
        for n in NAMES {
            ctx.declare_func(*n, def(n).unwrap());
        }
        expr.evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[test]
    fn every_name_has_a_definition() {
        assert!(NAMES.iter().all(|n| def(n).is_some()));
        assert!(def("nope").is_none());
    }

    #[test]
    fn functions_behave_like_terraform() {
        assert_eq!(eval(r#"upper("eu")"#).unwrap(), Value::from("EU"));
        assert_eq!(
            eval(r#"format("fs-%s-%d", "ab", 3)"#).unwrap(),
            Value::from("fs-ab-3")
        );
        assert_eq!(eval(r#"length({a = 1, b = 2})"#).unwrap(), Value::from(2));
        assert_eq!(
            eval(r#"lookup({a = "x"}, "b", "d")"#).unwrap(),
            Value::from("d")
        );
        assert_eq!(
            eval(r#"substr("abcdef", 1, 3)"#).unwrap(),
            Value::from("bcd")
        );
        assert!(eval(r#"substr("ab", 5, 1)"#).is_err());
        assert!(eval(r#"split("", "ab")"#).is_err());
        assert!(eval(r#"format("%q", 1)"#).is_err());
        assert!(eval(r#"element([], 0)"#).is_err());
    }
}
