"""The web layer: routers, request/response models, middleware and error handling.

JSON ↔ NumPy conversion lives here, never in :mod:`app.rnn`.
"""
