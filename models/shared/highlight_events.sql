{%- set key_columns = var('event_key') -%}
{%- set value_columns = ['gamertag', 'is_medal', 'medal_name'] -%}
{{
    config(
        unique_key=key_columns,
        incremental_strategy='stage',
    )
}}

-- Highlight events, once, stored in the order readers use (match_id, time_ms) so that DuckDB's
-- min-max zone maps find one match's events without an index. The key is natural and narrow:
-- the match, the signature (event type, time_ms, actor, type hint, medal value) and the
-- occurrence of that signature within one copy; the union over copies keeps, per signature,
-- the largest count any one copy has. Other columns: a non-NULL value wins, the smallest one
-- if copies disagree (order-free). raw_json is kept only where a copy's string differs from the
-- one rebuilt from the columns (event_raw_json): the smallest of the copies' strings, NULL
-- when it equals the rebuild.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

events as (
    select * from {{ ref('int_events_keyed') }}
),

incoming as (
    select events.*
    from events
    semi join batch_matches
        on events.match_id = batch_matches.match_id
),

current_rows as (
    {{ current_rows_of_batch('incoming') }}
),

merged as (
    select
        {%- for column in key_columns %}
            incoming.{{ column }},
        {%- endfor %}
        {%- for column in value_columns %}
            least(incoming.{{ column }}, current_rows.{{ column }}) as {{ column }},
        {%- endfor %}
        least(
            incoming.raw_json,
            case
                when current_rows.match_id is not null
                    then coalesce(current_rows.raw_json, {{ event_raw_json('current_rows') }})
            end
        ) as copy_raw_json,
        current_rows.match_id is null as is_new_key,
        current_rows.raw_json as current_raw_json,
        {%- for column in value_columns %}
            current_rows.{{ column }} as current_{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from incoming
    left join current_rows
        on {{ null_safe_equal('incoming', 'current_rows', key_columns) }}
),

rebuilt as (
    select
        *,
        {{ event_raw_json('merged') }} as rebuilt_raw_json
    from merged
),

with_raw_json as (
    select
        *,
        nullif(copy_raw_json, rebuilt_raw_json) as raw_json
    from rebuilt
),

staged as (
    select
        {%- for column in key_columns + value_columns %}
            {{ column }},
        {%- endfor %}
        raw_json
    from with_raw_json
    where
        is_new_key
        or raw_json is distinct from current_raw_json
        {%- for column in value_columns %}
            or {{ column }} is distinct from current_{{ column }}
        {%- endfor %}
    order by match_id, time_ms
)

select * from staged
