//! Helm's `pkg/strvals`: the `--set` family of flags.
//!
//! A line is `name1=value1,name2=value2`. Names nest with `.` (`a.b=c`) and index lists
//! with `[i]` (`a[0].b=x`; missing items before `i` are nil). `\` escapes the next
//! character (`a\.b=c` sets the key `a.b`). `a={x,y}` is a list. `a=` is the empty string.
//!
//! Values are typed as Helm types them: with [`parse`] `true`/`false` (any case) are
//! booleans, `null` is nil (which deletes the key when coalesced), decimal integers not
//! starting with `0` are `int64` (`007`, `1.50`, `0x10` stay strings); [`parse_string`]
//! keeps strings; [`parse_json`] reads JSON values (numbers `float64`, empty is nil);
//! [`parse_file`] hands each value to a reader (Helm reads a file).
//!
//! Errors are Helm's messages (`key "a" has no value`,
//! `index of 65537 is greater than maximum supported index of 65536`, …).

use std::cell::RefCell;
use std::rc::Rc;

use gitops_gotmpl::{ListType, Map, MapType, Value};

/// The largest list index a line may use (Helm's `MaxIndex`).
pub const MAX_INDEX: i64 = 65536;

/// The deepest nesting of names a line may use (Helm's `MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// A malformed line; the message is Helm's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// Helm's message, e.g. `key "a" has no value`.
    pub message: String,
}

/// Reads the value of a `--set-file` item: given the text after `=`, returns its value.
pub type Reader<'a> = dyn FnMut(&str) -> Result<Value, String> + 'a;

/// Parses a `--set` line into a new map.
pub fn parse(line: &str) -> Result<Value, Error> {
    let dest = new_map();
    parse_into(line, &dest)?;
    Ok(dest)
}

/// Parses a `--set-string` line into a new map.
pub fn parse_string(line: &str) -> Result<Value, Error> {
    let dest = new_map();
    parse_into_string(line, &dest)?;
    Ok(dest)
}

/// Parses a `--set` line into `dest` (a map), overwriting the keys it sets.
pub fn parse_into(line: &str, dest: &Value) -> Result<(), Error> {
    run(line, dest, Mode::Typed(false))
}

/// Parses a `--set-string` line into `dest` (a map): every value is a string.
pub fn parse_into_string(line: &str, dest: &Value) -> Result<(), Error> {
    run(line, dest, Mode::Typed(true))
}

/// Parses a `--set-json` line into `dest` (a map): values are JSON (an empty value is nil).
pub fn parse_json(line: &str, dest: &Value) -> Result<(), Error> {
    run(line, dest, Mode::Json)
}

/// Parses a `--set-literal` line into `dest` (a map): the value is the rest of the line,
/// taken literally (no escapes, commas, lists or types).
pub fn parse_literal_into(line: &str, dest: &Value) -> Result<(), Error> {
    run(line, dest, Mode::Literal)
}

/// Parses a `--set-file` line into `dest` (a map): each value is given to `reader`.
pub fn parse_file(line: &str, dest: &Value, reader: &mut Reader<'_>) -> Result<(), Error> {
    run(line, dest, Mode::File(reader))
}

fn new_map() -> Value {
    Value::map(Map::new())
}

enum Mode<'r, 'a> {
    Typed(bool),
    Json,
    Literal,
    File(&'r mut Reader<'a>),
}

/// A parse failure; `eof` marks errors Go tests with `errors.Is(err, io.EOF)` (which end
/// the line without failing it).
struct PErr {
    message: String,
    eof: bool,
}

impl PErr {
    fn msg(m: impl Into<String>) -> PErr {
        PErr {
            message: m.into(),
            eof: false,
        }
    }
    fn eof() -> PErr {
        PErr {
            message: "EOF".into(),
            eof: true,
        }
    }
    fn wrap(self, prefix: &str) -> PErr {
        PErr {
            message: format!("{prefix}: {}", self.message),
            eof: self.eof,
        }
    }
}

enum ValListErr {
    Eof,
    NotList,
    Other(PErr),
}

struct Parser<'s, 'r, 'a> {
    text: &'s str,
    pos: usize,
    last_len: usize,
    mode: Mode<'r, 'a>,
}

fn run(line: &str, dest: &Value, mode: Mode<'_, '_>) -> Result<(), Error> {
    let Value::Map(data, _) = dest else {
        return Err(Error {
            message: "destination is not a map".into(),
        });
    };
    let mut p = Parser {
        text: line,
        pos: 0,
        last_len: 0,
        mode,
    };
    loop {
        match p.key(data, 0) {
            Ok(()) => continue,
            Err(e) if e.eof => return Ok(()),
            Err(e) => return Err(Error { message: e.message }),
        }
    }
}

/// Go's type name as a failed type assertion reports it.
fn go_type(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        other => other.type_name(),
    }
}

fn conversion_panic(v: &Value, want: &str) -> PErr {
    PErr::msg(format!(
        "unable to parse key: interface conversion: interface {{}} is {}, not {want}",
        go_type(v)
    ))
}

fn set(data: &RefCell<Map>, key: &str, val: Value) {
    if !key.is_empty() {
        data.borrow_mut().insert(key.to_string(), val);
    }
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> (Vec<Value>, Option<PErr>) {
    if index < 0 {
        return (
            list,
            Some(PErr::msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_INDEX {
        return (
            list,
            Some(PErr::msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = val;
    (list, None)
}

fn as_list(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l, ListType::Interface) => Some(l.as_ref().clone()),
        _ => None,
    }
}

fn list_value(l: Vec<Value>) -> Value {
    Value::List(Rc::new(l), ListType::Interface)
}

impl Parser<'_, '_, '_> {
    fn read_rune(&mut self) -> Option<char> {
        let c = self.text[self.pos..].chars().next()?;
        self.pos += c.len_utf8();
        self.last_len = c.len_utf8();
        Some(c)
    }

    fn unread_rune(&mut self) {
        self.pos -= self.last_len;
        self.last_len = 0;
    }

    /// Go's `runesUntil`: the text up to a stop rune (unescaping `\x`), the stop rune,
    /// or EOF.
    fn runes_until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.read_rune() {
                None => return (v, None),
                Some(r) if stop.contains(&r) => return (v, Some(r)),
                Some('\\') if !matches!(self.mode, Mode::Literal) => match self.read_rune() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn read_value(&mut self, rs: &str) -> Result<Value, PErr> {
        match &mut self.mode {
            Mode::Typed(st) => Ok(typed_val(rs, *st)),
            Mode::Json | Mode::Literal => Ok(Value::str(rs)),
            Mode::File(reader) => reader(rs).map_err(PErr::msg),
        }
    }

    fn key(&mut self, data: &Rc<RefCell<Map>>, mut level: usize) -> Result<(), PErr> {
        let stop: &[char] = if matches!(self.mode, Mode::Literal) {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last) = self.runes_until(stop);
        match last {
            None => {
                if k.is_empty() {
                    Err(PErr::eof())
                } else {
                    Err(PErr::msg(format!("key {} has no value", go_quote(&k))))
                }
            }
            Some('[') => {
                let i = self
                    .key_index()
                    .map_err(|e| e.wrap("error parsing index"))?;
                let existing = data.borrow().get(&k).cloned();
                let list = match existing {
                    Some(v) => as_list(&v).ok_or_else(|| conversion_panic(&v, "[]interface {}"))?,
                    None => Vec::new(),
                };
                let (list, err) = self.list_item(list, i, level)?;
                set(data, &k, list_value(list));
                match err {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            }
            Some('=') => {
                if matches!(self.mode, Mode::Literal) {
                    let rest = self.rest();
                    set(data, &k, Value::str(rest));
                    return Ok(());
                }
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        set(data, &k, Value::Nil);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &k, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &k, list_value(vl));
                        Ok(())
                    }
                    Err(ValListErr::Eof) => {
                        set(data, &k, Value::str(""));
                        Err(PErr::eof())
                    }
                    Err(ValListErr::NotList) => {
                        let rs = self.val();
                        let v = self.read_value(&rs);
                        match v {
                            Ok(v) => {
                                set(data, &k, v);
                                Ok(())
                            }
                            Err(e) => {
                                set(data, &k, Value::Nil);
                                Err(e)
                            }
                        }
                    }
                    Err(ValListErr::Other(e)) => Err(e),
                }
            }
            Some(',') => {
                set(data, &k, Value::str(""));
                Err(PErr::msg(format!(
                    "key {} has no value (cannot end with ,)",
                    go_quote(&k)
                )))
            }
            Some(_) => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(PErr::msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let existing = data.borrow().get(&k).cloned();
                let inner = match existing {
                    Some(Value::Map(m, MapType::Interface)) => m,
                    Some(v) => return Err(conversion_panic(&v, "map[string]interface {}")),
                    None => Rc::new(RefCell::new(Map::new())),
                };
                let e = self.key(&inner, level);
                let empty = inner.borrow().is_empty();
                if e.is_ok() && empty {
                    return Err(PErr::msg(format!("key map {} has no value", go_quote(&k))));
                }
                if !empty {
                    set(data, &k, Value::Map(inner, MapType::Interface));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, PErr> {
        let (v, last) = self.runes_until(&[']']);
        if last.is_none() {
            return Err(PErr::eof());
        }
        atoi(&v)
    }

    /// Go's `listItem`; the outer `Err` is a failure that loses the list (a recovered
    /// panic), the inner error one returned with the list.
    #[allow(clippy::type_complexity)]
    fn list_item(
        &mut self,
        list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> Result<(Vec<Value>, Option<PErr>), PErr> {
        if i < 0 {
            return Ok((
                list,
                Some(PErr::msg(format!("negative {i} index not allowed"))),
            ));
        }
        let (k, last) = self.runes_until(&['[', '.', '=']);
        if !k.is_empty() {
            return Ok((
                list,
                Some(PErr::msg(format!(
                    "unexpected data at end of array index: {}",
                    go_quote_runes(&k)
                ))),
            ));
        }
        match last {
            None => Ok((list, Some(PErr::eof()))),
            Some('=') => {
                if matches!(self.mode, Mode::Literal) {
                    let rest = self.rest();
                    return Ok(set_index(list, i, Value::str(rest)));
                }
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        return Ok(set_index(list, i, Value::Nil));
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return Ok((list, Some(e))),
                    };
                    let (list, err) = set_index(list, i, v);
                    if err.is_some() {
                        return Ok((list, err));
                    }
                    self.empty_val();
                    return Ok((list, None));
                }
                match self.val_list() {
                    Ok(vl) => Ok(set_index(list, i, list_value(vl))),
                    Err(ValListErr::Eof) => Ok(set_index(list, i, Value::str(""))),
                    Err(ValListErr::NotList) => {
                        let rs = self.val();
                        match self.read_value(&rs) {
                            Ok(v) => Ok(set_index(list, i, v)),
                            Err(e) => Ok((list, Some(e))),
                        }
                    }
                    Err(ValListErr::Other(e)) => Ok((list, Some(e))),
                }
            }
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return Ok((list, Some(e.wrap("error parsing index")))),
                };
                let mut crt = Vec::new();
                if let Some(existing) = list.get(i as usize)
                    && !existing.is_nil()
                {
                    crt = as_list(existing)
                        .ok_or_else(|| conversion_panic(existing, "[]interface {}"))?;
                }
                let (list2, err) = self.list_item(crt, next, level)?;
                if err.is_some() {
                    return Ok((list, err));
                }
                Ok(set_index(list, i, list_value(list2)))
            }
            Some(_) => {
                let mut list = list;
                let mut inner = Rc::new(RefCell::new(Map::new()));
                if let Some(existing) = list.get(i as usize) {
                    match existing {
                        Value::Map(m, MapType::Interface) => inner = m.clone(),
                        _ => list[i as usize] = Value::Map(inner.clone(), MapType::Interface),
                    }
                }
                if let Err(e) = self.key(&inner, level) {
                    return Ok((list, Some(e)));
                }
                Ok(set_index(list, i, Value::Map(inner, MapType::Interface)))
            }
        }
    }

    /// Skips blanks; true (consuming it) at a comma or the end, false before anything else.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read_rune() {
                None | Some(',') => return true,
                Some(r) if r.is_whitespace() => {}
                Some(_) => {
                    self.unread_rune();
                    return false;
                }
            }
        }
    }

    /// One JSON value from the rest of the line, as Go's `json.Decoder` reads it.
    fn json_value(&mut self) -> Result<Value, PErr> {
        let rest = &self.text[self.pos..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
        match stream.next() {
            Some(Ok(v)) => {
                self.pos += stream.byte_offset();
                Ok(Value::from_json(&v))
            }
            Some(Err(e)) => Err(PErr::msg(e.to_string())),
            None => Err(PErr::eof()),
        }
    }

    /// The rest of the line (`--set-literal` values).
    fn rest(&mut self) -> String {
        let r = self.text[self.pos..].to_string();
        self.pos = self.text.len();
        r
    }

    fn val(&mut self) -> String {
        self.runes_until(&[',']).0
    }

    fn val_list(&mut self) -> Result<Vec<Value>, ValListErr> {
        match self.read_rune() {
            None => return Err(ValListErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread_rune();
                return Err(ValListErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.runes_until(&[',', '}']);
            match last {
                None => return Err(ValListErr::Other(PErr::msg("list must terminate with '}'"))),
                Some('}') => {
                    if let Some(r) = self.read_rune()
                        && r != ','
                    {
                        self.unread_rune();
                    }
                    let v = self.read_value(&rs).map_err(ValListErr::Other)?;
                    list.push(v);
                    return Ok(list);
                }
                Some(_) => {
                    let v = self.read_value(&rs).map_err(ValListErr::Other)?;
                    list.push(v);
                }
            }
        }
    }
}

/// Go's `strconv.Atoi` with its error messages.
fn atoi(s: &str) -> Result<i64, PErr> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PErr::msg(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        )));
    }
    s.parse::<i64>().map_err(|_| {
        PErr::msg(format!(
            "strconv.Atoi: parsing {}: value out of range",
            go_quote(s)
        ))
    })
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
fn go_quote_runes(s: &str) -> String {
    let items: Vec<String> = s
        .chars()
        .map(|c| gitops_gotmpl::fmt::quote_rune(c, false))
        .collect();
    format!("[{}]", items.join(" "))
}

/// Go's `%q` of a string (printable characters kept, the rest escaped).
fn go_quote(s: &str) -> String {
    gitops_gotmpl::fmt::quote(s)
}

/// Helm's `typedVal`: the value of a `--set` item (`st`: `--set-string`).
pub fn typed_val(val: &str, st: bool) -> Value {
    if st {
        return Value::str(val);
    }
    if val.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if val.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if val.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if val == "0" {
        return Value::Int64(0);
    }
    if !val.is_empty() && !val.starts_with('0') {
        let digits = val.strip_prefix(['+', '-']).unwrap_or(val);
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(i) = val.parse::<i64>()
        {
            return Value::Int64(i);
        }
    }
    Value::str(val)
}
