"""Shim kept for old imports: the catalogue now ships inside the package.

Use :mod:`simtool.catalogue` (``from simtool.catalogue import ALL``).
"""

from simtool.catalogue import ALL

__all__ = ["ALL"]
