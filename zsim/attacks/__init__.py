"""Attack campaigns in simulated time: what each zero-trust control *buys*.

Modules (one job each):

* :mod:`~zsim.attacks.dists` — time-to-compromise and delay distributions (exponential, lognormal, fixed, MAL
  effort levels), sampled by inverse CDF so that common random numbers survive effort changes;
* :mod:`~zsim.attacks.platform` — the platform the attacker walks (components, tenants, nodes, credentials,
  network links, pipeline stages, background detection), the ``platform:`` section of a topology;
  :mod:`~zsim.attacks.generator` — synthetic platforms of any size; :mod:`~zsim.attacks.table` — a platform as
  arrays and component classes;
* :mod:`~zsim.attacks.schema` / :mod:`~zsim.attacks.loader` — the campaign YAML schema and its loader (with the
  packaged library in ``zsim/data/campaigns``); :mod:`~zsim.attacks.graph` — capability graph checks and plans;
  :mod:`~zsim.attacks.validate` — ``zsim attack-validate``;
* :mod:`~zsim.attacks.effects` — what a control can do to a step (block, raise effort, detect) and the
  :class:`~zsim.attacks.effects.StepContext` it judges; :mod:`~zsim.attacks.access` — the identity plane's policy;
* :mod:`~zsim.attacks.builder`, :mod:`~zsim.attacks.actions`, :mod:`~zsim.attacks.actions_nodes` — platform
  semantics of each action; :mod:`~zsim.attacks.compile` — a campaign on a platform under a control set → arrays;
* :mod:`~zsim.attacks.montecarlo` — the vectorised engine, with :mod:`~zsim.attacks.timing` (closed-form timing
  of tokens, renewals, pipeline windows, periodic checks); :mod:`~zsim.attacks.simpy_engine` — the simpy
  reference, where the attacker is a process beside the platform's processes;
* :mod:`~zsim.attacks.reachability` — static reachability, a separate code path used to check both;
* :mod:`~zsim.attacks.metrics`, :mod:`~zsim.attacks.runner`, :mod:`~zsim.attacks.report`,
  :mod:`~zsim.attacks.workload` (the ``attack`` experiment workload), :mod:`~zsim.attacks.cli`.

This package's ``__init__`` imports nothing so that :mod:`zsim.config.topology` can import the platform model
without pulling in the engines.
"""
