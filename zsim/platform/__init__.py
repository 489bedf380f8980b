"""Platform components: fleet, network, training cluster, registry and pipeline. They see controls only
through the hook interface in :mod:`zsim.controls.base`."""
