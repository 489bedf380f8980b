"""Credential checks: environment variables, ServiceAccount secrets, legacy token Secrets, workload identity.

**Is an environment variable a credential?** Its name is split into words (``_``, ``-``, ``.``, camelCase).
It is credential-named when a word is PASSWORD/PASSWD/PASSPHRASE/SECRET/TOKEN/APIKEY/CREDENTIAL(S)/CREDS or
ends in one of them (PGPASSWORD, SECRETACCESSKEY), or KEY follows API/ACCESS/SECRET/PRIVATE/ENCRYPTION/
SIGNING/MASTER/AUTH/CLIENT/ACCOUNT, or the name ends in AUTH or PWD (but is not PWD/OLDPWD, the shell's
working directories), **unless** the last word says the value is about the credential rather than the
credential itself (SECRET_NAME, TOKEN_PATH, PASSWORD_FILE, SECRET_ARN, CLIENT_ID, TOKEN_TTL, ...), the first
word is MAX/MIN/NUM (MAX_TOKENS), or a word makes it a switch (ENABLE/ALLOW/SKIP/USE/...: ALLOW_EMPTY_PASSWORD).
Plural TOKENS and TOKENIZER are words of their own, so MAX_NEW_TOKENS and TOKENIZER_NAME never match.

A credential-named variable with a literal value is CRITICAL (``$(VAR)`` references, empty values and
booleans are not credentials); one from ``secretKeyRef`` (or a whole Secret via ``envFrom``) is LOW. A value
shaped like a well-known token (AWS access key, GitHub/Hugging Face/OpenAI/Slack token, PEM private key) or a URL with a
password is CRITICAL whatever the variable is called.
"""

from __future__ import annotations

import re
from typing import Any

from zsim.audit.catalog import finding
from zsim.audit.model import Finding
from zsim.audit.podspecs import PodSpec
from zsim.audit.resources import Inventory, Resource

CREDENTIAL_WORDS = frozenset(
    {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL", "CREDENTIALS", "CREDS"}
)
KEY_QUALIFIERS = frozenset(
    {"API", "ACCESS", "SECRET", "PRIVATE", "ENCRYPTION", "SIGNING", "MASTER", "AUTH", "CLIENT", "ACCOUNT"}
)
NOT_THE_VALUE = frozenset(
    {
        "NAME",
        "NAMES",
        "PATH",
        "PATHS",
        "FILE",
        "FILES",
        "DIR",
        "DIRECTORY",
        "REF",
        "URL",
        "URI",
        "ENDPOINT",
        "HOST",
        "PORT",
        "ID",
        "TYPE",
        "LEN",
        "LENGTH",
        "SIZE",
        "COUNT",
        "TTL",
        "EXPIRY",
        "EXPIRATION",
        "EXPIRES",
        "TIMEOUT",
        "SECONDS",
        "LIMIT",
        "HEADER",
        "FIELD",
        "KIND",
        "MODE",
        "ENABLED",
        "ENABLE",
        "DISABLED",
        "FORMAT",
        "VERSION",
        "LOCATION",
        "MOUNT",
        "REGION",
        "USER",
        "USERNAME",
        "ARN",
        "PREFIX",
        "SUFFIX",
        "NAMESPACE",
        "PROVIDER",
        "AUDIENCE",
        "ISSUER",
        "SCOPE",
        "SCOPES",
        "ALGORITHM",
        "ROTATION",
        "LABEL",
        "SOURCE",
    }
)
COUNT_PREFIXES = frozenset({"MAX", "MIN", "NUM"})
FLAG_WORDS = frozenset({"ENABLE", "ENABLED", "DISABLE", "DISABLED", "ALLOW", "SKIP", "USE", "REQUIRE", "IS", "HAS"})
FUSED_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "ACCESSKEY", "SECRETKEY", "PRIVATEKEY")
BOOLEAN_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1"})
SHELL_DIRS = frozenset({"PWD", "OLDPWD"})

TOKEN_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "a GitHub token",
        re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}"),
    ),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("an OpenAI-style API key", re.compile(r"\bsk-(proj-)?[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a URL with a password", re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:[^/\s@]+@")),
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_REFERENCE_ONLY = re.compile(r"^(\$\([A-Za-z_][A-Za-z0-9_]*\)\s*)+$")


def name_words(name: str) -> list[str]:
    return [w.upper() for w in _WORD_SPLIT.split(_CAMEL.sub("_", name)) if w]


def is_credential_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a credential (see the module docstring)."""
    words = name_words(name)
    if not words or name.upper() in SHELL_DIRS:
        return False
    if words[-1] in NOT_THE_VALUE or words[0] in COUNT_PREFIXES or FLAG_WORDS.intersection(words):
        return False
    if any(w in CREDENTIAL_WORDS or w.endswith(FUSED_SUFFIXES) for w in words):
        return True
    if any(w == "KEY" and i > 0 and words[i - 1] in KEY_QUALIFIERS for i, w in enumerate(words)):
        return True
    return words[-1] in ("AUTH", "PWD")


def token_shape(value: str) -> str | None:
    """What well-known credential ``value`` looks like, if any."""
    for what, pattern in TOKEN_SHAPES:
        if pattern.search(value):
            return what
    return None


def env_findings(pod: PodSpec) -> list[Finding]:
    out: list[Finding] = []
    for _, c in pod.containers():
        where = pod.where(c)
        cname = c.get("name", "?")
        for env in c.get("env") or []:
            if not isinstance(env, dict) or not isinstance(env.get("name"), str):
                continue
            name = env["name"]
            value = env.get("value")
            credential_name = is_credential_name(name)
            if isinstance(value, str) and value.strip() and not _REFERENCE_ONLY.match(value.strip()):
                shape = token_shape(value)
                if shape or (credential_name and value.strip().lower() not in BOOLEAN_VALUES):
                    why = f"value looks like {shape}" if shape else "literal value"
                    out.append(
                        finding(
                            "ZT-CRED-001",
                            f"{pod.label} container {cname}: env {name}: {why} "
                            f"({len(value)} characters) in the manifest",
                            **where,
                        )
                    )
                continue
            value_from = env.get("valueFrom")
            ref = value_from.get("secretKeyRef") if isinstance(value_from, dict) else None
            if credential_name and isinstance(ref, dict):
                out.append(
                    finding(
                        "ZT-CRED-002",
                        f"{pod.label} container {cname}: env {name} from Secret "
                        f"{ref.get('name', '?')} key {ref.get('key', '?')}",
                        **where,
                    )
                )
        for src in c.get("envFrom") or []:
            ref = src.get("secretRef") if isinstance(src, dict) else None
            if isinstance(ref, dict):
                out.append(
                    finding(
                        "ZT-CRED-002",
                        f"{pod.label} container {cname}: every key of Secret "
                        f"{ref.get('name', '?')} as environment variables (envFrom)",
                        **where,
                    )
                )
    return out


def object_findings(inventory: Inventory) -> list[Finding]:
    """ServiceAccount secrets, legacy token Secrets, and workload-identity bindings."""
    out: list[Finding] = []
    for res in inventory.resources:
        if not inventory.in_scope(res):
            continue
        if res.is_kind("ServiceAccount", ""):
            out.extend(_service_account(res))
        elif res.is_kind("Secret", "") and res.obj.get("type") == "kubernetes.io/service-account-token":
            sa = res.annotations.get("kubernetes.io/service-account.name", "?")
            out.append(
                finding(
                    "ZT-CRED-004",
                    f"Secret {res.namespace}/{res.name}: non-expiring token for "
                    f"ServiceAccount {sa}; use projected tokens (TokenRequest)",
                    **res.where(),
                )
            )
    return out


_WORKLOAD_IDENTITY = (
    ("iam.gke.io/gcp-service-account", "GKE Workload Identity bound to Google service account"),
    ("eks.amazonaws.com/role-arn", "EKS IRSA bound to IAM role"),
    ("azure.workload.identity/client-id", "Azure Workload Identity bound to client id"),
)


def _service_account(res: Resource) -> list[Finding]:
    out: list[Finding] = []
    secrets = res.obj.get("secrets")
    if isinstance(secrets, list) and secrets:
        names = [str(s.get("name", "?")) if isinstance(s, dict) else str(s) for s in secrets]
        out.append(
            finding(
                "ZT-CRED-003",
                f"ServiceAccount {res.namespace}/{res.name}: static Secrets bound "
                f"({', '.join(names)}); prefer projected tokens",
                **res.where(),
            )
        )
    ann: dict[str, Any] = res.annotations
    for key, what in _WORKLOAD_IDENTITY:
        if ann.get(key):
            out.append(
                finding(
                    "ZT-CRED-005",
                    f"ServiceAccount {res.namespace}/{res.name}: {what} {ann[key]}; "
                    "verify that role's scope is minimal",
                    **res.where(),
                )
            )
    return out
