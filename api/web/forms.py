"""The page forms: what each accepts, and the plain values handed to the domain.

A form parses (types, lengths, required fields); the domain judges the values
(partnerhub/core/validation.py), as it does for the API. `DomainForm.submitted` runs
the domain's use case and puts what it refuses on the field it names, so the
page shows the domain's reason beside what was typed.
"""

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

from flask import flash
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from api.extensions import db
from api.v1.fields import REGION, SLUG
from api.web import idempotency
from api.web.i18n import sentence
from partnerhub.core.errors import DomainError, InvalidInput
from partnerhub.core.i18n import LANGUAGES, Phrase, translator
from partnerhub.core.validation import NOT_TEXT, is_text
from partnerhub.core.words import REVENUE_WORDS, ROLE_CAPITALIZED, STATUS_WORDS, word_for
from partnerhub.customers import lists as customers
from partnerhub.models.delivery import EVENT_TYPES
from partnerhub.models.follow_up import FOLLOW_UP_OUTCOMES
from partnerhub.models.partner import REVENUE_BANDS, TEAM_ROLES
from partnerhub.models.partnership import DEFAULT_FOLLOW_UP_DAYS, REWARD_TYPES
from partnerhub.people.credentials import MAX_PASSWORD_LENGTH, password_phrases


class RegionsField(StringField):
    """Region codes typed as one line, "DE-BE, DE-BB", kept as a list."""

    def _value(self):
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = [code.strip().upper() for code in text.replace(";", ",").split(",") if code.strip()]

    def pre_validate(self, form):
        wrong = [code for code in self.data or [] if not REGION.regex.match(code)]
        if wrong:
            codes = ", ".join(wrong)
            raise ValidationError(_("Not ISO 3166 codes such as DE or DE-BE: %(codes)s.", codes=codes))


T = TypeVar("T")


class CreatesOnce:
    """Mixed into a form whose POST creates something: the same form posted twice creates it once
    (idempotency.py); its template renders the key beside the CSRF token."""

    idempotency_key = HiddenField(default=idempotency.new_key)


class PageForm(FlaskForm):
    """A form that refuses, on its field, text no database can store (as the API's parser does)."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and not is_text(field.data):
                if isinstance(field, HiddenField):
                    # Nobody typed it and nobody could see an error on it: such a value is dropped.
                    field.data = ""
                    continue
                field.errors = [*field.errors, NOT_TEXT[0].upper() + NOT_TEXT[1:] + "."]
                valid = False
        return valid


class DomainForm(PageForm):
    """A form whose values the domain judges: its refusals land on the fields they name."""

    def submitted(self, act: Callable[[], T]) -> T | None:
        """The result of `act()` once the form parses; None when it does not or the domain refuses."""
        if not self.validate_on_submit():
            return None
        try:
            return act()
        except InvalidInput as refused:
            # Nothing of a refused use case stays, whatever the page answers (a redirect commits).
            db.session.rollback()
            for name, reasons in refused.error_words.items():
                self._refused(name, reasons)
            return None

    def _refused(self, name: str, reasons: list[Phrase | str]) -> None:
        _place(self, name, reasons)


def refusal_into(form: FlaskForm, exc: DomainError) -> None:
    """Put the domain's reasons beside the fields they concern, so the page keeps what was typed."""
    if isinstance(exc, InvalidInput):
        for name, reasons in exc.error_words.items():
            _place(form, name, reasons)
    else:
        flash(sentence(exc.words), "error")


def _place(form: FlaskForm, name: str, reasons: list[Phrase | str]) -> None:
    # The domain names "contact.email", "deal_value.amount" or a threshold's key; the form's
    # field is the key with "__" for its dots, or its last or first part.
    parts = name.split(".")
    names = ("__".join(parts), parts[-1], parts[0])
    field = next((form._fields[n] for n in names if n in form._fields), None)
    # A Phrase, or a reason the domain marked for the catalogs, reads in the reader's language;
    # others in English.
    sentences = [sentence(reason) for reason in reasons]
    sentences = [text[0].upper() + text[1:] + "." for text in sentences]
    if field is None:
        for text in sentences:
            flash(text, "error")
    else:
        field.errors = [*field.errors, *sentences]


def _choices(categories) -> list[tuple[str, str]]:
    return [SelectChoice(c.slug, c.name) for c in categories]


class LoginForm(PageForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    next = HiddenField()


def _password_rule(form, field) -> None:
    """The domain's password rule, told beside the field before the domain would refuse it."""
    problems = password_phrases(field.data or "")
    if problems:
        tr = translator(str(get_locale()))
        raise ValidationError(_("The password %(problems)s.", problems="; ".join(map(tr.phrase, problems))))


def _new_password(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=MAX_PASSWORD_LENGTH), _password_rule],
        description=_l("At least 10 characters; a few unrelated words make a good one."),
    )


class ProfileForm(DomainForm):
    name = StringField(_l("Company name"), validators=[InputRequired(), Length(max=200)])
    business = TextAreaField(_l("What the business does"), validators=[Length(max=5000)])
    website = URLField(_l("Website"), validators=[Optional(), Length(max=500)])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Length(max=320)])
    regions = RegionsField(_l("Regions served"), description=_l("ISO codes, comma-separated: DE, DE-BE, AT"))
    sales_reps = IntegerField(_l("Sales reps"), validators=[InputRequired()])
    revenue_band = SelectField(
        _l("Annual revenue"), choices=[SelectChoice(band, _l(REVENUE_WORDS[band])) for band in REVENUE_BANDS]
    )
    monthly_leads = IntegerField(_l("Expected leads per month"), validators=[InputRequired()])
    monthly_won_value = DecimalField(
        _l("Deal value won per month, EUR"),
        places=2,
        validators=[Optional()],
        description=_l("All your sales, not only through PartnerHub. Leave empty to go by the revenue band."),
    )

    def profile(self) -> dict:
        return {
            "name": self.name.data,
            "business": self.business.data or "",
            "website": self.website.data,
            "contact_email": self.contact_email.data,
            "regions": self.regions.data,
        }

    def size(self) -> dict:
        return {
            "sales_reps": self.sales_reps.data,
            "revenue_band": self.revenue_band.data,
            "monthly_leads": self.monthly_leads.data,
            "monthly_won_value": None
            if self.monthly_won_value.data is None
            else {"amount": self.monthly_won_value.data, "currency": "EUR"},
        }


class SignupForm(ProfileForm):
    manager_name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=200)])
    manager_email = EmailField(
        _l("Your email"),
        validators=[InputRequired(), Length(max=320)],
        description=_l("You sign in with it; we write to it when your company is approved."),
    )
    password = _new_password(_l("Choose a password"))

    def manager(self) -> dict:
        return {
            "name": self.manager_name.data.strip(),
            "email": self.manager_email.data,
            "password": self.password.data,
        }


class ResetRequestForm(PageForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=320)])


class NewPasswordForm(PageForm):
    password = _new_password(_l("New password"))


class ChangePasswordForm(PageForm):
    current_password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])
    password = _new_password(_l("New password"))


class NameForm(PageForm):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=200)])


class LanguageForm(DomainForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("As my browser asks")), *(SelectChoice(*c) for c in LANGUAGES.items())],
        description=_l("The pages and your emails come in it."),
    )


class RejectForm(PageForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(), Length(max=2000)],
        description=_l("The company reads it in its email."),
    )


class ProductLineForm(CreatesOnce, PageForm):
    category = SelectField(_l("Category"))
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    regions = RegionsField(_l("Regions served"), description=_l("ISO codes, comma-separated: DE, DE-BE, AT"))
    warmup_script = TextAreaField(
        _l("Warm-up script"),
        validators=[Length(max=5000)],
        description=_l(
            "The few phrases, examples or properties that make a buyer curious. "
            "It travels with every lead this line receives."
        ),
    )

    def with_categories(self, categories) -> "ProductLineForm":
        self.category.choices = _choices(categories)
        return self

    def fields(self) -> dict:
        return {
            "category": self.category.data,
            "name": self.name.data.strip(),
            "description": self.description.data or "",
            "regions": self.regions.data,
            "warmup_script": self.warmup_script.data or "",
        }


class DaysField(StringField):
    """Whole days typed as "7, 14, 30": a list of numbers; the domain judges which days may be."""

    def process_data(self, value) -> None:
        self.data = list(value) if value is not None else []

    def process_formdata(self, valuelist) -> None:
        parts = [p.strip() for p in (valuelist[0] if valuelist else "").split(",")]
        parts = [p for p in parts if p]
        if not all(p.isdecimal() and len(p) <= 6 for p in parts):
            self.data = None
            raise ValueError(_("Whole numbers of days, separated by commas, such as 7, 14, 30, 60."))
        self.data = [int(p) for p in parts]

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(str(day) for day in self.data or [])


class TermsForm(DomainForm):
    reward_type = SelectField(
        _l("Reward"),
        choices=[
            SelectChoice(t, _l("Percent of the deal value") if t == "percent" else _l("Fixed amount"))
            for t in REWARD_TYPES
        ],
    )
    reward_value = DecimalField(_l("Reward value"), places=2, default=10, validators=[InputRequired()])
    currency = StringField(
        _l("Currency"),
        default="EUR",
        validators=[InputRequired(), Regexp(r"^[A-Z]{3}$", message=_l("Three capitals, such as EUR."))],
    )
    rep_share_percent = DecimalField(
        _l("Rep's share of the reward (%)"), places=2, default=20, validators=[InputRequired()]
    )
    accept_sla_hours = IntegerField(_l("Hours to accept a lead"), default=48, validators=[InputRequired()])
    monthly_cap = IntegerField(
        _l("Monthly cap of leads"), validators=[Optional()], description=_l("Leave empty for no cap.")
    )
    follow_up_days = DaysField(
        _l("Follow-ups after a win (days)"),
        default=list(DEFAULT_FOLLOW_UP_DAYS),
        description=_l(
            "The receiving rep calls the customer this many days after the sale, e.g. 7, 14, 30, 60. "
            "Leave empty for none."
        ),
    )

    def terms(self) -> dict:
        return {
            "reward_type": self.reward_type.data,
            "reward_value": self.reward_value.data,
            "currency": self.currency.data,
            "rep_share_percent": self.rep_share_percent.data,
            "accept_sla_hours": self.accept_sla_hours.data,
            "monthly_cap": self.monthly_cap.data,
            "follow_up_days": self.follow_up_days.data,
        }


class PartnershipForm(TermsForm):
    partner_id = SelectField(_l("Partner"), coerce=int)

    def with_partners(self, partners) -> "PartnershipForm":
        self.partner_id.choices = [SelectChoice(p.id, p.name) for p in partners]
        return self


class AmendTermsForm(TermsForm):
    note = TextAreaField(
        _l("Why"),
        validators=[Length(max=2000)],
        description=_l("A line for the other side, such as what changed."),
    )


class HandoffSearchForm(PageForm):
    class Meta:
        csrf = False

    q = StringField(_l("Buyer, company or e-mail"), validators=[Length(max=200)])
    status = SelectField(_l("Status"), default="")


class CategoryForm(DomainForm):
    slug = StringField(
        _l("Slug"),
        validators=[
            InputRequired(),
            Length(max=100),
            Regexp(SLUG.regex, message=_l("A lower-case slug such as crm-support.")),
        ],
    )
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    parent = SelectField(_l("Parent category"), validators=[Optional()])

    def with_categories(self, categories) -> "CategoryForm":
        self.parent.choices = [SelectChoice("", _("None")), *_choices(categories)]
        return self


class ComplementForm(DomainForm):
    category = SelectField(_l("Category"))
    complement = SelectField(_l("Helps sell"))
    weight = FloatField(_l("Weight"), default=1.0, validators=[InputRequired()])
    symmetric = BooleanField(_l("Both ways"), default=True)

    def with_categories(self, categories) -> "ComplementForm":
        self.category.choices = self.complement.choices = _choices(categories)
        return self


class ApiClientForm(CreatesOnce, PageForm):
    name = StringField(
        _l("Name"), validators=[Length(max=200)], description=_l("What system will use it, e.g. CRM sync")
    )


class InviteForm(PageForm):
    email = EmailField(_l("Email"), validators=[InputRequired(), Length(max=320)])
    name = StringField(
        _l("Name"), validators=[Length(max=200)], description=_l("Optional: they can choose it themselves")
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role, _l(ROLE_CAPITALIZED[role])) for role in TEAM_ROLES]
    )


class JoinForm(PageForm):
    """An invited person's name and password; the domain holds the password rule."""

    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


EVENT_WORDS = {
    "handoff.created": _l("A partner hands you a lead"),
    "handoff.updated": _l("A handoff moves on (accepted, won, paid...)"),
    "handoff.commented": _l("Someone comments on a handoff"),
    "lead.unrouted": _l("One of your leads found no partner"),
    "flag.raised": _l("One of your partnerships is flagged"),
}


class WebhookEndpointForm(CreatesOnce, PageForm):
    url = URLField(_l("Address (URL)"), validators=[InputRequired(), Length(max=2000)])
    events = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(event, EVENT_WORDS[event]) for event in EVENT_TYPES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("None ticked: every event."),
    )
    description = StringField(_l("Description"), validators=[Length(max=500)])


class MoveForm(DomainForm):
    """A move on a handoff: the domain says which moves need a reason or a deal value, and what it may be."""

    deal_value = DecimalField(_l("Deal value"), places=2, validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    # The decline's second button: "we already have this customer", which the platform checks.
    existing_customer = BooleanField(_l("We already have this customer"))

    def move_reason(self) -> str | None:
        return customers.EXISTING_CUSTOMER if self.existing_customer.data else self.reason.data


class CommentForm(CreatesOnce, DomainForm):
    """A comment to the other side of a handoff; the domain says how long it may be."""

    text = TextAreaField(_l("Comment"), validators=[InputRequired(), Length(max=5000)])


class FollowUpForm(DomainForm):
    """A due follow-up recorded done, with how it went, or skipped; the domain says which need what."""

    status = SelectField(
        _l("Follow-up"), choices=[SelectChoice(s, _l(STATUS_WORDS[s])) for s in ("done", "skipped")]
    )
    outcome = SelectField(
        _l("How it went"),
        choices=[SelectChoice("", "—")] + [SelectChoice(o, _l(STATUS_WORDS[o])) for o in FOLLOW_UP_OUTCOMES],
        validators=[Optional()],
    )


class AssignForm(DomainForm):
    """Another rep of the receiver for a handoff; the domain says who may be chosen."""

    user_id = SelectField(_l("Assigned to"), coerce=int, validate_choice=False)


class HandOffForm(PageForm):
    """The optional choices of a hand-off: another partner, or one's own warm-up note."""

    # Any id passes here: the domain says whether that partner may take the lead.
    partner_id = SelectField(_l("Partner"), coerce=int, validators=[Optional()], validate_choice=False)
    note = TextAreaField(
        _l("Warm-up note"),
        validators=[Length(max=5000)],
        description=_l("Leave empty to send the receiving line's warm-up script with the buyer's need."),
    )

    def with_partners(self, ranked) -> "HandOffForm":
        self.partner_id.choices = [SelectChoice(0, _("The best fit"))] + [
            SelectChoice(r.candidate.partner_id, r.candidate.partner_name) for r in ranked
        ]
        return self


class LeadForm(CreatesOnce, DomainForm):
    name = StringField(_l("Contact name"), validators=[InputRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=320)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("What they need"))
    need = TextAreaField(_l("In their words"), validators=[Length(max=5000)])
    region = StringField(
        _l("Region"),
        validators=[Optional(), Regexp(REGION.regex, message=_l("An ISO 3166 code such as DE or DE-BE."))],
        filters=[lambda value: value.strip().upper() if value else value],
        description=_l("Where the buyer is, e.g. DE-BE"),
    )
    consent = BooleanField(_l("The buyer agreed to be contacted by a partner"))

    def with_categories(self, categories) -> "LeadForm":
        self.category.choices = _choices(categories)
        return self

    def lead(self) -> dict:
        return {
            "contact": {
                "name": self.name.data,
                "email": self.email.data,
                "phone": self.phone.data,
                "company": self.company.data,
            },
            "need": {"category": self.category.data, "text": self.need.data or ""},
            "region": self.region.data or None,
            "consent": self.consent.data,
        }


def _threshold_label(key: str) -> str:
    # "flags.one_sided.ratio" reads "One sided: ratio"; "flags.period_days" reads "Period days".
    words = key.removeprefix("flags.").replace("_", " ").replace(".", ": ", 1)
    return words[0].upper() + words[1:]


class ThresholdsForm(DomainForm):
    def values(self) -> dict[str, float]:
        return {field.description: field.data for field in self if isinstance(field, FloatField)}


def thresholds_form(current: dict[str, float]) -> ThresholdsForm:
    """A form with one number per threshold, filled with the values in force."""

    class Form(ThresholdsForm):
        pass

    for key, value in current.items():
        field = FloatField(
            _threshold_label(key),
            default=value,
            description=key,
            validators=[InputRequired()],
        )
        setattr(Form, key.replace(".", "__"), field)
    return Form()


class ListFilterForm(PageForm):
    """The search and filters above a long list, read from the address so a filtered page can be shared."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        validators=[Optional(), Length(max=200)],
        description=_l("The beginning of a name, company, email or phone number."),
    )
    status = SelectField(_l("Status"), validators=[Optional()])
    partner = SelectField(_l("Partner"), coerce=int, validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    mine = BooleanField(_l("Only mine"))

    def with_choices(self, *, statuses=(), partners=()) -> "ListFilterForm":
        """Offer these statuses (keys) and partners (id, name); a list without them hides the field."""
        tr = translator(str(get_locale()))
        self.status.choices = [SelectChoice("", _("Any status"))] + [
            SelectChoice(key, word_for(key, tr)) for key in statuses
        ]
        self.partner.choices = [SelectChoice(0, _("Any partner"))] + [
            SelectChoice(pid, name) for pid, name in partners
        ]
        return self

    def filters(self, *, user_id: int | None = None) -> dict:
        """The filters as the domain's lists take them; none while the form does not parse.
        `user_id` is who "Only mine" means."""
        if not self.validate():
            return {}
        day = timedelta(days=1)
        filters = {
            "q": self.q.data,
            "status": self.status.data,
            "other_partner_id": self.partner.data,
            "assignee_id": user_id if self.mine.data else None,
            # A date means that whole day, in UTC: "to 7 Dec" keeps what came in on the 7th.
            "since": datetime.combine(self.since.data, time(), UTC) if self.since.data else None,
            "until": datetime.combine(self.until.data, time(), UTC) + day if self.until.data else None,
        }
        return {name: value for name, value in filters.items() if value}


SNOOZE_CHOICES = [
    SelectChoice("", _l("until its numbers change")),
    SelectChoice("7", _l("for 7 days")),
    SelectChoice("30", _l("for 30 days")),
    SelectChoice("90", _l("for 90 days")),
]


class AcknowledgeFlagForm(FlaskForm):
    note = TextAreaField(
        _l("Note for your team"),
        validators=[Length(max=2000)],
        description=_l("What you did or decided, for whoever looks at this flag next."),
    )
    snooze_days = SelectField(_l("Show it as seen"), choices=SNOOZE_CHOICES, default="")

    def snooze(self) -> int | None:
        return int(self.snooze_days.data) if self.snooze_days.data else None
