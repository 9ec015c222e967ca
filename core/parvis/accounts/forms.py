"""Account forms."""

from __future__ import annotations

from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from parvis.forms import Form
from parvis.i18n import lazy_gettext as _l

MIN_PASSWORD = 10


class SignupForm(Form):
    display_name = StringField(
        _l("Name shown to others"),
        [DataRequired(), Length(max=100)],
        description=_l("Your first name, or a pseudonym."),
    )
    email = EmailField(_l("E-mail address"), [DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        [DataRequired(), Length(min=MIN_PASSWORD, max=200)],
        description=_l("At least 10 characters."),
    )
    area = SelectField(_l("Your neighbourhood"), [Optional()], coerce=str, validate_choice=True)
    accept_terms = BooleanField(_l("I have read and accept the privacy policy"))


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), [DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=200)])


class ResetRequestForm(Form):
    email = EmailField(_l("E-mail address"), [DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        [DataRequired(), Length(min=MIN_PASSWORD, max=200)],
        description=_l("At least 10 characters."),
    )
    confirm = PasswordField(
        _l("New password, again"),
        [DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ProfileForm(Form):
    display_name = StringField(_l("Name shown to others"), [DataRequired(), Length(max=100)])
    locale = SelectField(_l("Language"), coerce=str)
    area = SelectField(_l("Your neighbourhood"), [Optional()], coerce=str)
    notify_followed = BooleanField(_l("E-mail me the news of the spaces I follow"))
    birth_date = DateField(
        _l("Date of birth"),
        [Optional()],
        description=_l("Only needed to check who may vote in elections."),
    )


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password, to confirm"), [DataRequired(), Length(max=200)])
