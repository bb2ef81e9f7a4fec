//! Sprig's JSON functions not in `crate::json`: `fromJson`, `mustFromJson` (Go's
//! `json.Unmarshal` into `interface{}`, see `crate::gojson`), and `toRawJson`, which
//! panics in Sprig on values `encoding/json` refuses (NaN), so it fails the template.
//! Helm replaces `toJson`, `fromJson` and `mustToJson` with its own (`crate::helm`).

use crate::func::{Func, Funcs, Ty};
use crate::gojson::{self, Style, Target};
use crate::value::Value;

const RAW: Style = Style {
    escape_html: false,
    indent: None,
};

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    let text = |a: &[Value]| a[0].as_str().unwrap_or_default().to_string();
    f.insert(
        "toRawJson",
        Func::new(&[Ty::Any], |a| gojson::marshal(&a[0], RAW).map(Value::str)),
    );
    f.insert(
        "fromJson",
        Func::new(&[Ty::String], move |a| {
            Ok(gojson::unmarshal(&text(a), Target::Any).unwrap_or(Value::Nil))
        }),
    );
    f.insert(
        "mustFromJson",
        Func::new(&[Ty::String], move |a| {
            gojson::unmarshal(&text(a), Target::Any)
        }),
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::sprig::testutil::{err, m, s, show};
    use crate::value::Value;

    #[test]
    fn json_functions_follow_encoding_json() {
        assert_eq!(
            show("toRawJson", &[m(&[("a", s("<b>"))])]),
            r#"{"a":"<b>"}"#
        );
        assert_eq!(
            err("toRawJson", &[Value::Float(f64::NAN)]),
            "json: unsupported value: NaN"
        );
        assert_eq!(
            err("mustFromJson", &[s("{")]),
            "unexpected end of JSON input"
        );
        assert_eq!(show("fromJson", &[s("[1,\"x\"]")]), "[1 x]");
    }
}
