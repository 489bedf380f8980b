"""A manifest of an artifact folder: SHA-256 of every file, in fixed-size shards hashed in parallel.

This is the scheme model_signing's shard serialization uses (each file cut into ``shard_bytes`` pieces, every
piece hashed on its own by a pool of worker threads, so the wall time is the makespan of the shards over the
workers; :func:`zsim.controls.artifact_verification.shard_makespan_s` models exactly that). Paths are POSIX,
relative to the folder, sorted; symbolic links are refused, as model_signing refuses them by default,
because a link can point outside the signed folder.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from zsim.artifacts.result import Problem, Reason
from zsim.errors import InputError

DEFAULT_SHARD_BYTES = 1_000_000_000  # model_signing 1.1.1 hashing.use_shard_serialization default (1 GB)
READ_CHUNK_BYTES = 1 << 20  # model_signing's default chunk_size (1 MiB)


@dataclass(frozen=True)
class FileDigest:
    size: int
    shards: tuple[str, ...]  # hex SHA-256 of each shard, in order

    def to_json(self) -> dict[str, object]:
        return {"size": self.size, "shards": list(self.shards)}

    @classmethod
    def from_json(cls, data: object) -> FileDigest:
        if not isinstance(data, dict) or not isinstance(data.get("size"), int):
            raise ValueError("file entry needs an integer size")
        shards = data.get("shards")
        if not isinstance(shards, list) or not all(isinstance(s, str) for s in shards):
            raise ValueError("file entry needs a list of shard digests")
        return cls(data["size"], tuple(shards))


def list_files(root: Path, *, ignore: frozenset[Path] = frozenset()) -> list[tuple[str, Path]]:
    """Every regular file under ``root`` as (relative POSIX path, absolute path), sorted; links refused."""
    if not root.is_dir():
        raise InputError("artifact folder not found (expected a directory)", file=root)
    ignored = {p.resolve() for p in ignore}
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in list(dirnames):
            if (here / name).is_symlink():
                raise InputError("artifact folder contains a symbolic link", file=here / name)
        dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in ignored)
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink():
                raise InputError("artifact folder contains a symbolic link", file=path)
            if path.resolve() in ignored:
                continue
            out.append((path.relative_to(root).as_posix(), path))
    out.sort()
    return out


def _hash_shard(path: Path, offset: int, length: int) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        f.seek(offset)
        left = length
        while left > 0:
            chunk = f.read(min(READ_CHUNK_BYTES, left))
            if not chunk:
                break  # the file shrank while we read it: the digest will not match
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


def hash_tree(
    root: str | Path,
    *,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    workers: int | None = None,
    ignore: frozenset[Path] = frozenset(),
) -> dict[str, FileDigest]:
    """The manifest of ``root``: relative path → size and shard digests (shards hashed in parallel)."""
    if shard_bytes <= 0:
        raise ValueError("shard_bytes must be positive")
    root = Path(root)
    files = list_files(root, ignore=ignore)
    tasks: list[tuple[str, Path, int, int]] = []
    sizes: dict[str, int] = {}
    for rel, path in files:
        size = path.stat().st_size
        sizes[rel] = size
        starts = range(0, size, shard_bytes) if size else [0]
        tasks.extend((rel, path, start, min(shard_bytes, size - start)) for start in starts)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(lambda t: _hash_shard(t[1], t[2], t[3]), tasks))
    shards: dict[str, list[str]] = {rel: [] for rel in sizes}
    for (rel, _p, _o, _n), digest in zip(tasks, digests, strict=True):
        shards[rel].append(digest)
    return {rel: FileDigest(sizes[rel], tuple(shards[rel])) for rel in sizes}


def compare(expected: dict[str, FileDigest], actual: dict[str, FileDigest]) -> list[Problem]:
    """Every difference between a signed manifest and the folder's: missing, extra and altered files."""
    problems = []
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    if missing:
        problems.append(Problem(Reason.MISSING_FILE, "signed file(s) missing: " + ", ".join(missing)))
    if extra:
        problems.append(
            Problem(Reason.EXTRA_FILE, "file(s) not covered by the signature: " + ", ".join(extra))
        )
    for rel in sorted(set(expected) & set(actual)):
        if expected[rel] != actual[rel]:
            problems.append(Problem(Reason.TAMPERED, f"content of {rel} differs from its signed digest"))
    return problems
