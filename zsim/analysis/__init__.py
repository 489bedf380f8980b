"""Aggregation with confidence intervals, paired overheads, tables and plots. Runs no simulations."""
