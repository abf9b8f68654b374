{#-
    Number and key the highlight events of the CTE `events` (staging columns): occurrence =
    1..n among the rows of one copy with the same signature (ordered by their id in the
    player DB), event_key = event_key(match, signature, occurrence). Keys are unique by
    construction (the occurrence tells identical rows apart), so no in-batch dedup is needed.
-#}
{% macro keyed_events(events) %}
    select
        {{ event_key('match_id', 'event_type', 'time_ms', 'xuid', 'type_hint', 'medal_value', 'occurrence') }}
            as event_key,
        match_id,
        event_type,
        time_ms,
        xuid,
        gamertag,
        type_hint,
        is_medal,
        medal_value,
        medal_name,
        cast(occurrence as integer) as occurrence,
        raw_json
    from (
        select
            *,
            row_number() over (
                partition by match_id, event_type, time_ms, xuid, type_hint, medal_value
                order by source_event_id
            ) as occurrence
        from {{ events }}
    ) as numbered
{% endmacro %}
