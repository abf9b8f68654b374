-- One row per (landed match_skill response, player entry with ResultCode 0): the player's
-- team MMR (Result.TeamMmr, else TeamMmrs[TeamId]), the best MMR among the other teams,
-- and the expected kills/deaths/assists with their standard deviations (NULL when the
-- response does not give them). A player listed twice keeps their first usable entry.
with responses as (
    {{ landing_table('responses') }}
),

skill_responses as (
    select
        response_id,
        match_id,
        payload
    from responses
    where
        kind = 'match_skill'
        and http_status = {{ var('http_ok') }}
),

entries as (
    select
        skill_responses.response_id,
        skill_responses.match_id,
        skill_entries.entry_no,
        skill_entries.entry,
        {{ halo_xuid("skill_entries.entry ->> '$.Id'") }} as xuid
    from skill_responses
    cross join
        unnest(json_extract(skill_responses.payload, '$.Value[*]'))
        with ordinality as skill_entries (entry, entry_no)
),

usable_entries as (
    -- ResultCode absent counts as 0
    select *
    from entries
    where
        xuid is not null
        and (
            json_type(entry, '$.ResultCode') is null
            or (
                json_type(entry, '$.ResultCode') in ('UBIGINT', 'BIGINT', 'DOUBLE')
                and cast(entry ->> '$.ResultCode' as double) = {{ var('skill_result_ok') }}
            )
        )
    qualify row_number() over (partition by response_id, xuid order by entry_no) = 1
),

results as (
    select
        response_id,
        match_id,
        entry_no,
        xuid,
        entry -> '$.Result' as result,
        try_cast(entry ->> '$.Result.TeamId' as integer) as team_id
    from usable_entries
    where json_type(entry, '$.Result') not in ('NULL')
),

team_mmrs as (
    select
        results.response_id,
        results.entry_no,
        try_cast(mmr_keys.team_key as integer) as mmr_team_id,
        try_cast(results.result -> '$.TeamMmrs' ->> mmr_keys.team_key as double) as mmr
    from results
    cross join unnest(json_keys(results.result, '$.TeamMmrs')) as mmr_keys (team_key)
),

mmr_pairs as (
    select
        results.response_id,
        results.entry_no,
        max(team_mmrs.mmr) filter (where team_mmrs.mmr_team_id = results.team_id) as own_team_mmr,
        max(team_mmrs.mmr) filter (
            where team_mmrs.mmr_team_id is distinct from results.team_id
        ) as enemy_mmr
    from results
    inner join team_mmrs
        on
            results.response_id = team_mmrs.response_id
            and results.entry_no = team_mmrs.entry_no
    where team_mmrs.mmr is not null
    group by results.response_id, results.entry_no
),

skill as (
    select
        results.response_id,
        results.match_id,
        results.xuid,
        results.team_id,
        case
            -- an absent TeamMmr falls back to TeamMmrs; a TeamMmr of null stays NULL
            when json_type(results.result, '$.TeamMmr') is null then mmr_pairs.own_team_mmr
            else try_cast(results.result ->> '$.TeamMmr' as double)
        end as team_mmr,
        mmr_pairs.enemy_mmr,
        try_cast(results.result ->> '$.StatPerformances.Kills.Expected' as double)
            as kills_expected,
        try_cast(results.result ->> '$.StatPerformances.Kills.StdDev' as double)
            as kills_stddev,
        try_cast(results.result ->> '$.StatPerformances.Deaths.Expected' as double)
            as deaths_expected,
        try_cast(results.result ->> '$.StatPerformances.Deaths.StdDev' as double)
            as deaths_stddev,
        try_cast(results.result ->> '$.StatPerformances.Assists.Expected' as double)
            as assists_expected,
        try_cast(results.result ->> '$.StatPerformances.Assists.StdDev' as double)
            as assists_stddev
    from results
    left join mmr_pairs
        on
            results.response_id = mmr_pairs.response_id
            and results.entry_no = mmr_pairs.entry_no
)

select * from skill
