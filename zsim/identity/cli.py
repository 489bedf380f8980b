"""``zsim identity``: issue and verify SPIFFE X.509-SVIDs (thin commands over :mod:`zsim.identity.files`).

Exit codes: 0 valid (and allowed, when ``--target`` is given); 1 invalid or denied; 2 unreadable input.
The identity libraries (py-spiffe pulls in gRPC) are imported inside the commands, so that other ``zsim``
commands do not pay for them at start-up.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from zsim.errors import EXIT_BAD_INPUT, InputError

EXIT_OK, EXIT_DENIED = 0, 1

app = typer.Typer(
    name="identity",
    help="SPIFFE workload identities: issue X.509-SVIDs, verify them against a bundle and the access policy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _exit(code: int) -> NoReturn:
    # A plain SystemExit keeps its code under CliRunner and under ``app(standalone_mode=False)`` alike.
    raise SystemExit(code)


def _bad_input(exc: InputError) -> NoReturn:
    print(f"error: {exc}", file=sys.stderr)
    _exit(EXIT_BAD_INPUT)


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


@app.command("issue")
def issue_command(
    trust_domain: Annotated[str, typer.Option("--trust-domain", help="Trust domain, e.g. ai-platform.")],
    workload_id: Annotated[str, typer.Option("--id", help="Workload path (/training/job-1) or SPIFFE ID.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for svid.pem, svid_key.pem, bundle.pem.")],
    ttl: Annotated[str, typer.Option("--ttl", help="SVID lifetime, e.g. 1h, 30m.")] = "1h",
    ca_dir: Annotated[Path | None, typer.Option("--ca-dir", help="Reuse (or create and keep) the CA here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files in --out.")] = False,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Issue an X.509-SVID: writes the SVID, its private key (mode 0600) and the trust bundle."""
    from zsim.identity.files import issue_to_dir, parse_duration_option

    try:
        result = issue_to_dir(
            trust_domain=trust_domain,
            workload_id=workload_id,
            ttl_s=parse_duration_option(ttl, option="--ttl"),
            out_dir=out,
            ca_dir=ca_dir,
            overwrite=force,
        )
    except InputError as exc:
        _bad_input(exc)
    if output is OutputFormat.json:
        _print_json(result.to_dict())
    else:
        info = result.to_dict()
        typer.echo(f"issued {info['spiffe_id']}")
        typer.echo(f"  valid   {info['not_before']} .. {info['not_after']}")
        typer.echo(f"  svid    {info['svid']}")
        typer.echo(f"  key     {info['key']} (0600)")
        typer.echo(f"  bundle  {info['bundle']}")
    _exit(EXIT_OK)


@app.command("verify")
def verify_command(
    cert: Annotated[Path, typer.Argument(help="PEM file with the SVID (leaf first, then any intermediates).")],
    bundle: Annotated[Path, typer.Option("--bundle", help="PEM trust bundle of the trust domain.")],
    target: Annotated[str | None, typer.Option("--target", help="Component to authorize access to.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Check time: ISO 8601, now, now+2h, -30m.")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="Policy YAML (default: packaged).")] = None,
    trust_domain: Annotated[
        str | None, typer.Option("--trust-domain", help="Bundle's trust domain (default: from the bundle).")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = OutputFormat.text,
) -> None:
    """Verify an SVID and print the decision, the reason and the parsed identity."""
    from zsim.identity.files import parse_time, verify_files

    try:
        when = parse_time(at, now=dt.datetime.now(dt.UTC)) if at is not None else None
        report = verify_files(cert, bundle, target=target, at=when, policy=policy, trust_domain=trust_domain)
    except InputError as exc:
        _bad_input(exc)
    if output is OutputFormat.json:
        _print_json(report.to_dict())
    else:
        d = report.decision
        if report.target is None:
            typer.echo(f"decision: {'valid' if report.ok else 'invalid'}")
        else:
            typer.echo(f"decision: {'allow' if report.ok else 'deny'} ({report.target})")
        typer.echo(f"valid:    {'yes' if report.credential_valid else 'no'}")
        typer.echo(f"code:     {d.code}")
        typer.echo(f"reason:   {d.reason}")
        typer.echo(f"checked:  {report.to_dict()['checked_at']} against trust domain {report.trust_domain}")
        if report.identity is not None:
            ident = report.identity
            typer.echo(f"identity: {ident['spiffe_id']}")
            typer.echo(f"  component {ident['component'] or '-'}, tenant {ident['tenant'] or '-'}")
            typer.echo(f"  valid     {ident['not_before']} .. {ident['not_after']}")
            typer.echo(f"  serial    {ident['serial']}")
            typer.echo(f"  sha256    {ident['fingerprint_sha256']}")
    _exit(EXIT_OK if report.ok else EXIT_DENIED)
