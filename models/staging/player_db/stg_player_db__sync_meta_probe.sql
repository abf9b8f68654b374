select * from player_db.main.sync_meta
