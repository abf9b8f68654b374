-- Phase 5: match_participants, highlight_events and xuid_aliases are no longer tables in the
-- player DB (their rows live in the warehouse).
{{ config(tags=['checklist_phase5']) }}

with player_tables as (
    select table_name
    from duckdb_tables()
    where
        database_name = '{{ compat_player_catalog() }}'
        and schema_name = 'main'
),

still_tables as (
    select table_name || ' is still a table' as problem
    from player_tables
    where table_name in ('match_participants', 'highlight_events', 'xuid_aliases')
)

select * from still_tables
