"""Result cache of the app audit (AG5xx): a run whose application files are all unchanged reuses
the previous run's AG5xx findings, facts and skips without parsing anything.

The rules look across modules (models, session factories, functions of other modules), so one
module's findings depend on the others: the key is a digest of every audited file's path and text,
plus what else the rules read (the selected app rules, the settings that act during the run, the
dialect, the SQLAlchemy version from the dependency files, alembic-guard's build). Any change
recomputes the whole audit. Stored in `app/<project key>.json` under the revision-file cache's
folder (`--cache-dir`, docs/caching.md); `--no-cache` turns it off.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.core.cache import FORMAT, MAX_CACHE_BYTES, ProjectCache, build_id, decode_finding, default_dir, encode_finding, write_json


class AppCache:
    def __init__(self, project):
        settings = project.settings
        base = ProjectCache.for_layout(project.layout, settings.cache_dir or default_dir())
        self.path = Path(base.folder) / "app" / f"{base.key}.json"  # a sub-folder: the revision cache's files stay alone

    def key(self, rules, sources, context: dict) -> str:
        h = hashlib.blake2b(digest_size=16)
        h.update(json.dumps({"rules": sorted(r.code for r in rules), "context": context, "build": build_id(),
                             "format": FORMAT}, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
        for rel, source in sources:
            h.update(str(rel).encode("utf-8", "surrogatepass") + b"\0")
            h.update(source.encode("utf-8", "surrogatepass") + b"\0")
        return h.hexdigest()

    def load(self, key: str):
        """(findings, facts, skips) stored under `key`, else None."""
        try:
            data = json.loads(reading.read_text(self.path, limit=MAX_CACHE_BYTES))
            if data.get("key") != key:
                return None
            findings = [decode_finding(f) for f in data["findings"]]
            skips = [(tuple(codes), reason) for codes, reason in data["skips"]]
            return findings, data["facts"], skips
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None

    def store(self, key: str, findings, facts: dict, skips) -> None:
        data = {"key": key, "findings": [encode_finding(f) for f in findings], "facts": facts,
                "skips": [[list(codes), reason] for codes, reason in skips]}
        write_json(self.path, data)
