"""Passwords never appear in output: the one place that masks them.

Every piece of text that can hold a database URL or a driver's error message goes through
`mask_secrets` before it reaches the user — and, as a net under every call site, the command
line routes all of stdout, stderr and every report file (`-o`, `--also`) through it too
(`MaskingStream`, `cli.main`; `cli._options.output_stream`). `mask_url` is the same function for
a value known to be a URL, which may then also be unparseable.

What is masked (each replaced by `***`):

* the password of every URL's userinfo: `scheme://user:PASSWORD@host` — the password runs from
  the first `:` after the user name to the LAST `@` of the URL on that line, so a password with a
  space, an `@`, a `:` or `%`-escapes is masked whole (never cut at its first `@`);
* the same in malformed URLs: a database scheme with missing or broken slashes
  (`postgresql//user:secret@host/db`, `mysql:/u:p@h`, `postgresql:u:p@h`); and, for a value known
  to be a URL (`mask_url`), anything between the first `:` and the last `@` whatever comes first;
* secret-looking key=value pairs, in query strings (`?password=`, `&sslpassword=`) and in libpq
  keyword strings (`password='a b'`): keys `password`, `passwd`, `pass`, `pwd`, `secret`, `token`,
  and names ending in those (`sslpassword`, `db_password`, `client_secret`, `access_token`), and
  `api_key`/`apikey`;
* every literal secret registered with `register_secrets` (the passwords of the URLs the user
  gave on the command line or in alembic-guard's environment variables), in its raw,
  `%`-decoded and `%`-encoded forms, and each piece of it around a raw `@`: this catches a driver that echoes a password anywhere in its
  own words. Secrets shorter than `MIN_LITERAL` characters are masked structurally only (masking
  every `root` in a report would make it unreadable).

A structural match may mask a little more than the password (a `:port/path ... @` on one line);
it never masks less. Masking is idempotent.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, unquote_plus

MASK = "***"
MIN_LITERAL = 6

# Database schemes recognised even without `://` (a typo such as `postgresql//u:p@h`), with or
# without a `+driver`.
_DB_SCHEMES = frozenset((
    "postgres postgresql pgsql psql mysql mariadb sqlite oracle mssql cockroachdb redshift snowflake "
    "clickhouse db2 ibm_db_sa firebird sybase teradata trino presto redis rediss amqp amqps mongodb"
).split())
# What may follow a scheme: `://` (any scheme), or for a database scheme `:`, `:/`, `//`, `:///`...
_SEP = re.compile(r":/{0,3}|/{1,3}")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-_")
# user name: what may stand before the password's `:`
_USER = re.compile(r"[^:/@\s\"]*")
# key=value: the value of a secret-looking key (a query parameter, a libpq keyword, a setting)
_KEY_BEFORE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")
_KEY_ENDINGS = ("password", "passwd", "pwd", "secret", "token")
_KEY_EXACT = frozenset(("pass", "api_key", "apikey"))
_VALUE = re.compile(r"\s*('[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|&quot;.*?&quot;|[^\s&;#\"'<>,)]+)")

_KEY_CORES = ("pass", "pwd", "secret", "token", "apikey", "api_key")  # a cheap test before _KV


def _may_hold_url(text: str) -> bool:
    if "//" in text:
        return True
    low = text.lower()
    return any(scheme in low for scheme in _DB_SCHEMES)


def _may_hold_key(text: str) -> bool:
    low = text.lower()
    return any(k in low for k in _KEY_CORES)

_literals: set[str] = set()
_literal_re: re.Pattern[str] | None = None


def _quote_end(text: str, start: int, end: int) -> int:
    """Index of the first unescaped `"` in text[start:end] (a JSON or quoted string's end), or end."""
    i = text.find('"', start, end)
    while i > 0 and text[i - 1] == "\\":
        i = text.find('"', i + 1, end)
    return end if i < 0 else i


def _url_starts(text: str) -> list[tuple[int, int]]:
    """(scheme start, userinfo start) of every URL-looking prefix in `text` (one line)."""
    starts: list[tuple[int, int]] = []
    for m in _SEP.finditer(text):
        i = j = m.start()
        while i > 0 and text[i - 1] in _SCHEME_CHARS:
            i -= 1
        if i == j or not text[i].isalpha() or (i > 0 and text[i - 1] == "/"):
            continue
        scheme = text[i:j]
        if m.group() != "://" and scheme.lower().partition("+")[0] not in _DB_SCHEMES and scheme.lower() != "mongodb+srv":
            continue
        if "_" in scheme.partition("+")[0] and scheme.lower().partition("+")[0] not in _DB_SCHEMES:
            continue  # a scheme has no `_` (ibm_db_sa aside)
        starts.append((i, m.end()))
    return starts


def _userinfo_spans(text: str, *, whole_url: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each URL password in `text`: from the `:` after the user name to the last
    `@` of the URL's part of its line."""
    spans: list[tuple[int, int]] = []
    starts = _url_starts(text)
    pos = 0
    for k, (first, begin) in enumerate(starts):
        if first < pos:
            continue
        # the URL's part of its line: up to the newline, the next URL, or a closing quote
        end = text.find("\n", begin)
        end = len(text) if end < 0 else end
        nxt = next((s for s, _ in starts[k + 1 :] if s >= begin), None)
        if nxt is not None:
            end = min(end, nxt)
        end = _quote_end(text, begin, end)
        at = text.rfind("@", begin, end)
        colon = _USER.match(text, begin).end()
        if at < 0 or colon >= at or text[colon] != ":":
            continue
        spans.append((colon + 1, at))
        pos = at
    if whole_url and not spans and not (starts and starts[0][0] == 0):
        # a value known to be a URL without any recognisable scheme: `user:secret@host/db`
        at = text.rfind("@")
        colon = text.find(":", 0, at) if at > 0 else -1
        if colon >= 0:
            spans.append((colon + 1, at))
    return spans


def _is_secret_key(key: str) -> bool:
    key = key.lower()
    return key in _KEY_EXACT or key.endswith(_KEY_ENDINGS)


def _kv_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    eq = text.find("=")
    while eq >= 0:
        window = text[max(0, eq - 64) : eq]
        key = _KEY_BEFORE.search(window)
        if key is not None and (key.start() == 0 or not window[key.start() - 1].isalnum()) and _is_secret_key(key.group(1)):
            value = _VALUE.match(text, eq + 1)
            if value is not None:
                spans.append(value.span(1))
        eq = text.find("=", eq + 1)
    return spans


def _spans(text: str, whole_url: bool) -> list[tuple[int, int]]:
    spans = _userinfo_spans(text, whole_url=whole_url) if "@" in text else []
    if "=" in text:
        inside = spans
        spans = sorted(spans + [s for s in _kv_spans(text) if not any(a <= s[0] < b for a, b in inside)])
    return spans


def _apply(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _mask(text: str, whole_url: bool) -> str:
    if _literal_re is not None:
        text = _literal_re.sub(MASK, text)
    if "@" not in text and "=" not in text:
        return text
    if whole_url or "\n" not in text:
        return _apply(text, _spans(text, whole_url))
    # a report: only the lines that can hold a secret pay for the patterns (nothing here spans lines)
    keys = "=" in text and _may_hold_key(text)
    out = []
    for line in text.splitlines(keepends=True):
        if ("@" in line and _may_hold_url(line)) or ("=" in line and keys and _may_hold_key(line)):
            line = _apply(line, _spans(line, False))
        out.append(line)
    return "".join(out)


def mask_secrets(text: str) -> str:
    """Mask every password in a piece of free text (messages, reports, driver errors)."""
    return _mask(text, False) if text else text


def mask_url(url: str | None) -> str | None:
    """A value known to be a database URL, masked: `postgresql://u:secret@h/db` ->
    `postgresql://u:***@h/db`; also when it does not parse (`postgresql//u:secret@h/db`,
    `u:secret@h`); `?password=...` too. None stays None."""
    return None if url is None else _mask(url, True)


# ---------------------------------------------------------------------- known secrets
def secrets_in(value: str) -> list[str]:
    """The password-like parts of `value` (a URL, or text holding URLs / key=value pairs)."""
    return [value[a:b] for a, b in _spans(value, True) if b > a]


def register_secrets(values: Iterable[str | None]) -> None:
    """Remember the passwords in these URLs so that every later `mask_secrets` hides them
    wherever they appear, raw, `%`-decoded or `%`-encoded."""
    global _literal_re
    added = False
    for value in values:
        if not value or ("@" not in value and "=" not in value):
            continue
        for secret in secrets_in(value):
            secret = secret.strip("'\"")
            forms = {secret, unquote(secret), unquote_plus(secret), quote(unquote(secret), safe="")}
            # a raw `@` in a password makes parsers split the URL there: a driver may then show
            # the rest as a host name ("could not translate host name "rest@host"")
            forms |= {part for form in tuple(forms) for part in form.split("@")}
            for form in forms:
                if len(form) >= MIN_LITERAL and form != MASK and form not in _literals:
                    _literals.add(form)
                    added = True
    if added:
        ordered = sorted(_literals, key=len, reverse=True)  # longest first: no partial leftovers
        _literal_re = re.compile("|".join(re.escape(s) for s in ordered))


def forget_secrets() -> None:
    """Drop every registered secret (tests)."""
    global _literal_re
    _literals.clear()
    _literal_re = None


class MaskingStream(io.TextIOBase):
    """A text stream that masks secrets in everything written through it, line by line (a
    partial line waits for its newline or a flush, so a URL split over two writes is still
    masked). Everything else (isatty, fileno, encoding, buffer...) is the wrapped stream's."""

    def __init__(self, stream) -> None:
        super().__init__()
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # like a text stream (click probes streams with b"")
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        n = len(text)
        if not text:
            return 0
        text = self._pending + text
        cut = text.rfind("\n") + 1
        if cut == 0:
            self._pending = text
            if len(text) > 65536:  # never hold an unbounded line
                self._emit_pending()
            return n
        self._pending = text[cut:]
        self._stream.write(mask_secrets(text[:cut]))
        return n

    def _emit_pending(self) -> None:
        if self._pending:
            text, self._pending = self._pending, ""
            self._stream.write(mask_secrets(text))

    def flush(self) -> None:
        self._emit_pending()
        self._stream.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self):  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")

    @property
    def errors(self):  # type: ignore[override]
        return getattr(self._stream, "errors", "strict")

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def close(self) -> None:  # the wrapped stream belongs to the interpreter
        self.flush()


__all__ = [
    "MASK",
    "MaskingStream",
    "forget_secrets",
    "mask_secrets",
    "mask_url",
    "register_secrets",
    "secrets_in",
]
