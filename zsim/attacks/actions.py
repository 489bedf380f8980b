"""Platform semantics of each action: from the attacker's position to what a step reaches, and how.

Each function gets the position rows (one row per possible entry component), decides which ways of doing the
step exist on the platform (network reachability, flags, credentials held, links), builds a
:class:`~zsim.attacks.effects.StepContext` per way at class level, drops the ways a control blocks for
certain, and returns per row: feasible, the payload of the yielded capability, the components reached, the
set of usable contexts (whose remaining effects the compiler aggregates) and any extra time (transfers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from zsim.attacks.actions_nodes import escape, hijack, intercept, rdma_snoop
from zsim.attacks.builder import Builder, StepOut, flag_rows, identity_of, pair_sets, reach_pairs, row_sets, step_out
from zsim.attacks.effects import ActionKind, StepContext
from zsim.attacks.schema import CapKind, StepSpec
from zsim.controls.base import Plane

__all__ = ["ACTIONS", "Builder", "StepOut"]


def local(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    """generic and discover: where the attacker acts from, nothing reached."""
    plane = Plane.CONTROL if step.action.kind == ActionKind.DISCOVER else None
    if not step.action.source:
        ctx = b.ctx(step, plane=plane)
        ok = np.full(rows, b.oracle.usable(ctx))
        return step_out(ok, flag_rows(ok), np.zeros((rows, b.t.n), bool), [frozenset({ctx})], np.zeros(rows, np.int64))
    f, _ = b.position(step, state, rows)
    present = b.t.classes_of(f)
    usable, sets, ids = b.per_class(step, present, lambda v: b.ctx(step, source=v, plane=plane))
    ok = (present & usable).any(axis=1)
    return step_out(ok, flag_rows(ok), np.zeros((rows, b.t.n), bool), sets, ids)


def connect(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    f, _ = b.position(step, state, rows)
    src = t.classes_of(f)
    target = b.targets(step)
    dst = t.classes_of(target)

    def make(a: int, c: int) -> StepContext | None:
        if not t.reach_cls[a, c]:
            return None
        va = t.class_views[a]
        return b.ctx(step, source=va, target=t.class_views[c], plane=Plane.CONTROL,
                     identity=identity_of(va), intended=bool(t.intended_cls[a, c]))

    usable, ctxs = b.pairs(src, dst.any(axis=0), make)
    reached = reach_pairs(t, src, usable, target)
    sets, ids = pair_sets(src, dst, usable, ctxs)
    return step_out(reached.any(axis=1), reached, reached, sets, ids)


def steal_credential(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    f, _ = b.position(step, state, rows)
    kinds = {str(k) for k in step.action.kinds}  # type: ignore[union-attr]
    wanted = np.array([k in kinds for k in t.cred_kind], dtype=bool)
    held = f[:, t.cred_owner] & wanted if t.creds else np.zeros((rows, 0), bool)
    keys = sorted({(int(t.cls[t.cred_owner[i]]), t.creds[i].kind) for i in np.flatnonzero(held.any(axis=0))})
    ctxs = {k: b.ctx(step, source=t.class_views[k[0]], credential=k[1]) for k in keys}
    ok_key = {k: b.oracle.usable(c) for k, c in ctxs.items()}
    cred_ok = np.array([ok_key.get((int(t.cls[r.owner]), r.kind), False) for r in t.creds], dtype=bool)
    payload = held & cred_ok if t.creds else held
    for cap in step.yields:
        b.fresh[cap] = step.action.token_age == "fresh"  # type: ignore[union-attr]
    sets, ids = row_sets(payload, lambda row: [ctxs[(int(t.cls[t.cred_owner[i]]), t.creds[i].kind)]
                                               for i in np.flatnonzero(row)])
    return step_out(payload.any(axis=1), payload, np.zeros((rows, t.n), bool), sets, ids)


def use_credential(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    action = step.action
    f, _ = b.position(step, state, rows)
    src = t.classes_of(f)
    creds = state.get(action.credential, np.zeros((rows, len(t.creds)), bool))  # type: ignore[union-attr]
    cc = (creds.astype(np.float32) @ t.CredM) > 0 if t.creds else np.zeros((rows, 1), bool)
    target = b.targets(step)
    dst = t.classes_of(target)
    tcls = dst.any(axis=0)
    fresh = b.fresh.get(action.credential, False)  # type: ignore[union-attr]
    reached_cls = np.zeros((rows, t.n_cls), dtype=bool)
    per_k: dict[int, tuple[np.ndarray, dict[tuple[int, int], StepContext]]] = {}
    for k in np.flatnonzero(cc.any(axis=0)):
        kind, ident = t.cred_class_keys[k]

        def make(a: int, c: int, kind: str = kind, ident: object = ident) -> StepContext | None:
            if not t.reach_cls[a, c]:
                return None
            return b.ctx(step, source=t.class_views[a], target=t.class_views[c], plane=Plane.CONTROL,
                         identity=ident, credential=kind, fresh_token=fresh, intended=bool(t.intended_cls[a, c]))

        usable, ctxs = b.pairs(src, tcls, make)
        per_k[int(k)] = (usable, ctxs)
        reached_cls |= ((src.astype(np.float32) @ usable.astype(np.float32)) > 0) & cc[:, [k]]
    reached = t.expand_classes(reached_cls) & target
    key_rows = np.concatenate([src, dst, cc], axis=1)

    def contexts(row: np.ndarray) -> list[StepContext]:
        s_row, d_row, k_row = row[:t.n_cls], row[t.n_cls:2 * t.n_cls], row[2 * t.n_cls:]
        out = []
        for k in np.flatnonzero(k_row):
            usable, ctxs = per_k.get(int(k), (None, {}))
            if usable is not None:
                out += [ctxs[(a, c)] for a in np.flatnonzero(s_row) for c in np.flatnonzero(usable[a] & d_row)]
        return out

    sets, ids = row_sets(key_rows, contexts)
    return step_out(reached.any(axis=1), reached, reached, sets, ids)


def exfiltrate(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    action = step.action
    f, _ = b.position(step, state, rows)
    data_kind = b.cap_kind(action.data)  # type: ignore[union-attr]
    data = state.get(action.data, np.zeros((rows, t.n), bool))  # type: ignore[union-attr]
    if data_kind == CapKind.HOST:
        data = t.on_nodes(data)
    present = t.classes_of(f)
    usable, sets, ids = b.per_class(step, present, lambda v: b.ctx(step, source=v, plane=Plane.CONTROL,
                                                                   mode=action.channel))  # type: ignore[union-attr]
    moved = data.astype(np.float64) @ t.data_bytes
    rate = t.spec.egress_Bps if action.channel == "direct" else t.spec.covert_Bps  # type: ignore[union-attr]
    ok = (present & usable).any(axis=1) & (moved > 0)
    return step_out(ok, data & ok[:, None], data & ok[:, None], sets, ids, moved / float(rate))


def substitute_artifact(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    action = step.action
    f, _ = b.position(step, state, rows)
    present = t.classes_of(f)
    usable, sets, ids = b.per_class(step, present, lambda v: b.ctx(
        step, source=v, plane=Plane.STORAGE, mode=action.at,  # type: ignore[union-attr]
        rewrites_metadata=action.rewrites_metadata))  # type: ignore[union-attr]
    consumers = np.broadcast_to(t.mask(action.consumers), (rows, t.n))  # type: ignore[union-attr]
    ok = (present & usable).any(axis=1)
    upload_s = t.spec.pipeline.artifact_bytes / t.spec.storage_Bps
    return step_out(ok, consumers & ok[:, None], consumers & ok[:, None], sets, ids, np.full(rows, upload_s))


def tamper_runtime(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t
    f, _ = b.position(step, state, rows)
    present = t.classes_of(f)
    usable, sets, ids = b.per_class(step, present, lambda v: b.ctx(
        step, source=v, mode=step.action.mode))  # type: ignore[union-attr]
    tampered = f & usable[t.cls]
    return step_out(tampered.any(axis=1), tampered, tampered, sets, ids)


def _to_targets(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int, plane: Plane,
                extra: Callable[[int, int], dict[str, object] | None]) -> tuple[np.ndarray, StepOut]:
    """Connections from the position to ``to`` targets with the position's own identity."""
    t = b.t
    f, _ = b.position(step, state, rows)
    src = t.classes_of(f)
    target = b.targets(step)
    dst = t.classes_of(target)

    def make(a: int, c: int) -> StepContext | None:
        more = extra(a, c)
        if more is None or not t.reach_cls[a, c]:
            return None
        va = t.class_views[a]
        return b.ctx(step, source=va, target=t.class_views[c], plane=plane, identity=identity_of(va),
                     intended=bool(t.intended_cls[a, c]), **more)  # type: ignore[arg-type]

    usable, ctxs = b.pairs(src, dst.any(axis=0), make)
    reached = reach_pairs(t, src, usable, target)
    sets, ids = pair_sets(src, dst, usable, ctxs)
    return reached, step_out(reached.any(axis=1), reached, reached, sets, ids)


def inject_data(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    via = step.action.via  # type: ignore[union-attr]
    reached, out = _to_targets(b, step, state, rows, Plane.STORAGE, lambda a, c: {"mode": via})
    consumers = b.t.mask(step.action.consumers) & out.feasible[:, None]  # type: ignore[union-attr]
    out.reached = reached | consumers
    out.payload = out.reached
    return out


def keep_access(b: Builder, step: StepSpec, state: dict[str, np.ndarray], rows: int) -> StepOut:
    t = b.t

    def had_access(a: int, c: int) -> dict[str, object] | None:
        # the access being kept must have existed before the revocation
        decision = b.policy.decide(identity_of(t.class_views[a]), t.class_views[c].type,  # type: ignore[attr-defined]
                                   t.class_views[c].tenant)
        return {"revoked": True, "new_connection": False} if decision.allowed else None

    _, out = _to_targets(b, step, state, rows, Plane.STORAGE, had_access)
    return out


ACTIONS: dict[ActionKind, Callable[[Builder, StepSpec, dict[str, np.ndarray], int], StepOut]] = {
    ActionKind.GENERIC: local,
    ActionKind.DISCOVER: local,
    ActionKind.CONNECT: connect,
    ActionKind.STEAL_CREDENTIAL: steal_credential,
    ActionKind.USE_CREDENTIAL: use_credential,
    ActionKind.ESCAPE: escape,
    ActionKind.HIJACK: hijack,
    ActionKind.INTERCEPT: intercept,
    ActionKind.RDMA_SNOOP: rdma_snoop,
    ActionKind.EXFILTRATE: exfiltrate,
    ActionKind.SUBSTITUTE_ARTIFACT: substitute_artifact,
    ActionKind.TAMPER_RUNTIME: tamper_runtime,
    ActionKind.INJECT_DATA: inject_data,
    ActionKind.KEEP_ACCESS: keep_access,
}
