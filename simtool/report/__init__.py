"""Report layer: rich tables, JSON documents and figures for the CLI commands.

Only this layer (and :mod:`simtool.cli`) touches rich, matplotlib and files.
"""
