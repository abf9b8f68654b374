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
with incoming as (
    -- already limited to this run's new or changed copies
    select * from {{ ref('int_events_keyed') }}
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
