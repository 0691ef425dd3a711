"""Texts of FastAPI's own validation errors (the 422s pydantic raises), key -> (Turkish, English); merged into
loyalty/core/texts/errors.py's catalogue."""

TEXT: dict[str, tuple[str, str]] = {
    "validation.bool_parsing": ("doğru/yanlış değeri olmalı", "Input should be a valid boolean"),
    "validation.bool_type": ("doğru/yanlış değeri olmalı", "Input should be a valid boolean"),
    "validation.date_from_datetime_parsing": ("geçerli bir tarih olmalı", "Input should be a valid date"),
    "validation.date_parsing": ("geçerli bir tarih olmalı (YYYY-AA-GG)", "Input should be a valid date"),
    "validation.date_type": ("geçerli bir tarih olmalı", "Input should be a valid date"),
    "validation.datetime_from_date_parsing": (
        "geçerli bir tarih ve saat olmalı",
        "Input should be a valid datetime",
    ),
    "validation.datetime_parsing": ("geçerli bir tarih ve saat olmalı", "Input should be a valid datetime"),
    "validation.datetime_type": ("geçerli bir tarih ve saat olmalı", "Input should be a valid datetime"),
    "validation.decimal_parsing": ("geçerli bir sayı olmalı", "Input should be a valid decimal"),
    "validation.decimal_type": ("geçerli bir sayı olmalı", "Input should be a valid decimal"),
    "validation.dict_type": ("bir nesne olmalı", "Input should be a valid dictionary"),
    "validation.enum": ("şunlardan biri olmalı: {expected}", "Input should be {expected}"),
    "validation.extra_forbidden": ("bu alan kabul edilmiyor", "Extra inputs are not permitted"),
    "validation.finite_number": ("sonlu bir sayı olmalı", "Input should be a finite number"),
    "validation.float_parsing": ("geçerli bir sayı olmalı", "Input should be a valid number"),
    "validation.float_type": ("geçerli bir sayı olmalı", "Input should be a valid number"),
    "validation.greater_than": ("{gt} değerinden büyük olmalı", "Input should be greater than {gt}"),
    "validation.greater_than_equal": (
        "{ge} ya da daha büyük olmalı",
        "Input should be greater than or equal to {ge}",
    ),
    "validation.int_from_float": ("tam sayı olmalı", "Input should be a valid integer"),
    "validation.int_parsing": ("tam sayı olmalı", "Input should be a valid integer"),
    "validation.int_type": ("tam sayı olmalı", "Input should be a valid integer"),
    "validation.json_invalid": ("JSON okunamadı", "JSON decode error"),
    "validation.less_than": ("{lt} değerinden küçük olmalı", "Input should be less than {lt}"),
    "validation.less_than_equal": (
        "{le} ya da daha küçük olmalı",
        "Input should be less than or equal to {le}",
    ),
    "validation.list_type": ("bir liste olmalı", "Input should be a valid list"),
    "validation.literal_error": ("şunlardan biri olmalı: {expected}", "Input should be {expected}"),
    "validation.missing": ("bu alan gerekli", "Field required"),
    "validation.model_attributes_type": ("bir nesne olmalı", "Input should be a valid dictionary"),
    "validation.string_too_long": (
        "en çok {max_length} karakter olabilir",
        "String should have at most {max_length} characters",
    ),
    "validation.string_too_short": (
        "en az {min_length} karakter olmalı",
        "String should have at least {min_length} characters",
    ),
    "validation.string_type": ("metin olmalı", "Input should be a valid string"),
    "validation.too_long": (
        "en çok {max_length} öğe olabilir",
        "List should have at most {max_length} items",
    ),
    "validation.too_short": ("en az {min_length} öğe olmalı", "List should have at least {min_length} items"),
    "validation.uuid_parsing": ("geçerli bir UUID olmalı", "Input should be a valid UUID"),
    "validation.value_error": ("geçersiz değer", "Value error"),
}
