"""Options shared by several commands, as decorator functions (sqlite-utils style)."""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click

from alembic_guard.errors import GuardError
from alembic_guard.findings import Report, Severity
from alembic_guard.masking import mask_secrets


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


def project_options(f: Callable) -> Callable:
    """PATH plus the ways to point at an Alembic configuration."""
    decorators = [
        click.argument("path", type=click.Path(path_type=Path), default=".", required=False),
        click.option("-c", "--config", "config_file", type=click.Path(path_type=Path), help="Alembic ini file (default: PATH/alembic.ini)."),
        click.option("-n", "--name", default=None, help="Ini section to read, like `alembic -n` (default: alembic)."),
        click.option("--script-location", default=None, help="Migrations folder, bypassing discovery."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def cache_options(f: Callable) -> Callable:
    """--no-cache / --cache-dir (see alembic_guard.core.cache)."""
    decorators = [
        click.option("--cache/--no-cache", "cache", default=None,
                     help="Reuse earlier runs' findings for revision files whose text is unchanged (default: on; see docs/caching.md)."),
        click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                     help="Folder of the result cache (default: results/ in $ALEMBIC_GUARD_CACHE_DIR, else "
                          "in ~/.cache/alembic-guard)."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def selection_options(f: Callable) -> Callable:
    decorators = [
        click.option("--select", multiple=True, metavar="CODES", help="Only these rule codes or prefixes (AG1,AG401). Repeatable."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rule codes or prefixes. Repeatable."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def output_options(formats: tuple[str, ...] | click.Choice) -> Callable[[Callable], Callable]:
    """--format (a tuple of names, or a click.Choice such as LazyChoice; the first is the default) and -o."""
    choice = formats if isinstance(formats, click.Choice) else click.Choice(formats)
    default = choice._static[0] if isinstance(choice, LazyChoice) else tuple(choice.choices)[0]

    def wrap(f: Callable) -> Callable:
        decorators = [
            click.option("--format", "output_format", type=choice, default=default, show_default=True, help="Output format."),
            click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write the output to FILE instead of stdout."),
        ]
        for d in reversed(decorators):
            f = d(f)
        return f

    return wrap


class LazyChoice(click.Choice):
    """A Choice whose full list is computed only when needed (help, completion, an unknown value).

    `static` are the values known without importing anything; `full()` returns every value
    (e.g. the formatter registry plus plug-in entry points, ~20 ms to look up). A static value
    is accepted at once, so a plain run never pays for the look-up.
    """

    def __init__(self, static: tuple[str, ...], full: Callable[[], tuple[str, ...]]) -> None:
        self._static = tuple(static)
        self._full = full
        self._all: tuple[str, ...] | None = None
        super().__init__(self._static)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._all is None:
            self._all = tuple(dict.fromkeys((*self._static, *self._full())))
        return self._all

    @choices.setter
    def choices(self, value) -> None:  # click.Choice.__init__ assigns it
        pass

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value in self._static:
            return value
        return super().convert(value, param, ctx)


def fail_on_option(f: Callable) -> Callable:
    return click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "info"]),
        default=None,
        help="Lowest severity that makes the exit code 1 (default: warning, or fail-on in settings).",
    )(f)


def settings_overrides(**kwargs) -> dict:
    """Turn click's values into Settings overrides: drop unset ones, split comma lists."""
    out = {}
    for key, value in kwargs.items():
        if value is None or value == () or (value is False and key not in ("cache", "trace")):  # --no-cache, --no-trace: a real False
            continue
        if key in ("select", "ignore", "app_paths", "exclude", "env_vars"):
            value = _split(value)
        if key == "fail_on":
            value = Severity.parse(value)
        out[key] = value
    return out


@contextmanager
def output_stream(path: Path | None):
    if path is None:
        yield sys.stdout
        return
    buf = io.StringIO()
    yield buf
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(mask_secrets(buf.getvalue()), encoding="utf-8")  # passwords never in a report file
    except OSError as exc:
        # exit 2 (could not deliver the report), not ClickException's 1, which means "findings"
        raise GuardError(f"cannot write {path}: {exc.strerror}", hint="pass a writable file path") from None


def render(report: Report, fmt: str, output: Path | None) -> None:
    from alembic_guard import formatters  # start-up cost: the formatters load only when output is written

    with output_stream(output) as out:
        formatters.get(fmt)(report, out)


def examples(text: str) -> Callable[[Callable], Callable]:
    """Append an Examples block to a command's help (kept verbatim by click via \\b)."""

    def wrap(f: Callable) -> Callable:
        import inspect

        # clean the docstring first: the appended block's indentation must not skew cleandoc's
        f.__doc__ = inspect.cleandoc(f.__doc__ or "").rstrip() + "\n\n\b\nExamples:\n" + text.strip("\n") + "\n"
        return f

    return wrap


__all__ = ["LazyChoice", "cache_options", "project_options", "selection_options", "output_options", "fail_on_option", "settings_overrides", "render", "examples", "functools"]
