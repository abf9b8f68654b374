{#-
    Composite-key test: fails for every combination of `columns` that appears more than once,
    or that has a NULL in a column not named in `nullable` (a NULL part never counts as a valid
    key, unless the key allows it). A NULL part named in `nullable` equals a NULL part, as in
    GROUP BY.
-#}
{% test unique_combination(model, columns, nullable=[]) %}

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
            {%- for column in columns if column not in nullable %}
                or {{ column }} is null
            {%- endfor %}
    )

    select * from offending

{% endtest %}
