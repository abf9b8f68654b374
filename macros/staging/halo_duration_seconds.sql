{#-
    An ISO-8601 duration (PT18M31.2141873S, P1DT2H) in seconds (DOUBLE); NULL when absent or
    unreadable. Days, hours, minutes and seconds are added in that order, as doubles.
-#}
{% macro halo_duration_seconds(expression) %}
    {#- backslashes doubled: Jinja string literals unescape them -#}
    {%- set number = '(\\d+(?:\\.\\d+)?)' -%}
    {%- set pattern = '^P(?:' ~ number ~ 'D)?(?:T(?:' ~ number ~ 'H)?(?:' ~ number ~ 'M)?(?:' ~ number ~ 'S)?)?$' -%}
    {%- set text = 'trim(' ~ expression ~ ')' -%}
    {%- set units = [
        (1, var('seconds_per_day')),
        (2, var('seconds_per_hour')),
        (3, var('seconds_per_minute')),
        (4, none),
    ] -%}
    case
        when regexp_full_match({{ text }}, '{{ pattern }}') then
        {%- for group, seconds in units %}
            {% if not loop.first %}+ {% endif -%}
            coalesce(try_cast(nullif(regexp_extract({{ text }}, '{{ pattern }}', {{ group }}), '') as double), 0)
            {%- if seconds is not none %} * {{ seconds }}{% endif %}
        {%- endfor %}
    end
{% endmacro %}
