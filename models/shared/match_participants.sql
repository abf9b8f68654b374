{%- set merged_columns = [
    'team_id', 'outcome', 'gamertag', 'rank', 'score', 'kills', 'deaths', 'assists',
    'shots_fired', 'shots_hit', 'damage_dealt', 'damage_taken', 'avg_life_seconds',
    'kda', 'accuracy', 'headshot_kills', 'max_killing_spree', 'time_played_seconds',
    'team_mmr', 'enemy_mmr', 'kills_expected', 'kills_stddev', 'deaths_expected',
    'deaths_stddev', 'assists_expected', 'assists_stddev',
] -%}
{#- Merge bookkeeping: the winning copy's owner and update time (non-NULL wins, as above). -#}
{%- set source_columns = ['source_player_xuid', 'source_updated_at'] -%}
{#- Priority of a row, compared as a struct field by field (a NULL field ranks highest, as in
    arg_max): the owner's own row, then the most recently updated copy, then the copy's xuid. -#}
{%- set priority = "{'is_owner_row': {rel}.is_owner_row, "
    ~ "'source_updated_at': {rel}.source_updated_at, "
    ~ "'source_player_xuid': {rel}.source_player_xuid}" -%}
{%- set incoming_wins = '(' ~ priority.replace('{rel}', 'incoming') ~ ' >= '
    ~ priority.replace('{rel}', 'warehouse_rows') ~ ')' -%}
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
-- A run holds one copy per match, so each incoming row meets at most one current row: a keyed
-- left join merges the pair (no union and regrouping of both sides).
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

warehouse_rows as (
    {% if is_incremental() %}
        select * from {{ this }}
    {% else %}
        select * from incoming
        where false
    {% endif %}
),

merged as (
    select
        incoming.match_id,
        incoming.xuid,
        {%- for column in merged_columns %}
            {{ non_null_pair_wins(column, 'incoming', 'warehouse_rows', incoming_wins) }}
                as {{ column }},
        {%- endfor %}
        incoming.is_owner_row or coalesce(warehouse_rows.is_owner_row, false) as is_owner_row,
        {%- for column in source_columns %}
            {{ non_null_pair_wins(column, 'incoming', 'warehouse_rows', incoming_wins) }}
                as {{ column }},
        {%- endfor %}
        warehouse_rows.match_id is null as is_new_key,
        {%- for column in merged_columns + ['is_owner_row'] + source_columns %}
            warehouse_rows.{{ column }} as current_{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from incoming
    left join warehouse_rows
        on
            incoming.match_id = warehouse_rows.match_id
            and incoming.xuid = warehouse_rows.xuid
),

merged_changed as (
    -- new keys, and known keys where a value changes
    select
        match_id,
        xuid,
        {%- for column in merged_columns + ['is_owner_row'] + source_columns %}
            {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from merged
    where
        is_new_key
        {%- for column in merged_columns + ['is_owner_row'] + source_columns %}
            or {{ column }} is distinct from current_{{ column }}
        {%- endfor %}
)

select * from merged_changed
