{{
    config(
        unique_key=['match_id', 'player_xuid'],
        incremental_strategy='merge',
        merge_exclude_columns=['match_id', 'player_xuid'],
    )
}}

-- Which tracked player has which match, with that player's copy of the match-level facts.
-- The registry is rebuilt from these rows, so player_count is derived, never incremented.
with match_copies as (
    select * from {{ ref('int_match_copies_enriched') }}
)

select * from match_copies
