-- One row per user found in a landed user response (one user object, or a list of them):
-- the xuid and its gamertag at fetched_at.
with responses as (
    {{ landing_table('responses') }}
),

user_responses as (
    select
        response_id,
        fetched_at,
        payload
    from responses
    where
        kind = 'user'
        and http_status = {{ var('http_ok') }}
),

found_users as (
    select
        user_responses.response_id,
        user_responses.fetched_at,
        found.found_user
    from user_responses
    cross join
        unnest(
            case
                when json_type(user_responses.payload) = 'ARRAY'
                    then json_extract(user_responses.payload, '$[*]')
                else [user_responses.payload]
            end
        ) as found (found_user)
),

users as (
    select
        response_id,
        found_user ->> '$.xuid' as xuid,
        found_user ->> '$.gamertag' as gamertag,
        fetched_at
    from found_users
)

select * from users
