"""mTLS 1.3 over loopback with X.509-SVIDs: handshake CPU (full and resumed) and bulk throughput.

Both ends run in this process with Python's ``ssl``: a server thread and the calling thread as client, each with
an X.509-SVID issued by a :class:`zsim.identity.ca.TrustDomainCA` (ECDSA P-256), each requiring the other's
certificate (``CERT_REQUIRED`` against the trust bundle, TLS 1.3 only) and checking the peer's SPIFFE ID.

**Handshake CPU** is read per connection from each thread's own CPU clock (``time.thread_time``, user +
system), from connect (or accept) to close, including the first application byte each way (which carries the
TLS 1.3 session tickets). The same exchange over plain TCP is measured too and its median is subtracted, so
``tls_*_handshake_cpu_s`` is the CPU one side spends on TLS per connection: the mean of client and server, as
the mtls control charges one such cost at each end. **Handshakes per second** are one client connecting
sequentially (wall time). **Bulk** throughput is one connection sending ``bulk_bytes`` in 1 MiB writes and
waiting for the receiver's one-byte acknowledgement, with TLS and without (:mod:`zsim.calibrate.tls_bulk`).
"""

from __future__ import annotations

import datetime as dt
import queue
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from zsim.calibrate.budget import Budget
from zsim.calibrate.stats import Row, Skip, skipped, summarise

TRUST_DOMAIN = "calibration.zsim"
SERVER_ID = f"spiffe://{TRUST_DOMAIN}/calibration/server"
CLIENT_ID = f"spiffe://{TRUST_DOMAIN}/calibration/client"
TIMEOUT_S = 10.0


def svid_pems() -> dict[str, bytes]:
    """PEMs of a fresh trust domain: ``bundle``, and ``server`` / ``client`` chains and ``*_key`` private keys."""
    from zsim.identity.ca import TrustDomainCA

    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca = TrustDomainCA.create(TRUST_DOMAIN, not_before=start)
    pems = {"bundle": ca.bundle_pem()}
    for side, spiffe_id in (("server", SERVER_ID), ("client", CLIENT_ID)):
        svid = ca.issue_x509_svid(spiffe_id, not_before=start)
        pems[side], pems[f"{side}_key"] = svid.chain_pem(), svid.key_pem()
    return pems


def context(side: str, pems: dict[str, bytes]) -> ssl.SSLContext:
    """A TLS 1.3-only context for ``side`` ("server" or "client") holding its SVID and requiring the peer's."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if side == "server" else ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with tempfile.TemporaryDirectory(prefix="zsim-calibrate-") as tmp:  # ssl loads certificates from files
        paths = {}
        for name in ("bundle", side, f"{side}_key"):
            paths[name] = Path(tmp) / f"{name}.pem"
            paths[name].write_bytes(pems[name])
        ctx.load_cert_chain(paths[side], paths[f"{side}_key"])
        ctx.load_verify_locations(paths["bundle"])
    ctx.check_hostname = False  # SVIDs name a SPIFFE ID, not a host: the peer's ID is checked instead
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    pems = svid_pems()
    return context("server", pems), context("client", pems)


def check_peer(sock: ssl.SSLSocket, expected: str) -> None:
    cert = sock.getpeercert() or {}
    uris = [v for k, v in cert.get("subjectAltName", ()) if k == "URI"]
    if uris != [expected]:
        raise RuntimeError(f"peer SPIFFE ID {uris} is not {expected}")


def nodelay(sock: socket.socket) -> socket.socket:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(TIMEOUT_S)
    return sock


def _listener() -> socket.socket:
    try:
        sock = socket.create_server(("127.0.0.1", 0))
    except OSError as exc:
        raise Skip(f"no loopback network ({exc})") from None
    sock.settimeout(0.05)  # the accept loop polls its stop flag this often
    return sock


@contextmanager
def _serve(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    """Accept connections on a loopback port in a thread, ``handle`` each; yields the port."""
    listener = _listener()
    stop = threading.Event()
    errors: list[BaseException] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                handle(nodelay(conn))
            except BaseException as exc:  # reported by the caller
                errors.append(exc)
                return

    thread = threading.Thread(target=loop, name="zsim-calibrate-server", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(TIMEOUT_S)
        listener.close()
    if errors:
        raise errors[0]


def _handshakes(
    port: int, ctx: ssl.SSLContext | None, n: int, server_cpu: queue.Queue[float], resume: bool
) -> tuple[list[float], list[float]]:
    """Connect ``n`` times; per connection (client + server CPU seconds, client wall seconds)."""
    session = None
    if resume:  # one full handshake to obtain a session ticket
        _, session = _connect(port, ctx, None)
        server_cpu.get(timeout=TIMEOUT_S)
    cpu, wall = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.thread_time()
        reused, _ = _connect(port, ctx, session)
        c1, t1 = time.thread_time(), time.perf_counter()
        if resume and not reused:
            raise Skip("the server did not resume the TLS 1.3 session")
        cpu.append(c1 - c0 + server_cpu.get(timeout=TIMEOUT_S))
        wall.append(t1 - t0)
    return cpu, wall


def _connect(
    port: int, ctx: ssl.SSLContext | None, session: ssl.SSLSession | None
) -> tuple[bool, ssl.SSLSession | None]:
    raw = nodelay(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S))
    if ctx is None:
        with raw:
            raw.recv(1)
            raw.sendall(b"c")
        return False, None
    with ctx.wrap_socket(raw, session=session) as sock:
        sock.recv(1)  # also reads the session tickets
        check_peer(sock, SERVER_ID)
        sock.sendall(b"c")
        return sock.session_reused, sock.session


def measure_handshakes(budget: Budget) -> list[Row]:
    server_ctx, client_ctx = _contexts()
    cpu_q: queue.Queue[float] = queue.Queue()

    def handle(conn: socket.socket, tls: bool) -> None:
        c0 = time.thread_time()
        if tls:
            with server_ctx.wrap_socket(conn, server_side=True) as sock:
                check_peer(sock, CLIENT_ID)
                sock.sendall(b"s")
                sock.recv(1)
        else:
            with conn:
                conn.sendall(b"s")
                conn.recv(1)
        cpu_q.put(time.thread_time() - c0)

    n = budget.handshakes
    with _serve(lambda c: handle(c, False)) as port:
        plain_cpu, _ = _handshakes(port, None, n, cpu_q, resume=False)
    with _serve(lambda c: handle(c, True)) as port:
        full_cpu, full_wall = _handshakes(port, client_ctx, n, cpu_q, resume=False)
        try:
            resumed = _handshakes(port, client_ctx, n, cpu_q, resume=True)
        except Skip as exc:
            resumed = exc
    tcp = float(np.median(plain_cpu)) / 2
    note = f"net of plain TCP connect + 1 byte each way ({tcp * 1e6:.0f} us per side)"
    rows = [
        summarise("tls_full_handshake_cpu_s", "s", [c / 2 - tcp for c in full_cpu], note),
        summarise("tls_full_handshakes_per_s", "1/s", [1 / w for w in full_wall]),
    ]
    if isinstance(resumed, Skip):
        reason = str(resumed)
        rows += [skipped("tls_resumed_handshake_cpu_s", "s", reason),
                 skipped("tls_resumed_handshakes_per_s", "1/s", reason)]
    else:
        rows += [summarise("tls_resumed_handshake_cpu_s", "s", [c / 2 - tcp for c in resumed[0]], note),
                 summarise("tls_resumed_handshakes_per_s", "1/s", [1 / w for w in resumed[1]])]
    return rows
