"""Passwords never appear in output: mask them in URLs and in free text."""

from __future__ import annotations

import re

_URL_PW = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")
_KV_PW = re.compile(r"(?i)\b(password|passwd|pwd)\s*=\s*('[^']*'|\"[^\"]*\"|[^\s;&]+)")


def mask_url(url: str | None) -> str | None:
    """postgresql://u:secret@h/db -> postgresql://u:***@h/db (like SQLAlchemy's render_as_string)."""
    if url is None:
        return None
    return _URL_PW.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:***@", url)


def mask_secrets(text: str) -> str:
    """Mask passwords in every URL and `password=...` pair in a piece of text."""
    text = _URL_PW.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:***@", text)
    return _KV_PW.sub(lambda m: f"{m.group(1)}=***", text)
