{#-
    The select list of a compatibility view over `relation`: the columns the player DB's table
    has (compat_facts().columns[table]), in their order, cast to their type; every column of
    the relation but `exclude` when no cleanup is running. `overrides` maps a column to the
    expression to use instead of relation.column.
-#}
{% macro compat_select(table_name, relation, overrides={}, exclude=[]) %}
    {%- set columns = compat_facts().get('columns', {}).get(table_name, []) -%}
    {%- if columns | length == 0 -%}
        {{ return(relation ~ '.*' ~ (' exclude (' ~ exclude | join(', ') ~ ')' if exclude else '')) }}
    {%- endif -%}
    {%- set exprs = [] -%}
    {%- for name, data_type in columns -%}
        {%- set source = overrides.get(name, relation ~ '.' ~ sql_identifier(name)) -%}
        {%- do exprs.append('cast(' ~ source ~ ' as ' ~ data_type ~ ') as ' ~ sql_identifier(name)) -%}
    {%- endfor -%}
    {{ return(exprs | join(',\n        ')) }}
{% endmacro %}
