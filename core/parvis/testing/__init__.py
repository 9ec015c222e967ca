"""Test helpers for Parvis and for plugin authors (loaded as the ``parvis`` pytest plugin)."""

from parvis.testing.helpers import (
    CapturedMail,
    SMTPCapture,
    TestTown,
    csrf_token_from,
    form_errors,
    login,
    make_user,
    post_form,
    verify,
)

__all__ = [
    "CapturedMail",
    "SMTPCapture",
    "TestTown",
    "csrf_token_from",
    "form_errors",
    "login",
    "make_user",
    "post_form",
    "verify",
]
