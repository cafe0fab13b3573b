"""The bottom layer, standard library only: errors, the candidate row and its column declarations, seeds,
durations, the money formatter, shared defaults and in-worker measurement."""
