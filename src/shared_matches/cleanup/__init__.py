"""Phase 5: the cleanup of a player DB and its way back.

- ``steps``: the cleanup itself (gate, backup, swap of tables for views, checklist, rewrite),
  its dry run and ``--verify``;
- ``backup``: verified backups (manifest, modes, reuse of an identical one);
- ``restore``: a backup put back, and the matches synced since written again;
- ``state``: which state a player DB is in (original, cleaned, or neither);
- ``sizes``: disk space before and after.
"""
