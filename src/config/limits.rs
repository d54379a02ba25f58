//! Bounds on what a configuration can make the loader do: the size of a
//! file read, the number of `for_each` instances of a block, and how large
//! a value (or a `for` expression's expansion) may grow. Past a bound the
//! loader reports a located error instead of exhausting memory or time.
//!
//! These are checks only: nothing here evaluates an expression or reads a
//! file other than the one it is asked to read.

use std::io::Read;
use std::path::Path;

use hcl::edit::expr::{Array, Expression, ForExpr, Object};
use hcl::edit::template::ForTemplateExpr;
use hcl::edit::visit::{self, Visit};
use hcl::Value;

/// Largest configuration or var file read, in bytes (16 MiB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Most instances one `for_each` may make.
pub const MAX_INSTANCES: usize = 10_000;

/// Most elements (list items, map entries and scalars, nested ones
/// included) a value may hold, and most a `for` expression may expand to.
pub const MAX_ELEMENTS: usize = 100_000;

/// Most bytes of text a value may hold, all strings together (16 MiB).
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// Reads a text file of at most [`MAX_FILE_BYTES`]; the error says why not.
pub fn read_file(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} MiB, the most a configuration file may hold",
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    String::from_utf8(buf).map_err(|_| "stream did not contain valid UTF-8".to_owned())
}

/// The size of a value: (elements, bytes of text). Counting stops soon
/// after either passes its bound, so a huge value costs little to measure.
pub fn value_size(v: &Value) -> (usize, usize) {
    let mut elements = 0usize;
    let mut bytes = 0usize;
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        elements += 1;
        match v {
            Value::String(s) => bytes += s.len(),
            Value::Array(items) => todo.extend(items.iter()),
            Value::Object(m) => {
                for (k, v) in m {
                    bytes += k.len();
                    todo.push(v);
                }
            }
            _ => {}
        }
        if elements > MAX_ELEMENTS || bytes > MAX_TEXT_BYTES {
            break;
        }
    }
    (elements, bytes)
}

/// Why a value is too large, if it is.
pub fn too_large(v: &Value) -> Option<String> {
    let (elements, bytes) = value_size(v);
    if elements > MAX_ELEMENTS {
        Some(format!("holds more than {MAX_ELEMENTS} elements"))
    } else if bytes > MAX_TEXT_BYTES {
        Some(format!(
            "holds more than {} MiB of text",
            MAX_TEXT_BYTES / (1024 * 1024)
        ))
    } else {
        None
    }
}

/// How deep `for` expressions nest in an expression, and how many items
/// its list and object literals hold.
#[derive(Debug, Default)]
pub struct ForShape {
    /// Deepest nesting of `for` expressions (0 when there is none).
    pub depth: u32,
    /// List items and object entries written in the expression.
    pub literal_items: usize,
    current: u32,
}

impl ForShape {
    /// Measures `expr`.
    pub fn of(expr: &Expression) -> Self {
        let mut s = ForShape::default();
        s.visit_expr(expr);
        s
    }

    /// An upper bound of what the `for` expressions may expand to when the
    /// values they can iterate over hold `input` elements in all.
    pub fn bound(&self, input: usize) -> usize {
        (input + self.literal_items + 1).saturating_pow(self.depth)
    }

    fn nested(&mut self, f: impl FnOnce(&mut Self)) {
        self.current += 1;
        self.depth = self.depth.max(self.current);
        f(self);
        self.current -= 1;
    }
}

impl Visit for ForShape {
    fn visit_array(&mut self, node: &Array) {
        self.literal_items += node.len();
        visit::visit_array(self, node);
    }

    fn visit_object(&mut self, node: &Object) {
        self.literal_items += node.len();
        visit::visit_object(self, node);
    }

    fn visit_for_expr(&mut self, f: &ForExpr) {
        self.nested(|s| visit::visit_for_expr(s, f));
    }

    fn visit_for_template_expr(&mut self, f: &ForTemplateExpr) {
        self.nested(|s| visit::visit_for_template_expr(s, f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_shape_counts_nesting_and_literals() {
        let e =
            hcl::edit::parser::parse_expr("[for a in [1, 2, 3] : [for b in local.x : b]]").unwrap();
        let s = ForShape::of(&e);
        assert_eq!(s.depth, 2);
        assert_eq!(s.literal_items, 3);
        assert_eq!(s.bound(10), 14 * 14);
        assert_eq!(
            ForShape::of(&hcl::edit::parser::parse_expr("1").unwrap()).depth,
            0
        );
    }

    #[test]
    fn value_size_stops_early_and_reports_both_bounds() {
        let big = Value::Array(vec![Value::Null; MAX_ELEMENTS + 10]);
        assert!(too_large(&big).unwrap().contains("elements"));
        let text = Value::String("x".repeat(MAX_TEXT_BYTES + 1));
        assert!(too_large(&text).unwrap().contains("MiB"));
        assert_eq!(too_large(&Value::from("ok")), None);
    }
}
