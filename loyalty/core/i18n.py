"""The web pages' UI text in Turkish and English, and the choice of language for a request.

The language comes from ``?lang=tr|en``, then the ``lang`` cookie, then the browser's Accept-Language
(negotiated with Babel), then the shop's default locale. Message texts (SMS, e-mail) live in
templates/messages, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from babel.core import negotiate_locale

SUPPORTED: tuple[str, ...] = ("tr", "en")


COOKIE = "lang"


# key -> (Turkish, English)
_TEXT: dict[str, tuple[str, str]] = {
    # layout and sign-in
    "app.title": ("Sadakat programı", "Loyalty program"),
    "nav.home": ("Giriş", "Home"),
    "nav.counter": ("Kasa", "Counter"),
    "nav.marketing": ("Pazarlama", "Marketing"),
    "nav.outbox": ("Giden kutusu", "Outbox"),
    "nav.language": ("Dil", "Language"),
    "nav.main": ("Ana menü", "Main menu"),
    "title.index": ("Giriş", "Sign in"),
    "title.counter": ("Kasa", "Counter"),
    "title.marketing": ("Pazarlama", "Marketing"),
    "title.outbox": ("Giden kutusu (geliştirme)", "Outbox (development)"),
    "title.member": ("Tercihlerim", "My preferences"),
    "title.unsubscribe": ("Abonelikten çık", "Unsubscribe"),
    "unsub.channel.sms": ("SMS", "SMS"),
    "unsub.channel.email": ("e-posta", "e-mail"),
    "unsub.question": (
        "{channel} ile kampanya mesajı almak istemiyor musunuz?",
        "No more offers by {channel}?",
    ),
    "unsub.button": ("Abonelikten çık", "Unsubscribe"),
    "unsub.done": (
        "Artık {channel} ile kampanya mesajı almayacaksınız.",
        "You will no longer receive offers by {channel}.",
    ),
    "login.heading": ("Personel girişi", "Staff sign-in"),
    "login.username": ("Kullanıcı adı", "Username"),
    "login.password": ("Parola", "Password"),
    "login.submit": ("Giriş yap", "Sign in"),
    "login.failed": ("Kullanıcı adı veya parola yanlış.", "Wrong username or password."),
    "login.signed_in_as": ("Giriş yapan:", "Signed in as"),
    "login.sign_out": ("Çıkış yap", "Sign out"),
    "login.your_pages": ("Sayfalarınız", "Your pages"),
    "login.need": ("Bu sayfa için giriş yapmalısınız.", "You need to sign in for this page."),
    "login.go": ("Giriş sayfasına git", "Go to the sign-in page"),
    "role.staff": ("kasa personeli", "counter staff"),
    "role.marketing": ("pazarlama", "marketing"),
    "role.admin": ("yönetici", "admin"),
    "role.wrong": (
        "Bu sayfa şu roller için: {roles}. Siz {role} olarak giriş yaptınız.",
        "This page is for: {roles}. You are signed in as {role}.",
    ),
    "page.counter.about": (
        "Müşteri bulma, üye kaydı, alışveriş, kart ve kupon",
        "Find customers, register members, purchases, cards and coupons",
    ),
    "page.marketing.about": (
        "Bayram takvimi, kampanyalar, önizleme ve sonuçlar",
        "Holiday calendar, campaigns, preview and results",
    ),
    "page.outbox.about": (
        "Geliştirme ortamında yazılan mesajlar (gönderilmez)",
        "Messages written in development (never sent)",
    ),
    # errors
    "err.network": ("Sunucuya ulaşılamadı.", "The server could not be reached."),
    "err.401": ("Oturumunuz yok veya süresi doldu; lütfen yeniden giriş yapın.", "Please sign in again."),
    "err.403": ("Rolünüz bu işlem için yetkili değil.", "Your role is not allowed to do this."),
    "err.404": ("Bulunamadı.", "Not found."),
    "err.409": ("Çakışma: bu kayıt zaten var.", "Conflict: this already exists."),
    "err.410": ("Süresi dolmuş.", "Expired."),
    "err.422": ("Lütfen girdiğiniz bilgileri kontrol edin.", "Please check what you entered."),
    "err.other": ("Beklenmeyen bir hata oluştu.", "Something went wrong."),
    "common.busy": ("Çalışıyor…", "Working…"),
    "common.yes": ("evet", "yes"),
    "common.no": ("hayır", "no"),
    "common.none": ("yok", "none"),
    "common.refresh": ("Yenile", "Refresh"),
    "common.details": ("Ayrıntılar", "Details"),
    # counter: find
    "find.heading": ("Müşteri bul", "Find a customer"),
    "find.query": ("Telefon, kart numarası veya ad", "Phone, card number or name"),
    "find.by": ("Arama türü", "Search by"),
    "find.by.auto": ("Otomatik", "Automatic"),
    "find.by.phone": ("Telefon", "Phone"),
    "find.by.card": ("Kart", "Card"),
    "find.by.name": ("Ad", "Name"),
    "find.submit": ("Bul", "Find"),
    "find.none": ("Kayıtlı üye bulunamadı.", "No member found."),
    "find.choose": ("Birden çok üye bulundu; birini seçin:", "Several members found; choose one:"),
    "find.open": ("Aç", "Open"),
    # counter: member panel
    "member.heading": ("Üye", "Member"),
    "member.name": ("Ad soyad", "Full name"),
    "member.phone": ("Telefon", "Phone"),
    "member.email": ("E-posta", "E-mail"),
    "member.locale": ("Dil", "Language"),
    "member.consent": ("İzinler", "Consent"),
    "member.consent_sms": ("SMS ile kampanya almak istiyor", "Agrees to receive offers by SMS"),
    "member.consent_email": ("E-posta ile kampanya almak istiyor", "Agrees to receive offers by e-mail"),
    "member.card": ("Kart", "Card"),
    "member.no_card": ("Henüz kart yok", "No card yet"),
    "member.coupons": ("Geçerli kuponlar", "Active coupons"),
    "member.no_coupons": ("Geçerli kupon yok", "No active coupons"),
    "member.paused": ("Kampanyalar durduruldu", "Promotions paused"),
    "card.pdf": ("Kart PDF'ini indir", "Download card PDF"),
    "card.status.active": ("aktif", "active"),
    "card.status.pending_review": ("onay bekliyor", "awaiting review"),
    "card.status.revoked": ("iptal", "revoked"),
    # counter: register
    "register.heading": ("Yeni üye kaydı", "Register a new member"),
    "register.submit": ("Üyeyi kaydet", "Register member"),
    "register.done": ("Üye kaydedildi.", "Member registered."),
    "register.exists": ("Bu telefon numarası zaten kayıtlı.", "This phone number is already registered."),
    "register.open_existing": ("Kayıtlı üyeyi aç", "Open the existing member"),
    "register.consent_legend": ("İletişim izinleri", "Contact consent"),
    "lang.tr": ("Türkçe", "Turkish"),
    "lang.en": ("İngilizce", "English"),
    # counter: purchase
    "purchase.heading": ("Alışveriş kaydet", "Record a purchase"),
    "purchase.amount": ("Tutar (₺)", "Amount (₺)"),
    "purchase.receipt": ("Fiş numarası", "Receipt number"),
    "purchase.submit": ("Alışverişi kaydet", "Record purchase"),
    "purchase.done": ("Alışveriş kaydedildi.", "Purchase recorded."),
    "purchase.repeat": (
        "Bu fiş zaten kayıtlı; ikinci kez kaydedilmedi.",
        "This receipt was already recorded; nothing was recorded twice.",
    ),
    "purchase.card_issued": ("Kart çıkarıldı!", "Card issued!"),
    "purchase.card_pending": (
        "Kart oluşturuldu, personel onayı bekliyor.",
        "A card was created and awaits staff review.",
    ),
    "purchase.select_member": ("Önce bir üye bulun veya kaydedin.", "Find or register a member first."),
    # counter: coupons
    "coupon.heading": ("Kupon kullan", "Redeem a coupon"),
    "coupon.code": ("Kupon kodu", "Coupon code"),
    "coupon.amount": ("Alışveriş tutarı (isteğe bağlı)", "Purchase amount (optional)"),
    "coupon.check": ("Kontrol et", "Check"),
    "coupon.redeem": ("Kullan", "Redeem"),
    "coupon.valid": ("Kupon geçerli.", "The coupon is valid."),
    "coupon.redeemed": ("Kupon kullanıldı.", "Coupon redeemed."),
    "coupon.409": ("Bu kupon daha önce kullanılmış.", "This coupon was already redeemed."),
    "coupon.410": ("Bu kuponun süresi dolmuş.", "This coupon has expired."),
    "coupon.404": ("Bu kodla bir kupon yok.", "There is no coupon with this code."),
    "coupon.422": ("Kupon kodu veya tutar geçersiz.", "The coupon code or the amount is not valid."),
    "coupon.discount": ("İndirim", "Discount"),
    "coupon.amount_due": ("Ödenecek", "To pay"),
    "coupon.offer": ("İndirim", "Offer"),
    "coupon.expires": ("Son geçerlilik", "Expires"),
    # marketing: calendar
    "cal.heading": ("Bayram ve özel günler takvimi", "Holiday calendar"),
    "cal.year": ("Yıl", "Year"),
    "cal.show": ("Takvimi göster", "Show calendar"),
    "cal.date": ("Tarih", "Date"),
    "cal.name": ("Gün", "Holiday"),
    "cal.days": ("Gün sayısı", "Days"),
    "cal.kind": ("Tür", "Kind"),
    "cal.kind.public": ("resmî tatil", "public holiday"),
    "cal.kind.commercial": ("ticari gün", "commercial day"),
    "cal.kind.store": ("mağaza günü", "store day"),
    "cal.estimated": ("tahmini", "estimated"),
    "cal.plan": ("Kampanya planla", "Plan a campaign"),
    # marketing: campaigns
    "camp.heading": ("Kampanyalar", "Campaigns"),
    "camp.none": ("Henüz kampanya yok.", "No campaigns yet."),
    "camp.create": ("Bayram kampanyası oluştur", "Create a holiday campaign"),
    "camp.name": ("Kampanya adı", "Campaign name"),
    "camp.holiday": ("Bayram / özel gün", "Holiday"),
    "camp.holiday_hint": ("Önce takvimi gösterin.", "Show the calendar first."),
    "camp.days_before": ("Kaç gün önce", "Days before"),
    "camp.send_time": ("Gönderim saati (üyenin yerel saati)", "Send time (member's local time)"),
    "camp.repeat": ("Tekrar", "Repeat"),
    "camp.every_year": ("Her yıl", "Every year"),
    "camp.one_year": ("Yalnızca bu yıl:", "Only in year:"),
    "camp.year": ("Kampanya yılı", "Campaign year"),
    "camp.offer_kind": ("İndirim türü", "Offer kind"),
    "camp.offer.percent": ("Yüzde (%)", "Percent (%)"),
    "camp.offer.amount": ("Tutar (₺)", "Amount (₺)"),
    "camp.offer_value": ("İndirim değeri", "Offer value"),
    "camp.valid_days": ("Geçerlilik (gün)", "Valid for (days)"),
    "camp.min_purchase": ("En az alışveriş (₺, isteğe bağlı)", "Minimum purchase (₺, optional)"),
    "camp.channel": ("Kanal", "Channel"),
    "camp.channel.sms": ("SMS", "SMS"),
    "camp.channel.email": ("E-posta", "E-mail"),
    "camp.channel.preferred": ("Üyenin tercih ettiği", "Member's preferred"),
    "camp.card_holders": ("Yalnızca kart sahipleri", "Card holders only"),
    "camp.submit": ("Kampanyayı oluştur", "Create campaign"),
    "camp.created": ("Kampanya oluşturuldu.", "Campaign created."),
    "camp.scheduled_for": ("Planlanan gönderim", "Scheduled for"),
    "camp.status": ("Durum", "Status"),
    "camp.preview": ("Önizle", "Preview"),
    "camp.results": ("Sonuçlar", "Results"),
    "camp.cancel": ("İptal et", "Cancel"),
    "camp.audience": ("Hedef kitle", "Audience"),
    "camp.cost": ("Tahmini maliyet", "Estimated cost"),
    "camp.samples": ("Örnek mesajlar", "Sample messages"),
    "camp.encoding": ("Kodlama", "Encoding"),
    "camp.segments": ("SMS parça sayısı", "SMS segments"),
    "camp.run": ("Dönem", "Run"),
    "state.draft": ("taslak", "draft"),
    "state.scheduled": ("planlandı", "scheduled"),
    "state.planned": ("planlanacak", "planned"),
    "state.running": ("gönderiliyor", "running"),
    "state.done": ("tamamlandı", "done"),
    "state.cancelled": ("iptal edildi", "cancelled"),
    "camp.total": ("Toplam", "Total"),
    "camp.sms_messages": ("SMS mesajı", "SMS messages"),
    "camp.emails": ("E-posta", "E-mails"),
    "camp.length": ("Karakter", "Characters"),
    "camp.forced_by": ("UCS-2'ye zorlayan harfler", "Letters forcing UCS-2"),
    "camp.subject": ("Konu", "Subject"),
    "camp.locale": ("Dil", "Language"),
    "camp.runs": ("Gönderimler", "Runs"),
    "camp.per_day": ("Günlere göre", "Per day"),
    "camp.day": ("Gün", "Day"),
    "camp.redemption_rate": ("Kullanım oranı", "Redemption rate"),
    "camp.revenue": ("Kuponlu alışveriş cirosu", "Revenue of redeeming purchases"),
    "camp.cancelled": ("Kampanya iptal edildi.", "Campaign cancelled."),
    "camp.stats.targeted": ("Hedeflenen", "Targeted"),
    "camp.stats.coupons": ("Kupon", "Coupons"),
    "camp.stats.sent": ("Gönderilen", "Sent"),
    "camp.stats.delivered": ("Teslim edilen", "Delivered"),
    "camp.stats.failed": ("Başarısız", "Failed"),
    "camp.stats.redeemed": ("Kullanılan", "Redeemed"),
    # outbox
    "outbox.banner": ("GÖNDERİLMEDİ — geliştirme giden kutusu", "NOT SENT — development outbox"),
    "outbox.explain": (
        "Bu mesajlar yalnızca klasöre yazıldı; hiçbir gerçek kişiye gönderilmedi.",
        "These messages were only written to a folder; no real person received them.",
    ),
    "outbox.dir": ("Klasör", "Folder"),
    "outbox.empty": ("Giden kutusu boş.", "The outbox is empty."),
    "outbox.file": ("Dosya", "File"),
    "outbox.time": ("Zaman", "Time"),
    "outbox.channel": ("Kanal", "Channel"),
    "outbox.to": ("Alıcı", "Recipient"),
    "outbox.preview": ("İlk satırlar", "First lines"),
    # member self-service
    "self.hello": ("Merhaba {name}", "Hello {name}"),
    "self.intro": (
        "Bu sayfa size özel; bağlantıyı kimseyle paylaşmayın. Burada ne zaman ve nasıl haber alacağınızı "
        "siz seçersiniz.",
        "This page is yours alone; do not share its link. Here you choose when and how we reach you.",
    ),
    "self.invalid": ("Bu bağlantı geçerli değil.", "This link is not valid."),
    "self.consent.heading": ("İletişim izinleri", "How we may contact you"),
    "self.consent.sms": ("Kampanyaları SMS ile almak istiyorum", "Send me offers by SMS"),
    "self.consent.email": ("Kampanyaları e-posta ile almak istiyorum", "Send me offers by e-mail"),
    "self.consent.no_email": ("Kayıtlı e-posta adresiniz yok.", "We have no e-mail address for you."),
    "self.consent.save": ("İzinleri kaydet", "Save my choices"),
    "self.consent.saved": ("Tercihleriniz kaydedildi.", "Your choices are saved."),
    "self.pause.heading": ("Kampanyalara ara ver", "Take a break from offers"),
    "self.pause.active": ("Kampanya mesajları açık.", "Offers are on."),
    "self.pause.paused": ("Kampanya mesajları durduruldu.", "Offers are paused."),
    "self.pause.paused_until": (
        "Kampanya mesajları {date} tarihine kadar durduruldu.",
        "Offers are paused until {date}.",
    ),
    "self.pause.until": ("Şu tarihe kadar (boş: ben açana kadar)", "Until (empty: until I turn them on)"),
    "self.pause.submit": ("Kampanyaları durdur", "Pause offers"),
    "self.pause.resume": ("Kampanyaları yeniden aç", "Turn offers back on"),
    "self.occasions.heading": ("Özel günlerim", "My special days"),
    "self.occasions.none": ("Henüz bir özel gün eklemediniz.", "You have not added any special day."),
    "self.occasions.next": ("Sıradaki", "Next"),
    "self.occasions.retire": ("Artık kutlamıyorum", "No longer celebrate this"),
    "self.occasions.retired": (
        "Bu gün için artık mesaj gelmeyecek.",
        "You will get no more messages for this day.",
    ),
    "self.occasions.yearly": ("her yıl", "every year"),
    "self.occasions.once": ("bir kez", "once"),
    "self.add.heading": ("Özel gün ekle", "Add a special day"),
    "self.add.kind": ("Ne kutluyorsunuz?", "What is the occasion?"),
    "self.add.for_whom": ("Kimin için?", "For whom?"),
    "self.add.relation_name": ("Adı (isteğe bağlı)", "Their name (optional)"),
    "self.add.purpose": ("Bu gün sizin için ne anlama geliyor?", "What does this day mean to you?"),
    "self.add.purpose_hint": (
        "Mesajlarımızda bunu anarız; en fazla 280 karakter.",
        "Our messages will mention it; at most 280 characters.",
    ),
    "self.add.date": ("Tarih", "Date"),
    "self.add.no_year": ("Yılını bilmiyorum / önemli değil", "I don't know the year / it does not matter"),
    "self.add.recurrence": ("Tekrar", "Repeats"),
    "self.add.recurrence.auto": ("Türüne göre", "By the kind of day"),
    "self.add.remind": ("Kaç gün önce hatırlatalım?", "Remind how many days before?"),
    "self.add.submit": ("Özel günü ekle", "Add the day"),
    "self.add.done": ("Özel gününüz eklendi.", "Your special day is added."),
    "self.link": ("Kişisel sayfa bağlantısı", "Personal page link"),
    # ---- issue 10: messages that keep their promises
    "camp.channel.both": ("SMS ve e-posta (aynı kupon)", "SMS and e-mail (one coupon)"),
}


def normalize(lang: str | None) -> str | None:
    """'tr', 'TR', 'tr-TR', 'en_GB' -> a supported language, or None."""
    if not lang:
        return None
    found = negotiate_locale([lang.strip().lower().replace("_", "-")], list(SUPPORTED), sep="-")
    return found


def accept_language(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(
    query: str | None, cookie: str | None, accept_header: str | None, default: str = "tr"
) -> str:
    """?lang=, then the cookie, then Accept-Language, then the shop default."""
    for candidate in (query, cookie):
        chosen = normalize(candidate)
        if chosen:
            return chosen
    preferred = accept_language(accept_header)
    if preferred:
        chosen = negotiate_locale(preferred, list(SUPPORTED), sep="-")
        if chosen:
            return chosen
    return normalize(default) or SUPPORTED[0]


def gettext(key: str, lang: str, **values: object) -> str:
    """The UI text for ``key`` in ``lang`` (the key itself when unknown, so a gap shows, never breaks)."""
    pair = _TEXT.get(key)
    if pair is None:
        return key
    text = pair[SUPPORTED.index(lang)] if lang in SUPPORTED else pair[0]
    return text.format(**values) if values else text


def catalog(lang: str, keys: Iterable[str] | None = None) -> dict[str, str]:
    """All (or the given) UI texts in one language, for the pages' scripts."""
    wanted: Sequence[str] = list(keys) if keys is not None else list(_TEXT)
    return {key: gettext(key, lang) for key in wanted}
