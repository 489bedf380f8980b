"""Confinement: walk a folder and resolve paths inside it without ever following a path out of it.

Every auditor reads files only through this module:

* :func:`walk` lists the files under a root. A symlink is followed only when its target stays inside the root;
  one that leads out, dangles or loops is reported as a :class:`Skipped` entry and never opened. Directories
  reached twice (through in-root symlinks) are walked once, so symlink cycles terminate. FIFOs, sockets and
  devices are never opened.
* :func:`resolve_inside` turns a path written in a metadata file into a real path inside the root, refusing
  absolute paths, ``..`` that leads out, and symlinks whose target is outside.
* :func:`open_confined` opens a resolved path with ``O_NOFOLLOW`` so a symlink swapped in afterwards is refused.
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO


@dataclass(frozen=True)
class FoundFile:
    """A file to read: ``shown`` is the path as the user will see it, ``real`` the resolved one to open."""

    shown: Path
    real: Path


@dataclass(frozen=True)
class Skipped:
    """A path that was not read, with the reason and whether it tried to leave the root."""

    shown: Path
    reason: str
    escapes: bool


class PathEscape(Exception):
    """A path that leads out of the root (or cannot be resolved safely); the message says why."""


def _resolve_strict(path: Path) -> Path:
    try:
        return path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        raise OSError(errno.ELOOP, "symlink loop") from None


def walk(
    root: Path, *, suffixes: Iterable[str] | None = None, skip_hidden_dirs: bool = True
) -> tuple[list[FoundFile], list[Skipped]]:
    """Files under ``root`` (sorted) whose name ends with one of ``suffixes`` (any name when None).

    Hidden folders (``.git``, ...) are skipped unless ``skip_hidden_dirs`` is false.
    """
    wanted = tuple(s.lower() for s in suffixes) if suffixes is not None else None
    root_real = _resolve_strict(root)
    found: list[FoundFile] = []
    skipped: list[Skipped] = []
    seen_dirs: set[Path] = {root_real}
    stack: list[tuple[Path, Path]] = [(root, root_real)]  # (shown, real)
    while stack:
        shown_dir, real_dir = stack.pop()
        try:
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(shown_dir, f"cannot list folder: {exc.strerror or exc}", escapes=False))
            continue
        subdirs: list[tuple[Path, Path]] = []
        for entry in entries:
            shown = shown_dir / entry.name
            if entry.is_symlink():
                try:
                    target = _resolve_strict(Path(entry.path))
                except OSError as exc:
                    reason = "symlink loop" if exc.errno == errno.ELOOP else f"broken symlink ({exc.strerror or exc})"
                    skipped.append(Skipped(shown, reason, escapes=False))
                    continue
                if not target.is_relative_to(root_real):
                    skipped.append(Skipped(shown, f"symlink leads out of {root} (to {target})", escapes=True))
                    continue
                if target.is_dir():
                    if not (skip_hidden_dirs and entry.name.startswith(".")) and target not in seen_dirs:
                        seen_dirs.add(target)
                        subdirs.append((shown, target))
                elif target.is_file() and _wanted(entry.name, wanted):
                    found.append(FoundFile(shown, target))
                continue
            if entry.is_dir(follow_symlinks=False):
                real = Path(entry.path)
                if not (skip_hidden_dirs and entry.name.startswith(".")) and real not in seen_dirs:
                    seen_dirs.add(real)
                    subdirs.append((shown, real))
            elif entry.is_file(follow_symlinks=False) and _wanted(entry.name, wanted):
                found.append(FoundFile(shown, Path(entry.path)))
        stack.extend(reversed(subdirs))
    found.sort(key=lambda f: str(f.shown))
    return found, skipped


def _wanted(name: str, suffixes: tuple[str, ...] | None) -> bool:
    return suffixes is None or name.lower().endswith(suffixes)


def resolve_inside(root_real: Path, written: str) -> Path:
    """The real path of ``written`` (relative to ``root_real``), or :class:`PathEscape` saying why not."""
    if not isinstance(written, str) or not written or "\x00" in written:
        raise PathEscape("empty or invalid path")
    if PurePosixPath(written).is_absolute() or PureWindowsPath(written).is_absolute() or written.startswith("~"):
        raise PathEscape(f"absolute path {written!r}")
    normal = posixpath.normpath(written.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise PathEscape(f"{written!r} uses '..' to leave the run folder")
    candidate = root_real / normal
    try:
        real = candidate.resolve(strict=False)
    except (RuntimeError, OSError):
        raise PathEscape(f"{written!r} runs into a symlink loop") from None
    if not real.is_relative_to(root_real):
        raise PathEscape(f"{written!r} is a symlink that leads out of the run folder (to {real})")
    return real


def open_confined(real: Path) -> BinaryIO:
    """Open a path returned by :func:`resolve_inside` or :func:`walk` for reading, refusing a symlink."""
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    return os.fdopen(fd, "rb")
