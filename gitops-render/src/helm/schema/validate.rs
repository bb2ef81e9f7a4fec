//! Validating an instance against a compiled schema, building santhosh-tekuri/jsonschema v6's
//! error tree (keyword order, nesting of `allOf`/`anyOf`/`oneOf`/`$ref` causes, groups).

use serde_json::Value;

use super::compile::{Additional, Compiled, Dependency, Items, Node};
use super::format;
use super::instance::{
    TYPE_ORDER, display_json, display_value, eq_schema, eq_values, is_integer, json_type_of,
    type_of, value_dec,
};
use super::json::Json;
use super::num::{fmt_count, fmt_float};
use super::output::{VErr, quote};

/// How deep schema applications may nest before validation gives up (a guard against
/// pathological schemas; santhosh detects `$ref` cycles on the same value the same way).
const MAX_DEPTH: usize = 500;

/// Instance properties and items not yet evaluated (for `unevaluated*`).
#[derive(Debug, Default, Clone)]
struct Uneval {
    props: Option<Vec<String>>,
    items: Option<Vec<usize>>,
}

impl Uneval {
    fn is_empty(&self) -> bool {
        self.props.as_ref().is_none_or(Vec::is_empty)
            && self.items.as_ref().is_none_or(Vec::is_empty)
    }

    fn merge(&mut self, other: &Uneval) {
        if let Some(p) = self.props.as_mut() {
            p.retain(|k| other.props.as_ref().is_some_and(|o| o.contains(k)));
        }
        if let Some(i) = self.items.as_mut() {
            i.retain(|k| other.items.as_ref().is_some_and(|o| o.contains(k)));
        }
    }
}

fn items_evaluated_by(n: &Node, len: usize) -> usize {
    if n.draft < 2020 {
        match &n.items {
            Some(Items::One(_)) => len,
            Some(Items::Tuple(t)) => {
                if n.additional_items.is_some() {
                    len
                } else {
                    t.len()
                }
            }
            None => 0,
        }
    } else if n.items2020.is_some() {
        len
    } else {
        n.prefix_items.len()
    }
}

fn uneval_from(c: &Compiled, v: &Value, sch: usize, caller_needs: bool) -> Uneval {
    let n = &c.nodes[sch];
    let mut u = Uneval::default();
    match v {
        Value::Object(m) if (caller_needs || n.unevaluated_properties.is_some()) => {
            u.props = Some(m.keys().cloned().collect());
        }
        Value::Array(a) => {
            let done = items_evaluated_by(n, a.len());
            if (caller_needs || n.unevaluated_items.is_some()) && done < a.len() {
                u.items = Some((done..a.len()).collect());
            }
        }
        _ => {}
    }
    u
}

/// One frame of the dynamic scope: schema and depth of the value it validates.
#[derive(Clone, Copy)]
struct Frame {
    sch: usize,
    vid: usize,
}

/// Validation of one value against one schema.
struct Vd<'c, 'v> {
    c: &'c Compiled,
    v: &'v Value,
    vloc: Vec<String>,
    sch: usize,
    scope: Vec<Frame>,
    uneval: Uneval,
    errors: Vec<VErr>,
    bool_result: bool,
}

/// Validates `v` against the root of `c`; `Err` carries the top-level errors.
pub(crate) fn validate_root(c: &Compiled, v: &Value) -> Result<(), Vec<VErr>> {
    let mut vd = Vd {
        c,
        v,
        vloc: Vec::new(),
        sch: 0,
        scope: vec![Frame { sch: 0, vid: 0 }],
        uneval: uneval_from(c, v, 0, false),
        errors: Vec::new(),
        bool_result: false,
    };
    match vd.validate() {
        Ok(_) => Ok(()),
        Err(e) if e.is_group => Err(e.causes),
        Err(e) => Err(vec![e]),
    }
}

impl<'c, 'v> Vd<'c, 'v> {
    fn node(&self) -> &'c Node {
        &self.c.nodes[self.sch]
    }

    fn error(&self, msg: String) -> VErr {
        VErr {
            msg,
            is_ref: false,
            is_group: false,
            inst: self.vloc.clone(),
            causes: Vec::new(),
        }
    }

    fn add(&mut self, msg: String) {
        let e = self.error(msg);
        self.errors.push(e);
    }

    fn add_with(&mut self, msg: String, causes: Vec<VErr>) {
        let mut e = self.error(msg);
        e.causes = causes;
        self.errors.push(e);
    }

    fn validate(&mut self) -> Result<Uneval, VErr> {
        let n = self.node();
        if let Some(b) = n.boolean {
            return if b {
                Ok(std::mem::take(&mut self.uneval))
            } else {
                Err(self.error("false schema".into()))
            };
        }
        // same schema on the same value again: a reference cycle
        let cur = *self.scope.last().unwrap_or(&Frame {
            sch: self.sch,
            vid: 0,
        });
        for f in self.scope.iter().rev().skip(1) {
            if f.vid != cur.vid {
                break;
            }
            if f.sch == cur.sch {
                return Err(self.error(format!(
                    "both {} and {} resolve to {} causing reference cycle",
                    "$ref",
                    "$ref",
                    super::output::go_quote(super::compile::ROOT_URL)
                )));
            }
        }
        if self.scope.len() > MAX_DEPTH {
            return Err(self.error("schema nesting too deep".into()));
        }
        let v = self.v;
        let t = type_of(v);
        if let Some(types) = &n.types {
            let known: Vec<&str> = TYPE_ORDER
                .iter()
                .copied()
                .filter(|k| types.iter().any(|s| s == k))
                .collect();
            if !known.is_empty() {
                let ok = known.contains(&t)
                    || (known.contains(&"integer") && t == "number" && is_integer(v));
                if !ok {
                    return Err(self.error(format!("got {t}, want {}", known.join(" or "))));
                }
            }
        }
        if let Some(k) = &n.konst
            && !eq_schema(v, k)
        {
            let msg = match k {
                Json::Arr(_) | Json::Obj(_) => "'const' failed".to_string(),
                _ => format!("value must be {}", display_json(k)),
            };
            return Err(self.error(msg));
        }
        if let Some(items) = &n.enumeration {
            let type_ok = items.iter().any(|i| json_type_of(i) == t);
            if !type_ok || !items.iter().any(|i| eq_schema(v, i)) {
                let primitive = items
                    .iter()
                    .all(|i| !matches!(i, Json::Arr(_) | Json::Obj(_)));
                let msg = if !primitive {
                    "'enum' failed".to_string()
                } else if items.len() == 1 {
                    format!("value must be {}", display_json(&items[0]))
                } else {
                    let all: Vec<String> = items.iter().map(display_json).collect();
                    format!("value must be one of {}", all.join(", "))
                };
                return Err(self.error(msg));
            }
        }
        if let Some(f) = &n.format
            && let Value::String(s) = v
            && let Err(why) = format::check(f, s)
        {
            return Err(self.error(format!("{} is not valid {f}: {why}", display_value(v))));
        }
        if let Some(r) = n.reference {
            let res = self.validate_ref(r, "$ref");
            if n.draft < 2019 {
                return match res {
                    Ok(()) => Ok(std::mem::take(&mut self.uneval)),
                    Err(e) => Err(e),
                };
            }
            if let Err(e) = res {
                self.errors.push(e);
            }
        }
        match v {
            Value::Object(m) => self.obj_validate(m),
            Value::Array(a) => self.arr_validate(a),
            Value::String(s) => self.str_validate(s),
            Value::Number(num) => self.num_validate(num),
            _ => {}
        }
        if self.errors.is_empty() || !self.bool_result {
            self.cond_validate();
            if n.draft >= 2019 {
                self.uneval_validate();
            }
        }
        match self.errors.len() {
            0 => Ok(std::mem::take(&mut self.uneval)),
            1 => Err(self.errors.remove(0)),
            _ => {
                let mut e = self.error("validation failed".into());
                e.is_group = true;
                e.causes = std::mem::take(&mut self.errors);
                Err(e)
            }
        }
    }

    /// Validates the same value against another schema (applicators, `$ref`).
    fn validate_self(&mut self, sch: usize, bool_result: bool) -> Result<(), VErr> {
        let vid = self.scope.last().map_or(0, |f| f.vid);
        let mut scope = self.scope.clone();
        scope.push(Frame { sch, vid });
        let mut sub = Vd {
            c: self.c,
            v: self.v,
            vloc: self.vloc.clone(),
            sch,
            scope,
            uneval: uneval_from(self.c, self.v, sch, !self.uneval.is_empty()),
            errors: Vec::new(),
            bool_result: self.bool_result || bool_result,
        };
        match sub.validate() {
            Ok(u) => {
                self.uneval.merge(&u);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Validates a member or item.
    fn validate_val(&self, sch: usize, v: &Value, tok: String) -> Result<(), VErr> {
        let vid = self.scope.last().map_or(0, |f| f.vid) + 1;
        let mut scope = self.scope.clone();
        scope.push(Frame { sch, vid });
        let mut vloc = self.vloc.clone();
        vloc.push(tok);
        let mut sub = Vd {
            c: self.c,
            v,
            vloc,
            sch,
            scope,
            uneval: uneval_from(self.c, v, sch, false),
            errors: Vec::new(),
            bool_result: self.bool_result,
        };
        sub.validate().map(|_| ())
    }

    fn validate_ref(&mut self, sch: usize, _kw: &str) -> Result<(), VErr> {
        match self.validate_self(sch, false) {
            Ok(()) => Ok(()),
            Err(e) => {
                let mut r = self.error("validation failed".into());
                r.is_ref = true;
                if e.is_group {
                    r.causes = e.causes;
                } else {
                    r.causes = vec![e];
                }
                Err(r)
            }
        }
    }

    fn find_missing(obj: &serde_json::Map<String, Value>, reqd: &[String]) -> Vec<String> {
        reqd.iter()
            .filter(|p| !obj.contains_key(p.as_str()))
            .cloned()
            .collect()
    }

    fn obj_validate(&mut self, obj: &'v serde_json::Map<String, Value>) {
        let n = self.node();
        if let Some(min) = n.min_properties
            && obj.len() < min
        {
            self.add(format!(
                "minProperties: got {}, want {}",
                fmt_count(obj.len()),
                fmt_count(min)
            ));
        }
        if let Some(max) = n.max_properties
            && obj.len() > max
        {
            self.add(format!(
                "maxProperties: got {}, want {}",
                fmt_count(obj.len()),
                fmt_count(max)
            ));
        }
        if !n.required.is_empty() {
            let missing = Self::find_missing(obj, &n.required);
            if missing.len() == 1 {
                self.add(format!("missing property {}", quote(&missing[0])));
            } else if !missing.is_empty() {
                self.add(format!("missing properties {}", join_quoted(&missing)));
            }
        }
        if self.bool_result && !self.errors.is_empty() {
            return;
        }
        for (pname, dep) in &n.dependencies {
            if !obj.contains_key(pname.as_str()) {
                continue;
            }
            match dep {
                Dependency::Required(reqd) => {
                    let missing = Self::find_missing(obj, reqd);
                    if !missing.is_empty() {
                        self.add(format!(
                            "properties {} required, if {} exists",
                            join_quoted(&missing),
                            quote(pname)
                        ));
                    }
                }
                Dependency::Schema(s) => {
                    if let Err(e) = self.validate_self(*s, false) {
                        self.errors.push(e);
                    }
                }
            }
        }
        let mut additional = Vec::new();
        for (pname, pvalue) in obj {
            if self.bool_result && !self.errors.is_empty() {
                return;
            }
            let mut evaluated = false;
            if let Some((_, s)) = n.properties.iter().find(|(k, _)| k == pname) {
                evaluated = true;
                if let Err(e) = self.validate_val(*s, pvalue, pname.clone()) {
                    self.errors.push(e);
                }
            }
            for (re, s) in &n.pattern_properties {
                if re.is_match(pname) {
                    evaluated = true;
                    if let Err(e) = self.validate_val(*s, pvalue, pname.clone()) {
                        self.errors.push(e);
                    }
                }
            }
            if !evaluated && let Some(a) = &n.additional_properties {
                evaluated = true;
                match a {
                    Additional::Bool(false) => additional.push(pname.clone()),
                    Additional::Bool(true) => {}
                    Additional::Schema(s) => {
                        if let Err(e) = self.validate_val(*s, pvalue, pname.clone()) {
                            self.errors.push(e);
                        }
                    }
                }
            }
            if evaluated && let Some(p) = self.uneval.props.as_mut() {
                p.retain(|k| k != pname);
            }
        }
        if !additional.is_empty() {
            self.add(format!(
                "additional properties {} not allowed",
                join_quoted(&additional)
            ));
        }
        if n.draft == 4 {
            return;
        }
        if let Some(pn) = n.property_names {
            for pname in obj.keys() {
                let name = Value::String(pname.clone());
                let mut sub = Vd {
                    c: self.c,
                    v: &name,
                    vloc: Vec::new(),
                    sch: pn,
                    scope: vec![Frame { sch: pn, vid: 0 }],
                    uneval: Uneval::default(),
                    errors: Vec::new(),
                    bool_result: self.bool_result,
                };
                if let Err(e) = sub.validate() {
                    // santhosh reports these at the name's own (empty) location
                    let causes = if e.is_group { e.causes } else { vec![e] };
                    self.errors.push(VErr {
                        msg: format!("invalid propertyName {}", quote(pname)),
                        is_ref: false,
                        is_group: false,
                        inst: Vec::new(),
                        causes,
                    });
                }
            }
        }
        if n.draft == 6 {
            return;
        }
        for (pname, s) in &n.dependent_schemas {
            if obj.contains_key(pname.as_str())
                && let Err(e) = self.validate_self(*s, false)
            {
                self.errors.push(e);
            }
        }
        for (pname, reqd) in &n.dependent_required {
            if obj.contains_key(pname.as_str()) {
                let missing = Self::find_missing(obj, reqd);
                if !missing.is_empty() {
                    self.add(format!(
                        "properties {} required, if {} exists",
                        join_quoted(&missing),
                        quote(pname)
                    ));
                }
            }
        }
    }

    fn arr_validate(&mut self, arr: &'v [Value]) {
        let n = self.node();
        if let Some(min) = n.min_items
            && arr.len() < min
        {
            self.add(format!(
                "minItems: got {}, want {}",
                fmt_count(arr.len()),
                fmt_count(min)
            ));
        }
        if let Some(max) = n.max_items
            && arr.len() > max
        {
            self.add(format!(
                "maxItems: got {}, want {}",
                fmt_count(arr.len()),
                fmt_count(max)
            ));
        }
        if n.unique_items && arr.len() > 1 {
            'outer: for i in 1..arr.len() {
                for j in 0..i {
                    if eq_values(&arr[i], &arr[j]) {
                        self.add(format!(
                            "items at {} and {} are equal",
                            fmt_count(j),
                            fmt_count(i)
                        ));
                        break 'outer;
                    }
                }
            }
        }
        if n.draft < 2020 {
            let mut evaluated = 0;
            match &n.items {
                Some(Items::One(s)) => {
                    for (i, item) in arr.iter().enumerate() {
                        if let Err(e) = self.validate_val(*s, item, i.to_string()) {
                            self.errors.push(e);
                        }
                    }
                    evaluated = arr.len();
                }
                Some(Items::Tuple(t)) => {
                    let m = t.len().min(arr.len());
                    for (i, item) in arr[..m].iter().enumerate() {
                        if let Err(e) = self.validate_val(t[i], item, i.to_string()) {
                            self.errors.push(e);
                        }
                    }
                    evaluated = m;
                }
                None => {}
            }
            match &n.additional_items {
                Some(Additional::Bool(false)) if evaluated != arr.len() => {
                    self.add(format!(
                        "last {} additionalItem(s) not allowed",
                        fmt_count(arr.len() - evaluated)
                    ));
                }
                Some(Additional::Schema(s)) => {
                    // santhosh numbers these items from 0 again
                    for (i, item) in arr[evaluated..].iter().enumerate() {
                        if let Err(e) = self.validate_val(*s, item, i.to_string()) {
                            self.errors.push(e);
                        }
                    }
                }
                _ => {}
            }
        } else {
            let evaluated = n.prefix_items.len().min(arr.len());
            for (i, item) in arr[..evaluated].iter().enumerate() {
                if let Err(e) = self.validate_val(n.prefix_items[i], item, i.to_string()) {
                    self.errors.push(e);
                }
            }
            if let Some(s) = n.items2020 {
                for (i, item) in arr[evaluated..].iter().enumerate() {
                    if let Err(e) = self.validate_val(s, item, i.to_string()) {
                        self.errors.push(e);
                    }
                }
            }
        }
        if let Some(cs) = n.contains {
            let mut errors = Vec::new();
            let mut matched = Vec::new();
            for (i, item) in arr.iter().enumerate() {
                match self.validate_val(cs, item, i.to_string()) {
                    Err(e) => errors.push(e),
                    Ok(()) => {
                        matched.push(i);
                        if n.draft >= 2020
                            && let Some(items) = self.uneval.items.as_mut()
                        {
                            items.retain(|k| *k != i);
                        }
                    }
                }
            }
            let list = |m: &[usize]| {
                m.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if let Some(min) = n.min_contains {
                if matched.len() < min {
                    let msg = if matched.is_empty() {
                        format!(
                            "min {} items required to match contains schema, but none matched",
                            fmt_count(min)
                        )
                    } else {
                        format!(
                            "min {} items required to match contains schema, but matched {} items at {}",
                            fmt_count(min),
                            fmt_count(matched.len()),
                            list(&matched)
                        )
                    };
                    self.add_with(msg, errors);
                }
            } else if matched.is_empty() {
                self.add_with("no items match contains schema".into(), errors);
            }
            if let Some(max) = n.max_contains
                && matched.len() > max
            {
                self.add(format!(
                    "max {} items required to match contains schema, but matched {} items at {}",
                    fmt_count(max),
                    fmt_count(matched.len()),
                    list(&matched)
                ));
            }
        }
    }

    fn str_validate(&mut self, s: &str) {
        let n = self.node();
        let len = s.chars().count();
        if let Some(min) = n.min_length
            && len < min
        {
            self.add(format!(
                "minLength: got {}, want {}",
                fmt_count(len),
                fmt_count(min)
            ));
        }
        if let Some(max) = n.max_length
            && len > max
        {
            self.add(format!(
                "maxLength: got {}, want {}",
                fmt_count(len),
                fmt_count(max)
            ));
        }
        if let Some((re, text)) = &n.pattern
            && !re.is_match(s)
        {
            self.add(format!(
                "{} does not match pattern {}",
                quote(s),
                quote(text)
            ));
        }
    }

    fn num_validate(&mut self, num: &serde_json::Number) {
        let n = self.node();
        let Some(d) = value_dec(num) else { return };
        let got = || fmt_float(num.as_f64().unwrap_or(0.0));
        if let Some(m) = &n.minimum
            && d < *m
        {
            self.add(format!(
                "minimum: got {}, want {}",
                got(),
                fmt_float(m.to_f64())
            ));
        }
        if let Some(m) = &n.maximum
            && d > *m
        {
            self.add(format!(
                "maximum: got {}, want {}",
                got(),
                fmt_float(m.to_f64())
            ));
        }
        if let Some(m) = &n.exclusive_minimum
            && d <= *m
        {
            self.add(format!(
                "exclusiveMinimum: got {}, want {}",
                got(),
                fmt_float(m.to_f64())
            ));
        }
        if let Some(m) = &n.exclusive_maximum
            && d >= *m
        {
            self.add(format!(
                "exclusiveMaximum: got {}, want {}",
                got(),
                fmt_float(m.to_f64())
            ));
        }
        if let Some(m) = &n.multiple_of
            && !d.is_multiple_of(m)
        {
            self.add(format!(
                "multipleOf: got {}, want {}",
                got(),
                fmt_float(m.to_f64())
            ));
        }
    }

    fn cond_validate(&mut self) {
        let n = self.node();
        if let Some(s) = n.not
            && self.validate_self(s, true).is_ok()
        {
            self.add("'not' failed".into());
        }
        if !n.all_of.is_empty() {
            let mut errors = Vec::new();
            for &s in &n.all_of {
                if let Err(e) = self.validate_self(s, false) {
                    errors.push(e);
                    if self.bool_result {
                        break;
                    }
                }
            }
            if !errors.is_empty() {
                self.add_with("'allOf' failed".into(), errors);
            }
        }
        if !n.any_of.is_empty() {
            let mut matched = false;
            let mut errors = Vec::new();
            for &s in &n.any_of {
                match self.validate_self(s, false) {
                    Err(e) => errors.push(e),
                    Ok(()) => {
                        matched = true;
                        if self.uneval.is_empty() {
                            break;
                        }
                    }
                }
            }
            if !matched {
                self.add_with("'anyOf' failed".into(), errors);
            }
        }
        if !n.one_of.is_empty() {
            let mut matched: Option<usize> = None;
            let mut errors = Vec::new();
            for (i, &s) in n.one_of.iter().enumerate() {
                match self.validate_self(s, matched.is_some()) {
                    Err(e) => {
                        if matched.is_none() {
                            errors.push(e);
                        }
                    }
                    Ok(()) => match matched {
                        None => matched = Some(i),
                        Some(first) => {
                            self.add(format!(
                                "'oneOf' failed, subschemas {}, {} matched",
                                fmt_count(first),
                                fmt_count(i)
                            ));
                            break;
                        }
                    },
                }
            }
            if matched.is_none() {
                self.add_with("'oneOf' failed, none matched".into(), errors);
            }
        }
        if let Some(s) = n.if_ {
            if self.validate_self(s, true).is_ok() {
                if let Some(t) = n.then_
                    && let Err(e) = self.validate_self(t, false)
                {
                    self.errors.push(e);
                }
            } else if let Some(e) = n.else_
                && let Err(err) = self.validate_self(e, false)
            {
                self.errors.push(err);
            }
        }
    }

    fn uneval_validate(&mut self) {
        let n = self.node();
        if let (Value::Object(obj), Some(s)) = (self.v, n.unevaluated_properties) {
            let props = self.uneval.props.take().unwrap_or_default();
            for pname in props {
                if let Some(pv) = obj.get(&pname)
                    && let Err(e) = self.validate_val(s, pv, pname.clone())
                {
                    self.errors.push(e);
                }
            }
        }
        if let (Value::Array(arr), Some(s)) = (self.v, n.unevaluated_items) {
            let items = self.uneval.items.take().unwrap_or_default();
            for i in items {
                if let Some(item) = arr.get(i)
                    && let Err(e) = self.validate_val(s, item, i.to_string())
                {
                    self.errors.push(e);
                }
            }
        }
    }
}

fn join_quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|s| quote(s))
        .collect::<Vec<_>>()
        .join(", ")
}
