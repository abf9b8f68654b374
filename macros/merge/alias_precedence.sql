{#-
    The order in which aliases of one xuid win (the first wins): the latest last_seen, then
    the latest updated_at, then the greatest gamertag and source (so that ties resolve the same
    way on every run). Goes in an `order by`; int_aliases_deduped and xuid_aliases use it.
-#}
{% macro alias_precedence() -%}
    last_seen desc nulls last,
    updated_at desc nulls last,
    gamertag desc nulls last,
    source desc nulls last
{%- endmacro %}
