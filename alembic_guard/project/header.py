"""The fast path for a revision header, with no `ast` at all: the module docstring and the lines
before the first top-level `def`/`class` are matched line by line against the shapes Alembic's
templates write (imports, comments, `name[: annotation] = <None | string | tuple/list of strings>`).
Any other line, or a header name assigned again after the first `def`, sends the file down the slow
path (`ast`, alembic_guard.project.migration.parse_migration). It owns the header names and this
matching: it must never guess — `fast_header` gives exactly what `ast` would, or None.
"""

from __future__ import annotations

import re

HEADER_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")

_CUT_RE = re.compile(r"\n(?:def[ \t]|class[ \t]|async[ \t]|@)")  # first top-level def/class/decorator
_LATE_NEEDLES = ("\nrevision", "\ndown_revision", "\nbranch_labels", "\ndepends_on", "\ndel")
# a header name bound, rebound (`+=`), unpacked into or deleted at module level after the first def
_LATE_HEADER_RE = re.compile(
    r"^(?:(?:revision|down_revision|branch_labels|depends_on)[ \t]*(?:[:=,]|[-+*/%@&|^]=|//=|\*\*=|<<=|>>=)|del[ \t(])",
    re.MULTILINE,
)
_STR = r"""(?:"[^"\\\n]*"|'[^'\\\n]*')"""
_VALUE = rf"(?:None|{_STR}|\(\s*(?:{_STR}\s*,\s*)*(?:{_STR}\s*)?\)|\[\s*(?:{_STR}\s*,\s*)*(?:{_STR}\s*)?\])"
_LINE = (
    r"[ \t]*(?:#[^\r\n]*)?"  # blank or comment
    r"|(?:import[ \t]+[\w.]+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*"
    r"|from[ \t]+[\w.]+[ \t]+import[ \t]+(?:\*|\w+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?)*))[ \t]*(?:#[^\r\n]*)?"
)
# a docstring without backslashes (escapes are left to ast) that cannot run past its own end
_DOC = r'''[ \t]*(?:"""(?P<dq>[^"\\]*(?:"(?!"")[^"\\]*)*)"""|\'\'\'(?P<sq>[^'\\]*(?:'(?!'')[^'\\]*)*)\'\'\')'''
_ANN = r"[ \t]*(?::[^=\r\n\"'#]*)?=[ \t]*"
_TAIL = r"[ \t]*(?:#[^\r\n]*)?"
# One fullmatch over the module prefix: optional docstring, then lines of known shapes. A named
# group inside the repetition keeps its last capture, so each header value comes out directly.
_PREFIX_RE = re.compile(
    r"(?:[ \t]*(?:#[^\r\n]*)?\r?\n)*"
    r"(?:" + _DOC + _TAIL + r"(?:\r?\n|\Z))?"
    r"(?:(?:"
    rf"revision{_ANN}(?P<revision>{_VALUE}){_TAIL}"
    rf"|down_revision{_ANN}(?P<down_revision>{_VALUE}){_TAIL}"
    rf"|branch_labels{_ANN}(?P<branch_labels>{_VALUE}){_TAIL}"
    rf"|depends_on{_ANN}(?P<depends_on>{_VALUE}){_TAIL}"
    rf"|{_LINE}"
    r")(?:\r?\n|\Z))*"
)
_STR_ITEM_RE = re.compile(_STR)


def fast_header(source: str) -> tuple[dict[str, object], dict[str, int], str | None] | None:
    """(values, lines, raw docstring) when the header has a template shape, else None."""
    if source.startswith(("def", "class", "async", "@")):
        return None
    cut_m = _CUT_RE.search(source)  # a literal "\n" prefix: much faster than a MULTILINE "^" scan
    cut = cut_m.start() + 1 if cut_m else len(source)
    if cut < len(source) and any(source.find(n, cut) >= 0 for n in _LATE_NEEDLES) and _LATE_HEADER_RE.search(source, cut):
        return None  # a header name assigned after the first def: let ast decide
    m = _PREFIX_RE.fullmatch(source, 0, cut)
    if m is None:
        return None
    doc = m.group("dq")
    if doc is None:
        doc = m.group("sq")
    if doc is not None and "\r" in doc:
        doc = doc.replace("\r\n", "\n").replace("\r", "\n")  # as Python reads source lines
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    for name in HEADER_NAMES:
        raw = m.group(name)
        if raw is None:
            continue
        if raw == "None":
            value: object = None
        elif raw[0] in "([":
            items = [s[1:-1] for s in _STR_ITEM_RE.findall(raw)]
            if raw[0] == "(" and len(items) == 1 and not raw[1:-1].rstrip().endswith(","):
                value = items[0]  # ("a") is a string, not a tuple
            else:
                value = tuple(items) if raw[0] == "(" else items
        else:
            value = raw[1:-1]
        values[name] = value
        lines[name] = source.count("\n", 0, m.start(name)) + 1
    if "revision" not in values:
        return None
    return values, lines, doc
