{#-
    The rows of `new_rows` that are new (no row with that key in `current_rows`) or differ
    from the current row in any column. Merging only these keeps a re-run from rewriting
    unchanged rows (no work, no file growth) and makes an idempotent run a no-op.
    Columns are those of the existing table ({{ this }}): use in incremental runs only.
    In a dbt unit test `this` is a fixture (no introspection): every row is returned.
-#}
{% macro changed_rows(new_rows, current_rows, key_columns) %}
    {%- if this is string -%}
        select * from {{ new_rows }}
    {%- else -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    select {{ new_rows }}.*
    from {{ new_rows }}
    left join {{ current_rows }}
        on
        {%- for key in key_columns %}
            {{ new_rows }}.{{ key }} = {{ current_rows }}.{{ key }}{% if not loop.last %} and{% endif %}
        {%- endfor %}
    where
        {{ current_rows }}.{{ key_columns[0] }} is null
        {%- for column in columns if column not in key_columns %}
            or {{ new_rows }}.{{ column }} is distinct from {{ current_rows }}.{{ column }}
        {%- endfor %}
    {%- endif %}
{% endmacro %}
