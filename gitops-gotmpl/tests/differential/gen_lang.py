"""Writes cases/lang.json: the language cases (printf verbs x operands, comparisons, builtins,
control flow, parse errors, define/template/block/include/tpl). Expectations are then
recorded from the real Helm with record.py; this script only writes the templates."""
import json, itertools, os
cases = []
def add(name, template, values=None, wrap=None):
    c = {"name": name, "template": template}
    if values: c["values"] = values
    if wrap: c["wrap"] = wrap
    cases.append(c)

VALUES = "i: 3\nf: 2.5\nbig: 1000000\nneg: -7\ns: hello\ne: \"\"\nt: true\nz: 0\nlst: [1, two, 3.5]\nm: {b: 2, a: 1}\nnul: null\nstrs: [\"x\", \"y\"]\nnested: {inner: {deep: v}}\nuni: \"héllo wörld\"\n"
# printf verbs x operands
operands = {"int": "3", "negint": "-42", "float": "2.5", "bigfloat": ".Values.big", "vfloat": ".Values.f", "str": "\"hi\"", "vstr": ".Values.s",
            "bool": "true", "nil": ".Values.nul", "list": ".Values.lst", "map": ".Values.m", "strs": ".Values.strs", "uni": ".Values.uni", "missing": ".Values.nope"}
verbs = ["%v", "%+v", "%#v", "%T", "%d", "%s", "%q", "%x", "%X", "%o", "%b", "%e", "%E", "%f", "%.2f", "%g", "%G", "%t", "%c", "%U", "%5d", "%-5d|", "%05d", "%8.3f", "%-8s|", "%10q", "%+d", "% d", "%#x", "%#o", "%x", "%.3s", "%6.2e", "%%"]
for (vn, v), verb in itertools.product(operands.items(), verbs):
    add(f"printf-{verb}-{vn}", '{{ printf "%s" %s }}' % (verb, v) if False else "{{ printf %s %s }}" % (json.dumps(verb), v), VALUES)
# printf arg count errors
for t in ['{{ printf "%d %d" 1 }}', '{{ printf "%d" 1 2 }}', '{{ printf "%!" }}', '{{ printf "%[2]d %[1]d" 1 2 }}', '{{ printf "%*d" 5 3 }}', '{{ printf "%.*f" 2 3.14159 }}', '{{ printf "%[3]d" 1 }}', '{{ printf "%z" 1 }}', '{{ printf "%-+08.3f" 3.14159 }}', '{{ printf "%x" "hi" }}', '{{ printf "% x" "hi" }}', '{{ printf "%X" .Values.strs }}', '{{ printf "%v" (list 1 (dict "a" 1)) }}', '{{ printf "%d" (list 1 2) }}', '{{ printf "%s" (list 1 "a") }}', '{{ printf "%q" (list "a" "b") }}', '{{ printf "%08.3e" 1234.5678 }}', '{{ printf "%g" 100000000.0 }}', '{{ printf "%g" 0.000001234 }}', '{{ printf "%.3g" 1234.5678 }}', '{{ printf "%v" 1e21 }}', '{{ printf "%v" 123456789.0 }}', '{{ printf "%f" 1e21 }}', '{{ printf "%.0f" 2.5 }}', '{{ printf "%.0f" 3.5 }}', '{{ printf "%.1f" 0.05 }}', '{{ printf "%.2f" 1.005 }}', '{{ printf "%6.2f|" -1.5 }}', '{{ printf "%c" 65 }}', '{{ printf "%U" 0x1F600 }}', '{{ printf "%#U" 0x1F600 }}', '{{ printf "%q" 65 }}', '{{ printf "%d" true }}', '{{ printf "%t" 1 }}', '{{ printf "%s" nil }}', '{{ printf "%v" nil }}', '{{ printf "%d" .Values.nul }}']:
    add("printf-" + t, t, VALUES)
# print / println spacing
for t in ['{{ print 1 2 }}', '{{ print "a" "b" }}', '{{ print 1 "a" 2 }}', '{{ print "a" 1 2 "b" }}', '{{ println 1 "a" }}', '{{ print .Values.lst .Values.m }}', '{{ print nil }}', '{{ print .Values.nope }}', '{{ print }}', '{{ print 1.0 2.5e10 }}', '{{ print true false }}', '{{ print .Values.i .Values.f }}']:
    add("print-" + t, t, VALUES)
# comparisons
cmp_ops = ["eq", "ne", "lt", "le", "gt", "ge"]
cmp_vals = {"1": "1", "2": "2", "1.0": "1.0", "vi": ".Values.i", "vf": ".Values.f", "a": '"a"', "b": '"b"', "true": "true", "nil": ".Values.nul", "missing": ".Values.nope", "int64": "(int64 1)", "list": ".Values.lst"}
for op in cmp_ops:
    for (an, a), (bn, b) in itertools.product(cmp_vals.items(), repeat=2):
        if (an, bn) in [("list", "list")] : pass
        add(f"cmp-{op}-{an}-{bn}", "{{ %s %s %s }}" % (op, a, b), VALUES)
for t in ['{{ eq 1 2 3 1 }}', '{{ eq "a" "b" "a" }}', '{{ eq 1 }}', '{{ eq }}', '{{ lt 1 2 3 }}', '{{ eq .Values.s "hello" "x" }}', '{{ ne 1 }}']:
    add("cmp-" + t, t, VALUES)
# and/or/not
for t in ['{{ and 1 0 2 }}', '{{ and 1 2 }}', '{{ or 0 "" 3 }}', '{{ or 0 "" }}', '{{ not 0 }}', '{{ not .Values.lst }}', '{{ and .Values.nope (index .Values.nope 1) }}', '{{ or .Values.s (fail "no") }}', '{{ and }}', '{{ not 1 2 }}', '{{ and .Values.m .Values.lst }}', '{{ or .Values.nul .Values.e }}']:
    add("logic-" + t, t, VALUES)
# len/index/slice
for t in ['{{ len .Values.lst }}', '{{ len .Values.m }}', '{{ len .Values.s }}', '{{ len .Values.uni }}', '{{ len 3 }}', '{{ len .Values.nope }}', '{{ len .Values.nul }}', '{{ index .Values.lst 1 }}', '{{ index .Values.lst 5 }}', '{{ index .Values.lst -1 }}', '{{ index .Values.m "a" }}', '{{ index .Values.m "zz" }}', '{{ index .Values.nested "inner" "deep" }}', '{{ index .Values.s 0 }}', '{{ index .Values 1 }}', '{{ index .Values.lst "a" }}', '{{ index .Values.lst 1.0 }}', '{{ index .Values.nope "a" }}', '{{ index .Values.lst }}', '{{ slice .Values.lst 1 }}', '{{ slice .Values.lst 1 2 }}', '{{ slice .Values.lst 3 }}', '{{ slice .Values.lst 4 }}', '{{ slice .Values.lst 2 1 }}', '{{ slice .Values.s 1 3 }}', '{{ slice .Values.s 1 2 3 }}', '{{ slice .Values.lst 0 1 2 }}', '{{ slice .Values.m 1 }}', '{{ index (list 1 2) 0 }}', '{{ index (dict "a" (list 5 6)) "a" 1 }}']:
    add("builtin-" + t, t, VALUES)
# html/js/urlquery
for t in ['{{ html "<a href=\\"x\\">&\'</a>" }}', '{{ js "a\'b\\"c<d>\\n" }}', '{{ urlquery "a b&c=d/é" }}', '{{ html 1 2 }}', '{{ js .Values.lst }}', '{{ urlquery .Values.m }}', '{{ "<x>" | html }}', '{{ js "\\u2028" }}']:
    add("escape-" + t, t, VALUES)
# control flow
ctl = [
 '{{ if .Values.t }}yes{{ else }}no{{ end }}', '{{ if .Values.z }}yes{{ else if .Values.s }}s{{ else }}no{{ end }}',
 '{{ if .Values.nope }}x{{ end }}|', '{{ if .Values.e }}x{{ else }}empty{{ end }}', '{{ if .Values.lst }}l{{ end }}', '{{ if .Values.m }}m{{ end }}',
 '{{ with .Values.nested.inner }}{{ .deep }}{{ end }}', '{{ with .Values.nope }}x{{ else }}none{{ end }}', '{{ with .Values.z }}x{{ else with .Values.s }}{{ . }}{{ end }}',
 '{{ range .Values.lst }}[{{ . }}]{{ end }}', '{{ range $i, $v := .Values.lst }}{{ $i }}={{ $v }};{{ end }}', '{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}',
 '{{ range .Values.nope }}x{{ else }}empty{{ end }}', '{{ range .Values.e }}x{{ else }}e{{ end }}', '{{ range 3 }}{{ . }}{{ end }}', '{{ range $i := 3 }}{{ $i }}{{ end }}',
 '{{ range .Values.lst }}{{ if eq (typeOf .) "string" }}{{ break }}{{ end }}{{ . }}{{ end }}', '{{ range .Values.lst }}{{ if eq (typeOf .) "string" }}{{ continue }}{{ end }}{{ . }}{{ end }}',
 '{{ range $i, $e := .Values.strs }}{{ $i }}{{ $e }}{{ end }}', '{{ range .Values.m }}{{ . }}{{ end }}', '{{ range $x := .Values.s }}{{ $x }}{{ end }}', '{{ range .Values.i }}{{ . }}{{ end }}', '{{ range .Values.f }}{{ . }}{{ end }}',
 '{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', '{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ end }}{{ $x }}', '{{ $x := .Values.s }}{{ $x | upper }}', '{{ $ := 1 }}', '{{ $.Values.s }}',
 '{{ range .Values.lst }}{{ $.Values.s }}{{ end }}', '{{ $y = 1 }}', '{{ $a, $b := 1 }}', '{{ range $a, $b, $c := .Values.lst }}{{ end }}',
 '{{- " a " -}}  b  {{- " c " }}', 'x  {{- /* comment */ -}}  y', '{{/* c */}}z', '{{- /* c */ -}}', '{{ "a" }}{{- "b" -}}{{ "c" }}', 'a {{- 1 }} b', '{{ 1 -}}\n\n  x',
 '{{ "unterminated }}', '{{ if }}{{ end }}', '{{ end }}', '{{ if true }}', '{{ else }}', '{{ range }}{{ end }}', '{{ .Values.s | }}', '{{ | upper }}', '{{ nil }}', '{{ 1 | 2 }}', '{{ (1) }}', '{{ ( }}', '{{ .Values.s.x }}', '{{ .Values.nope.x }}', '{{ .Values.nul.x }}', '{{ .Values.lst.x }}', '{{ .Values.m.a.b }}',
 '{{ nosuchfunc 1 }}', '{{ $undefined }}', '{{ template "nope" }}', '{{ .Values.s 1 }}', '{{ "a" 1 }}', '{{ 1.5e3 }}', '{{ 0x1F }}', '{{ 0o17 }}', '{{ 0b101 }}', '{{ 1_000 }}', "{{ 'a' }}", '{{ "\\u00e9\\t\\x41" }}', '{{ `raw\\n` }}', '{{ 1e3 | printf "%T" }}', '{{ 3 | printf "%T" }}', '{{ -5 }}', '{{ +5 }}', '{{ .5 }}', '{{ 1. }}', '{{ 0x1p4 }}', '{{ 9223372036854775807 }}', '{{ 9223372036854775808 }}', '{{ 1i }}',
 '{{ (.Values.m).a }}', '{{ (dict "x" 1).x }}', '{{ (list 1 2) | len }}', '{{ .Values.m | len }}', '{{ "abc" | printf "%s-%s" "x" }}', '{{ . | typeOf }}', '{{ .Release.Name }}-{{ .Chart.Name }}', '{{ .Template.Name }}', '{{ .Release.Revision | typeOf }}',
 '{{ break }}', '{{ continue }}', '{{ range .Values.lst }}{{ with . }}{{ break }}{{ end }}{{ end }}',
]
for i, t in enumerate(ctl):
    add(f"ctl-{i}", t, VALUES)
raw = [
 '{{- define "x" }}a: {{ . }}{{ end -}}\n{{ template "x" 1 }}\n',
 '{{- define "x" }}a: {{ .v }}{{ end -}}\n{{ template "x" (dict "v" 2) }}\n',
 '{{- block "b" . }}k: default{{ end }}\n',
 '{{- define "b" }}k: override{{ end -}}\n{{ block "b" . }}k: default{{ end }}\n',
 '{{- define "r" }}{{ if gt . 0 }}{{ template "r" (sub . 1) }}{{ end }}{{ end -}}\nk: {{ template "r" 5 }}done\n',
 'k: {{ include "nope" . }}\n',
 '{{- define "e" }}{{ fail "inner" }}{{ end -}}\nk: {{ include "e" . }}\n',
 '{{- define "t" }}v{{ end -}}\n{{- define "t" }}w{{ end -}}\nk: {{ template "t" }}\n',
 'k: {{ tpl "{{ .Values.s }}-{{ .Release.Name }}" . }}\n',
 'k: {{ tpl "{{ define \\"q\\" }}Q{{ end }}{{ template \\"q\\" }}" . }}\n',
 'k: {{ tpl "{{ .x }}" (dict "x" 1) }}\n',
 'k: {{ tpl "{{ nofunc }}" . }}\n',
 'k: {{ tpl "{{ .Values.nope.x }}" . }}\n',
 '{{- define "a" }}{{ include "a" . }}{{ end -}}\nk: {{ include "a" . }}\n',
 'k: {{ include "t/templates/_h.tpl" . }}\n',
]
for i, t in enumerate(raw):
    add(f"raw-{i}", t, VALUES, wrap="raw")
json.dump(cases, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases", "lang.json"), "w"), indent=1, ensure_ascii=False)
print(len(cases))
