{#-
    SQL: the current rows of one table of the read layer, by absolute path, so that a
    compatibility view needs no ATTACH and takes no lock: the cleanup names the layer in its
    facts (read_layer, an absolute path: data, quoted as an SQL string); without facts (docs,
    lint) the data dir's layer. A file is never rewritten: each publish adds a new version of
    the files it changes (`<range>.<version>.parquet`) and deletes the old ones after a grace
    period, so of each range only the highest version is read (the greatest name: versions
    are zero-padded). The folder is escaped as a glob literal; only `*.parquet` is a pattern
    (a file being written is named `.<name>.parquet.tmp`, which it does not match). Python
    twin: read_layer.files_sql.
-#}
{% macro read_layer_files(table_name) %}
    {%- set root = compat_facts().get('read_layer') or (data_dir() ~ '/' ~ var('read_layer_folder')) -%}
    {%- set pattern = sql_string(glob_literal(root ~ '/' ~ table_name) ~ '/*.parquet') -%}
    {{- return(
        '(select * exclude (filename) from read_parquet(' ~ pattern ~ ', filename = true) '
        ~ 'where filename in (select max(file) from glob(' ~ pattern ~ ') '
        ~ "group by split_part(parse_filename(file), '.', 1)))"
    ) -}}
{% endmacro %}
