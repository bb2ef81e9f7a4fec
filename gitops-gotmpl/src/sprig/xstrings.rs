//! The word-splitting case conversions of huandu/xstrings v1.5 that Sprig exposes:
//! `snakecase` (`ToSnakeCase`), `kebabcase` (`ToKebabCase`) and `camelcase`
//! (`ToPascalCase`).
//!
//! Words are runs of one class (connectors `-`, `_` and spaces; punctuation; an upper
//! case letter followed by lower case ones or an all-caps run; lower case letters;
//! numbers; anything else), and numbers attach to the word before them as xstrings
//! decides ("Bld4Floor3rd" → "bld4_floor_3rd", "http2xx" → "http_2xx").

use super::strings::{is_upper, to_lower, to_upper};

const RUNE_ERROR: char = '\u{FFFD}';

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// Go's `unicode.IsPunct` (category P): ASCII exactly, common Unicode punctuation.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return matches!(
            c,
            '!' | '"'
                | '#'
                | '%'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | ','
                | '-'
                | '.'
                | '/'
                | ':'
                | ';'
                | '?'
                | '@'
                | '['
                | '\\'
                | ']'
                | '_'
                | '{'
                | '}'
        );
    }
    matches!(c, '\u{A1}' | '\u{A7}' | '\u{AB}' | '\u{B6}' | '\u{B7}' | '\u{BB}' | '\u{BF}' | '\u{37E}' | '\u{387}'
        | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}' | '\u{2053}'..='\u{205E}'
        | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{FF01}'..='\u{FF03}' | '\u{FF05}'..='\u{FF0A}'
        | '\u{FF0C}'..='\u{FF0F}')
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !c.is_alphabetic() {
        return false;
    }
    !matches!(c, '\u{4E00}'..='\u{9FCC}' | '\u{3400}'..='\u{4D85}' | '\u{20000}'..='\u{2B81D}')
}

fn next_valid_rune(s: &str, prev: char) -> (char, usize) {
    let mut size = 0;
    for c in s.chars() {
        size += c.len_utf8();
        if c != RUNE_ERROR {
            return (c, size);
        }
    }
    (prev, size)
}

fn next_word(s: &str) -> (Word, &str, &str) {
    if s.is_empty() {
        return (Word::Invalid, "", "");
    }
    let mut remaining = s;
    let (mut r, mut size) = next_valid_rune(remaining, RUNE_ERROR);
    let mut offset = size;
    if r == RUNE_ERROR {
        return (Word::Invalid, &s[..offset], &s[offset..]);
    }
    let wt;
    // consumes runes while `keep` holds
    macro_rules! run {
        ($keep:expr) => {
            while !remaining.is_empty() {
                (r, size) = next_valid_rune(remaining, r);
                if !$keep(r) {
                    break;
                }
                offset += size;
                remaining = &remaining[size..];
            }
        };
    }
    if is_connector(r) {
        wt = Word::Connector;
        remaining = &remaining[size..];
        run!(is_connector);
    } else if is_punct(r) {
        wt = Word::Punct;
        remaining = &remaining[size..];
        run!(is_punct);
    } else if is_upper(r) {
        wt = Word::Upper;
        remaining = &remaining[size..];
        if !remaining.is_empty() {
            (r, size) = next_valid_rune(remaining, r);
            if is_upper(r) {
                let mut prev_size = size;
                offset += size;
                remaining = &remaining[size..];
                while !remaining.is_empty() {
                    (r, size) = next_valid_rune(remaining, r);
                    if !is_upper(r) {
                        break;
                    }
                    prev_size = size;
                    offset += size;
                    remaining = &remaining[size..];
                }
                if !remaining.is_empty() && is_alphabet(r) {
                    offset -= prev_size;
                    remaining = &s[offset..];
                }
            } else if is_alphabet(r) {
                offset += size;
                remaining = &remaining[size..];
                run!(|c| is_alphabet(c) && !is_upper(c));
            }
        }
    } else if is_alphabet(r) {
        wt = Word::Alphabet;
        remaining = &remaining[size..];
        run!(|c| is_alphabet(c) && !is_upper(c));
    } else if r.is_numeric() {
        wt = Word::Number;
        remaining = &remaining[size..];
        run!(char::is_numeric);
    } else {
        wt = Word::Other;
        remaining = &remaining[size..];
        run!(|c: char| !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c)));
    }
    (wt, &s[..offset], remaining)
}

fn push_lower(out: &mut String, wt: Word, word: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if is_upper(c) {
            out.push(to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (`ToSnakeCase` with `_`, `ToKebabCase` with `-`).
pub(crate) fn to_snake_case(s: &str, connector: char) -> String {
    let mut out = String::new();
    if s.is_empty() {
        return out;
    }
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            push_lower(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(connector);
                }
            }
            Word::Connector => push_lower(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                if wt != Word::Alphabet {
                    push_lower(&mut out, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                push_lower(&mut out, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, wt, word, connector);
    out
}

/// xstrings' `ToPascalCase`: connectors removed and the next letter upper-cased; a
/// word's following capitals are lowered (`GOLANG_IS_GREAT` → `GolangIsGreat`); leading
/// connectors and runs of two or more are kept but one.
pub(crate) fn to_pascal_case(s: &str) -> String {
    let mut out = String::new();
    if s.is_empty() {
        return out;
    }
    let mut chars = s.chars().peekable();
    let mut first_upper = false;
    let mut r0 = RUNE_ERROR;
    for c in chars.by_ref() {
        r0 = c;
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = to_upper(c);
            break;
        }
        out.push(c);
    }
    if chars.peek().is_none() {
        // xstrings writes the last rune again when the input is only connectors
        out.push(r0);
        return out;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = to_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_and_kebab_case_follow_xstrings() {
        for (input, want) in [
            ("FirstName", "first_name"),
            ("HTTPServer", "http_server"),
            ("NoHTTPS", "no_https"),
            ("GO PATH", "go_path"),
            ("http2xx", "http_2xx"),
            ("HTTP20xOK", "http_20x_ok"),
            ("Bld4Floor3rd", "bld4_floor_3rd"),
            ("already_snake", "already_snake"),
            ("a.b-c d", "a.b_c_d"),
            ("ÉtéPlage", "été_plage"),
            ("A", "a"),
            ("__x__Y", "__x__y"),
            ("v1.2.3Beta", "v1.2.3_beta"),
            ("Duration2m3s", "duration_2m3s"),
        ] {
            assert_eq!(to_snake_case(input, '_'), want, "{input}");
        }
        assert_eq!(to_snake_case("a1b2", '-'), "a-1b2");
        assert_eq!(to_snake_case("x__y", '-'), "x--y");
        assert_eq!(to_snake_case("ABC", '-'), "abc");
    }

    #[test]
    fn pascal_case_follows_xstrings() {
        for (input, want) in [
            ("some_words", "SomeWords"),
            ("_complex__case_", "_Complex_Case_"),
            ("some words", "SomeWords"),
            ("GOLANG_IS_GREAT", "GolangIsGreat"),
            ("a", "A"),
            ("foo-bar", "FooBar"),
            ("fooBar", "FooBar"),
            ("FOO", "Foo"),
            ("été_plage", "ÉtéPlage"),
        ] {
            assert_eq!(to_pascal_case(input), want, "{input}");
        }
    }
}
