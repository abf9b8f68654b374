-- The rows of the attached player DB that the merge cannot take, one row each: a row without
-- its key (NULL match_id, xuid, medal id), and the extra rows of a key that a table without a
-- primary key holds several times (the merge keeps one copy: the latest updated match_stats
-- row, the first of the others). They are counted and named in merged_sources, the run's
-- output and the report; a re-run rejects the same rows again and changes nothing.
with match_stats as (
    select * from {{ staged(ref('stg_player_db__match_stats')) }}
),

participants as (
    select * from {{ staged(ref('stg_player_db__match_participants')) }}
),

events as (
    select * from {{ staged(ref('stg_player_db__highlight_events')) }}
),

medals as (
    select * from {{ staged(ref('stg_player_db__medals_earned')) }}
),

aliases as (
    select * from {{ staged(ref('stg_player_db__xuid_aliases')) }}
),

missing_keys as (
    select
        'match_stats' as table_name,
        'no match_id' as reason,
        'started ' || coalesce(cast(start_time as varchar), 'at an unknown time') as example
    from match_stats
    where match_id is null
    union all
    select
        'match_participants' as table_name,
        case when match_id is null then 'no match_id' else 'no xuid' end as reason,
        coalesce(match_id, '?') || ' / ' || coalesce(xuid, '?') as example
    from participants
    where match_id is null or xuid is null
    union all
    select
        'highlight_events' as table_name,
        'no match_id' as reason,
        'event ' || coalesce(cast(source_event_id as varchar), '?') as example
    from events
    where match_id is null
    union all
    select
        'medals_earned' as table_name,
        case when match_id is null then 'no match_id' else 'no medal_name_id' end as reason,
        coalesce(match_id, '?') || ' / ' || coalesce(cast(medal_name_id as varchar), '?')
            as example
    from medals
    where match_id is null or medal_name_id is null
    union all
    select
        'xuid_aliases' as table_name,
        'no xuid' as reason,
        coalesce(gamertag, '?') as example
    from aliases
    where xuid is null
),

repeated_keys as (
    select
        'match_stats' as table_name,
        'match_id held ' || count(*) || ' times (the latest updated row is merged)' as reason,
        match_id as example,
        count(*) - 1 as extra_rows
    from match_stats
    where match_id is not null
    group by match_id
    having count(*) > 1
    union all
    select
        'match_participants' as table_name,
        '(match_id, xuid) held ' || count(*) || ' times (one row is merged)' as reason,
        match_id || ' / ' || xuid as example,
        count(*) - 1 as extra_rows
    from participants
    where match_id is not null and xuid is not null
    group by match_id, xuid
    having count(*) > 1
    union all
    select
        'medals_earned' as table_name,
        '(match_id, medal_name_id) held ' || count(*) || ' times (the largest count is merged)'
            as reason,
        match_id || ' / ' || cast(medal_name_id as varchar) as example,
        count(*) - 1 as extra_rows
    from medals
    where match_id is not null and medal_name_id is not null
    group by match_id, medal_name_id
    having count(*) > 1
    union all
    select
        'xuid_aliases' as table_name,
        'xuid held ' || count(*) || ' times (the latest last_seen is merged)' as reason,
        xuid as example,
        count(*) - 1 as extra_rows
    from aliases
    where xuid is not null
    group by xuid
    having count(*) > 1
),

rejected as (
    select
        table_name,
        reason,
        example,
        1 as rejected_rows
    from missing_keys
    union all
    select
        table_name,
        reason,
        example,
        extra_rows as rejected_rows
    from repeated_keys
)

select * from rejected
