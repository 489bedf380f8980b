"""``zsim audit``: thin typer commands over :mod:`zsim.audit` (see ``docs/audit.md``).

Exit codes: 0 when no finding is at or above ``--fail-on``; 1 when some are (with ``--compliance``: when a line
is [FAIL]); 2 for bad input (missing path, bad option, kubectl failing), with one ``error:`` line on stderr.
"""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from zsim.audit.compliance import all_pass, compliance_lines
from zsim.audit.k8s import Scope, audit_cluster, audit_manifests
from zsim.audit.kubectl import DEFAULT_TIMEOUT_S
from zsim.audit.mesh import DEFAULT_ROOT_NAMESPACE
from zsim.audit.model import AuditReport, Severity
from zsim.audit.pipeline import audit_pipeline
from zsim.audit.posture import write_posture
from zsim.audit.render import print_table, to_json
from zsim.audit.sarif import to_sarif
from zsim.audit.signing import key_paths
from zsim.errors import EXIT_BAD_INPUT, InputError
from zsim.fsutil import write_text_atomic

app = typer.Typer(
    name="audit",
    help="Audit Kubernetes manifests or a live cluster, pipeline run folders and credentials for zero-trust gaps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    none = "none"


FORMAT_OPT = typer.Option(OutputFormat.table, "--format", "-f", case_sensitive=False, help="table, json or sarif.")
OUTPUT_OPT = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout.")
FAIL_ON_OPT = typer.Option(
    FailOn.high,
    "--fail-on",
    case_sensitive=False,
    help="Exit 1 when a finding is at or above this severity ('none': never).",
)


def _bad_input(exc: InputError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    if output.is_dir():
        raise InputError("is a folder, expected a file name for the report", file=output)
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputError("folder for the report does not exist", file=output)
    write_text_atomic(output, text)


def emit(report: AuditReport, fmt: OutputFormat, output: Path | None) -> None:
    if fmt == OutputFormat.json:
        _write(to_json(report), output)
    elif fmt == OutputFormat.sarif:
        _write(to_sarif(report), output)
    elif output is None:
        print_table(report, Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160))
    else:
        console = Console(record=True, file=io.StringIO(), width=160)
        print_table(report, console)
        _write(console.export_text(), output)


def exit_code(report: AuditReport, fail_on: FailOn) -> int:
    if fail_on == FailOn.none:
        return 0
    return 1 if report.at_or_above(Severity.parse(fail_on.value)) else 0


@app.command("k8s")
def k8s(
    paths: list[Path] = typer.Argument(None, help="Manifest files or folders (YAML, JSON, List, kubectl dumps)."),
    kubectl: bool = typer.Option(False, "--kubectl", help="Read the live cluster with kubectl instead of files."),
    namespace: str | None = typer.Option(None, "--namespace", "-n", help="With --kubectl: audit one namespace."),
    kubectl_timeout_s: float = typer.Option(
        DEFAULT_TIMEOUT_S, "--kubectl-timeout", min=0.1, help="Seconds allowed for each kubectl call."
    ),
    fmt: OutputFormat = FORMAT_OPT,
    output: Path | None = OUTPUT_OPT,
    fail_on: FailOn = FAIL_ON_OPT,
    emit_posture: Path | None = typer.Option(
        None, "--emit-posture", help="Write the findings as a tier (controls) YAML file."
    ),
    posture_name: str | None = typer.Option(None, "--posture-name", help="Tier name in the posture file."),
    compliance: bool = typer.Option(False, "--compliance", help="Print the five [PASS]/[FAIL] lines only."),
    mesh_root_namespace: str = typer.Option(
        DEFAULT_ROOT_NAMESPACE,
        "--mesh-root-namespace",
        help="Istio root namespace (mesh-wide PeerAuthentication).",
    ),
    max_file_mb: float = typer.Option(32.0, "--max-file-mb", min=0.001, help="Larger files are skipped."),
) -> None:
    """Audit Kubernetes manifests (or the live cluster) for zero-trust gaps."""
    try:
        report = _k8s_report(
            paths or [], "k8s", kubectl, namespace, kubectl_timeout_s, mesh_root_namespace, max_file_mb
        )
        if emit_posture is not None:
            write_posture(report, emit_posture, name=posture_name)
        if compliance:
            lines = compliance_lines(report)
            _write("\n".join(lines) + "\n", output)
            raise typer.Exit(0 if all_pass(lines) else 1)
        emit(report, fmt, output)
    except InputError as exc:
        raise _bad_input(exc) from None
    raise typer.Exit(exit_code(report, fail_on))


@app.command("credentials")
def credentials(
    paths: list[Path] = typer.Argument(None, help="Manifest files or folders."),
    kubectl: bool = typer.Option(False, "--kubectl", help="Read the live cluster with kubectl instead of files."),
    namespace: str | None = typer.Option(None, "--namespace", "-n", help="With --kubectl: audit one namespace."),
    kubectl_timeout_s: float = typer.Option(DEFAULT_TIMEOUT_S, "--kubectl-timeout", min=0.1),
    fmt: OutputFormat = FORMAT_OPT,
    output: Path | None = OUTPUT_OPT,
    fail_on: FailOn = FAIL_ON_OPT,
    max_file_mb: float = typer.Option(32.0, "--max-file-mb", min=0.001),
) -> None:
    """Credential audit: env credentials, ServiceAccount secrets, legacy tokens, workload identity."""
    try:
        report = _k8s_report(
            paths or [],
            "credentials",
            kubectl,
            namespace,
            kubectl_timeout_s,
            DEFAULT_ROOT_NAMESPACE,
            max_file_mb,
        )
        emit(report, fmt, output)
    except InputError as exc:
        raise _bad_input(exc) from None
    raise typer.Exit(exit_code(report, fail_on))


def _k8s_report(
    paths: list[Path],
    scope: Scope,
    kubectl: bool,
    namespace: str | None,
    timeout_s: float,
    mesh_root: str,
    max_file_mb: float,
) -> AuditReport:
    if kubectl and paths:
        raise InputError("give PATHs or --kubectl, not both", field="PATH")
    if namespace is not None and not kubectl:
        raise InputError("--namespace needs --kubectl (manifests carry their own namespaces)")
    if kubectl:
        return audit_cluster(
            namespace=namespace,
            scope=scope,
            timeout_s=timeout_s,
            mesh_root_namespace=mesh_root,
        )
    if not paths:
        raise InputError("give at least one manifest file or folder, or --kubectl", field="PATH")
    return audit_manifests(
        paths,
        scope=scope,
        mesh_root_namespace=mesh_root,
        max_file_bytes=int(max_file_mb * 2**20),
    )


@app.command("pipeline")
def pipeline(
    run_dir: Path = typer.Argument(..., help="A pipeline run folder."),
    public_key: Path | None = typer.Option(None, "--public-key", help="PEM public key to verify model signatures."),
    certificate: list[Path] = typer.Option(
        [], "--certificate", help="Certificate chain (PEM) to verify model signatures; repeatable."
    ),
    fmt: OutputFormat = FORMAT_OPT,
    output: Path | None = OUTPUT_OPT,
    fail_on: FailOn = FAIL_ON_OPT,
) -> None:
    """Audit a pipeline run folder: hashes, signatures, model-signing bundles, credentials, path escapes."""
    try:
        report = audit_pipeline(run_dir, verifier=key_paths(public_key, certificate))
        emit(report, fmt, output)
    except InputError as exc:
        raise _bad_input(exc) from None
    raise typer.Exit(exit_code(report, fail_on))
