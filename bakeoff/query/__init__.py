"""The SQL layer: the bundled SQL files and their metadata headers, and the sandbox that runs user SQL."""
