//! Lines split into words as Python's `shlex.split` splits them (Ansible's INI host lines,
//! `ansible_ssh_common_args`). Plain string work: knows nothing of inventories.

/// Splits a host line like Python's `shlex.split(line, comments=True)`, which Ansible uses:
/// whitespace separates words, `'...'` is literal, `"..."` allows `\"`, `\\`, `\$`, `` \` ``,
/// a backslash outside quotes escapes the next character, `#` outside quotes ends the line.
pub(super) fn split_words(line: &str) -> Result<Vec<String>, String> {
    split_words_with(line, true)
}

/// [`split_words`], with `#` starting a comment or not (`shlex.split(s, comments=False)`, as
/// Ansible splits `ansible_ssh_common_args`).
pub(super) fn split_words_with(line: &str, comments: bool) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '#' if comments => break,
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => word.push(x),
                        None => return Err("unclosed quote ': expected a closing '".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.peek() {
                            Some(&n) if matches!(n, '"' | '\\' | '$' | '`') => {
                                word.push(n);
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        Some(x) => word.push(x),
                        None => return Err("unclosed quote \": expected a closing \"".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(n) => word.push(n),
                    None => {
                        return Err(
                            "backslash at the end of the line: expected a character after it"
                                .into(),
                        );
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::tests::names;

    #[test]
    fn shell_like_splitting() {
        assert_eq!(
            split_words(r#"h a="x y" b='p "q"' c=d\ e f=g#h # rest"#).unwrap(),
            names(&["h", "a=x y", "b=p \"q\"", "c=d e", "f=g"])
        );
        assert!(split_words("h a='x").is_err());
        assert!(split_words("h a=\\").is_err());
    }
}
