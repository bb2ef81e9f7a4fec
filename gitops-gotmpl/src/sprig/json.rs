//! Sprig's JSON functions over Go's `encoding/json` (`crate::gojson`): `toJson` and
//! `toPrettyJson` give "" on values `encoding/json` refuses (NaN), `toRawJson` (no HTML
//! escaping) panics in Sprig on them so it fails the template, the `must` variants fail;
//! `fromJson`/`mustFromJson` decode into `interface{}`. Helm replaces `toJson`,
//! `fromJson` and `mustToJson` with its own (`crate::helm`).

use crate::func::{Func, Funcs, Ty};
use crate::gojson::{self, Style, Target};
use crate::value::Value;

const RAW: Style = Style {
    escape_html: false,
    indent: None,
};

const PRETTY: Style = Style {
    escape_html: true,
    indent: Some("  "),
};

/// Registers the functions of this module.
pub(super) fn register(f: &mut Funcs) {
    let text = |a: &[Value]| a[0].as_str().unwrap_or_default().to_string();
    for (name, style) in [("Json", gojson::MARSHAL), ("PrettyJson", PRETTY)] {
        f.insert(
            &format!("to{name}"),
            Func::new(&[Ty::Any], move |a| {
                Ok(Value::str(gojson::marshal(&a[0], style).unwrap_or_default()))
            }),
        );
    }
    for (name, style) in [("Json", gojson::MARSHAL), ("PrettyJson", PRETTY), ("RawJson", RAW)] {
        f.insert(
            &format!("mustTo{name}"),
            Func::new(&[Ty::Any], move |a| gojson::marshal(&a[0], style).map(Value::str)),
        );
    }
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
