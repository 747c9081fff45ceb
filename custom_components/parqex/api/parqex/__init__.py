"""ParqEx: its client and payload models."""
