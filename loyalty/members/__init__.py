"""Members: registering and changing them, the consent ledger, pausing promotions, SMS keywords."""
