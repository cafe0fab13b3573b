"""Where exported ``score.py`` files written before the layered layout look for ``score_folder``.

Those files run ``from bakeoff.deploy import score_folder``; it lives in :mod:`bakeoff.export.deploy`.
"""

from bakeoff.export.deploy import score_folder

__all__ = ["score_folder"]
