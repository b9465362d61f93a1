//! Colours for terminals only (never in pipes or files), and French plurals.

use std::io::IsTerminal;

#[derive(Clone, Copy)]
pub struct Style {
    pub on: bool,
}

impl Style {
    pub fn for_stream(stream: &impl IsTerminal) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { on: stream.is_terminal() && !no_color }
    }
    fn paint(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn red(self, s: &str) -> String {
        self.paint("1;31", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("1;33", s)
    }
    pub fn cyan(self, s: &str) -> String {
        self.paint("1;36", s)
    }
    pub fn blue(self, s: &str) -> String {
        self.paint("1;34", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// "1 erreur", "2 erreurs", "0 erreur".
pub fn plural(n: usize, singular: &str, plural: &str) -> String {
    if n <= 1 {
        format!("{n} {singular}")
    } else {
        format!("{n} {plural}")
    }
}
