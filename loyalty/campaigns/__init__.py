"""Campaigns: a holiday, date or occasion trigger, an audience, an offer and a channel; their runs, content,
preview and results. Above the independent domain packages: a run issues coupons and queues messages."""
