{#-
    SQL: the read layer's file of a match, from its registry row's start time (var
    read_layer_partition_format: one file a month).
-#}
{% macro read_layer_partition(registry) %}
    {{- return('strftime(' ~ registry ~ '.start_time, ' ~ sql_string(var('read_layer_partition_format')) ~ ')') -}}
{% endmacro %}
