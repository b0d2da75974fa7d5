"""JUnit XML for CI test tabs (GitLab, Jenkins, Azure, GitHub test reporters).

One `<testcase>` per rule that was selected: a rule with warnings or errors has one `<failure>`
listing all its findings; a rule with only info findings passes and lists them in `<system-out>`; a rule that could not run has `<skipped>` with the reason (so an absent check never
shows as passed); a rule that ran cleanly passes. XML escaping is done by ElementTree; characters
XML 1.0 cannot carry (control characters) are replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from alembic_guard.findings import Finding, Report, Severity
from alembic_guard.formatters._rules import rule_infos

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _describe(f: Finding) -> str:
    lines = [f"{f.location}: {f.code} [{f.severity.label}] {f.message}"]
    if f.hint:
        lines.append(f"  hint: {f.hint}")
    lines.extend(f"  see: {rel}" for rel in f.related)
    if f.details:
        lines.extend(f"    {line}" for line in f.details.rstrip().splitlines())
    return "\n".join(lines)


def to_element(report: Report) -> ET.Element:
    by_code: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_code.setdefault(f.code, []).append(f)
    skipped = {code: s.reason for s in report.skipped for code in s.codes}
    rules = {r.code: r for r in rule_infos(report)}
    codes = sorted(set(rules) | set(by_code))

    suite = ET.Element("testsuite", name="alembic-guard")
    failures = skips = 0
    for code in codes:
        info = rules.get(code)
        name = f"{code} {info.name}" if info else code
        family = info.family if info else "meta"
        case = ET.SubElement(suite, "testcase", classname=f"alembic-guard.{family}", name=name)
        found = by_code.get(code)
        if found and max(f.severity for f in found) < Severity.WARNING:
            out = ET.SubElement(case, "system-out")  # info only: noted, not failed (as with --fail-on warning)
            out.text = _clean("\n".join(_describe(f) for f in found))
        elif found:
            failures += 1
            worst = max(f.severity for f in found)
            message = f"{len(found)} finding{'s' if len(found) != 1 else ''} ({worst.label})"
            failure = ET.SubElement(case, "failure", message=_clean(message), type=code)
            failure.text = _clean("\n".join(_describe(f) for f in found))
        elif code in skipped:
            skips += 1
            ET.SubElement(case, "skipped", message=_clean(skipped[code]))
    for key, value in (("tests", len(codes)), ("failures", failures), ("errors", 0), ("skipped", skips)):
        suite.set(key, str(value))
    root = ET.Element("testsuites", name="alembic-guard", tests=str(len(codes)), failures=str(failures),
                      errors="0", skipped=str(skips))
    root.append(suite)
    return root


def render(report: Report, out: TextIO) -> None:
    root = to_element(report)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
