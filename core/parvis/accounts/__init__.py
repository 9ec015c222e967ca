"""Accounts: sign-up with e-mail confirmation, log-in, password reset, profile, GDPR."""
