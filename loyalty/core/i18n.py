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
    # ---- issue 12: the counter and the member's own page do the whole job
    "field.required": ("Bu alan gerekli.", "This field is required."),
    "field.amount": (
        "Tutarı rakamla yazın, örneğin 45,50 veya 1.250,00.",
        "Write the amount in figures, e.g. 45.50 or 1,250.00.",
    ),
    "field.amount_positive": ("Tutar 0'dan büyük olmalı.", "The amount must be more than 0."),
    "field.phone": (
        "Geçerli bir telefon numarası yazın, örneğin 0532 123 45 67.",
        "Enter a valid phone number, e.g. 0532 123 45 67.",
    ),
    "field.email": ("Geçerli bir e-posta adresi yazın.", "Enter a valid e-mail address."),
    "field.reason": ("Bir neden yazın.", "Write a reason."),
    "find.results": ("Bulunan üyeler", "Members found"),
    "find.replaced": (
        "Bu kartın yerine yeni kart verildi: {number}. Üye aşağıda.",
        "This card was replaced by {number}. The member is shown below.",
    ),
    "member.since": ("Üyelik", "Member since"),
    "member.progress": ("Karta doğru", "Toward the card"),
    "member.progress_text": (
        "{visits} / {needed} ziyaret (son {days} gün)",
        "{visits} of {needed} visits (last {days} days)",
    ),
    "member.progress_done": ("Kartı var", "Has the card"),
    "member.history": ("Geçmiş", "History"),
    "member.purchases": ("Son alışverişler", "Recent purchases"),
    "member.no_purchases": ("Henüz alışveriş yok.", "No purchases yet."),
    "member.messages": ("Gönderilen mesajlar", "Messages sent"),
    "member.no_messages": ("Henüz mesaj yok.", "No messages yet."),
    "member.consent_history": ("İzin geçmişi", "Consent history"),
    "member.no_consent_history": ("Kayıt yok.", "No entries."),
    "member.granted": ("verdi", "granted"),
    "member.revoked": ("geri aldı", "withdrew"),
    "col.when": ("Zaman", "When"),
    "col.amount": ("Tutar", "Amount"),
    "col.receipt": ("Fiş", "Receipt"),
    "col.coupon": ("Kupon", "Coupon"),
    "col.channel": ("Kanal", "Channel"),
    "col.message": ("Mesaj", "Message"),
    "col.state": ("Durum", "State"),
    "purpose.card_welcome": ("Kart hoş geldin", "Card welcome"),
    "purpose.holiday_coupon": ("Kampanya kuponu", "Campaign coupon"),
    "purpose.occasion_reminder": ("Özel gün hatırlatması", "Occasion reminder"),
    "purpose.birthday_self": ("Doğum günü", "Birthday"),
    "purpose.birthday_relative": ("Yakınının doğum günü", "A relative's birthday"),
    "purpose.once_congrats": ("Tebrik", "Congratulations"),
    "purchase.coupon": ("Kupon", "Coupon"),
    "purchase.no_coupon": ("Kupon yok", "No coupon"),
    "purchase.other_code": ("Başka kod", "Another code"),
    "purchase.coupon_code": ("Başka kupon kodu", "Another coupon code"),
    "purchase.confirm_large": (
        "{amount} tutarında bir alışveriş girdiniz. Doğru mu?",
        "You entered a purchase of {amount}. Is that right?",
    ),
    "purchase.confirm_yes": ("Evet, {amount} kaydet", "Yes, record {amount}"),
    "purchase.with_coupon": ("Kupon kullanıldı: {code}", "Coupon redeemed: {code}"),
    "purchase.undo": ("Kupon kullanımını geri al", "Undo the coupon"),
    "purchase.undo_reason": ("Geri alma nedeni", "Reason for undoing"),
    "purchase.undo_confirm": ("Geri al", "Undo"),
    "purchase.undone": (
        "Kupon kullanımı geri alındı; kupon yeniden geçerli.",
        "The redemption is undone; the coupon is valid again.",
    ),
    "purchase.amount_hint": ("Örnek: 45,50", "Example: 45.50"),
    "coupon.last_day": ("son gün {day}", "last day {day}"),
    "coupon.other_member": ("Bu kupon başka bir üyenin.", "This coupon belongs to another member."),
    "coupon.min": (
        "Bu kupon en az {amount} alışverişte geçerli.",
        "This coupon needs a purchase of {amount} or more.",
    ),
    "feedback.heading": ("Memnuniyet", "Satisfaction"),
    "feedback.question": (
        "Bizi bir arkadaşınıza tavsiye etme olasılığınız nedir? (0 = hiç, 10 = kesinlikle)",
        "How likely are you to recommend us to a friend? (0 = not at all, 10 = certainly)",
    ),
    "feedback.comment": ("Yorum (isteğe bağlı)", "Comment (optional)"),
    "feedback.submit": ("Puanı kaydet", "Save the score"),
    "feedback.done": ("Puan kaydedildi: {score}.", "Score saved: {score}."),
    "feedback.held": (
        "Düşük puan: üyenin sıradaki kartı personel onayını bekleyecek.",
        "A low score: the member's next card will wait for staff approval.",
    ),
    "feedback.pick": ("Bir puan seçin.", "Choose a score."),
    "card.status.rejected": ("reddedildi", "rejected"),
    "card.status.replaced": ("yenisiyle değiştirildi", "replaced"),
    "card.held_note": (
        "Kart onay bekliyor: onaylanana kadar basılmaz ve gönderilmez.",
        "The card awaits approval: it is not printed or sent until approved.",
    ),
    "card.approve": ("Kartı onayla", "Approve the card"),
    "card.approved": ("Kart onaylandı ve etkinleştirildi.", "The card is approved and active."),
    "card.reject": ("Reddet", "Reject"),
    "card.reject_reason": ("Red nedeni", "Reason for rejecting"),
    "card.reject_confirm": (
        "Kart reddedilecek; bu geri alınamaz. Reddet?",
        "The card will be rejected; this cannot be undone. Reject?",
    ),
    "card.rejected": ("Kart reddedildi.", "The card is rejected."),
    "card.replace": ("Kayıp kart: yenisini çıkar", "Lost card: issue a new one"),
    "card.replace_reason": ("Yenileme nedeni", "Reason for the new card"),
    "card.replace_confirm": (
        "Eski kart numarası kalıcı olarak geçersiz olacak. Yeni kart çıkarılsın mı?",
        "The old number stops working for good. Issue a new card?",
    ),
    "card.replaced": ("Yeni kart çıkarıldı: {number}", "New card issued: {number}"),
    "card.pdf_held": (
        "Onay bekleyen kart basılamaz; önce kartı onaylayın.",
        "A card awaiting approval cannot be printed; approve it first.",
    ),
    "held.heading": ("Onay bekleyen kartlar", "Cards awaiting approval"),
    "held.none": ("Onay bekleyen kart yok.", "No cards await approval."),
    "held.feedback": ("Son puan: {score}", "Latest score: {score}"),
    "held.no_feedback": ("Puan yok", "No score"),
    "common.cancel": ("Vazgeç", "Cancel"),
    "common.confirm": ("Onayla", "Confirm"),
    "common.undo": ("Geri al", "Undo"),
    "common.show": ("Göster", "Show"),
    "self.card.heading": ("Kartım", "My card"),
    "self.card.none": ("Henüz kartınız yok.", "You do not have a card yet."),
    "self.card.held": ("Kartınız hazırlanıyor.", "Your card is being prepared."),
    "self.card.pdf": ("Kartı PDF olarak indir", "Download the card as PDF"),
    "self.card.qr": ("Kart numaranızın QR kodu", "QR code of your card number"),
    "self.progress.heading": ("Karta doğru", "Toward your card"),
    "self.progress.text": (
        "Son {days} günde {visits} ziyaret; kart {needed}. ziyarette.",
        "{visits} visits in the last {days} days; the card comes on visit {needed}.",
    ),
    "self.coupons.heading": ("Kuponlarım", "My coupons"),
    "self.coupons.none": ("Şu an geçerli kuponunuz yok.", "You have no active coupons right now."),
    "self.occasions.undo_note": ("“{name}” kaldırıldı.", "“{name}” removed."),
    "self.email.heading": ("E-posta adresim", "My e-mail address"),
    "self.email.current": ("Kayıtlı adres: {email}", "Address on file: {email}"),
    "self.email.label": ("Yeni e-posta adresi", "New e-mail address"),
    "self.email.submit": ("Onay bağlantısı gönder", "Send a confirmation link"),
    "self.email.sent": (
        "{email} adresine bir onay bağlantısı gönderdik. Bağlantıya tıklayınca adres kaydedilir.",
        "We sent a confirmation link to {email}. The address is saved when you open it.",
    ),
    "message.queued": ("sırada", "queued"),
    "message.sending": ("gönderiliyor", "sending"),
    "message.sent": ("gönderildi", "sent"),
    "message.delivered": ("ulaştı", "delivered"),
    "message.failed": ("gönderilemedi", "failed"),
    "message.cancelled": ("iptal edildi", "cancelled"),
    "self.pause.through": ("{day} tarihine kadar (o gün dahil)", "until {day} (including that day)"),
    # ---- issue 13: marketing plans, tries and learns (drafts, test sends, segments, overlaps, charts, NPS)
    "mk.sections": ("Bölümler", "Sections"),
    "mk.create": ("Yeni kampanya taslağı", "New campaign draft"),
    "mk.create_hint": (
        "Kampanya önce taslak olarak kaydedilir: önizleyin, kendinize deneme gönderin, çakışmaları görün, "
        "sonra planlayın.",
        "A campaign is saved as a draft first: preview it, send yourself a test, see the overlaps, then "
        "schedule it.",
    ),
    "mk.trigger": ("Ne zaman gönderilsin?", "When does it go out?"),
    "mk.trigger.holiday": ("Bir bayramda ya da özel günde", "On a holiday"),
    "mk.trigger.date": ("Belirli bir tarihte", "On a set date"),
    "mk.trigger.occasion": ("Üyenin kendi özel gününde", "On the member's own occasion"),
    "mk.send_at": ("Gönderim tarihi ve saati", "Send date and time"),
    "mk.kinds": ("Hangi özel günler?", "Which occasions?"),
    "mk.kind.birthday": ("Doğum günü", "Birthday"),
    "mk.kind.wedding_anniversary": ("Evlilik yıldönümü", "Wedding anniversary"),
    "mk.kind.new_job": ("Yeni iş", "New job"),
    "mk.kind.graduation": ("Mezuniyet", "Graduation"),
    "mk.kind.new_home": ("Yeni ev", "New home"),
    "mk.kind.new_baby": ("Yeni bebek", "New baby"),
    "mk.kind.custom": ("Diğer özel gün", "Other special day"),
    "mk.for_whom": ("Kimin özel günü?", "Whose occasion?"),
    "mk.for_whom.any": ("Herkes", "Anyone"),
    "mk.rel.self": ("Üyenin kendisi", "The member"),
    "mk.rel.daughter": ("Kızı", "Their daughter"),
    "mk.rel.son": ("Oğlu", "Their son"),
    "mk.rel.spouse": ("Eşi", "Their spouse"),
    "mk.rel.mother": ("Annesi", "Their mother"),
    "mk.rel.father": ("Babası", "Their father"),
    "mk.rel.friend": ("Arkadaşı", "Their friend"),
    "mk.days_before_occasion": ("Özel günden kaç gün önce", "Days before the occasion"),
    "mk.offer": ("Teklif ve kanal", "Offer and channel"),
    "mk.segment": ("Kayıtlı segment", "Saved segment"),
    "mk.segment.none": ("Segment yok: aşağıdaki süzgeçler", "No segment: the filters below"),
    "mk.segment.name": ("Segment adı", "Segment name"),
    "mk.segment.save": ("Segment olarak kaydet", "Save as a segment"),
    "mk.segment.update": ("Segmenti güncelle", "Update the segment"),
    "mk.segment.saved": ("Segment kaydedildi: {name}", "Segment saved: {name}"),
    "mk.segment.updated": ("Segment güncellendi: {name}", "Segment updated: {name}"),
    "mk.segment.name_needed": ("Segmente bir ad verin.", "Give the segment a name."),
    "mk.segment.use": ("Kullan", "Use"),
    "mk.segment.delete": ("Sil", "Delete"),
    "mk.segment.deleted": ("Segment silindi.", "Segment deleted."),
    "mk.segment.delete_q": ("{name} segmenti silinsin mi?", "Delete the segment {name}?"),
    "mk.segment.delete_body": (
        "Kayıtlı süzgeç kaybolur; gönderilmiş kampanyalar etkilenmez.",
        "The saved filter is gone; campaigns already sent are not affected.",
    ),
    "mk.segment.members": ("{n} üye", "{n} members"),
    "mk.segment.campaigns": ("{n} kampanyada kullanılıyor", "used by {n} campaigns"),
    "mk.segments": ("Kayıtlı segmentler", "Saved segments"),
    "mk.segments.none": ("Henüz kayıtlı segment yok.", "No saved segments yet."),
    "mk.segment.locked": (
        "Segment seçiliyken süzgeçler segmentten gelir; değiştirip «Segmenti güncelle» deyin.",
        "With a segment chosen the filters come from it; change them and press «Update the segment».",
    ),
    "mk.f.store": ("Mağaza no", "Store no."),
    "mk.f.recency": ("Son kaç günde alışveriş yapmış", "Bought in the last N days"),
    "mk.f.purchases": ("En az alışveriş sayısı", "At least N purchases"),
    "mk.f.spend": ("En az harcama (₺)", "Spent at least (₺)"),
    "mk.f.window": ("Sayı ve harcama için dönem (gün)", "Window for count and spend (days)"),
    "mk.f.lapsed": ("Uzun süredir gelmeyenleri hedefle", "Target lapsed members"),
    "mk.f.lapsed_days": ("Kaç gündür gelmeyenler", "Not seen for N days"),
    "mk.f.lapsed_hint": ("gündür gelmeyenler (bilerek seçilir)", "days without a visit (chosen on purpose)"),
    "mk.count": (
        "Bu süzgeçlerle bugün {total} üye: {sms} SMS, {email} e-posta.",
        "With these filters today: {total} members — {sms} by SMS, {email} by e-mail.",
    ),
    "mk.count.occasion": (
        "Özel gün kampanyasında bunlardan yalnızca o gün özel günü olanlar alır.",
        "In an occasion campaign only those whose occasion falls on the day receive it.",
    ),
    "mk.save_draft": ("Taslak olarak kaydet", "Save as draft"),
    "mk.draft_saved": (
        "Taslak kaydedildi: {name}. Önizleyin, deneme gönderin ve planlayın.",
        "Draft saved: {name}. Preview it, send a test and schedule it.",
    ),
    "mk.need.name": ("Kampanyaya bir ad verin.", "Give the campaign a name."),
    "mk.need.holiday": ("Bir bayram ya da özel gün seçin.", "Choose a holiday."),
    "mk.need.send_at": ("Gönderim tarihini ve saatini girin.", "Enter the send date and time."),
    "mk.need.kinds": ("En az bir özel gün türü seçin.", "Choose at least one kind of occasion."),
    "mk.trigger_text.holiday": ("{days} gün önce {holiday}, {time}", "{days} days before {holiday}, {time}"),
    "mk.trigger_text.holiday_day": ("{holiday} günü, {time}", "on {holiday}, {time}"),
    "mk.trigger_text.date": ("{when}", "{when}"),
    "mk.trigger_text.occasion": (
        "özel günden {days} gün önce, {time}",
        "{days} days before the occasion, {time}",
    ),
    "mk.test": ("Deneme gönder", "Send a test"),
    "mk.test.phone": ("Telefonunuz", "Your phone"),
    "mk.test.email": ("E-postanız", "Your e-mail"),
    "mk.test.send": ("Denemeyi gönder", "Send the test"),
    "mk.test.hint": (
        "Gerçek mesaj örnek bir kodla ve «[DENEME]» işaretiyle gider; kupon verilmez, istatistiğe girmez.",
        "The real message goes with a sample code, marked «[TEST]»; no coupon, nothing counted.",
    ),
    "mk.test.queued": (
        "Deneme sıraya alındı: {to}. Birkaç dakika içinde giden kutusunda ya da telefonunuzda.",
        "Test queued: {to}. It reaches the outbox or your phone within a few minutes.",
    ),
    "mk.overlaps": ("Çakışmalar ve sıklık sınırı", "Overlaps and the frequency cap"),
    "mk.overlaps.none": ("Çakışan kampanya yok.", "No overlapping campaign."),
    "mk.overlaps.same_holiday": ("aynı bayram", "same holiday"),
    "mk.overlaps.same_window": ("aynı hafta, ortak üyeler", "same week, shared members"),
    "mk.overlaps.shared": ("ortak üye", "shared members"),
    "mk.overlaps.cap": (
        "Sıklık sınırı: üye başına {days} günde en çok {cap} kampanya mesajı. Bu kampanyada {n} üyenin "
        "mesajı sınır nedeniyle bekletilecek.",
        "Frequency cap: at most {cap} promotional messages per member in {days} days. {n} members of this "
        "campaign will have their message held back by the cap.",
    ),
    "mk.schedule": ("Planla…", "Schedule…"),
    "mk.schedule_q": ("{name} planlansın mı?", "Schedule {name}?"),
    "mk.schedule_ok": ("Evet, planla", "Yes, schedule it"),
    "mk.scheduled": ("Kampanya planlandı.", "The campaign is scheduled."),
    "mk.cancel": ("İptal et…", "Cancel…"),
    "mk.cancel_q": ("{name} iptal edilsin mi?", "Cancel {name}?"),
    "mk.cancel_body": (
        "Gönderilmemiş mesajlar durdurulur; verilmiş kuponlar geçerli kalır. Bu geri alınamaz.",
        "Messages not yet sent are stopped; coupons already issued stay valid. This cannot be undone.",
    ),
    "mk.cancel_ok": ("Evet, iptal et", "Yes, cancel it"),
    "mk.ok": ("Tamam", "OK"),
    "mk.back": ("Vazgeç", "Go back"),
    "mk.audience_at_send": ("Gönderim günü hedef kitle", "Audience on the send day"),
    "mk.chart": ("Günlere göre sonuç grafiği", "Results per day, chart"),
    "mk.chart.empty": (
        "Henüz gönderim yok; grafik gönderimden sonra dolar.",
        "Nothing sent yet; the chart fills after sending.",
    ),
    "mk.csv": ("Sonuçları indir (CSV)", "Download the results (CSV)"),
    "mk.yoy": ("Aynı bayram, yıllara göre", "The same holiday, year over year"),
    "mk.yoy.chart": (
        "Yıllara göre kullanım oranı ve ciro grafiği",
        "Redemption rate and revenue by year, chart",
    ),
    "mk.year": ("Yıl", "Year"),
    "mk.nps": ("Müşteri memnuniyeti (NPS)", "Customer satisfaction (NPS)"),
    "mk.nps.from": ("Başlangıç", "From"),
    "mk.nps.to": ("Bitiş", "To"),
    "mk.nps.group_by": ("Gruplama", "Group by"),
    "mk.nps.by.month": ("Ay", "Month"),
    "mk.nps.by.store": ("Mağaza", "Store"),
    "mk.nps.by.campaign": ("Kampanya", "Campaign"),
    "mk.nps.by.segment": ("Segment", "Segment"),
    "mk.nps.show": ("Göster", "Show"),
    "mk.nps.overall": ("Genel NPS: {score} ({n} yanıt)", "Overall NPS: {score} ({n} responses)"),
    "mk.nps.none": ("Bu dönemde yanıt yok.", "No responses in this period."),
    "mk.nps.chart": ("Aylara göre NPS eğilimi grafiği", "NPS trend per month, chart"),
    "mk.nps.group": ("Grup", "Group"),
    "mk.nps.responses": ("Yanıt", "Responses"),
    "mk.nps.promoters": ("Destekçi (9-10)", "Promoters (9-10)"),
    "mk.nps.passives": ("Nötr (7-8)", "Passives (7-8)"),
    "mk.nps.detractors": ("Eleştiren (0-6)", "Detractors (0-6)"),
    "mk.nps.score": ("NPS", "NPS"),
    "mk.det": ("Eleştiren yorumlar ve takibi", "Detractor comments and follow-up"),
    "mk.det.state": ("Takip durumu", "Follow-up state"),
    "mk.det.none": ("Bu durumda yorum yok.", "No comments in this state."),
    "mk.det.score": ("Puan {score}/10", "Score {score}/10"),
    "mk.det.no_comment": ("(yorum yazılmamış)", "(no comment written)"),
    "mk.det.note": ("Not", "Note"),
    "mk.det.save": ("Kaydet", "Save"),
    "mk.det.saved": ("Takip kaydedildi.", "Follow-up saved."),
    "mk.det.by": ("{who}, {when}", "{who}, {when}"),
    "mk.fu.open": ("Açık", "Open"),
    "mk.fu.contacted": ("İletişime geçildi", "Contacted"),
    "mk.fu.resolved": ("Çözüldü", "Resolved"),
    "mk.fu.all": ("Tümü", "All"),
    "outbox.test": ("DENEME", "TEST"),
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
