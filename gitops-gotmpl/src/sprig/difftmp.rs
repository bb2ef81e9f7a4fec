//! TEMPORARY local differential check (removed before hand-off).
#[cfg(test)]
mod t {
    use crate::{MapType, Templates, Value};
    use std::rc::Rc;

    fn go_json_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn tail(e: &str) -> String {
        match e.rfind(">: ") {
            Some(i) => e[i + 3..].to_string(),
            None => e.to_string(),
        }
    }

    #[test]
    fn difftmp() {
        let text = std::fs::read_to_string("/tmp/sprigcases/all.json").unwrap();
        let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut bad = 0;
        let mut total = 0;
        for c in cases.as_array().unwrap() {
            total += 1;
            let tpl = c["template"].as_str().unwrap();
            let mut values = Value::from_json(&c["values"]);
            if let Value::Map(m, _) = values {
                values = Value::Map(m, MapType::Named("common.Values"));
            }
            let mut top = crate::Map::new();
            top.insert("Values".into(), values);
            let data = Value::Map(Rc::new(top), MapType::Interface);
            let mut t = Templates::new("case");
            t.funcs(super::super::funcs());
            let got = t
                .parse("case", tpl)
                .map_err(|e| e.message)
                .and_then(|_| t.execute("case", &data).map_err(|e| e.message));
            let ok = match (&got, c["expect"].as_str(), c["error"].as_str()) {
                (Ok(out), Some(exp), _) => go_json_string(out) == exp,
                (Err(e), None, Some(exp)) => tail(e) == tail(exp),
                _ => false,
            };
            if !ok {
                bad += 1;
                println!(
                    "MISMATCH [{}] {}\n   want: {:?} / {:?}\n   got:  {:?}",
                    c["group"],
                    tpl,
                    c["expect"].as_str(),
                    c["error"].as_str().map(tail),
                    got.as_ref().map(|s| go_json_string(s)).map_err(|e| tail(e))
                );
            }
        }
        println!("{bad} of {total} mismatched");
    }
}
