{#-
    The select list of a compatibility view: every original column, in its original order and
    cast to its original type, read from `relation_alias`. A column that the shared table does
    not have stops the build (the view would silently lose it). With no recorded columns
    (outside the compat target) it selects every column of the relation.
-#}
{% macro compat_column_list(columns, relation_alias, shared_relation, computed_columns=[]) %}
    {%- if columns | length == 0 -%}
        {{ return(relation_alias ~ '.*') }}
    {%- endif -%}
    {%- set available = adapter.get_columns_in_relation(shared_relation) | map(attribute='name') | map('lower') | list -%}
    {%- set exprs = [] -%}
    {%- for column in columns -%}
        {%- if column.name | lower not in available and column.name not in computed_columns -%}
            {{ exceptions.raise_compiler_error(
                "Column " ~ column.name ~ " of the original table is not in " ~ shared_relation
                ~ ": a view over it would lose data.") }}
        {%- endif -%}
        {%- do exprs.append(
            'cast(' ~ relation_alias ~ '.' ~ adapter.quote(column.name) ~ ' as '
            ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)
        ) -%}
    {%- endfor -%}
    {{ return(exprs | join(',\n        ')) }}
{% endmacro %}
