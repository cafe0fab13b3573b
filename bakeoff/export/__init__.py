"""Demo packs and deploy folders from a finished run."""
