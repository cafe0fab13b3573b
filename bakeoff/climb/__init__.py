"""Climbing the ladder: prepare the frame, run each candidate in its own worker under its box (local, inline,
Ray engines; workers started ahead in prestart), early stop and checkpoints."""
