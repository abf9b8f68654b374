{#-
    Deterministic key of a highlight event: the match, the normalised signature
    (lower-case event type, time_ms, actor xuid, type hint, medal value) and the occurrence
    number of that signature within one copy. NULL parts are written as a fixed token so
    that NULL and '' never collide.
-#}
{% macro event_key(match_id, event_type, time_ms, xuid, type_hint, medal_value, occurrence) %}
    md5_number(
        {{ match_id }}
        || '|' || coalesce({{ event_type }}, '{{ var("null_token") }}')
        || '|' || coalesce(cast({{ time_ms }} as varchar), '{{ var("null_token") }}')
        || '|' || coalesce({{ xuid }}, '{{ var("null_token") }}')
        || '|' || coalesce(cast({{ type_hint }} as varchar), '{{ var("null_token") }}')
        || '|' || coalesce(cast({{ medal_value }} as varchar), '{{ var("null_token") }}')
        || '|' || cast({{ occurrence }} as varchar)
    )
{% endmacro %}
