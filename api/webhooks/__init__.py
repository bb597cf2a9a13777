"""Inbound webhooks: Wix (RS256 JWT bodies) and Standard Webhooks (HMAC-SHA256) for any other
source. Both answer 200 only once the event is durably recorded (and processed) in one
transaction; a redelivery gets the first answer back with `duplicate: true`."""
