"""Loading campaigns: user YAML files and the packaged library (``zsim/data/campaigns/*.yaml``).

Every error is an :class:`~zsim.errors.InputError` naming the file and the field path, and a campaign that
loads has passed :func:`~zsim.attacks.graph.check_campaign` (no dangling reference, no cycle, a reachable goal).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from zsim.attacks.graph import check_campaign, raise_errors
from zsim.attacks.schema import CampaignSpec
from zsim.errors import InputError, from_validation_error
from zsim.yamlio import load_documents, load_yaml_file

LIBRARY_PACKAGE = "zsim"
LIBRARY_DIR = "data/campaigns"
LIBRARY_IDS = (
    "lateral-training-to-inference",
    "tenant-to-tenant",
    "escape-to-host",
    "exfiltration",
    "artifact-poisoning",
    "credential-replay",
    "plaintext-interception",
    "rdma-snooping",
    "revoked-access",
    "runtime-tampering",
    "data-poisoning",
)


def parse_campaign(data: Any, *, source: str | Path = "<campaign>") -> CampaignSpec:
    """Schema validation only (the graph checks are :func:`check_campaign`'s)."""
    if not isinstance(data, dict):
        raise InputError(f"a campaign is a mapping with id, entry, goal and steps, got {type(data).__name__}",
                         file=source)
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, file=source) from None


def campaign_from_data(data: Any, *, source: str | Path = "<campaign>") -> CampaignSpec:
    campaign = parse_campaign(data, source=source)
    raise_errors(check_campaign(campaign), file=str(source))
    return campaign


def load_campaign(path: str | Path) -> CampaignSpec:
    """A campaign from a YAML file (safe loader, strict schema, graph checks)."""
    path = Path(path)
    return campaign_from_data(load_yaml_file(path), source=path)


@lru_cache(maxsize=1)
def library() -> dict[str, CampaignSpec]:
    """The packaged campaign library, keyed by id, in the order of :data:`LIBRARY_IDS`."""
    folder = resources.files(LIBRARY_PACKAGE).joinpath(LIBRARY_DIR)
    found: dict[str, CampaignSpec] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".yaml", ".yml")):
            continue
        source = f"{LIBRARY_PACKAGE}/{LIBRARY_DIR}/{entry.name}"
        (data,) = load_documents(entry.read_text(encoding="utf-8"), source=source)
        campaign = campaign_from_data(data, source=source)
        if campaign.id in found:
            raise InputError(f"campaign id {campaign.id!r} is defined twice", file=source, field="id")
        found[campaign.id] = campaign
    order = {cid: i for i, cid in enumerate(LIBRARY_IDS)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def get_campaign(name: str | Path) -> CampaignSpec:
    """A library campaign by id, or a campaign file by path."""
    text = str(name)
    if text.endswith((".yaml", ".yml")) or Path(text).is_file():
        return load_campaign(text)
    lib = library()
    if text not in lib:
        raise InputError(f"unknown campaign {text!r} (library: {', '.join(lib)}; or give a YAML file)",
                         field="campaign")
    return lib[text]
