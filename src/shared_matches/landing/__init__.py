"""The landing store: every Halo API response a sync downloads, kept as received.

``$HALO_DATA_DIR/landing/halo_api.duckdb`` is append-only. The dbt source ``halo_api``
reads it (attached read-only as ``landing``) and the staging models under
``models/staging/halo_api`` parse the JSON in SQL.

Modules: ``schema`` (the tables), ``responses`` (what one landed response is, and the fields
each kind must carry), ``films`` (decoding a highlight-events chunk), ``store`` (writing:
one transaction per match) and ``recorded`` (a directory of recorded responses).
"""
