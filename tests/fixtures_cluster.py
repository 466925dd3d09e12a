"""Cluster fixtures: written by the devcluster work (issue 2)."""
