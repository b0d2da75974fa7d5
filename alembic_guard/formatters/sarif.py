"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Valid against the official OASIS schema (tested with the vendored copy in tests/data/). Rules
metadata (`tool.driver.rules`) comes from the rules' docstrings; paths are project-relative URIs
under the `PROJECTROOT` base id, so the file is the same on every machine — or, when the
project lies inside the checkout (`$GITHUB_WORKSPACE`, else the working directory), paths from
the checkout under `SRCROOT`, which is what code scanning needs to place results on files.
"""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import quote

import alembic_guard
from alembic_guard.findings import REPO_URL, Finding, Location, Report, RuleInfo, Severity
from alembic_guard.formatters._paths import path_prefix
from alembic_guard.formatters._rules import rule_infos

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
BASE_ID = "PROJECTROOT"  # uris relative to the analysed project's root
SRC_BASE_ID = "SRCROOT"  # uris relative to the checkout ($GITHUB_WORKSPACE or the working directory)
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT_KEY = "alembicGuard/v1"


def _section(doc: str, title: str) -> str:
    out, inside = [], False
    for line in doc.splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == title
            continue
        if inside:
            out.append(line)
    return "\n".join(out).strip()


def _rule(info: RuleInfo) -> dict[str, Any]:
    what = _section(info.doc, "What it does") or info.summary
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": what},
        "help": {"text": info.doc or info.summary, "markdown": info.doc or info.summary},
        "helpUri": info.help_uri,
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {"tags": [info.family]},
    }


def _uri(path: object) -> str:
    return quote(str(path), safe="/")


def _physical(loc: Location, prefix: str = "", base: str = BASE_ID) -> dict[str, Any]:
    out: dict[str, Any] = {"artifactLocation": {"uri": _uri(prefix + str(loc.path)), "uriBaseId": base}}
    if loc.line is not None and loc.line >= 1:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None and loc.column >= 1:
            region["startColumn"] = loc.column
        if loc.end_line is not None and loc.end_line >= loc.line:
            region["endLine"] = loc.end_line
            if loc.end_column is not None and loc.end_column >= 1:
                region["endColumn"] = loc.end_column
        out["region"] = region
    return out


def _result(f: Finding, rule_index: dict[str, int], prefix: str = "", base: str = BASE_ID) -> dict[str, Any]:
    text = f.message if not f.hint else f"{f.message}\nhint: {f.hint}"
    result: dict[str, Any] = {"ruleId": f.code}
    if f.code in rule_index:
        result["ruleIndex"] = rule_index[f.code]
    result.update({
        "level": LEVELS[f.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(f.location, prefix, base)}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
    })
    if f.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(loc, prefix, base), "message": {"text": f"related: {prefix}{loc}"}}
            for i, loc in enumerate(f.related, start=1)
        ]
    props: dict[str, Any] = {}
    if f.location.revision:
        props["revision"] = f.location.revision
    if f.details:
        props["details"] = f.details
    if f.evidence:
        props["evidence"] = f.evidence
        if f.evidence_note:
            props["evidenceNote"] = f.evidence_note
    if props:
        result["properties"] = props
    return result


def to_dict(report: Report) -> dict[str, Any]:
    rules = rule_infos(report)
    known = {r.code for r in rules}
    rule_index = {r.code: i for i, r in enumerate(rules)}
    driver: dict[str, Any] = {
        "name": "alembic-guard",
        "version": alembic_guard.__version__,
        "semanticVersion": alembic_guard.__version__,
        "informationUri": REPO_URL,
        "rules": [_rule(r) for r in rules],
    }
    notifications = [
        {"level": "warning" if s.incomplete else "note", "message": {"text": f"skipped {', '.join(s.codes)}: {s.reason}"}}
        for s in report.skipped
    ]
    prefix = path_prefix(report.root)
    base = SRC_BASE_ID if prefix else BASE_ID
    described = {
        BASE_ID: "The root of the analysed Alembic project.",
        SRC_BASE_ID: f"The repository checkout; the analysed project is {prefix.rstrip('/')}.",
    }
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {base: {"description": {"text": described[base]}}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": [_result(f, rule_index, prefix, base) for f in report.findings],
        "columnKind": "unicodeCodePoints",
    }
    unknown = sorted({f.code for f in report.findings} - known)
    if unknown:  # a finding of a rule no registry knows (a plug-in gone): still a valid result
        run["properties"] = {"unlistedRules": unknown}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, out: TextIO) -> None:
    json.dump(to_dict(report), out, indent=2, ensure_ascii=False)
    out.write("\n")
