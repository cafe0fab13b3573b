"""The ladder: one module per family of candidates; heavy libraries are imported inside ``fit``."""
