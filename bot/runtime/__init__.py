"""The durable runtime: inbox, per-chat ordered processing, outbox sender and deadline sweeps."""
