//! Go's `fmt.Sprintf`, `Sprint` and `Sprintln` over [`Value`]s.

use super::{format_float_g, quote, quote_ascii, quote_rune};
use crate::value::Value;

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer {
    buf: String,
    f: Flags,
}

/// `fmt.Sprint`: operands in `%v`, with a space between two operands when neither is a
/// string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer { buf: String::new(), f: Flags::default() };
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.print_arg(a, 'v');
        prev_string = is_string;
    }
    p.buf
}

/// `fmt.Sprintln`: operands in `%v` separated by spaces, and a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer { buf: String::new(), f: Flags::default() };
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.print_arg(a, 'v');
    }
    p.buf.push('\n');
    p.buf
}

/// `%#v`: the Go-syntax representation of a value.
pub fn go_syntax(v: &Value) -> String {
    let mut p = Printer { buf: String::new(), f: Flags { sharp_v: true, ..Flags::default() } };
    p.print_arg(v, 'v');
    p.buf
}

fn parse_num(b: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        if n > 1_000_000 {
            return (None, b.len());
        }
        n = n * 10 + (b[i] - b'0') as usize;
        i += 1;
    }
    if i == start { (None, i) } else { (Some(n), i) }
}

/// `fmt.Sprintf` with Go's verbs, flags, widths, precisions and argument indexes.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer { buf: String::new(), f: Flags::default() };
    let b = format.as_bytes();
    let end = b.len();
    let mut arg_num = 0usize;
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let mut good_arg_num = true;
        let last = i;
        while i < end && b[i] != b'%' {
            i += 1;
        }
        p.buf.push_str(&format[last..i]);
        if i >= end {
            break;
        }
        i += 1;
        p.f = Flags::default();
        while i < end {
            match b[i] {
                b'#' => p.f.sharp = true,
                b'0' => p.f.zero = !p.f.minus,
                b'+' => p.f.plus = true,
                b'-' => {
                    p.f.minus = true;
                    p.f.zero = false;
                }
                b' ' => p.f.space = true,
                _ => break,
            }
            i += 1;
        }
        // Argument index.
        let mut after_index;
        (arg_num, i, after_index) = arg_number(&mut good_arg_num, &mut reordered, arg_num, b, i, args.len());
        // Width.
        if i < end && b[i] == b'*' {
            i += 1;
            let (w, ok, n) = int_from_arg(args, arg_num);
            arg_num = n;
            if !ok {
                p.buf.push_str("%!(BADWIDTH)");
                p.f.wid = None;
            } else if w < 0 {
                p.f.wid = Some(w.unsigned_abs() as usize);
                p.f.minus = true;
                p.f.zero = false;
            } else {
                p.f.wid = Some(w as usize);
            }
            after_index = false;
        } else {
            let (w, ni) = parse_num(b, i);
            p.f.wid = w;
            i = ni;
            if after_index && w.is_some() {
                good_arg_num = false;
            }
        }
        // Precision.
        if i + 1 < end && b[i] == b'.' {
            i += 1;
            if after_index {
                good_arg_num = false;
            }
            (arg_num, i, after_index) = arg_number(&mut good_arg_num, &mut reordered, arg_num, b, i, args.len());
            if i < end && b[i] == b'*' {
                i += 1;
                let (pr, ok, n) = int_from_arg(args, arg_num);
                arg_num = n;
                if !ok || pr < 0 {
                    p.f.prec = None;
                } else {
                    p.f.prec = Some(pr as usize);
                }
                if !ok {
                    p.buf.push_str("%!(BADPREC)");
                }
                after_index = false;
            } else {
                let (pr, ni) = parse_num(b, i);
                i = ni;
                p.f.prec = Some(pr.unwrap_or(0));
            }
        }
        if !after_index {
            (arg_num, i, _) = arg_number(&mut good_arg_num, &mut reordered, arg_num, b, i, args.len());
        }
        if i >= end {
            p.buf.push_str("%!(NOVERB)");
            break;
        }
        let verb = format[i..].chars().next().unwrap_or('?');
        i += verb.len_utf8();
        if verb == '%' {
            p.buf.push('%');
        } else if !good_arg_num {
            p.buf.push_str(&format!("%!{verb}(BADINDEX)"));
        } else if arg_num >= args.len() {
            p.buf.push_str(&format!("%!{verb}(MISSING)"));
        } else {
            if verb == 'v' {
                p.f.sharp_v = p.f.sharp;
                p.f.sharp = false;
                p.f.plus_v = p.f.plus;
                p.f.plus = false;
            }
            p.print_arg(&args[arg_num], verb);
            arg_num += 1;
        }
    }
    if !reordered && arg_num < args.len() {
        p.f = Flags::default();
        p.buf.push_str("%!(EXTRA ");
        for (k, a) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.buf.push_str(", ");
            }
            if a.is_nil() {
                p.buf.push_str("<nil>");
            } else {
                p.buf.push_str(&a.type_name());
                p.buf.push('=');
                p.print_arg(a, 'v');
            }
        }
        p.buf.push(')');
    }
    p.buf
}

fn arg_number(
    good: &mut bool,
    reordered: &mut bool,
    arg_num: usize,
    b: &[u8],
    i: usize,
    num_args: usize,
) -> (usize, usize, bool) {
    if i >= b.len() || b[i] != b'[' {
        return (arg_num, i, false);
    }
    *reordered = true;
    // Parse "[n]".
    let mut ok = false;
    let mut index = 0usize;
    let mut wid = 1;
    for j in (i + 1)..b.len() {
        if b[j] == b']' {
            let (n, end) = parse_num(b, i + 1);
            if end != j || n.is_none() {
                ok = false;
                wid = j - i + 1;
                break;
            }
            ok = true;
            index = n.unwrap_or(0);
            wid = j - i + 1;
            break;
        }
    }
    if ok && index >= 1 && index - 1 < num_args {
        return (index - 1, i + wid, true);
    }
    *good = false;
    (arg_num, i + wid, ok)
}

fn int_from_arg(args: &[Value], n: usize) -> (i64, bool, usize) {
    if n >= args.len() {
        return (0, false, n);
    }
    let (v, ok) = match &args[n] {
        Value::Int(i) | Value::Int64(i) => (*i, true),
        Value::Uint64(u) => (i64::try_from(*u).unwrap_or(i64::MAX), i64::try_from(*u).is_ok()),
        _ => (0, false),
    };
    if ok && !(-1_000_000..=1_000_000).contains(&v) {
        return (0, false, n + 1);
    }
    (v, ok, n + 1)
}

impl Printer {
    fn pad(&mut self, s: &str) {
        let Some(w) = self.f.wid else {
            self.buf.push_str(s);
            return;
        };
        let n = s.chars().count();
        if n >= w {
            self.buf.push_str(s);
            return;
        }
        let fill = if self.f.zero && !self.f.minus { '0' } else { ' ' };
        if self.f.minus {
            self.buf.push_str(s);
            self.buf.extend(std::iter::repeat_n(' ', w - n));
        } else {
            self.buf.extend(std::iter::repeat_n(fill, w - n));
            self.buf.push_str(s);
        }
    }

    fn pad_no_zero(&mut self, s: &str) {
        let z = self.f.zero;
        self.f.zero = false;
        self.pad(s);
        self.f.zero = z;
    }

    fn bad_verb(&mut self, v: &Value, verb: char) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        if v.is_nil() {
            self.buf.push_str("<nil>");
        } else {
            self.buf.push_str(&v.type_name());
            self.buf.push('=');
            let (sv, pv) = (self.f.sharp_v, self.f.plus_v);
            self.f.sharp_v = false;
            self.f.plus_v = false;
            self.print_value(v, 'v', 0);
            self.f.sharp_v = sv;
            self.f.plus_v = pv;
        }
        self.buf.push(')');
    }

    fn print_arg(&mut self, v: &Value, verb: char) {
        if v.is_nil() {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(v, verb),
            }
            return;
        }
        match verb {
            'T' => {
                let t = v.type_name();
                self.f.sharp_v = false;
                self.pad(&t);
                return;
            }
            'p' => {
                self.fmt_pointer(v);
                return;
            }
            _ => {}
        }
        self.print_value(v, verb, 0);
    }

    fn fmt_pointer(&mut self, v: &Value) {
        let addr = match v {
            Value::List(l, _) => std::rc::Rc::as_ptr(l) as *const u8 as usize,
            Value::Map(m, _) => std::rc::Rc::as_ptr(m) as *const u8 as usize,
            Value::Bytes(b) => b.as_ptr() as usize,
            Value::Object(o) => std::rc::Rc::as_ptr(o) as *const u8 as usize,
            _ => {
                self.bad_verb(v, 'p');
                return;
            }
        };
        if self.f.sharp_v {
            let s = format!("({})(0x{:x})", v.type_name(), addr);
            self.buf.push_str(&s);
        } else {
            let s = format!("0x{addr:x}");
            self.pad(&s);
        }
    }

    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        match v {
            Value::Nil => {
                if depth == 0 {
                    self.print_arg(v, verb);
                } else if self.f.sharp_v {
                    self.buf.push_str("interface {}(nil)");
                } else {
                    self.buf.push_str("<nil>");
                }
            }
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(v, verb),
            },
            Value::Int(i) | Value::Int64(i) => self.fmt_int(v, *i < 0, i.unsigned_abs(), true, verb),
            Value::Uint64(u) => self.fmt_int(v, false, *u, false, verb),
            Value::Float(x) => self.fmt_float_verb(v, *x, verb),
            Value::String(s) => self.fmt_string(v, s.as_bytes(), verb),
            Value::Bytes(b) => match verb {
                's' | 'q' | 'x' | 'X' => self.fmt_string(v, b, verb),
                _ if self.f.sharp_v => {
                    self.buf.push_str("[]byte{");
                    for (k, x) in b.iter().enumerate() {
                        if k > 0 {
                            self.buf.push_str(", ");
                        }
                        self.buf.push_str(&format!("0x{x:x}"));
                    }
                    self.buf.push('}');
                }
                _ => {
                    self.buf.push('[');
                    for (k, x) in b.iter().enumerate() {
                        if k > 0 {
                            self.buf.push(' ');
                        }
                        self.fmt_int(&Value::Uint64(*x as u64), false, *x as u64, false, verb);
                    }
                    self.buf.push(']');
                }
            },
            Value::List(items, _) => {
                if self.f.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                    for (k, x) in items.iter().enumerate() {
                        if k > 0 {
                            self.buf.push_str(", ");
                        }
                        self.print_value(x, verb, depth + 1);
                    }
                    self.buf.push('}');
                    return;
                }
                self.buf.push('[');
                for (k, x) in items.iter().enumerate() {
                    if k > 0 {
                        self.buf.push(' ');
                    }
                    self.print_value(x, verb, depth + 1);
                }
                self.buf.push(']');
            }
            Value::Map(m, _) => {
                if self.f.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                for (k, (key, x)) in m.borrow().iter().enumerate() {
                    if k > 0 {
                        self.buf.push_str(if self.f.sharp_v { ", " } else { " " });
                    }
                    self.print_value(&Value::str(key.as_str()), verb, depth + 1);
                    self.buf.push(':');
                    self.print_value(x, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { '}' } else { ']' });
            }
            Value::Object(o) => match verb {
                'v' | 's' => {
                    let s = o.format();
                    self.pad(&s);
                }
                _ => self.bad_verb(v, verb),
            },
        }
    }

    fn fmt_int(&mut self, v: &Value, negative: bool, u: u64, signed: bool, verb: char) {
        match verb {
            'v' if self.f.sharp_v && !signed => {
                let s = format!("0x{u:x}");
                self.pad(&s);
            }
            'v' | 'd' => self.fmt_integer(negative, u, 10, verb, false),
            'b' => self.fmt_integer(negative, u, 2, verb, false),
            'o' | 'O' => self.fmt_integer(negative, u, 8, verb, false),
            'x' => self.fmt_integer(negative, u, 16, verb, false),
            'X' => self.fmt_integer(negative, u, 16, verb, true),
            'c' => {
                let c = if negative {
                    '\u{fffd}'
                } else {
                    char::from_u32(u as u32).filter(|_| u <= 0x10ffff).unwrap_or('\u{fffd}')
                };
                self.pad(&c.to_string());
            }
            'q' => {
                let c = if negative {
                    '\u{fffd}'
                } else {
                    char::from_u32(u as u32).filter(|_| u <= 0x10ffff).unwrap_or('\u{fffd}')
                };
                let s = if self.f.sharp && c != '`' && crate::fmt::is_go_print(c) && c != '\'' {
                    format!("'{c}'")
                } else {
                    quote_rune(c, self.f.plus)
                };
                self.pad(&s);
            }
            'U' => {
                // Go converts to uint64 first: -42 prints as U+FFFFFFFFFFFFFFD6.
                let u = if negative { (u as i64).wrapping_neg() as u64 } else { u };
                let mut s = format!("U+{u:04X}");
                if self.f.sharp
                    && u <= 0x10ffff
                    && let Some(c) = char::from_u32(u as u32).filter(|c| crate::fmt::is_go_print(*c))
                {
                    s.push_str(&format!(" '{c}'"));
                }
                self.pad_no_zero(&s);
            }
            _ => self.bad_verb(v, verb),
        }
    }

    fn fmt_integer(&mut self, negative: bool, u: u64, base: u32, verb: char, upper: bool) {
        let f = self.f;
        let mut prec = 0usize;
        if let Some(p) = f.prec {
            prec = p;
            if p == 0 && u == 0 {
                let s = String::new();
                self.pad_no_zero(&s);
                return;
            }
        } else if f.zero && !f.minus && f.wid.is_some() {
            prec = f.wid.unwrap_or(0);
            if negative || f.plus || f.space {
                prec = prec.saturating_sub(1);
            }
        }
        let mut digits = match base {
            2 => format!("{u:b}"),
            8 => format!("{u:o}"),
            16 if upper => format!("{u:X}"),
            16 => format!("{u:x}"),
            _ => u.to_string(),
        };
        if digits.len() < prec {
            digits = "0".repeat(prec - digits.len()) + &digits;
        }
        let mut prefix = String::new();
        if f.sharp {
            match base {
                2 => prefix.push_str("0b"),
                8 if !digits.starts_with('0') => prefix.push('0'),
                16 => prefix.push_str(if upper { "0X" } else { "0x" }),
                _ => {}
            }
        }
        if verb == 'O' {
            prefix = "0o".into();
        }
        let sign = if negative {
            "-"
        } else if f.plus {
            "+"
        } else if f.space {
            " "
        } else {
            ""
        };
        let s = format!("{sign}{prefix}{digits}");
        self.pad_no_zero(&s);
    }

    fn fmt_float_verb(&mut self, v: &Value, x: f64, verb: char) {
        match verb {
            'v' => self.fmt_float(x, 'g', None),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(x, verb, None),
            'f' | 'e' | 'E' | 'F' => self.fmt_float(x, verb, Some(6)),
            _ => self.bad_verb(v, verb),
        }
    }

    fn fmt_float(&mut self, x: f64, verb: char, default_prec: Option<usize>) {
        let prec = self.f.prec.or(default_prec);
        let mut num = format_float(x, verb, prec);
        if !num.starts_with('-') && !num.starts_with('+') {
            num.insert(0, '+');
        }
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        if num[1..].starts_with('I') || num[1..].starts_with('N') {
            if num[1..].starts_with('N') && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad_no_zero(&num);
            return;
        }
        if self.f.sharp && verb != 'b' {
            let mut digits: i64 = match verb {
                'v' | 'g' | 'G' | 'x' => prec.map_or(6, |p| p as i64),
                _ => 0,
            };
            let mut tail = String::new();
            let mut body: String = num.clone();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let bytes: Vec<char> = num.chars().collect();
            for (k, c) in bytes.iter().enumerate().skip(1) {
                match c {
                    '.' => has_point = true,
                    'p' | 'P' => {
                        tail = bytes[k..].iter().collect();
                        body = bytes[..k].iter().collect();
                        break;
                    }
                    'e' | 'E' if verb != 'x' && verb != 'X' => {
                        tail = bytes[k..].iter().collect();
                        body = bytes[..k].iter().collect();
                        break;
                    }
                    _ => {
                        if *c != '0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
            }
            if !has_point {
                if body.len() == 2 && body.ends_with('0') {
                    digits -= 1;
                }
                body.push('.');
            }
            while digits > 0 {
                body.push('0');
                digits -= 1;
            }
            body.push_str(&tail);
            num = body;
        }
        if self.f.plus || !num.starts_with('+') {
            if self.f.zero && !self.f.minus && self.f.wid.is_some_and(|w| w > num.len()) {
                let w = self.f.wid.unwrap_or(0);
                self.buf.push_str(&num[..1]);
                self.buf.extend(std::iter::repeat_n('0', w - num.len()));
                self.buf.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        let rest = num[1..].to_string();
        self.pad(&rest);
    }

    fn fmt_string(&mut self, v: &Value, b: &[u8], verb: char) {
        let s = String::from_utf8_lossy(b);
        match verb {
            'v' if self.f.sharp_v => {
                let q = quote(&s);
                self.pad(&q);
            }
            'v' | 's' => {
                let t: String = match self.f.prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s.into_owned(),
                };
                self.pad(&t);
            }
            'x' | 'X' => self.fmt_sbx(b, verb == 'X'),
            'q' => {
                let t: String = match self.f.prec {
                    Some(p) => s.chars().take(p).collect(),
                    None => s.into_owned(),
                };
                let q = if self.f.sharp && !t.contains('`') && t.chars().all(|c| c == '\t' || !c.is_control()) {
                    format!("`{t}`")
                } else if self.f.plus {
                    quote_ascii(&t)
                } else {
                    quote(&t)
                };
                self.pad(&q);
            }
            _ => self.bad_verb(v, verb),
        }
    }

    fn fmt_sbx(&mut self, b: &[u8], upper: bool) {
        let n = self.f.prec.map_or(b.len(), |p| p.min(b.len()));
        let mut out = String::new();
        if n == 0 {
            self.pad("");
            return;
        }
        if self.f.sharp && !self.f.space {
            out.push_str(if upper { "0X" } else { "0x" });
        }
        for (k, x) in b[..n].iter().enumerate() {
            if self.f.space && k > 0 {
                out.push(' ');
            }
            if self.f.space && self.f.sharp {
                out.push_str(if upper { "0X" } else { "0x" });
            }
            if upper {
                out.push_str(&format!("{x:02X}"));
            } else {
                out.push_str(&format!("{x:02x}"));
            }
        }
        self.pad(&out);
    }
}

/// `strconv.FormatFloat(x, verb, prec, 64)` for the verbs `e E f F g G b` (and `x X`
/// approximated through `%b`-style hex digits).
fn format_float(x: f64, verb: char, prec: Option<usize>) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    match verb {
        'e' | 'E' => {
            let p = prec.unwrap_or(6);
            let s = exp_form(x, p);
            if verb == 'E' { s.to_uppercase() } else { s }
        }
        'f' | 'F' => format!("{:.*}", prec.unwrap_or(6), x),
        'g' | 'G' => {
            let s = match prec {
                None => format_float_g(x),
                Some(p) => g_prec(x, p),
            };
            if verb == 'G' { s.to_uppercase() } else { s }
        }
        'b' => {
            let bits = x.to_bits();
            let neg = bits >> 63 != 0;
            let exp = ((bits >> 52) & 0x7ff) as i64;
            let mut mant = bits & ((1u64 << 52) - 1);
            let e = if exp == 0 {
                -1074
            } else {
                mant |= 1u64 << 52;
                exp - 1075
            };
            format!("{}{}p{}{}", if neg { "-" } else { "" }, mant, if e >= 0 { "+" } else { "-" }, e.abs())
        }
        _ => hex_float(x, prec, verb == 'X'),
    }
}

/// `d.ddde±XX` with `p` digits after the point, correctly rounded.
fn exp_form(x: f64, p: usize) -> String {
    let s = format!("{:.*e}", p, x);
    let (m, e) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `%.Ng`: `p` significant digits, `%e` when the exponent is < -4 or >= the precision.
fn g_prec(x: f64, p: usize) -> String {
    let p = p.max(1);
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let s = format!("{:.*e}", p - 1, x.abs());
    let (m, e) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    let mut digits: String = m.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let mut eprec = p as i32;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let sign = if x < 0.0 { "-" } else { "" };
    if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        return format!("{sign}{first}{frac}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let frac_digits = (nd - dp).max(0) as usize;
    format!("{sign}{:.*}", frac_digits, x.abs())
}

fn hex_float(x: f64, prec: Option<usize>, upper: bool) -> String {
    // Go's %x for floats: -0x1.8p+01 style, shortest mantissa unless a precision is given.
    let neg = x.is_sign_negative();
    let a = x.abs();
    if a == 0.0 {
        let z = match prec {
            Some(p) if p > 0 => format!("0x0.{}p+00", "0".repeat(p)),
            _ => "0x0p+00".into(),
        };
        let z = if neg { format!("-{z}") } else { z };
        return if upper { z.to_uppercase() } else { z };
    }
    let bits = a.to_bits();
    let mut exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        // Subnormal: normalise.
        let shift = mant.leading_zeros() as i64 - 11;
        mant <<= shift;
        mant &= (1u64 << 52) - 1;
        exp = 1 - shift;
    }
    let e = exp - 1023;
    let mut frac = format!("{mant:013x}");
    if let Some(p) = prec {
        if p < 13 {
            // Round to p hex digits (half to even).
            let shift = (13 - p) * 4;
            let full = (1u64 << 52) | mant;
            let rem = full & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let mut kept = full >> shift;
            if rem > half || (rem == half && kept & 1 == 1) {
                kept += 1;
            }
            let lead = kept >> (p * 4);
            let fracbits = kept & ((1u64 << (p * 4)) - 1);
            let body = if p == 0 { String::new() } else { format!(".{:0width$x}", fracbits, width = p) };
            let e = e + if lead > 1 { 1 } else { 0 };
            let s =
                format!("{}0x1{}p{}{:02}", if neg { "-" } else { "" }, body, if e < 0 { '-' } else { '+' }, e.abs());
            return if upper { s.to_uppercase() } else { s };
        }
        frac.push_str(&"0".repeat(p - 13));
    } else {
        while frac.ends_with('0') {
            frac.pop();
        }
    }
    let body = if frac.is_empty() { String::new() } else { format!(".{frac}") };
    let s = format!("{}0x1{}p{}{:02}", if neg { "-" } else { "" }, body, if e < 0 { '-' } else { '+' }, e.abs());
    if upper { s.to_uppercase() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Map;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn verbs_and_errors() {
        let cases: Vec<(&str, Vec<Value>, &str)> = vec![
            ("%d", vec![Value::Int(42)], "42"),
            ("%5d|%-5d|%05d", vec![Value::Int(42), Value::Int(42), Value::Int(-42)], "   42|42   |-0042"),
            (
                "%x %X %o %O %b",
                vec![Value::Int(255), Value::Int(255), Value::Int(8), Value::Int(8), Value::Int(5)],
                "ff FF 10 0o10 101",
            ),
            ("%#x %#o %+d % d", vec![Value::Int(255), Value::Int(8), Value::Int(3), Value::Int(3)], "0xff 010 +3  3"),
            ("%.3d|%6.3d", vec![Value::Int(7), Value::Int(7)], "007|   007"),
            (
                "%c %q %U %#U",
                vec![Value::Int(65), Value::Int(65), Value::Int(0x1F600), Value::Int(65)],
                "A 'A' U+1F600 U+0041 'A'",
            ),
            (
                "%s|%q|%x|% x|%10s|%-4s|%.2s",
                vec![s("hi"), s("a\"b"), s("hi"), s("hi"), s("r"), s("l"), s("abc")],
                "hi|\"a\\\"b\"|6869|68 69|         r|l   |ab",
            ),
            (
                "%f %.2f %e %E %g %G",
                vec![
                    Value::Float(3.24159),
                    Value::Float(2.675),
                    Value::Float(1234.5678),
                    Value::Float(0.000012),
                    Value::Float(1e21),
                    Value::Float(1e-7),
                ],
                "3.241590 2.67 1.234568e+03 1.200000E-05 1e+21 1E-07",
            ),
            (
                "%.3g|%g|%v|%8.3f|%-8.2f|%08.3f|%+.1e",
                vec![
                    Value::Float(1234.5678),
                    Value::Float(100000.0),
                    Value::Float(1e6),
                    Value::Float(3.24159),
                    Value::Float(2.5),
                    Value::Float(-3.24159),
                    Value::Float(12345.0),
                ],
                "1.23e+03|100000|1e+06|   3.242|2.50    |-003.242|+1.2e+04",
            ),
            ("%t %v", vec![Value::Bool(true), Value::Bool(false)], "true false"),
            ("%d", vec![s("x")], "%!d(string=x)"),
            ("%s", vec![Value::Int(3)], "%!s(int=3)"),
            ("%d", vec![Value::Float(8080.0)], "%!d(float64=8080)"),
            ("%s %s", vec![s("a")], "a %!s(MISSING)"),
            ("%s", vec![s("a"), s("b"), Value::Int(1)], "a%!(EXTRA string=b, int=1)"),
            ("%", vec![], "%!(NOVERB)"),
            ("%z", vec![Value::Int(1)], "%!z(int=1)"),
            ("%d", vec![Value::Nil], "%!d(<nil>)"),
            ("%v %s", vec![Value::Nil, Value::list(vec![s("a"), Value::Int(1)])], "<nil> [a %!s(int=1)]"),
            ("%[2]d %[1]d", vec![Value::Int(1), Value::Int(2)], "2 1"),
            ("%[3]d", vec![Value::Int(1)], "%!d(BADINDEX)"),
            (
                "%*d|%-*d|%.*f",
                vec![Value::Int(4), Value::Int(1), Value::Int(3), Value::Int(2), Value::Int(2), Value::Float(3.24159)],
                "   1|2  |3.24",
            ),
            ("%T %T %T", vec![Value::Int(1), s("x"), Value::list(vec![])], "int string []interface {}"),
            (
                "%#v %#v %#v",
                vec![s("x"), Value::list(vec![Value::Int(1), s("a"), Value::Nil]), Value::Uint64(10)],
                "\"x\" []interface {}{1, \"a\", interface {}(nil)} 0xa",
            ),
            ("%5.1f%%", vec![Value::Float(99.44)], " 99.4%"),
            ("%x", vec![Value::Int(-255)], "-ff"),
            ("%6.2v", vec![Value::Float(3.24159)], "   3.2"),
            ("%v", vec![Value::Float(f64::NAN)], "NaN"),
            ("%+v", vec![Value::Float(f64::INFINITY)], "+Inf"),
            ("%05s", vec![s("ab")], "000ab"),
            ("%#q", vec![s("a\"b")], "`a\"b`"),
            ("%q", vec![Value::string_list(vec!["a".into(), "b".into()])], "[\"a\" \"b\"]"),
            ("%b", vec![Value::Float(1.0)], "4503599627370496p-52"),
            ("%x", vec![Value::Float(1.0)], "0x1p+00"),
            ("%.0f %.0f %.1f", vec![Value::Float(0.5), Value::Float(1.5), Value::Float(0.25)], "0 2 0.2"),
        ];
        for (f, args, want) in cases {
            assert_eq!(sprintf(f, &args), want, "format {f:?}");
        }
    }

    #[test]
    fn maps_and_sprint() {
        let mut m = Map::new();
        m.insert("a".into(), Value::Int(1));
        m.insert("b".into(), s("x"));
        let mv = Value::map(m);
        assert_eq!(sprintf("%v", std::slice::from_ref(&mv)), "map[a:1 b:x]");
        assert_eq!(sprintf("%#v", std::slice::from_ref(&mv)), "map[string]interface {}{\"a\":1, \"b\":\"x\"}");
        assert_eq!(sprintf("%d", std::slice::from_ref(&mv)), "map[%!d(string=a):1 %!d(string=b):%!d(string=x)]");
        assert_eq!(sprint(&[s("a"), Value::Int(1), Value::Int(2), s("b"), s("c")]), "a1 2bc");
        assert_eq!(sprintln(&[s("a"), Value::Int(1)]), "a 1\n");
        assert_eq!(sprint(&[Value::Nil, Value::Int(3)]), "<nil> 3");
    }
}
