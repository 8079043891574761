//! nginx configuration (`nginx.conf`, `nginx/conf.d/*.conf`, `nginx/sites-available/*`,
//! `nginx/sites-enabled/*`). The tokenizer follows `ngx_conf_read_token`:
//!
//! - Words are separated by whitespace; an unquoted word ends at whitespace, `;` or `{`
//!   (except in `${var}`). `;` ends a directive, `{` opens a block, `}` closes one.
//! - `#` at the start of a word starts a comment to the end of the line.
//! - `"..."` and `'...'` are one word without their quotes; in every word `\"`, `\'`, `\\` drop
//!   their backslash and `\t`, `\r`, `\n` are decoded, other backslashes stay. A closing quote
//!   must be followed by whitespace, `;`, `{` or `)`. `$variables` are kept as text.
//!   As in nginx, a `)` right after a quote is a word of its own, so `if ($a = "x")` has the
//!   arguments `($a = x )` while `if ($a = x)` has `($a = x)`: that respelling shows as drift.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::testutil::*;

    const NGINX_CONF: &str = include_str!("../../fixtures/upstream/nginx-common/nginx.conf");
    const DEFAULT_SITE: &str =
        include_str!("../../fixtures/upstream/nginx-common/sites-available-default");

    fn without_comments(text: &str) -> String {
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// Uncomments lines `from..=to` (1-based) that start with `#`.
    fn enable(text: &str, from: usize, to: usize) -> String {
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                let l = if (from..=to).contains(&(i + 1)) {
                    let start = l.len() - l.trim_start().len();
                    match l[start..].strip_prefix('#') {
                        Some(rest) => format!("{}{rest}", &l[..start]),
                        None => l.to_string(),
                    }
                } else {
                    l.to_string()
                };
                format!("{l}\n")
            })
            .collect()
    }

    #[test]
    fn shipped_nginx_conf() {
        let t = parse(NGINX_CONF).unwrap();
        assert_eq!(get(&t, "user"), (&s("www-data"), 1));
        assert_eq!(
            get(&t, "include"),
            (&s("/etc/nginx/modules-enabled/*.conf"), 5)
        );
        assert_eq!(get(&t, "events.worker_connections"), (&s("768"), 8));
        assert_eq!(get(&t, "http.sendfile"), (&s("on"), 18));
        assert_eq!(
            get(&t, "http.include[0]"),
            (&s("/etc/nginx/mime.types"), 26)
        );
        assert_eq!(
            get(&t, "http.include[2]"),
            (&s("/etc/nginx/sites-enabled/*"), 60)
        );
        assert_eq!(
            get(&t, "http.ssl_protocols"),
            (&s("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"), 33)
        );
        assert_eq!(t.len(), 17, "{t:?}");
        assert!(same_tree(
            &t,
            &parse(&without_comments(NGINX_CONF)).unwrap()
        ));
    }

    #[test]
    fn shipped_default_site() {
        let t = parse(DEFAULT_SITE).unwrap();
        assert_eq!(get(&t, "server.listen[0]"), (&s("80 default_server"), 22));
        assert_eq!(
            get(&t, "server.listen[1]"),
            (&s("[::]:80 default_server"), 23)
        );
        assert_eq!(get(&t, "server.server_name"), (&s("_"), 46));
        assert_eq!(
            get(&t, "server.location./.try_files"),
            (&s("$uri $uri/ =404"), 51)
        );
        assert_eq!(t.len(), 6, "{t:?}");
        assert!(same_tree(
            &t,
            &parse(&without_comments(DEFAULT_SITE)).unwrap()
        ));
    }

    #[test]
    fn rewrites_are_not_drift() {
        let t = parse(NGINX_CONF).unwrap();
        let rewritten = "\
http { gzip \"on\"; sendfile on ; tcp_nopush  on;
  include /etc/nginx/mime.types; types_hash_max_size '2048';
  default_type application/octet-stream; ssl_protocols TLSv1\tTLSv1.1 TLSv1.2 TLSv1.3;
  ssl_prefer_server_ciphers on; access_log /var/log/nginx/access.log;
  include /etc/nginx/conf.d/*.conf; include \"/etc/nginx/sites-enabled/*\";
}
events { worker_connections 768; }  # moved up
user www-data; worker_processes auto; pid /run/nginx.pid;
error_log /var/log/nginx/error.log; include /etc/nginx/modules-enabled/*.conf;
";
        let r = parse(rewritten).unwrap();
        assert!(same_tree(&t, &r), "{:?}", drift(&t, &r));
        // Reordering items of a list is drift: include order matters to nginx.
        let swapped = rewritten.replace(
            "include /etc/nginx/conf.d/*.conf; include \"/etc/nginx/sites-enabled/*\";",
            "include \"/etc/nginx/sites-enabled/*\"; include /etc/nginx/conf.d/*.conf;",
        );
        assert_eq!(
            drift(&t, &parse(&swapped).unwrap()),
            ["http.include[1]", "http.include[2]"]
        );
    }

    #[test]
    fn edits_are_found_at_the_right_key_and_line() {
        let t = parse(DEFAULT_SITE).unwrap();
        let edited = parse(&DEFAULT_SITE.replace("=404;", "=403;")).unwrap();
        assert_eq!(drift(&t, &edited), ["server.location./.try_files"]);
        // The commented PHP and .ht locations enabled.
        let php = parse(&enable(&enable(DEFAULT_SITE, 56, 63), 68, 70)).unwrap();
        assert_eq!(
            drift(&t, &php),
            [
                "server.location.\"~ \\\\.php$\".include",
                "server.location.\"~ \\\\.php$\".fastcgi_pass[0]",
                "server.location.\"~ \\\\.php$\".fastcgi_pass[1]",
                "server.location.\"~ /\\\\.ht\".deny",
            ]
        );
        assert_eq!(
            get(&php, "server.location.\"~ \\\\.php$\".fastcgi_pass[1]"),
            (&s("127.0.0.1:9000"), 62)
        );
        assert_eq!(
            get(&php, "server.location.\"~ /\\\\.ht\".deny"),
            (&s("all"), 69)
        );
        // The example.com server enabled: `server` now repeats, so both become list items.
        let two = parse(&enable(DEFAULT_SITE, 79, 91)).unwrap();
        assert_eq!(
            get(&two, "server[0].listen[0]"),
            (&s("80 default_server"), 22)
        );
        assert_eq!(get(&two, "server[1].listen[1]"), (&s("[::]:80"), 81));
        assert_eq!(get(&two, "server[1].server_name"), (&s("example.com"), 83));
        assert_eq!(
            get(&two, "server[1].location./.try_files"),
            (&s("$uri $uri/ =404"), 89)
        );
        assert!(two.get("server.listen[0]").is_none());
    }

    #[test]
    fn blocks_with_arguments_and_empty_blocks() {
        let t = parse(
            "http {\n upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080 backup; }\n\
             map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n\
             server { location /api { proxy_pass http://app; } location = /health {}\n\
             if ($request_method = \"POST\") { return 405; } add_header X-A \"a b\"; \
             add_header X-B ${host}x; }\n}\n",
        )
        .unwrap();
        assert_eq!(
            get(&t, "http.upstream.app.server[1]"),
            (&s("10.0.0.2:8080 backup"), 2)
        );
        assert_eq!(
            get(&t, "http.map.\"$http_upgrade $connection_upgrade\".\"\"").0,
            &s("close")
        );
        assert_eq!(
            get(&t, "http.server.location./api.proxy_pass").0,
            &s("http://app")
        );
        assert_eq!(
            get(&t, "http.server.location.\"= /health\""),
            (&Value::EmptyMap, 4)
        );
        assert_eq!(
            get(&t, "http.server.if.\"($request_method = POST )\".return").0,
            &s("405")
        );
        assert_eq!(get(&t, "http.server.add_header[0]").0, &s("X-A a b"));
        assert_eq!(get(&t, "http.server.add_header[1]").0, &s("X-B ${host}x"));
        let e = parse("a \"x\\\"y\" 'it\\'s' b\\;c;").unwrap();
        assert_eq!(get(&e, "a").0, &s("x\"y it's b\\;c"));
    }

    #[test]
    fn errors_have_line_and_column() {
        let cases: &[(&str, u32, u32, &str)] = &[
            (
                "http {\n  sendfile on\n}\n",
                3,
                1,
                "expected ';' to end the directive 'sendfile'",
            ),
            ("events {\n}\n}\n", 3, 1, "no block is open"),
            (
                "http {\n server {\n",
                3,
                1,
                "expected '}' to close the 'server' block opened at line 2, column 9",
            ),
            ("user www-data", 1, 14, "expected ';'"),
            ("root \"/var/www;\n", 1, 6, "expected a closing \""),
            ("root '/var'x;\n", 1, 12, "after the closing quote"),
            ("  ;", 1, 3, "unexpected ';'"),
            ("x;\n {", 2, 2, "unexpected '{'"),
        ];
        for &(text, line, col, msg) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
            assert!(e.message.contains(msg), "{text:?}: {e}");
        }
        let deep = "a {".repeat(MAX_DEPTH) + &"}".repeat(MAX_DEPTH);
        assert!(parse(&deep).is_ok());
        let too_deep = "a {".repeat(100_000);
        let e = parse(&too_deep).unwrap_err();
        assert_eq!((e.line, e.column), (1, 3 * MAX_DEPTH as u32 + 3));
        assert!(e.message.contains("deeper than 64"), "{e}");
    }

    #[test]
    fn junk_never_panics() {
        let long = "x".repeat(300_000);
        for junk in [
            "",
            "{",
            "}",
            ";",
            "\"",
            "'",
            "\\",
            "a \\",
            "a \"\\",
            "${",
            "a ${b;",
            "a ${b}",
            "é ü;",
            "# only a comment",
            "a\r\n;",
            "a \"x\")",
            "a {\u{feff}}",
            &long,
        ] {
            let _ = parse(junk);
        }
        assert_eq!(parse(&format!("{long};")).unwrap().len(), 1);
    }
}
