{#-
    Attach the DuckDB file at `path` read-only under the fixed `alias` (a no-op when it is
    attached already), and commit: an ATTACH inside a hook's transaction is undone when dbt
    rolls it back. With `missing_message`, a file that does not exist stops the run with that
    message. The path is data, quoted as an SQL string (and as a glob pattern), never rendered
    as SQL or Jinja.
-#}
{% macro attach_read_only(path, alias, missing_message=none) %}
    {%- if missing_message is not none -%}
        {%- set found = run_query(
            'select count(*) from glob(' ~ sql_string(glob_literal(path)) ~ ')'
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(missing_message) }}
        {%- endif -%}
    {%- endif -%}
    {%- do run_query('attach if not exists ' ~ sql_string(path) ~ ' as ' ~ alias ~ ' (read_only)') -%}
    {%- do adapter.commit() -%}
{% endmacro %}
