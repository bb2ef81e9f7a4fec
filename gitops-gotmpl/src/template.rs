//! Template sets: parse named templates, execute them, clone a set (Helm's `tpl`).

use std::collections::HashMap;
use std::rc::Rc;

use crate::exec::{self, Limits};
use crate::func::{Func, Funcs};
use crate::parse::{self, Tree};
use crate::value::{MapMethods, Value};
use crate::{Error, ErrorKind};

/// What a field access does when a map has no such key (Go's `missingkey` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` (and `invalid`): no value, printed `<no value>`.
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of the map's element type (a nil `interface {}`
    /// for `map[string]interface {}`, which still prints `<no value>`). Helm's default.
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "x"`.
    Error,
}

/// A set of named templates sharing functions, delimiters and options, like a Go
/// `*template.Template` and its associated templates.
///
/// ```
/// use gitops_gotmpl::{Templates, Value};
/// let mut t = Templates::new("root");
/// t.parse("root", r#"{{define "greet"}}Hello, {{.}}!{{end}}{{template "greet" .name}}"#).unwrap();
/// let data = Value::from_json(&serde_json::json!({"name": "world"}));
/// assert_eq!(t.execute("root", &data).unwrap(), "Hello, world!");
/// ```
#[derive(Clone)]
pub struct Templates {
    name: String,
    trees: HashMap<String, Rc<Tree>>,
    funcs: Rc<Funcs>,
    left: String,
    right: String,
    missing_key: MissingKey,
    limits: Limits,
    map_methods: Rc<HashMap<&'static str, Rc<dyn MapMethods>>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").field("name", &self.name).field("templates", &self.names()).finish()
    }
}

impl Templates {
    /// An empty set whose root template is called `name` (the name Go's errors use for
    /// `ExecuteTemplate` of an unknown name, and the name `tpl` texts get).
    pub fn new(name: &str) -> Templates {
        Templates {
            name: name.to_string(),
            trees: HashMap::new(),
            funcs: Rc::new(Funcs::new()),
            left: String::new(),
            right: String::new(),
            missing_key: MissingKey::Default,
            limits: Limits::default(),
            map_methods: Rc::new(HashMap::new()),
        }
    }

    /// The root template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds functions (replacing same-named ones). Must come before parsing texts that
    /// use them.
    pub fn funcs(&mut self, funcs: Funcs) -> &mut Templates {
        Rc::make_mut(&mut self.funcs).extend(funcs);
        self
    }

    /// Adds or replaces one function.
    pub fn add_func(&mut self, name: &str, f: Func) -> &mut Templates {
        Rc::make_mut(&mut self.funcs).insert(name, f);
        self
    }

    /// The action delimiters for texts parsed from now on (empty means `{{` / `}}`).
    pub fn delims(&mut self, left: &str, right: &str) -> &mut Templates {
        self.left = left.to_string();
        self.right = right.to_string();
        self
    }

    /// The `missingkey` option.
    pub fn missing_key(&mut self, m: MissingKey) -> &mut Templates {
        self.missing_key = m;
        self
    }

    /// Sets the execution limits.
    pub fn set_limits(&mut self, l: Limits) -> &mut Templates {
        self.limits = l;
        self
    }

    /// The execution limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Registers the methods of the named map type `type_name` (see [`MapMethods`]).
    pub fn map_methods(&mut self, type_name: &'static str, methods: Rc<dyn MapMethods>) -> &mut Templates {
        Rc::make_mut(&mut self.map_methods).insert(type_name, methods);
        self
    }

    pub(crate) fn map_methods_of(&self, type_name: &str) -> Option<Rc<dyn MapMethods>> {
        self.map_methods.get(type_name).cloned()
    }

    pub(crate) fn missing_key_option(&self) -> MissingKey {
        self.missing_key
    }

    /// Parses `text` as the template `name`; its `define`s and `block`s become templates
    /// of the set. A definition replaces an existing template of the same name unless it
    /// is empty (only space and comments), as in Go; within one text, two non-empty
    /// definitions of a name are an error.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<(), Error> {
        let trees = parse::parse(name, text, &self.left, &self.right, &*self.funcs)
            .map_err(|e| Error { kind: ErrorKind::Parse, message: e.0 })?;
        for t in trees {
            if parse::node::is_empty_tree(&t.root) && self.trees.contains_key(&t.name) {
                continue;
            }
            self.trees.insert(t.name.clone(), Rc::new(t));
        }
        Ok(())
    }

    /// Executes the template `name` with `data` as dot and `$`.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        exec::execute_top(self, name, data)
    }

    /// The parse tree of `name`.
    pub fn lookup(&self, name: &str) -> Option<&Tree> {
        self.trees.get(name).map(|t| &**t)
    }

    pub(crate) fn tree(&self, name: &str) -> Option<Rc<Tree>> {
        self.trees.get(name).cloned()
    }

    pub(crate) fn get_func(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// The template names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.trees.keys().cloned().collect();
        n.sort();
        n
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn clones_are_independent() {
        let mut a = Templates::new("root");
        a.parse("root", r#"{{define "x"}}a{{end}}{{template "x"}}"#).unwrap();
        let mut b = a.clone();
        b.parse("other", r#"{{define "x"}}b{{end}}"#).unwrap();
        assert_eq!(a.execute("root", &Value::Nil).unwrap(), "a");
        assert_eq!(b.execute("root", &Value::Nil).unwrap(), "b");
        assert!(a.lookup("other").is_none());
    }

    #[test]
    fn functions_must_exist_at_parse_time() {
        let mut t = Templates::new("t");
        let err = t.parse("t", "{{shout 1}}").unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ErrorKind::Parse, r#"template: t:1: function "shout" not defined"#)
        );
        t.add_func(
            "shout",
            Func::new(&[crate::Ty::String], |a| Ok(Value::str(a[0].as_str().unwrap_or("").to_uppercase()))),
        );
        t.parse("t", r#"{{shout "hi"}}"#).unwrap();
        assert_eq!(t.execute("t", &Value::Nil).unwrap(), "HI");
    }

    #[test]
    fn missing_key_option_is_per_set() {
        let mut t = Templates::new("t");
        t.missing_key(MissingKey::Error).parse("t", "{{.a}}").unwrap();
        let err = t.execute("t", &Value::map(Default::default())).unwrap_err();
        assert_eq!(err.message, r#"template: t:1:2: executing "t" at <.a>: map has no entry for key "a""#);
    }
}
