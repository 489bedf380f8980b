"""Queueing theory used to validate the fleet: Erlang C for M/M/c (M/M/1 is c = 1) and Little's law."""

from __future__ import annotations

import math


def erlang_c(servers: int, offered_erlangs: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load ``a = lambda / mu`` erlangs."""
    c, a = servers, offered_erlangs
    if a >= c:
        return 1.0
    # iterative Erlang B, then C = B / (1 - rho (1 - B)): stable for large c
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho * (1 - b))


def mmc_mean_wait_s(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in queue (before service) of M/M/c: ``C(c, a) / (c mu - lambda)``."""
    a = arrival_rate / service_rate
    if a >= servers:
        return math.inf
    return erlang_c(servers, a) / (servers * service_rate - arrival_rate)
