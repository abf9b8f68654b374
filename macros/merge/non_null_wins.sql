{#-
    One merged column per name: among the candidate rows of a key, the non-NULL value of the
    row with the highest priority wins (a NULL never beats a value). `priority` is a struct
    expression, compared field by field, so ties are broken deterministically and the result
    does not depend on the order in which players were migrated.
-#}
{% macro non_null_wins(columns, priority) %}
    {%- for column in columns %}
        arg_max({{ column }}, {{ priority }}) filter (where {{ column }} is not null) as {{ column }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{% endmacro %}
