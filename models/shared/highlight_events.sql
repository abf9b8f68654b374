{%- set columns = [
    'event_key', 'match_id', 'event_type', 'time_ms', 'xuid', 'gamertag', 'type_hint',
    'is_medal', 'medal_value', 'medal_name', 'occurrence', 'raw_json',
] -%}
{#- The other columns are part of the key's hash: equal in every row with that key. -#}
{%- set min_wins_columns = ['gamertag', 'is_medal', 'medal_name', 'raw_json'] -%}
{{
    config(
        unique_key='event_key',
        incremental_strategy='merge',
        merge_exclude_columns=columns | reject('in', min_wins_columns) | list,
    )
}}

-- Highlight events, once. The key holds the signature and its occurrence number within one
-- copy, so the union over players keeps, per signature, the largest count any one copy has.
-- Non-key columns: a non-NULL value wins, the smallest one if copies disagree (order-free).
-- Keys are unique within a run (one copy per match), so each incoming row meets at most one
-- current row: a keyed left join merges them, no union and regrouping of both sides.
with incoming as (
    -- already limited to this run's new or changed copies
    select * from {{ ref('int_events_keyed') }}
),

current_events as (
    {% if is_incremental() %}
        select * from {{ this }}
    {% else %}
        select * from incoming
        where false
    {% endif %}
),

merged_changed as (
    -- new keys, and known keys where the incoming copy fills a NULL or brings a smaller value
    select
        {%- for column in columns %}
            {% if column in min_wins_columns -%}
                least(incoming.{{ column }}, current_events.{{ column }}) as {{ column }}
            {%- else -%}
                incoming.{{ column }}
            {%- endif %}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from incoming
    left join current_events
        on incoming.event_key = current_events.event_key
    where
        current_events.event_key is null
        {%- for column in min_wins_columns %}
            or least(incoming.{{ column }}, current_events.{{ column }})
            is distinct from current_events.{{ column }}
        {%- endfor %}
)

select * from merged_changed
