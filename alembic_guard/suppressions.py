"""Inline suppressions.

- `x = 1  # alembic-guard: ignore[AG410] reason` covers the statement it ends (every line of a
  multi-line statement, so a comment on the first or last line of a long `op.` call works);
- a comment alone on its line covers the next statement (or, inside a multi-line statement, the
  statement it sits in);
- `# alembic-guard: ignore-file[AG4] reason` anywhere covers the whole file;
- Ruff/flake8 style `# noqa: AG410` (several codes: `# noqa: E501, AG410,AG411`) is accepted like an
  `ignore` comment for the AG codes it names; other tools' codes and a bare `# noqa` are theirs and
  left alone. A noqa comment carries no reason, so `require-reason` does not apply to it.

A code or prefix is required (`ignore` without one is reported by AG002, as are unknown codes, and
missing reasons when `require-reason` is set). Each suppression records whether it was used, so
unused ones are reported (AG001). Only real comments count: the marker inside a string literal is
text, not a suppression (found with `tokenize`; a file that does not tokenize falls back to a
line scan).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from alembic_guard.core import reading
from alembic_guard.findings import Finding

MARKER = "alembic-guard:"
_NOQA = re.compile(r"#\s*noqa\s*:\s*(?P<codes>[\w\s,]+)", re.IGNORECASE)
_AG_CODE = re.compile(r"^AG\d{1,3}$")
_RE = re.compile(r"#\s*alembic-guard:\s*(?P<kind>ignore-file|ignore)(?![\w-])(?:\[(?P<codes>[^\]]*)\])?(?P<reason>[^#\n]*)")


@dataclass
class Suppression:
    path: PurePosixPath
    line: int  # line of the comment
    applies_to: int | None  # first line it covers (None: whole file)
    codes: tuple[str, ...]
    reason: str
    used: set[str] = field(default_factory=set)
    lines: frozenset[int] = frozenset()  # every line it covers (empty: just applies_to)
    noqa: bool = False  # written as `# noqa: AG...` (no reason field)

    def covers(self, line: int | None) -> bool:
        if self.applies_to is None:
            return True
        if line is None:
            return False
        return line in self.lines if self.lines else line == self.applies_to

    def matches(self, finding: Finding) -> bool:
        if finding.location.path != self.path:
            return False
        if not self.covers(finding.location.line):
            return False
        return any(finding.code.startswith(c) for c in self.codes)


def _comments(source: str) -> Iterator[tuple[int, int, str, str]]:
    """(line, column, comment text, whole line) of every comment holding the marker."""
    lines = source.splitlines()
    try:
        found = [
            (tok.start[0], tok.start[1], tok.string, lines[tok.start[0] - 1] if tok.start[0] <= len(lines) else tok.line)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT and (MARKER in tok.string or _NOQA.search(tok.string))
        ]
        yield from found
        return
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    for idx, text in enumerate(lines, start=1):  # does not tokenize: best effort per line
        pos = text.find("#")
        while pos != -1 and MARKER not in text[pos:] and not _NOQA.match(text[pos:]):
            pos = text.find("#", pos + 1)
        if pos != -1:
            yield idx, pos, text[pos:], text


def _statement_spans(source: str) -> list[tuple[int, int]]:
    """(first, last) line of every simple statement and of every compound statement's header."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # (too deep for Python's parser)
        return []
    spans = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:  # compound statement: its header lines only
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            spans.append((first, max(node.lineno, body[0].lineno - 1)))
        else:
            spans.append((node.lineno, node.end_lineno or node.lineno))
    return spans


def _noqa_codes(comment: str) -> tuple[str, ...]:
    """The AG codes of a `# noqa: ...` comment (other tools' codes are not ours)."""
    m = _NOQA.search(comment)
    if not m:
        return ()
    return tuple(c for c in (part.strip().upper() for part in m.group("codes").replace(",", " ").split()) if _AG_CODE.match(c))


def parse(path: PurePosixPath, source: str) -> list[Suppression]:
    if MARKER not in source and "noqa" not in source.lower():
        return []
    lines = source.splitlines()
    spans: list[tuple[int, int]] | None = None
    out: list[Suppression] = []
    for row, col, comment, text in _comments(source):
        m = _RE.search(comment)
        noqa = False
        if m:
            codes = tuple(c.strip().upper() for c in (m.group("codes") or "").split(",") if c.strip())
            reason = m.group("reason").strip()
            kind = m.group("kind")
        else:
            codes, reason, kind, noqa = _noqa_codes(comment), "", "ignore", True
            if not codes:
                continue
        if kind == "ignore-file":
            out.append(Suppression(path, row, None, codes, reason))
            continue
        if spans is None:
            spans = _statement_spans(source)
        alone = not text[:col].strip()
        inside = [s for s in spans if s[0] < row <= s[1]] if alone else [s for s in spans if s[0] <= row <= s[1]]
        if inside:
            first, last = min(inside, key=lambda s: s[1] - s[0])
        elif alone:  # covers the next line holding code, and the statement that starts there
            first = row + 1
            while first <= len(lines) and (not lines[first - 1].strip() or lines[first - 1].strip().startswith("#")):
                first += 1
            starting = [s for s in spans if s[0] == first]
            last = min((s[1] for s in starting), default=first)
        else:
            first = last = row
        out.append(Suppression(path, row, first, codes, reason, lines=frozenset(range(first, last + 1)), noqa=noqa))
    return out


# ------------------------------------------------------------------------------ --add-noqa
ADDED_REASON = "added by --add-noqa"


def add_comments(root: Path, findings: Sequence[Finding]) -> tuple[dict[PurePosixPath, int], int]:
    """Suppress `findings` in place (`check --add-noqa`, for adopting the tool on an existing project).

    Each finding gets `# alembic-guard: ignore[CODE] added by --add-noqa` at the end of the last line of
    the statement it points at (never inside a multi-line string); codes for the same statement share one
    comment, and a statement that already has our comment gets the new codes added to it. Findings with no
    line, or in files that are not Python, cannot be suppressed in place and are counted. Returns
    (comments written per file, findings left as they were).
    """
    by_file: dict[PurePosixPath, set[tuple[int, str]]] = {}
    left = 0
    for f in findings:
        if f.location.line is None or f.location.path.suffix != ".py":
            left += 1
            continue
        by_file.setdefault(f.location.path, set()).add((f.location.line, f.code))
    written: dict[PurePosixPath, int] = {}
    for rel, wanted in sorted(by_file.items()):
        full = root / rel
        try:
            source = reading.read_text(full)
        except (OSError, UnicodeDecodeError):
            left += len(wanted)
            continue
        lines = source.splitlines(keepends=True)
        spans = _statement_spans(source)
        codes_at: dict[int, set[str]] = {}
        for line, code in wanted:
            inside = [s for s in spans if s[0] <= line <= s[1]]
            last = min(inside, key=lambda s: s[1] - s[0])[1] if inside else line
            if not 1 <= last <= len(lines):
                left += 1
                continue
            codes_at.setdefault(last, set()).add(code)
        for last, codes in codes_at.items():
            lines[last - 1] = _with_codes(lines[last - 1], codes)
        if codes_at:
            full.write_text("".join(lines), encoding="utf-8", newline="")
            written[rel] = len(codes_at)
    return written, left


def _with_codes(line: str, codes: set[str]) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    m = _RE.search(body)
    if m and m.group("kind") == "ignore":
        have = [c.strip().upper() for c in (m.group("codes") or "").split(",") if c.strip()]
        merged = ", ".join(sorted(set(have) | codes))
        start, end = m.span("codes") if m.group("codes") is not None else (m.end("kind"), m.end("kind"))
        inner = merged if m.group("codes") is not None else f"[{merged}]"
        return body[:start] + inner + body[end:] + ending
    return f"{body.rstrip()}  # {MARKER} ignore[{', '.join(sorted(codes))}] {ADDED_REASON}{ending}"
