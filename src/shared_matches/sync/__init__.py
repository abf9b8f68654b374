"""Sync a player's matches from the Halo Infinite API (the command: commands/sync.py).

Modules: ``api_client`` (spnkr client, retries, call counts), ``engine`` (the sync: history,
what the group lacks, landing, build), ``warehouse_lookup`` (known matches cost no API call),
``warehouse_build`` (the phase-3 build), ``player_rows`` (the player's rows from the
warehouse), ``summary``, ``benchmark`` (the plan's four-player scenario and backfill).
"""
