"""Bad input never shows a traceback: each case gives a finding with its file, or exit 2.

Everything runs through the real CLI in a subprocess. Tests run as root, who can read any file,
so "unreadable" is simulated with what root cannot read either: a dangling symlink, a symlink
loop, a FIFO (which must never be opened for reading: that would block).
"""

from __future__ import annotations

import json
import os

import pytest

from loadkit import rev, run_cli

INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def base(extra_ini: str = "") -> dict:
    return {
        "alembic.ini": INI + extra_ini,
        "migrations/env.py": "",
        "migrations/versions/a1_base.py": rev("a1"),
    }


def check_json(root, *args):
    proc = run_cli("check", str(root), "--format", "json", "--select", "AG0,AG1", *args, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    return proc, findings


def one(findings, code, path):
    hits = [f for f in findings if f["code"] == code and f["location"]["path"] == path]
    assert hits, f"no {code} for {path}: {[(f['code'], f['location']['path'], f['message']) for f in findings]}"
    return hits[0]


@pytest.mark.parametrize(
    "content,needle,line",
    [
        (bytes(range(256)) * 4, "not UTF-8 (invalid byte 0x80", 2),
        (b"revision = 'b2'\ndown_revision = 'a1'\n# caf\xe9\n", "not UTF-8 (invalid byte 0xe9", 3),
        (b"revision = 'b2'\ndown_revision = 'a1'\nx = 1\x00\n", "NUL byte", 3),
        (b"", "is empty", None),
        (b"   \n\n", "is empty", None),
        (b"import os\n\ndef helper():\n    return 1\n", "not a revision file", 1),
        (b"revision = 'b2'\ndown_revision = 'a1'\ndef upgrade(:\n    pass\n", "does not parse", 3),
        (b"revision = 'b2'\ndown_revision = 'a1'\n" + b"x = (" * 300 + b")" * 300 + b"\n", "does not parse", None),
    ],
    ids=["garbage-bytes", "latin-1", "nul-byte", "empty", "whitespace", "not-a-revision", "syntax-error", "too-deeply-nested"],
)
def test_bad_revision_file_is_ag003(project, content, needle, line):
    root = project({**base(), "migrations/versions/b2_bad.py": content})
    proc, findings = check_json(root)
    f = one(findings, "AG003", "migrations/versions/b2_bad.py")
    assert needle in f["message"], f["message"]
    if line is not None:
        assert f["location"]["line"] == line
    assert proc.returncode == 1


def test_directory_named_like_a_revision(project):
    root = project({**base(), "migrations/versions/abc_rev.py/inner.txt": "x"})
    proc, findings = check_json(root)
    f = one(findings, "AG005", "migrations/versions/abc_rev.py")
    assert "directory named like a revision file" in f["message"]


def test_dangling_symlink_and_symlink_loop(project):
    root = project(base())
    versions = root / "migrations" / "versions"
    os.symlink(versions / "gone.py", versions / "b2_dangling.py")
    os.symlink(versions / "c3_loop.py", versions / "c3_loop.py")
    proc, findings = check_json(root)
    assert "dangling symlink" in one(findings, "AG003", "migrations/versions/b2_dangling.py")["message"]
    assert "symlink loop" in one(findings, "AG003", "migrations/versions/c3_loop.py")["message"]


def test_symlink_loop_in_recursive_location(project):
    root = project({**base("recursive_version_locations = true\n"), "migrations/versions/sub/b2_x.py": rev("b2", down="a1")})
    sub = root / "migrations" / "versions" / "sub"
    os.symlink(sub.parent, sub / "loop")  # versions/sub/loop -> versions
    proc, findings = check_json(root)
    f = one(findings, "AG005", "migrations/versions/sub/loop")
    assert "does not follow it" in f["message"]
    proc = run_cli("graph", str(root), timeout=60)
    assert proc.returncode == 0 and "b2" in proc.stdout


def test_fifo_is_never_opened_for_reading(project):
    root = project(base())
    os.mkfifo(root / "migrations" / "versions" / "b2_fifo.py")
    proc, findings = check_json(root)  # would hang forever if the FIFO were read
    assert "not a regular file" in one(findings, "AG005", "migrations/versions/b2_fifo.py")["message"]


def test_ten_megabyte_revision(project):
    big = rev("b2", down="a1") + "\nDATA = [\n" + ("    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n" * 135_000) + "]\n"
    assert len(big) > 10_000_000
    root = project({**base(), "migrations/versions/b2_big.py": big})
    proc, findings = check_json(root)
    f = one(findings, "AG005", "migrations/versions/b2_big.py")
    assert "only its header was read" in f["message"]
    graph = run_cli("graph", str(root), "--format", "json", timeout=60)
    assert graph.returncode == 0 and [h for h in json.loads(graph.stdout)["heads"]] in (["b2"], [{"id": "b2"}]) or '"b2"' in graph.stdout


def test_ten_megabytes_of_garbage(project):
    root = project({**base(), "migrations/versions/b2_junk.py": os.urandom(10 * 1024 * 1024)})
    proc, findings = check_json(root)
    assert [f for f in findings if f["location"]["path"] == "migrations/versions/b2_junk.py"]


def test_empty_versions_folder(project):
    root = project({"alembic.ini": INI, "migrations/env.py": "", "migrations/versions/.keep": ""})
    proc, findings = check_json(root)
    f = one(findings, "AG005", "alembic.ini")
    assert f["severity"] == "info" and "no revision files" in f["message"]
    assert proc.returncode == 0
    graph = run_cli("graph", str(root))
    assert graph.returncode == 0 and "0 revisions" in graph.stdout


def test_missing_versions_folder(project):
    root = project({"alembic.ini": INI, "migrations/env.py": ""})
    proc, findings = check_json(root)
    assert "does not exist" in one(findings, "AG005", "alembic.ini")["message"]


def test_revision_in_subfolder_without_recursive(project):
    root = project({**base(), "migrations/versions/2024/b2_x.py": rev("b2", down="a1")})
    proc, findings = check_json(root)
    assert "recursive_version_locations is off" in one(findings, "AG005", "migrations/versions/2024")["message"]


def test_editor_lock_files_and_init_are_ignored_like_alembic(project):
    root = project({**base(), "migrations/versions/__init__.py": "", "migrations/versions/.#b2_x.py": "garbage(", "migrations/versions/notes.txt": "x"})
    proc, findings = check_json(root)
    assert findings == [] and proc.returncode == 0


def test_undecodable_file_name(project):
    root = project(base())
    bad = os.path.join(os.fsencode(root / "migrations" / "versions"), b"b2_\xff.py")
    with open(bad, "wb") as fh:
        fh.write(b"garbage(\n")
    proc, findings = check_json(root)
    f = one(findings, "AG003", "migrations/versions/b2_\\xff.py")
    assert "does not parse" in f["message"]
    text = run_cli("check", str(root), "--select", "AG0,AG1")
    assert text.returncode == 1 and "b2_\\xff.py" in text.stdout and "Traceback" not in text.stderr


def test_declared_latin1_file_is_read_like_python_does(project):
    src = "# -*- coding: latin-1 -*-\n\"\"\"caf\xe9\"\"\"\nrevision = 'b2'\ndown_revision = 'a1'\n"
    root = project({**base(), "migrations/versions/b2_latin.py": src.encode("latin-1")})
    proc, findings = check_json(root)
    assert findings == [] and proc.returncode == 0
    graph = run_cli("graph", str(root))
    assert "b2" in graph.stdout and "café" in graph.stdout
