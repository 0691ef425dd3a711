"""The holiday calendar: public holidays (``holidays`` package), commercial days (dateutil rules) and the
shop's own store days, each with a stable key usable for any year (``kurban_bayrami``, ``anneler_gunu``)."""
