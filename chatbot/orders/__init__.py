"""The shopper's own orders: who is asking, which order, and answers written from its record.

Takes a message, the ``identity.Asker`` (conversation id, client address, a signed-in customer's verified email)
and the store's orders (``chatbot.data.orders.OrderStore``); gives an ``desk.OrderReply`` with its citations, or
nothing when the message is not about the shopper's orders. One module a job: ``identity.py`` (order details in a
message, the signed-in signature, the gate that proves an order and locks out guessing), ``asks.py`` (what the
message asks), ``dates.py`` (business days, the shipping cut-off, expected delivery, in the store's zone),
``closed_days.py`` (the store's public holidays: not business days), ``returns.py`` (each item's return
eligibility), ``answers.py`` (the sentences, each cited), ``addresses.py`` (the new address of an address change),
``desk.py`` (the conversation: proof, answer, confirmation, requests for staff).
``chatbot.converse.responders.orders`` puts it in the responder chain.
"""
