"""Units, safe YAML loading and the seed tree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zsim.errors import InputError
from zsim.rng import SeedTree
from zsim.units import UnitError, parse_duration_s, parse_per_second, parse_rate_Bps, parse_size_bytes
from zsim.yamlio import load_documents, load_yaml_file


@pytest.mark.parametrize(("text", "expected"), [
    ("2 us", 2e-6), ("2us", 2e-6), ("1h", 3600.0), ("5 min", 300.0), ("1.5 ms", 1.5e-3), ("3", 3.0),
    (0.25, 0.25), ("1 d", 86400.0), ("10 ns", 1e-8),
])
def test_durations(text, expected) -> None:
    assert parse_duration_s(text) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("25 MiB", 25 * 2**20), ("1 GB", 1e9), ("140 GB", 1.4e11), ("1 TiB", 2**40), (512, 512.0), ("8 Gb", 1e9),
])
def test_sizes(text, expected) -> None:
    assert parse_size_bytes(text) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("400 Gb/s", 50e9), ("400Gbps", 50e9), ("25 GB/s", 25e9), ("1 GiB/s", 2**30), (1e9, 1e9),
])
def test_rates(text, expected) -> None:
    assert parse_rate_Bps(text) == pytest.approx(expected)


def test_per_second() -> None:
    assert parse_per_second("1000 rps") == 1000.0
    assert parse_per_second("6/min") == pytest.approx(0.1)


@pytest.mark.parametrize("bad", ["fast", "2 parsecs", "nan s", True, [1], "400 Gb"])
def test_bad_quantities_raise(bad) -> None:
    with pytest.raises(UnitError):
        parse_rate_Bps(bad) if bad == "400 Gb" else parse_duration_s(bad)


def test_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(InputError, match="alias"):
        load_documents("\n".join(lines), source="bomb.yaml")


def test_small_aliases_are_fine() -> None:
    (doc,) = load_documents("base: &b {x: 1}\nother: *b\n", source="ok.yaml")
    assert doc["other"] == {"x": 1}


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(InputError, match="duplicate key 'a'"):
        load_documents("a: 1\na: 2\n", source="dup.yaml")


def test_non_utf8_and_binary_files(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8") as exc:
        load_yaml_file(latin)
    assert str(latin) in str(exc.value)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        load_yaml_file(binary)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(InputError, match="invalid YAML"):
        load_documents("x: !!python/object/apply:os.system ['true']\n", source="evil.yaml")


def test_streams_are_keyed_by_name_not_order() -> None:
    rep = SeedTree(11).replication(3)
    a1 = rep.stream("arrivals").random(5)
    rep.stream("attacker").random(100)  # asking for another stream first changes nothing
    a2 = SeedTree(11).replication(3).stream("arrivals").random(5)
    assert np.array_equal(a1, a2)


def test_streams_and_replications_differ() -> None:
    rep0, rep1 = SeedTree(11).replication(0), SeedTree(11).replication(1)
    assert not np.array_equal(rep0.stream("arrivals").random(5), rep0.stream("service").random(5))
    assert not np.array_equal(rep0.stream("arrivals").random(5), rep1.stream("arrivals").random(5))
    assert rep0.seed != rep1.seed
