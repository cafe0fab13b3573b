"""TOML experiment file -> frozen, validated Experiment: every section, split rules, messages with did-you-mean."""
