"""Domain error texts: key -> (Turkish, English); the API answers in the request's language.

A key is named ``<package>.<what went wrong>`` (``common.*`` when several packages raise it); see
loyalty/core/errors.py. Every key has both languages and the same placeholders in each (a test checks).
"""

from loyalty.core.texts import validation

TEXT: dict[str, tuple[str, str]] = {
    "accounts.first_admin_exists": (
        "ilk yönetici zaten oluşturuldu: giriş yapın ya da bir yöneticiden kullanıcı isteyin",
        "the first admin already exists: sign in, or ask an admin for a user",
    ),
    "accounts.last_active_admin_stay_active": (
        "son yönetici kalmalı",
        "the last active admin must stay an active admin",
    ),
    "accounts.name_1_200_characters": ("ad 1-200 karakter olmalı", "name must have 1 to 200 characters"),
    "accounts.password_least_8_characters": (
        "parola en az 8 karakter olmalı",
        "password must have at least 8 characters",
    ),
    "accounts.role_one": ("rol şunlardan biri olmalı: {value}", "role must be one of {value}"),
    "accounts.shop_name_1_200_characters": (
        "mağaza adı 1-200 karakter",
        "shop name must have 1 to 200 characters",
    ),
    "accounts.store_code_taken": ("{code} mağaza kodu kullanılıyor", "store code {code} is taken"),
    "accounts.unknown_country_code_iso_3166": (
        "bilinmeyen ülke kodu {country} (ISO 3166, ör. TR)",
        "unknown country code {country} (ISO 3166, e.g. TR)",
    ),
    "accounts.unknown_time_zone": ("bilinmeyen saat dilimi {values}", "unknown time zone {values}"),
    "accounts.user_already_exists": ("{username} kullanıcısı zaten var", "user {username} already exists"),
    "accounts.user_id_unknown": ("{user_id} numaralı kullanıcı yok", "no user with id {user_id}"),
    "accounts.user_unknown": ("{username} adlı kullanıcı yok", "no user {username}"),
    "accounts.username_required": ("kullanıcı adı gerekli", "username is required"),
    "accounts.whole_number_from": (
        "{name} {low} ile {high} arasında bir tam sayı olmalı",
        "{name} must be a whole number from {low} to {high}",
    ),
    "accounts.you_disable_yourself": ("kendinizi devre dışı bırakamazsınız", "you cannot disable yourself"),
    "api.file_larger_than_64_mb": ("dosya 64 MB'tan büyük", "the file is larger than 64 MB"),
    "api.since_date_yyyy_mm_dd": ("tarih veya saat", "since is a date (YYYY-MM-DD) or a time with zone"),
    "api.since_needs_time_zone_give": (
        "saat dilimi ya da tarih verin",
        "since needs a time zone, or give a date",
    ),
    "api.status_pending_review_listed": (
        "yalnızca onay bekleyenler listelenir",
        "only status=pending_review is listed",
    ),
    "api.target_kind_id": ("hedef örneği member:12", "target is a kind and an id, e.g. member:12"),
    "api.time_zone_needed": (
        "{name} için saat dilimi gerekli (ör. 2026-12-01T00:00:00+03:00)",
        "{name} needs a time zone (e.g. 2026-12-01T00:00:00+03:00)",
    ),
    "auth.message_sid_required": ("MessageSid gerekli", "MessageSid is required"),
    "auth.not_signed_in": ("oturum açılmamış ya da süresi dolmuş", "not signed in or token expired"),
    "auth.role_needed": ("bu işlem için gereken rol: {roles}", "this needs the role {roles}"),
    "auth.scope.account": ("hesap", "account"),
    "auth.scope.account_and_address": ("hesap ve adres", "account and address"),
    "auth.scope.address": ("adres", "address"),
    "auth.throttled": (
        "çok fazla hatalı giriş ({scope}); {seconds} saniye sonra tekrar deneyin",
        "too many failed sign-ins ({scope}); try again in {seconds} s",
    ),
    "auth.twilio_signature": ("Twilio imzası geçersiz", "invalid Twilio signature"),
    "auth.wrong_password": ("kullanıcı adı veya parola yanlış", "wrong username or password"),
    "campaigns.campaign_already_done": (
        "kampanya tamamlandı, iptal edilemez",
        "the campaign is already done",
    ),
    "campaigns.campaign_not_found": (
        "{campaign_id} numaralı kampanya bulunamadı",
        "campaign {campaign_id} not found",
    ),
    "campaigns.campaign_nothing_test": (
        "kampanyanın durumu {status}: denenecek bir şey yok",
        "the campaign is {status}: nothing to test",
    ),
    "campaigns.campaign_run_not_found": (
        "{run_id} numaralı kampanya gönderimi bulunamadı",
        "campaign run {run_id} not found",
    ),
    "campaigns.campaigns_run_yet_use_segment": (
        "bu segmenti kullanan kampanyalar var",
        "campaigns that have not run yet use this segment",
    ),
    "campaigns.days_before_0": ("0-{max_days_before} gün olmalı", "days_before must be 0-{max_days_before}"),
    "campaigns.detractor_s_feedback_followed_up": (
        "yalnızca {low}-{high} puanlar (kötüleyenler) izlenir",
        "only a detractor's feedback ({low}-{high}) is followed up",
    ),
    "campaigns.draft_scheduled_campaign": (
        "yalnızca taslak kampanya zamanlanabilir; bu kampanyanın durumu: {status}",
        "only a draft can be scheduled; this campaign is {status}",
    ),
    "campaigns.feedback_not_found": (
        "{feedback_id} numaralı geri bildirim bulunamadı",
        "feedback {feedback_id} not found",
    ),
    "campaigns.followup_open_contacted_resolved": (
        "geçersiz durum",
        "followup must be open, contacted or resolved",
    ),
    "campaigns.from_after": ("başlangıç bitişten sonra", "from is after to"),
    "campaigns.future_date_trigger": (
        "bu tetikleyici için ileri bir tarih yok",
        "no future date for this trigger",
    ),
    "campaigns.give_phone_mail_address_test": (
        "telefon ya da e-posta girin",
        "give a phone or an e-mail address for the test",
    ),
    "campaigns.group_one": ("gruplama şunlardan biri olmalı: {groups}", "group_by must be one of {groups}"),
    "campaigns.kinds_some": ("tür şunlardan olmalı: {known}", "kinds must be some of {known}"),
    "campaigns.locale_tr_en": ("dil tr veya en olmalı", "locale must be tr or en"),
    "campaigns.most_days": ("en çok {max_span_days} gün", "at most {max_span_days} days"),
    "campaigns.name_required_most_120_characters": (
        "segment adı gerekli (en çok 120)",
        "name is required (at most 120 characters)",
    ),
    "campaigns.name_required_most_200_characters": (
        "kampanya adı gerekli",
        "name is required (at most 200 characters)",
    ),
    "campaigns.note_most_1000_characters": (
        "not en çok 1000 karakter",
        "note must have at most 1000 characters",
    ),
    "campaigns.segment_named_exists": ("{name} adında bir segment var", "a segment named {name} exists"),
    "campaigns.segment_not_found": (
        "{segment_id} numaralı segment bulunamadı",
        "segment {segment_id} not found",
    ),
    "campaigns.segment_unknown": ("böyle bir segment yok", "no such segment"),
    "campaigns.send_local_date_time_like": (
        "gönderim zamanı 2026-12-31T10:00 gibi yerel tarih ve saat olmalı",
        "send_at must be a local date-time like 2026-12-31T10:00",
    ),
    "campaigns.send_time_hh_mm_00": ("gönderim saati SS:DD olmalı", "send_time must be HH:MM (00:00-23:59)"),
    "campaigns.send_time_past": ("gönderim zamanı geçmişte", "the send time is in the past"),
    "campaigns.send_within_5_years": ("en çok 5 yıl sonrası olabilir", "send_at must be within 5 years"),
    "campaigns.template_unknown": ("{template} adlı mesaj şablonu yok", "no message template {template}"),
    "campaigns.test_needs_email": (
        "bu kampanya e-posta ile gönderiyor: deneme için bir e-posta adresi girin",
        "this campaign sends by e-mail: give an e-mail address for the test",
    ),
    "campaigns.test_needs_phone": (
        "bu kampanya SMS ile gönderiyor: deneme için bir telefon numarası girin",
        "this campaign sends by SMS: give a phone for the test",
    ),
    "campaigns.trigger_one": (
        "tetikleyici şunlardan biri olmalı: {triggers}",
        "trigger must be one of {triggers}",
    ),
    "campaigns.unknown_holiday": ("bilinmeyen tatil {holiday_key}", "unknown holiday {holiday_key}"),
    "campaigns.valid_days_1": ("geçerlilik 1-{max_valid_days} gün", "valid_days must be 1-{max_valid_days}"),
    "cards.card_active_card_replaced": (
        "kartın durumu {status}; yalnızca aktif kart yenilenir",
        "card is {status}, only an active card can be replaced",
    ),
    "cards.card_active_cards_printed": (
        "{shown} kartının durumu {status}; yalnızca aktif kartlar basılır",
        "card {shown} is {status}, only active cards are printed",
    ),
    "cards.card_awaiting_staff_approval_approve": (
        "{shown} kartı personel onayı bekliyor; basmadan önce onaylayın",
        "card {shown} is awaiting staff approval; approve it before printing",
    ),
    "cards.card_card_awaiting_review_approved": (
        "kartın durumu {status}; yalnızca onay bekleyen kart onaylanır",
        "card is {status}, only a card awaiting review can be approved",
    ),
    "cards.card_card_awaiting_review_rejected": (
        "kartın durumu {status}; yalnızca onay bekleyen kart reddedilir",
        "card is {status}, only a card awaiting review can be rejected",
    ),
    "cards.card_number_check_digit_wrong": (
        "kart numarasının kontrol basamağı hatalı",
        "card number check digit is wrong",
    ),
    "cards.card_number_contain_digits": (
        "kart numarası yalnızca rakam içermeli",
        "card number must contain digits only",
    ),
    "cards.card_number_digits_got": (
        "kart numarası {card_number_length} haneli olmalı ({number_length} hane girildi)",
        "card number must have {card_number_length} digits, got {number_length}",
    ),
    "cards.card_number_invalid": ("kart numarası geçersiz", "card number is not valid"),
    "cards.card_was_replaced": (
        "{number} kartının yerine {new} verildi",
        "card {number} was replaced by {new}",
    ),
    "wallet.not_configured": ("{wallet} kartı henüz kurulmadı", "the {wallet} card is not set up yet"),
    "wallet.unauthorized": ("kart yok ya da yetki geçersiz", "no such pass, or a wrong authentication token"),
    "cards.member_card_yet": (
        "{member_id} numaralı üyenin henüz kartı yok",
        "member {member_id} has no card yet",
    ),
    "cards.number_at": ("{position}. numara ({raw}): {reason}", "number #{position} ({raw}): {reason}"),
    "cards.number_unknown": ("{digits} numaralı kart yok", "no card with number {digits}"),
    "cards.position": ("{position}. numara: {reason}", "number #{position}: {reason}"),
    "cards.reason_required": ("bir neden yazın", "a reason is required"),
    "common.card_not_found": ("{card_id} numaralı kart bulunamadı", "card {card_id} not found"),
    "common.link_invalid": ("bu bağlantı geçerli değil", "this link is not valid"),
    "common.member_not_found": ("{member_id} numaralı üye bulunamadı", "member {member_id} not found"),
    "common.occasion_not_found": (
        "{occasion_id} numaralı özel gün bulunamadı",
        "occasion {occasion_id} not found",
    ),
    "common.real_date": (
        "{month:02d}-{day:02d} gerçek bir tarih değil",
        "{month:02d}-{day:02d} is not a real date",
    ),
    "common.reason_most_500_characters": (
        "neden en çok 500 karakter",
        "reason must be at most 500 characters",
    ),
    "common.store_unknown": ("{store_id} numaralı mağaza yok", "store {store_id} does not exist"),
    "common.database_unavailable": (
        "veritabanı yanıt vermiyor, biraz sonra yeniden deneyin",
        "the database is not answering; try again shortly",
    ),
    "common.unknown_time_zone": ("bilinmeyen saat dilimi {raw}", "unknown time zone {raw}"),
    "common.unstorable_text": (
        "metinde geçersiz karakter var (NUL ya da yarım bir UTF-16 vekil çifti)",
        "text holds a NUL or half of a UTF-16 surrogate pair, which is not a character",
    ),
    "common.year_out_range": ("yıl geçersiz", "year is out of range"),
    "coupons.code_unknown": ("{bare} kodlu kupon yok", "no coupon with code {bare}"),
    "coupons.code_look_alikes": (
        "kupon kodunda olmayan karakterler var: {shown} (kodlarda 0, O, 1, I, L yoktur); kodu kontrol edin",
        "coupon code has characters it never contains: {shown} (codes never contain 0, O, 1, I or L); "
        "check the code",
    ),
    "coupons.coupon_code_characters_never_contains": (
        "kupon kodunda olmayan karakterler var: {shown}; kodu kontrol edin",
        "coupon code has characters it never contains: {shown}; check the code",
    ),
    "coupons.coupon_code_characters_xxxx_xxxx": (
        "kupon kodu {code_length} karakterdir, girilen {bare_length}",
        "a coupon code has {code_length} characters (XXXX-XXXX-XXX), this one has {bare_length}",
    ),
    "coupons.coupon_code_required": ("kupon kodu gerekli", "coupon code is required"),
    "coupons.coupon_expired": (
        "{code} kuponunun süresi {when} tarihinde doldu",
        "coupon {code} expired on {when}",
    ),
    "coupons.min_purchase": (
        "bu kupon en az {minimum} {currency} alışverişte geçerli; girilen tutar: {given} {currency}",
        "this coupon needs a purchase of at least {minimum} {currency}; purchase_amount: {given} {currency}",
    ),
    "coupons.min_purchase_none": (
        "bu kupon en az {minimum} {currency} alışverişte geçerli; alışveriş tutarı girilmedi",
        "this coupon needs a purchase of at least {minimum} {currency}; purchase_amount: none given",
    ),
    "coupons.coupon_redeemed_now": (
        "{code} kuponu şu an kullanılamaz",
        "coupon {code} cannot be redeemed now",
    ),
    "coupons.coupon_redeemed_status": (
        "{code} kuponu kullanılmamış (durum: {status})",
        "coupon {code} is not redeemed (status: {status})",
    ),
    "coupons.coupon_valid_before": (
        "{code} kuponu {when} tarihinden önce geçerli değil",
        "coupon {code} is not valid before {when}",
    ),
    "coupons.coupon_was_cancelled": ("{code} kuponu iptal edildi", "coupon {code} was cancelled"),
    "coupons.idempotency_key_invalid": (
        "{header} 1-{max_key_length} karakter olmalı",
        "{header} must be 1-{max_key_length} printable characters (a UUID is ideal)",
    ),
    "coupons.more_than_2_decimals": (
        "{field_name}: en fazla 2 ondalık basamak olabilir",
        "{field_name} has more than 2 decimals",
    ),
    "coupons.offer_kind_percent_amount": (
        "indirim türü percent ya da amount",
        "offer kind must be percent or amount",
    ),
    "coupons.offer_value_more_than_0": (
        "indirim değeri 0'dan büyük olmalı",
        "offer value must be more than 0",
    ),
    "coupons.offer_value_too_large": ("indirim değeri çok büyük", "offer value is too large"),
    "coupons.percent_offer_most_100": ("yüzde indirim en çok 100", "a percent offer is at most 100"),
    "coupons.reason_required_reverse_redemption": (
        "geri alma nedeni gerekli",
        "a reason is required to reverse a redemption",
    ),
    "coupons.reason_cancelled": ("iptal edildi", "cancelled"),
    "coupons.reason_expired": ("süresi {when} tarihinde doldu", "expired at {when}"),
    "coupons.reason_not_yet": ("{when} tarihinden önce geçerli değil", "not valid before {when}"),
    "coupons.reason_redeemed": ("{when} tarihinde kullanıldı", "already redeemed at {when}"),
    "coupons.redeemed": (
        "{code} kuponu {when} tarihinde kullanıldı",
        "coupon {code} already redeemed on {when}",
    ),
    "coupons.redeemed_at_store": (
        "{code} kuponu {when} tarihinde {store} mağazasında kullanıldı",
        "coupon {code} already redeemed on {when} at {store}",
    ),
    "coupons.request_still_running_retry_moment": (
        "bu {header} ile bir istek sürüyor; biraz sonra tekrar deneyin",
        "a request with this {header} is still running; retry in a moment",
    ),
    "coupons.valid_days_least_1": ("geçerlilik en az 1 gün", "valid_days must be at least 1"),
    "coupons.was_already_used_different_request": (
        "bu {header} başka bir istek için kullanıldı",
        "this {header} was already used for a different request; use a new key for a new request",
    ),
    "holidays.country_supported_iso_3166_code": (
        "{country} desteklenen bir ISO 3166 ülke kodu değil",
        "country {country} is not a supported ISO 3166 code",
    ),
    "holidays.key_2_64_characters_z": ("geçersiz anahtar", "key must be 2-64 characters of a-z, 0-9 and _"),
    "holidays.key_already_public_commercial_holiday": (
        "{key_name} anahtarı zaten resmî ya da ticari bir tatil",
        "key {key_name} is already a public or commercial holiday",
    ),
    "holidays.lang_one": ("dil şunlardan biri olmalı: {languages}", "lang must be one of {languages}"),
    "holidays.month_1_12": ("geçersiz ay", "month must be 1-12"),
    "holidays.name_en_most_120_characters": (
        "İngilizce ad en çok 120 karakter olabilir",
        "name_en must be at most 120 characters",
    ),
    "holidays.name_tr_required_most_120": (
        "Türkçe ad gerekli",
        "name_tr is required (at most 120 characters)",
    ),
    "holidays.store_day_already_exists": (
        "{key_name} mağaza günü zaten var",
        "store day {key_name} already exists",
    ),
    "holidays.store_day_not_found": ("{key_name} mağaza günü bulunamadı", "store day {key_name} not found"),
    "holidays.unknown_in_year": (
        "{country} için {year} yılında {key_name} tatili yok",
        "no holiday {key_name} in {year} for {country}",
    ),
    "holidays.year_1900_2200": ("yıl 1900 ile 2200 arasında olmalı", "year must be 1900-2200"),
    "members.actor_1_120_characters": (
        "işlemi yapan 1-120 karakter olmalı",
        "actor must have 1 to 120 characters",
    ),
    "members.channel_sms_email": ("kanal sms veya email olmalı", "channel must be sms or email"),
    "members.consent_date_future": ("izin tarihi gelecekte", "the consent date is in the future"),
    "members.consent_source_1_32_characters": (
        "en çok 32 karakter",
        "consent_source must have 1 to 32 characters",
    ),
    "members.email_invalid": (
        "geçerli bir e-posta adresi değil ({exc})",
        "not a valid e-mail address: {exc}",
    ),
    "members.full_name_most_200_characters": (
        "en çok 200 karakter",
        "full name must have at most 200 characters",
    ),
    "members.full_name_required": ("ad soyad gerekli", "full name is required"),
    "members.given_consent_needs_date": ("izin tarihi gerekli", "a given consent needs its date"),
    "members.given_consent_needs_i_ys": ("izin kaynağı gerekli", "a given consent needs its İYS source code"),
    "members.email_link_used": (
        "bu bağlantı kullanılmış ya da yenisi gönderilmiş: en son e-postadaki bağlantıyı kullanın",
        "this link was already used or a newer one was sent: use the newest e-mail",
    ),
    "members.import_field_longer": ("{max_field} karakterden uzun", "longer than {max_field} characters"),
    "members.import_field_nul": ("NUL karakteri içeriyor", "contains a NUL character"),
    "members.import_field_too_long": ("alan çok uzun ({reason})", "a field is too long ({reason})"),
    "members.i_ys_source_code": (
        "{raw_source} bir İYS kaynak kodu değil ({codes})",
        "{raw_source} is not an İYS source code ({codes})",
    ),
    "members.locale_one": (
        "dil şunlardan biri olmalı: {supported_locales}",
        "locale must be one of {supported_locales}",
    ),
    "members.mail_address_required": ("e-posta adresi gerekli", "an e-mail address is required"),
    "members.mail_consent_needs_mail_address": (
        "e-posta izni için e-posta adresi gerekli",
        "e-mail consent needs an e-mail address",
    ),
    "members.mail_preferred_channel_needs_mail": (
        "e-posta tercihi için adres gerekli",
        "e-mail as preferred channel needs an e-mail address",
    ),
    "members.member_id_unknown": ("{member_id} numaralı üye yok", "no member with id {member_id}"),
    "members.missing_columns": ("eksik sütunlar: {missing}", "missing columns: {missing}"),
    "members.phone_already_belongs_member": (
        "{phone} telefonu zaten {id} numaralı üyenin ({full_name})",
        "phone {phone} already belongs to member {id} ({full_name})",
    ),
    "members.phone_invalid": (
        "{text} geçerli bir telefon numarası değil",
        "{text} is not a valid phone number",
    ),
    "members.phone_required": ("telefon numarası gerekli", "phone is required"),
    "members.preferred_channel_sms_email": (
        "tercih edilen kanal sms veya email olmalı",
        "preferred channel must be sms or email",
    ),
    "members.recipient_type_bireysel_tacir": (
        "alıcı türü BIREYSEL veya TACIR olmalı",
        "recipient_type must be BIREYSEL or TACIR",
    ),
    "members.request_id_unknown": ("{request_id} numaralı talep yok", "no request with id {request_id}"),
    "members.same_phone": ("{line}. satırla aynı telefon", "same phone as line {line}"),
    "members.source_1_32_characters": ("kaynak 1-32 karakter olmalı", "source must have 1 to 32 characters"),
    "members.store_code_unknown": ("{store_code} kodlu mağaza yok", "no store with code {store_code}"),
    "members.until_future": ("bitiş tarihi gelecekte olmalı", "until must be in the future"),
    "members.write_yes": ("{raw}: evet veya hayır yazın", "{raw}: write yes or no"),
    "messaging.message_not_found": (
        "{message_id} numaralı mesaj bulunamadı",
        "message {message_id} not found",
    ),
    "messaging.template_missing": (
        "{purpose} için {locale} dilinde {name} şablonu yok",
        "no {name} template for {purpose} in {locale}",
    ),
    "messaging.template_value_primitive": (
        "şablon değeri {key_name} basit bir değer olmalı, {type_name} olamaz",
        "template value {key_name} must be a primitive, not {type_name}",
    ),
    "messaging.unknown_channel": ("bilinmeyen kanal {channel}", "unknown channel {channel}"),
    "occasions.date_required_month_day": ("tarih gerekli", "date is required (or month and day)"),
    "occasions.date_yyyy_mm_dd_mm": (
        "tarih YYYY-AA-GG olmalı",
        "date must be YYYY-MM-DD, or MM-DD when the year is unknown",
    ),
    "occasions.days_1_366": ("gün sayısı 1-366 olmalı", "days must be 1-366"),
    "occasions.kind_one": ("tür şunlardan biri olmalı: {value}", "kind must be one of {value}"),
    "occasions.month_1_12": ("ay {month} geçersiz, 1-12 olmalı", "month {month} is not 1-12"),
    "occasions.now_aware_datetime": ("şimdiki zaman saat dilimli olmalı", "now must be an aware datetime"),
    "occasions.offset_days_0_366": ("gün farkı 0-366 olmalı", "offset_days must be 0-366"),
    "occasions.one_off_once_occasion_needs": (
        "yıl gerekli",
        "a one-off (once) occasion needs a full date with its year",
    ),
    "occasions.purpose_most_characters": (
        "amaç en çok {purpose_max} karakter olabilir",
        "purpose must be at most {purpose_max} characters",
    ),
    "occasions.purpose_required_occasion_customer_s": (
        "amaç gerekli",
        "purpose is required: the occasion in the customer's words",
    ),
    "occasions.recurrence_yearly_once": ("yıllık ya da bir kez", "recurrence must be yearly or once"),
    "occasions.recurrence_yearly_once_required_custom": (
        "özel gün için tekrar (yıllık ya da bir kez) gerekli",
        "recurrence (yearly or once) is required for a custom occasion",
    ),
    "occasions.relation_name_most_100_characters": (
        "yakınlık adı en çok 100 karakter olabilir",
        "relation_name must be at most 100 characters",
    ),
    "occasions.remind_days_before_0": (
        "hatırlatma 0-{remind_max} gün önce olmalı",
        "remind_days_before must be 0-{remind_max}",
    ),
    "occasions.whom_one": (
        "kimin için şunlardan biri olmalı: {relations}",
        "for_whom must be one of {relations}",
    ),
    "occasions.year_out_range": ("yıl {year} geçersiz", "year {year} is out of range"),
    "preview.no_consent": ("hatırlatma: hiçbir kanalda izin yok", "reminder: no consent on any channel"),
    "preview.not_in_audience": (
        "kampanya {id} ({name}): üye bu kampanyanın kitlesinde değil (izin, filtreler, uzun süredir gelmeme, "
        "geri bildirim incelemesi)",
        "campaign {id} ({name}): the member is not in its audience "
        "(consent, filters, lapsed, feedback review)",
    ),
    "preview.paused": ("üye kampanyaları durdurdu", "the member paused promotions"),
    "preview.retired": ("kaldırıldı: hiçbir şey gönderilmeyecek", "retired: nothing will be sent"),
    "purchases.coupon_belongs_another_member": (
        "{code} kuponu başka bir üyenin",
        "coupon {code} belongs to another member",
    ),
    "purchases.give_phone_q_name_card": (
        "telefon, isim veya kart numarası girin",
        "give phone, q (name) or card",
    ),
    "purchases.occurred_future": ("alışveriş zamanı gelecekte olamaz", "occurred_at is in the future"),
    "purchases.occurred_more_than_10_years": (
        "alışveriş zamanı 10 yıldan eski olamaz",
        "occurred_at is more than 10 years ago",
    ),
    "purchases.occurred_needs_time_zone_offset": (
        "saat dilimi belirtilmeli",
        "occurred_at needs a time zone offset, e.g. 2026-05-01T14:30:00+03:00",
    ),
    "purchases.purchase_member_s": (
        "alışveriş {purchase_id} bu üyenin değil",
        "purchase {purchase_id} is not this member's",
    ),
    "purchases.receipt_already_recorded_another_member": (
        "{receipt_id} numaralı fiş başka bir üyeye kayıtlı",
        "receipt {receipt_id} is already recorded for another member",
    ),
    "purchases.receipt_changed_meanwhile_try_again": (
        "{receipt_id} numaralı fiş az önce değişti, tekrar deneyin",
        "receipt {receipt_id} changed meanwhile, try again",
    ),
    "purchases.receipt_id_longer_than_64": (
        "fiş numarası en fazla 64 karakter",
        "receipt_id is longer than 64 characters",
    ),
    "purchases.receipt_id_required": ("fiş numarası gerekli", "receipt_id is required"),
    "purchases.score_whole_number_from_0": (
        "puan {low} ile {high} arasında bir tam sayı olmalı",
        "score must be a whole number from {low} to {high}",
    ),
    "purchases.search_most_words_characters": (
        "arama en çok {max_search_words} kelime ve {max_search_chars} karakter olabilir",
        "search at most {max_search_words} words and {max_search_chars} characters",
    ),
    "accounts.code_1_32_letters_turkish": (
        "kod: 1-32 harf (Türkçe harfler dahil), rakam, - ya da _; boşluk olmaz",
        "code: 1 to 32 letters (Turkish letters too), digits, - or _, no spaces",
    ),
    "campaigns.draft_s_words_change_campaign": (
        "yalnız taslak kampanyanın metni değişebilir; bu kampanya {status}",
        "only a draft's words can change; this campaign is {status}",
    ),
    "cards.member_card_was_rejected": (
        "{member_id} numaralı üyenin kartı reddedildi",
        "member {member_id} has no card: it was rejected",
    ),
    "core.0_more": (
        "{field_name} 0 ya da üstü olmalı",
        "{field_name} must be 0 or more",
    ),
    "core.ambiguous_did_you_mean": (
        "{field_name}: {value} belirsiz: {shown}?",
        "{field_name}: {value} is ambiguous, did you mean {shown}?",
    ),
    "core.greater_than_0": (
        "{field_name} 0'dan büyük olmalı",
        "{field_name} must be greater than 0",
    ),
    "core.most": (
        "{field_name} en çok {max_money}",
        "{field_name} is at most {max_money}",
    ),
    "core.required": (
        "{field_name} gerekli",
        "{field_name} is required",
    ),
    "delivery.days_1": (
        "gün sayısı 1-{max_days} olmalı",
        "days must be 1-{max_days}",
    ),
    "members.date_write_20_11_2026": (
        "{raw} tarih değil: 20.11.2026 ya da 2026-11-20 yazın",
        "{raw} is not a date: write 20.11.2026 or 2026-11-20",
    ),
    "messaging.brace_name_placeholder_write_brace": (
        "süslü parantez bir yer tutucu adlandırmalı ({{{exc}}}); süslü parantez için {{{{ yazın",
        "a brace must name a placeholder ({{{exc}}}); write {{{{ for a brace",
    ),
    "messaging.coupon_campaign_s_text_needs": (
        "kupon kampanyasında {{kod}} gerekli",
        "a coupon campaign's text needs {{kod}}",
    ),
    "messaging.most_characters": (
        "en fazla {max_length} karakter",
        "at most {max_length} characters",
    ),
    "messaging.object_per_language": (
        "dil başına bir nesne olmalı",
        "must be an object per language",
    ),
    "messaging.object_sms_email_subject": (
        "sms, email ve subject alanları olan bir nesne olmalı",
        "must be an object with sms, email, subject",
    ),
    "messaging.unknown_language_tr_en": (
        "bilinmeyen dil {lang} (tr, en)",
        "unknown language {lang} (tr, en)",
    ),
    "messaging.unknown_part_sms_email_subject": (
        "bilinmeyen bölüm {part} (sms, email, subject)",
        "unknown part {part} (sms, email, subject)",
    ),
    "core.not_money": ("{field_name} geçerli bir tutar olmalı", "{field_name} must be an amount of money"),
    "messaging.unknown_placeholder": (
        "bilinmeyen yer tutucu {placeholder_name}; bilinenler: {known}",
        "unknown placeholder {placeholder_name}; known: {known}",
    ),
    "members.file_not_text": (
        "dosya UTF-8 ya da Windows Türkçe (1254) metin değil: Excel'de \"CSV UTF-8\" olarak kaydedin",
        "the file is neither UTF-8 nor Windows Turkish (1254) text: in Excel, save it as \"CSV UTF-8\"",
    ),
}
TEXT.update(validation.TEXT)  # FastAPI's own 422s, in their own module
