//! Turns Smithy IDL text into tokens with byte spans; bad characters and strings become diagnostics
//! and lexing goes on, so one run reports every problem of a file.

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::source::{FileId, Span};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An identifier or shape id, possibly with `.`, `#` and `$` (`org.wasmcloud.model#U32`).
    Ident(String),
    /// A quoted string, escapes resolved.
    Str(String),
    /// A `"""` text block, indentation and escapes resolved.
    TextBlock(String),
    /// A number, as written.
    Number(String),
    /// A `///` documentation comment line, without the slashes.
    Doc(String),
    /// A control statement key (`$version`), without the `$`.
    Control(String),
    /// One of `{ } [ ] ( ) : , = @`.
    Punct(char),
    /// End of the file.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its bytes in the file.
    pub span: Span,
    /// Whether only whitespace or comments stand between the previous line break and this token.
    pub first_on_line: bool,
}

impl Tok {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) | Tok::TextBlock(_) => "a string".into(),
            Tok::Number(n) => format!("`{n}`"),
            Tok::Doc(_) => "a documentation comment".into(),
            Tok::Control(c) => format!("`${c}`"),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Eof => "the end of the file".into(),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '#' | '$')
}

/// Splits `text` into tokens (ending with [`Tok::Eof`]) and lexical errors.
pub fn lex(file: FileId, text: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer {
        file,
        text,
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
        line_start: true,
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'a> {
    file: FileId,
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<Diagnostic>,
    line_start: bool,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start..self.pos)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        let span = self.span(start);
        let first_on_line = std::mem::replace(&mut self.line_start, false);
        self.tokens.push(Token {
            tok,
            span,
            first_on_line,
        });
    }

    fn error(&mut self, span: Span, message: &str, label: &str, help: &str) {
        self.errors
            .push(Diagnostic::new(DiagnosticKind::Syntax, span, message, label).with_help(help));
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                c if c.is_whitespace() || c == '\u{feff}' => {
                    self.line_start |= c == '\n';
                    self.bump();
                }
                '/' if self.text[self.pos..].starts_with("///") => {
                    let end = self.text[self.pos..]
                        .find('\n')
                        .map_or(self.text.len(), |i| self.pos + i);
                    let line = self.text[self.pos + 3..end].trim_end_matches('\r');
                    self.pos = end;
                    self.push(Tok::Doc(line.to_owned()), start);
                }
                '/' if self.text[self.pos..].starts_with("//") => {
                    self.pos = self.text[self.pos..]
                        .find('\n')
                        .map_or(self.text.len(), |i| self.pos + i);
                }
                '{' | '}' | '[' | ']' | '(' | ')' | ':' | ',' | '=' | '@' => {
                    self.bump();
                    self.push(Tok::Punct(c), start);
                }
                '"' if self.text[self.pos..].starts_with("\"\"\"") => self.text_block(),
                '"' => self.string(),
                '$' if self.peek_at(1).is_some_and(is_ident_start) => {
                    self.bump();
                    let word = self.word();
                    self.push(Tok::Control(word), start);
                }
                '-' | '0'..='9' => self.number(),
                c if is_ident_start(c) => {
                    let word = self.word();
                    self.push(Tok::Ident(word), start);
                }
                other => {
                    self.bump();
                    let span = self.span(start);
                    self.error(
                        span,
                        &format!("unexpected character `{}`", other.escape_debug()),
                        "not valid here",
                        "remove it; strings go in double quotes and comments start with `//`",
                    );
                }
            }
        }
        let end = self.text.len();
        self.tokens.push(Token {
            tok: Tok::Eof,
            span: Span::new(self.file, end..end),
            first_on_line: true,
        });
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_continue) {
            self.bump();
        }
        self.text[start..self.pos].to_owned()
    }

    fn number(&mut self) {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.bump();
        }
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let mut ok = self.pos > digits_start;
        if ok && self.peek() == Some('.') {
            self.bump();
            let frac = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
            ok = self.pos > frac;
        }
        if ok && matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            let exp = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
            ok = self.pos > exp;
        }
        // A number runs into letters (`12ab`) only by mistake: take the letters into the error span.
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.bump();
            ok = false;
        }
        if ok {
            let text = self.text[start..self.pos].to_owned();
            self.push(Tok::Number(text), start);
        } else {
            let span = self.span(start);
            self.error(
                span,
                &format!("invalid number `{}`", &self.text[start..self.pos]),
                "not a number",
                "write numbers like `0`, `-12` or `1.5e3`",
            );
        }
    }

    /// Reads one escape after a backslash; `None` when it is not a valid escape.
    fn escape(&mut self) -> Option<Option<char>> {
        let c = self.bump()?;
        Some(match c {
            '"' => Some('"'),
            '\'' => Some('\''),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            // A backslash before a newline joins the lines.
            '\n' => None,
            'u' => {
                let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                let code = u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4);
                match code.and_then(char::from_u32) {
                    Some(c) => Some(c),
                    None => return None,
                }
            }
            _ => return None,
        })
    }

    fn string(&mut self) {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None => {
                    let span = self.span(start);
                    self.error(
                        span,
                        "unterminated string",
                        "this string has no closing quote",
                        "add a `\"` at the end of the string",
                    );
                    return;
                }
                Some('"') => break,
                Some('\\') => {
                    let escape_start = self.pos - 1;
                    match self.escape() {
                        Some(Some(c)) => value.push(c),
                        Some(None) => {}
                        None => {
                            let span = self.span(escape_start);
                            self.error(
                                span,
                                "invalid escape in string",
                                "unknown escape",
                                "valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                            );
                        }
                    }
                }
                Some(c) => value.push(c),
            }
        }
        self.push(Tok::Str(value), start);
    }

    fn text_block(&mut self) {
        let start = self.pos;
        self.pos += 3;
        let Some(close) = self.text[self.pos..].find("\"\"\"") else {
            self.pos = self.text.len();
            let span = self.span(start);
            self.error(
                span,
                "unterminated text block",
                "this text block has no closing `\"\"\"`",
                "end the text block with `\"\"\"`",
            );
            return;
        };
        let raw_start = self.pos;
        let mut raw_end = self.pos + close;
        // `\"""` inside a block is an escaped quote followed by two quotes: keep looking.
        while self.text[raw_start..raw_end].ends_with('\\') {
            match self.text[raw_end + 1..].find("\"\"\"") {
                Some(next) => raw_end = raw_end + 1 + next,
                None => break,
            }
        }
        let raw = &self.text[raw_start..raw_end];
        self.pos = raw_end + 3;
        let value = match raw.strip_prefix('\n').or_else(|| raw.strip_prefix("\r\n")) {
            Some(body) => unindent(body),
            None => {
                let span = self.span(start);
                self.error(
                    span,
                    "a text block must start with a new line",
                    "text after the opening `\"\"\"`",
                    "start the text on the line after `\"\"\"`",
                );
                return;
            }
        };
        let mut out = String::new();
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('\n') | None => {}
                    Some(other) => out.push(other),
                }
            } else {
                out.push(c);
            }
        }
        self.push(Tok::TextBlock(out), start);
    }
}

/// Removes the indentation shared by all non-blank lines (and the closing line) and trailing spaces.
fn unindent(body: &str) -> String {
    let lines: Vec<&str> = body.split('\n').collect();
    let last = lines.len() - 1;
    let indent = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| *i == last || !l.trim().is_empty())
        .map(|(_, l)| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end().to_owned())
        .collect();
    if out.last().is_some_and(String::is_empty) {
        out.pop();
        return out.join("\n") + "\n";
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(FileId(0), text).0.into_iter().map(|t| t.tok).collect()
    }

    /// Shape ids with namespace, `#` and `$` are one token; comments vanish; docs are kept.
    #[test]
    fn lexes_ids_docs_and_punctuation() {
        assert_eq!(
            toks("/// hi\n@n(0) // c\nuse a.b#C$d"),
            vec![
                Tok::Doc(" hi".into()),
                Tok::Punct('@'),
                Tok::Ident("n".into()),
                Tok::Punct('('),
                Tok::Number("0".into()),
                Tok::Punct(')'),
                Tok::Ident("use".into()),
                Tok::Ident("a.b#C$d".into()),
                Tok::Eof
            ]
        );
    }

    /// Escapes are resolved and text blocks lose their shared indentation.
    #[test]
    fn strings_and_text_blocks() {
        assert_eq!(toks(r#""a\"b\u0041""#)[0], Tok::Str("a\"bA".into()));
        assert_eq!(
            toks("\"\"\"\n    one\n      two\n    \"\"\"")[0],
            Tok::TextBlock("one\n  two\n".into())
        );
    }

    /// An unterminated string is reported at its opening quote and lexing still ends with `Eof`.
    #[test]
    fn unterminated_string_is_an_error() {
        let (tokens, errors) = lex(FileId(0), "x \"abc");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span.start, 2);
        assert_eq!(tokens.last().map(|t| &t.tok), Some(&Tok::Eof));
    }
}
