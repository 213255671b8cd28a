"""Meta's networks on the Graph API: shared plumbing, Facebook, WhatsApp, webhook decoding."""
