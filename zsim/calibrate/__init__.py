"""Calibration: microbenchmarks of the real operations behind zsim's cost fields, turned into a cost profile.

``zsim calibrate [--quick] [--out FILE]`` measures on this machine, with the real libraries, every operation a
control's cost stands for (see ``docs/calibration.md``):

* :mod:`~zsim.calibrate.tls`, :mod:`~zsim.calibrate.tls_bulk` — mTLS 1.3 with X.509-SVIDs over loopback: full and
  resumed handshakes, bulk throughput against plain TCP;
* :mod:`~zsim.calibrate.crypto` — AES-256-GCM, ChaCha20-Poly1305, SHA-256, ECDSA P-256 and Ed25519;
* :mod:`~zsim.calibrate.hashing` — ``model_signing`` sharded hashing;
* :mod:`~zsim.calibrate.identity_rows` — SVID issue / verify, JWT-SVID validation and policy decisions, collected
  from :mod:`zsim.identity.calibrate`;

then maps the medians onto cost fields through the one table in :mod:`~zsim.calibrate.mapping` and writes a
profile (:mod:`~zsim.calibrate.run`, :mod:`~zsim.calibrate.profile`). Also here: the default profile
(:mod:`~zsim.calibrate.default_profile`) and the benchmark regression gate (:mod:`~zsim.calibrate.benchgate`).
Nothing here runs inside the event loop.
"""
