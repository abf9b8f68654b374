{{
    config(
        unique_key='event_key',
        incremental_strategy='merge',
        merge_exclude_columns=['event_key'],
    )
}}

-- Highlight events, once. The key holds the signature and its occurrence number within one
-- copy, so the union over players keeps, per signature, the largest count any one copy has.
-- Non-key columns: a non-NULL value wins, the smallest one if copies disagree (order-free).
with all_incoming as (
    select * from {{ ref('int_events_keyed') }}
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
        {{ current_rows('incoming', ['event_key']) }}
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
        event_key,
        match_id,
        event_type,
        time_ms,
        xuid,
        min(gamertag) as gamertag,
        type_hint,
        min(is_medal) as is_medal,
        medal_value,
        min(medal_name) as medal_name,
        occurrence,
        min(raw_json) as raw_json
    from candidates
    group by event_key, match_id, event_type, time_ms, xuid, type_hint, medal_value, occurrence
),

{% if is_incremental() %}
    changed as (
        {{ changed_rows('merged', 'existing', ['event_key']) }}
    ),
{% endif %}

final as (
    select * from {{ 'changed' if is_incremental() else 'merged' }}
)

select * from final
