"""alembic_guard.core.git: one runner and one set of messages for --changed-since and --base-ref."""

from __future__ import annotations

import subprocess

import pytest

from alembic_guard.core import git
from alembic_guard.errors import SettingsError


def test_not_a_repository_names_the_option(tmp_path):
    with pytest.raises(SettingsError, match=r"--base-ref: .* is not inside a git repository") as exc:
        git.toplevel(tmp_path, "--base-ref", hint="use a checkout")
    assert exc.value.key == "base_ref" and exc.value.hint == "use a checkout"


def test_refs_are_verified_and_options_never_pass_as_refs(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    sha = git.verify_ref(tmp_path, "HEAD", "--changed-since")
    assert len(sha) == 40
    with pytest.raises(SettingsError, match="unknown git ref 'nope'") as exc:
        git.verify_ref(tmp_path, "nope", "--changed-since")
    assert "fetch-depth: 0" in exc.value.hint and exc.value.key == "changed_since"
    with pytest.raises(SettingsError, match="not a git ref"):
        git.verify_ref(tmp_path, "--output=/tmp/x", "--base-ref")
