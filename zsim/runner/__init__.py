"""Expanding experiments into runs, executing them, and storing the results."""
