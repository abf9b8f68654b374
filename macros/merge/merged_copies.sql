{#-
    The copies already merged into the warehouse (match_players: match_id, player_xuid,
    copy_updated_at), read by name rather than ref() since match_players itself depends on
    the models that use this; an empty relation before the first merge.
-#}
{% macro merged_copies() %}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=target.schema, identifier='match_players') if execute else none -%}
    {%- if relation is not none -%}
        select
            match_id,
            player_xuid,
            copy_updated_at
        from {{ relation }}
    {%- else -%}
        select
            cast(null as varchar) as match_id,
            cast(null as varchar) as player_xuid,
            cast(null as timestamp) as copy_updated_at
        where false
    {%- endif -%}
{% endmacro %}
