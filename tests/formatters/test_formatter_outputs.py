"""Every formatter on the shared `sample_report`: golden outputs, schemas, escaping."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from alembic_guard import formatters
from alembic_guard.findings import Finding, Location, Report, Severity
from alembic_guard.formatters import github, text

GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).resolve().parent.parent / "data"
ROOT = Path(__file__).resolve().parent.parent.parent
REPORT_SCHEMA = ROOT / "alembic_guard" / "formatters" / "report.schema.json"
BUILTIN = ("text", "json", "sarif", "github", "junit")


def rendered(report: Report, fmt: str) -> str:
    out = io.StringIO()
    formatters.get(fmt)(report, out)
    return out.getvalue()


def test_registry_has_every_builtin_format():
    assert set(BUILTIN) <= set(formatters.names())


@pytest.mark.parametrize("fmt", BUILTIN)
def test_golden(sample_report, fmt, request):
    output = rendered(sample_report, fmt)
    golden = GOLDEN / f"sample.{fmt}"
    if request.config.getoption("--update-golden"):
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"missing {golden}: run pytest --update-golden"
    assert output == golden.read_text(encoding="utf-8"), f"{fmt} output changed; if intended run pytest --update-golden"


@pytest.mark.parametrize("fmt", BUILTIN)
def test_empty_report_renders(empty_report, fmt):
    assert rendered(empty_report, fmt).strip()


# ---------------------------------------------------------------- SARIF
def sarif_validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def sarif_errors(doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sarif_validator().iter_errors(doc)]


def test_sarif_is_valid_against_official_schema(sample_report, empty_report):
    for report in (sample_report, empty_report):
        errors = sarif_errors(json.loads(rendered(report, "sarif")))
        assert not errors, "\n".join(errors)


def test_sarif_validator_catches_invalid_documents(sample_report):
    doc = json.loads(rendered(sample_report, "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"] = {"startLine": 0}
    assert len(sarif_errors(doc)) >= 2


def test_sarif_content(sample_report):
    run = json.loads(rendered(sample_report, "sarif"))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["version"] == "0.0.0-test"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.code for r in sample_report.rules] + ["AG000"]
    rule = driver["rules"][0]
    assert rule["shortDescription"]["text"] == sample_report.rules[0].summary
    # the rule's stable page on the docs site (mkdocs serves docs/rules/AG101.md at rules/AG101/)
    assert rule["helpUri"] == "https://alembic-guard.github.io/alembic-guard/rules/AG101/"
    assert "## Why is this bad?" in rule["help"]["markdown"]
    by_code = {r["ruleId"]: r for r in run["results"]}
    ag101 = next(f for f in sample_report.findings if f.code == "AG101")
    assert by_code["AG101"]["partialFingerprints"]["alembicGuard/v1"] == ag101.fingerprint
    fp = {f.code: f.fingerprint for f in sample_report.findings}
    assert all(r["partialFingerprints"]["alembicGuard/v1"] == fp[r["ruleId"]] for r in run["results"])
    no_line = by_code["AG102"]["locations"][0]["physicalLocation"]
    assert "region" not in no_line
    assert no_line["artifactLocation"]["uri"] == "migrations/versions/old%20files%2C%202019/x%20y.py"
    assert no_line["artifactLocation"]["uriBaseId"] == "PROJECTROOT"
    span = by_code["AG401"]["locations"][0]["physicalLocation"]["region"]
    assert span == {"startLine": 20, "startColumn": 5, "endLine": 23, "endColumn": 6}
    assert len(by_code["AG101"]["relatedLocations"]) == 2
    assert ids[-1] == "AG000" and by_code["AG000"]["ruleIndex"] == len(ids) - 1  # found in the registry
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes and "AG301" in notes[0]["message"]["text"]


def test_sarif_of_golden_samples_is_valid():
    goldens = sorted((ROOT / "sample_projects").glob("*/expected/check.sarif"))
    assert goldens
    for path in goldens:
        errors = sarif_errors(json.loads(path.read_text(encoding="utf-8")))
        assert not errors, f"{path}:\n" + "\n".join(errors)


# ---------------------------------------------------------------- JSON
def report_validator():
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_validates_against_documented_schema(sample_report, empty_report):
    validator = report_validator()
    for report in (sample_report, empty_report):
        errors = [e.message for e in validator.iter_errors(json.loads(rendered(report, "json")))]
        assert not errors, errors
    for path in sorted((ROOT / "sample_projects").glob("*/expected/check.json")):
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert not errors, f"{path}: {errors}"


def test_json_schema_rejects_a_wrong_document(sample_report):
    doc = json.loads(rendered(sample_report, "json"))
    doc["findings"][0]["severity"] = "fatal"
    del doc["summary"]
    assert len(list(report_validator().iter_errors(doc))) >= 2


def test_json_is_parseable_and_keeps_non_ascii(sample_report):
    out = rendered(sample_report, "json")
    assert "größe" in out and "名前" in out
    doc = json.loads(out)
    assert doc["summary"] == {"total": 5, "info": 1, "warning": 1, "error": 3}
    assert doc["skipped"] == [{"codes": ["AG301", "AG302"], "reason": sample_report.skipped[0].reason}]


# ---------------------------------------------------------------- GitHub
def test_github_escaping():
    assert github.escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert github.escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"
    assert github.escape_data("a:b,c") == "a:b,c"  # only properties escape : and ,


def test_github_annotations(sample_report):
    lines = rendered(sample_report, "github").splitlines()
    by_code = {line.split("title=")[1].split(" ")[0].split(":")[0]: line for line in lines if line.startswith("::") and "title=AG" in line}
    assert by_code["AG101"].startswith("::error file=migrations/versions/b2_add_email.py,line=14,col=1,title=AG101 multiple-heads::")
    assert "%0Ahint: merge them" in by_code["AG101"]
    # no line: file only; spaces kept, comma escaped in the property
    assert by_code["AG102"].startswith("::error file=migrations/versions/old files%2C 2019/x y.py,title=AG102")
    # several lines: line and endLine, no col/endColumn
    ag401 = by_code["AG401"]
    assert ag401.startswith("::warning file=migrations/versions/c3_add_phone.py,line=20,endLine=23,title=")
    assert "col=" not in ag401 and "endColumn=" not in ag401
    assert "100%25 of rows, table: user, columns: a,b" in ag401  # data: % escaped, : and , kept
    assert "%0Ahint: use `postgresql_concurrently=True`%0Ainside" in ag401
    # one line: columns kept
    assert by_code["AG410"].startswith("::notice file=migrations/versions/c3_add_phone.py,line=30,endLine=30,col=9,endColumn=42,")
    assert "größe" in by_code["AG410"]
    assert any(line.startswith("::notice title=alembic-guard%3A skipped checks::skipped AG301, AG302: needs a database") for line in lines)
    for line in lines:  # every finding is one physical line
        assert "\n" not in line and "\r" not in line


def test_github_single_line_finding_without_end():
    f = Finding("AG101", Severity.WARNING, "m", Location(Path("a.py"), 3, 2))
    assert github.annotation(f, {}) == "::warning file=a.py,line=3,col=2,title=AG101::m"


# ---------------------------------------------------------------- JUnit
def test_junit_structure(sample_report):
    out = rendered(sample_report, "junit")
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = {c.get("name").split()[0]: c for c in suite.findall("testcase")}
    assert set(cases) == {"AG000", "AG101", "AG102", "AG301", "AG302", "AG401", "AG410"}
    assert cases["AG101"].find("failure") is not None
    assert "b2_add_email.py:14:1" in cases["AG101"].find("failure").text
    assert cases["AG301"].find("skipped").get("message").startswith("needs a database")
    assert "\x1b" not in out and '<table> & "name"' in cases["AG000"].find("failure").text
    assert cases["AG410"].find("failure") is None and "größe" in cases["AG410"].find("system-out").text
    assert suite.get("tests") == "7" and suite.get("failures") == "4" and suite.get("skipped") == "2"


def test_junit_clean_rules_pass(empty_report):
    root = ET.fromstring(rendered(empty_report, "junit").encode())
    cases = root.find("testsuite").findall("testcase")
    assert len(cases) == 2 and all(len(list(c)) == 0 for c in cases)


# ---------------------------------------------------------------- text
class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_colour_only_on_a_tty(sample_report, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty, plain = FakeTTY(), io.StringIO()
    text.render(sample_report, tty)
    text.render(sample_report, plain)
    assert "\x1b[31m" in tty.getvalue()
    assert "\x1b" not in plain.getvalue()
    assert "\\x1b[0m" in plain.getvalue()  # the message's own escape is shown, not obeyed


def test_text_honours_no_color(sample_report, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    tty = FakeTTY()
    text.render(sample_report, tty)
    assert "\x1b" not in tty.getvalue()


def test_text_says_what_was_skipped_and_sums_up(sample_report, empty_report):
    out = rendered(sample_report, "text")
    assert "skipped AG301, AG302: needs a database" in out
    assert out.rstrip().endswith("Found 5 findings (3 errors, 1 warning, 1 info); 4 rules checked, 2 skipped.")
    clean = rendered(empty_report, "text")
    assert clean.strip() == "No findings (2 rules checked)."
    skipped_only = Report(root=Path("."), findings=(), rules=sample_report.rules, skipped=sample_report.skipped)
    out = rendered(skipped_only, "text")
    assert "skipped AG301, AG302" in out
    assert out.rstrip().endswith("No findings (4 rules checked, 2 skipped).")


# ---------------------------------------------------------------- paths from the checkout
def test_paths_are_shown_from_the_checkout(sample_report, tmp_path, monkeypatch):
    import dataclasses

    project = tmp_path / "repo" / "backend"
    project.mkdir(parents=True)
    report = dataclasses.replace(sample_report, root=project)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "repo"))
    gh = rendered(report, "github")
    assert "::error file=backend/migrations/versions/b2_add_email.py,line=14" in gh
    run = json.loads(rendered(report, "sarif"))["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "backend/alembic.ini", "uriBaseId": "SRCROOT"}
    assert "SRCROOT" in run["originalUriBaseIds"]
    assert not sarif_errors({"version": "2.1.0", "runs": [run]})
    assert "backend/migrations/versions/c3_add_phone.py:20:5: AG401" in rendered(report, "text")
    assert json.loads(rendered(report, "json"))["findings"][0]["location"]["path"] == "alembic.ini"  # JSON: project-relative
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    assert "::error file=alembic.ini," in rendered(report, "github")
    monkeypatch.delenv("GITHUB_WORKSPACE")
    monkeypatch.chdir(project)
    assert "::error file=alembic.ini," in rendered(report, "github")


def test_json_report_docs_cover_the_schema():
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "json-report.md").read_text(encoding="utf-8")
    for key in schema["properties"]:
        assert f"| `{key}" in page, f"docs/json-report.md does not describe `{key}`"
    for key in schema["$defs"]["finding"]["properties"]:
        assert f"`findings[].{key}`" in page, f"docs/json-report.md does not describe findings[].{key}"
