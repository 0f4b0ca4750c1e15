#!/usr/bin/env python3
"""tests/schema/validate-report.py: validates topo JSON reports.

    validate-report.py [--schema SCHEMA] REPORT.json...

Each report is read as strict UTF-8 JSON (a duplicated key is an error),
validated against docs/report.schema.json (JSON Schema draft 2020-12, by
python3-jsonschema), then held to what a schema cannot say but
docs/report-json.md promises: members in the documented order (the order of
the schema's "required" lists), summary counts that add up to total and
match the statuses listed, an exit_code that agrees with them, and causes
(caused_by, root_cause) that name failing checks of the same report, a
root cause that has none, and summary.consequences that counts them.
Prints "ok: REPORT" or one "invalid: REPORT: where: why" line per problem;
exits 0 when every report is valid, 1 when one is not, 2 on a usage error
or a missing python3-jsonschema (scripts/deps.sh installs it).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-report.py: python3-jsonschema is not "
                     "installed (scripts/deps.sh installs it)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "report.schema.json")
STATUSES = ("ok", "drift", "error", "unknown", "skipped", "not_run")
MAX_PROBLEMS = 20


def pairs(items):
    """object_pairs_hook: keeps the order, refuses a key given twice."""
    seen = {}
    for key, value in items:
        if key in seen:
            raise ValueError("duplicate key %r" % key)
        seen[key] = value
    return seen


def order_problems(report, schema):
    """Members in the order of the schema's required lists."""
    out = []
    want = schema["required"]
    if list(report) != want:
        out.append(("/", "members %s, documented order %s" % (list(report), want)))
    summary = report.get("summary")
    want = schema["properties"]["summary"]["required"]
    if isinstance(summary, dict) and list(summary) != want:
        out.append(("/summary", "members %s, documented order %s" % (list(summary), want)))
    want = schema["$defs"]["check"]["required"]
    for i, check in enumerate(report.get("checks") or []):
        if isinstance(check, dict) and list(check) != want:
            out.append(("/checks/%d" % i, "members %s, documented order %s" % (list(check), want)))
    return out


def count_problems(report):
    """Counts that add up, and an exit code that agrees with them."""
    out = []
    summary, checks = report["summary"], report["checks"]
    if summary["total"] != len(checks):
        out.append(("/summary/total", "%d, but %d checks" % (summary["total"], len(checks))))
    if sum(summary[s] for s in STATUSES) != summary["total"]:
        out.append(("/summary", "the counts do not add up to total"))
    for s in STATUSES:
        listed = sum(1 for c in checks if c["status"] == s)
        if listed != summary[s]:
            out.append(("/summary/%s" % s, "%d, but %d checks say %s" % (summary[s], listed, s)))
    out += cause_problems(report)
    if not report["interrupted"]:
        failing = summary["drift"] + summary["error"]
        if failing > 0 and report["exit_code"] != 1:
            out.append(("/exit_code", "%d with %d drift or error" % (report["exit_code"], failing)))
        if report["exit_code"] == 1 and failing + summary["unknown"] == 0:
            out.append(("/exit_code", "1 with nothing that fails a run"))
    return out


def cause_problems(report):
    """caused_by and root_cause name failing checks; roots have no cause."""
    out = []
    checks = {c["id"]: c for c in report["checks"]}
    failing = ("drift", "error")
    n = 0
    for i, c in enumerate(report["checks"]):
        if c["caused_by"] is None:
            continue
        n += 1
        for key in ("caused_by", "root_cause"):
            other = checks.get(c[key])
            if other is None or other["status"] not in failing or other is c:
                out.append(("/checks/%d/%s" % (i, key),
                            "%r is not another failing check of the report" % c[key]))
        root = checks.get(c["root_cause"])
        if root is not None and root["caused_by"] is not None:
            out.append(("/checks/%d/root_cause" % i,
                        "%r has a cause of its own" % c["root_cause"]))
    if n != report["summary"]["consequences"]:
        out.append(("/summary/consequences",
                    "%d, but %d checks have a caused_by" % (report["summary"]["consequences"], n)))
    return out


def validate(path, schema, validator):
    """The problems of one report: (where, why) pairs."""
    try:
        with open(path, "rb") as f:
            report = json.loads(f.read().decode("utf-8", "strict"),
                                object_pairs_hook=pairs)
    except (OSError, ValueError) as e:
        return [("/", "not a JSON document: %s" % e)]
    out = []
    for e in sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path)):
        where = "/" + "/".join(str(p) for p in e.absolute_path)
        out.append((where, e.message[:300]))
    out += order_problems(report, schema)
    if not out:
        out += count_problems(report)
    return out


def main(argv):
    schema_path = SCHEMA
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--schema":
        schema_path, args = args[1], args[2:]
    if not args:
        sys.stderr.write("usage: validate-report.py [--schema SCHEMA] REPORT.json...\n")
        return 2
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    rc = 0
    for path in args:
        problems = validate(path, schema, validator)
        if not problems:
            print("ok: %s" % path)
            continue
        rc = 1
        for where, why in problems[:MAX_PROBLEMS]:
            print("invalid: %s: %s: %s" % (path, where, why))
        if len(problems) > MAX_PROBLEMS:
            print("invalid: %s: (%d problems more)" % (path, len(problems) - MAX_PROBLEMS))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
