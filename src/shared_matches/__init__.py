"""Shared match warehouse: migrate per-player Halo Infinite stats DBs into one DuckDB."""

__version__ = "0.1.0"
