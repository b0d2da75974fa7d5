"""The opt-in import probe (`--import`, rule AG206): run env.py for real and list its tables.

This is the only part of the models analysis that EXECUTES the project's code. It runs in a fresh
subprocess (so nothing already imported can register extra models), with a timeout and no
database, the way pytest-alembic's `all_models_register_on_metadata` collects a clean
environment: Alembic's own `Config` + `ScriptDirectory.from_config` (which applies
`prepend_sys_path`), then `script.run_env()` inside an `EnvironmentContext` in offline (`as_sql`)
mode. Our context's `configure()` records the `target_metadata` it is given and stops env.py
right there, before any migration or connection. The child prints one JSON document between
markers: the tables on target_metadata and the project files that were imported.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from alembic_guard.core import reading
from alembic_guard.masking import mask_secrets

MARK = "alembic-guard-probe"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    tables: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # project files the import loaded, relative posix paths
    error: str | None = None
    seconds: float = 0.0
    timed_out: bool = False


def run_probe(project, timeout: float | None = None) -> ProbeResult:
    """Run env.py's import of target_metadata in a subprocess; never raises."""
    layout = project.layout
    settings = project.settings
    timeout = timeout if timeout is not None else settings.import_timeout
    request = {
        "root": str(Path(project.root).resolve()),
        "ini": str(layout.ini_path) if layout.ini_path else None,
        "section": layout.section if layout.ini_path else "alembic",
        "script_location": str(layout.script_location),
    }
    env = dict(os.environ)
    for var in settings.env_vars:  # env.py may read the URL from the environment; offline needs none
        env.setdefault(var, "sqlite://")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "alembic_guard.models.probe", json.dumps(request)],
            cwd=request["root"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return ProbeResult(False, error=f"env.py did not finish within {timeout:g} s", seconds=time.perf_counter() - start, timed_out=True)
    except OSError as exc:
        return ProbeResult(False, error=f"cannot start Python: {exc}", seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    m = re.search(rf"<{MARK}>(.*?)</{MARK}>", proc.stdout, re.S)
    if not m:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return ProbeResult(False, error=mask_secrets("the probe produced no result: " + " | ".join(tail)), seconds=seconds)
    data = json.loads(m.group(1))
    if data.get("error"):
        return ProbeResult(False, files=tuple(data.get("files", ())), error=mask_secrets(data["error"]), seconds=seconds)
    return ProbeResult(True, tuple(sorted(data["tables"])), tuple(sorted(data.get("files", ()))), seconds=seconds)


# ---------------------------------------------------------------------- the child process
def _child(request: dict) -> dict:  # pragma: no cover - runs in the subprocess (tested end to end)
    import io

    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    root = Path(request["root"])
    os.chdir(root)

    class Captured(Exception):
        pass

    captured: dict = {}

    def configure(*args, **kw):
        captured["called"] = True
        captured["target_metadata"] = kw.get("target_metadata")
        raise Captured

    buffer = io.StringIO()
    if request["ini"]:
        cfg = Config(request["ini"], ini_section=request["section"], output_buffer=buffer)
    else:
        cfg = Config(output_buffer=buffer)
        cfg.set_main_option("script_location", request["script_location"])
    if not cfg.get_main_option("sqlalchemy.url"):
        cfg.set_main_option("sqlalchemy.url", "sqlite://")
    error = None
    try:
        script = ScriptDirectory.from_config(cfg)
        env_py = Path(script.dir) / "env.py"
        if env_py.is_file() and "current_app" in reading.read_text(env_py, errors="replace"):
            _push_flask_app_context(root)  # `flask db ...` runs env.py inside the app's context
        context = EnvironmentContext(cfg, script, fn=lambda rev, context: [], as_sql=True, output_buffer=buffer)
        # `alembic.context` proxies each call to this instance at call time (as pytest-alembic relies on)
        context.configure = configure
        with context:
            script.run_env()
    except Captured:
        pass
    except BaseException as exc:  # noqa: BLE001 - report anything env.py raises
        error = f"{type(exc).__name__}: {exc}"
    files = []
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if not f:
            continue
        try:
            rel = Path(f).resolve().relative_to(root)
        except ValueError:
            continue
        if ".venv" in rel.parts or "site-packages" in rel.parts:
            continue
        files.append(rel.as_posix())
    if error is None and not captured.get("called"):
        error = "env.py finished without calling context.configure()"
    if error is not None:
        return {"error": error, "files": files}
    md = captured.get("target_metadata")
    metadatas = md if isinstance(md, (list, tuple)) else ([md] if md is not None else [])
    tables: list[str] = []
    for m in metadatas:
        tables.extend(getattr(m, "tables", {}).keys())
    return {"tables": sorted(set(tables)), "files": files, "metadatas": len(metadatas)}


def _push_flask_app_context(root: Path) -> None:  # pragma: no cover - runs in the subprocess
    """Load the Flask app the way the `flask` command does (FLASK_APP, else app.py / wsgi.py) and
    push its application context, as Flask-Migrate's `flask db` does before running env.py."""
    from flask.cli import ScriptInfo

    if "FLASK_APP" not in os.environ:
        for name in (".flaskenv", ".env"):
            p = root / name
            if p.is_file():
                try:
                    text = reading.read_text(p, limit=reading.MAX_CONFIG_BYTES)
                except (OSError, UnicodeDecodeError):
                    continue  # a FIFO or device named .env: never block on it
                m = re.search(r"^\s*FLASK_APP\s*=\s*['\"]?([^'\"\s]+)", text, re.M)
                if m:
                    os.environ["FLASK_APP"] = m.group(1)
                    break
    app = ScriptInfo(app_import_path=os.environ.get("FLASK_APP")).load_app()
    app.app_context().push()


def main() -> None:  # pragma: no cover - subprocess entry
    request = json.loads(sys.argv[1])
    # `python -m` puts the working directory first on sys.path; the `alembic` command does not.
    # Drop it so that only what Alembic itself adds (prepend_sys_path) makes the project importable.
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # whatever env.py prints must not corrupt the result
    try:
        result = _child(request)
    except BaseException as exc:  # noqa: BLE001
        result = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout = real_stdout
    print(f"<{MARK}>{json.dumps(result)}</{MARK}>", flush=True)


if __name__ == "__main__":  # pragma: no cover
    main()
