"""The documentation site: mkdocs builds docs/ with --strict, every rule has its page at the stable address
that SARIF's helpUri and `alembic-guard rule CODE` print, and `rule` reflows its page to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from alembic_guard.cli import docs
from alembic_guard import rules as registry
from alembic_guard.cli import cli
from alembic_guard.findings import DOCS_URL, REPO_URL, rule_url

ROOT = Path(__file__).resolve().parent.parent


def mkdocs_config() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml names a Python function for the mermaid fence; the test only reads the URLs
    Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_site_and_repository_addresses_agree_with_the_code():
    config = mkdocs_config()
    assert config["site_url"] == DOCS_URL
    assert config["repo_url"] == REPO_URL
    assert config["docs_dir"] == "docs"


def test_every_rule_has_a_page_at_its_stable_address():
    for rule in registry.ALL_RULES:
        assert (ROOT / "docs" / "rules" / f"{rule.code}.md").is_file(), rule.code
        assert rule_url(rule.code) == f"{DOCS_URL}rules/{rule.code}/"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs-material is in the test extra")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    for rule in registry.ALL_RULES[:3] + registry.ALL_RULES[-3:]:
        assert (tmp_path / "site" / "rules" / rule.code / "index.html").is_file(), rule.code


def test_rule_command_links_to_the_site():
    result = CliRunner().invoke(cli, ["rule", "AG401"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(f"Online: {DOCS_URL}rules/AG401/")


def test_wrap_markdown_reflows_prose_and_keeps_code():
    page = docs.render_rule(registry.BY_CODE["AG401"])
    wrapped = docs.wrap_markdown(page, 50)
    fenced, inside = [], False
    for line in wrapped.splitlines():
        if line.strip().startswith("```"):
            inside = not inside
        elif inside:
            fenced.append(line)
        else:
            assert len(line) <= 50 or " " not in line.strip(), line
    original_code = [l for l in page.split("```")[1::2]]
    assert "\n".join(fenced).split() == " ".join(c.partition("\n")[2] for c in original_code).split()
    # the words are all still there, in order
    assert wrapped.replace("\n", " ").split() == page.replace("\n", " ").split()


def test_wrap_markdown_indents_list_continuations():
    text = "- " + " ".join(["word"] * 30) + "\n"
    lines = docs.wrap_markdown(text, 40).splitlines()
    assert lines[0].startswith("- word") and len(lines) > 1
    assert all(line.startswith("  word") for line in lines[1:])
