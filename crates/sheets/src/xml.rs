//! XML output of the ODS parts: a thin layer over quick-xml's writer. Text and attribute
//! values are escaped by quick-xml only, after [`xml_chars`] has dropped what XML 1.0
//! cannot hold. (The same layer as `bilan-render`'s for ODT and DOCX; the crates do not
//! depend on each other.)

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `text` without the characters XML 1.0 forbids (controls other than tab, LF and CR,
/// U+FFFE, U+FFFF). Borrowed when nothing is dropped, which is the usual case.
pub(crate) fn xml_chars(text: &str) -> Cow<'_, str> {
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// An XML part being written in memory. Element and attribute *names* are the writer's
/// own constants; every text and attribute value goes through quick-xml's escaping.
pub(crate) struct Xml(Writer<Vec<u8>>);

impl Xml {
    /// A part starting with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn new() -> Self {
        let mut x = Xml(Writer::new(Vec::with_capacity(16 * 1024)));
        x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
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
