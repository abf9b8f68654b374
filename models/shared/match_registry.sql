{%- set merged_columns = [
    'start_time', 'end_time', 'playlist_id', 'playlist_name', 'map_id', 'map_name',
    'pair_id', 'pair_name', 'game_variant_id', 'game_variant_name', 'mode_category',
    'is_ranked', 'is_firefight', 'team_0_score', 'team_1_score',
] -%}
{%- set priority = "{'copy_updated_at': copy_updated_at, 'player_xuid': player_xuid}" -%}
{%- set first_copy = "{'first_synced_at': first_synced_at, 'player_xuid': player_xuid}" -%}
{{
    config(
        unique_key='match_id',
        incremental_strategy='merge',
        merge_exclude_columns=['match_id'],
    )
}}

-- One row per match, rebuilt (for the matches of this run) from every copy in match_players:
-- per column a non-NULL value wins, then the most recently updated copy; team scores by team
-- id; backfill bits ORed; player_count counted; first_sync_* from the earliest copy; the
-- loaded flags say whether the warehouse holds the match's roster / events.
with match_players as (
    select * from {{ ref('match_players') }}
),

participants as (
    select * from {{ ref('match_participants') }}
),

events as (
    select * from {{ ref('highlight_events') }}
),

changed_matches as (
    select * from {{ ref('int_matches_changed') }}
),

affected_matches as (
    -- this run's matches; on a first (full) build, every match of match_players
    select changed_matches.match_id from changed_matches
    {% if not is_incremental() %}
        union
        select match_players.match_id from match_players
    {% endif %}
),

copies as (
    select match_players.*
    from match_players
    inner join affected_matches
        on match_players.match_id = affected_matches.match_id
),

scored_copies as (
    select
        *,
        case team_id
            when {{ var('first_team_id') }} then my_team_score
            when {{ var('second_team_id') }} then enemy_team_score
        end as team_0_score,
        case team_id
            when {{ var('second_team_id') }} then my_team_score
            when {{ var('first_team_id') }} then enemy_team_score
        end as team_1_score
    from copies
),

merged as (
    select
        match_id,
        {{ non_null_wins(merged_columns, priority) }},
        bit_or(coalesce(backfill_completed, 0)) as backfill_completed,
        arg_min(player_gamertag, {{ first_copy }}) as first_sync_by,
        arg_min(player_xuid, {{ first_copy }}) as first_sync_by_xuid,
        min(first_synced_at) as first_sync_at,
        cast(count(*) as smallint) as player_count,
        min(first_synced_at) as created_at,
        max(copy_updated_at) as updated_at
    from scored_copies
    group by match_id
),

matches_with_participants as (
    select distinct match_id from participants
),

matches_with_events as (
    select distinct match_id from events
),

flagged as (
    select
        merged.*,
        cast(date_diff('millisecond', merged.start_time, merged.end_time) as double)
        / {{ var('milliseconds_per_second') }} as duration_seconds,
        matches_with_participants.match_id is not null as participants_loaded,
        matches_with_events.match_id is not null as events_loaded
    from merged
    left join matches_with_participants
        on merged.match_id = matches_with_participants.match_id
    left join matches_with_events
        on merged.match_id = matches_with_events.match_id
),

{% if is_incremental() %}
    existing as (
        {{ current_rows('affected_matches', ['match_id']) }}
    ),

    changed as (
        {{ changed_rows('flagged', 'existing', ['match_id']) }}
    ),
{% endif %}

final as (
    select * from {{ 'changed' if is_incremental() else 'flagged' }}
)

select * from final
