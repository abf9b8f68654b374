{#-
    The highlight events already in the warehouse (the columns a merge compares), read by name
    rather than ref() since highlight_events itself depends on the model that uses this; an
    empty relation before the first merge, and with --vars '{reprocess: true}' (every copy is
    then keyed and merged again).
-#}
{% macro stored_events() %}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='highlight_events') if execute else none -%}
    {%- if relation is not none and not var('reprocess') -%}
        select
            match_id,
            event_type,
            time_ms,
            xuid,
            type_hint,
            medal_value,
            gamertag,
            is_medal,
            medal_name,
            raw_json
        from {{ relation }}
    {%- else -%}
        select
            cast(null as varchar) as match_id,
            cast(null as varchar) as event_type,
            cast(null as integer) as time_ms,
            cast(null as varchar) as xuid,
            cast(null as integer) as type_hint,
            cast(null as integer) as medal_value,
            cast(null as varchar) as gamertag,
            cast(null as boolean) as is_medal,
            cast(null as varchar) as medal_name,
            cast(null as varchar) as raw_json
        where false
    {%- endif -%}
{% endmacro %}
