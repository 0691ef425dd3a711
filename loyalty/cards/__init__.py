"""Named loyalty cards: numbers, issuing and review, the welcome message, the printable PDF."""
