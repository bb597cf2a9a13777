"""Notification delivery: outbound webhooks (Standard Webhooks signatures), SMTP e-mail, the
owner-editable template and the retry loop. The outbox rows are written by
loyalty.services.notifications in the ledger's transaction."""
