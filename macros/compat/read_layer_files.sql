{#-
    read_parquet over every file of one table of the read layer, by absolute path, so that a
    compatibility view needs no ATTACH and takes no lock: the cleanup names the layer in its
    facts (read_layer, an absolute path: data, quoted as an SQL string); without facts (docs,
    lint) the data dir's layer. The folder is escaped as a glob literal; only `*.parquet` is a
    pattern (a file being written is named `.<name>.parquet.tmp`, which it does not match).
-#}
{% macro read_layer_files(table_name) %}
    {%- set root = compat_facts().get('read_layer') or (data_dir() ~ '/' ~ var('read_layer_folder')) -%}
    {{- return('read_parquet(' ~ sql_string(glob_literal(root ~ '/' ~ table_name) ~ '/*.parquet') ~ ')') -}}
{% endmacro %}
