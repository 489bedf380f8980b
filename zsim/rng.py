"""One ``numpy.random.SeedSequence`` tree: root → replication → named stream.

Common random numbers: every tier of an experiment asks for ``replication(r).stream("arrivals")`` and gets the
same generator, whatever controls are on, because the stream is keyed by its *name*, not by the order in which
streams were requested. Turning a control on therefore never shifts another purpose's draws. There is no global
random state anywhere in zsim: every draw comes from a :class:`numpy.random.Generator` handed down from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


def name_key(name: str) -> int:
    """A stable 32-bit key for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "little")


@dataclass(frozen=True)
class ReplicationSeeds:
    """The seeds of one replication; all tiers and sweep points of an experiment share it."""

    root_seed: int
    replication: int

    @property
    def seed(self) -> int:
        """A readable 63-bit summary of this replication's seed, recorded with every result row."""
        state = np.random.SeedSequence(self.root_seed, spawn_key=(self.replication,)).generate_state(2, np.uint32)
        return int(state[0]) << 31 ^ int(state[1])

    def seed_sequence(self, name: str, *sub: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.root_seed, spawn_key=(self.replication, name_key(name), *sub))

    def stream(self, name: str, *sub: int) -> np.random.Generator:
        """The generator for purpose ``name`` (and optional integer sub-keys, e.g. a replica index)."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name, *sub)))


@dataclass(frozen=True)
class SeedTree:
    root_seed: int

    def replication(self, index: int) -> ReplicationSeeds:
        if index < 0:
            raise ValueError("replication index must be >= 0")
        return ReplicationSeeds(self.root_seed, index)
