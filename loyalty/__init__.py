"""Loyalty points that live on chain."""

__version__ = "0.1.0"
