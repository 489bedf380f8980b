"""Engine: builds one simpy Environment per run from a RunSpec, runs the workloads, returns records."""
