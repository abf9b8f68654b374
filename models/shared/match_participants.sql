{%- set value_columns = [
    'team_id', 'outcome', 'gamertag', 'rank', 'score', 'personal_score', 'kills', 'deaths',
    'assists', 'shots_fired', 'shots_hit', 'damage_dealt', 'damage_taken', 'avg_life_seconds',
    'kda', 'accuracy', 'headshot_kills', 'grenade_kills', 'melee_kills', 'power_weapon_kills',
    'max_killing_spree', 'time_played_seconds', 'is_present_at_end', 'team_mmr', 'enemy_mmr',
    'kills_expected', 'kills_stddev', 'deaths_expected', 'deaths_stddev', 'assists_expected',
    'assists_stddev',
] -%}
{%- set priority_columns = ['is_owner_row', 'source_updated_at', 'source_player_xuid'] -%}
{{
    config(
        unique_key=['match_id', 'xuid'],
        incremental_strategy='stage',
    )
}}

-- The roster of every match, once. Each column keeps a non-NULL value over NULL; between two
-- values the participant's own row wins (their own DB's copy, or the API), then the most
-- recently updated copy, then the copy's xuid. A run holds one copy per match, so each
-- incoming row meets at most one current row.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

participants as (
    select * from {{ ref('int_participants_unioned') }}
),

incoming as (
    select participants.*
    from participants
    semi join batch_matches
        on participants.match_id = batch_matches.match_id
    qualify row_number() over (
        partition by participants.match_id, participants.xuid
        order by
            participants.is_owner_row desc,
            participants.source_updated_at desc nulls last,
            participants.source_player_xuid desc nulls last
    ) = 1
),

current_rows as (
    {{ current_rows_of_batch('incoming') }}
),

staged as (
    {{ merge_with_current(['match_id', 'xuid'], value_columns, priority_columns) }}
)

select * from staged
