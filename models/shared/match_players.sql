{%- set value_columns = [
    'player_gamertag', 'source_kind', 'team_id', 'start_time', 'end_time',
    'duration_seconds', 'playlist_id', 'playlist_name', 'map_id', 'map_name', 'pair_id',
    'pair_name', 'game_variant_id', 'game_variant_name', 'mode_category', 'is_ranked',
    'is_firefight', 'backfill_completed', 'film_state',
] -%}
{{
    config(
        unique_key=['match_id', 'player_xuid'],
        incremental_strategy='stage',
    )
}}

-- Which tracked player has which match (one row per copy), with that copy's match-level
-- facts: match_registry is rebuilt from these rows, so player_count is derived, never
-- incremented, and any re-run is idempotent. Per column a non-NULL value wins, then the most
-- recently updated copy (a copy that a sync wrote into a player DB, migrated again, keeps the
-- API's duration); first_synced_at stays the earliest any build saw.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

copies as (
    select * from {{ ref('int_match_copies_unioned') }}
),

incoming as (
    select copies.*
    from copies
    semi join batch_matches
        on copies.match_id = batch_matches.match_id
    where copies.player_xuid is not null
    qualify row_number() over (
        partition by copies.match_id, copies.player_xuid
        order by copies.copy_updated_at desc nulls last, copies.source_kind asc
    ) = 1
),

current_rows as (
    {{ current_rows_of_batch('incoming') }}
),

staged as (
    {{ merge_with_current(
        ['match_id', 'player_xuid'], value_columns, ['copy_updated_at'], ['first_synced_at']
    ) }}
)

select * from staged
