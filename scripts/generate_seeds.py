"""Write the seeds generated from spnkr's reference data (seeds/game_variant_categories.csv).
The logic lives in shared_matches.landing.seeds."""

from shared_matches.landing.seeds import write_seeds

if __name__ == "__main__":
    print(f"wrote {write_seeds()}")
