{{ config(materialized='ephemeral', tags=['phase5']) }}

-- Every value a cleaned player DB's compatibility views would give otherwise than the player's
-- own tables held (the tables themselves before the cleanup drops them, the verified backup
-- afterwards), one row per difference:
--   lost      a row, or a value, of the player's table that the view does not give back;
--   conflict  the view gives another non-NULL value (another copy's, kept by the merge);
--   updated   the view fills a NULL, or gives a newer alias (later last_seen): the merge rules
--             at work, not a loss.
-- Compared: match_participants by (match_id, xuid), every column; highlight_events by
-- signature (medal value from raw_json) and occurrence (the view renumbers `id`), gamertag
-- and raw_json (a raw_json that
-- only fills JSON nulls is an update); xuid_aliases by xuid, every column.
{%- set facts = compat_facts() %}
{%- set columns = facts.get('columns', {}) %}
{%- set participant_columns = columns.get('match_participants', []) | map('first')
    | reject('in', ['match_id', 'xuid']) | list %}
{%- set alias_columns = columns.get('xuid_aliases', []) | map('first')
    | reject('in', ['xuid']) | list %}
{%- set json_keys = var('raw_json_keys') %}

-- (without cleanup facts, outside a cleanup, the views are not compared: no difference)
with view_participants as (  -- noqa: ST03
    select * from {{ ref('compat__match_participants') }}
),

view_events as (  -- noqa: ST03
    select * from {{ ref('compat__highlight_events') }}
),

view_aliases as (  -- noqa: ST03
    select * from {{ ref('compat__xuid_aliases') }}
),

{%- if not columns %}

    no_differences as (
        select
            cast(null as varchar) as table_name,
            cast(null as varchar) as kind,
            cast(null as varchar) as row_key,
            cast(null as varchar) as column_name,
            cast(null as varchar) as original_value,
            cast(null as varchar) as view_value
        where false
    ),

    differences as (
        select * from no_differences
    )

{%- else %}

    original_participants as (
        select * from {{ compat_original_relation('match_participants') }}
    ),

    original_events as (
        select * from {{ compat_original_relation('highlight_events') }}
    ),

    original_aliases as (
        select * from {{ compat_original_relation('xuid_aliases') }}
    ),

    participant_pairs as (
        select
            original_participants.match_id || ' / ' || original_participants.xuid as row_key,
            view_participants.match_id is null as is_missing,
            {%- for column in participant_columns %}
                cast(original_participants.{{ sql_identifier(column) }} as varchar) as original_{{ loop.index }},
                cast(view_participants.{{ sql_identifier(column) }} as varchar) as view_{{ loop.index }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from original_participants
        left join view_participants
            on
                original_participants.match_id = view_participants.match_id
                and original_participants.xuid = view_participants.xuid
    ),

    participant_differences as (
        select
            'match_participants' as table_name,
            'lost' as kind,
            row_key,
            cast(null as varchar) as column_name,
            cast(null as varchar) as original_value,
            cast(null as varchar) as view_value
        from participant_pairs
        where is_missing
        {%- for column in participant_columns %}
            union all
            select
                'match_participants' as table_name,
                case
                    when original_{{ loop.index }} is null then 'updated'
                    when view_{{ loop.index }} is null then 'lost'
                    else 'conflict'
                end as kind,
                row_key,
                {{ sql_string(column) }} as column_name,
                original_{{ loop.index }} as original_value,
                view_{{ loop.index }} as view_value
            from participant_pairs
            where not is_missing and original_{{ loop.index }} is distinct from view_{{ loop.index }}
        {%- endfor %}
    ),

    {%- for side in ['original', 'view'] %}

    {{ side }}_events_numbered as (
        select
            *,
            {{ raw_json_medal_value('raw_json') }} as medal_value,
            row_number() over (
                partition by
                    match_id, event_type, time_ms, xuid, type_hint,
                    {{ raw_json_medal_value('raw_json') }}
                order by id
            ) as occurrence
        from {{ side }}_events
    ),
    {%- endfor %}

    event_pairs as (
        select
            original.match_id || ' ' || coalesce(original.event_type, 'NULL') || ' @'
            || coalesce(cast(original.time_ms as varchar), 'NULL') || ' #'
            || original.occurrence as row_key,
            shown.match_id is null as is_missing,
            original.gamertag as original_gamertag,
            shown.gamertag as view_gamertag,
            original.raw_json as original_raw_json,
            shown.raw_json as view_raw_json,
            (
                false
                {%- for key in json_keys %}
                    or (
                        json_extract(original.raw_json, '$.{{ key }}') is distinct from 'null'::json
                        and json_extract(original.raw_json, '$.{{ key }}')
                        is distinct from json_extract(shown.raw_json, '$.{{ key }}')
                    )
                {%- endfor %}
                or json_keys(original.raw_json::json) is distinct from json_keys(shown.raw_json::json)
            ) as is_raw_json_conflict
        from original_events_numbered as original
        left join view_events_numbered as shown
            on
                original.match_id = shown.match_id
                and original.event_type is not distinct from shown.event_type
                and original.time_ms is not distinct from shown.time_ms
                and original.xuid is not distinct from shown.xuid
                and original.type_hint is not distinct from shown.type_hint
                and original.medal_value is not distinct from shown.medal_value
                and original.occurrence = shown.occurrence
    ),

    event_differences as (
        select
            'highlight_events' as table_name,
            'lost' as kind,
            row_key,
            cast(null as varchar) as column_name,
            cast(null as varchar) as original_value,
            cast(null as varchar) as view_value
        from event_pairs
        where is_missing
        union all
        select
            'highlight_events' as table_name,
            case
                when original_gamertag is null then 'updated'
                when view_gamertag is null then 'lost'
                else 'conflict'
            end as kind,
            row_key,
            'gamertag' as column_name,
            original_gamertag as original_value,
            view_gamertag as view_value
        from event_pairs
        where not is_missing and original_gamertag is distinct from view_gamertag
        union all
        select
            'highlight_events' as table_name,
            case
                when view_raw_json is null then 'lost'
                when is_raw_json_conflict then 'conflict'
                else 'updated'
            end as kind,
            row_key,
            'raw_json' as column_name,
            original_raw_json as original_value,
            view_raw_json as view_value
        from event_pairs
        where not is_missing and original_raw_json is distinct from view_raw_json
    ),

    alias_pairs as (
        select
            original_aliases.xuid as row_key,
            view_aliases.xuid is null as is_missing,
            original_aliases.gamertag as original_gamertag,
            view_aliases.gamertag as view_gamertag,
            view_aliases.last_seen > original_aliases.last_seen
            or (original_aliases.last_seen is null and view_aliases.last_seen is not null)
                as is_newer,
            (
                false
                {%- for column in alias_columns %}
                    or original_aliases.{{ sql_identifier(column) }} is distinct from view_aliases.{{ sql_identifier(column) }}
                {%- endfor %}
            ) as is_different
        from original_aliases
        left join view_aliases
            on original_aliases.xuid = view_aliases.xuid
    ),

    alias_differences as (
        -- one row per alias: a newer alias (later last_seen) or other metadata is an update;
        -- another gamertag seen no later than the player's is a conflict
        select
            'xuid_aliases' as table_name,
            case
                when is_missing then 'lost'
                when
                    original_gamertag is not null
                    and original_gamertag is distinct from view_gamertag
                    and not is_newer then 'conflict'
                else 'updated'
            end as kind,
            row_key,
            'gamertag' as column_name,
            original_gamertag as original_value,
            view_gamertag as view_value
        from alias_pairs
        where is_missing or is_different
    ),

    differences as (
        select * from participant_differences
        union all
        select * from event_differences
        union all
        select * from alias_differences
    )

{%- endif %}

select * from differences
