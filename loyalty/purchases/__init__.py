"""Purchases at the counter: recording them once per receipt, the card rule, feedback, finding a member and
what the pages show about one. Above members, cards, occasions and coupons: a purchase issues a card."""
