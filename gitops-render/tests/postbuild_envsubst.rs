//! `${var}` expansion: the cases of fluxcd/pkg/envsubst's own tests (eval_test.go), its
//! strict mode, and the forms its parser rejects or treats specially.

use std::collections::BTreeMap;

use gitops_render::postbuild::envsubst::{Error, eval};

fn expand(vars: &[(&str, &str)], input: &str) -> Result<String, Error> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    eval(input, |name| vars.get(name).cloned())
}

/// Non-strict lookup: unknown variables are empty (Flux without the strict feature gate).
fn expand_lax(vars: &[(&str, &str)], input: &str) -> Result<String, Error> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    eval(input, |name| {
        Some(vars.get(name).cloned().unwrap_or_default())
    })
}

#[test]
fn flux_envsubst_vectors() {
    type Case = (
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );
    let cases: &[Case] = &[
        (&[], "abcdEFGH28ij", "abcdEFGH28ij"),
        (&[("var01", "abcdEFGH28ij")], "${#var01}", "12"),
        (&[("var01", "abcdEFGH28ij")], "${var01^}", "AbcdEFGH28ij"),
        (&[("var01", "abcdEFGH28ij")], "${var01^^}", "ABCDEFGH28IJ"),
        (&[("var01", "ABCDEFGH28IJ")], "${var01,}", "aBCDEFGH28IJ"),
        (&[("var01", "ABCDEFGH28IJ")], "${var01,,}", "abcdefgh28ij"),
        (
            &[("path_name", "/home/bozo/ideas/thoughts.for.today")],
            "${path_name:11}",
            "ideas/thoughts.for.today",
        ),
        (
            &[("path_name", "/home/bozo/ideas/thoughts.for.today")],
            "${path_name:11:5}",
            "ideas",
        ),
        (&[("var", "abc")], "${var=xyz}", "abc"),
        (&[], "${var=xyz}", "xyz"),
        (
            &[("default_var", "foo")],
            "something ${var=${default_var}}",
            "something foo",
        ),
        (
            &[("default_var", "foo1")],
            "foo: ${var=${default_var}-suffix}",
            "foo: foo1-suffix",
        ),
        (
            &[("default_var", "foo1")],
            "foo: ${var=prefix${default_var}-suffix}",
            "foo: prefixfoo1-suffix",
        ),
        (&[], "${var:=xyz}", "xyz"),
        (
            &[("stringZ", "abcABC123ABCabc")],
            "${stringZ/%abc/XYZ}",
            "abcABC123ABCXYZ",
        ),
        (
            &[("stringZ", "abcABC123ABCabc")],
            "${stringZ/#abc/XYZ}",
            "XYZABC123ABCabc",
        ),
        (
            &[("stringZ", "abcABC123ABCabc")],
            "${stringZ//abc/xyz}",
            "xyzABC123ABCxyz",
        ),
        (
            &[("stringZ", "abcABC123ABCabc")],
            "${stringZ/abc/xyz}",
            "xyzABC123ABCabc",
        ),
        (
            &[("filename", "bash.string.txt")],
            "${filename#*.}",
            "string.txt",
        ),
        (&[("filename", "path/to/file")], "${filename#*/}", "to/file"),
        (
            &[("filename", "/path/to/file")],
            "${filename#*/}",
            "path/to/file",
        ),
        (&[("filename", "bash.string.txt")], "${filename##*.}", "txt"),
        (&[("filename", "path/to/file")], "${filename##*/}", "file"),
        (&[("filename", "/path/to/file")], "${filename##*/}", "file"),
        (
            &[("filename", "bash.string.txt")],
            "${filename%.*}",
            "bash.string",
        ),
        (
            &[("filename", "bash.string.txt")],
            "${filename%%.*}",
            "bash",
        ),
        (
            &[("var01", "abcdEFGH28ij")],
            "${var=${var01^^}}",
            "ABCDEFGH28IJ",
        ),
        (&[("var01", "abcdEFGH28ij")], "$${var01}", "${var01}"),
        (
            &[("var01", "abcdEFGH28ij")],
            "some text ${var01}$${var$${var01}$var01${var01}",
            "some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij",
        ),
        (
            &[("default_var", "foo")],
            "something $${var=${default_var}}",
            "something ${var=foo}",
        ),
        (&[("stringZ", "foo/bar")], r"${stringZ/\//-}", "foo-bar"),
        (
            &[("stringZ", "foo/bar/baz")],
            r"${stringZ//\//-}",
            "foo-bar-baz",
        ),
        (
            &[("default_var", "foo")],
            "\\\\something ${var=${default_var}}",
            "\\\\something foo",
        ),
        (&[("stringZ", "foo.bar")], "${stringZ/./}", "foobar"),
    ];
    for (vars, input, output) in cases {
        assert_eq!(
            expand_lax(vars, input).as_deref(),
            Ok(*output),
            "input {input:?}"
        );
    }
}

#[test]
fn strict_mode() {
    assert_eq!(expand(&[("foo", "bar")], "${foo}").as_deref(), Ok("bar"));
    assert_eq!(expand(&[("foo", "")], "${foo}").as_deref(), Ok(""));
    let err = expand(&[], "${missing}").expect_err("unset");
    assert_eq!(err, Error::VariableNotSet("missing".to_string()));
    assert_eq!(
        err.to_string(),
        "variable not set (strict mode): \"missing\""
    );
    for input in [
        "${#missing}",
        "${missing^}",
        "${missing^^}",
        "${missing,}",
        "${missing,,}",
        "${missing:0}",
        "${missing:0:10}",
        "${missing/pattern/replacement}",
        "${missing//pattern/replacement}",
        "${missing/#pattern/replacement}",
        "${missing/%pattern/replacement}",
        "${missing#pattern}",
        "${missing##pattern}",
        "${missing%pattern}",
        "${missing%%pattern}",
    ] {
        assert_eq!(
            expand(&[], input),
            Err(Error::VariableNotSet("missing".to_string())),
            "{input}"
        );
    }
    assert_eq!(
        expand(&[], "${missing:-fallback}").as_deref(),
        Ok("fallback")
    );
    assert_eq!(
        expand(&[], "${missing:=assigned}").as_deref(),
        Ok("assigned")
    );
    assert_eq!(
        expand(&[], "${missing=assigned}").as_deref(),
        Ok("assigned")
    );
    // a default's own variables are still strict
    assert_eq!(
        expand(&[], "${a:=${b}}"),
        Err(Error::VariableNotSet("b".to_string()))
    );
}

#[test]
fn forms_flux_treats_specially() {
    // only the braced form expands
    assert_eq!(
        expand(&[], "echo $HOME and $1").as_deref(),
        Ok("echo $HOME and $1")
    );
    // `-` and `+` without a colon are not parsed after a name
    assert_eq!(
        expand(&[("v", "x")], "${v-d}"),
        Err(Error::MissingClosingBrace)
    );
    assert_eq!(
        expand(&[("v", "x")], "${v+d}"),
        Err(Error::MissingClosingBrace)
    );
    assert_eq!(
        Error::MissingClosingBrace.to_string(),
        "missing closing brace"
    );
    // `:+` and `:?` parse, and act as defaults
    assert_eq!(expand(&[], "${v:+d}").as_deref(), Ok("d"));
    assert_eq!(expand(&[("v", "x")], "${v:?d}").as_deref(), Ok("x"));
    // empty value takes the default for `=` too (toDefault)
    assert_eq!(expand(&[("v", "")], "${v=d}").as_deref(), Ok("d"));
    assert_eq!(expand(&[], "${}"), Err(Error::VariableName));
    assert_eq!(expand(&[], "${v"), Err(Error::MissingClosingBrace));
    assert_eq!(
        expand(&[("v", "x")], "${v^^^}"),
        Err(Error::BadSubstitution)
    );
    assert_eq!(
        expand(&[("v", "abc")], "${v:1:1} ${v:-2} ${v: -2}").as_deref(),
        Ok("b abc abc"),
        "Go's Atoi rejects \" -2\""
    );
    assert_eq!(
        expand(&[("v", "a-b-c")], "${v//-/_}").as_deref(),
        Ok("a_b_c")
    );
    assert_eq!(
        expand(&[("v", "héllo")], "${v^^} ${#v}").as_deref(),
        Ok("HÉLLO 6")
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(input in "[a-zé€${}#%/:=,^\\\\ -]{0,40}") {
            let _ = expand_lax(&[("a", "xyz")], &input);
            let _ = expand(&[("a", "xyz")], &input);
        }

        #[test]
        // (a NUL ends the text, as rune 0 is the Go scanner's EOF)
        fn text_without_dollar_is_unchanged(input in "[^$\\x00]{0,60}") {
            prop_assert_eq!(expand(&[], &input), Ok(input.clone()));
        }
    }
}
