{#-
    Pre-hook of the compatibility views: refuse to build a view where the player DB still has
    the table of that name (dbt would replace the table, dropping its rows without the gate and
    the backup of `shared-matches cleanup`). Rendered when the model runs, not when it compiles.
-#}
{% macro compat_refuse_table_replacement() %}
    {%- if execute and target.name == 'compat' and compat_table_exists(this.identifier) -%}
        {{ exceptions.raise_compiler_error(
            "Player DB of '" ~ (player() or '') ~ "' still has the table " ~ this.identifier
            ~ ": run `shared-matches cleanup --player " ~ (player() or '') ~ "` (gate, backup,"
            ~ " then the drop); dbt alone never replaces these tables.") }}
    {%- endif -%}
    select 1
{% endmacro %}
