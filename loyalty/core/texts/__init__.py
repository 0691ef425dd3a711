"""The pages' UI texts in Turkish and English, one module per page group: ``TEXT = {key: (tr, en)}``."""
