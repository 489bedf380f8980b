"""Generated sections of Markdown files: the text between two HTML-comment markers, rewritten by a script."""

from __future__ import annotations

from zsim.errors import InputError


def _span(text: str, start: str, end: str) -> tuple[int, int]:
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise InputError(f"markers {start} ... {end} not found (in that order)")
    return i, j


def replace_section(text: str, body: str, start: str, end: str) -> str:
    """``text`` with everything between the ``start`` and ``end`` markers replaced by ``body``."""
    i, j = _span(text, start, end)
    return text[: i + len(start)] + "\n" + body.rstrip("\n") + "\n" + text[j:]


def section(text: str, start: str, end: str) -> str:
    """What lies between the markers (without the blank edges), ending in one newline."""
    i, j = _span(text, start, end)
    return text[i + len(start): j].strip("\n") + "\n"
