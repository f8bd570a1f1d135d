"""Pieces every connector shares: the contract types and the extract shape."""
