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
