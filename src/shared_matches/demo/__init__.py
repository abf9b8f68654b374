"""Deterministic demo data: v4 player DBs that look like the real ones, mess included.

plan.py decides which matches exist and who holds which copy (small, seeded Python);
staging.py derives every event and stat once, set-based, in an in-memory DuckDB;
writer.py copies each player's slice into that player's DB with INSERT ... SELECT.
"""
