#!/usr/bin/env python3
"""Records what the real Helm prints for every differential case.

Usage: record.py [--helm PATH] [--helm3 PATH] [--all] [CASE_FILE...]

A case file (cases/*.json) is a JSON list of cases:

  {"name": "upper", "template": "{{ upper \"abc\" }}", "values": "a: 1\n", "wrap": "json"}

`values` (optional) is the text of values.yaml, so Helm's YAML 1.1 reading applies
(numbers become float64, `yes` a bool). `wrap` is "json" (default) or "raw":

- json: the template text is defined as "case" in templates/_case.tpl and the rendered
  manifest is `out: {{ include "case" . | toJson }}`, so any output (multi-line, with
  YAML syntax, empty) survives Helm's manifest parsing exactly;
- raw: the template text is the manifest itself (for `define`/`block` cases whose output
  is valid YAML).

Each case gets `expect` (the text after `out: ` for json cases, the manifest body for raw
ones) or `error`: Go's error message, as Helm v3 prints it (without its `Error: ` prefix;
Helm v4 reflows template errors into an indented multi-line form, v3 prints Go's text). Cases that already
have one are skipped unless --all. Cases sharing values are rendered in one chart; a chart
that fails is split into one chart per case to find each case's own result.

The command for every recorded case: helm template rel CHART --namespace ns
--kube-version v1.32.0 (Helm v4.1.4 from ../shared/tools/install-reference-tools.sh; for
errors the same command with its Helm v3.19.0).
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHART_YAML = "apiVersion: v2\nname: t\nversion: 0.1.0\nappVersion: \"1.0\"\n"


def manifest(case, index):
    if case.get("wrap", "json") == "raw":
        return {f"templates/c{index:04d}.yaml": case["template"]}
    return {
        f"templates/_c{index:04d}.tpl": '{{- define "case%d" }}%s{{ end -}}' % (index, case["template"]),
        f"templates/c{index:04d}.yaml": 'out: {{ include "case%d" . | toJson }}\n' % index,
    }


def render(helm, cases, values):
    """Renders `cases` (index, case) in one chart; returns (outputs by index, error)."""
    with tempfile.TemporaryDirectory() as d:
        chart = os.path.join(d, "t")
        os.makedirs(os.path.join(chart, "templates"))
        with open(os.path.join(chart, "Chart.yaml"), "w") as f:
            f.write(CHART_YAML)
        with open(os.path.join(chart, "values.yaml"), "w") as f:
            f.write(values)
        for index, case in cases:
            for rel, text in manifest(case, index).items():
                with open(os.path.join(chart, rel), "w") as f:
                    f.write(text)
        p = subprocess.run(
            [helm, "template", "rel", chart, "--namespace", "ns", "--kube-version", "v1.32.0"],
            capture_output=True, text=True, cwd=d)
        if p.returncode != 0:
            err = p.stderr.strip()
            if err.startswith("Error: "):
                err = err[len("Error: "):]
            err = err.removesuffix("Use --debug flag to render out invalid YAML").rstrip("\n")
            return None, err
        out = {}
        for doc in p.stdout.split("---\n"):
            if not doc.startswith("# Source: t/templates/c"):
                continue
            head, _, body = doc.partition("\n")
            index = int(head[len("# Source: t/templates/c"):].split(".")[0])
            out[index] = body
        return out, None


def record(helm, helm3, cases, force):
    todo = [(i, c) for i, c in enumerate(cases) if force or ("expect" not in c and "error" not in c)]
    groups = {}
    for i, c in todo:
        groups.setdefault(c.get("values", ""), []).append((i, c))
    for values, group in groups.items():
        out, err = render(helm, group, values)
        if err is not None:
            for i, c in group:
                one, e = render(helm, [(i, c)], values)
                c.pop("expect", None)
                c.pop("error", None)
                if e is not None:
                    _, e3 = render(helm3, [(i, c)], values)
                    c["error"] = e3 if e3 is not None else e
                else:
                    c["expect"] = body(c, one[i])
            continue
        for i, c in group:
            c.pop("error", None)
            c["expect"] = body(c, out[i])


def body(case, text):
    if case.get("wrap", "json") == "raw":
        return text
    assert text.startswith("out: "), text
    return text[len("out: "):].rstrip("\n")


def main(argv):
    helm = os.environ.get("HELM_BIN", "/var/tmp/gitops-tools/helm")
    helm3 = os.environ.get("HELM3_BIN", os.path.join(os.path.dirname(helm), "helm3"))
    force = False
    files = []
    args = iter(argv)
    for a in args:
        if a == "--helm":
            helm = next(args)
        elif a == "--helm3":
            helm3 = next(args)
        elif a == "--all":
            force = True
        else:
            files.append(a)
    if not files:
        d = os.path.join(HERE, "cases")
        files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".json"))
    for path in files:
        with open(path) as f:
            cases = json.load(f)
        record(helm, helm3, cases, force)
        with open(path, "w") as f:
            json.dump(cases, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{path}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
