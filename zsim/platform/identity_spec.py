"""The topology's ``identity`` section: the platform's SPIFFE trust domain and access policy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zsim.config.base import StrictModel


class IdentitySpec(StrictModel):
    """The platform's trust domain and access policy."""

    trust_domain: str = Field("ai-platform", min_length=1)
    mode: Literal["real", "modelled"] = Field(
        "real", description="real: X.509-SVIDs are certificates; modelled: same decisions, no certificates"
    )
    policy: str | None = Field(None, description="policy YAML (relative to the experiment); default: the seed matrix")
