"""Seam: its client, payload models and webhook deliveries."""
