"""Inline suppressions.

- `x = 1  # alembic-guard: ignore[AG410] reason` covers the statement it ends (every line of a
  multi-line statement, so a comment on the first or last line of a long `op.` call works);
- a comment alone on its line covers the next statement (or, inside a multi-line statement, the
  statement it sits in);
- `# alembic-guard: ignore-file[AG4] reason` anywhere covers the whole file.

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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from alembic_guard.findings import Finding

MARKER = "alembic-guard:"
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
            if tok.type == tokenize.COMMENT and MARKER in tok.string
        ]
        yield from found
        return
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    for idx, text in enumerate(lines, start=1):  # does not tokenize: best effort per line
        pos = text.find("#")
        while pos != -1 and MARKER not in text[pos:]:
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


def parse(path: PurePosixPath, source: str) -> list[Suppression]:
    if MARKER not in source:
        return []
    lines = source.splitlines()
    spans: list[tuple[int, int]] | None = None
    out: list[Suppression] = []
    for row, col, comment, text in _comments(source):
        m = _RE.search(comment)
        if not m:
            continue
        codes = tuple(c.strip().upper() for c in (m.group("codes") or "").split(",") if c.strip())
        reason = m.group("reason").strip()
        if m.group("kind") == "ignore-file":
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
        out.append(Suppression(path, row, first, codes, reason, lines=frozenset(range(first, last + 1))))
    return out
