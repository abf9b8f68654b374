{%- set value_columns = ['team_score'] -%}
{%- set priority_columns = ['source_updated_at', 'source_player_xuid'] -%}
{{
    config(
        unique_key=['match_id', 'team_id'],
        incremental_strategy='stage',
    )
}}

-- The score of every team of a match, by team id (two teams or many: FFA, infection). A
-- non-NULL score wins, then the most recently updated copy. match_registry's team_0_score /
-- team_1_score and each player's "my team" / "enemy team" scores come from here.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

teams as (
    select * from {{ ref('int_teams_unioned') }}
),

incoming as (
    select teams.*
    from teams
    semi join batch_matches
        on teams.match_id = batch_matches.match_id
    qualify row_number() over (
        partition by teams.match_id, teams.team_id
        order by teams.source_updated_at desc nulls last, teams.source_player_xuid desc nulls last
    ) = 1
),

current_rows as (
    {{ current_rows_of_batch('incoming') }}
),

staged as (
    {{ merge_with_current(['match_id', 'team_id'], value_columns, priority_columns) }}
)

select * from staged
