"""Bulk throughput over loopback, mTLS 1.3 with X.509-SVIDs and plain TCP, sender and receiver in two processes.

The receiver runs in a child process (``spawn``: no fork of a threaded parent) with its own SVID, as a real peer
would; two threads of one interpreter would share the GIL and halve the figure. One connection per mode carries
``repeats`` samples: the sender writes ``bulk_bytes`` in 1 MiB writes and waits for the receiver's one-byte
acknowledgement that it read them all. Rows: ``tls_bulk_Bps`` and ``plain_bulk_Bps``.
"""

from __future__ import annotations

import multiprocessing as mp
import socket
import time
from typing import Any

from zsim.calibrate.budget import Budget
from zsim.calibrate.stats import Row, summarise
from zsim.calibrate.tls import CLIENT_ID, SERVER_ID, TIMEOUT_S, check_peer, context, nodelay, svid_pems

CHUNK = 1 << 20
MODES = ("tls", "plain")


def _receive(pems: dict[str, bytes], total: int, repeats: int, ports: Any) -> None:
    """Child process: for each mode, accept one connection and acknowledge every ``total`` bytes read."""
    server_ctx = context("server", pems)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(4 * TIMEOUT_S)
    ports.put(listener.getsockname()[1])
    buf = bytearray(1 << 18)
    with listener:
        for mode in MODES:
            conn, _ = listener.accept()
            sock = nodelay(conn)
            if mode == "tls":
                sock = server_ctx.wrap_socket(sock, server_side=True)
                check_peer(sock, CLIENT_ID)
            with sock:
                for _ in range(repeats):
                    got = 0
                    while got < total:
                        n = sock.recv_into(buf)
                        if n == 0:
                            return
                        got += n
                    sock.sendall(b"k")


def _send(port: int, client_ctx: Any, total: int, repeats: int) -> list[float]:
    raw = nodelay(socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S))
    sock = raw
    if client_ctx is not None:
        sock = client_ctx.wrap_socket(raw)
        check_peer(sock, SERVER_ID)
    data = bytes(CHUNK)
    samples = []
    with sock:
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(total // CHUNK):
                sock.sendall(data)
            if sock.recv(1) != b"k":
                raise RuntimeError("bulk receiver did not acknowledge")
            samples.append(total / (time.perf_counter() - t0))
    return samples


def measure_bulk(budget: Budget) -> list[Row]:
    pems = svid_pems()
    total = max(CHUNK, budget.bulk_bytes // CHUNK * CHUNK)
    spawn = mp.get_context("spawn")
    ports = spawn.Queue()
    child = spawn.Process(target=_receive, args=(pems, total, budget.repeats, ports), daemon=True,
                          name="zsim-calibrate-receiver")
    child.start()
    try:
        port = ports.get(timeout=60)  # the child imports zsim first
        tls = _send(port, context("client", pems), total, budget.repeats)
        plain = _send(port, None, total, budget.repeats)
    finally:
        child.join(TIMEOUT_S)
        if child.is_alive():
            child.kill()
            child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"bulk receiver exited with code {child.exitcode}")
    note = "receiver in a separate process"
    return [summarise("tls_bulk_Bps", "B/s", tls, note), summarise("plain_bulk_Bps", "B/s", plain, note)]
