-- Phase 5, nothing lost or silently changed: every row and every value the player's own
-- tables held (the verified backup, or the live tables in the cleanup's gate) is what the
-- compatibility views give back. A lost row or value always fails; a conflict (the warehouse
-- kept another copy's non-NULL value) fails unless the cleanup was run with
-- --accept-warehouse-values. Updates (a NULL filled, a newer alias) pass.
{{ config(tags=['checklist_phase5', 'phase5_gate']) }}
-- depends_on: {{ ref('compat_value_differences') }}

{%- set unable = compat_unable(needs_backup=false) %}
{%- if unable %}

    {{ unable }}

{%- else %}

    with differences as (
        select * from {{ ref('compat_value_differences') }}
    ),

    refused as (
        select *
        from differences
        where
            kind = 'lost'
            {%- if not compat_facts().get('accepted_conflicts') %}
                or kind = 'conflict'
            {%- endif %}
    )

    select * from refused

{%- endif %}
