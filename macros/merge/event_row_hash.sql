{#-
    64-bit hash of every column a highlight-event merge compares: the signature (event type,
    time_ms, xuid, type hint, medal value) and the smallest-value columns.
-#}
{% macro event_row_hash() -%}
    hash(event_type, time_ms, xuid, type_hint, medal_value, gamertag, is_medal, medal_name, raw_json)
{%- endmacro %}
