"""The counter's views across the domain packages: finding a member (search, card scan) and the member
overview (the counter's member panel and the member's own page)."""
