"""Floating-point engine (torch, numpy, scipy). Never imports rich."""
