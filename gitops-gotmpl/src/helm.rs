//! Helm's engine-bound template functions: `include` and `tpl`.
//!
//! Both need the running template set, so they are written with
//! [`Func::with_engine`]. `include NAME DATA` executes a named template into a string
//! (at most 1000 nested includes of one name, with Helm's message); `tpl TEXT DATA`
//! parses TEXT as a new template in a copy of the running set, executes it, and removes
//! `<no value>` from the result, as Helm does.

use crate::fmt::quote;
use crate::func::{Func, Funcs, TextError, Ty};
use crate::value::Value;

/// How many nested `include`s of one name Helm allows (`recursionMaxNums`).
pub const MAX_INCLUDE_NESTING: i64 = 1000;

/// Helm's `include`.
pub fn include() -> Func {
    Func::with_engine(&[Ty::String, Ty::Any], |e, a| {
        let name = a[0].as_str().unwrap_or_default().to_string();
        let key = format!("helm.include:{name}");
        let count = e.counter(&key);
        if *count > MAX_INCLUDE_NESTING {
            return Err(format!("rendering template has a nested reference name: {name}: unable to execute template"));
        }
        *count += 1;
        let r = e.execute_template(&name, &a[1]);
        *e.counter(&key) -= 1;
        r.map(Value::from)
    })
}

/// Helm's `tpl`.
pub fn tpl() -> Func {
    Func::with_engine(&[Ty::String, Ty::Map], |e, a| {
        let text = a[0].as_str().unwrap_or_default().to_string();
        match e.execute_text(&text, &a[1]) {
            Ok(s) => Ok(Value::from(s.replace("<no value>", ""))),
            Err(TextError::Parse(m)) => Err(format!("cannot parse template {}: {m}", quote(&text))),
            Err(TextError::Exec(m)) => Err(format!("error during tpl function execution for {}: {m}", quote(&text))),
        }
    })
}

/// `include` and `tpl`.
pub fn funcs() -> Funcs {
    let mut f = Funcs::new();
    f.insert("include", include());
    f.insert("tpl", tpl());
    f
}
