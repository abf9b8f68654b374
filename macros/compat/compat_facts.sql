{#-
    What `shared-matches cleanup` tells dbt about the player DB it cleans (HALO_COMPAT_FACTS,
    JSON in an environment variable: read as data, never rendered as Jinja):
      player_xuid   the DB owner's xuid (the views filter the warehouse on it);
      columns       {table: [[column, type], ...]} the columns the v4 table has in this DB
                    (the view gives exactly these, in this order, cast to these types);
      spellings     {lower case: original} for each event type the DB spelt otherwise
                    than lower case (the view writes these pairs into its SQL and maps the
                    warehouse's lower-case types back to them);
      backup_path   the verified backup of the DB (the phase-5 checklist compares with it).
    Empty (no cleanup running: docs, lint, parsing) the views select every column.
-#}
{% macro compat_facts() %}
    {%- set raw = env_var('HALO_COMPAT_FACTS', '') -%}
    {{- return(fromjson(raw) if raw else {}) -}}
{% endmacro %}
