"""WhatsApp notices: who subscribed to what (with the consent trail Ley 1581 asks for), the
sectors the company keeps, and the sends of each notice or content to each subscriber, once."""
