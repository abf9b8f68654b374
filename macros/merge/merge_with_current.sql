{#-
    The rows to stage for a shared table: the incoming rows (CTE `incoming`, at most one per
    key) merged with the current row of the same key (CTE `current_rows`, the table's rows for
    this run's matches), keeping only new keys and rows whose merged values differ from the
    current ones (a re-run stages nothing).
    Merge rule, per column of `value_columns`: a non-NULL value beats NULL; between two values
    the row with the higher priority wins: `priority_columns` compared in order as a struct
    (the incoming row wins ties). The winner's priority columns are kept. Each column of
    `earliest_columns` keeps the smaller of the two values (a first-seen time: the earliest
    copy's, whichever copy wins the other columns).
-#}
{% macro merge_with_current(key_columns, value_columns, priority_columns, earliest_columns=[]) %}
    {%- set incoming_priority = priority_struct('incoming', priority_columns) -%}
    {%- set current_priority = priority_struct('current_rows', priority_columns) -%}
    {%- set incoming_wins = '(current_rows.' ~ key_columns[0] ~ ' is null or '
        ~ incoming_priority ~ ' >= ' ~ current_priority ~ ')' -%}
    select * exclude (is_new_key, is_changed)
    from (
        select
            {%- for column in key_columns %}
                incoming.{{ column }},
            {%- endfor %}
            {%- for column in value_columns %}
                {{ non_null_pair_wins(column, 'incoming', 'current_rows', incoming_wins) }}
                    as {{ column }},
            {%- endfor %}
            {%- for column in priority_columns %}
                case when {{ incoming_wins }} then incoming.{{ column }}
                    else current_rows.{{ column }} end as {{ column }},
            {%- endfor %}
            {%- for column in earliest_columns %}
                least(incoming.{{ column }}, current_rows.{{ column }}) as {{ column }},
            {%- endfor %}
            current_rows.{{ key_columns[0] }} is null as is_new_key,
            (
                false
                {%- for column in value_columns + priority_columns %}
                    or {{ non_null_pair_wins(column, 'incoming', 'current_rows', incoming_wins) }}
                    is distinct from current_rows.{{ column }}
                {%- endfor %}
                {%- for column in earliest_columns %}
                    or least(incoming.{{ column }}, current_rows.{{ column }})
                    is distinct from current_rows.{{ column }}
                {%- endfor %}
            ) as is_changed
        from incoming
        left join current_rows
            on
            {%- for column in key_columns %}
                incoming.{{ column }} = current_rows.{{ column }}{% if not loop.last %} and{% endif %}
            {%- endfor %}
    ) as merged
    where is_new_key or is_changed
{% endmacro %}
