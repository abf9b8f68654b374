{#-
    An API timestamp (2025-01-29T04:20:33.441Z; 7-digit fractions are truncated to
    microseconds) as a naive UTC TIMESTAMP; NULL when absent or unreadable. A UTC offset is
    applied; a text without one is taken as UTC.
-#}
{% macro halo_timestamp(expression) %}
    case
        when regexp_matches(trim({{ expression }}), '(z|[+-]\d{2}:?\d{2})$', 'i')
            then timezone('UTC', try_cast(trim({{ expression }}) as timestamptz))
        else try_cast(trim({{ expression }}) as timestamp)
    end
{% endmacro %}
