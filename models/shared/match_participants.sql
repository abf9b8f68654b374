{%- set merged_columns = [
    'team_id', 'outcome', 'gamertag', 'rank', 'score', 'kills', 'deaths', 'assists',
    'shots_fired', 'shots_hit', 'damage_dealt', 'damage_taken', 'avg_life_seconds',
    'kda', 'accuracy', 'headshot_kills', 'max_killing_spree', 'time_played_seconds',
    'team_mmr', 'enemy_mmr', 'kills_expected', 'kills_stddev', 'deaths_expected',
    'deaths_stddev', 'assists_expected', 'assists_stddev',
] -%}
{%- set priority = "{'is_owner_row': is_owner_row, 'source_updated_at': source_updated_at, "
    ~ "'source_player_xuid': source_player_xuid}" -%}
{#- team_id is indexed (match_id, team_id) and left out of the MERGE's update: updating an
    indexed column makes DuckDB delete and re-insert the row, which is slow and gave false
    duplicate-key errors at 10x under a memory limit. A roster row's team is the same in every
    copy; a NULL team_id that a later copy would fill is reported by the no-loss checklist. -#}
{{
    config(
        unique_key=['match_id', 'xuid'],
        incremental_strategy='merge',
        merge_exclude_columns=['match_id', 'xuid', 'team_id'],
    )
}}

-- The roster of every match, once. Each column keeps a non-NULL value over NULL; between two
-- values the owner's own row wins, then the most recently updated copy, then the copy's xuid.
with all_incoming as (
    select * from {{ ref('int_participants_enriched') }}
),

changed_matches as (
    select * from {{ ref('int_matches_changed') }}
),

incoming as (
    select all_incoming.*
    from all_incoming
    semi join changed_matches
        on all_incoming.match_id = changed_matches.match_id
),

{% if is_incremental() %}
    existing as (
        {{ current_rows('incoming', ['match_id', 'xuid']) }}
    ),
{% endif %}

candidates as (
    select * from incoming
    {% if is_incremental() %}
        union all by name
        select * from existing
    {% endif %}
),

merged as (
    select
        match_id,
        xuid,
        {{ non_null_wins(merged_columns, priority) }},
        bool_or(is_owner_row) as is_owner_row,
        arg_max(source_player_xuid, {{ priority }}) as source_player_xuid,
        arg_max(source_updated_at, {{ priority }}) as source_updated_at
    from candidates
    group by match_id, xuid
),

{% if is_incremental() %}
    changed as (
        {{ changed_rows('merged', 'existing', ['match_id', 'xuid']) }}
    ),
{% endif %}

final as (
    select * from {{ 'changed' if is_incremental() else 'merged' }}
)

select * from final
