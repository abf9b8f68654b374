{{
    config(
        unique_key=['match_id', 'player_xuid'],
        incremental_strategy='merge',
        merge_exclude_columns=['match_id', 'player_xuid'],
    )
}}

-- Which tracked player has which match, with that player's copy of the match-level facts.
-- The registry is rebuilt from these rows, so player_count is derived, never incremented.
with all_copies as (
    select * from {{ ref('int_match_copies_enriched') }}
),

changed_matches as (
    select * from {{ ref('int_matches_changed') }}
),

-- depends_on: {{ ref('match_participants') }}, {{ ref('highlight_events') }}
-- (a copy is marked merged only once its roster and events are: a failed run is redone)
match_copies as (
    select all_copies.*
    from all_copies
    semi join changed_matches
        on all_copies.match_id = changed_matches.match_id
),

{% if is_incremental() %}
    existing as (
        {{ current_rows('match_copies', ['match_id', 'player_xuid']) }}
    ),

    changed as (
        {{ changed_rows('match_copies', 'existing', ['match_id', 'player_xuid']) }}
    ),
{% endif %}

final as (
    select * from {{ 'changed' if is_incremental() else 'match_copies' }}
)

select * from final
