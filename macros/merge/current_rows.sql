{#-
    The rows of the existing table ({{ this }}) whose key appears in the CTE `incoming`:
    what an incremental run merges the incoming rows with. Use in incremental runs only.
-#}
{% macro current_rows(incoming, key_columns) %}
    select current_rows.*
    from {{ this }} as current_rows
    semi join {{ incoming }}
        on
        {%- for key in key_columns %}
            current_rows.{{ key }} = {{ incoming }}.{{ key }}{% if not loop.last %} and{% endif %}
        {%- endfor %}
{% endmacro %}
