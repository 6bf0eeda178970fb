//! A small XML writer (escaping, indentation) and a read-only element tree over quick-xml,
//! enough for the package manifests guichet writes and reads back.

use crate::PackageError;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Builds an indented document element by element.
pub struct Writer {
    out: String,
    stack: Vec<String>,
}

impl Writer {
    pub fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            stack: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.stack.len() {
            self.out.push_str("  ");
        }
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
        self.out.push_str(">\n");
        self.stack.push(name.to_owned());
    }

    pub fn close(&mut self) {
        if let Some(name) = self.stack.pop() {
            self.indent();
            self.out.push_str(&format!("</{name}>\n"));
        }
    }

    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
        if text.is_empty() {
            self.out.push_str("/>\n");
        } else {
            self.out.push_str(&format!(">{}</{name}>\n", escape(text)));
        }
    }

    /// A leaf only when `text` is not empty.
    pub fn opt(&mut self, name: &str, text: &str) {
        if !text.trim().is_empty() {
            self.leaf(name, &[], text);
        }
    }

    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.out
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

/// An element read back: local name (prefix dropped), attributes, text, children.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_owned(),
        None => s.into_owned(),
    }
}

/// Parses a whole document into its root element.
pub fn parse(xml: &str) -> Result<Element, PackageError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    let bad = |e: String| PackageError::Invalid(format!("XML: {e}"));
    loop {
        match reader.read_event().map_err(|e| bad(e.to_string()))? {
            Event::Start(e) => {
                let mut el = Element {
                    name: local(e.name().as_ref()),
                    ..Element::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|e| bad(e.to_string()))?;
                    let v = a.unescape_value().map_err(|e| bad(e.to_string()))?;
                    el.attrs.push((local(a.key.as_ref()), v.into_owned()));
                }
                stack.push(el);
            }
            Event::Empty(e) => {
                let mut el = Element {
                    name: local(e.name().as_ref()),
                    ..Element::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|e| bad(e.to_string()))?;
                    let v = a.unescape_value().map_err(|e| bad(e.to_string()))?;
                    el.attrs.push((local(a.key.as_ref()), v.into_owned()));
                }
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::Text(t) => {
                let t = t.decode().map_err(|e| bad(e.to_string()))?;
                let t = quick_xml::escape::unescape(&t).map_err(|e| bad(e.to_string()))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| bad(e.to_string()))?;
                let entity = format!("&{name};");
                let t = quick_xml::escape::unescape(&entity).map_err(|e| bad(e.to_string()))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                let Some(mut el) = stack.pop() else {
                    return Err(bad("unbalanced end tag".into()));
                };
                el.text = el.text.trim().to_owned();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Err(bad("unbalanced end tag".into())),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let doc = stack.pop().ok_or_else(|| bad("empty document".into()))?;
    doc.children
        .into_iter()
        .next()
        .ok_or_else(|| bad("no root element".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let mut w = Writer::new();
        w.open("a:Root", &[("id", "x\"1")]);
        w.leaf("Title", &[], "Hồ sơ <1> & 2");
        w.leaf("Empty", &[("k", "v")], "");
        w.close();
        let xml = w.finish();
        let root = parse(&xml).expect("parse");
        assert_eq!(root.name, "Root");
        assert_eq!(root.attr("id"), Some("x\"1"));
        assert_eq!(root.text_of("Title"), Some("Hồ sơ <1> & 2"));
        assert_eq!(root.child("Empty").and_then(|e| e.attr("k")), Some("v"));
    }
}
