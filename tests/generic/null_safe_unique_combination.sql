{#-
    Composite-key test for a key whose parts may be NULL (a NULL part equals a NULL part, as
    in GROUP BY): fails for every combination of `columns` that appears more than once.
-#}
{% test null_safe_unique_combination(model, columns) %}

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
        having count(*) > 1
    )

    select * from offending

{% endtest %}
