"""Zero-trust controls: one module per control (parameters, costs, hooks, attack effects).

Importing this package registers every built-in control. To add one, write a module beside these and add its
import below (see ``docs/extending.md``).
"""

from zsim.controls import authz, mtls, tokens  # noqa: F401  (registration side effect)
