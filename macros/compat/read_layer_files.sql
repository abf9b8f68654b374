{#-
    SQL: the current rows of one table of the read layer, by absolute path, so that a
    compatibility view needs no ATTACH and takes no lock: the cleanup names the layer in its
    facts (read_layer, an absolute path: data, quoted as an SQL string); without facts (docs,
    lint) the data dir's layer. A file is never rewritten: each publish adds a new version of
    the files it changes (`<range>.v<version>.parquet`, zero-padded: the newest is the
    greatest name) and a later one deletes the old ones, so a reader keeps, per key of the
    table (var read_layer_keys), the rows of the newest file that holds it. The choice is made
    over the files of one listing: one scan (a second listing, by glob(), or the second scan
    DuckDB 1.5 and 2.0 plan for `x = max(x) over (...)`, can see a newer file than the first);
    a filter on the key (a lookup of one match) still skips every other file by its
    statistics. The folder is escaped as a glob literal; only
    `*.parquet` is a pattern (a file being written is named `.<name>.parquet.tmp`, or lies in
    a staging folder, which it does not match). Python twin: read_layer.files_sql.
-#}
{% macro read_layer_files(table_name) %}
    {%- set root = compat_facts().get('read_layer') or (data_dir() ~ '/' ~ var('read_layer_folder')) -%}
    {%- set pattern = sql_string(glob_literal(root ~ '/' ~ table_name) ~ '/*.parquet') -%}
    {{- return(
        '(select * exclude (filename) from read_parquet(' ~ pattern ~ ', filename = true) '
        ~ 'qualify dense_rank() over (partition by '
        ~ var('read_layer_keys')[table_name] | join(', ') ~ ' order by filename desc) = 1)'
    ) -}}
{% endmacro %}
