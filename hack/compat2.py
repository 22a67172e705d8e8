#!/usr/bin/env python3
"""make compat, part 2: corpus2 rendered by Helm at run time, compared with berth.

Usage: hack/compat2.py BERTH HELM CORPUS2_DIR CHECK_PY [--update] [--case SUBSTRING] [--keep DIR]

../shared/corpus2 holds real charts with their dependencies vendored but no
expected output. For each chart this renders a case with the chart's own
values, one per values file the chart ships for its CI (ci/*.yaml) and one
per values-*.yaml beside values.yaml; and, from the Helm module bin/helm was
built from (in the Go module cache), every test chart of Helm's own testdata
directories, the runs of Helm's pkg/cmd/template_test.go and the inputs of
its pkg/strvals tests as --set flags; all as
  template rel CHART --namespace ns --kube-version 1.33.0 [-f F] [flags]
with HELM (v4.3.1, hack/tools/build.sh helm) and writes what it printed as
the expected output, in the format of ../shared/corpus; each case is then
checked with the corpus' check.py, as parsed YAML and byte for byte.

Documents that differ between two runs of Helm itself (random passwords,
generated certificates, the time) are listed as volatile, so check.py
compares only their kind; compat2 also compares them outside the values that
differ between Helm's two runs. Helm runs a second time only when berth's
output is not byte-identical to the first. Where Helm fails, berth must fail too and name
the template Helm named.

The ratchet is hack/compat2-passing.txt, as hack/compat-passing.txt is for
compat.py: a listed case that fails is a regression; --update rewrites it.
--keep DIR keeps the generated cases and expected output in DIR.
"""
import importlib.util, json, os, re, shlex, shutil, subprocess, sys, tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compat  # noqa: E402  (the ratchet, shared with make compat's first part)

BASELINE = os.path.join(HERE, "compat2-passing.txt")
KUBE_VERSION = "1.33.0"

# What some charts need beyond their values.yaml, applied to each of their
# cases: values Helm's own run requires, or a newer Kubernetes.
NEEDS = {
    "external-dns": {"set": ["policy=sync"]},  # values.schema.json requires policy
    "longhorn": {"kubeVersion": "1.34.0"},  # kubeVersion: >=1.34.0-0
    "aws-load-balancer-controller": {"set": ["clusterName=compat"]},
    "linkerd-control-plane": {"linkerdCerts": True},  # identity trust anchor and issuer
}


def load_check(path):
    spec = importlib.util.spec_from_file_location("corpus_check", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def discover(corpus2, certs):
    """The cases: each chart's defaults, then its ci/*.yaml and values-*.yaml."""
    cases = []
    charts = os.path.join(corpus2, "charts")
    for name in sorted(os.listdir(charts)):
        chart = os.path.join(charts, name)
        if not os.path.isfile(os.path.join(chart, "Chart.yaml")):
            continue
        need = NEEDS.get(name, {})
        base = {"chart": chart, "kubeVersion": need.get("kubeVersion", KUBE_VERSION),
                "set": list(need.get("set", [])), "extra": []}
        extra_args = os.path.join(chart, "ci", "extra_args")
        if os.path.exists(extra_args):
            base["extra"] += shlex.split(open(extra_args).read())
        if need.get("linkerdCerts"):
            base["extra"] += linkerd_cert_flags(certs)
        variants = [("", None)]
        ci = os.path.join(chart, "ci")
        if os.path.isdir(ci):
            variants += [("-ci-" + f[:-len(".yaml")], os.path.join(ci, f))
                         for f in sorted(os.listdir(ci)) if f.endswith(".yaml") and not f.startswith(".")]
        variants += [("-" + f[:-len(".yaml")], os.path.join(chart, f))
                     for f in sorted(os.listdir(chart)) if re.fullmatch(r"values-.+\.yaml", f)]
        for suffix, values in variants:
            case = dict(base, name=name + suffix, values=[values] if values else [])
            cases.append(case)
    return cases


# The `helm template` runs of Helm's own pkg/cmd/template_test.go, on its
# testdata charts (paths relative to pkg/cmd), beyond rendering each chart
# with its defaults.
HELM_TEMPLATE_TESTS = {
    "set": ["testdata/testcharts/subchart", "--set", "service.name=apache"],
    "values": ["testdata/testcharts/subchart", "--values", "testdata/testcharts/subchart/charts/subchartA/values.yaml"],
    "kube-version": ["testdata/testcharts/subchart", "--kube-version", "1.16.0"],
    "api-versions": ["testdata/testcharts/subchart", "--api-versions", "helm.k8s.io/test,helm.k8s.io/test2"],
    "api-versions-twice": ["testdata/testcharts/subchart", "--api-versions", "helm.k8s.io/test",
                           "--api-versions", "helm.k8s.io/test2"],
    "include-crds": ["testdata/testcharts/subchart", "--include-crds"],
    "show-only": ["testdata/testcharts/subchart", "--show-only", "templates/service.yaml"],
    "show-only-twice": ["testdata/testcharts/subchart", "--show-only", "templates/service.yaml",
                        "--show-only", "charts/subcharta/templates/service.yaml"],
    "show-only-glob": ["testdata/testcharts/subchart", "--show-only", "templates/subdir/role*"],
    "skip-tests": ["testdata/testcharts/subchart", "--skip-tests"],
    "subchart-cm": ["testdata/testcharts/subchart", "--set", "configmap.enabled=true", "--set", "subchartb.enabled=true"],
    "subchart-cm-set": ["testdata/testcharts/subchart", "--set", "configmap.enabled=true", "--set",
                        "subchartb.enabled=true", "--set", "configmap.value=baz"],
    "subchart-cm-values": ["testdata/testcharts/subchart", "-f", "testdata/testcharts/subchart/extra_values.yaml"],
}


def helm_module(helm_tools):
    """Where Go keeps the Helm module hack/tools/build.sh built bin/helm from."""
    p = subprocess.run(["go", "list", "-m", "-f", "{{.Dir}}", "helm.sh/helm/v4"], cwd=helm_tools,
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else ""


# The values of Helm's TestDependencyEnabled (pkg/chart/v2/util), as --set.
DEPENDENCY_ENABLED_TESTS = [
    ["tags.nothinguseful=false"],
    ["tags.front-end=false"],
    ["tags.front-end=false", "tags.back-end=true"],
    ["tags.subcharta=false", "tags.subchartb=false"],
    ["tags.front-end=false", "tags.subchart1=true", "tags.back-end=false"],
    ["subchart1.enabled=true", "subchart2.enabled=true"],
    ["subchart1.enabled=false", "subchart2.enabled=false"],
    ["subchart1.subcharta.enabled=false"],
    ["subchart2.subchartc.enabled=false", "tags.back-end=true"],
    ["subchart1.enabled=false", "tags.front-end=true"],
    ["subchart1.enabled=false", "subchart2alias.enabled=true", "subchart2alias.subchartb.enabled=true"],
]

# A template added to a copy of a chart: it prints the values every chart of
# the tree renders with, so that coalescing, import-values, conditions and
# tags are compared even where the chart's own templates show little.
VALUES_PROBE = """# {{ toJson .Values }}
{{- define "berth-compat2.values-probe" }}{{ range $name, $sub := .Subcharts }}
# {{ $name }}: {{ toJson $sub.Values }}{{ include "berth-compat2.values-probe" $sub }}{{ end }}{{ end }}
{{- include "berth-compat2.values-probe" . }}
"""


def values_probe(case, probes):
    """The case on a copy of its chart with VALUES_PROBE added (the copy is
    made by add_probe when the case runs)."""
    copy = os.path.join(probes, case["name"], os.path.basename(case["chart"]))
    return dict(case, name=case["name"] + "-values", chart=copy, probeOf=case["chart"])


def add_probe(case):
    if "probeOf" in case and not os.path.exists(case["chart"]):
        shutil.copytree(case["probeOf"], case["chart"], symlinks=True)
        os.makedirs(os.path.join(case["chart"], "templates"), exist_ok=True)
        with open(os.path.join(case["chart"], "templates", "zz-berth-compat2-values.yaml"), "w") as f:
            f.write(VALUES_PROBE)


def discover_helm_testdata(module, probes):
    """Helm's own test charts: every chart under a testdata directory of the
    Helm module (not the subcharts inside them), with their defaults and
    with VALUES_PROBE, the values of TestDependencyEnabled, and the runs of
    pkg/cmd/template_test.go."""
    cases, charts = [], []
    for root, dirs, files in os.walk(module):
        rel = os.path.relpath(root, module)
        if "testdata" not in rel.split(os.sep):
            continue
        if "charts" in rel.split(os.sep)[rel.split(os.sep).index("testdata"):]:
            dirs[:] = []
            continue
        if "Chart.yaml" in files and rel.split(os.sep)[-1] != "testdata":
            charts.append(rel)
            dirs[:] = [d for d in dirs if d != "charts"]
        charts += [os.path.join(rel, f) for f in files if f.endswith(".tgz")]
    for rel in sorted(charts):
        name = "helm-" + re.sub(r"[^A-Za-z0-9.]+", "-", rel.replace("testdata" + os.sep, ""))
        case = {"name": name, "chart": os.path.join(module, rel), "kubeVersion": KUBE_VERSION,
                "values": [], "set": [], "extra": []}
        cases.append(case)
        if not rel.endswith(".tgz"):
            cases.append(values_probe(case, probes))
    subpop = os.path.join(module, "pkg", "chart", "v2", "util", "testdata", "subpop")
    for i, sets in enumerate(DEPENDENCY_ENABLED_TESTS):
        case = {"name": f"helm-dependency-enabled-{i}", "chart": subpop, "kubeVersion": KUBE_VERSION,
                "values": [], "set": sets, "extra": []}
        cases.append(values_probe(case, probes))
    cmd = os.path.join(module, "pkg", "cmd")
    for name, args in sorted(HELM_TEMPLATE_TESTS.items()):
        extra = [a if not a.startswith("testdata/") else os.path.join(cmd, a) for a in args[1:]]
        kube = KUBE_VERSION
        if "--kube-version" in extra:
            kube = extra.pop(extra.index("--kube-version") + 1)
            extra.remove("--kube-version")
        cases.append({"name": "helm-template-test-" + name, "chart": os.path.join(cmd, args[0]),
                      "kubeVersion": kube, "values": [], "set": [], "extra": extra})
    return cases


def go_strings(src, start, end):
    """The str: fields of the Go test table between start and end in src."""
    i = src.find(start)
    j = src.find(end, i + 1) if end else len(src)
    if i < 0 or j < 0:
        return []
    out = []
    for m in re.finditer(r'\bstr:\s*(`[^`]*`|"(?:[^"\\]|\\.)*")', src[i:j]):
        lit = m.group(1)
        out.append(lit[1:-1] if lit.startswith("`") else json.loads(lit))
    return out


def discover_strvals(module, work):
    """The inputs of Helm's pkg/strvals tests as --set, --set-string,
    --set-json and --set-literal on a chart that prints the values: where
    Helm fails, berth must fail with Helm's message."""
    parser = open(os.path.join(module, "pkg", "strvals", "parser_test.go")).read()
    literal = open(os.path.join(module, "pkg", "strvals", "literal_parser_test.go")).read()
    flags = [("set-string", go_strings(parser, "testsString := []struct", "tests := []struct")),
             ("set", go_strings(parser, "tests := []struct", "func TestParseInto(")),
             ("set-json", go_strings(parser, "func TestParseJSON(", "func TestParseFile(")),
             ("set-literal", go_strings(literal, "func TestParseLiteral(", "func TestParseLiteralInto("))]
    chart = os.path.join(work, "strvals")
    os.makedirs(os.path.join(chart, "templates"), exist_ok=True)
    with open(os.path.join(chart, "Chart.yaml"), "w") as f:
        f.write("apiVersion: v2\nname: strvals\nversion: 0.1.0\n")
    with open(os.path.join(chart, "templates", "values.yaml"), "w") as f:
        f.write('# {{ toJson .Values }}\n# {{ printf "%#v" .Values }}\n')
    cases = []
    for flag, inputs in flags:
        for i, text in enumerate(inputs):
            cases.append({"name": f"helm-strvals-{flag}-{i}", "chart": chart, "kubeVersion": KUBE_VERSION,
                          "values": [], "set": [], "extra": ["--" + flag, text], "helmMessage": True})
    return cases


def linkerd_cert_flags(certs):
    """A throw-away trust anchor and identity issuer for linkerd, made with
    openssl once per run; both tools get the same files."""
    ca, issuer = os.path.join(certs, "ca"), os.path.join(certs, "issuer")
    if not os.path.exists(issuer + ".crt"):
        def run(*args):
            subprocess.run(["openssl", *args], check=True, capture_output=True)
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca + ".key")
        run("req", "-x509", "-new", "-key", ca + ".key", "-subj", "/CN=root.linkerd.cluster.local",
            "-days", "2", "-out", ca + ".crt", "-addext", "basicConstraints=critical,CA:TRUE")
        run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", issuer + ".key")
        run("req", "-new", "-key", issuer + ".key", "-subj", "/CN=identity.linkerd.cluster.local",
            "-out", issuer + ".csr")
        with open(issuer + ".ext", "w") as f:
            f.write("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n")
        run("x509", "-req", "-in", issuer + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-days", "2", "-extfile", issuer + ".ext", "-out", issuer + ".crt")
    return ["--set-file", f"identityTrustAnchorsPEM={ca}.crt",
            "--set-file", f"identity.issuer.tls.crtPEM={issuer}.crt",
            "--set-file", f"identity.issuer.tls.keyPEM={issuer}.key"]


def template_args(case):
    args = ["template", "rel", case["chart"], "--namespace", "ns", "--kube-version", case["kubeVersion"]]
    for f in case["values"]:
        args += ["-f", f]
    for s in case["set"]:
        args += ["--set", s]
    return args + case["extra"]


def run(binary, case, env):
    return subprocess.run([binary, *template_args(case)], capture_output=True, text=True, env=env)


def mentions(stderr, whole=False):
    """What berth's error must name: the template file in Helm's message;
    nothing when Helm names none (berth words its errors its own way); or,
    with whole, Helm's message itself."""
    if whole:
        return stderr.strip().removeprefix("Error: ").split("\n\n")[0]
    m = re.search(r"[\w.-]+/templates/[^\s:)]+", stderr)
    return m.group(0) if m else ""


def check_case(check, helm, berth, case, expected, env):
    """Renders the case with Helm, writes the expected output or error and
    checks berth against it. When berth's output is not byte-identical, Helm
    runs again: the documents that differ between its two runs (random
    values; also the time, which the second run sees later than berth did)
    are volatile, and the case is checked again with them."""
    name = case["name"]
    add_probe(case)
    first = run(helm, case, env)
    if first.returncode != 0:
        with open(os.path.join(expected, name + ".error"), "w") as f:
            json.dump({"mentions": mentions(first.stderr, case.get("helmMessage", False))}, f)
        return check.run_case(berth, case, False)
    with open(os.path.join(expected, name + ".yaml"), "w") as f:
        f.write(first.stdout)
    res = check.run_case(berth, case, False)
    if res.get("exact"):
        return res
    second = run(helm, case, env)
    a, _ = check.split_docs(first.stdout)
    b, _ = check.split_docs(second.stdout)
    volatile = sorted(k for k in a if a.get(k) != b.get(k))
    if not volatile:
        return res
    with open(os.path.join(expected, name + ".volatile"), "w") as f:
        f.write("\n".join(volatile) + "\n")
    res = check.run_case(berth, case, False)
    got, _ = check.split_docs(run(berth, case, env).stdout)
    problems = [f"volatile {k} differs at {p}" for k in volatile
                for p in masked_diff(a.get(k), b.get(k), got.get(k), "")]
    if problems:
        res["ok"] = False
        res["detail"] = "; ".join(([res["detail"]] if res["detail"] else []) + problems[:8])
    return res


def masked_diff(first, second, got, path):
    """The paths where berth's document differs from Helm's outside the
    parts that differ between Helm's two runs: check.py compares volatile
    documents by kind only, this compares the rest of them too."""
    if first == second:
        return [] if got == first else [path or "/"]
    if isinstance(first, dict) and isinstance(second, dict) and isinstance(got, dict):
        if set(first) != set(got) and set(first) == set(second):
            return [f"{path}/ keys {sorted(set(first) ^ set(got))}"]
        return [p for k in first if k in second for p in masked_diff(first[k], second[k], got.get(k), f"{path}/{k}")]
    if isinstance(first, list) and isinstance(second, list) and isinstance(got, list) \
            and len(first) == len(second):
        if len(got) != len(first):
            return [f"{path} length {len(got)} != {len(first)}"]
        return [p for i, (x, y, z) in enumerate(zip(first, second, got)) for p in masked_diff(x, y, z, f"{path}/{i}")]
    return []


class FastYAML:
    """PyYAML with libyaml's parser where there is one: check.py parses
    every document of both outputs, megabytes for some charts."""
    YAMLError = yaml.YAMLError
    Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    @classmethod
    def safe_load(cls, text):
        return yaml.load(text, Loader=cls.Loader)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    berth, helm, corpus2, check_py = (os.path.abspath(a) for a in argv[:4])
    for path, hint in ((helm, "run hack/tools/build.sh helm"), (os.path.join(corpus2, "charts"),
                       "corpus2 lives in ../shared/corpus2 beside the clone"), (check_py, "the corpus' check.py")):
        if not os.path.exists(path):
            print(f"compat2: {path} not found: {hint}", file=sys.stderr)
            return 1
    sub = argv[argv.index("--case") + 1] if "--case" in argv else ""
    keep = argv[argv.index("--keep") + 1] if "--keep" in argv else None
    check = load_check(check_py)
    work = tempfile.mkdtemp(prefix="berth-compat2-")
    try:
        env = dict(os.environ, HELM_CACHE_HOME=os.path.join(work, "helm-cache"),
                   HELM_CONFIG_HOME=os.path.join(work, "helm-config"), HELM_DATA_HOME=os.path.join(work, "helm-data"))
        certs = os.path.join(work, "certs")
        expected = os.path.join(work, "expected")
        os.makedirs(certs)
        os.makedirs(expected)
        cases = discover(corpus2, certs)
        module = helm_module(os.path.join(HERE, "tools", "helm"))
        if not module:
            print("compat2: the Helm module is not in the Go module cache: run hack/tools/build.sh helm",
                  file=sys.stderr)
            return 1
        probes = os.path.join(work, "probes")
        cases += [values_probe(c, probes) for c in cases if c["values"] == [] and "-ci-" not in c["name"]]
        cases += discover_helm_testdata(module, probes) + discover_strvals(module, work)
        cases = [c for c in cases if sub in c["name"]]
        check.HERE, check.EXPECTED = work, expected
        check.CASES = os.path.join(work, "cases.json")
        check.yaml = FastYAML
        with open(check.CASES, "w") as f:
            json.dump(cases, f, indent=1)
        results = [check_case(check, helm, berth, case, expected, env) for case in cases]
        if keep:
            shutil.copytree(work, keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return compat.report(results, BASELINE, "--update" in argv, "compat2", "corpus2", subset=bool(sub))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
