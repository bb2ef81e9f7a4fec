//! A JSON reader for schema documents that behaves like Go's `encoding/json` decoder with
//! `UseNumber()`: numbers keep their source text, a repeated object key keeps its last value,
//! and syntax errors carry Go's wording (`invalid character 'x' looking for beginning of
//! value`, `unexpected EOF`, `EOF`).

/// A parsed JSON document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number with its source text (Go's `json.Number`).
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object; keys are unique (a repeated key kept its last value, in the first position).
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses one JSON document; anything but whitespace after it is an error.
pub(crate) fn parse(input: &[u8]) -> Result<Json, String> {
    let mut p = Parser {
        b: input,
        i: 0,
        depth: 0,
    };
    p.skip_ws();
    if p.i >= p.b.len() {
        return Err("EOF".to_string());
    }
    let v = p.value()?;
    p.skip_ws();
    if p.i < p.b.len() {
        return Err("invalid character after top-level value".to_string());
    }
    Ok(v)
}

/// Go's `quoteChar`: how a character is shown inside `invalid character ...` messages.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        _ => {
            let q = super::output::go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

/// Nesting limit (Go allows 10,000; schemas nest far less, and this keeps the stack small).
const MAX_DEPTH: usize = 1_000;

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    /// The character at the cursor (decoding UTF-8) for error messages.
    fn cur_char(&self) -> char {
        let rest = &self.b[self.i..];
        let end = rest.len().min(4);
        for n in 1..=end {
            if let Ok(s) = std::str::from_utf8(&rest[..n])
                && let Some(c) = s.chars().next()
            {
                return c;
            }
        }
        char::REPLACEMENT_CHARACTER
    }

    fn invalid(&self, context: &str) -> String {
        if self.i >= self.b.len() {
            return "unexpected EOF".to_string();
        }
        format!(
            "invalid character {} {context}",
            quote_char(self.cur_char())
        )
    }

    fn value(&mut self) -> Result<Json, String> {
        self.skip_ws();
        let Some(&c) = self.b.get(self.i) else {
            return Err("unexpected EOF".to_string());
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Json::Str(self.string()?)),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        let w = word.as_bytes();
        self.i += 1;
        for (k, &expect) in w.iter().enumerate().skip(1) {
            match self.b.get(self.i) {
                None => return Err("unexpected EOF".to_string()),
                Some(&got) if got == expect => self.i += 1,
                Some(_) => {
                    return Err(self.invalid(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(char::from(w[k]))
                    )));
                }
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
            match self.b.get(self.i) {
                Some(b'0'..=b'9') => {}
                _ => return Err(self.invalid("in numeric literal")),
            }
        }
        if self.b[self.i] == b'0' {
            self.i += 1;
        } else {
            while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.invalid("after decimal point in numeric literal"));
            }
            while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                return Err(self.invalid("in exponent of numeric literal"));
            }
            while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
        Ok(Json::Num(text))
    }

    fn string(&mut self) -> Result<String, String> {
        // cursor on the opening quote
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err("unexpected EOF".to_string());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.b.get(self.i) else {
                        return Err("unexpected EOF".to_string());
                    };
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        _ => None,
                    };
                    if let Some(s) = simple {
                        out.push(s);
                        self.i += 1;
                        continue;
                    }
                    if e != b'u' {
                        return Err(self.invalid("in string escape code"));
                    }
                    self.i += 1;
                    let cp = self.hex4()?;
                    let ch = if (0xD800..0xDC00).contains(&cp)
                        && self.b.get(self.i) == Some(&b'\\')
                        && self.b.get(self.i + 1) == Some(&b'u')
                    {
                        let save = self.i;
                        self.i += 2;
                        let lo = self.hex4()?;
                        if (0xDC00..0xE000).contains(&lo) {
                            char::from_u32(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00))
                        } else {
                            self.i = save;
                            None
                        }
                    } else {
                        char::from_u32(cp)
                    };
                    let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.invalid("in string literal")),
                _ => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&h) = self.b.get(self.i) else {
                return Err("unexpected EOF".to_string());
            };
            let d = match h {
                b'0'..=b'9' => h - b'0',
                b'a'..=b'f' => h - b'a' + 10,
                b'A'..=b'F' => h - b'A' + 10,
                _ => return Err(self.invalid("in \\u hexadecimal character escape")),
            };
            v = v * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("exceeded max depth".to_string());
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Json, String> {
        self.enter()?;
        self.i += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.skip_ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Obj(members));
        }
        loop {
            self.skip_ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.invalid("looking for beginning of object key string"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.invalid("after object key"));
            }
            self.i += 1;
            let v = self.value()?;
            if let Some(slot) = members.iter_mut().find(|(k, _)| *k == key) {
                slot.1 = v;
            } else {
                members.push((key, v));
            }
            self.skip_ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Obj(members));
                }
                _ => return Err(self.invalid("after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<Json, String> {
        self.enter()?;
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Arr(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Arr(items));
                }
                _ => return Err(self.invalid("after array element")),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn go_decoder_messages() {
        let cases: &[(&str, &str)] = &[
            ("", "EOF"),
            ("  ", "EOF"),
            ("{", "unexpected EOF"),
            ("{\"a\":1", "unexpected EOF"),
            (
                "{x}",
                "invalid character 'x' looking for beginning of object key string",
            ),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 \"b\"}",
                "invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("tru", "unexpected EOF"),
            (
                "trux",
                "invalid character 'x' in literal true (expecting 'e')",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            ("1.", "unexpected EOF"),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            ("{} x", "invalid character after top-level value"),
            (
                "'a'",
                "invalid character '\\'' looking for beginning of value",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse(input.as_bytes()).unwrap_err(),
                *want,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn keeps_number_text_and_last_duplicate() {
        let v = parse(br#"{"a": 1.0, "b": 1e3, "a": 2}"#).unwrap();
        assert_eq!(v.get("a"), Some(&Json::Num("2".into())));
        assert_eq!(v.get("b"), Some(&Json::Num("1e3".into())));
    }
}
