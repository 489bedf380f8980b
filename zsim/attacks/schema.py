"""The campaign YAML schema (documented in ``docs/attacks.md``).

A campaign is a graph of steps over *capabilities*. The attacker starts with one capability, the entry
foothold (one component matching ``entry.foothold``, drawn per trial). Each step requires capabilities — all of
them (AND, a list or ``{all: [...]}``) or any one (OR, ``{any: [...]}``) — takes a time to compromise, succeeds
with a probability, risks detection, and yields capabilities. The campaign succeeds when the ``goal``
capability is held before the attacker is evicted and before ``horizon_s``.

What a capability stands for on the platform comes from the action that yields it:

=====================  =================  ======================================================
action                 yields             platform semantics
=====================  =================  ======================================================
generic, discover      flag               none (discover: scanning from ``from``)
connect                foothold           targets ``to`` reachable from ``from`` with its own identity
steal-credential       credential         credentials of ``kinds`` held by ``from``
use-credential         access             targets ``to`` reached with stolen ``credential``
escape                 host               the nodes of privileged / hostNetwork pods in ``from``
hijack                 foothold           ``to`` containers running on ``from``'s hosts
intercept              access             endpoints of plaintext flows passing ``from``'s hosts
rdma-snoop             access             RDMA ranks of the jobs on ``from``'s hosts
exfiltrate             access             bytes of ``data`` leave through ``channel``
substitute-artifact    access             ``consumers`` load the swapped artifact
tamper-runtime         access             the tampered workloads in ``from``
inject-data            access             ``to`` data stores and the ``consumers`` that train on them
keep-access            access             ``to`` reached with access revoked at the start
=====================  =================  ======================================================
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from zsim.attacks.dists import TimeDist, fixed
from zsim.attacks.effects import ActionKind
from zsim.attacks.platform import CredentialKind, Selector
from zsim.config.base import StrictModel
from zsim.units import Seconds

ID = r"^[a-z0-9][a-z0-9._-]*$"
TECHNIQUE = r"^(AML\.T\d{4}(\.\d{3})?|T\d{4}(\.\d{3})?)$"


class CapKind(StrEnum):
    FOOTHOLD = "foothold"  # code execution on components
    HOST = "host"  # root on nodes
    CREDENTIAL = "credential"  # credentials in hand
    ACCESS = "access"  # data or control reached on components (no code execution)
    FLAG = "flag"  # knowledge or state with no platform payload


class _Action(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)

    source: list[str] = Field(default_factory=list, alias="from", description="capabilities giving the position")

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("from"), str):
            data = {**data, "from": [data["from"]]}
        return data

    def refs(self) -> list[str]:
        """Capability names the action reads (all must be among the step's requirements)."""
        return list(self.source)


class GenericAction(_Action):
    kind: Literal[ActionKind.GENERIC] = ActionKind.GENERIC


class DiscoverAction(_Action):
    kind: Literal[ActionKind.DISCOVER]


class ConnectAction(_Action):
    kind: Literal[ActionKind.CONNECT]
    to: Selector
    cross_tenant: bool = Field(False, description="only targets in a tenant other than the entry's")


class StealCredentialAction(_Action):
    kind: Literal[ActionKind.STEAL_CREDENTIAL]
    kinds: list[CredentialKind] = Field(min_length=1)
    token_age: Literal["current", "fresh"] = Field(
        "current", description="fresh: a token minted for the attacker (TokenRequest), age 0 at theft"
    )


class UseCredentialAction(_Action):
    kind: Literal[ActionKind.USE_CREDENTIAL]
    credential: str
    to: Selector
    cross_tenant: bool = False

    def refs(self) -> list[str]:
        return [*self.source, self.credential]


class EscapeAction(_Action):
    kind: Literal[ActionKind.ESCAPE]


class HijackAction(_Action):
    kind: Literal[ActionKind.HIJACK]
    to: Selector = Selector()
    cross_tenant: bool = False


class InterceptAction(_Action):
    kind: Literal[ActionKind.INTERCEPT]


class RdmaSnoopAction(_Action):
    kind: Literal[ActionKind.RDMA_SNOOP]


class ExfiltrateAction(_Action):
    kind: Literal[ActionKind.EXFILTRATE]
    data: str
    channel: Literal["direct", "covert"] = "direct"

    def refs(self) -> list[str]:
        return [*self.source, self.data]


class SubstituteArtifactAction(_Action):
    kind: Literal[ActionKind.SUBSTITUTE_ARTIFACT]
    at: Literal["storage", "registry"]
    rewrites_metadata: bool = False
    consumers: Selector = Selector()


class TamperRuntimeAction(_Action):
    kind: Literal[ActionKind.TAMPER_RUNTIME]
    mode: Literal["image", "in-place", "boot"]  # boot: an implant in the node's boot chain (driver, kernel)


class InjectDataAction(_Action):
    kind: Literal[ActionKind.INJECT_DATA]
    to: Selector
    via: Literal["pipeline", "direct"]
    consumers: Selector = Selector()


class KeepAccessAction(_Action):
    kind: Literal[ActionKind.KEEP_ACCESS]
    to: Selector


Action = Annotated[
    GenericAction | DiscoverAction | ConnectAction | StealCredentialAction | UseCredentialAction
    | EscapeAction | HijackAction | InterceptAction | RdmaSnoopAction | ExfiltrateAction
    | SubstituteArtifactAction | TamperRuntimeAction | InjectDataAction | KeepAccessAction,
    Field(discriminator="kind"),
]

PRODUCT: dict[ActionKind, CapKind] = {
    ActionKind.GENERIC: CapKind.FLAG,
    ActionKind.DISCOVER: CapKind.FLAG,
    ActionKind.CONNECT: CapKind.FOOTHOLD,
    ActionKind.STEAL_CREDENTIAL: CapKind.CREDENTIAL,
    ActionKind.USE_CREDENTIAL: CapKind.ACCESS,
    ActionKind.ESCAPE: CapKind.HOST,
    ActionKind.HIJACK: CapKind.FOOTHOLD,
    ActionKind.INTERCEPT: CapKind.ACCESS,
    ActionKind.RDMA_SNOOP: CapKind.ACCESS,
    ActionKind.EXFILTRATE: CapKind.ACCESS,
    ActionKind.SUBSTITUTE_ARTIFACT: CapKind.ACCESS,
    ActionKind.TAMPER_RUNTIME: CapKind.ACCESS,
    ActionKind.INJECT_DATA: CapKind.ACCESS,
    ActionKind.KEEP_ACCESS: CapKind.ACCESS,
}
# Which capability kinds an action's position (``from``) may name.
POSITION_KINDS = {CapKind.FOOTHOLD, CapKind.HOST}
DATA_ACTIONS = {ActionKind.SUBSTITUTE_ARTIFACT, ActionKind.INJECT_DATA, ActionKind.EXFILTRATE,
                ActionKind.GENERIC, ActionKind.KEEP_ACCESS}
NEEDS_POSITION = {k for k in ActionKind if k not in (ActionKind.GENERIC,)}


class Requires(StrictModel):
    """``all`` (AND) or ``any`` (OR) of capabilities; a plain list means ``all``; empty means always."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)

    all_of: list[str] = Field(default_factory=list, alias="all")
    any_of: list[str] = Field(default_factory=list, alias="any")

    @model_validator(mode="before")
    @classmethod
    def _list(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"all": data}
        if isinstance(data, str):
            return {"all": [data]}
        return data

    @model_validator(mode="after")
    def _one(self) -> Requires:
        if self.all_of and self.any_of:
            raise ValueError("a step is either an AND ('all') or an OR ('any') of capabilities, not both")
        for name in ("all_of", "any_of"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"'{name[:3]}' lists a capability twice")
        return self

    @property
    def is_or(self) -> bool:
        return bool(self.any_of)

    @property
    def caps(self) -> list[str]:
        return list(self.any_of or self.all_of)


class StepDetection(StrictModel):
    """Detection a step risks without any control: a per-action probability with a delay, and a constant
    hazard while the step runs (``hazard_mean_s``: the mean time to detection of an attacker doing it)."""

    probability: float = Field(0.0, ge=0, le=1)
    delay: TimeDist = fixed(0.0)
    hazard_mean_s: Seconds | None = Field(None, gt=0)

    @property
    def hazard_per_s(self) -> float:
        return 0.0 if self.hazard_mean_s is None else 1.0 / float(self.hazard_mean_s)


class StepSpec(StrictModel):
    id: str = Field(pattern=ID)
    name: str = ""
    technique: str = Field(pattern=TECHNIQUE, description="MITRE ATLAS id where one exists, else ATT&CK")
    action: Action = GenericAction()
    requires: Requires = Requires()
    yields: list[str] = Field(min_length=1)
    ttc: TimeDist = fixed(0.0)
    success_probability: float = Field(1.0, ge=0, le=1)
    detection: StepDetection = StepDetection()

    @property
    def p_success(self) -> float:
        return self.success_probability * self.ttc.success_factor


class EntrySpec(StrictModel):
    foothold: Selector
    capability: str = Field("foothold", pattern=ID)


class CampaignSpec(StrictModel):
    id: str = Field(pattern=ID)
    title: str = Field(min_length=1)
    description: str = ""
    entry: EntrySpec
    goal: str = Field(pattern=ID)
    horizon_s: Seconds = Field(30 * 86400.0, gt=0, description="the attacker gives up after this long")
    steps: list[StepSpec] = Field(min_length=1)

    def step(self, step_id: str) -> StepSpec:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    @property
    def techniques(self) -> list[str]:
        return sorted({s.technique for s in self.steps})

    def without_detection(self) -> CampaignSpec:
        """The same campaign with every step's own detection removed (for reachability checks)."""
        steps = [s.model_copy(update={"detection": StepDetection()}) for s in self.steps]
        return self.model_copy(update={"steps": steps})

    def with_horizon(self, horizon_s: float) -> CampaignSpec:
        return self.model_copy(update={"horizon_s": horizon_s})
