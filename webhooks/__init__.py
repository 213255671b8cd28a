"""Meta webhooks: the receiver of what WhatsApp, Page comments and Messenger push to us."""
