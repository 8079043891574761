//! nginx configuration (`nginx.conf`, `nginx/conf.d/*.conf`, `nginx/sites-available/*`,
//! `nginx/sites-enabled/*`). The tokenizer follows `ngx_conf_read_token`:
//!
//! - Words are separated by whitespace; an unquoted word ends at whitespace, `;` or `{`
//!   (except in `${var}`). `;` ends a directive, `{` opens a block, `}` closes one.
//! - `#` at the start of a word starts a comment to the end of the line.
//! - `"..."` and `'...'` are one word without their quotes; in every word `\"`, `\'`, `\\` drop
//!   their backslash and `\t`, `\r`, `\n` are decoded, other backslashes stay. A closing quote
//!   must be followed by whitespace, `;`, `{` or `)`. `$variables` are kept as text.
//!
//! Key paths:
//! - A directive `name arg1 arg2;` in block path `P` is `P.name` with value `arg1 arg2` (its
//!   words joined by one space; no words: the empty string). The line is the directive's.
//! - A block `name args { ... }` is the segment `name`, followed, when it has arguments, by one
//!   more segment holding the arguments joined by one space (quoted by [`push_key`] only when
//!   needed): `http.server.location./api.proxy_pass`,
//!   `http.server.location."~ \.php$".fastcgi_pass`, `http.map."$http_upgrade $conn".default`,
//!   `events.worker_connections`. An empty block is a leaf `Value::EmptyMap`.
//! - Lists only where things repeat: a directive name, or a block name with the same arguments,
//!   that occurs more than once in the same block gets an index per occurrence in file order:
//!   `http.server[0].listen[1]`, `http.include[0]`. Once it appears once only, it has no
//!   index. Everything else is order-free: reordering directives or blocks of different names
//!   or arguments is not drift.
//! - `include` is an ordinary directive: recorded with its path, not followed.
//!
//! Errors (line and column): an unexpected `}` or `;` or `{`, a directive not ended by `;`
//! (at the `}` or end of file that came instead), an unclosed block (at end of file, naming
//! the line of its `{`), an unterminated quote (at the quote), a bad character after a closing
//! quote, and nesting deeper than [`MAX_DEPTH`] blocks.

use crate::tree::{ParseError, Tree, Value, push_index, push_key};
use std::collections::HashMap;

/// Deepest block nesting accepted; real configs use 4 or 5 levels.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Semi,
    Open,
    Close,
}

struct Token {
    tok: Tok,
    line: u32,
    column: u32,
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    column: u32,
}

impl Lexer<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    /// Pushes an escaped character (after a `\`) the way nginx copies words.
    fn escape(&mut self, word: &mut String) {
        match self.chars.peek().copied() {
            Some(c @ ('"' | '\'' | '\\')) => {
                self.bump();
                word.push(c);
            }
            Some('t') => {
                self.bump();
                word.push('\t');
            }
            Some('r') => {
                self.bump();
                word.push('\r');
            }
            Some('n') => {
                self.bump();
                word.push('\n');
            }
            Some(c) => {
                // nginx keeps the backslash but still never ends a word on the escaped char.
                self.bump();
                word.push('\\');
                word.push(c);
            }
            None => word.push('\\'),
        }
    }

    fn next(&mut self) -> Result<Option<Token>, ParseError> {
        loop {
            let (line, column) = (self.line, self.column);
            let Some(&c) = self.chars.peek() else {
                return Ok(None);
            };
            let simple = |tok| Ok(Some(Token { tok, line, column }));
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '#' => {
                    while self.chars.peek().is_some_and(|&c| c != '\n') {
                        self.bump();
                    }
                }
                ';' => {
                    self.bump();
                    return simple(Tok::Semi);
                }
                '{' => {
                    self.bump();
                    return simple(Tok::Open);
                }
                '}' => {
                    self.bump();
                    return simple(Tok::Close);
                }
                '"' | '\'' => {
                    self.bump();
                    let mut word = String::new();
                    loop {
                        match self.bump() {
                            None => {
                                return Err(ParseError::new(
                                    line,
                                    column,
                                    format!(
                                        "expected a closing {c} for the string that starts here"
                                    ),
                                ));
                            }
                            Some('\\') => self.escape(&mut word),
                            Some(q) if q == c => break,
                            Some(other) => word.push(other),
                        }
                    }
                    match self.chars.peek() {
                        None | Some(';' | '{' | ')') => {}
                        Some(n) if n.is_whitespace() => {}
                        Some(&n) => {
                            return Err(ParseError::new(
                                self.line,
                                self.column,
                                format!(
                                    "unexpected {n:?} after the closing quote: expected a space, ';' or '{{'"
                                ),
                            ));
                        }
                    }
                    return simple(Tok::Word(word));
                }
                _ => {
                    let mut word = String::new();
                    let mut variable = false;
                    while let Some(&c) = self.chars.peek() {
                        if c == '{' && variable {
                            self.bump();
                            word.push(c);
                            continue;
                        }
                        variable = false;
                        if c.is_whitespace() || c == ';' || c == '{' {
                            break;
                        }
                        self.bump();
                        match c {
                            '\\' => self.escape(&mut word),
                            '$' => {
                                variable = true;
                                word.push(c);
                            }
                            c => word.push(c),
                        }
                    }
                    return simple(Tok::Word(word));
                }
            }
        }
    }
}

/// A directive or a block, as read.
struct Node {
    name: String,
    args: String,
    line: u32,
    block: Option<Vec<Node>>,
}

/// Reads the file into nodes, without recursion.
fn read(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut lexer = Lexer {
        chars: text.chars().peekable(),
        line: 1,
        column: 1,
    };
    // Open blocks: (the block's node without children, its children so far, line and column
    // of its `{`).
    let mut stack: Vec<(Node, Vec<Node>, u32, u32)> = Vec::new();
    let mut top: Vec<Node> = Vec::new();
    let mut words: Vec<(String, u32)> = Vec::new();
    let take = |words: &mut Vec<(String, u32)>| -> Node {
        let mut it = words.drain(..);
        let (name, line) = it.next().unwrap_or_default();
        let args: Vec<String> = it.map(|(w, _)| w).collect();
        Node {
            name,
            args: args.join(" "),
            line,
            block: None,
        }
    };
    while let Some(token) = lexer.next()? {
        let err = |msg: String| Err(ParseError::new(token.line, token.column, msg));
        match token.tok {
            Tok::Word(w) => words.push((w, token.line)),
            Tok::Semi => {
                if words.is_empty() {
                    return err("unexpected ';': expected a directive name before it".into());
                }
                let node = take(&mut words);
                stack.last_mut().map_or(&mut top, |s| &mut s.1).push(node);
            }
            Tok::Open => {
                if words.is_empty() {
                    return err("unexpected '{': expected a block name before it".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return err(format!(
                        "blocks nested deeper than {MAX_DEPTH} levels: expected '}}' sooner"
                    ));
                }
                let node = take(&mut words);
                stack.push((node, Vec::new(), token.line, token.column));
            }
            Tok::Close => {
                if !words.is_empty() {
                    return err(format!(
                        "unexpected '}}': expected ';' to end the directive '{}' first",
                        words[0].0
                    ));
                }
                let Some((mut node, children, _, _)) = stack.pop() else {
                    return err("unexpected '}': no block is open".into());
                };
                node.block = Some(children);
                stack.last_mut().map_or(&mut top, |s| &mut s.1).push(node);
            }
        }
    }
    if let Some((name, _)) = words.first() {
        return Err(ParseError::new(
            lexer.line,
            lexer.column,
            format!("unexpected end of file: expected ';' to end the directive '{name}'"),
        ));
    }
    if let Some((node, _, line, column)) = stack.last() {
        return Err(ParseError::new(
            lexer.line,
            lexer.column,
            format!(
                "unexpected end of file: expected '}}' to close the '{}' block opened at line {line}, column {column}",
                node.name
            ),
        ));
    }
    Ok(top)
}

/// The identity of a node among its siblings: the name, plus the arguments for blocks.
fn identity(node: &Node) -> (&str, Option<&str>) {
    (&node.name, node.block.as_ref().map(|_| node.args.as_str()))
}

fn flatten(nodes: &[Node], prefix: &str, tree: &mut Tree) {
    let mut totals: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for node in nodes {
        *totals.entry(identity(node)).or_insert(0) += 1;
    }
    let mut seen: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for node in nodes {
        let id = identity(node);
        let mut path = prefix.to_string();
        push_key(&mut path, &node.name);
        if node.block.is_some() && !node.args.is_empty() {
            push_key(&mut path, &node.args);
        }
        if totals.get(&id).copied().unwrap_or(0) > 1 {
            let n = seen.entry(id).or_insert(0);
            push_index(&mut path, *n);
            *n += 1;
        }
        match &node.block {
            None => tree.insert(path, Value::text(node.args.clone()), node.line),
            Some(children) if children.is_empty() => tree.insert(path, Value::EmptyMap, node.line),
            Some(children) => flatten(children, &path, tree),
        }
    }
}

pub fn parse(text: &str) -> Result<Tree, ParseError> {
    let nodes = read(text)?;
    let mut tree = Tree::new();
    flatten(&nodes, "", &mut tree);
    Ok(tree)
}
