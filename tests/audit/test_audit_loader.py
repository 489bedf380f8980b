"""Reading manifests: multi-document YAML, JSON, List kinds, kubectl dumps - and every kind of bad input, each a
finding or a clear error, never a crash."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from zsim.audit import audit_manifests
from zsim.audit.loader import load_paths
from zsim.errors import InputError

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: ns}\nspec:\n  containers: [{name: c, image: x}]\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def names(result) -> list[str | None]:  # noqa: ANN001
    return [r.name for r in result.resources]


def messages(result) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(f.check_id, f.message) for f in result.findings]


def test_multi_document_yaml_keeps_order_and_lines(tmp_path: Path) -> None:
    f = write(tmp_path / "m.yaml", "---\n" + POD % "a" + "---\n---\n# comment only\n---\n" + POD % "b")
    result = load_paths([f])
    assert names(result) == ["a", "b"]
    assert [r.line for r in result.resources] == [2, 11]
    assert result.files == 1 and result.findings == []


def test_json_object_list_and_kubectl_dump(tmp_path: Path) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}
    write(tmp_path / "one.json", json.dumps(pod))
    write(
        tmp_path / "dump.json",
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {**pod, "metadata": {"name": "q"}},
                    {"apiVersion": "v1", "kind": "List", "items": [{**pod, "metadata": {"name": "nested"}}]},
                ],
            }
        ),
    )
    # A typed list straight from the API: items carry neither kind nor apiVersion.
    write(
        tmp_path / "typed.yaml",
        "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: typed}\n  spec: {containers: []}\n",
    )
    result = load_paths([tmp_path])
    assert sorted(names(result)) == ["nested", "p", "q", "typed"]
    typed = next(r for r in result.resources if r.name == "typed")
    assert (typed.kind, typed.api_version) == ("Pod", "v1")
    assert result.findings == []


def test_malformed_yaml_keeps_earlier_documents(tmp_path: Path) -> None:
    f = write(tmp_path / "bad.yaml", POD % "good" + "---\nkind: Pod\nmetadata: {name: [unclosed\n")
    result = load_paths([f])
    assert names(result) == ["good"]
    ((check, message),) = messages(result)
    assert check == "ZT-IN-001" and message.startswith("invalid YAML: line 9")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("latin1.yaml", "name: caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
        ("blob.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file"),
        ("dup.yaml", "kind: Pod\nkind: Service\n", "duplicate key 'kind'"),
        ("dup.json", '{"kind": "Pod", "kind": "Service"}', "duplicate key 'kind'"),
        ("bad.json", '{"kind": "Pod",', "invalid JSON"),
        ("tab.yaml", "a:\n\t- b\n", "invalid YAML"),
        ("tag.yaml", "a: !!python/object:os.system ls\n", "invalid YAML"),
    ],
)
def test_unreadable_files_become_findings(tmp_path: Path, name: str, content: str | bytes, expected: str) -> None:
    write(tmp_path / "ok.yaml", POD % "fine")
    write(tmp_path / name, content)
    result = load_paths([tmp_path])
    assert names(result) == ["fine"]
    ((check, message),) = messages(result)
    assert check == "ZT-IN-001" and expected in message


def test_very_large_file_is_skipped_unread(tmp_path: Path) -> None:
    big = write(tmp_path / "big.yaml", POD % "huge" + "# padding\n" * 200_000)
    result = load_paths([tmp_path], max_file_bytes=1_000_000)
    assert names(result) == []
    ((check, message),) = messages(result)
    assert check == "ZT-IN-001" and f"file is {big.stat().st_size} bytes" in message


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    result = load_paths([tmp_path])
    assert time.perf_counter() - started < 5
    ((check, message),) = messages(result)
    assert check == "ZT-IN-001" and "alias bomb" in message


def test_deep_nesting_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path / "deep.yaml", "a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    write(tmp_path / "deep.json", "[" * 50_000 + "]" * 50_000)
    result = load_paths([tmp_path])
    assert [c for c, _ in messages(result)] == ["ZT-IN-001", "ZT-IN-001"]


def test_symlink_loops_are_findings_and_walks_terminate(tmp_path: Path) -> None:
    root = tmp_path / "manifests"
    write(root / "ok.yaml", POD % "fine")
    os.symlink(root / "b.yaml", root / "a.yaml")
    os.symlink(root / "a.yaml", root / "b.yaml")
    (root / "sub").mkdir()
    os.symlink(root, root / "sub" / "again")  # a folder cycle inside the root: walked once
    result = load_paths([root])
    assert names(result) == ["fine"]
    assert sorted(messages(result)) == [
        ("ZT-IN-001", "not read: symlink loop"),
        ("ZT-IN-001", "not read: symlink loop"),
    ]


def test_symlink_out_of_the_folder_is_never_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "secret.yaml", POD % "outside")
    root = tmp_path / "manifests"
    write(root / "ok.yaml", POD % "inside")
    os.symlink(outside, root / "link.yaml")
    os.symlink(outside.parent, root / "linkdir")
    result = load_paths([root])
    assert names(result) == ["inside"]
    assert sorted(c for c, _ in messages(result)) == ["ZT-IN-003", "ZT-IN-003"]
    assert all("symlink leads out of" in m for _, m in messages(result))


def test_fifo_in_a_folder_is_not_opened(tmp_path: Path) -> None:
    write(tmp_path / "ok.yaml", POD % "fine")
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it for reading would block forever
    assert names(load_paths([tmp_path])) == ["fine"]


def test_hidden_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "x.yaml", POD % "hidden")
    write(tmp_path / "ok.yml", POD % "fine")
    assert names(load_paths([tmp_path])) == ["fine"]


def test_objects_missing_metadata_are_findings_and_still_checked(tmp_path: Path) -> None:
    write(
        tmp_path / "m.yaml",
        "kind: Pod\nspec:\n  containers: [{name: c, securityContext: {privileged: true}}]\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\n- just\n- a list\n"
        "---\nplain scalar\n",
    )
    report = audit_manifests([tmp_path])
    incomplete = sorted(f.message for f in report.findings if f.check_id == "ZT-IN-002")
    assert incomplete == [
        "document is a list, not a Kubernetes object",
        "document is a str, not a Kubernetes object",
        "object has no apiVersion, metadata; checked as far as possible",
        "object has no metadata.name; checked as far as possible",
    ]
    privileged = [f for f in report.findings if f.check_id == "ZT-WL-001"]
    assert [(f.kind, f.name, f.container) for f in privileged] == [("Pod", None, "c")]


def test_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        load_paths([tmp_path / "nope"])
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match="not a regular file or folder"):
        load_paths([tmp_path / "fifo"])
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    with pytest.raises(InputError, match="broken symlink"):
        load_paths([tmp_path / "dangling"])
