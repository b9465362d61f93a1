//! XML output of the office formats. The OpenDocument (ODT, ODS) and Word parts are
//! written through [`Xml`], a thin layer over quick-xml's writer: text and attribute values
//! are escaped by quick-xml only, after [`xml_chars`] has dropped what XML 1.0 cannot hold.
//! [`escape`] is for `bilan-render`'s HTML page and SVG drawings, which are built as
//! strings. One crate so that `bilan-render` and `bilan-sheets`, which do not depend on
//! each other, share one writer.

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// Escapes `& < > " '` and drops the characters XML 1.0 cannot hold (controls other than
/// tab and line breaks), so that any text a user typed yields a well-formed document.
/// For HTML and SVG strings; the ODT and DOCX parts use [`Xml`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `text` without the characters XML 1.0 forbids (controls other than tab, LF and CR,
/// U+FFFE, U+FFFF, lone surrogates cannot occur in a `str`). Borrowed when nothing is
/// dropped, which is the usual case.
pub fn xml_chars(text: &str) -> Cow<'_, str> {
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// An XML part being written in memory. Element and attribute *names* are the writer's
/// own constants; every text and attribute value goes through quick-xml's escaping.
pub struct Xml(Writer<Vec<u8>>);

impl Xml {
    /// A part starting with `<?xml version="1.0" encoding="UTF-8"?>` (with
    /// `standalone="yes"` for Office Open XML) and a line break.
    pub fn new(standalone: bool) -> Self {
        let mut x = Xml(Writer::new(Vec::with_capacity(16 * 1024)));
        x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), standalone.then_some("yes"))));
        x.text("\n");
        x
    }

    /// `<name a="v" …>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.event(Event::Start(start(name, attrs)));
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name a="v" …/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.event(Event::Empty(start(name, attrs)));
    }

    /// Escaped character data.
    pub fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.event(Event::Text(BytesText::new(&xml_chars(text))));
        }
    }

    /// `<name a="v" …>text</name>`.
    pub fn element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        self.text(text);
        self.close(name);
    }

    pub fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }

    fn event(&mut self, event: Event<'_>) {
        // Writing to a Vec cannot fail.
        self.0.write_event(event).expect("write XML to memory");
    }
}

fn start<'a>(name: &'a str, attrs: &[(&'a str, &'a str)]) -> BytesStart<'a> {
    let mut s = BytesStart::new(name);
    for &(k, v) in attrs {
        s.push_attribute((k, xml_chars(v).as_ref()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_controls() {
        assert_eq!(
            escape("<script>a&b\"c'</script>\u{0}\u{b}é"),
            "&lt;script&gt;a&amp;b&quot;c&#39;&lt;/script&gt;é"
        );
    }

    #[test]
    fn writer_escapes_text_and_attributes() {
        let mut x = Xml::new(false);
        x.open("a", &[("b", "x\"<&\u{1}y")]);
        x.text("<&]]>\u{1}\u{FFFF}é");
        x.close("a");
        assert_eq!(
            String::from_utf8(x.finish()).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a b=\"x&quot;&lt;&amp;y\">&lt;&amp;]]&gt;é</a>"
        );
    }
}
