"""The migration benchmark: the dbt migration vs a one-pass SQL floor (see run.py)."""
