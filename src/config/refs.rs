//! Finds what an expression refers to (`var.X`, `local.X`, `each.key`, bare
//! names, function calls) with their spans, so undefined names are reported
//! at the exact place before evaluation.
//!
//! This module only reads expressions; it must never evaluate them.

use std::collections::HashSet;
use std::ops::Range;

use hcl::edit::expr::{Expression, ForExpr, FuncCall, Traversal, TraversalOperator};
use hcl::edit::template::ForTemplateExpr;
use hcl::edit::visit::{self, Visit};
use hcl::edit::Span;

/// One name an expression refers to.
#[derive(Debug, Clone)]
pub struct Ref {
    /// The root name (`var`, `local`, `each`, or anything else).
    pub root: String,
    /// The first attribute after the root, if the reference has one.
    pub attr: Option<String>,
    /// Where the reference is written.
    pub span: Option<Range<usize>>,
}

/// Every reference and function call in an expression.
#[derive(Debug, Default)]
pub struct Refs {
    /// Names used, except those bound by `for` expressions.
    pub names: Vec<Ref>,
    /// Functions called, with the span of the name.
    pub funcs: Vec<(String, Option<Range<usize>>)>,
    bound: Vec<HashSet<String>>,
}

impl Refs {
    /// Collects the references of `expr`.
    pub fn of(expr: &Expression) -> Self {
        let mut r = Refs::default();
        r.visit_expr(expr);
        r
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|s| s.contains(name))
    }

    fn push(&mut self, root: &str, attr: Option<String>, span: Option<Range<usize>>) {
        if !self.is_bound(root) {
            self.names.push(Ref {
                root: root.to_owned(),
                attr,
                span,
            });
        }
    }
}

impl Visit for Refs {
    fn visit_expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(v) => self.push(v.as_str(), None, v.span()),
            other => visit::visit_expr(self, other),
        }
    }

    fn visit_traversal(&mut self, t: &Traversal) {
        if let Expression::Variable(v) = &t.expr {
            let attr = match t.operators.first().map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(id)) => Some(id.as_str().to_owned()),
                _ => None,
            };
            // The span covers the root and its first attribute (`var.name`).
            let span = match (v.span(), t.operators.first().and_then(|o| o.span())) {
                (Some(a), Some(b)) if attr.is_some() => Some(a.start..b.end),
                (a, _) => a,
            };
            self.push(v.as_str(), attr, span);
            for op in &t.operators {
                self.visit_traversal_operator(op);
            }
        } else {
            visit::visit_traversal(self, t);
        }
    }

    fn visit_func_call(&mut self, f: &FuncCall) {
        let name = f.name.name.as_str().to_owned();
        self.funcs.push((name, f.name.name.span()));
        self.visit_func_args(&f.args);
    }

    fn visit_for_expr(&mut self, f: &ForExpr) {
        self.visit_expr(&f.intro.collection_expr);
        let mut scope = HashSet::new();
        if let Some(k) = &f.intro.key_var {
            scope.insert(k.as_str().to_owned());
        }
        scope.insert(f.intro.value_var.as_str().to_owned());
        self.bound.push(scope);
        if let Some(k) = &f.key_expr {
            self.visit_expr(k);
        }
        self.visit_expr(&f.value_expr);
        if let Some(c) = &f.cond {
            self.visit_for_cond(c);
        }
        self.bound.pop();
    }

    fn visit_for_template_expr(&mut self, f: &ForTemplateExpr) {
        self.visit_expr(&f.collection_expr);
        let mut scope = HashSet::new();
        if let Some(k) = &f.key_var {
            scope.insert(k.as_str().to_owned());
        }
        scope.insert(f.value_var.as_str().to_owned());
        self.bound.push(scope);
        self.visit_template(&f.template);
        self.bound.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_roots_attrs_and_functions_but_not_for_variables() {
        let e = hcl::edit::parser::parse_expr(
            r#"upper("${var.a}-${each.key}") == [for x in local.l : x if x != y]"#,
        )
        .unwrap();
        let r = Refs::of(&e);
        let names: Vec<(String, Option<String>)> = r
            .names
            .iter()
            .map(|n| (n.root.clone(), n.attr.clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("var".into(), Some("a".into())),
                ("each".into(), Some("key".into())),
                ("local".into(), Some("l".into())),
                ("y".into(), None),
            ]
        );
        assert_eq!(r.funcs[0].0, "upper");
    }
}
