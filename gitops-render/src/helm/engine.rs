//! Helm's template engine (`pkg/engine`): every template of the chart and its subcharts
//! parsed into one set (deepest paths first, so a parent's `define` wins), each
//! non-partial template executed with its chart's objects, `<no value>` removed, and
//! Go's errors rewritten as Helm 4 prints them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use gitops_gotmpl::{ErrorKind, Map, MapType, MissingKey, Templates, Value};

use super::Chart;
use super::dependencies::Node;
use super::objects::{self, VALUES_TYPE};

/// A template that failed to parse or execute; the message is Helm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

struct Renderable<'c> {
    /// The template's text, borrowed from the chart unless it needed repairing (invalid
    /// UTF-8 read as Go reads it).
    text: Cow<'c, str>,
    vals: Value,
    base_path: String,
}

/// Renders every template of the processed chart tree `root` with the top-level
/// objects in `top` (`Values`, `Release`, `Capabilities`). Returns each rendered
/// template by its path (`chart/templates/x.yaml`, `chart/charts/sub/templates/y.yaml`),
/// partials (`_*`) left out.
pub fn render(root: &Node<'_>, top: &Map) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    render_each(root, top, &mut |name, text| {
        out.insert(name, text);
    })?;
    Ok(out)
}

/// [`render`], handing each rendered template to `on_file` as soon as it is rendered (in
/// Helm's execution order), so that callers can process files while others render.
pub fn render_each(
    root: &Node<'_>,
    top: &Map,
    on_file: &mut dyn FnMut(String, String),
) -> Result<(), Error> {
    let mut tpls = BTreeMap::new();
    collect(root, top, true, "", &mut tpls);
    let mut keys: Vec<&String> = tpls.keys().collect();
    // Helm parses the deepest paths first and, at one depth, in reverse lexical order.
    keys.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    let mut set = Templates::new("gotpl");
    set.funcs(gitops_gotmpl::all_funcs())
        .missing_key(MissingKey::Zero);
    objects::register(&mut set);
    for name in &keys {
        let r = &tpls[*name];
        set.parse(name, &r.text)
            .map_err(|e| cleanup_parse_error(name, &e.message))?;
    }
    for name in keys {
        if base(name).starts_with('_') {
            continue;
        }
        let r = &tpls[name];
        if let Value::Map(m, _) = &r.vals {
            let t = Map::from([
                ("Name".to_string(), Value::str(name.as_str())),
                ("BasePath".to_string(), Value::str(r.base_path.as_str())),
            ]);
            m.borrow_mut().insert(
                "Template".into(),
                Value::typed_map(t, MapType::Named(VALUES_TYPE)),
            );
        }
        let text = set.execute(name, &r.vals).map_err(|e| match e.kind {
            ErrorKind::Exec => reformat_exec_error(name, &e.message),
            _ => Error(e.message),
        })?;
        let text = if text.contains("<no value>") {
            text.replace("<no value>", "")
        } else {
            text
        };
        on_file(name.clone(), text);
    }
    Ok(())
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Helm's `recAllTpls`: the objects of one chart and its templates.
fn collect<'c>(
    node: &Node<'c>,
    parent: &Map,
    is_root: bool,
    parent_path: &str,
    out: &mut BTreeMap<String, Renderable<'c>>,
) -> Value {
    let values = if is_root {
        parent.get("Values").cloned().unwrap_or_default()
    } else {
        parent
            .get("Values")
            .and_then(|v| objects::values_table(v, node.name()))
            .unwrap_or_else(|| Value::typed_map(Map::new(), MapType::Named(VALUES_TYPE)))
    };
    let mut next = Map::new();
    next.insert("Chart".into(), objects::chart(&node.metadata, is_root));
    next.insert("Files".into(), objects::files(&node.chart.files));
    next.insert(
        "Release".into(),
        parent.get("Release").cloned().unwrap_or_default(),
    );
    next.insert(
        "Capabilities".into(),
        parent.get("Capabilities").cloned().unwrap_or_default(),
    );
    next.insert("Values".into(), values);
    let full_path = if is_root {
        node.name().to_string()
    } else {
        format!("{parent_path}/charts/{}", node.name())
    };
    let mut subcharts = Map::new();
    for child in &node.dependencies {
        let v = collect(child, &next, false, &full_path, out);
        subcharts.insert(child.name().to_string(), v);
    }
    next.insert("Subcharts".into(), Value::map(subcharts));
    let next = Value::map(next);
    let library = node.metadata.is_library();
    let chart: &'c Chart = node.chart;
    for t in &chart.templates {
        if library && !base(&t.name).starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{}", t.name),
            Renderable {
                text: String::from_utf8_lossy(&t.data),
                vals: next.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    next
}

/// Helm's `cleanupParseError`.
fn cleanup_parse_error(filename: &str, msg: &str) -> Error {
    let tokens: Vec<&str> = msg.split(": ").collect();
    if tokens.len() == 1 {
        return Error(format!("parse error in ({filename}): {msg}"));
    }
    Error(format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    ))
}

const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";

#[derive(PartialEq)]
struct Traceable {
    location: String,
    message: String,
    function: String,
}

/// Helm 4's `reformatExecErrorMsg`: a `fail`/`required` message becomes
/// `execution error at (LOC): MSG`; otherwise each level of the (include/tpl) error chain
/// becomes `LOC` / `executing "NAME" at <NODE>:` / `MSG` lines.
fn reformat_exec_error(filename: &str, msg: &str) -> Error {
    let tokens: Vec<&str> = msg.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return Error(format!("execution error in ({filename}): {msg}"));
    }
    if let (Some(a), Some(b)) = (tokens[2].find(WARN_START), tokens[2].rfind(WARN_END)) {
        if a + WARN_START.len() <= b {
            return Error(format!(
                "execution error at ({}): {}",
                tokens[1],
                &tokens[2][a + WARN_START.len()..b]
            ));
        }
    }
    // The chain of wrapped errors, as Go's `errors.Unwrap` walks it: a failed function
    // call (`error calling NAME: ERR`) wraps ERR, which must itself be a template error
    // (an `include`) for the chain to be reformatted; any other wrapped error (`tpl`'s
    // "error during tpl function execution", a sprig error) leaves the message as it is.
    let mut trace: Vec<Traceable> = Vec::new();
    let mut level = msg;
    loop {
        let Some((t, raw)) = parse_traceable(level) else {
            return Error(msg.to_string());
        };
        if trace.last() != Some(&t) {
            trace.push(t);
        }
        let Some(wrapped) = raw.strip_prefix("error calling ").and_then(|r| {
            let (name, rest) = r.split_once(": ")?;
            (!name.contains(' ')).then_some(rest)
        }) else {
            break;
        };
        level = wrapped;
    }
    let mut s = String::new();
    for t in trace {
        if !t.location.is_empty() {
            s.push_str(&t.location);
            s.push_str("\n  ");
        }
        if !t.function.is_empty() {
            s.push_str(&t.function);
            s.push_str("\n    ");
        }
        if !t.message.is_empty() {
            s.push_str(&t.message);
            s.push('\n');
        }
    }
    Error(s.trim().to_string())
}

/// One level of the chain, and its message before Helm cuts it at ` template:`.
fn parse_traceable(s: &str) -> Option<(Traceable, &str)> {
    let rest = s.strip_prefix("template: ")?;
    if rest.starts_with("no template ") {
        return Some((
            Traceable {
                location: String::new(),
                message: s.to_string(),
                function: String::new(),
            },
            "",
        ));
    }
    let cut = |m: &str| {
        m.find(" template:")
            .map_or(m.to_string(), |i| m[..i].to_string())
    };
    if let Some((name, after)) = rest.split_once(": executing ") {
        if let Some(after) = after.strip_prefix('"') {
            if let Some(end) = after.find('"') {
                let function = &after[..end];
                if let Some(at) = after[end + 1..].strip_prefix(" at <") {
                    if let Some((node, m)) = at.split_once(">: ") {
                        return Some((
                            Traceable {
                                location: name.to_string(),
                                message: cut(m),
                                function: format!("executing \"{function}\" at <{node}>:"),
                            },
                            m,
                        ));
                    }
                }
            }
        }
        return None;
    }
    let sep = rest.rfind(": ")?;
    Some((
        Traceable {
            location: rest[..sep].to_string(),
            message: cut(&rest[sep + 2..]),
            function: String::new(),
        },
        &rest[sep + 2..],
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exec_errors_are_reformatted_as_helm_4() {
        let e = reformat_exec_error(
            "c/templates/a.yaml",
            "template: c/templates/a.yaml:3:5: executing \"c/templates/a.yaml\" at <fail \"x\">: error calling fail: HELM_ERR_STARTboomHELM_ERR_END",
        );
        assert_eq!(e.0, "execution error at (c/templates/a.yaml:3:5): boom");
        let e = reformat_exec_error(
            "c/templates/a.yaml",
            "template: c/templates/a.yaml:1:3: executing \"c/templates/a.yaml\" at <include \"x\" .>: error calling include: template: c/templates/_h.tpl:2:4: executing \"x\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
        );
        assert_eq!(
            e.0,
            "c/templates/a.yaml:1:3\n  executing \"c/templates/a.yaml\" at <include \"x\" .>:\n    error calling include:\nc/templates/_h.tpl:2:4\n  executing \"x\" at <.Values.a.b>:\n    nil pointer evaluating interface {}.b"
        );
    }

    #[test]
    fn errors_wrapping_a_non_template_error_stay_raw() {
        // `tpl` wraps its template error in "error during tpl function execution", and a
        // sprig error is no template error: Go's unwrap chain breaks, Helm prints as is.
        for msg in [
            "template: c/templates/a.yaml:7:10: executing \"c/templates/a.yaml\" at <tpl .Values.t .>: error calling tpl: error during tpl function execution for \"{{ .Values.a.b }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
            "template: c/templates/a.yaml:2:6: executing \"c/templates/a.yaml\" at <index (list 1 2) 5>: error calling index: index out of range: 5",
        ] {
            assert_eq!(reformat_exec_error("c/templates/a.yaml", msg).0, msg);
        }
    }

    #[test]
    fn parse_errors_are_cleaned_up() {
        let e = cleanup_parse_error(
            "c/templates/a.yaml",
            "template: c/templates/a.yaml:2: function \"nope\" not defined",
        );
        assert_eq!(
            e.0,
            "parse error at (c/templates/a.yaml:2): function \"nope\" not defined"
        );
    }
}
