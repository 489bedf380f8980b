"""Imports every built-in workload model so that it registers itself (one line per model)."""

import zsim.attacks.drift  # noqa: F401  (posture drift: exceptions, joins and tests over months)
from zsim.attacks import workload  # noqa: F401  (the attack workload: campaigns inside experiments)
from zsim.platform import (
    fleet,  # noqa: F401
    nccl_tests,  # noqa: F401  (the nccl-tests workload, beside training)
    pipeline,  # noqa: F401
    training,  # noqa: F401
)
