#!/usr/bin/env python3
"""make compat: run the Helm-compatibility corpus and guard against regressions.

Usage: hack/compat.py BERTH CORPUS_DIR [--update]

Runs CORPUS_DIR/check.py with --json, prints each case and the totals, then
compares the passing cases with hack/compat-passing.txt (the cases that passed
when it was last updated). It fails when a case listed there no longer passes;
it says so, but does not fail, when more cases pass (--update rewrites the
list). When every case passes, the list is the whole corpus and the check is
check.py's own.
"""
import json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.join(HERE, "compat-passing.txt")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    berth, corpus = argv[0], argv[1]
    check = os.path.join(corpus, "check.py")
    if not os.path.exists(check):
        print(f"compat: {check} not found: the corpus lives in ../shared/corpus beside the clone", file=sys.stderr)
        return 1
    p = subprocess.run([sys.executable, check, berth, "--json"], capture_output=True, text=True)
    start = p.stdout.find("[")
    if start < 0:
        print(p.stdout + p.stderr, file=sys.stderr)
        return 1
    results, _ = json.JSONDecoder().raw_decode(p.stdout[start:])
    return report(results, BASELINE, "--update" in argv)


def report(results, baseline_path, update, label="compat", corpus="corpus", subset=False):
    """Prints each case and the totals and checks the ratchet baseline_path:
    it fails when a case listed there no longer passes; with update it
    rewrites the list instead. With subset, only some cases ran: the others
    are not checked, and the list is not rewritten."""
    for r in results:
        tag = "PASS" if r["ok"] else "FAIL"
        exact = " exact" if r.get("exact") else ""
        print(f"{tag}{exact:6} {r['case']:55} {r['seconds']:6.2f}s  {r.get('detail', '')[:300]}")
    passing = {r["case"] for r in results if r["ok"]}
    det = [r for r in results if r.get("deterministic")]
    print(f"{label}: byte-identical: {sum(bool(r.get('exact')) for r in det)}/{len(det)} deterministic rendering cases")
    # Not check.py's "N passed, M failed" line: CI reads such closing lines as
    # test results, and what make compat fails on is a regression (below).
    print(f"{label}: {len(passing)} of {len(results)} {corpus} cases pass")
    name = os.path.relpath(baseline_path)
    if update and subset:
        print(f"{label}: not rewriting {name} from a subset of the cases", file=sys.stderr)
        return 2
    if update:
        with open(baseline_path, "w") as f:
            f.write("".join(c + "\n" for c in sorted(passing)))
        print(f"{label}: wrote {len(passing)} passing cases to {name}")
        return 0
    baseline = set()
    if os.path.exists(baseline_path):
        baseline = {l.strip() for l in open(baseline_path) if l.strip() and not l.startswith("#")}
    if subset:
        baseline &= {r["case"] for r in results}
    regressed = sorted(baseline - passing)
    if regressed:
        print(f"{label}: these cases passed before and fail now:\n  " + "\n  ".join(regressed), file=sys.stderr)
        return 1
    new = sorted(passing - baseline)
    print(f"{label}: no regression: every case in {name} passes")
    if new:
        print(f"{label}: {len(new)} more cases pass than {name} lists; "
              "run `make compat-update` to record them: " + ", ".join(new))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
