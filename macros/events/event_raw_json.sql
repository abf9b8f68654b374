{#-
    The raw_json of a highlight event rebuilt from its columns, exactly as a player DB stores it
    (the decoded event as one JSON object, its keys in the order of var raw_json_keys: xuid as a
    number, gamertag, type_hint, is_medal, event_type, time_ms, medal_value, medal_name; no
    spaces). The warehouse keeps a copy's own raw_json only where it differs from this; the
    compatibility views and the read path put the rebuilt one everywhere else. The read path
    (shared_matches.read_layer.raw_json_sql) builds the same expression from the same var.
-#}
{% macro event_raw_json(relation) %}
    {%- set parts = [] -%}
    {%- for key in var('raw_json_keys') -%}
        {%- set column = relation ~ '.' ~ key -%}
        {%- do parts.append(sql_string(key) ~ ', '
            ~ ('try_cast(' ~ column ~ ' as bigint)' if key == 'xuid' else column)) -%}
    {%- endfor -%}
    {{- return('cast(json_object(' ~ parts | join(', ') ~ ') as varchar)') -}}
{% endmacro %}
