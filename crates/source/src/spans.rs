//! Where each value of a TOML file is: field path → byte range.

use std::collections::HashMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A value longer than this (in bytes) is shown by its key, or its first character.
const LONG_VALUE: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    values: HashMap<String, Range<usize>>,
    keys: HashMap<String, Range<usize>>,
}

impl SpanIndex {
    pub fn build(text: &str) -> Result<SpanIndex, toml::de::Error> {
        let root = DeTable::parse(text)?;
        Ok(SpanIndex::from_document(&root))
    }

    /// The index of an already parsed document.
    pub fn from_document(root: &Spanned<DeTable<'_>>) -> SpanIndex {
        // A report has about one value per 60 bytes of text: size the map once.
        let mut index = SpanIndex {
            values: HashMap::with_capacity(root.span().end / 48 + 16),
            keys: HashMap::with_capacity(64),
        };
        // One path buffer for the whole walk: each node appends its segment and truncates
        // it back, so building a path costs no formatting (a third of parsing otherwise).
        let mut path = String::with_capacity(128);
        index.walk_table(&mut path, root.get_ref());
        index
    }

    fn walk_table(&mut self, path: &mut String, table: &DeTable<'_>) {
        let len = path.len();
        for (key, value) in table.iter() {
            if len > 0 {
                path.push('.');
            }
            path.push_str(key.get_ref());
            // `locate` shows a key only for a value too long to show (a table's body): only
            // those keys are kept, which saves an owned path for most entries.
            let span = value.span();
            if span.end.saturating_sub(span.start) > LONG_VALUE {
                self.keys.insert(path.clone(), key.span());
            }
            self.walk_value(path, value);
            path.truncate(len);
        }
    }

    fn walk_value(&mut self, path: &mut String, value: &Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::Table(t) => self.walk_table(path, t),
            DeValue::Array(items) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    use std::fmt::Write;
                    let _ = write!(path, "[{i}]");
                    self.walk_value(path, item);
                    path.truncate(len);
                }
            }
            _ => {}
        }
        self.values.insert(path.clone(), value.span());
    }

    pub(crate) fn shifted(mut self, offset: usize) -> SpanIndex {
        if offset > 0 {
            for r in self.values.values_mut().chain(self.keys.values_mut()) {
                *r = (r.start + offset)..(r.end + offset);
            }
        }
        self
    }

    /// The span of the value at `path`, if the file wrote it.
    pub fn value_span(&self, path: &str) -> Option<Range<usize>> {
        self.values.get(path).cloned()
    }

    /// The best place to show for `path`: its value if written; for a table, its header
    /// key; otherwise the nearest written ancestor (a missing key is shown at its table).
    pub fn locate(&self, path: &str) -> Option<Range<usize>> {
        let mut p = path;
        loop {
            if let Some(v) = self.values.get(p) {
                // Tables span their whole body: point at the header line instead.
                if v.end.saturating_sub(v.start) > LONG_VALUE {
                    if let Some(k) = self.keys.get(p) {
                        return Some(k.clone());
                    }
                }
                if v.end.saturating_sub(v.start) > LONG_VALUE {
                    return Some(v.start..v.start + 1);
                }
                return Some(v.clone());
            }
            match p.rfind(['.', '[']) {
                Some(cut) => p = &p[..cut],
                // A missing top-level key: the report as a whole, shown at its first line.
                None => return self.values.values().min_by_key(|r| r.start).cloned(),
            }
        }
    }
}

/// Byte offset → (line, column), both 1-based, columns in characters.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        };
        let start = self.starts[line];
        let col = text.get(start..offset).map(|s| s.chars().count()).unwrap_or(offset - start);
        (line + 1, col + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_nested_arrays_of_tables() {
        let text = "a = 1\n[[m]]\nx = \"y\"\n[[m.actions]]\nn = 3\n[[m]]\nx = \"z\"\n";
        let idx = SpanIndex::build(text).unwrap();
        let r = idx.value_span("m[0].actions[0].n").unwrap();
        assert_eq!(&text[r], "3");
        let r = idx.value_span("m[1].x").unwrap();
        assert_eq!(&text[r], "\"z\"");
        // A missing key falls back to its table.
        assert!(idx.locate("m[0].actions[0].absent").is_some());
        let li = LineIndex::new(text);
        assert_eq!(li.line_col(text, text.find("n = 3").unwrap()), (5, 1));
    }
}
