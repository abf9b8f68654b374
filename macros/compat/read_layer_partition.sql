{#-
    SQL: the read layer's file of a match (its name without .parquet), from its id: the first
    hex digit and the second rounded down to a multiple of 4 ('3d...' -> '3c'), 64 files per
    table. A file covers one range of match ids, so that its min-max statistics let a reader
    skip every other file when it looks one match up; each file is one row group
    (docs/read-layer.md says why).
-#}
{% macro read_layer_partition(relation) %}
    {%- set match_id = relation ~ '.match_id' -%}
    {{- return(
        'substr(' ~ match_id ~ ', 1, 1) || substr(' ~ sql_string(var('read_layer_digit_ranges'))
        ~ ', strpos(' ~ sql_string(var('read_layer_hex_digits')) ~ ', substr(' ~ match_id
        ~ ', 2, 1)), 1)'
    ) -}}
{% endmacro %}
