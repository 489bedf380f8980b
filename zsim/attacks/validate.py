"""``zsim attack-validate``: a campaign's structural checks, and, given a platform, whether its goal can be
reached there at all (by the static reachability analysis, with no control on)."""

from __future__ import annotations

from pathlib import Path

from zsim.attacks.graph import Problem, check_campaign
from zsim.attacks.loader import parse_campaign
from zsim.attacks.platform import PlatformSpec
from zsim.attacks.reachability import analyse
from zsim.attacks.schema import CampaignSpec
from zsim.controls.registry import ControlSet
from zsim.yamlio import load_yaml_file

MAX_ENTRIES = 64  # the static analysis walks component pairs; a sample of entries is enough for a verdict


def check_on_platform(campaign: CampaignSpec, platform: PlatformSpec) -> list[Problem]:
    problems = [Problem("platform", w, "warning") for w in platform.lint()]
    entries = platform.select(campaign.entry.foothold)
    if not entries:
        return [*problems, Problem("entry.foothold", "matches no component of the platform")]
    for i, step in enumerate(campaign.steps):
        for key in ("to", "consumers"):
            selector = getattr(step.action, key, None)
            if selector is not None and not platform.select(selector):
                problems.append(Problem(f"steps[{i}].action.{key}", "matches no component of the platform",
                                        "warning"))
    sample = [c.name for c in entries[:: max(1, len(entries) // MAX_ENTRIES)]][:MAX_ENTRIES]
    reach = analyse(campaign, platform, ControlSet("none", {}), entries=sample)
    if not reach.any_reachable:
        problems.append(Problem("goal", f"goal {campaign.goal!r} cannot be reached on this platform from any "
                                        f"entry, even with no control on"))
    return problems


def validate(campaign: CampaignSpec, platform: PlatformSpec | None = None) -> list[Problem]:
    problems = check_campaign(campaign)
    if platform is not None and not any(p.severity == "error" for p in problems):
        problems += check_on_platform(campaign, platform)
    return sorted(problems, key=lambda p: p.severity != "error")


def validate_file(path: str | Path, topology: str | Path | None = None) -> list[Problem]:
    """Problems of a campaign file (schema errors raise :class:`~zsim.errors.InputError`)."""
    from zsim.attacks.runner import load_platform

    campaign = parse_campaign(load_yaml_file(path), source=path)
    return validate(campaign, load_platform(topology) if topology is not None else None)
