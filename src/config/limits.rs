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

/// Most bytes of text one expression may be able to build before its
/// result is measured (64 MiB).
pub const MAX_EXPANSION_BYTES: usize = 64 * 1024 * 1024;

/// The size of a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    /// List items, map entries and scalars, nested ones included.
    pub elements: usize,
    /// Bytes of text, all strings and keys together.
    pub bytes: usize,
    /// Bytes of the longest string or key.
    pub longest: usize,
}

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

/// The size of a value. Counting stops soon after a bound is passed, so a
/// huge value costs little to measure.
pub fn value_size(v: &Value) -> Size {
    let mut size = Size::default();
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        size.elements += 1;
        let mut text = |n: usize| {
            size.bytes += n;
            size.longest = size.longest.max(n);
        };
        match v {
            Value::String(s) => text(s.len()),
            Value::Array(items) => todo.extend(items.iter()),
            Value::Object(m) => {
                for (k, v) in m {
                    text(k.len());
                    todo.push(v);
                }
            }
            _ => {}
        }
        if size.elements > MAX_ELEMENTS || size.bytes > MAX_TEXT_BYTES {
            break;
        }
    }
    size
}

/// Why evaluating an expression could build too large a value, judged
/// before evaluating it: its `for` nesting over the sizes of the values it
/// refers to (`refs` references in all, `text_len` bytes of its own text).
pub fn expansion(
    shape: &ForShape,
    inputs: &[Size],
    refs: usize,
    text_len: usize,
) -> Option<String> {
    let elements: usize = inputs.iter().map(|s| s.elements).sum();
    let longest = inputs.iter().map(|s| s.longest).max().unwrap_or(0);
    let count = if shape.depth > 0 {
        shape.bound(elements)
    } else {
        1
    };
    if count > MAX_ELEMENTS {
        return Some(format!(
            "'s {} nested for expression{} could expand to more than {MAX_ELEMENTS} elements",
            shape.depth,
            if shape.depth == 1 { "" } else { "s" },
        ));
    }
    // Each element built may hold every string it refers to.
    let per_element = longest.saturating_mul(refs.max(1)).saturating_add(text_len);
    (count.saturating_mul(per_element) > MAX_EXPANSION_BYTES).then(|| {
        format!(
            " could build more than {} MiB of text",
            MAX_EXPANSION_BYTES / (1024 * 1024)
        )
    })
}

/// Why a value is too large, if it is.
pub fn too_large(v: &Value) -> Option<String> {
    let Size {
        elements, bytes, ..
    } = value_size(v);
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
    fn expansion_bounds_elements_and_text() {
        let for2 = ForShape::of(
            &hcl::edit::parser::parse_expr("[for a in x : [for b in x : b]]").unwrap(),
        );
        let small = Size {
            elements: 50,
            bytes: 500,
            longest: 10,
        };
        assert_eq!(expansion(&for2, &[small], 2, 40), None);
        let big = Size {
            elements: 1000,
            bytes: 10_000,
            longest: 10,
        };
        assert!(expansion(&for2, &[big], 2, 40)
            .unwrap()
            .contains("elements"));
        // One level over a short list, but of a 16 MiB string.
        let for1 = ForShape::of(&hcl::edit::parser::parse_expr("[for a in x : s]").unwrap());
        let long = Size {
            elements: 100,
            bytes: MAX_TEXT_BYTES,
            longest: MAX_TEXT_BYTES,
        };
        assert!(expansion(&for1, &[long], 2, 20).unwrap().contains("MiB"));
        // No for: the references themselves.
        let none = ForShape::of(
            &hcl::edit::parser::parse_expr("format(\"%s%s%s%s%s\", s, s, s, s, s)").unwrap(),
        );
        assert!(expansion(&none, &[long], 5, 30).is_some());
        assert_eq!(expansion(&none, &[small], 5, 30), None);
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
