{%- set merged_columns = [
    'start_time', 'end_time', 'playlist_id', 'playlist_name', 'map_id', 'map_name',
    'pair_id', 'pair_name', 'game_variant_id', 'game_variant_name', 'mode_category',
    'is_ranked', 'is_firefight', 'film_state',
] -%}
{%- set priority = "{'copy_updated_at': copies.copy_updated_at, 'player_xuid': copies.player_xuid}" -%}
{%- set first_copy = "{'first_synced_at': copies.first_synced_at, 'player_xuid': copies.player_xuid}" -%}
{{
    config(
        unique_key='match_id',
        incremental_strategy='stage',
    )
}}

-- One row per match, rebuilt (for this run's matches) from every copy in match_players as
-- this run publishes it: per column a non-NULL value wins, then the most recently updated
-- copy; backfill bits ORed; player_count counted; first_sync_* from the earliest copy; team
-- scores by team id from match_teams; duration_seconds the API's match duration where a copy
-- came from the landing, else the longest time any participant played; the loaded flags say
-- whether the warehouse holds the match's roster / events.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

match_players as (
    select * from {{ published(ref('match_players')) }}
),

match_teams as (
    select * from {{ published(ref('match_teams')) }}
),

participants as (
    select * from {{ published(ref('match_participants')) }}
),

events as (
    select * from {{ published(ref('highlight_events')) }}
),

copies as (
    select match_players.*
    from match_players
    semi join batch_matches
        on match_players.match_id = batch_matches.match_id
),

merged as (
    select
        copies.match_id,
        {%- for column in merged_columns %}
            arg_max(copies.{{ column }}, {{ priority }}) filter (where copies.{{ column }} is not null)
                as {{ column }},
        {%- endfor %}
        max(copies.duration_seconds) as api_duration_seconds,
        bit_or(coalesce(copies.backfill_completed, 0)) as backfill_completed,
        arg_min(copies.player_gamertag, {{ first_copy }}) as first_sync_by,
        arg_min(copies.player_xuid, {{ first_copy }}) as first_sync_by_xuid,
        min(copies.first_synced_at) as first_sync_at,
        cast(count(*) as smallint) as player_count,
        min(copies.first_synced_at) as created_at,
        max(copies.copy_updated_at) as updated_at
    from copies
    group by copies.match_id
),

team_scores as (
    select
        match_teams.match_id,
        max(match_teams.team_score) filter (
            where match_teams.team_id = {{ var('first_team_id') }}
        ) as team_0_score,
        max(match_teams.team_score) filter (
            where match_teams.team_id = {{ var('second_team_id') }}
        ) as team_1_score
    from match_teams
    semi join batch_matches
        on match_teams.match_id = batch_matches.match_id
    group by match_teams.match_id
),

rosters as (
    select
        participants.match_id,
        max(participants.time_played_seconds) as longest_time_played
    from participants
    semi join batch_matches
        on participants.match_id = batch_matches.match_id
    group by participants.match_id
),

matches_with_events as (
    select distinct events.match_id
    from events
    semi join batch_matches
        on events.match_id = batch_matches.match_id
),

flagged as (
    select
        merged.* exclude (merged.api_duration_seconds),
        team_scores.team_0_score,
        team_scores.team_1_score,
        coalesce(merged.api_duration_seconds, rosters.longest_time_played) as duration_seconds,
        rosters.match_id is not null as participants_loaded,
        matches_with_events.match_id is not null as events_loaded
    from merged
    left join team_scores
        on merged.match_id = team_scores.match_id
    left join rosters
        on merged.match_id = rosters.match_id
    left join matches_with_events
        on merged.match_id = matches_with_events.match_id
),

current_rows as (
    {{ current_rows_of_batch('flagged') }}
),

staged as (
    select flagged.*
    from flagged
    left join current_rows
        on flagged.match_id = current_rows.match_id
    where
        current_rows.match_id is null
        {%- for column in merged_columns + [
            'backfill_completed', 'first_sync_by', 'first_sync_by_xuid', 'first_sync_at',
            'player_count', 'created_at', 'updated_at', 'team_0_score', 'team_1_score',
            'duration_seconds', 'participants_loaded', 'events_loaded',
        ] %}
            or flagged.{{ column }} is distinct from current_rows.{{ column }}
        {%- endfor %}
)

select * from staged
