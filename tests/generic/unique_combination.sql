{#-
    Composite-key test: fails for every combination of `columns` that appears more than once
    or has a NULL in any of its columns (a NULL part never counts as a valid key).
-#}
{% test unique_combination(model, columns) %}

    with keyed as (
        select {{ columns | join(', ') }}
        from {{ model }}
    ),

    offending as (
        select
            {{ columns | join(', ') }},
            count(*) as occurrences
        from keyed
        group by {{ columns | join(', ') }}
        having
            count(*) > 1
            {%- for column in columns %}
                or {{ column }} is null
            {%- endfor %}
    )

    select * from offending

{% endtest %}
