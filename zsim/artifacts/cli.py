"""``zsim artifacts``: make trust domains and signer identities, sign and verify real artifact folders.

Exit codes: 0 verified (or done), 1 verification failed (the reason is printed), 2 bad input (a missing key,
certificate, bundle or folder). Run as ``python -m zsim.artifacts`` or, once added to the main CLI, as
``zsim artifacts``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zsim.artifacts.api import sign_artifact, verify_artifact
from zsim.artifacts.trust import TrustDomainCA, check_spiffe_id, trust_domain_of
from zsim.cli_support import run_typer
from zsim.errors import InputError

app = typer.Typer(
    name="artifacts",
    help="Sign and verify real model artifacts (model_signing or cryptography).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("identity")
def identity(
    spiffe_id: Annotated[
        str, typer.Argument(help="signer, e.g. spiffe://example.org/acme/pipeline/register")
    ],
    out: Annotated[Path, typer.Option(help="folder for the trust bundle and the signer's key/cert")],
    key_type: Annotated[str, typer.Option(help="ecdsa-p256 or ed25519")] = "ecdsa-p256",
) -> None:
    """Create a trust-domain CA and issue one code-signing identity in it (trust-bundle.pem, signer.*)."""
    spiffe_id = check_spiffe_id(spiffe_id, field="spiffe_id")
    if key_type not in ("ecdsa-p256", "ed25519"):
        raise InputError(f"unknown key type {key_type!r} (use ecdsa-p256 or ed25519)", field="key_type")
    ca = TrustDomainCA.create(trust_domain_of(spiffe_id))
    ca.write_bundle(out / "trust-bundle.pem")
    paths = ca.issue(spiffe_id, key_type=key_type).write(out)  # type: ignore[arg-type]
    for name, path in sorted(paths.items()):
        typer.echo(f"{name}: {path}")
    typer.echo(f"trust bundle: {out / 'trust-bundle.pem'}")


@app.command("sign")
def sign(
    model_dir: Annotated[Path, typer.Argument(help="artifact folder")],
    key: Annotated[Path, typer.Option(help="signing key (PEM)")],
    signature: Annotated[Path, typer.Option(help="bundle to write")],
    cert: Annotated[Path | None, typer.Option(help="signer certificate (carries the SPIFFE ID)")] = None,
    chain: Annotated[list[Path] | None, typer.Option(help="issuing CA certificates")] = None,
    format: Annotated[str, typer.Option(help="model_signing or native")] = "model_signing",
    shard_bytes: Annotated[int, typer.Option(help="hashing shard size")] = 1_000_000_000,
) -> None:
    """Sign an artifact folder."""
    if format not in ("model_signing", "native"):
        raise InputError(f"unknown signature format {format!r} (use model_signing or native)", field="format")
    out = sign_artifact(
        model_dir,
        signature,
        key=key,
        cert=cert,
        chain=tuple(chain or ()),
        format=format,  # type: ignore[arg-type]
        shard_bytes=shard_bytes,
    )
    typer.echo(f"signed {model_dir} -> {out}")


@app.command("verify")
def verify(
    model_dir: Annotated[Path, typer.Argument(help="artifact folder")],
    signature: Annotated[Path, typer.Option(help="signature bundle")],
    trust: Annotated[Path | None, typer.Option(help="trust bundle (CA PEM) or public key")] = None,
    mode: Annotated[str, typer.Option(help="signature or hash")] = "signature",
    trust_domain: Annotated[str | None, typer.Option(help="required signer trust domain")] = None,
    signer: Annotated[str | None, typer.Option(help="the only SPIFFE ID allowed to sign")] = None,
) -> None:
    """Verify an artifact folder; exit 1 with the reason when the check fails."""
    result = verify_artifact(
        model_dir,
        signature,
        trust=trust,
        mode=mode,
        trust_domain=trust_domain,  # type: ignore[arg-type]
        expected_signer=signer,
    )
    if result.ok:
        typer.echo(
            f"ok: {model_dir} verified ({result.mode}){' by ' + result.signer if result.signer else ''}"
        )
        return
    typer.echo(f"FAILED {result.reason.value}: {result.detail}", err=True)
    for p in result.problems[1:]:
        typer.echo(f"  also {p.reason.value}: {p.detail}", err=True)
    raise typer.Exit(1)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; bad input is one line on stderr and exit code 2, never a traceback."""
    return run_typer(app, argv)
