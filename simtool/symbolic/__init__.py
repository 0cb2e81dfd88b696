"""Exact symbolic engine (sympy, networkx). Never imports torch or rich."""
