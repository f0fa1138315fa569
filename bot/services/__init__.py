"""Domain services: plain async functions over a database session, free of Telegram."""
