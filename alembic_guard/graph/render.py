"""Pictures and summaries of a project's revision graph: text, Mermaid, DOT, JSON.

Pure functions of a Project (its graph and migrations), writing to a stream.
"""

from __future__ import annotations

import json
from typing import TextIO

from alembic_guard.graph.soundness import unparsable


def _summary(project) -> dict:
    g = project.graph
    return {
        "revisions": len(g),
        "heads": list(g.heads),
        "bases": list(g.bases),
        "branch_points": list(g.branch_points),
        "merge_points": list(g.merge_points),
        "heads_by_label": {str(k) if k else "": list(v) for k, v in g.heads_by_label().items()},
        "cycles": [list(c) for c in g.cycles],
        "dangling": [{"revision": r, "missing": p} for r, p in g.dangling],
        "duplicates": sorted(g.duplicates),
        "unknown_depends_on": [{"revision": r, "depends_on": d} for r, d in g.unknown_depends_on],
        "dependency_cycles": [list(c) for c in g.dependency_cycles],
        "labels_that_are_revision_ids": [{"revision": r, "label": label} for r, label in g.label_collisions],
        "invalid_identifiers": [{"revision": r, "field": f, "problem": k, "value": v} for r, f, k, v in g.header_defects],
        # files that are not in the graph because they could not be read as revisions (and what
        # was skipped): without them a broken file would silently vanish from the picture
        "problems": [
            {"path": str(p.location.path), "line": p.location.line, "kind": p.kind, "message": p.message}
            for p in getattr(project, "problems", ())
            if p.kind != "chained-subfolders"  # read into the graph (a note on how, not a missing file)
        ],
        # heads whose header was read but whose file does not parse: not shown as plain heads
        "unparsable_heads": unparsable(project, project.graph.heads),
    }


def render_text(project, out: TextIO) -> None:
    s = _summary(project)
    g = project.graph

    broken = {h["revision"]: h for h in s["unparsable_heads"]}

    def describe(rid: str) -> str:
        if rid in broken:
            h = broken[rid]
            return f"{rid}  BROKEN: {h['path']}:{h['line']} {h['message']}"
        rev = g.get(rid)
        msg = f"  {rev.message}" if rev is not None and rev.message else ""
        labels = g.labels_of(rid)
        lab = f" ({', '.join(sorted(labels))})" if labels else ""
        where = f"  [{rev.location.path}]" if rev is not None and rev.location else ""
        return f"{rid}{lab}{msg}{where}"

    out.write(f"{s['revisions']} revisions\n")
    for key, title in (("heads", "heads"), ("bases", "bases"), ("branch_points", "branch points"), ("merge_points", "merge points")):
        items = s[key]
        out.write(f"{title} ({len(items)}):\n")
        for rid in items:
            out.write(f"  {describe(rid)}\n")
    for key, title in (("cycles", "cycles"), ("dependency_cycles", "depends_on cycles"), ("dangling", "missing parents"),
                       ("duplicates", "duplicate ids"), ("unknown_depends_on", "unknown depends_on"),
                       ("labels_that_are_revision_ids", "branch labels that are revision ids"),
                       ("invalid_identifiers", "invalid identifiers")):
        if s[key]:
            out.write(f"{title}: {json.dumps(s[key])}\n")
    if s["problems"]:
        out.write(f"not in the graph ({len(s['problems'])}; `alembic-guard check --select AG0` explains):\n")
        for p in s["problems"]:
            where = p["path"] + (f":{p['line']}" if p["line"] else "")
            out.write(f"  {where}  {p['message']}\n")


def render_json(project, out: TextIO) -> None:
    g = project.graph
    data = _summary(project)
    data["version"] = 1
    # One node per line: readable, diff-friendly. Each line is assembled from strings escaped by
    # json's C escaper — byte-for-byte what json.dumps(node) writes (a test compares), at a
    # fraction of the cost of 5,000 json.dumps calls (an indented dump of all nodes, through the
    # pure-Python encoder, costs a quarter of a second).
    esc = json.encoder.encode_basestring_ascii
    lines = []
    for rid in g.upgrade_order():
        rev = g[rid]
        loc = rev.location
        lines.append(
            '    {"id": ' + esc(rid)
            + ', "down_revisions": [' + ", ".join(map(esc, rev.down_revisions))
            + '], "depends_on": [' + ", ".join(map(esc, rev.depends_on))
            + '], "branch_labels": [' + ", ".join(map(esc, sorted(rev.branch_labels)))
            + '], "message": ' + ("null" if rev.message is None else esc(rev.message))
            + ', "path": ' + ("null" if loc is None else esc(str(loc.path))) + "}"
        )
    head = json.dumps(data, indent=2)
    out.write(head[:-2] + ',\n  "nodes": [\n')
    out.write(",\n".join(lines))
    out.write("\n  ]\n}\n")


def _mermaid_id(rid: str) -> str:
    return "r_" + "".join(ch if ch.isalnum() else "_" for ch in rid)


def _label(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def render_mermaid(project, out: TextIO, limit: int | None = None) -> None:
    g = project.graph
    order = list(g.upgrade_order())
    if limit is not None and len(order) > limit:
        order = order[-limit:]
    shown = set(order)
    out.write("flowchart BT\n")
    for rid in order:
        rev = g[rid]
        text = rid + (f": {rev.message}" if rev.message else "")
        shape = ('(["', '"])') if rid in g.heads else (('{{"', '"}}') if rev.is_merge else ('["', '"]'))
        out.write(f"  {_mermaid_id(rid)}{shape[0]}{_label(text)[:60]}{shape[1]}\n")
    for parent, child in g.edges():
        if parent in shown and child in shown:
            out.write(f"  {_mermaid_id(parent)} --> {_mermaid_id(child)}\n")
    for rid, missing in g.dangling:
        if rid in shown:
            out.write(f'  {_mermaid_id("missing_" + missing)}["missing: {_label(missing)}"] -.-> {_mermaid_id(rid)}\n')
    for rid in order:
        for dep in g[rid].depends_on:
            if dep in shown:
                out.write(f"  {_mermaid_id(dep)} -. depends_on .-> {_mermaid_id(rid)}\n")
    if g.heads:
        out.write(f"  classDef head fill:#d4f7d4,stroke:#2a7\n  class {','.join(_mermaid_id(h) for h in g.heads if h in shown)} head\n")


def render_dot(project, out: TextIO) -> None:
    g = project.graph
    out.write("digraph revisions {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n")
    for rid in g.upgrade_order():
        rev = g[rid]
        text = rid + (f"\\n{rev.message}" if rev.message else "")
        attrs = [f'label="{_label(text).replace(chr(92) + "n", chr(92) + "n")}"']
        if rid in g.heads:
            attrs.append("style=filled, fillcolor=\"#d4f7d4\"")
        if rev.is_merge:
            attrs.append("shape=hexagon")
        out.write(f'  "{rid}" [{", ".join(attrs)}];\n')
    for parent, child in g.edges():
        out.write(f'  "{parent}" -> "{child}";\n')
    for rid, missing in g.dangling:
        out.write(f'  "{missing}" [label="missing: {missing}", style=dashed, color=red];\n  "{missing}" -> "{rid}" [style=dashed, color=red];\n')
    for rid in g.upgrade_order():
        for dep in g[rid].depends_on:
            out.write(f'  "{dep}" -> "{rid}" [style=dotted, label="depends_on"];\n')
    out.write("}\n")


RENDERERS = {"text": render_text, "mermaid": render_mermaid, "dot": render_dot, "json": render_json}
