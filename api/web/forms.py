"""The page forms: what each accepts, and the plain values handed to the domain."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from api.v1.fields import REGION, SLUG
from partnerhub.lifecycle import MAX_DEAL_VALUE
from partnerhub.models.partner import REVENUE_BANDS
from partnerhub.models.partnership import REWARD_TYPES

REVENUE_LABELS = {
    "under_1m": "Under 1 million",
    "1m_10m": "1 to 10 million",
    "10m_50m": "10 to 50 million",
    "50m_250m": "50 to 250 million",
    "over_250m": "Over 250 million",
}


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
            raise ValidationError(f"Not ISO 3166 codes such as DE or DE-BE: {', '.join(wrong)}.")


def _choices(categories) -> list[tuple[str, str]]:
    return [SelectChoice(c.slug, c.name) for c in categories]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=200)])
    next = HiddenField()


class ProfileForm(FlaskForm):
    name = StringField("Company name", validators=[InputRequired(), Length(max=200)])
    business = TextAreaField("What the business does", validators=[Length(max=5000)])
    website = URLField("Website", validators=[Optional(), Length(max=500)])
    contact_email = EmailField("Contact email", validators=[Optional(), Length(max=320)])
    regions = RegionsField("Regions served", description="ISO codes, comma-separated: DE, DE-BE, AT")
    sales_reps = IntegerField("Sales reps", validators=[InputRequired(), NumberRange(min=1, max=100_000)])
    revenue_band = SelectField(
        "Annual revenue", choices=[SelectChoice(band, REVENUE_LABELS[band]) for band in REVENUE_BANDS]
    )
    monthly_leads = IntegerField(
        "Expected leads per month", validators=[InputRequired(), NumberRange(min=0, max=10_000_000)]
    )
    monthly_won_value = DecimalField(
        "Deal value won per month, EUR",
        places=2,
        validators=[Optional(), NumberRange(min=0)],
        description="All your sales, not only through PartnerHub. Leave empty to go by the revenue band.",
    )

    def profile(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "business": self.business.data or "",
            "website": self.website.data or None,
            "contact_email": self.contact_email.data or None,
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


class ProductLineForm(FlaskForm):
    category = SelectField("Category")
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    regions = RegionsField("Regions served", description="ISO codes, comma-separated: DE, DE-BE, AT")
    warmup_script = TextAreaField(
        "Warm-up script",
        validators=[Length(max=5000)],
        description="The few phrases, examples or properties that make a buyer curious. "
        "It travels with every lead this line receives.",
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


class RefusableForm(FlaskForm):
    def refuse(self, errors: dict[str, list[str]], *, prefix: str = "") -> None:
        """Show the domain's reasons beside the fields they name."""
        for name, reasons in errors.items():
            field = self._fields.get(name.removeprefix(prefix))
            if field is not None:
                field.errors = [*field.errors, *reasons]
        self.form_errors = [
            *self.form_errors,
            *(r for n, rs in errors.items() if n.removeprefix(prefix) not in self._fields for r in rs),
        ]
        self._errors = None


class TermsForm(RefusableForm):
    reward_type = SelectField(
        "Reward",
        choices=[
            SelectChoice(t, "Percent of the deal value" if t == "percent" else "Fixed amount")
            for t in REWARD_TYPES
        ],
    )
    reward_value = DecimalField(
        "Reward value", places=2, default=10, validators=[InputRequired(), NumberRange(min=0, max=10_000_000)]
    )
    currency = StringField(
        "Currency",
        default="EUR",
        validators=[InputRequired(), Regexp(r"^[A-Z]{3}$", message="Three capitals, such as EUR.")],
    )
    rep_share_percent = DecimalField(
        "Rep's share of the reward (%)",
        places=2,
        default=20,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    accept_sla_hours = IntegerField(
        "Hours to accept a lead", default=48, validators=[InputRequired(), NumberRange(min=1, max=24 * 30)]
    )
    monthly_cap = IntegerField(
        "Monthly cap of leads",
        validators=[Optional(), NumberRange(min=1)],
        description="Leave empty for no cap.",
    )

    def terms(self) -> dict:
        return {
            "reward_type": self.reward_type.data,
            "reward_value": self.reward_value.data,
            "currency": self.currency.data,
            "rep_share_percent": self.rep_share_percent.data,
            "accept_sla_hours": self.accept_sla_hours.data,
            "monthly_cap": self.monthly_cap.data,
        }


class PartnershipForm(TermsForm):
    partner_id = SelectField("Partner", coerce=int)

    def with_partners(self, partners) -> "PartnershipForm":
        self.partner_id.choices = [SelectChoice(p.id, p.name) for p in partners]
        return self


class AmendTermsForm(TermsForm):
    note = TextAreaField(
        "Why", validators=[Length(max=2000)], description="A line for the other side, such as what changed."
    )


class HandoffSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Buyer, company or e-mail", validators=[Length(max=200)])
    status = SelectField("Status", default="")


class CategoryForm(FlaskForm):
    slug = StringField(
        "Slug", validators=[InputRequired(), Length(max=100), Regexp(SLUG.regex, message=SLUG.error)]
    )
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    parent = SelectField("Parent category", validators=[Optional()])

    def with_categories(self, categories) -> "CategoryForm":
        self.parent.choices = [SelectChoice("", "None"), *_choices(categories)]
        return self


class ComplementForm(FlaskForm):
    category = SelectField("Category")
    complement = SelectField("Helps sell")
    weight = FloatField("Weight", default=1.0, validators=[InputRequired(), NumberRange(min=0.01, max=1)])
    symmetric = BooleanField("Both ways", default=True)

    def with_categories(self, categories) -> "ComplementForm":
        self.category.choices = self.complement.choices = _choices(categories)
        return self


class ApiClientForm(FlaskForm):
    name = StringField(
        "Name", validators=[Length(max=200)], description="What system will use it, e.g. CRM sync"
    )


class MoveForm(FlaskForm):
    """A move on a handoff: the domain says which moves need a reason or a deal value."""

    deal_value = DecimalField(
        "Deal value", places=2, validators=[Optional(), NumberRange(min=0, max=MAX_DEAL_VALUE)]
    )
    reason = StringField("Reason", validators=[Optional(), Length(max=1000)])


class HandOffForm(FlaskForm):
    """The optional choices of a hand-off: another partner, or one's own warm-up note."""

    # Any id passes here: the domain says whether that partner may take the lead.
    partner_id = SelectField("Partner", coerce=int, validators=[Optional()], validate_choice=False)
    note = TextAreaField(
        "Warm-up note",
        validators=[Length(max=5000)],
        description="Leave empty to send the receiving line's warm-up script with the buyer's need.",
    )

    def with_partners(self, ranked) -> "HandOffForm":
        self.partner_id.choices = [SelectChoice(0, "The best fit")] + [
            SelectChoice(r.candidate.partner_id, r.candidate.partner_name) for r in ranked
        ]
        return self


class LeadForm(FlaskForm):
    name = StringField("Contact name", validators=[InputRequired(), Length(max=200)])
    email = EmailField("Email", validators=[Optional(), Length(max=320)])
    phone = StringField("Phone", validators=[Optional(), Length(max=50)])
    company = StringField("Company", validators=[Optional(), Length(max=200)])
    category = SelectField("What they need")
    need = TextAreaField("In their words", validators=[Length(max=5000)])
    region = StringField(
        "Region",
        validators=[Optional(), Regexp(REGION.regex, message="An ISO 3166 code such as DE or DE-BE.")],
        filters=[lambda value: value.strip().upper() if value else value],
        description="Where the buyer is, e.g. DE-BE",
    )
    consent = BooleanField("The buyer agreed to be contacted by a partner")

    def with_categories(self, categories) -> "LeadForm":
        self.category.choices = _choices(categories)
        return self

    def lead(self) -> dict:
        return {
            "contact": {
                "name": self.name.data.strip(),
                "email": self.email.data or None,
                "phone": self.phone.data or None,
                "company": self.company.data or None,
            },
            "need": {"category": self.category.data, "text": self.need.data or ""},
            "region": self.region.data or None,
            "consent": self.consent.data,
        }


def _threshold_label(key: str) -> str:
    # "flags.one_sided.ratio" reads "One sided: ratio"; "flags.period_days" reads "Period days".
    words = key.removeprefix("flags.").replace("_", " ").replace(".", ": ", 1)
    return words[0].upper() + words[1:]


class ThresholdsForm(FlaskForm):
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
            validators=[InputRequired(), NumberRange(min=0)],
        )
        setattr(Form, key.replace(".", "__"), field)
    return Form()


SNOOZE_CHOICES = [
    SelectChoice("", "until its numbers change"),
    SelectChoice("7", "for 7 days"),
    SelectChoice("30", "for 30 days"),
    SelectChoice("90", "for 90 days"),
]


class AcknowledgeFlagForm(FlaskForm):
    note = TextAreaField(
        "Note for your team",
        validators=[Length(max=2000)],
        description="What you did or decided, for whoever looks at this flag next.",
    )
    snooze_days = SelectField("Show it as seen", choices=SNOOZE_CHOICES, default="")

    def snooze(self) -> int | None:
        return int(self.snooze_days.data) if self.snooze_days.data else None
