{#-
    The merged value of `column` between an incoming row and the current row with the same key
    (NULL when the key is new): a non-NULL value always beats NULL; between two values the
    incoming one wins when `incoming_wins` (a boolean SQL expression comparing the two rows'
    priorities) holds. For two rows this is exactly non_null_wins (arg_max ... filter not NULL).
    Rendered on one line.
-#}
{% macro non_null_pair_wins(column, incoming, current, incoming_wins) -%}
    case when {{ incoming }}.{{ column }} is not null and ({{ current }}.{{ column }} is null or {{ incoming_wins }}) then {{ incoming }}.{{ column }} else {{ current }}.{{ column }} end
{%- endmacro %}
