"""The credential-name test, literal vs secret-backed values, token shapes, ServiceAccount and Secret checks."""

from __future__ import annotations

import pytest

from tests.audit.conftest import audit_objects, deployment
from zsim.audit.credentials import is_credential_name, token_shape


@pytest.mark.parametrize(
    "name",
    [
        "PASSWORD",
        "DB_PASSWORD",
        "MYSQL_ROOT_PASSWORD",
        "PGPASSWORD",
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "OPENAI_API_KEY",
        "NGC_API_KEY",
        "APIKEY",
        "apiKey",
        "clientSecret",
        "OAUTH2_PROXY_CLIENT_SECRET",
        "MINIO_SECRET_KEY",
        "MINIO_ACCESS_KEY",
        "PRIVATE_KEY",
        "SIGNING_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        "DB_CREDS",
        "BASIC_AUTH",
        "DB_PWD",
        "OBJECTSTORECONFIG_SECRETACCESSKEY",
        "WANDB_API_KEY",
        "encryption-key",
    ],
)
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_NAME",
        "MAX_TOKENS",
        "MAX_NEW_TOKENS",
        "MAX_TOTAL_TOKENS",
        "NUM_TOKENS",
        "TOKENIZER",
        "TOKENIZER_NAME",
        "TOKEN_PATH",
        "TOKEN_FILE",
        "PASSWORD_FILE",
        "DB_PASSWORD_FILE",
        "SECRET_ARN",
        "AWS_ACCESS_KEY_ID",
        "OAUTH2_PROXY_CLIENT_ID",
        "TOKEN_TTL",
        "SECRET_NAMESPACE",
        "CERTS_SECRET_NAME",
        "PWD",
        "OLDPWD",
        "KEY",
        "CACHE_KEY",
        "PARTITION_KEY",
        "ALLOW_EMPTY_PASSWORD",
        "RAY_ENABLE_K8S_TOKEN_AUTH",
        "ENABLE_SECRET_INFORMER_FILTERING_BY_CERT_UID",
        "GF_AUTH_ANONYMOUS_ENABLED",
        "PASS_DEVICE_SPECS",
        "SECRET_KEY_REF",
        "TOKEN_AUDIENCE",
        "MODEL_NAME",
        "PATH",
    ],
)
def test_non_credential_names(name: str) -> None:
    assert not is_credential_name(name)


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
        ("ghp_" + "a" * 36, "a GitHub token"),
        ("hf_" + "A" * 34, "a Hugging Face token"),
        ("sk-proj-" + "x" * 40, "an OpenAI-style API key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMII...", "a PEM private key"),
        ("postgres://app:s3cret@db:5432/app", "a URL with a password"),
        ("https://example.com/path", None),
        ("postgres://db:5432/app", None),
        ("512", None),
    ],
)
def test_token_shapes(value: str, what: str | None) -> None:
    assert token_shape(value) == what


def env_findings(env: list[dict], env_from: list[dict] | None = None) -> list[tuple[str, str]]:
    container = {"name": "main", "image": "x", "env": env, "securityContext": {"allowPrivilegeEscalation": False}}
    if env_from:
        container["envFrom"] = env_from
    report = audit_objects([deployment("a", containers=[container])], scope="credentials")
    return [(f.check_id, f.message.split(": ", 1)[1]) for f in report.findings]


def test_literal_is_critical_secret_ref_is_low_and_references_are_neither() -> None:
    found = env_findings(
        [
            {"name": "DB_PASSWORD", "value": "hunter2"},
            {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}},
            {"name": "API_KEY", "value": "$(OTHER)"},
            {"name": "EMPTY_SECRET", "value": ""},
            {"name": "USE_TOKEN", "value": "true"},
            {"name": "SECRET_NAME", "value": "hf"},
            {"name": "MAX_TOKENS", "value": "4096"},
            {"name": "CONN", "value": "redis://:pa55@redis:6379"},
            {"name": "NOTE", "value": "AKIAIOSFODNN7EXAMPLE"},
            {"name": "TOKEN_FROM_CONFIG", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}},
        ],
        env_from=[{"secretRef": {"name": "bulk"}}, {"configMapRef": {"name": "cfg"}}],
    )
    assert sorted(found) == sorted(
        [
            ("ZT-CRED-001", "env DB_PASSWORD: literal value (7 characters) in the manifest"),
            ("ZT-CRED-002", "env HF_TOKEN from Secret hf key token"),
            ("ZT-CRED-001", "env CONN: value looks like a URL with a password (24 characters) in the manifest"),
            ("ZT-CRED-001", "env NOTE: value looks like an AWS access key id (20 characters) in the manifest"),
            ("ZT-CRED-002", "every key of Secret bulk as environment variables (envFrom)"),
        ]
    )


def test_init_and_ephemeral_containers_are_checked() -> None:
    leak = [{"name": "X", "image": "x", "env": [{"name": "API_TOKEN", "value": "abc"}]}]
    obj = deployment("a", initContainers=leak, ephemeralContainers=[{**leak[0], "name": "Y"}])
    report = audit_objects([obj], scope="credentials")
    assert sorted(f.container for f in report.findings) == ["X", "Y"]


def test_service_account_and_secret_checks() -> None:
    objs = [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "trainer",
                "namespace": "ml",
                "annotations": {"iam.gke.io/gcp-service-account": "trainer@p.iam.gserviceaccount.com"},
            },
            "secrets": [{"name": "trainer-token-abcde"}],
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "plain", "namespace": "ml"}},
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": {
                "name": "trainer-token-abcde",
                "namespace": "ml",
                "annotations": {"kubernetes.io/service-account.name": "trainer"},
            },
        },
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "other", "namespace": "ml"}},
    ]
    report = audit_objects(objs, scope="credentials")
    assert sorted((f.check_id, f.kind, f.name) for f in report.findings) == [
        ("ZT-CRED-003", "ServiceAccount", "trainer"),
        ("ZT-CRED-004", "Secret", "trainer-token-abcde"),
        ("ZT-CRED-005", "ServiceAccount", "trainer"),
    ]
    wi = next(f for f in report.findings if f.check_id == "ZT-CRED-005")
    assert wi.severity.value == "INFO" and "GKE Workload Identity" in wi.message
